"""Isolated engines and assessment data for tests.

An isolated engine never loads installed plugins (the ``careengine`` entry-point group): it has
exactly the plugins and rule packs a test names, so a test's outcome does not depend on what
else happens to be installed next to it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from careengine.engine import Engine
from careengine.model import Assessment, Plan
from careengine.rules.backend import durable_available
from careengine.rules.golden_vocabulary import Vocabulary

#: How many engine configurations :func:`remember` keeps (the oldest is forgotten first).
MEMORY = 512

_Key = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...]]


class _Vocabularies:
    """The vocabulary (interventions, stages, alert codes) of every engine these helpers built
    or evaluated with, by engine configuration (the plugins and packs a plan's provenance
    names), so that an assertion given only a plan can tell an unknown name from an absent one.
    A cache for test helpers: it never changes what an engine does."""

    def __init__(self) -> None:
        self._known: dict[_Key, Vocabulary] = {}
        self._seen: weakref.WeakSet[Engine] = weakref.WeakSet()

    def remember(self, engine: Engine) -> None:
        if engine in self._seen:
            return
        self._seen.add(engine)
        key = _key(
            {name: info.version for name, info in engine.host.infos.items()},
            {p.id: (p.version, p.sha256) for p in engine.packs},
        )
        vocabulary = Vocabulary.of(engine)
        old = self._known.pop(key, None)
        self._known[key] = vocabulary if old is None else old.union(vocabulary)
        while len(self._known) > MEMORY:
            del self._known[next(iter(self._known))]

    def of(self, plan: Plan) -> Vocabulary | None:
        prov = plan.provenance
        return self._known.get(
            _key(prov.plugins, {k: (v.version, v.sha256) for k, v in prov.packs.items()})
        )


def _key(plugins: Mapping[str, str], packs: Mapping[str, tuple[str, str]]) -> _Key:
    return (
        tuple(sorted(plugins.items())),
        tuple(sorted((pack, version, sha) for pack, (version, sha) in packs.items())),
    )


VOCABULARIES = _Vocabularies()


def remember(engine: Engine) -> Engine:
    """Let the assertions of :mod:`careengine.testing` check names against this engine's
    catalog (done by :func:`isolated_engine`, :func:`evaluate` and the fixtures)."""
    VOCABULARIES.remember(engine)
    return engine


def vocabulary_of(plan: Plan) -> Vocabulary | None:
    """The vocabulary of the engine that made ``plan``, when these helpers know that engine."""
    return VOCABULARIES.of(plan)


def isolated_engine(
    *,
    plugins: Sequence[str | object] = (),
    rules: Sequence[str | Path] = (),
    builtins: bool | Sequence[str] = True,
    **options: Any,
) -> Engine:
    """An :class:`~careengine.engine.Engine` with exactly these plugins and packs.

    :param plugins: plugin modules (objects or importable names), ``.py`` paths or objects.
    :param rules: directories or ``.toml`` files of rule packs.
    :param builtins: the built-in knowledge base (``True``), none (``False``) or module names.
    :param options: any other :class:`~careengine.engine.Engine` option (``backend``,
        ``max_items_per_stage``, ...). ``entry_points`` is refused: installed plugins are never
        loaded here; pass the ones a test needs in ``plugins``.
    """
    if "entry_points" in options:
        raise TypeError(
            "isolated engines never load installed plugins; pass them in plugins=[...] instead "
            "of entry_points"
        )
    engine = Engine(
        plugins=list(plugins),
        rules=list(rules),
        builtins=builtins,
        entry_points=False,
        **options,
    )
    return remember(engine)


def backends() -> list[Any]:
    """Rule backends to parametrize a test with: ``python``, and ``durable`` (skipped where
    durable-rules does not import). Both must give the same plan."""
    return [
        "python",
        pytest.param(
            "durable",
            marks=pytest.mark.skipif(
                not durable_available(), reason="durable-rules does not import here"
            ),
        ),
    ]


def assessment_data(
    *,
    findings: Iterable[Mapping[str, Any] | str] = (),
    conditions: Sequence[str] = (),
    declines: Sequence[str] = (),
    red_flags: Sequence[str] = (),
    age: int | None = None,
    sex: str | None = None,
    pain: int | Mapping[str, int] | None = None,
    episode: Mapping[str, Any] | None = None,
    measures: Mapping[str, float] | None = None,
    questionnaires: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    assessed_on: str | None = None,
    patient_id: str = "p-test",
) -> dict[str, Any]:
    """Assessment JSON data (docs/design.md section 6.1) from keyword arguments.

    A finding given as a string is that code, present; ``pain`` as a number is the current pain.
    ``response`` makes it a follow-up (load it with ``followup=True``).
    """
    patient: dict[str, Any] = {"id": patient_id, "conditions": list(conditions)}
    if declines:
        patient["declines"] = list(declines)
    if age is not None:
        patient["age"] = age
    if sex is not None:
        patient["sex"] = sex
    data: dict[str, Any] = {
        "patient": patient,
        "findings": [{"code": f} if isinstance(f, str) else dict(f) for f in findings],
        "red_flags": list(red_flags),
    }
    optional: dict[str, Any] = {
        "assessed_on": assessed_on,
        "pain": {"current": pain} if isinstance(pain, int) else pain,
        "episode": episode,
        "measures": measures,
        "questionnaires": questionnaires,
        "response": response,
    }
    data.update({key: _plain(value) for key, value in optional.items() if value})
    return data


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def evaluate(
    engine: Engine,
    assessment: Assessment | Mapping[str, Any] | str | Path,
    *,
    followup: bool = False,
    allow_unknown: bool = False,
) -> Plan:
    """Load (unless it already is an :class:`Assessment`) and evaluate one assessment."""
    remember(engine)
    if not isinstance(assessment, Assessment):
        assessment = engine.load_assessment(
            assessment, followup=followup, allow_unknown=allow_unknown
        )
    return engine.evaluate(assessment)
