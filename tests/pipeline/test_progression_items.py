"""Exercise progression at a reassessment: every chain step up and down, dosage within the
catalog's ceilings, blocked steps, the level carried over a chain of visits, the follow-up
evaluated in full (new and resolved findings, new conditions, new red flags) and the history.

Engines load the built-in vocabulary and interventions with small test packs, so each test sees
only the items it proposes (the built-in rules are exercised by the golden cases).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import attrs
import pytest

from careengine import CareEngineError, Engine, PluginError
from careengine.model import (
    Assessment,
    Decision,
    Dosage,
    DosageSetting,
    Intervention,
    InterventionKind,
    Plan,
    PlanItem,
    PlanStatus,
)
from careengine.pipeline.gates import Gates
from careengine.plugins.hookspecs import hookimpl
from careengine.render.serialize import dumps
from careengine.rules import Add, Exclude, Rule, When, derived, finding
from careengine_plugins.interventions import CHAINS
from tests.plugins.packs import CatalogPlugin, RulePackPlugin

CATALOG_ONLY = ("careengine_plugins.vocabulary", "careengine_plugins.interventions")
ASSESSED = When(all=(derived("assessed"),))
LINKS = [link for chain in CHAINS for link in pairwise(chain)]

#: follow-up responses and the pain (first visit 6/10) that give each decision
RESPONSES: dict[str, tuple[int, dict[str, Any]]] = {
    "advance": (2, {"exercise_pain_max": 2, "settled_within_24h": True, "adherence_percent": 90}),
    "hold": (6, {"exercise_pain_max": 3, "settled_within_24h": True, "adherence_percent": 90}),
    "regress": (6, {"exercise_pain_max": 7, "settled_within_24h": False, "adherence_percent": 90}),
    "hold-low-adherence": (
        6,
        {"exercise_pain_max": 3, "settled_within_24h": True, "adherence_percent": 40},
    ),
}


def engine_with(*rules: Rule, plugins: Sequence[object] = (), **options: Any) -> Engine:
    return Engine(
        builtins=CATALOG_ONLY,
        entry_points=False,
        plugins=[RulePackPlugin("t_progression", rules), *plugins],
        **options,
    )


def proposing(*items: tuple[str, str], plugins: Sequence[object] = (), **options: Any) -> Engine:
    """An engine whose one rule proposes (stage, intervention) pairs for every assessment."""
    rule = Rule(
        id="adds",
        because="Test proposals.",
        when=ASSESSED,
        then=tuple(Add(intervention=i, stage=s) for s, i in items),
    )
    return engine_with(rule, plugins=plugins, **options)


def visit_data(
    *,
    pain: int = 6,
    day: int = 1,
    response: dict[str, Any] | None = None,
    findings: Sequence[str] = (),
    conditions: Sequence[str] = (),
    declines: Sequence[str] = (),
    red_flags: Sequence[str] = (),
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {
            "id": "p-prog",
            "age": 40,
            "conditions": list(conditions),
            "declines": list(declines),
        },
        "assessed_on": f"2026-11-{day:02d}",
        "pain": {"current": pain},
        "findings": [{"code": f} for f in findings],
        "red_flags": list(red_flags),
    }
    if response is not None:
        data["response"] = response
    return data


def first(engine: Engine, **fields: Any) -> Plan:
    return engine.evaluate(engine.load_assessment(visit_data(**fields)))


def follow(engine: Engine, plan: Plan, kind: str, *, day: int = 15, **fields: Any) -> Plan:
    pain, response = RESPONSES[kind]
    fields.setdefault("pain", pain)
    data = visit_data(day=day, response=response, **fields)
    return engine.reassess(plan, engine.load_assessment(data, followup=True))


def items(plan: Plan, stage: str) -> dict[str, PlanItem]:
    return {item.intervention: item for s, item in plan.items() if s == stage}


def only(plan: Plan, stage: str) -> PlanItem:
    (item,) = items(plan, stage).values()
    return item


def changes(plan: Plan) -> str:
    assert plan.progression is not None
    return "\n".join(plan.progression.changes)


def fields_no_higher(new: Dosage, old: Dosage) -> bool:
    return all(
        getattr(new, f) is None or getattr(old, f) is None or getattr(new, f) <= getattr(old, f)
        for f in ("sets", "reps", "hold_seconds", "minutes", "per_week")
    )


# --- every chain step ----------------------------------------------------------------------------


@pytest.mark.parametrize(("easier", "harder"), LINKS)
def test_an_advance_moves_each_exercise_one_step_up_its_chain(easier: str, harder: str) -> None:
    engine = proposing(("strengthen", easier))
    plan = first(engine)
    assert plan.current_stage == "strengthen"
    after = follow(engine, plan, "advance")
    assert after.progression is not None and after.progression.decision is Decision.ADVANCE
    item = only(after, "strengthen")
    assert (item.intervention, item.progressed_from) == (harder, easier)
    assert item.dosage == engine.catalog.interventions[harder].dosage
    assert item.name == engine.catalog.interventions[harder].name
    assert item.because[0].rationale.startswith(f"Progressed from {easier} at this reassessment.")
    assert f"strengthen: {easier} progressed to {harder}" in changes(after)


@pytest.mark.parametrize(("easier", "harder"), LINKS)
def test_a_regress_moves_each_exercise_one_step_down_and_never_raises_its_dosage(
    easier: str, harder: str
) -> None:
    engine = proposing(("strengthen", harder))
    plan = first(engine)
    after = follow(engine, plan, "regress")
    assert after.progression is not None and after.progression.decision is Decision.REGRESS
    item = only(after, "strengthen")
    assert (item.intervention, item.progressed_from) == (easier, harder)
    before = only(plan, "strengthen").dosage
    assert fields_no_higher(item.dosage, before)
    assert fields_no_higher(item.dosage, engine.catalog.interventions[easier].dosage)
    assert f"strengthen: {harder} regressed to {easier}" in changes(after)


def test_the_bottom_and_top_of_a_chain_change_the_dosage_instead() -> None:
    engine = proposing(("strengthen", "side_plank"), ("mobilize", "pelvic_tilt"))
    plan = attrs.evolve(first(engine), current_stage="strengthen")
    up = follow(engine, plan, "advance")
    assert only(up, "strengthen").intervention == "side_plank"
    assert only(up, "strengthen").dosage == Dosage(
        reps=3, hold_seconds=25, per_week=3, setting=DosageSetting.HOME
    )
    assert "side_plank is the last step of its progression; dosage raised: hold 20 -> 25 s" in (
        changes(up)
    )
    down = follow(engine, plan, "regress")
    assert only(down, "mobilize").intervention == "pelvic_tilt"
    assert only(down, "mobilize").dosage == Dosage(
        sets=1, reps=12, hold_seconds=5, per_week=3, setting=DosageSetting.HOME
    )


# --- dosage within the catalog's ceilings ----------------------------------------------------


def test_holds_raise_one_field_at_a_time_up_to_the_catalog_ceiling() -> None:
    engine = proposing(("strengthen", "bridge"))
    plan = first(engine)
    seen = []
    for day in range(2, 12):
        plan = follow(engine, plan, "hold", day=day)
        seen.append(only(plan, "strengthen").dosage)
    assert [(d.sets, d.reps, d.hold_seconds) for d in seen] == [
        (2, 14, 3),
        (2, 15, 3),  # repetitions stop at the ceiling of 15
        (2, 15, 8),
        (2, 15, 10),
        (3, 15, 10),
        (3, 15, 10),  # every field at its ceiling: kept
        (3, 15, 10),
        (3, 15, 10),
        (3, 15, 10),
        (3, 15, 10),
    ]
    assert {d.per_week for d in seen} == {3}  # frequency never changes
    assert "bridge dosage kept: already at the most the catalog allows" in changes(plan)
    ceiling = engine.catalog.interventions["bridge"].dosage_max
    assert ceiling == Dosage(sets=3, reps=15, hold_seconds=10)


def test_holds_with_poor_adherence_keep_the_dosage() -> None:
    engine = proposing(("strengthen", "bridge"))
    plan = first(engine)
    after = follow(engine, plan, "hold-low-adherence")
    assert only(after, "strengthen").dosage == only(plan, "strengthen").dosage
    assert "Dosages kept: with adherence below 70 %" in changes(after)


def test_regresses_lower_the_dosage_one_step_down_to_a_floor() -> None:
    # in the first stage a regress keeps the stage, so the same exercises are lowered each time
    engine = proposing(("relieve", "half_kneeling_glute_activation"))
    plan = first(engine)
    assert plan.current_stage == "relieve"
    seen = []
    for day in range(2, 9):
        plan = follow(engine, plan, "regress", day=day)
        seen.append(only(plan, "relieve").dosage)
    assert [(d.sets, d.reps, d.hold_seconds) for d in seen] == [
        (1, 10, 5),
        (1, 8, 5),
        (1, 6, 5),
        (1, 4, 5),
        (1, 2, 5),
        (1, 2, 5),  # every field at one step: kept
        (1, 2, 5),
    ]
    assert "dosage already at its lowest step" in changes(plan)
    for before, after in pairwise(seen):
        assert fields_no_higher(after, before)


def test_non_exercises_and_stages_not_yet_reached_keep_their_dosage() -> None:
    engine = proposing(
        ("relieve", "walking_program"),
        ("relieve", "joint_mobilization"),
        ("strengthen", "pelvic_tilt"),
    )
    plan = first(engine)
    assert plan.current_stage == "relieve"
    after = follow(engine, plan, "advance")
    # mobilize holds nothing: the plan moves on to strengthen, the next stage with items
    assert after.current_stage == "strengthen"
    assert items(after, "relieve")["walking_program"].dosage.minutes == 25
    assert items(after, "relieve")["joint_mobilization"].dosage == (
        items(plan, "relieve")["joint_mobilization"].dosage
    )
    # the strengthen stage has not been started: its exercise is not progressed
    assert only(after, "strengthen").intervention == "pelvic_tilt"
    assert only(after, "strengthen").progressed_from is None


def test_a_regress_never_gives_a_continuing_item_more_than_before() -> None:
    engine = proposing(("strengthen", "half_kneeling_glute_activation"))
    plan = first(engine)
    lighter = attrs.evolve(
        plan,
        stages=tuple(
            attrs.evolve(s, items=tuple(attrs.evolve(i, dosage=Dosage(reps=6)) for i in s.items))
            for s in plan.stages
        ),
    )
    after = follow(engine, lighter, "regress")
    assert only(after, "strengthen").dosage == Dosage(reps=4)


# --- steps that are blocked --------------------------------------------------------------------


def test_a_step_never_lands_on_a_vetoed_intervention() -> None:
    engine = proposing(("strengthen", "pelvic_tilt"))
    plan = first(engine)
    after = follow(engine, plan, "advance", declines=["bridge"])
    assert only(after, "strengthen").intervention == "pelvic_tilt"
    assert only(after, "strengthen").progressed_from is None
    assert only(after, "strengthen").dosage.reps == 14  # the dosage progresses instead
    assert (
        "strengthen: pelvic_tilt stays: its next step bridge is excluded for this patient "
        "(declined by patient); dosage raised: repetitions 12 -> 14." in changes(after)
    )


def test_a_rules_exclude_blocks_a_step_too() -> None:
    engine = engine_with(
        Rule(
            id="adds",
            because="Test.",
            when=ASSESSED,
            then=(Add(intervention="bridge", stage="strengthen"),),
        ),
        Rule(
            id="no-single-leg",
            because="Test veto.",
            when=When(all=(finding("balance_impaired"),)),
            then=(Exclude(intervention="single_leg_bridge", reason="excluded: balance"),),
        ),
    )
    plan = first(engine)
    after = follow(engine, plan, "advance", findings=["balance_impaired"])
    assert only(after, "strengthen").intervention == "bridge"
    assert "its next step single_leg_bridge is excluded for this patient (excluded: balance)" in (
        changes(after)
    )


def test_a_step_onto_an_exercise_already_in_the_stage_is_blocked() -> None:
    bridges = ("pelvic_tilt", "bridge", "single_leg_bridge")
    top = ("swiss_ball_bridge", "swiss_ball_hamstring_curl")  # the chain's last two steps
    # several levels of one exercise in one stage: only when asked for (allow_same_purpose)
    full = proposing(*(("strengthen", i) for i in (*bridges, *top)), allow_same_purpose=True)
    after = follow(full, first(full), "advance")
    assert sorted(items(after, "strengthen")) == sorted((*bridges, *top))
    assert "bridge stays: its next step single_leg_bridge is already in this stage" in (
        changes(after)
    )
    assert "pelvic_tilt stays: its next step bridge is already in this stage" in changes(after)
    # with room at the top the whole chain moves up together
    two = proposing(
        ("strengthen", "pelvic_tilt"), ("strengthen", "bridge"), allow_same_purpose=True
    )
    moved = items(follow(two, first(two), "advance"), "strengthen")
    assert {k: v.progressed_from for k, v in moved.items()} == {
        "bridge": "pelvic_tilt",
        "single_leg_bridge": "bridge",
    }


STEPS = ("Move slowly within comfort.",)


class ExclusiveCatalog(CatalogPlugin):
    def __init__(self) -> None:
        ex = InterventionKind.EXERCISE
        super().__init__(
            "t_exclusive_catalog",
            interventions=[
                Intervention(
                    id="t_easy", kind=ex, name="Easy", steps=STEPS, progresses_to="t_hard"
                ),
                Intervention(
                    id="t_hard",
                    kind=ex,
                    name="Hard",
                    steps=STEPS,
                    regresses_to="t_easy",
                    exclusive_group="g",
                ),
                Intervention(id="t_other", kind=ex, name="Other", steps=STEPS, exclusive_group="g"),
            ],
        )


def test_a_step_into_an_exclusive_group_already_in_the_plan_is_blocked() -> None:
    rule = Rule(
        id="adds",
        because="Test.",
        when=ASSESSED,
        then=(
            Add(intervention="t_easy", stage="strengthen"),
            Add(intervention="t_other", stage="relieve"),
        ),
    )
    engine = engine_with(rule, plugins=[ExclusiveCatalog()])
    plan = attrs.evolve(first(engine), current_stage="strengthen")
    after = follow(engine, plan, "advance")
    assert only(after, "strengthen").intervention == "t_easy"
    assert "t_easy stays: its next step t_hard would clash with t_other (exclusive group g)" in (
        changes(after)
    )


def test_a_level_reached_earlier_that_is_now_vetoed_goes_back_to_todays_proposal() -> None:
    engine = proposing(("strengthen", "pelvic_tilt"))
    plan = follow(engine, first(engine), "advance")
    assert only(plan, "strengthen").intervention == "bridge"
    after = follow(engine, plan, "advance", day=20, declines=["bridge"])
    item = only(after, "strengthen")
    assert (item.intervention, item.progressed_from) == ("pelvic_tilt", None)
    assert (
        "strengthen: bridge is excluded for this patient (declined by patient): back to "
        "pelvic_tilt as proposed today." in changes(after)
    )


# --- a chain of visits ---------------------------------------------------------------------------


def roundtrip(engine: Engine, plan: Plan) -> Plan:
    """Through the plan's JSON, as a clinic would store it between visits."""
    return engine.load_plan(json.loads(dumps(plan)))


