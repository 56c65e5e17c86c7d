"""The names a golden case or a ``careengine.testing`` assertion may use, and the check of them.

An expectation naming an unknown intervention, stage or alert code would pass for the wrong
reason (``not_in_stage = [{ intervention = "crunchh" }]`` holds for every plan), so such a case
is an error, not a pass: :func:`expectation_problems` lists every unknown name with a "did you
mean". The names come from the engine the case runs on: its catalog's interventions and stages,
and the alert codes its rule packs raise (an alert raised only by a Python ``Call`` action is
known once a plan raises it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from careengine.errors import suggest
from careengine.rules.model import RaiseAlert

if TYPE_CHECKING:
    from careengine.engine import Engine
    from careengine.model import Plan

#: expectation key -> (field, kind of name) for the keys whose entries are tables
_TABLE_FIELDS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "in_stage": (("intervention", "intervention"), ("stage", "stage")),
    "not_in_stage": (("intervention", "intervention"), ("stage", "stage")),
    "excluded": (("intervention", "intervention"),),
    "deferred": (("intervention", "intervention"), ("stage", "stage")),
    "alerts": (("code", "alert"),),
    "progressed": (("intervention", "intervention"), ("from", "intervention"), ("stage", "stage")),
    "dosage": (("intervention", "intervention"), ("stage", "stage")),
}
#: the field every entry of these keys must have
_REQUIRED = {"alerts": "code"} | {key: "intervention" for key in _TABLE_FIELDS if key != "alerts"}
_STAGE_KEYS = ("current_stage", "from_stage", "to_stage")


@attrs.frozen(kw_only=True)
class Vocabulary:
    """The interventions, stages and alert codes of one engine."""

    interventions: frozenset[str]
    stages: frozenset[str]
    alerts: frozenset[str]

    @classmethod
    def of(cls, engine: Engine) -> Vocabulary:
        return cls(
            interventions=frozenset(engine.catalog.interventions),
            stages=frozenset(engine.catalog.stage_ids()),
            alerts=frozenset(
                action.code
                for pack in engine.packs
                for rule in pack.rules
                for action in rule.then
                if isinstance(action, RaiseAlert)
            ),
        )

    def union(self, other: Vocabulary) -> Vocabulary:
        return Vocabulary(
            interventions=self.interventions | other.interventions,
            stages=self.stages | other.stages,
            alerts=self.alerts | other.alerts,
        )

    def names(self, kind: str, plan: Plan | None = None) -> frozenset[str]:
        if kind == "intervention":
            return self.interventions
        if kind == "stage":
            return self.stages
        raised = frozenset(a.code for a in plan.alerts) if plan is not None else frozenset()
        return self.alerts | raised


def _unknown(value: Any, kind: str, known: Iterable[str], where: str) -> str | None:
    known = frozenset(known)
    if isinstance(value, str) and value in known:
        return None
    hint = suggest(value, known) if isinstance(value, str) else None
    return f"{where}: unknown {kind} {value!r}" + (f" (did you mean {hint!r}?)" if hint else "")


def expectation_problems(
    expect: Mapping[str, Any], vocabulary: Vocabulary, plan: Plan | None = None
) -> list[str]:
    """Every expectation naming an unknown intervention, stage or alert code (or missing the
    name it needs), one sentence each."""
    out: list[str] = []
    for key in _STAGE_KEYS:
        if key in expect:
            problem = _unknown(expect[key], "stage", vocabulary.stages, key)
            out += [problem] if problem else []
    for key, fields in _TABLE_FIELDS.items():
        for i, want in enumerate(expect.get(key, ())):
            where = f"{key}[{i}]"
            if not isinstance(want, Mapping) or _REQUIRED[key] not in want:
                out.append(f"{where}: needs a table with {_REQUIRED[key]!r}, not {want!r}")
                continue
            for field, kind in fields:
                if field in want:
                    known = vocabulary.names(kind, plan)
                    problem = _unknown(want[field], kind, known, f"{where}.{field}")
                    out += [problem] if problem else []
    for i, code in enumerate(expect.get("no_alerts", ())):
        problem = _unknown(code, "alert", vocabulary.names("alert", plan), f"no_alerts[{i}]")
        out += [problem] if problem else []
    return out
