"""JSON Schemas (draft 2020-12) of the assessment (docs/design.md section 6.1), follow-up (6.2) and
plan (6.3).

The schemas are built from the loaded catalog, so the codes a plugin registered appear as
enums: finding, condition, red-flag and measure codes, intervention ids (``declines``, plan
items) and stage ids. ``careengine schema assessment|followup|plan`` prints them; the loader
validates every input file against the assessment schema before its own checks (see
:mod:`careengine.io.schema_check`).

What a schema cannot say is left to the loader and the plugins: whether a score given in
``measures`` agrees with the raw questionnaire answers.

Enums of codes carry a ``title`` ending in ``code`` ("finding code", ...): the error messages
use it ("unknown finding 'x'"). The order of ``properties`` is the order in which problems are
reported.
"""

from __future__ import annotations

from typing import Any

from careengine.io.assessment_format import (
    ASSESSMENT_SCHEMA,
    AXSPA_FEATURES,
    FABQ_ANSWER_RANGE,
    FABQ_ITEMS,
    GESTATION_NEEDS_PREGNANCY,
    GESTATIONAL_WEEKS,
    HLA_B27,
    MAX_FINDINGS,
    MAX_LIST,
    ODI_MIN_ANSWERED,
    ODI_SECTION_RANGE,
    ODI_SECTIONS,
    POSTPARTUM_NOT_PREGNANT,
    POSTPARTUM_WEEKS,
    PREGNANCY_CONDITION,
    PREGNANT_OR_POSTPARTUM,
    STARTBACK_BOTHERSOMENESS,
    STARTBACK_ITEMS,
)
from careengine.io.plan_schema import plan_schema
from careengine.io.schema_fragments import (
    DIALECT,
    _choice,
    _codes,
    _int,
    _list_of,
    _nullable,
    _object,
)
from careengine.model import (
    Direction,
    LegSymptoms,
    Severity,
    Side,
    TermKind,
)
from careengine.plugins.registry import Catalog

SEXES = ("female", "male", "other", "unknown")
#: Value ranges the loader applies to a measurement by its unit.
UNIT_RANGES: dict[str, tuple[float, float]] = {"deg": (0, 180)}
FOLLOWUP_ONLY = "only a follow-up assessment may carry a response block"


def _finding(catalog: Catalog, allow_unknown: bool) -> dict[str, Any]:
    code: dict[str, Any] = (
        {"type": "string", "description": "any code (--allow-unknown)"}
        if allow_unknown
        else {"$ref": "#/$defs/finding_code"}
    )
    rules: list[dict[str, Any]] = []
    units: dict[str, list[str]] = {}
    for term_code in catalog.codes(TermKind.FINDING):
        term = catalog.term(TermKind.FINDING, term_code)
        if term is not None and term.unit is not None:
            units.setdefault(term.unit, []).append(term_code)
    for unit, codes in sorted(units.items()):
        then: dict[str, Any] = {"unit": {"enum": [unit, None]}}
        if unit in UNIT_RANGES:
            lo, hi = UNIT_RANGES[unit]
            then["value"] = {"minimum": lo, "maximum": hi}
        rules.append(
            {
                "if": {"required": ["code"], "properties": {"code": {"enum": codes}}},
                "then": {"properties": then},
            }
        )
    for unit, (lo, hi) in sorted(UNIT_RANGES.items()):
        rules.append(
            {
                "if": {"required": ["unit"], "properties": {"unit": {"const": unit}}},
                "then": {"properties": {"value": {"minimum": lo, "maximum": hi}}},
            }
        )
    return _object(
        {
            "code": code,
            "unit": {
                "type": ["string", "null"],
                "description": "the catalog's unit of a measurement (e.g. deg)",
            },
            "value": {"type": ["number", "null"], "description": "a measurement"},
            "present": {
                "type": ["boolean", "null"],
                "description": "false records a negative test: examined and not found",
            },
            "side": _choice(Side),
            "severity": _choice(Severity),
            "direction": _choice(Direction),
        },
        required=("code",),
        allOf=rules,
    )


