"""The example clinic plugin, tested with careengine.testing: its catalog entry, its rules, its
first-visit policy. Every engine here is isolated: it has the built-in knowledge base and this
plugin, whatever else is installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from careengine import Engine
from careengine.model import InterventionKind, Plan
from careengine.testing import (
    EngineFactory,
    assert_deferred,
    assert_excluded,
    assert_in_stage,
    assert_not_in_stage,
    assert_referral,
    assessment_data,
    backends,
    evaluate,
)

from careengine_clinic_example import plugin, policy

pytestmark = pytest.mark.careengine(plugins=[plugin])

ASSESSMENTS = Path(__file__).parent / "assessments"
PLUGIN = "careengine_clinic_example.plugin"  # a plugin passed as a module is named after it

FLARE = {"current": 5, "worst": 6}


def exercises(plan: Plan) -> list[str]:
    return [i.intervention for _, i in plan.items() if i.kind is InterventionKind.EXERCISE]


def test_the_catalog_gains_the_modified_curl_up(careengine_engine: Engine) -> None:
    curl_up = careengine_engine.catalog.interventions["modified_curl_up"]
    assert careengine_engine.catalog.owners[("intervention", "modified_curl_up")] == PLUGIN
    assert curl_up.kind is InterventionKind.EXERCISE
    assert curl_up.steps and curl_up.safety_tips and curl_up.dosage.per_week == 5
    # its easier level and alternative are built-in catalog entries; it progresses by its dosage
    assert (curl_up.regresses_to, curl_up.progresses_to) == ("abdominal_bracing", None)
    for other in (curl_up.regresses_to, *curl_up.alternatives):
        assert other in careengine_engine.catalog.interventions


def test_both_packs_are_loaded_with_their_versions(careengine_engine: Engine) -> None:
    packs = {p.id: p for p in careengine_engine.packs}
    assert (packs["clinic.example"].version, packs["clinic.example"].plugin) == ("1.0.0", PLUGIN)
    assert packs["clinic.example.flare"].plugin == PLUGIN
    plan = evaluate(careengine_engine, assessment_data(findings=["core_facilitation_poor"]))
    assert plan.provenance.packs["clinic.example"].version == "1.0.0"


def test_poor_trunk_control_gets_the_curl_up(careengine_engine: Engine) -> None:
    plan = evaluate(careengine_engine, assessment_data(findings=["core_facilitation_poor"]))
    item = assert_in_stage(plan, "modified_curl_up", "strengthen")
    assert [b.rule for b in item.because] == ["clinic.example.trunk-endurance"]
    assert item.addresses == ("core_facilitation_poor",)


def test_the_curl_up_is_not_added_without_a_matching_finding(careengine_engine: Engine) -> None:
    plan = evaluate(careengine_engine, assessment_data(findings=["glute_weakness"]))
    assert_not_in_stage(plan, "modified_curl_up")


def test_the_python_rule_sees_a_flare_up(careengine_engine: Engine) -> None:
    data = assessment_data(findings=["lumbar_extensor_weakness"], pain=FLARE, age=40)
    plan = evaluate(careengine_engine, data)
    heat = assert_in_stage(plan, "superficial_heat", "relieve")
    assert [b.rule for b in heat.because] == ["clinic.example.flare.pain-near-worst"]
    assert heat.because[0].matched == ("measure:nprs_current", "measure:nprs_worst")
    curl_up = assert_in_stage(plan, "modified_curl_up", "strengthen")
    assert [p.source for p in curl_up.precautions] == ["clinic.example.flare-short-holds"]
    # the bird dog is a companion of the curl-up (McGill's big three), not another level of it
    assert_in_stage(plan, "bird_dog", "strengthen")


def test_bracing_and_the_curl_up_are_one_level_at_a_time(careengine_engine: Engine) -> None:
    """Abdominal bracing is the curl-up's easier level: where the engine keeps bracing in a
    stage, the curl-up waits for a later visit (docs/design.md section 5, one exercise per
    purpose) instead of doubling the same exercise."""
    data = assessment_data(findings=["core_facilitation_poor"], pain=FLARE, age=40)
    plan = evaluate(careengine_engine, data)
    assert plan.current_stage == "strengthen"
    assert_in_stage(plan, "abdominal_bracing", "strengthen")
    deferred = assert_deferred(plan, "modified_curl_up", stage="strengthen")
    assert "modified_curl_up is the next level of abdominal_bracing" in deferred.reason


@pytest.mark.parametrize(
    "pain", [{"current": 5, "worst": 7}, {"current": 3, "worst": 3}, {"current": 5}]
)
def test_no_flare_up_when_pain_is_far_from_its_worst_low_or_unknown(
    careengine_engine: Engine, pain: dict[str, int]
) -> None:
    plan = evaluate(
        careengine_engine, assessment_data(findings=["lumbar_extensor_weakness"], pain=pain)
    )
    assert_not_in_stage(plan, "superficial_heat")
    assert_in_stage(plan, "modified_curl_up", "strengthen")
    assert plan.stage("strengthen").items  # the plan is otherwise unchanged
    assert not any(i.precautions for _, i in plan.items() if i.intervention == "modified_curl_up")


@pytest.mark.parametrize("condition", ["osteoporosis", "spinal_fracture"])
def test_a_contraindication_vetoes_the_curl_up_and_bracing_stands_in(
    careengine_engine: Engine, condition: str
) -> None:
    data = assessment_data(findings=["lumbar_extensor_weakness"], conditions=[condition])
    plan = evaluate(careengine_engine, data)
    assert_excluded(plan, "modified_curl_up", reason=f"contraindicated: {condition}")
    # the stand-in is proposed for strengthen; the engine starts the programme with it in the
    # current stage (relieve here), which always holds an exercise when the plan has one
    assert plan.current_stage == "relieve"
    bracing = assert_in_stage(plan, "abdominal_bracing", "relieve")
    assert bracing.proposed_stage == "strengthen"
    assert "modified_curl_up" in bracing.because[0].rationale


def test_an_acute_disc_herniation_keeps_the_curl_up_with_a_precaution(
    careengine_engine: Engine,
) -> None:
    data = assessment_data(
        findings=["core_facilitation_poor"], conditions=["acute_disc_herniation"]
    )
    item = assert_in_stage(evaluate(careengine_engine, data), "modified_curl_up", "strengthen")
    assert [p.source for p in item.precautions] == ["acute_disc_herniation"]


def test_high_risk_patients_are_referred_to_the_clinic_psychologist(
    careengine_engine: Engine,
) -> None:
    plan = evaluate(careengine_engine, ASSESSMENTS / "flare-core.json")
    assert plan.classifications["startback"]["risk"] == "high"
    assert_referral(plan, "clinic psychologist", urgency="routine")
    assert plan.status.value == "ready"


def test_a_first_visit_keeps_five_exercises_and_defers_the_rest(careengine_engine: Engine) -> None:
    plan = evaluate(careengine_engine, ASSESSMENTS / "flare-core.json")
    # the engine holds each stage to five exercises (max_exercises_per_stage); the clinic holds
    # the whole first visit to five, from the current stage (strengthen) onwards
    assert plan.current_stage == "strengthen"
    assert exercises(plan) == [
        "abdominal_bracing",
        "bird_dog",
        "hip_hinge",
        "lumbar_extension",
        "swiss_ball_bridge",
    ]
    deferred = assert_deferred(plan, "goblet_squat", stage="return", reason=policy.REASON)
    assert deferred.reason == "clinic policy: at most 5 exercises on a first visit"
    by_policy = sorted(d.intervention for d in plan.deferred if d.reason == policy.REASON)
    assert by_policy == [
        "band_trunk_rotation",
        "goblet_squat",
        "push_up",
        "romanian_deadlift",
        "row",
        "walking_program",
    ]
    # the engine's own deferrals keep their reasons: the curl-up waits behind bracing
    assert_deferred(plan, "modified_curl_up", stage="strengthen", reason="one level at a time")
    # education and modalities are not exercises: the policy leaves them in place
    assert_in_stage(plan, "psychologically_informed_care", "relieve")
    assert_in_stage(plan, "superficial_heat", "relieve")


def test_a_low_risk_first_visit_is_left_to_the_pathway(careengine_engine: Engine) -> None:
    """The built-in STarT Back pathway reviews the plan before the clinic's policy does: on a
    low risk it defers the exercise programme (advice first), so the policy finds nothing to
    cap and never claims a deferral the pathway made."""
    data = assessment_data(
        findings=["core_facilitation_poor", "lumbar_extensor_weakness", "glute_weakness"],
        questionnaires={"startback": {"agree": [], "bothersomeness": "not_at_all"}},
    )
    plan = evaluate(careengine_engine, data)
    assert plan.classifications["startback"]["risk"] == "low"
    assert exercises(plan) == []  # advice and self-management only
    assert_deferred(plan, "modified_curl_up", reason="STarT Back low risk")
    assert not [d for d in plan.deferred if d.reason == policy.REASON]


def test_a_follow_up_visit_is_not_limited(careengine_engine: Engine) -> None:
    data = assessment_data(
        findings=["core_facilitation_poor", "lumbar_extensor_weakness", "glute_weakness"],
        response={"exercise_pain_max": 2, "settled_within_24h": True, "adherence_percent": 90},
    )
    plan = evaluate(careengine_engine, data, followup=True)
    assert len(exercises(plan)) > policy.MAX_FIRST_VISIT_EXERCISES
    assert not [d for d in plan.deferred if d.reason == policy.REASON]


def test_without_the_plugin_none_of_this_happens(careengine_factory: EngineFactory) -> None:
    engine = careengine_factory()  # built-ins only
    assert "modified_curl_up" not in engine.catalog.interventions
    plan = evaluate(engine, ASSESSMENTS / "flare-core.json")
    assert len(exercises(plan)) > policy.MAX_FIRST_VISIT_EXERCISES
    assert not any(r.to == "clinic psychologist" for r in plan.referrals)


@pytest.mark.parametrize("backend", backends())
def test_every_rule_backend_gives_the_same_plan(
    careengine_factory: EngineFactory, backend: str
) -> None:
    reference = evaluate(
        careengine_factory(plugins=[plugin], backend="python"), ASSESSMENTS / "flare-core.json"
    )
    plan = evaluate(
        careengine_factory(plugins=[plugin], backend=backend), ASSESSMENTS / "flare-core.json"
    )
    assert plan.provenance.backend == backend
    assert plan.stages == reference.stages and plan.deferred == reference.deferred
