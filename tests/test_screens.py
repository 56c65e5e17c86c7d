"""Assessment-dependent safety (issue 13, section 1): pregnancy and post-partum status as input,
the cautions that use it, thrust manipulation over 65, combined malignancy risk factors, and
age-based screens that say when they could not be completed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from careengine import AssessmentError, Engine
from careengine.fhir import assessment_bundle, read_bundle
from careengine.io.assessment import read_assessment
from careengine.io.fhir import codes as c
from careengine.model import Plan, Pregnancy
from careengine.pipeline.facts import assessment_facts
from tests.support import Propose

ENGINE = Engine(entry_points=False)
CATALOG = ENGINE.catalog


def load(data: dict[str, Any]) -> Any:
    data = {**data, "patient": {"id": "t-1", **data.get("patient", {})}}
    return ENGINE.load_assessment(data)


def evaluate(data: dict[str, Any]) -> Plan:
    return ENGINE.evaluate(load(data))


def problems(data: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(AssessmentError) as info:
        load(data)
    return [(p.path, p.message) for p in info.value.problems]


def alerts(plan: Plan) -> dict[str, str]:
    return {a.code: a.level.value for a in plan.alerts}


def precautions(plan: Plan) -> dict[str, list[str]]:
    return {
        item.intervention: [p.text for p in item.precautions]
        for stage in plan.stages
        for item in stage.items
    }


def pregnant(week: int | None = None, **patient: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"conditions": ["pregnancy"], **patient}
    if week is not None:
        out["pregnancy"] = {"gestational_week": week}
    return out


# --- the input field ---------------------------------------------------------------------------


def test_gestational_week_and_postpartum_weeks_are_read() -> None:
    a = load({"patient": pregnant(20)})
    assert a.patient.pregnancy == Pregnancy(gestational_week=20)
    b = load({"patient": {"pregnancy": {"postpartum_weeks": 6}}})
    assert b.patient.pregnancy == Pregnancy(postpartum_weeks=6)
    assert load({"patient": {"pregnancy": None}}).patient.pregnancy is None
    assert load({"patient": {"pregnancy": {}}}).patient.pregnancy is None


GESTATION_ALONE = "a gestational week needs the condition 'pregnancy' in patient.conditions"
POSTPARTUM_PREGNANT = (
    "a post-partum status contradicts the condition 'pregnancy' in patient.conditions"
)
BOTH = (
    "gives both gestational_week and postpartum_weeks: a patient is either pregnant or post-partum"
)


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        (
            {"pregnancy": {"gestational_week": 20}},
            [("patient.pregnancy.gestational_week", GESTATION_ALONE)],
        ),
        (
            pregnant(None, pregnancy={"postpartum_weeks": 3}),
            [("patient.pregnancy.postpartum_weeks", POSTPARTUM_PREGNANT)],
        ),
        (
            pregnant(None, pregnancy={"gestational_week": 20, "postpartum_weeks": 3}),
            [
                ("patient.pregnancy", BOTH),
                ("patient.pregnancy.postpartum_weeks", POSTPARTUM_PREGNANT),
            ],
        ),
        (
            pregnant(43),
            [("patient.pregnancy.gestational_week", "43 is out of range (1 to 42)")],
        ),
        (
            pregnant(0),
            [("patient.pregnancy.gestational_week", "0 is out of range (1 to 42)")],
        ),
        (
            {"pregnancy": {"postpartum_weeks": 105}},
            [("patient.pregnancy.postpartum_weeks", "105 is out of range (0 to 104)")],
        ),
        (
            pregnant(None, pregnancy={"gestational_week": 20.5}),
            [("patient.pregnancy.gestational_week", "must be a whole number, not 20.5")],
        ),
        (
            pregnant(None, pregnancy={"trimester": 2}),
            [("patient.pregnancy.trimester", "unknown key 'trimester'")],
        ),
        (
            pregnant(None, pregnancy=[20]),
            [("patient.pregnancy", "must be an object, not a list")],
        ),
    ],
)
def test_inconsistent_or_bad_pregnancy_status_is_a_located_input_error(
    patient: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert problems({"patient": patient}) == expected


@pytest.mark.parametrize(
    ("patient", "valid"),
    [
        (pregnant(20), True),
        ({"pregnancy": {"postpartum_weeks": 6}}, True),
        ({"pregnancy": {"gestational_week": None, "postpartum_weeks": 6}}, True),
        (pregnant(None, pregnancy={"gestational_week": 20, "postpartum_weeks": None}), True),
        ({"pregnancy": {"gestational_week": 20}}, False),
        ({"conditions": [], "pregnancy": {"gestational_week": 20}}, False),
        (pregnant(None, pregnancy={"postpartum_weeks": 6}), False),
        (pregnant(None, pregnancy={"gestational_week": 20, "postpartum_weeks": 6}), False),
        ({"conditions": "pregnancy", "pregnancy": {"gestational_week": 20}}, False),
    ],
)
def test_the_schema_says_what_the_loader_says(patient: dict[str, Any], valid: bool) -> None:
    data = {"patient": {"id": "t-1", **patient}}
    schema = [(p.path, p.message) for p in ENGINE.schema_checker.problems(data)]
    try:
        read_assessment(copy.deepcopy(data), CATALOG, checker=_NoSchema())  # type: ignore[arg-type]
        loader: list[tuple[str | None, str]] = []
    except AssessmentError as exc:
        loader = [(p.path, p.message) for p in exc.problems]
    assert (not schema, not loader) == (valid, valid), (schema, loader)
    if not valid:  # refused for its pregnancy status, not for an unknown key
        assert {m for _, m in loader} & {GESTATION_ALONE, POSTPARTUM_PREGNANT, BOTH}
    # the pregnancy problems are located and worded alike, so each is reported once
    assert {p for p in schema if "pregnan" in p[1]} == {p for p in loader if "pregnan" in p[1]}


class _NoSchema:
    """A checker that finds nothing: the loader's own checks alone."""

    def problems(self, data: Any, **options: Any) -> list[Any]:
        return []

    def order_key(self, data: Any, **options: Any) -> Any:
        return lambda problem: problem.path or ""


