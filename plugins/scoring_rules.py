"""Clinical prediction rules and classifications of docs/design.md section 11, three-valued.

Each builder returns a :class:`~careengine.model.Classification` with exactly the plan keys of
docs/design.md section 6.3, ``missing`` (the inputs that would decide a ``null`` value), ``inputs``
(the input values used, keyed by where they come from) and ``criteria_met`` (the names of the
criteria met). Thresholds are the published ones as docs/design.md section 11 fixes them (strict
``<`` and ``>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careengine.io.assessment_format import AXSPA_FEATURES
from careengine.model import Assessment, Classification, Direction, LegSymptoms
from careengine_plugins.scoring_criteria import (
    Criterion,
    absent_criterion,
    all_of,
    any_of,
    at_least,
    compare,
    finding_criterion,
    finding_label,
    finding_state,
    measurements,
    on_either_side,
    unknown_inputs,
)
from careengine_plugins.scoring_scores import SOURCES, Scores

DURATION = "episode.duration_days"
LEG = "episode.leg_symptoms"
AGE = "patient.age"
ONSET_AGE = "episode.onset_age"
AXSPA_FEATURES_INPUT = "questionnaires.axspa_features"
HLA_B27_INPUT = "questionnaires.hla_b27"


def _leg(assessment: Assessment) -> str | None:
    leg = assessment.episode.leg_symptoms
    return None if leg is None else leg.value


def _duration_under_16(assessment: Assessment) -> Criterion:
    days = assessment.episode.duration_days
    return compare("duration_under_16_days", days, days is not None and days < 16, DURATION)


def _no_symptoms_below_knee(assessment: Assessment) -> Criterion:
    leg = assessment.episode.leg_symptoms
    return compare(
        "no_symptoms_below_knee", leg, leg is not None and leg is not LegSymptoms.BELOW_KNEE, LEG
    )


# --- Manipulation CPR (Flynn 2002) and the pragmatic rule (Fritz 2005) ---------------------------


def cpr_manipulation(assessment: Assessment, scores: Scores) -> Classification:
    """Positive when at least 4 of the 5 criteria are met."""
    findings = assessment.findings
    work = scores.fabq_work.value
    hypomobility = finding_state(findings, "lumbar_hypomobility")
    hip, hip_values = on_either_side(
        "hip_internal_rotation_over_35_deg",
        findings,
        "hip_internal_rotation",
        lambda degrees: degrees > 35,
    )
    criteria = [
        _duration_under_16(assessment),
        _no_symptoms_below_knee(assessment),
        compare("fabq_work_under_19", work, work is not None and work < 19, SOURCES["fabq_work"]),
        finding_criterion("lumbar_hypomobility_present", "lumbar_hypomobility", hypomobility),
        hip,
    ]
    tally = at_least(4, criteria)
    return Classification(
        name="cpr_manipulation",
        values={"criteria_met": tally.met, "criteria_known": tally.known, "positive": tally.value},
        missing=tally.missing,
        inputs={
            DURATION: assessment.episode.duration_days,
            LEG: _leg(assessment),
            "fabq.work": work,
            finding_label("lumbar_hypomobility"): hypomobility,
            finding_label("hip_internal_rotation"): hip_values,
        },
        criteria_met=tally.met_names,
    )


def cpr_manipulation_pragmatic(assessment: Assessment) -> Classification:
    """Positive when duration < 16 days and no symptoms below the knee (a conjunction)."""
    parts = [_duration_under_16(assessment), _no_symptoms_below_knee(assessment)]
    rule = all_of("pragmatic_rule", parts)
    return Classification(
        name="cpr_manipulation_pragmatic",
        values={"positive": rule.met},
        missing=rule.inputs if rule.met is None else (),
        inputs={DURATION: assessment.episode.duration_days, LEG: _leg(assessment)},
        criteria_met=tuple(p.name for p in parts if p.met is True),
    )


# --- Stabilization (Hicks 2005) ------------------------------------------------------------------


def stabilization(assessment: Assessment, scores: Scores) -> tuple[Classification, Criterion]:
    """Success: at least 3 of 4 criteria; failure: at least 2 of 4 criteria.

    Returns the classification and the success prediction as one criterion (for TBC: its inputs
    are those that would decide the success prediction only).
    """
    findings = assessment.findings
    age = assessment.patient.age
    slr = [float(f.value or 0.0) for f in measurements(findings, "straight_leg_raise")]
    mean_slr = sum(slr) / len(slr) if slr else None
    pa = scores.fabq_pa.value
    aberrant = finding_state(findings, "aberrant_movement")
    instability = finding_state(findings, "prone_instability_test_positive")
    hypermobility = finding_state(findings, "lumbar_hypermobility")
    success = at_least(
        3,
        [
            compare("age_under_40", age, age is not None and age < 40, AGE),
            compare(
                "mean_straight_leg_raise_over_91_deg",
                mean_slr,
                mean_slr is not None and mean_slr > 91,
                finding_label("straight_leg_raise"),
            ),
            finding_criterion("aberrant_movement_present", "aberrant_movement", aberrant),
            finding_criterion(
                "prone_instability_test_positive", "prone_instability_test_positive", instability
            ),
        ],
    )
    failure = at_least(
        2,
        [
            absent_criterion(
                "prone_instability_test_negative", "prone_instability_test_positive", instability
            ),
            absent_criterion("aberrant_movement_absent", "aberrant_movement", aberrant),
            absent_criterion("lumbar_hypermobility_absent", "lumbar_hypermobility", hypermobility),
            compare("fabq_pa_under_9", pa, pa is not None and pa < 9, SOURCES["fabq_pa"]),
        ],
    )
    classification = Classification(
        name="stabilization",
        values={
            "success_criteria_met": success.met,
            "predicted_success": success.value,
            "failure_criteria_met": failure.met,
            "predicted_failure": failure.value,
        },
        missing=tuple(dict.fromkeys(success.missing + failure.missing)),
        inputs={
            AGE: age,
            finding_label("straight_leg_raise"): slr,
            "mean_straight_leg_raise": mean_slr,
            finding_label("aberrant_movement"): aberrant,
            finding_label("prone_instability_test_positive"): instability,
            finding_label("lumbar_hypermobility"): hypermobility,
            "fabq.pa": pa,
        },
        criteria_met=success.met_names + failure.met_names,
    )
    predicted = Criterion(
        name="stabilization_predicted_success", met=success.value, inputs=success.missing
    )
    return classification, predicted


# --- TBC subgroups (Fritz 2007 / Brennan 2006, simplified) ---------------------------------------

#: The findings TBC reads, in the order ``inputs`` lists them: present or not, and by direction.
_TBC_FINDINGS = ("lateral_shift", "radicular_signs", "crossed_slr_positive")
_TBC_DIRECTED = ("centralization", "peripheralization")


def _outcome(name: str, classification: Classification, key: str) -> Criterion:
    value = classification.values[key]
    return Criterion(name=name, met=value, inputs=classification.missing if value is None else ())


def tbc(
    assessment: Assessment,
    cpr: Classification,
    pragmatic: Classification,
    stab: Classification,
    stab_success: Criterion,
) -> tuple[Classification, tuple[str, ...]]:
    """The TBC subgroups whose criteria are met, and whether more than one is (three-valued).

    ``subgroups`` lists the subgroups that apply; a subgroup whose rule is undecided is not
    listed, and the inputs that would decide it are in ``missing``. Returns the classification
    and the subgroups (for the per-subgroup derived facts).
    """
    findings = assessment.findings
    age = assessment.patient.age
    leg = assessment.episode.leg_symptoms
    stenosis = "spinal_stenosis" in assessment.patient.conditions
    # each finding's state once, for the criteria and for ``inputs``
    present = {code: finding_state(findings, code) for code in _TBC_FINDINGS}
    directed: dict[str, dict[Direction, bool | None]] = {}
    for code in _TBC_DIRECTED:
        entries = [f for f in findings if f.code == code]  # scanned once, not once a direction
        directed[code] = {d: finding_state(entries, code, d) for d in Direction}

    def central(direction: Direction) -> Criterion:
        return finding_criterion(
            f"centralization_{direction.value}",
            "centralization",
            directed["centralization"][direction],
        )

    parts: dict[str, Sequence[Criterion]] = {
        "manipulation": [
            _outcome("cpr_manipulation_positive", cpr, "positive"),
            _outcome("pragmatic_rule_positive", pragmatic, "positive"),
        ],
        "stabilization": [stab_success],
        "specific_exercise_extension": [central(Direction.EXTENSION)],
        "specific_exercise_flexion": [
            central(Direction.FLEXION),
            all_of(
                "age_over_50_with_spinal_stenosis",
                [
                    compare("age_over_50", age, age is not None and age > 50, AGE),
                    Criterion(name="spinal_stenosis", met=stenosis),
                ],
            ),
        ],
        "specific_exercise_lateral_shift": [
            finding_criterion("lateral_shift_present", "lateral_shift", present["lateral_shift"]),
            central(Direction.LATERAL),
        ],
        "traction": [
            compare(
                "leg_symptoms_above_or_below_knee",
                leg,
                leg in (LegSymptoms.ABOVE_KNEE, LegSymptoms.BELOW_KNEE),
                LEG,
            ),
            finding_criterion(
                "radicular_signs_present", "radicular_signs", present["radicular_signs"]
            ),
            any_of(
                "peripheralization_extension_or_crossed_slr",
                [
                    finding_criterion(
                        "peripheralization_extension",
                        "peripheralization",
                        directed["peripheralization"][Direction.EXTENSION],
                    ),
                    finding_criterion(
                        "crossed_slr_positive",
                        "crossed_slr_positive",
                        present["crossed_slr_positive"],
                    ),
                ],
            ),
        ],
    }
    rules = [
        all_of(name, p) if name == "traction" else any_of(name, p) for name, p in parts.items()
    ]
    subgroups = tuple(sorted(r.name for r in rules if r.met is True))
    overlap = at_least(2, rules)
    missing = unknown_inputs(rules)
    inputs: dict[str, Any] = {
        "cpr_manipulation.positive": cpr.values["positive"],
        "cpr_manipulation_pragmatic.positive": pragmatic.values["positive"],
        "stabilization.predicted_success": stab.values["predicted_success"],
        AGE: age,
        LEG: _leg(assessment),
        "patient.conditions.spinal_stenosis": stenosis,
    }
    for code, state in present.items():
        inputs[finding_label(code)] = state
    for code, states in directed.items():
        inputs[finding_label(code)] = {d.value: state for d, state in states.items()}
    met = tuple(f"{name}.{p.name}" for name, ps in parts.items() for p in ps if p.met is True)
    classification = Classification(
        name="tbc",
        values={"subgroups": list(subgroups), "overlap": overlap.value},
        missing=missing,
        inputs=inputs,
        criteria_met=met,
    )
    return classification, subgroups


# --- axSpA (NICE NG65) ---------------------------------------------------------------------------


def axspa(assessment: Assessment) -> Classification:
    """Eligible when onset age < 45 and duration > 90 days; refer when eligible and either at
    least 4 features, or exactly 3 with HLA-B27 positive.

    Unknowns exactly as docs/design.md section 11 states them for axSpA: ``eligible`` is null when
    onset age or duration is unknown; ``features`` is null when ``axspa_features`` is absent;
    ``refer`` is false when ``eligible`` is false, else null when ``eligible`` or ``features`` is
    null or when there are exactly 3 features and HLA-B27 was not tested.
    """
    onset = assessment.episode.onset_age
    days = assessment.episode.duration_days
    q = assessment.questionnaires
    listed = q.get("axspa_features")
    hla = q.get("hla_b27")
    met: list[str] = []
    eligible: bool | None = None
    if onset is not None and days is not None:
        eligible = onset < 45 and days > 90
    if onset is not None and onset < 45:
        met.append("onset_age_under_45")
    if days is not None and days > 90:
        met.append("duration_over_90_days")

    counted: list[str] | None = None
    features: int | None = None
    if listed is not None:
        found = set(listed)
        if onset is not None and onset < 35:
            found.add("onset_before_35")
        counted = [f for f in AXSPA_FEATURES if f in found]
        features = len(counted)
        if features >= 4:
            met.append("at_least_4_features")
        elif features == 3 and hla == "positive":
            met.append("3_features_and_hla_b27_positive")

    refer: bool | None
    if eligible is False:
        refer = False
    elif eligible is None or features is None or (features == 3 and hla is None):
        refer = None
    else:
        refer = features >= 4 or (features == 3 and hla == "positive")

    missing: list[str] = []
    if eligible is None:
        missing += [name for name, v in ((ONSET_AGE, onset), (DURATION, days)) if v is None]
    if features is None:
        missing.append(AXSPA_FEATURES_INPUT)
    if refer is None and features == 3 and hla is None:
        missing.append(HLA_B27_INPUT)
    return Classification(
        name="axspa",
        values={"eligible": eligible, "features": features, "refer": refer},
        missing=missing,
        inputs={
            ONSET_AGE: onset,
            DURATION: days,
            AXSPA_FEATURES_INPUT: None if listed is None else list(listed),
            "features_counted": counted,
            HLA_B27_INPUT: hla,
        },
        criteria_met=met,
    )
