"""Turn an :class:`Assessment` (and derived facts) into the flat fact records of docs/design.md
section 4.1.

Every fact is a dict with a unique ``id``, a ``type`` and a ``code``. Optional fields are left out
rather than set to ``None``, so that presence tests mean "given".
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

import attrs

from careengine.model import Assessment, DerivedFact, Finding

Fact = dict[str, Any]

_FINDING_FIELDS = tuple(field.name for field in attrs.fields(Finding))

#: ``json.dumps`` without its per-call set-up (the same C encoder, built once; stateless)
_ENCODE_ROW = (
    c_make_encoder(None, None, encode_basestring_ascii, None, ": ", ", ", False, False, True)
    if c_make_encoder is not None
    else None
)


def _finding_order(finding: Finding) -> str:
    """The sort key of a finding: ``json.dumps(attrs.astuple(finding))``, computed cheaper."""
    row = [getattr(finding, name) for name in _FINDING_FIELDS]
    if _ENCODE_ROW is None:  # pragma: no cover - CPython always has the C encoder
        return json.dumps(row)
    return "".join(_ENCODE_ROW(row, 0))


def label(fact: Fact) -> str:
    """How a matched fact is named in ``because[].matched`` (``finding:glute_weakness``)."""
    return f"{fact['type']}:{fact['code']}"


def _measure(code: str, value: Any) -> Fact:
    return {"id": f"measure:{code}", "type": "measure", "code": code, "value": value}


#: A derived fact present in every evaluation, so a rule can apply to every assessment.
ASSESSED: Fact = {"id": "derived:assessed", "type": "derived", "code": "assessed", "value": True}


def assessment_facts(assessment: Assessment) -> list[Fact]:
    facts: list[Fact] = [dict(ASSESSED)]
    for index, finding in enumerate(sorted(assessment.findings, key=_finding_order)):
        fact: Fact = {
            "id": f"finding:{finding.code}:{index}",
            "type": "finding",
            "code": finding.code,
            "present": finding.present,
        }
        if finding.side is not None:
            fact["side"] = finding.side.value
        if finding.severity is not None:
            fact["severity"] = finding.severity.value
            fact["severity_rank"] = finding.severity.rank
        if finding.value is not None:
            fact["value"] = finding.value
        if finding.unit is not None:
            fact["unit"] = finding.unit
        if finding.direction is not None:
            fact["direction"] = finding.direction.value
        facts.append(fact)
    patient = assessment.patient
    for code in sorted(set(patient.conditions)):
        facts.append({"id": f"condition:{code}", "type": "condition", "code": code})
    for code in sorted(set(assessment.red_flags)):
        facts.append({"id": f"red_flag:{code}", "type": "red_flag", "code": code})
    for code in sorted(set(patient.declines)):
        facts.append({"id": f"preference:{code}", "type": "preference", "code": code})
    measures: dict[str, Any] = {}
    if patient.age is not None:
        measures["age"] = patient.age
    if patient.pregnancy is not None:
        if patient.pregnancy.gestational_week is not None:
            measures["gestational_week"] = patient.pregnancy.gestational_week
        if patient.pregnancy.postpartum_weeks is not None:
            measures["postpartum_weeks"] = patient.pregnancy.postpartum_weeks
    pain = assessment.pain
    for code, value in (("nprs_current", pain.current), ("nprs_worst", pain.worst)):
        if value is not None:
            measures[code] = value
    if pain.best is not None:
        measures["nprs_best"] = pain.best
    episode = assessment.episode
    if episode.duration_days is not None:
        measures["symptom_duration_days"] = episode.duration_days
    if episode.onset_age is not None:
        measures["onset_age"] = episode.onset_age
    if episode.leg_symptoms is not None:
        measures["leg_symptoms"] = episode.leg_symptoms.value
    measures.update(assessment.measures)
    facts.extend(_measure(code, measures[code]) for code in sorted(measures))
    return facts


def value_text(value: Any) -> str:
    """``json.dumps(value)``, without its per-call set-up for the scalars facts hold."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is str:
        return str(encode_basestring_ascii(value))
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return json.dumps(value)


def derived_fact(fact: DerivedFact) -> Fact | None:
    """A derived fact record; ``None`` values are not asserted (rules never fire on unknown)."""
    if fact.value is None:
        return None
    return {
        "id": f"derived:{fact.code}={value_text(fact.value)}",
        "type": "derived",
        "code": fact.code,
        "value": fact.value,
    }


def derived_facts(facts: Iterable[DerivedFact]) -> list[Fact]:
    out = {}
    for fact in facts:
        record = derived_fact(fact)
        if record is not None:
            out[record["id"]] = record
    return [out[k] for k in sorted(out)]