def test_pregnancy_status_becomes_measure_facts() -> None:
    facts = assessment_facts(load({"patient": pregnant(24)}))
    measures = {f["code"]: f["value"] for f in facts if f["type"] == "measure"}
    assert measures["gestational_week"] == 24
    assert "postpartum_weeks" not in measures
    facts = assessment_facts(load({"patient": {"pregnancy": {"postpartum_weeks": 5}}}))
    measures = {f["code"]: f["value"] for f in facts if f["type"] == "measure"}
    assert measures["postpartum_weeks"] == 5


def test_the_published_schema_describes_the_field() -> None:
    schema = ENGINE.schema_checker.schema()
    pregnancy = schema["properties"]["patient"]["properties"]["pregnancy"]
    week = pregnancy["properties"]["gestational_week"]
    assert (week["minimum"], week["maximum"]) == (1, 42)
    after = pregnancy["properties"]["postpartum_weeks"]
    assert (after["minimum"], after["maximum"]) == (0, 104)


# --- FHIR --------------------------------------------------------------------------------------


def bundle(*observations: dict[str, Any], conditions: tuple[str, ...] = ()) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "pt", "identifier": []}
    entries: list[dict[str, Any]] = [{"fullUrl": "urn:uuid:pt", "resource": patient}]
    subject = {"reference": "urn:uuid:pt"}
    for code in conditions:
        entries.append(
            {
                "resource": {
                    "resourceType": "Condition",
                    "clinicalStatus": {
                        "coding": [{"system": c.CONDITION_CLINICAL, "code": "active"}]
                    },
                    "code": {"coding": [{"system": c.CONDITION, "code": code}]},
                    "subject": subject,
                }
            }
        )
    for obs in observations:
        entries.append(
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": subject,
                    **obs,
                }
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def gestational_age(value: float) -> dict[str, Any]:
    return {
        "code": {"coding": [{"system": c.LOINC, "code": "49051-6"}]},
        "valueQuantity": {"value": value, "unit": "wk", "system": c.UCUM, "code": "wk"},
    }


def test_fhir_gestational_age_loinc_49051_6_in_completed_weeks() -> None:
    a = read_bundle(bundle(gestational_age(24.6), conditions=("pregnancy",)), CATALOG)
    assert a.patient.pregnancy == Pregnancy(gestational_week=24)


def test_fhir_gestational_age_without_the_pregnancy_condition_is_located() -> None:
    with pytest.raises(AssessmentError) as info:
        read_bundle(bundle(gestational_age(20)), CATALOG)
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("entry[1].resource.valueQuantity.value", GESTATION_ALONE)
    ]


def test_fhir_gestational_age_needs_weeks() -> None:
    obs = gestational_age(20)
    obs["valueQuantity"] = {"value": 140, "unit": "d", "system": c.UCUM, "code": "d"}
    with pytest.raises(AssessmentError) as info:
        read_bundle(bundle(obs, conditions=("pregnancy",)), CATALOG)
    assert "unit must be UCUM 'wk'" in str(info.value.problems[0].message)


def test_fhir_postpartum_weeks_field() -> None:
    obs = {
        "code": {"coding": [{"system": c.FIELD, "code": "patient.pregnancy.postpartum_weeks"}]},
        "valueQuantity": {"value": 8, "unit": "wk", "system": c.UCUM, "code": "wk"},
    }
    a = read_bundle(bundle(obs), CATALOG)
    assert a.patient.pregnancy == Pregnancy(postpartum_weeks=8)


