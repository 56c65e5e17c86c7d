"""The floor contender's input side, hand-written on plain JSON data: a check of the fields it
reads, the fact records, and the questionnaire scores and prediction rules the built-in rules
test (``startback.risk``, ``odi.band``, ``fabq.work``, ``tbc.subgroup.*``, ``tbc.overlap``,
``axspa.*``). See :mod:`benchmarks.floor` for what it does and leaves out."""

from __future__ import annotations

from typing import Any

# the contract's feature list (design section 11) has one source; the scoring is the floor's
from careengine.io.assessment_format import AXSPA_FEATURES

Fact = dict[str, Any]

SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
SIDES = frozenset({"left", "right", "bilateral"})


class FloorInputError(ValueError):
    """The floor's one error for input it cannot use."""


def _number(value: Any, where: str, low: float, high: float) -> None:
    if type(value) not in (int, float) or not low <= value <= high:
        raise FloorInputError(f"{where}: a number from {low} to {high} expected")


def check(data: Any) -> None:
    """The fields the floor reads have the types and ranges it relies on (a subset of the
    schema: no unknown-field, date, code or cross-field checks)."""
    if not isinstance(data, dict) or data.get("schema") != "careengine.assessment/1":
        raise FloorInputError("$: not a careengine.assessment/1 object")
    patient = data.get("patient")
    if not isinstance(patient, dict) or not isinstance(patient.get("id"), str):
        raise FloorInputError("$.patient.id: a string expected")
    if "age" in patient:
        _number(patient["age"], "$.patient.age", 0, 130)
    for index, finding in enumerate(data.get("findings", [])):
        if not isinstance(finding, dict) or not isinstance(finding.get("code"), str):
            raise FloorInputError(f"$.findings[{index}].code: a string expected")
        if finding.get("severity", "mild") not in SEVERITY_RANK:
            raise FloorInputError(f"$.findings[{index}].severity: unknown")
        if finding.get("side", "left") not in SIDES:
            raise FloorInputError(f"$.findings[{index}].side: unknown")
    for key, value in data.get("pain", {}).items():
        _number(value, f"$.pain.{key}", 0, 10)
    for key, value in data.get("measures", {}).items():
        _number(value, f"$.measures.{key}", -1e15, 1e15)


def facts(data: dict[str, Any]) -> list[Fact]:
    """The fact records of docs/design.md section 4.1 (the same fields as careengine's)."""
    out: list[Fact] = [{"type": "derived", "code": "assessed", "value": True}]
    for finding in data.get("findings", ()):
        fact: Fact = {"type": "finding", "code": finding["code"]}
        fact["present"] = finding.get("present", True)
        for key in ("side", "value", "unit", "direction"):
            if key in finding:
                fact[key] = finding[key]
        if "severity" in finding:
            fact["severity"] = finding["severity"]
            fact["severity_rank"] = SEVERITY_RANK[finding["severity"]]
        out.append(fact)
    patient = data["patient"]
    for code in sorted(set(patient.get("conditions", ()))):
        out.append({"type": "condition", "code": code})
    for code in sorted(set(data.get("red_flags", ()))):
        out.append({"type": "red_flag", "code": code})
    for code in sorted(set(patient.get("declines", ()))):
        out.append({"type": "preference", "code": code})
    measures: dict[str, Any] = {}
    if "age" in patient:
        measures["age"] = patient["age"]
    for key in ("gestational_week", "postpartum_weeks"):
        if key in patient.get("pregnancy", {}):
            measures[key] = patient["pregnancy"][key]
    for key, value in data.get("pain", {}).items():
        measures[f"nprs_{key}"] = value
    episode = data.get("episode", {})
    for key, code in (("duration_days", "symptom_duration_days"), ("onset_age", "onset_age")):
        if key in episode:
            measures[code] = episode[key]
    if "leg_symptoms" in episode:
        measures["leg_symptoms"] = episode["leg_symptoms"]
    measures.update(data.get("measures", {}))
    out += [{"type": "measure", "code": c, "value": measures[c]} for c in sorted(measures)]
    return out


def _state(findings: list[dict[str, Any]], code: str, direction: str | None = None) -> bool:
    """Whether the finding is recorded present (two-valued: unknown counts as absent)."""
    return any(
        f["code"] == code
        and f.get("present", True)
        and (direction is None or f.get("direction") == direction)
        for f in findings
    )