def _questionnaires() -> dict[str, Any]:
    sb_lo, sb_hi = STARTBACK_ITEMS
    odi_lo, odi_hi = ODI_SECTION_RANGE
    fabq_lo, fabq_hi = FABQ_ANSWER_RANGE
    return _nullable(
        _object(
            {
                "startback": _nullable(
                    _object(
                        {
                            "agree": {
                                "type": "array",
                                "maxItems": MAX_LIST,
                                "uniqueItems": True,
                                "items": _int(sb_lo, sb_hi, nullable=False),
                                "description": "Keele STarT Back items 1-8 answered 'agree'",
                            },
                            "bothersomeness": {"enum": list(STARTBACK_BOTHERSOMENESS)},
                        },
                        required=("agree", "bothersomeness"),
                    )
                ),
                "odi": _nullable(
                    _object(
                        {
                            "sections": {
                                "type": "array",
                                "minItems": ODI_SECTIONS,
                                "maxItems": ODI_SECTIONS,
                                "items": _int(odi_lo, odi_hi),
                                "contains": {"type": "integer"},
                                "minContains": ODI_MIN_ANSWERED,
                                "description": "the ten ODI sections scored 0-5; null where "
                                f"not answered (at least {ODI_MIN_ANSWERED} answered)",
                            }
                        },
                        required=("sections",),
                    )
                ),
                "fabq": _nullable(
                    _object(
                        {
                            "answers": {
                                "type": "array",
                                "minItems": FABQ_ITEMS,
                                "maxItems": FABQ_ITEMS,
                                "items": _int(fabq_lo, fabq_hi, nullable=False),
                                "description": "the sixteen FABQ answers, 0-6",
                            }
                        },
                        required=("answers",),
                    )
                ),
                "axspa_features": _list_of(
                    _codes("axSpA feature code", AXSPA_FEATURES), uniqueItems=True
                ),
                "hla_b27": _choice(HLA_B27),
            }
        )
    )


def _measures(catalog: Catalog) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for code in catalog.codes(TermKind.MEASURE):
        term = catalog.term(TermKind.MEASURE, code)
        schema: dict[str, Any] = {"type": ["number", "null"], "minimum": 0}
        if term is not None:
            schema["description"] = term.label
        properties[code] = schema
    return {
        "type": ["object", "null"],
        "description": "scores given directly (at least 0; the plugin that computes a score "
        "checks its range and that it agrees with the raw answers when both are given)",
        "propertyNames": {"$ref": "#/$defs/measure_code"},
        "properties": properties,
        "additionalProperties": {"type": ["number", "null"], "minimum": 0},
    }


def _pregnancy() -> dict[str, Any]:
    """``patient.pregnancy``: a gestational week or the weeks since delivery, not both."""
    gw_lo, gw_hi = GESTATIONAL_WEEKS
    pp_lo, pp_hi = POSTPARTUM_WEEKS
    both = ("gestational_week", "postpartum_weeks")
    return _nullable(
        _object(
            {
                "gestational_week": _int(
                    gw_lo,
                    gw_hi,
                    f"completed weeks of gestation; needs the condition {PREGNANCY_CONDITION!r}",
                ),
                "postpartum_weeks": _int(
                    pp_lo,
                    pp_hi,
                    "whole weeks since delivery; the patient no longer carries the condition "
                    f"{PREGNANCY_CONDITION!r}",
                ),
            },
            description="pregnancy status beyond the condition code (at most one of the two)",
            allOf=[
                {
                    "not": {
                        "type": "object",
                        "required": list(both),
                        "properties": {key: {"type": "integer"} for key in both},
                    },
                    "description": PREGNANT_OR_POSTPARTUM,
                }
            ],
        )
    )


