"""JSON Schema (draft 2020-12) of the plan (docs/design.md section 6.3), built from the loaded
catalog (intervention and stage ids as enums); ``careengine schema plan`` prints it."""

from __future__ import annotations

from typing import Any

from careengine.io.schema_fragments import DIALECT, _codes, _object, _strings
from careengine.model import (
    DOSAGE_COUNTS,
    AlertLevel,
    Decision,
    DosageSetting,
    InterventionKind,
    PlanStatus,
    Urgency,
    UsageKind,
)
from careengine.plugins.registry import Catalog
from careengine.render.serialize import PLAN_SCHEMA


def _plan_defs(catalog: Catalog) -> dict[str, Any]:
    count = {"type": ["integer", "null"], "minimum": 0}
    because = _object(
        {
            "rule": {"type": "string"},
            "pack": {"type": "string"},
            "pack_version": {"type": "string"},
            "plugin": {"type": "string"},
            "matched": _strings(),
            "rationale": {"type": "string"},
        },
        required=("rule", "pack", "pack_version", "plugin", "matched", "rationale"),
    )
    item_keys = ("intervention", "kind", "name", "dosage", "priority", "addresses")
    return {
        "intervention_id": _codes("intervention code", catalog.interventions),
        "stage_id": {"title": "stage code", "type": "string", "enum": list(catalog.stage_ids())},
        "because": because,
        "dosage": _object(
            {
                **{k: count for k in DOSAGE_COUNTS},
                "setting": {
                    "enum": [*(s.value for s in DosageSetting), None],
                    "description": "home: the home programme; session: with the therapist in a "
                    "visit; home_and_session: both; every_visit: part of every visit (no count of "
                    "its own)",
                },
            },
            # times_per_day, weeks and setting came later: a plan written before them is valid
            required=("sets", "reps", "hold_seconds", "minutes", "per_week"),
        ),
        "item": _object(
            {
                "intervention": {"$ref": "#/$defs/intervention_id"},
                "kind": {"enum": [k.value for k in InterventionKind]},
                "name": {"type": "string"},
                "dosage": {"$ref": "#/$defs/dosage"},
                "priority": {"type": "integer"},
                "addresses": _strings(),
                "precautions": {
                    "type": "array",
                    "items": _object(
                        {"text": {"type": "string"}, "source": {"type": "string"}},
                        required=("text", "source"),
                    ),
                },
                "because": {"type": "array", "items": {"$ref": "#/$defs/because"}},
                "progressed_from": {
                    "$ref": "#/$defs/intervention_id",
                    "description": "reassessment: the exercise this one progressed or "
                    "regressed from",
                },
                "proposed_stage": {
                    "$ref": "#/$defs/stage_id",
                    "description": "the stage the rules proposed the item for, when the merge "
                    "moved it to this one (active first, docs/design.md section 5)",
                },
            },
            required=(*item_keys, "precautions", "because"),
        ),
        "progression": _object(
            {
                "from_stage": {"$ref": "#/$defs/stage_id"},
                "to_stage": {"$ref": "#/$defs/stage_id"},
                "decision": {"enum": [d.value for d in Decision]},
                "reasons": _strings(),
                "assessed_on": {"type": "string", "format": "date"},
                "changes": _strings(),
            },
            required=("from_stage", "to_stage", "decision", "reasons"),
        ),
    }