def test_a_chain_of_visits_carries_the_level_reached_and_keeps_a_history() -> None:
    engine = proposing(("strengthen", "pelvic_tilt"))
    plan1 = first(engine)
    plan2 = follow(engine, roundtrip(engine, plan1), "advance", day=8)
    plan3 = follow(engine, roundtrip(engine, plan2), "advance", day=15, pain=3)
    plan4 = follow(engine, roundtrip(engine, plan3), "hold", day=22, pain=4)
    plan5 = follow(engine, roundtrip(engine, plan4), "regress", day=29, pain=4)
    steps = [only(p, "strengthen") for p in (plan1, plan2, plan3, plan4, plan5)]
    assert [(i.intervention, i.progressed_from) for i in steps] == [
        ("pelvic_tilt", None),
        ("bridge", "pelvic_tilt"),
        ("single_leg_bridge", "bridge"),
        ("single_leg_bridge", None),
        ("bridge", "single_leg_bridge"),
    ]
    # held with current pain up from 3/10 to 4/10: a hold never raises the dosage while the
    # patient is worse (on main it rose to 12 repetitions)
    assert steps[3].dosage.reps == 10
    assert plan4.progression is not None
    assert "Dosages kept, not raised: current pain rose from 3/10 to 4/10" in "\n".join(
        plan4.progression.reasons
    )
    assert (
        steps[3]
        .because[0]
        .rationale.startswith("Continues at single_leg_bridge, the level reached from pelvic_tilt.")
    )
    assert [h.decision.value for h in plan5.history] == ["advance", "advance", "hold"]
    assert [h.assessed_on for h in plan5.history] == ["2026-11-08", "2026-11-15", "2026-11-22"]
    assert all(not h.changes for h in plan5.history)
    assert plan5.progression is not None and plan5.progression.changes
    assert roundtrip(engine, plan5) == plan5


