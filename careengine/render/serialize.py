"""The plan's contract JSON (docs/design.md section 6.3), both ways. Kept apart from the model.

:func:`dumps` writes it (through :mod:`careengine.render.plan_json`, which fixes the key order, so
the
same plan always gives byte-identical JSON); :func:`plan_to_dict` is that text read back, for
callers that want plain data. ``plan_from_dict`` reads a plan back (reassessment starts from a
stored plan).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from careengine.errors import AssessmentError, Problem
from careengine.model import (
    DOSAGE_COUNTS,
    Alert,
    AlertLevel,
    Because,
    Classification,
    Conflict,
    Decision,
    Deferred,
    Dosage,
    DosageSetting,
    Exclusion,
    InterventionKind,
    NotUsed,
    PackInfo,
    Pain,
    Plan,
    PlanItem,
    PlanStatus,
    Precaution,
    Progression,
    Provenance,
    Referral,
    StagePlan,
    Urgency,
    UsageKind,
)
from careengine.render.plan_json import plan_json

PLAN_SCHEMA = "careengine.plan/1"


_PLAIN = frozenset({str, int, float, bool, type(None)})


def thaw(value: Any) -> Any:
    """Frozen mappings and tuples back to plain dicts and lists."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def dosage_from_dict(d: Mapping[str, Any]) -> Dosage:
    """A dosage read back; a plan written before ``times_per_day``, ``weeks`` and ``setting``
    existed lacks them, and they stay unset."""
    setting = d.get("setting")
    return Dosage(
        **{k: d.get(k) for k in DOSAGE_COUNTS},
        setting=None if setting is None else DosageSetting(setting),
    )


def classification_dict(c: Classification) -> dict[str, Any]:
    """A classification as ``careengine explain --json`` shows it: its values, the inputs it
    was computed from, the criteria met and the inputs missing, as plain data."""
    return {
        "values": thaw(c.values),
        "inputs": thaw(c.inputs),
        "criteria_met": list(c.criteria_met),
        "missing": list(c.missing),
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan's contract JSON as plain data: exactly what :func:`dumps` writes, read back (one
    writer, :mod:`careengine.render.plan_json`, so the two can never disagree)."""
    result: dict[str, Any] = json.loads(dumps(plan))
    return result


def dumps(plan: Plan, *, fast: bool | None = None) -> str:
    """The plan's JSON text: ``json.dumps(..., indent=2, ensure_ascii=False)`` plus a newline,
    keys in the contract's order (``fast``: :func:`plan_json`'s)."""
    classifications = thaw(plan.classifications)
    return plan_json(plan, schema=PLAN_SCHEMA, classifications=classifications, fast=fast) + "\n"


def plan_to_json(plan: Plan, *, indent: int | None = None) -> str:
    """The plan's contract JSON text. ``indent=None`` (the default, for services): compact, no
    white space between tokens (separators ``","`` and ``":"``) and no final newline;
    ``indent=2``: exactly the file :func:`dumps` writes (and ``careengine evaluate`` prints);
    another indent: the same data indented so, with a final newline. Every form holds the
    same data, ``provenance.content_sha256`` included, and reads back with ``load_plan``."""
    if indent == 2:
        return dumps(plan)
    data = plan_to_dict(plan)
    if indent is None:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=indent) + "\n"


# --- reading a stored plan back ------------------------------------------------------------


def _because(d: Mapping[str, Any]) -> Because:
    return Because(
        rule=d["rule"],
        pack=d["pack"],
        pack_version=d["pack_version"],
        plugin=d["plugin"],
        matched=tuple(d.get("matched", ())),
        rationale=d.get("rationale", ""),
    )


def _progression(d: Mapping[str, Any]) -> Progression:
    return Progression(
        from_stage=d["from_stage"],
        to_stage=d["to_stage"],
        decision=Decision(d["decision"]),
        reasons=tuple(d.get("reasons", ())),
        assessed_on=d.get("assessed_on"),
        changes=tuple(d.get("changes", ())),
    )


def plan_from_dict(data: Mapping[str, Any], *, file: str | None = None) -> Plan:
    """Read a plan written by :func:`dumps`; any structural problem is an AssessmentError."""
    try:
        if data.get("schema") != PLAN_SCHEMA:
            raise ValueError(f"schema must be {PLAN_SCHEMA!r}")
        prov = data["provenance"]
        return Plan(
            patient_id=data["patient_id"],
            assessed_on=data.get("assessed_on"),
            status=PlanStatus(data["status"]),
            current_stage=data["current_stage"],
            current_stage_reason=data.get("current_stage_reason"),
            alerts=[
                Alert(
                    code=a["code"],
                    level=AlertLevel(a["level"]),
                    message=a["message"],
                    because=[_because(b) for b in a.get("because", ())],
                )
                for a in data.get("alerts", ())
            ],
            referrals=[
                Referral(to=r["to"], urgency=Urgency(r["urgency"]), reason=r["reason"])
                for r in data.get("referrals", ())
            ],
            classifications=data.get("classifications", {}),
            stages=[
                StagePlan(
                    id=s["id"],
                    title=s["title"],
                    goals=s.get("goals", ()),
                    progress_when=s.get("progress_when", ()),
                    items=[
                        PlanItem(
                            intervention=i["intervention"],
                            kind=InterventionKind(i["kind"]),
                            name=i["name"],
                            dosage=dosage_from_dict(i["dosage"]),
                            priority=i.get("priority", 50),
                            addresses=i.get("addresses", ()),
                            precautions=[Precaution(**p) for p in i.get("precautions", ())],
                            because=[_because(b) for b in i.get("because", ())],
                            progressed_from=i.get("progressed_from"),
                            proposed_stage=i.get("proposed_stage"),
                        )
                        for i in s.get("items", ())
                    ],
                )
                for s in data["stages"]
            ],
            excluded=[Exclusion(**e) for e in data.get("excluded", ())],
            deferred=[Deferred(**d) for d in data.get("deferred", ())],
            conflicts=[Conflict(**c) for c in data.get("conflicts", ())],
            unaddressed=data.get("unaddressed", ()),
            unrecognized=data.get("unrecognized", ()),
            not_used=[
                NotUsed(code=n["code"], kind=UsageKind(n["kind"]), reason=n["reason"])
                for n in data.get("not_used", ())
            ],
            progression=_progression(data["progression"]) if data.get("progression") else None,
            history=[_progression(p) for p in data.get("history", ())],
            pain=Pain(**data["pain"]) if data.get("pain") is not None else None,
            provenance=Provenance(
                engine_version=prov["engine_version"],
                backend=prov.get("backend", "?"),
                plugins=prov.get("plugins", {}),
                packs={k: PackInfo(**v) for k, v in prov.get("packs", {}).items()},
                fingerprint=prov["fingerprint"],
                options=prov.get("options", {}),
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AssessmentError(
            "not a careengine plan",
            file=file,
            problems=[Problem(file=file, path="$", message=f"not a careengine plan: {exc!r}")],
        ) from exc
