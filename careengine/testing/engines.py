"""Isolated engines and assessment data for tests.

An isolated engine never loads installed plugins (the ``careengine`` entry-point group): it has
exactly the plugins and rule packs a test names, so a test's outcome does not depend on what
else happens to be installed next to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from careengine.engine import Engine
from careengine.model import Assessment, Plan
from careengine.rules.backend import durable_available


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
    return Engine(
        plugins=list(plugins),
        rules=list(rules),
        builtins=builtins,
        entry_points=False,
        **options,
    )


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
    """Assessment JSON data (DESIGN 6.1) from keyword arguments.

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
    if not isinstance(assessment, Assessment):
        assessment = engine.load_assessment(
            assessment, followup=followup, allow_unknown=allow_unknown
        )
    return engine.evaluate(assessment)