def test_the_history_keeps_only_the_last_decisions() -> None:
    engine = proposing(("strengthen", "bridge"), gates=Gates(history_length=3))
    plan = first(engine)
    for day in range(2, 10):
        plan = follow(engine, plan, "hold", day=day)
    assert [h.assessed_on for h in plan.history] == ["2026-11-06", "2026-11-07", "2026-11-08"]
    assert plan.progression is not None and plan.progression.assessed_on == "2026-11-09"
    default = proposing(("strengthen", "bridge"))
    plan = first(default)
    for day in range(2, 15):
        plan = follow(default, plan, "hold", day=day)
    assert len(plan.history) == 10
    none = proposing(("strengthen", "bridge"), gates=Gates(history_length=0))
    assert follow(none, follow(none, first(none), "hold"), "hold", day=20).history == ()


# --- the follow-up is evaluated in full ----------------------------------------------------------


def by_finding() -> Engine:
    return engine_with(
        Rule(
            id="glutes",
            because="Glute test rule.",
            when=When(all=(finding("glute_weakness"),)),
            then=(Add(intervention="pelvic_tilt", stage="strengthen"),),
        ),
        Rule(
            id="thoracic",
            because="Thoracic test rule.",
            when=When(all=(finding("thoracic_mobility_limited"),)),
            then=(Add(intervention="open_book_rotation", stage="strengthen"),),
        ),
    )


