"""Properties of reassessment over random visits with the built-in knowledge base (hypothesis):
it is deterministic and independent of input order, it never places a vetoed intervention, a
regress never raises a dosage, red flags still withhold treatment, and the stage moves one step
at most."""

from __future__ import annotations

import json
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine
from careengine.model import Decision, Dosage, Plan, PlanStatus
from careengine.render.serialize import dumps
from careengine_plugins.interventions import CHAINS

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINE = Engine(entry_points=False)
CATALOG = ENGINE.catalog
STAGES = CATALOG.stage_ids()
FIELDS = ("sets", "reps", "hold_seconds", "minutes", "per_week")

IMPAIRMENTS = sorted(CATALOG.impairments())
DIRECTIONAL = (
    {"code": "centralization", "direction": "extension"},
    {"code": "centralization", "direction": "flexion"},
    {"code": "peripheralization", "direction": "extension"},
)
CONDITIONS = (
    "osteoporosis",
    "spinal_stenosis",
    "pregnancy",
    "recent_hip_surgery",
    "hypermobility_syndrome",
    "anticoagulant_therapy",
    "spinal_fracture",
)
DECLINABLE = sorted({member for chain in CHAINS for member in chain} | {"joint_mobilization"})
SAFE_FLAGS = ("night_pain", "unexplained_weight_loss")
EMERGENCY_FLAGS = ("saddle_anesthesia", "bladder_dysfunction")


@st.composite
def visits(draw: st.DrawFn, *, followup: bool, flags: tuple[str, ...] = SAFE_FLAGS) -> Any:
    findings: list[dict[str, Any]] = [
        {"code": code, "severity": draw(st.sampled_from(["mild", "moderate", "severe"]))}
        for code in draw(st.lists(st.sampled_from(IMPAIRMENTS), max_size=6, unique=True))
    ]
    findings += draw(st.lists(st.sampled_from(DIRECTIONAL), max_size=1))
    data: dict[str, Any] = {
        "patient": {
            "id": "p-prop",
            "age": draw(st.integers(18, 85)),
            "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True)),
            "declines": draw(st.lists(st.sampled_from(DECLINABLE), max_size=3, unique=True)),
        },
        "assessed_on": "2026-12-01" if followup else "2026-11-01",
        "episode": {"duration_days": draw(st.integers(1, 400)), "leg_symptoms": "none"},
        "pain": {"current": draw(st.integers(0, 10))},
        "findings": findings,
        "red_flags": draw(st.lists(st.sampled_from(flags), max_size=1)),
    }
    if followup:
        data["response"] = {
            "exercise_pain_max": draw(st.integers(0, 10)),
            "settled_within_24h": draw(st.booleans()),
            "adherence_percent": draw(st.integers(0, 100)),
        }
    return data


@st.composite
def first_plans(draw: st.DrawFn) -> Plan:
    """A first plan, sometimes with its current stage moved (as earlier visits would have)."""
    plan = ENGINE.evaluate(ENGINE.load_assessment(draw(visits(followup=False))))
    return attrs.evolve(plan, current_stage=draw(st.sampled_from([plan.current_stage, *STAGES])))


def reassess(plan: Plan, data: dict[str, Any]) -> Plan:
    return ENGINE.reassess(plan, ENGINE.load_assessment(data, followup=True))


@SETTINGS
@given(plan=first_plans(), data=visits(followup=True), seed=st.randoms(use_true_random=False))
def test_reassessment_is_deterministic_and_independent_of_input_order(
    plan: Plan, data: dict[str, Any], seed: Any
) -> None:
    expected = dumps(reassess(plan, data))
    assert dumps(reassess(plan, data)) == expected
    shuffled = json.loads(json.dumps(data))
    seed.shuffle(shuffled["findings"])
    seed.shuffle(shuffled["patient"]["conditions"])
    seed.shuffle(shuffled["patient"]["declines"])
    assert dumps(reassess(plan, shuffled)) == expected
    # the same through the stored JSON of the previous plan
    assert dumps(ENGINE.reassess(ENGINE.load_plan(json.loads(dumps(plan))), data)) == expected


def vetoed_for(data: dict[str, Any], plan: Plan) -> dict[str, str]:
    conditions = set(data["patient"]["conditions"])
    out = {i: "declined" for i in data["patient"]["declines"]}
    for intervention in CATALOG.interventions.values():
        if conditions & set(intervention.contraindications_absolute):
            out[intervention.id] = "contraindicated"
    out.update({e.intervention: "excluded" for e in plan.excluded})
    return out


