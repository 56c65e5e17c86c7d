"""The plan's JSON text written by ``orjson``: the fast path of :mod:`careengine.render.plan_json`.

The plan is laid out as plain dicts and lists in the writer's key order and encoded by
``orjson`` (``OPT_INDENT_2``), which spells every string, integer and most floats exactly as
``json.dumps(..., indent=2, ensure_ascii=False)``. Where it would not (a float below 1e-4 or from
1e16 up, NaN and the infinities, which ``orjson`` writes ``1e-5`` or ``null``; an integer beyond
64 bits, a key that is not a string, a lone surrogate, a value of any other type), there is no
fast text: :func:`fast_plan_json` returns ``None`` and the pure writer writes the whole plan.
``tests/render/test_plan_fast.py`` holds the two writers against each other.

:func:`dosage_dict` and :func:`because_dict` are the plan's dosage and ``because`` entry as plain
data, shared with ``careengine explain --json`` and the catalog listing (one spelling of each).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from careengine.model import Because, Dosage, Plan, PlanItem, Progression, Provenance, StagePlan

_INT64 = 1 << 63


def _safe_float(value: float) -> bool:
    """Whether ``orjson`` spells ``value`` as :func:`repr` does."""
    magnitude = abs(value)
    return magnitude == 0.0 or 1e-4 <= magnitude < 1e16  # False for NaN


def plain(value: Any) -> bool:
    """Whether ``orjson`` writes ``value`` exactly as ``json.dumps`` does (exact JSON types)."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-_INT64 <= value < _INT64)
    if kind is float:
        return _safe_float(value)
    if kind is dict:
        return all(type(k) is str and plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(plain(v) for v in value)
    return False


def because_dict(b: Because) -> dict[str, Any]:
    return {
        "rule": b.rule,
        "pack": b.pack,
        "pack_version": b.pack_version,
        "plugin": b.plugin,
        "matched": list(b.matched),
        "rationale": b.rationale,
    }


def dosage_dict(d: Dosage) -> dict[str, int | str | None]:
    return {
        "sets": d.sets,
        "reps": d.reps,
        "hold_seconds": d.hold_seconds,
        "minutes": d.minutes,
        "per_week": d.per_week,
        "times_per_day": d.times_per_day,
        "weeks": d.weeks,
        "setting": None if d.setting is None else d.setting.value,
    }


def _item(item: PlanItem) -> dict[str, Any]:
    out = {
        "intervention": item.intervention,
        "kind": item.kind.value,
        "name": item.name,
        "dosage": dosage_dict(item.dosage),
        "priority": item.priority,
        "addresses": item.addresses,
        "precautions": [{"text": p.text, "source": p.source} for p in item.precautions],
        "because": [because_dict(b) for b in item.because],
    }
    if item.progressed_from is not None:
        out["progressed_from"] = item.progressed_from
    if item.proposed_stage is not None:
        out["proposed_stage"] = item.proposed_stage
    return out


def _stage(stage: StagePlan) -> dict[str, Any]:
    return {
        "id": stage.id,
        "title": stage.title,
        "goals": stage.goals,
        "progress_when": stage.progress_when,
        "items": [_item(i) for i in stage.items],
    }


def _progression(p: Progression) -> dict[str, Any]:
    out: dict[str, Any] = {
        "from_stage": p.from_stage,
        "to_stage": p.to_stage,
        "decision": p.decision.value,
        "reasons": p.reasons,
    }
    if p.assessed_on is not None:
        out["assessed_on"] = p.assessed_on
    if p.changes:
        out["changes"] = p.changes
    return out


def _provenance(p: Provenance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "engine_version": p.engine_version,
        "backend": p.backend,
        "plugins": dict(p.plugins),
        "packs": {k: {"version": v.version, "sha256": v.sha256} for k, v in p.packs.items()},
        "fingerprint": p.fingerprint,
    }
    if p.options:
        out["options"] = dict(p.options)
    return out


def plan_data(plan: Plan, *, schema: str, classifications: Mapping[str, Any]) -> dict[str, Any]:
    """The plan as plain data in the writer's key order (tuples stand for lists)."""
    out: dict[str, Any] = {
        "schema": schema,
        "patient_id": plan.patient_id,
        "assessed_on": plan.assessed_on,
        "status": plan.status.value,
        "current_stage": plan.current_stage,
    }
    if plan.current_stage_reason is not None:
        out["current_stage_reason"] = plan.current_stage_reason
    if plan.pain is not None:
        pain = plan.pain
        out["pain"] = {"current": pain.current, "worst": pain.worst, "best": pain.best}
    out["alerts"] = [
        {
            "code": a.code,
            "level": a.level.value,
            "message": a.message,
            "because": [because_dict(b) for b in a.because],
        }
        for a in plan.alerts
    ]
    out["referrals"] = [
        {"to": r.to, "urgency": r.urgency.value, "reason": r.reason} for r in plan.referrals
    ]
    out["classifications"] = classifications
    out["stages"] = [_stage(s) for s in plan.stages]
    out["excluded"] = [
        {"intervention": e.intervention, "reasons": e.reasons} for e in plan.excluded
    ]
    out["deferred"] = [
        {"intervention": d.intervention, "stage": d.stage, "reason": d.reason}
        for d in plan.deferred
    ]
    out["conflicts"] = [
        {
            "kind": c.kind,
            "interventions": c.interventions,
            "stage": c.stage,
            "resolution": c.resolution,
            "winner": c.winner,
            "details": c.details,
        }
        for c in plan.conflicts
    ]
    out["unaddressed"] = plan.unaddressed
    out["unrecognized"] = plan.unrecognized
    out["not_used"] = [
        {"code": n.code, "kind": n.kind.value, "reason": n.reason} for n in plan.not_used
    ]
    if plan.progression is not None:
        out["progression"] = _progression(plan.progression)
    if plan.history:
        out["history"] = [_progression(p) for p in plan.history]
    out["provenance"] = _provenance(plan.provenance)
    return out


def fast_plan_json(
    plan: Plan, *, schema: str, classifications: Mapping[str, Any], orjson: ModuleType
) -> str | None:
    """The writer's text (without ``content_sha256``) by ``orjson``, or ``None`` where
    ``orjson`` would spell some value differently (see the module docstring)."""
    data = plan_data(plan, schema=schema, classifications=classifications)
    if not plain(data):
        return None
    try:
        encoded: bytes = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:  # a lone surrogate, say
        return None
    return encoded.decode("utf-8")