def test_new_findings_add_items_and_resolved_findings_drop_theirs() -> None:
    engine = by_finding()
    plan = first(engine, findings=["glute_weakness"])
    after = follow(engine, plan, "advance", findings=["thoracic_mobility_limited"])
    assert sorted(items(after, "strengthen")) == ["open_book_rotation"]
    assert only(after, "strengthen").progressed_from is None  # new: starts as proposed
    text = changes(after)
    assert "strengthen: pelvic_tilt dropped: today's findings no longer call for it." in text
    assert "strengthen: open_book_rotation added: new at this visit." in text
    kept = follow(engine, plan, "advance", findings=["glute_weakness", "thoracic_mobility_limited"])
    assert sorted(items(kept, "strengthen")) == ["bridge", "open_book_rotation"]


def test_a_new_condition_vetoes_at_the_follow_up() -> None:
    engine = proposing(("strengthen", "crunch"))
    plan = first(engine)
    after = follow(engine, plan, "advance", conditions=["osteoporosis"])
    placed = items(after, "strengthen")
    assert "crunch" not in placed
    assert {e.intervention: e.reasons for e in after.excluded}["crunch"] == (
        "contraindicated: osteoporosis",
    )
    assert "dead_bug" in placed  # the catalog's alternative, new at this visit
    assert "crunch dropped: now excluded (contraindicated: osteoporosis)" in changes(after)