@pytest.mark.parametrize(
    "patient",
    [pregnant(24, age=30), {"age": 30, "pregnancy": {"postpartum_weeks": 0}}],
)
def test_fhir_round_trip_keeps_the_pregnancy_status(patient: dict[str, Any]) -> None:
    a = load({"patient": patient})
    written = json.loads(json.dumps(assessment_bundle(a, CATALOG)))
    codes = [
        coding["code"]
        for entry in written["entry"]
        for coding in entry["resource"].get("code", {}).get("coding", [])
    ]
    assert "49051-6" in codes or "patient.pregnancy.postpartum_weeks" in codes
    assert read_bundle(written, CATALOG) == a


# --- pregnancy and post-partum cautions --------------------------------------------------------

SUPINE = ("bridge", "abdominal_bracing", "dead_bug")
CORE = {
    "findings": [
        {"code": "glute_weakness", "severity": "moderate"},
        {"code": "core_facilitation_poor", "severity": "moderate"},
    ]
}


def supine_cautions(plan: Plan) -> dict[str, list[str]]:
    shown = precautions(plan)
    return {i: [t for t in shown[i] if "on your back" in t or "flat" in t] for i in SUPINE}


def test_lying_on_the_back_is_cautioned_from_week_13() -> None:
    late = evaluate({**CORE, "patient": pregnant(13, age=30)})
    assert all(supine_cautions(late).values()), precautions(late)
    early = evaluate({**CORE, "patient": pregnant(12, age=30)})
    assert not any(supine_cautions(early).values()), precautions(early)
    not_pregnant = evaluate({**CORE, "patient": {"age": 30}})
    assert not any(supine_cautions(not_pregnant).values())


def test_an_unknown_pregnancy_week_still_gets_the_supine_caution() -> None:
    plan = evaluate({**CORE, "patient": pregnant(None, age=30)})
    texts = supine_cautions(plan)
    assert all(texts.values())
    assert all("week not recorded" in t[0] for t in texts.values())


def test_loaded_abdominal_work_is_cautioned_in_the_first_12_weeks_after_birth() -> None:
    engine = Engine(
        entry_points=False,
        plugins=[Propose(["crunch", "plank", "goblet_squat"], stage="strengthen")],
        max_items_per_stage=20,
    )

    def cautions(weeks: int) -> dict[str, list[str]]:
        data = {"patient": {"id": "t-1", "age": 30, "pregnancy": {"postpartum_weeks": weeks}}}
        shown = precautions(engine.evaluate(engine.load_assessment(data)))
        return {i: [t for t in shown[i] if "giving birth" in t] for i in shown}

    four = cautions(4)
    assert four["crunch"] and four["plank"] and four["goblet_squat"]
    eight = cautions(8)
    assert eight["crunch"] and eight["plank"] and not eight["goblet_squat"]
    twelve = cautions(12)
    assert not any(twelve.values())


# --- thrust manipulation over 65 ---------------------------------------------------------------

CPR = {
    "episode": {"duration_days": 5, "leg_symptoms": "none"},
    "findings": [{"code": "glute_weakness", "severity": "moderate"}],
}


def thrust_cautions(data: dict[str, Any]) -> list[str]:
    return precautions(evaluate(data))["spinal_thrust_manipulation"]


def test_thrust_over_65_without_a_hypomobile_segment_is_cautioned() -> None:
    assert any("Over 65" in t for t in thrust_cautions({**CPR, "patient": {"age": 66}}))
    assert thrust_cautions({**CPR, "patient": {"age": 65}}) == []
    with_segment = {**CPR, "findings": [*CPR["findings"], {"code": "lumbar_hypomobility"}]}
    assert thrust_cautions({**with_segment, "patient": {"age": 70}}) == []


def test_thrust_with_an_unknown_age_is_cautioned() -> None:
    texts = thrust_cautions(CPR)
    assert any("Age not recorded" in t for t in texts)


# --- malignancy: weak risk factors together ----------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "age", "below"),
    [
        # three weak factors -> urgent; the same without one factor stays routine
        (["unexplained_weight_loss", "night_pain"], 51, 50),
        (["unexplained_weight_loss", "failed_conservative_care"], 60, 45),
        (["night_pain", "failed_conservative_care"], 70, 40),
    ],
)
def test_weak_malignancy_risk_factors_together_raise_the_level(
    flags: list[str], age: int, below: int
) -> None:
    for years, level in ((age, "urgent"), (below, "routine")):
        plan = evaluate({"red_flags": flags, "patient": {"age": years}, **CORE})
        assert alerts(plan)["malignancy_suspected"] == level, years
        assert plan.status.value == ("referral" if level == "urgent" else "ready")
        urgency = {r.to: r.urgency.value for r in plan.referrals}
        assert urgency["general practitioner"] == level


