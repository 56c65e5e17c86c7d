"""The loaded catalog as plain data, per kind (``careengine catalog [KIND]``).

Kinds: ``stages``, ``findings``, ``conditions``, ``red_flags``, ``measures`` and
``interventions`` (what plugins registered through ``careengine_catalog``), and ``alerts``
(the alert codes the loaded rule packs declare, with their level and rule). Every entry names
the plugin that registered it (for alerts: the pack and rule).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from careengine.engine import Engine
from careengine.errors import ConfigurationError, suggest
from careengine.model import Intervention, TermKind
from careengine.render.dosage_words import clinician_dosage
from careengine.render.plan_fast import dosage_dict
from careengine.render.serialize import dosage_from_dict
from careengine.rules.model import RaiseAlert

TERM_KINDS: dict[str, TermKind] = {
    "findings": TermKind.FINDING,
    "conditions": TermKind.CONDITION,
    "red_flags": TermKind.RED_FLAG,
    "measures": TermKind.MEASURE,
}
KINDS: tuple[str, ...] = (
    "stages",
    "findings",
    "conditions",
    "red_flags",
    "measures",
    "interventions",
    "alerts",
)


def _stages(engine: Engine) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "title": s.title,
            "order": s.order,
            "goals": list(s.goals),
            "progress_when": list(s.progress_when),
            "plugin": engine.catalog.owners.get(("stage", s.id)),
        }
        for s in engine.catalog.stages
    ]


def _terms(engine: Engine, kind: TermKind) -> list[dict[str, Any]]:
    out = []
    for code in engine.catalog.codes(kind):
        term = engine.catalog.terms[(kind, code)]
        entry: dict[str, Any] = {"code": code, "label": term.label}
        if kind is TermKind.FINDING:
            entry["impairment"] = term.impairment
            entry["region"] = term.region
        if kind in (TermKind.FINDING, TermKind.MEASURE):
            entry["unit"] = term.unit
        entry["plugin"] = engine.catalog.owners.get((f"{kind.value} code", code))
        out.append(entry)
    return out


def intervention_dict(i: Intervention) -> dict[str, Any]:
    return {
        "id": i.id,
        "kind": i.kind.value,
        "name": i.name,
        "steps": list(i.steps),
        "dosage": dosage_dict(i.dosage),
        "safety_tips": list(i.safety_tips),
        "contraindications_absolute": list(i.contraindications_absolute),
        "contraindications_relative": list(i.contraindications_relative),
        "progresses_to": i.progresses_to,
        "regresses_to": i.regresses_to,
        "alternatives": list(i.alternatives),
        "exclusive_group": i.exclusive_group,
        "evidence": i.evidence,
    }


def _interventions(engine: Engine) -> list[dict[str, Any]]:
    return [
        {**intervention_dict(i), "plugin": engine.catalog.owners.get(("intervention", i.id))}
        for i in engine.catalog.interventions.values()
    ]


def _alerts(engine: Engine) -> list[dict[str, Any]]:
    found = [
        {
            "code": action.code,
            "level": action.level.value,
            "rule": rule.id,
            "pack": pack.id,
            "message": action.message,
        }
        for pack in engine.packs
        for rule in pack.rules
        for action in rule.then
        if isinstance(action, RaiseAlert)
    ]
    return sorted(found, key=lambda a: (a["code"], a["rule"]))


def catalog_entries(engine: Engine, kind: str) -> list[dict[str, Any]]:
    """The entries of one kind, sorted by code (stages in plan order).

    :raises ConfigurationError: an unknown kind (with a "did you mean").
    """
    listers: dict[str, Callable[[Engine], list[dict[str, Any]]]] = {
        "stages": _stages,
        "interventions": _interventions,
        "alerts": _alerts,
    }
    if kind in TERM_KINDS:
        return _terms(engine, TERM_KINDS[kind])
    if kind in listers:
        return listers[kind](engine)
    hint = suggest(kind, KINDS)
    raise ConfigurationError(
        f"unknown catalog kind {kind!r}"
        + (f" (did you mean {hint!r}?)" if hint else "")
        + f"; kinds: {', '.join(KINDS)}"
    )


def entry_line(kind: str, entry: dict[str, Any]) -> str:
    """One line of the text listing."""
    if kind == "stages":
        return f"{entry['id']}: {entry['title']}"
    if kind == "interventions":
        dosage = clinician_dosage(dosage_from_dict(entry["dosage"]))
        return f"{entry['id']} ({entry['kind']}): {entry['name']} [{dosage}]"
    if kind == "alerts":
        return f"{entry['code']} ({entry['level']}): rule {entry['rule']}"
    unit = f" [{entry['unit']}]" if entry.get("unit") else ""
    return f"{entry['code']}: {entry['label']}{unit}"