def scores(data: dict[str, Any]) -> dict[str, Any]:
    """The derived facts the built-in rules test, ``{code: value}`` (``None``: undecided)."""
    q = data.get("questionnaires", {})
    m = data.get("measures", {})
    patient, episode = data["patient"], data.get("episode", {})
    findings = data.get("findings", [])
    out: dict[str, Any] = {}
    total, psychosocial = m.get("startback_total"), m.get("startback_psychosocial")
    if "startback" in q:
        agree = set(q["startback"].get("agree", ()))
        bother = int(q["startback"].get("bothersomeness") in ("very_much", "extremely"))
        total = sum(1 for i in range(1, 9) if i in agree) + bother
        psychosocial = sum(1 for i in range(5, 9) if i in agree) + bother
    risk = None
    if total is not None and total <= 3:
        risk = "low"
    elif psychosocial is not None and psychosocial >= 4:
        risk = "high"
    elif total is not None and psychosocial is not None:
        risk = "medium"
    out["startback.risk"] = risk
    percent = m.get("odi_percent")
    if "odi" in q:
        answered = [s for s in q["odi"]["sections"] if s is not None]
        percent = sum(answered) * 100 / (5 * len(answered))
    band = None
    if percent is not None:
        edges = ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippling"))
        band = next((name for edge, name in edges if percent <= edge), "bed_bound")
    out["odi.band"] = band
    work, pa = m.get("fabq_work"), m.get("fabq_pa")
    if "fabq" in q:
        answers = q["fabq"]["answers"]
        pa = sum(answers[i - 1] for i in (2, 3, 4, 5))
        work = sum(answers[i - 1] for i in (6, 7, 9, 10, 11, 12, 15))
    out["fabq.work"], out["fabq.pa"] = work, pa
    out.update(_prediction_rules(patient, episode, findings, work, q))
    return out


def _prediction_rules(
    patient: dict[str, Any],
    episode: dict[str, Any],
    findings: list[dict[str, Any]],
    work: int | None,
    q: dict[str, Any],
) -> dict[str, Any]:
    """TBC subgroups (Flynn's CPR, the pragmatic rule, Hicks' stabilization, centralization,
    traction) and axSpA, in two-valued logic."""
    days, leg, age = episode.get("duration_days"), episode.get("leg_symptoms"), patient.get("age")
    short = days is not None and days < 16
    above_knee = leg is not None and leg != "below_knee"
    hip = any(f["code"] == "hip_internal_rotation" and f.get("value", 0) > 35 for f in findings)
    cpr = [short, above_knee, work is not None and work < 19]
    cpr += [_state(findings, "lumbar_hypomobility"), hip]
    slr = [f.get("value", 0) for f in findings if f["code"] == "straight_leg_raise"]
    stab = [age is not None and age < 40, bool(slr) and sum(slr) / len(slr) > 91]
    stab += [_state(findings, "aberrant_movement")]
    stab += [_state(findings, "prone_instability_test_positive")]
    stenosis = "spinal_stenosis" in patient.get("conditions", ())
    groups = {
        "manipulation": sum(cpr) >= 4 or (short and above_knee),
        "stabilization": sum(stab) >= 3,
        "specific_exercise_extension": _state(findings, "centralization", "extension"),
        "specific_exercise_flexion": _state(findings, "centralization", "flexion")
        or (age is not None and age > 50 and stenosis),
        "specific_exercise_lateral_shift": _state(findings, "lateral_shift")
        or _state(findings, "centralization", "lateral"),
        "traction": leg in ("above_knee", "below_knee")
        and _state(findings, "radicular_signs")
        and (
            _state(findings, "peripheralization", "extension")
            or _state(findings, "crossed_slr_positive")
        ),
    }
    out: dict[str, Any] = {f"tbc.subgroup.{name}": True for name, met in groups.items() if met}
    out["tbc.overlap"] = sum(groups.values()) >= 2
    onset = episode.get("onset_age")
    eligible = None if onset is None or days is None else onset < 45 and days > 90
    features = None
    if "axspa_features" in q:
        found = set(q["axspa_features"]) | ({"onset_before_35"} if (onset or 99) < 35 else set())
        features = sum(1 for f in AXSPA_FEATURES if f in found)
    hla = q.get("hla_b27")
    refer = None
    if eligible is False:
        refer = False
    elif eligible and features is not None and not (features == 3 and hla is None):
        refer = features >= 4 or (features == 3 and hla == "positive")
    out.update({"axspa.eligible": eligible, "axspa.features": features, "axspa.refer": refer})
    return out