def test_new_red_flags_still_withhold_treatment() -> None:
    engine = Engine(entry_points=False)
    plan = engine.evaluate(
        engine.load_assessment(visit_data(findings=["glute_weakness", "core_facilitation_poor"]))
    )
    assert plan.status is PlanStatus.READY and plan.items()
    after = follow(engine, plan, "advance", red_flags=["saddle_anesthesia"])
    assert after.status is PlanStatus.REFERRAL
    assert after.items() == ()
    assert after.progression is not None
    assert after.progression.decision is Decision.HOLD
    assert after.current_stage == after.progression.to_stage == plan.current_stage
    assert (
        "withheld pending medical review (cauda_equina_suspected)" in after.progression.reasons[0]
    )


def test_reassessment_is_deterministic() -> None:
    engine = proposing(("strengthen", "pelvic_tilt"), ("strengthen", "dead_bug"))
    plan = first(engine)
    assert dumps(follow(engine, plan, "advance")) == dumps(follow(engine, plan, "advance"))


# --- the safety checks run after the progression --------------------------------------------------


def test_a_progression_that_broke_a_veto_would_be_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    import careengine.engine

    engine = proposing(("strengthen", "pelvic_tilt"))
    plan = first(engine)
    real = careengine.engine.reassess_plan

    def broken(**kwargs: Any) -> Plan:
        out = real(**kwargs)
        item = attrs.evolve(only(out, "strengthen"), intervention="bridge")
        stages = tuple(
            attrs.evolve(s, items=(item,)) if s.id == "strengthen" else s for s in out.stages
        )
        return attrs.evolve(out, stages=stages)

    monkeypatch.setattr(careengine.engine, "reassess_plan", broken)
    with pytest.raises(CareEngineError, match="placed vetoed intervention bridge"):
        follow(engine, plan, "hold", declines=["bridge"])