def test_three_weak_factors_without_the_age_are_urgent_too() -> None:
    flags = ["unexplained_weight_loss", "night_pain", "failed_conservative_care"]
    plan = evaluate({"red_flags": flags, **CORE})
    assert alerts(plan) == {"malignancy_suspected": "urgent"}
    assert plan.status.value == "referral"


def test_no_improvement_with_care_is_a_weak_factor_over_50() -> None:
    over = evaluate({"red_flags": ["failed_conservative_care"], "patient": {"age": 51}})
    assert alerts(over) == {"malignancy_suspected": "routine"}
    under = evaluate({"red_flags": ["failed_conservative_care"], "patient": {"age": 45}})
    assert under.alerts == ()


# --- a missing age never silently skips a screen -----------------------------------------------


AXSPA_3 = {
    "questionnaires": {
        "axspa_features": ["buttock_pain", "better_with_movement", "psoriasis_history"]
    }
}


@pytest.mark.parametrize(
    ("data", "decided", "code"),
    [
        (
            {"red_flags": ["night_pain"]},
            {"red_flags": ["night_pain"], "patient": {"age": 40}},
            "screen_incomplete.malignancy",
        ),
        (
            {"red_flags": ["failed_conservative_care"]},
            {"red_flags": ["failed_conservative_care", "history_of_cancer"]},
            "screen_incomplete.malignancy",
        ),
        (
            {"red_flags": ["unexplained_weight_loss", "night_pain"]},
            {"red_flags": ["unexplained_weight_loss", "night_pain", "failed_conservative_care"]},
            "screen_incomplete.malignancy",
        ),
        (
            {"red_flags": ["unexplained_weight_loss", "failed_conservative_care"]},
            {"red_flags": ["unexplained_weight_loss"]},  # the age cannot change the level
            "screen_incomplete.malignancy",
        ),
        (
            {"red_flags": ["minor_trauma"]},
            {"red_flags": ["minor_trauma"], "patient": {"age": 40}},
            "screen_incomplete.fracture",
        ),
        (
            {"red_flags": ["minor_trauma"]},
            {"red_flags": ["minor_trauma"], "patient": {"conditions": ["osteoporosis"]}},
            "screen_incomplete.fracture",
        ),
        (
            AXSPA_3,
            {**AXSPA_3, "episode": {"onset_age": 30, "duration_days": 100}},
            "screen_incomplete.axspa",
        ),
        (
            {"patient": {"conditions": ["spinal_stenosis"]}},
            {"patient": {"age": 45, "conditions": ["spinal_stenosis"]}},
            "screen_incomplete.tbc_flexion",
        ),
    ],
)
def test_an_age_based_screen_without_the_age_says_it_is_incomplete(
    data: dict[str, Any], decided: dict[str, Any], code: str
) -> None:
    plan = evaluate({**data, **CORE})
    alert = next((a for a in plan.alerts if a.code == code), None)
    assert alert is not None, alerts(plan)
    assert alert.level.value in ("routine", "info")
    assert "age" in alert.message and "incomplete" in alert.message
    assert plan.status.value == "ready"  # unknown is not true: nothing is withheld
    # once the screen is decided (the age given, or the level settled without it) it is silent
    settled = evaluate({**decided, **CORE})
    assert not [a.code for a in settled.alerts if a.code.startswith("screen_incomplete")]


def test_the_pregnancy_example_states_its_week_and_gets_the_supine_caution() -> None:
    data = json.loads(Path("examples/assessments/pregnancy.json").read_text())
    assert data["patient"]["pregnancy"] == {"gestational_week": 24}
    plan = ENGINE.evaluate(ENGINE.load_assessment(data))
    assert any("first trimester" in t for t in precautions(plan)["bridge"])


def test_every_supine_exercise_of_the_catalog_gets_both_supine_cautions() -> None:
    """The pregnancy pack names its supine items by hand; the catalog's exposure table says which
    exercises start lying on the back. A new supine exercise without the caution fails here."""
    import tomllib

    from careengine_plugins.interventions_safety import SUPINE

    pack = tomllib.loads(
        (Path(__file__).parent.parent / "rules" / "pregnancy.toml").read_text(encoding="utf-8")
    )
    rules = {rule["id"]: rule for rule in pack["rules"]}
    for rule_id in ("supine-after-first-trimester", "supine-week-unknown"):
        cautioned = {a["precaution"] for a in rules[rule_id]["then"] if "precaution" in a}
        assert set(SUPINE) <= cautioned, (rule_id, sorted(set(SUPINE) - cautioned))