@SETTINGS
@given(
    plan=first_plans(),
    data=visits(followup=True),
    later=st.one_of(st.none(), visits(followup=True)),
)
def test_a_reassessment_never_places_a_vetoed_intervention(
    plan: Plan, data: dict[str, Any], later: dict[str, Any] | None
) -> None:
    after = reassess(plan, data)
    chain = [(data, after)]
    if later is not None:
        later["assessed_on"] = "2026-12-15"
        chain.append((later, reassess(after, later)))
    for visit, result in chain:
        vetoed = vetoed_for(visit, result)
        for stage, item in result.items():
            assert item.intervention not in vetoed, (stage, item.intervention)
            assert item.kind is CATALOG.interventions[item.intervention].kind


def no_higher(new: Dosage, old: Dosage, *, both_only: bool) -> bool:
    for name in FIELDS:
        value, before = getattr(new, name), getattr(old, name)
        if value is None:
            continue
        if before is None:
            if not both_only:
                return False
            continue
        if value > before:
            return False
    return True


@SETTINGS
@given(plan=first_plans(), data=visits(followup=True))
def test_a_regress_never_increases_any_dosage(plan: Plan, data: dict[str, Any]) -> None:
    data["response"]["exercise_pain_max"] = max(6, data["response"]["exercise_pain_max"])
    after = reassess(plan, data)
    assert after.progression is not None
    if after.status is PlanStatus.REFERRAL:
        return
    assert after.progression.decision is Decision.REGRESS
    before = {(stage, item.intervention): item for stage, item in plan.items()}
    for stage, item in after.items():
        if item.progressed_from is not None:
            old = before[(stage, item.progressed_from)]
            assert CATALOG.interventions[old.intervention].regresses_to == item.intervention
            assert no_higher(item.dosage, old.dosage, both_only=True), (item, old)
            default = CATALOG.interventions[item.intervention].dosage
            assert no_higher(item.dosage, default, both_only=True), item
        if (stage, item.intervention) in before:
            old = before[(stage, item.intervention)]
            assert no_higher(item.dosage, old.dosage, both_only=False), (item, old)


@SETTINGS
@given(plan=first_plans(), data=visits(followup=True, flags=EMERGENCY_FLAGS))
def test_red_flags_at_the_follow_up_still_withhold_treatment(
    plan: Plan, data: dict[str, Any]
) -> None:
    data["red_flags"] = [EMERGENCY_FLAGS[0]]
    after = reassess(plan, data)
    assert after.status is PlanStatus.REFERRAL
    assert after.items() == ()
    assert after.progression is not None and after.progression.decision is Decision.HOLD
    assert after.current_stage == plan.current_stage


@SETTINGS
@given(plan=first_plans(), data=visits(followup=True))
def test_the_stage_moves_one_step_or_to_the_nearest_stage_with_items_and_history_grows(
    plan: Plan, data: dict[str, Any]
) -> None:
    after = reassess(plan, data)
    assert after.progression is not None
    assert after.progression.from_stage == plan.current_stage
    assert after.current_stage == after.progression.to_stage
    step = {
        Decision.ADVANCE: min(1, len(STAGES) - 1 - STAGES.index(plan.current_stage)),
        Decision.HOLD: 0,
        Decision.REGRESS: -min(1, STAGES.index(plan.current_stage)),
    }[after.progression.decision]
    target = STAGES[STAGES.index(plan.current_stage) + step]
    filled = {s.id for s in after.stages if s.items}
    if target in filled or not filled:
        assert after.current_stage == target
    else:  # one step lands on an empty stage: the plan works in the nearest one with items
        assert after.current_stage in filled
        assert f"{target} holds nothing in today's plan" in after.progression.reasons[-1]
    again = reassess(after, dict(data, assessed_on="2026-12-20"))
    assert again.history == (attrs.evolve(after.progression, changes=()),)


@SETTINGS
@given(plan=first_plans(), data=visits(followup=True))
def test_a_step_never_gives_an_exercise_twice_and_a_worse_hold_never_raises_a_dosage(
    plan: Plan, data: dict[str, Any]
) -> None:
    """Issue 15: a progressed or regressed exercise is not already in another stage, and a hold
    while current pain rose keeps every continuing item's dosage."""
    after = reassess(plan, data)
    assert after.progression is not None
    where: dict[str, list[str]] = {}
    for stage, item in after.items():
        where.setdefault(item.intervention, []).append(stage)
    for stage, item in after.items():
        if item.progressed_from is not None:
            assert where[item.intervention] == [stage], (item.intervention, where)
    rose = data["pain"]["current"] > (plan.pain.current if plan.pain else 0)
    if after.progression.decision is Decision.HOLD and rose:
        before = {(stage, item.intervention): item.dosage for stage, item in plan.items()}
        for stage, item in after.items():
            old = before.get((stage, item.intervention))
            if old is not None:
                assert no_higher(item.dosage, old, both_only=True), (stage, item, old)