def plan_schema(catalog: Catalog) -> dict[str, Any]:
    """The schema of a plan (docs/design.md section 6.3) as
    :func:`careengine.render.serialize.dumps`
    writes it."""
    levels = [level.value for level in AlertLevel]
    urgencies = [u.value for u in Urgency]
    properties: dict[str, Any] = {
        "schema": {"const": PLAN_SCHEMA},
        "patient_id": {"type": "string"},
        "assessed_on": {"type": ["string", "null"], "format": "date"},
        "status": {"enum": [s.value for s in PlanStatus]},
        "current_stage": {"$ref": "#/$defs/stage_id"},
        "current_stage_reason": {
            "type": "string",
            "description": "why current_stage is the current stage, in plain words",
        },
        "pain": {
            **_object(
                {
                    key: {"type": ["integer", "null"], "minimum": 0, "maximum": 10}
                    for key in ("current", "worst", "best")
                },
                required=("current", "worst", "best"),
            ),
            "description": "the assessment's pain (0-10), the baseline of the next reassessment",
        },
        "alerts": {
            "type": "array",
            "items": _object(
                {
                    "code": {"type": "string"},
                    "level": {"enum": levels},
                    "message": {"type": "string"},
                    "because": {"type": "array", "items": {"$ref": "#/$defs/because"}},
                },
                required=("code", "level", "message", "because"),
            ),
        },
        "referrals": {
            "type": "array",
            "items": _object(
                {
                    "to": {"type": "string"},
                    "urgency": {"enum": urgencies},
                    "reason": {"type": "string"},
                },
                required=("to", "urgency", "reason"),
            ),
        },
        "classifications": {
            "type": "object",
            "description": "per classification its values; null values are listed in 'missing'",
            "additionalProperties": {
                "type": "object",
                "properties": {"missing": _strings()},
            },
        },
        "stages": {
            "type": "array",
            "items": _object(
                {
                    "id": {"$ref": "#/$defs/stage_id"},
                    "title": {"type": "string"},
                    "goals": _strings(),
                    "progress_when": _strings(),
                    "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
                },
                required=("id", "title", "goals", "progress_when", "items"),
            ),
        },
        "excluded": {
            "type": "array",
            "items": _object(
                {
                    "intervention": {"$ref": "#/$defs/intervention_id"},
                    "reasons": {**_strings(), "minItems": 1},
                },
                required=("intervention", "reasons"),
            ),
        },
        "deferred": {
            "type": "array",
            "items": _object(
                {
                    "intervention": {"$ref": "#/$defs/intervention_id"},
                    "stage": {"$ref": "#/$defs/stage_id"},
                    "reason": {"type": "string"},
                },
                required=("intervention", "stage", "reason"),
            ),
        },
        "conflicts": {
            "type": "array",
            "items": _object(
                {
                    "kind": {"type": "string"},
                    "interventions": {
                        "type": "array",
                        "items": {"$ref": "#/$defs/intervention_id"},
                    },
                    "stage": {"anyOf": [{"$ref": "#/$defs/stage_id"}, {"type": "null"}]},
                    "resolution": {"type": "string"},
                    "winner": {"type": ["string", "null"]},
                    "details": _strings(),
                },
                required=("kind", "interventions", "stage", "resolution", "winner", "details"),
            ),
        },
        "unaddressed": _strings(),
        "unrecognized": _strings(),
        "not_used": {
            "type": "array",
            "description": "recorded findings, conditions, measures and questionnaire results "
            "that changed nothing in the plan, each with the reason (absent in plans written "
            "before careengine recorded it)",
            "items": _object(
                {
                    "code": {"type": "string"},
                    "kind": {"enum": [k.value for k in UsageKind]},
                    "reason": {"type": "string"},
                },
                required=("code", "kind", "reason"),
            ),
        },
        "progression": {"$ref": "#/$defs/progression"},
        "history": {"type": "array", "items": {"$ref": "#/$defs/progression"}},
        "provenance": _object(
            {
                "engine_version": {"type": "string"},
                "backend": {"type": "string"},
                "plugins": {"type": "object", "additionalProperties": {"type": "string"}},
                "packs": {
                    "type": "object",
                    "additionalProperties": _object(
                        {"version": {"type": "string"}, "sha256": {"type": "string"}},
                        required=("version", "sha256"),
                    ),
                },
                "fingerprint": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                "options": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "the clinic options the plan was made under "
                    "(docs/design.md section 6.3)",
                },
                "content_sha256": {
                    "type": "string",
                    "pattern": "^sha256:[0-9a-f]{64}$",
                    "description": "sha256 of the plan's JSON text (2-space indentation, keys "
                    "in the writer's order) without this key; a plan whose digest does not "
                    "match was changed after it was written",
                },
            },
            required=(
                "engine_version",
                "backend",
                "plugins",
                "packs",
                "fingerprint",
                "content_sha256",
            ),
        ),
    }
    optional = {"pain", "not_used", "progression", "history", "current_stage_reason"}
    return {
        "$schema": DIALECT,
        "$id": "urn:careengine:plan:1",
        "title": f"careengine plan ({PLAN_SCHEMA})",
        "type": "object",
        "properties": properties,
        "required": [key for key in properties if key not in optional],
        "additionalProperties": False,
        "$defs": _plan_defs(catalog),
    }