def _pregnancy_consistency() -> list[dict[str, Any]]:
    """The patient's pregnancy status agrees with the condition ``pregnancy`` (each problem at
    the path and in the words of the loader)."""
    pregnant = {
        "required": ["conditions"],
        "properties": {"conditions": {"type": "array", "contains": {"const": PREGNANCY_CONDITION}}},
    }

    def refuse(key: str, message: str) -> dict[str, Any]:
        rule = {"not": {"type": "integer"}, "description": message}
        return {"properties": {"pregnancy": {"properties": {key: rule}}}}

    return [
        {"if": {"not": pregnant}, "then": refuse("gestational_week", GESTATION_NEEDS_PREGNANCY)},
        {"if": pregnant, "then": refuse("postpartum_weeks", POSTPARTUM_NOT_PREGNANT)},
    ]


def _response() -> dict[str, Any]:
    return _object(
        {
            "exercise_pain_max": _int(0, 10, "worst pain during the exercises, 0-10", False),
            "settled_within_24h": {"type": "boolean"},
            "adherence_percent": {"type": "number", "minimum": 0, "maximum": 100},
        },
        required=("exercise_pain_max", "settled_within_24h", "adherence_percent"),
    )


def assessment_schema(
    catalog: Catalog, *, followup: bool = False, allow_unknown: bool = False
) -> dict[str, Any]:
    """The schema of an assessment (or, with ``followup``, of a follow-up with ``response``).

    :param allow_unknown: any finding code is accepted (the ``--allow-unknown`` variant).
    """
    properties: dict[str, Any] = {
        "schema": {"enum": [ASSESSMENT_SCHEMA, None], "description": "optional"},
        "patient": _object(
            {
                "id": {"type": "string", "pattern": r"\S"},
                "age": _int(0, 120),
                "sex": _choice(SEXES),
                "conditions": _list_of({"$ref": "#/$defs/condition_code"}),
                "declines": _list_of({"$ref": "#/$defs/intervention_id"}),
                "pregnancy": _pregnancy(),
            },
            required=("id",),
            allOf=_pregnancy_consistency(),
        ),
        "assessed_on": {"type": ["string", "null"], "format": "date"},
        "episode": _nullable(
            _object(
                {
                    "duration_days": _int(0, 36500),
                    "leg_symptoms": _choice(LegSymptoms, "how far down the leg symptoms reach"),
                    "onset_age": _int(0, 120, "the patient's age when this back pain began"),
                }
            )
        ),
        "pain": _nullable(
            _object({key: _int(0, 10, f"{key} pain, 0-10") for key in ("current", "worst", "best")})
        ),
        "findings": _list_of({"$ref": "#/$defs/finding"}, MAX_FINDINGS),
        "red_flags": _list_of({"$ref": "#/$defs/red_flag_code"}),
        "questionnaires": _questionnaires(),
        "measures": _measures(catalog),
    }
    required = ["patient"]
    if followup:
        properties["response"] = _response()
        required.append("response")
    else:
        properties["response"] = {"not": {}, "description": FOLLOWUP_ONLY}
    kind = "follow-up" if followup else "assessment"
    return {
        "$schema": DIALECT,
        "$id": f"urn:careengine:{'followup' if followup else 'assessment'}:1",
        "title": f"careengine {kind} ({ASSESSMENT_SCHEMA})",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "$defs": {
            "finding": _finding(catalog, allow_unknown),
            "finding_code": _codes("finding code", catalog.codes(TermKind.FINDING)),
            "condition_code": _codes("condition code", catalog.codes(TermKind.CONDITION)),
            "red_flag_code": _codes("red flag code", catalog.codes(TermKind.RED_FLAG)),
            "measure_code": _codes("measure code", catalog.codes(TermKind.MEASURE)),
            "intervention_id": _codes("intervention code", catalog.interventions),
        },
    }


__all__ = ["DIALECT", "FOLLOWUP_ONLY", "SEXES", "UNIT_RANGES", "assessment_schema", "plan_schema"]