class Reviewer:
    __name__ = "t_reviewer"

    def __init__(self) -> None:
        self.seen: list[Any] = []

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> None:
        self.seen.append((plan.progression, assessment.response))


def test_the_review_hook_sees_the_reassessed_plan() -> None:
    reviewer = Reviewer()
    rule = Rule(
        id="adds",
        because="Test.",
        when=ASSESSED,
        then=(Add(intervention="bridge", stage="strengthen"),),
    )
    engine = engine_with(rule, plugins=[reviewer])
    plan = first(engine)
    follow(engine, plan, "advance")
    assert reviewer.seen[0] == (None, None)
    progression, response = reviewer.seen[1]
    assert progression.decision is Decision.ADVANCE
    assert response.adherence_percent == 90


class AddsThrust:
    """Places thrust manipulation although no rule proposed it (so the merge never excluded it)."""

    __name__ = "t_adds_thrust"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan:
        item = PlanItem(
            intervention="spinal_thrust_manipulation",
            kind=InterventionKind.MANUAL_THERAPY,
            name="Thrust",
            dosage=Dosage(minutes=5),
        )
        stages = (attrs.evolve(plan.stages[0], items=(item,)), *plan.stages[1:])
        return attrs.evolve(plan, stages=stages)


@pytest.mark.parametrize(
    "fields", [{"conditions": ["osteoporosis"]}, {"declines": ["spinal_thrust_manipulation"]}]
)
def test_the_safety_check_knows_vetoes_of_interventions_nobody_proposed(
    fields: dict[str, Any],
) -> None:
    """The post-progression check (shared with the review hook) does not rely on the merge's
    ``excluded`` list alone: a contraindicated or declined intervention is never placed."""
    engine = proposing(("strengthen", "bridge"), plugins=[AddsThrust()])
    with pytest.raises(PluginError, match="placed vetoed intervention spinal_thrust_manipulation"):
        first(engine, **fields)
