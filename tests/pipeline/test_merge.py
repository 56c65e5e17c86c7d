"""Merge semantics (docs/design.md section 5), one concrete rule set per point.

Engines use the demo knowledge base, the test vocabulary (tests.plugins.catalog) and a pack of
rules written for each test.
"""

from __future__ import annotations

import pytest

from careengine import ConfigurationError, Engine
from careengine.model import AlertLevel, Conflict, Dosage, PlanStatus, Precaution, Urgency
from careengine.pipeline.merge import DECLINED, WITHHELD
from careengine.rules import (
    Add,
    AddPrecaution,
    Exclude,
    RaiseAlert,
    Refer,
    Rule,
    StartStage,
    When,
    condition,
    finding,
    red_flag,
)
from tests.plugins import catalog
from tests.plugins.packs import RulePackPlugin
from tests.support import evaluate, excluded, make_engine, placed, placed_ids

PACK = "merge"


def rule(
    rule_id: str,
    *then: object,
    when: When | None = None,
    code: str = "hip_flexor_tightness",
    priority: int = 50,
) -> Rule:
    return Rule(
        id=rule_id,
        because=f"test rule {rule_id}",
        when=when or When(all=(finding(code),)),
        then=then,  # type: ignore[arg-type]
        priority=priority,
    )


def engine_with(*rules: Rule, **options: int) -> Engine:
    return make_engine(catalog, RulePackPlugin(PACK, rules), **options)


@pytest.fixture(scope="module")
def demo() -> Engine:
    return make_engine(catalog)


# --- 1. red flags first ----------------------------------------------------------------------


def test_emergency_alert_withholds_every_item(demo: Engine) -> None:
    plan = evaluate(
        demo,
        findings=[
            "thoracic_mobility_limited",
            {"code": "glute_weakness", "severity": "moderate"},
            "lumbar_hypomobility",
        ],
        conditions=["osteoporosis"],
        red_flags=["saddle_anesthesia"],
        age=40,
    )
    assert plan.status is PlanStatus.REFERRAL
    assert all(not stage.items for stage in plan.stages)
    assert [s.id for s in plan.stages] == ["relieve", "mobilize", "strengthen", "return"]
    assert excluded(plan) == {
        "activity_advice": (WITHHELD,),
        "bridge": (WITHHELD,),
        "open_book_rotation": (WITHHELD,),
        # a veto keeps its own reason too; no alternative is substituted while withholding
        "spinal_thrust_manipulation": ("contraindicated: osteoporosis", WITHHELD),
    }
    assert [(a.code, a.level) for a in plan.alerts] == [
        ("cauda_equina_suspected", AlertLevel.EMERGENCY)
    ]
    assert [(r.to, r.urgency) for r in plan.referrals] == [
        ("emergency department", Urgency.EMERGENCY)
    ]
    assert plan.unaddressed == (
        "glute_weakness",
        "lumbar_hypomobility",
        "thoracic_mobility_limited",
    )


@pytest.mark.parametrize(
    ("level", "status"),
    [
        (AlertLevel.EMERGENCY, PlanStatus.REFERRAL),
        (AlertLevel.URGENT, PlanStatus.REFERRAL),
        (AlertLevel.ROUTINE, PlanStatus.READY),
        (AlertLevel.INFO, PlanStatus.READY),
    ],
)
def test_alert_level_decides_whether_treatment_is_withheld(
    level: AlertLevel, status: PlanStatus
) -> None:
    engine = engine_with(
        rule(
            "night-pain",
            RaiseAlert(code="test_alert", level=level, message="check"),
            Refer(to="general practitioner", urgency=Urgency.ROUTINE, reason="night pain"),
            when=When(all=(red_flag("night_pain"),)),
        ),
        rule("stretch", Add(intervention="hip_flexor_stretch", stage="mobilize")),
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness"], red_flags=["night_pain"])
    assert plan.status is status
    assert [(r.to, r.urgency, r.reason) for r in plan.referrals] == [
        ("general practitioner", Urgency.ROUTINE, "night pain")
    ]
    assert [a.code for a in plan.alerts] == ["test_alert"]
    if status is PlanStatus.READY:
        assert placed(plan)["mobilize"] == ["hip_flexor_stretch"]
        assert excluded(plan) == {}
    else:
        assert placed_ids(plan) == set()
        assert excluded(plan) == {"hip_flexor_stretch": (WITHHELD,)}


# --- 2. vetoes beat adds ---------------------------------------------------------------------

VETOES = {
    "condition": ({"conditions": ["needle_phobia"]}, "contraindicated: needle_phobia"),
    "declines": ({"declines": ["dry_needling_referral"]}, DECLINED),
    "rule": ({}, "excluded: test veto"),
}


@pytest.mark.parametrize("priority", [0, 50, 999, 1_000_000])
@pytest.mark.parametrize("veto", sorted(VETOES))
def test_veto_beats_an_add_at_every_priority(veto: str, priority: int) -> None:
    engine = engine_with(
        rule(
            "needle",
            Add(intervention="dry_needling_referral", stage="relieve"),
            Add(intervention="dry_needling_referral", stage="return"),
            Add(intervention="hip_flexor_stretch", stage="mobilize"),
            priority=priority,
        ),
        rule(
            "veto",
            Exclude(intervention="dry_needling_referral", reason="excluded: test veto"),
            when=When(all=(condition("spinal_stenosis"),)),
            priority=0,
        ),
    )
    fields, reason = VETOES[veto]
    conditions = list(fields.get("conditions", []))
    if veto == "rule":
        conditions.append("spinal_stenosis")
    plan = evaluate(
        engine,
        findings=["hip_flexor_tightness"],
        conditions=conditions,
        declines=fields.get("declines", ()),
    )
    assert placed(plan) == {
        "relieve": [],
        "mobilize": ["hip_flexor_stretch"],
        "strengthen": [],
        "return": [],
    }
    assert excluded(plan) == {"dry_needling_referral": (reason,)}


def test_a_veto_lists_every_reason_and_applies_without_a_proposal() -> None:
    engine = engine_with(
        rule("needle", Add(intervention="dry_needling_referral", stage="relieve"), priority=1000),
        rule(
            "veto",
            Exclude(intervention="dry_needling_referral", reason="excluded: test veto"),
            Exclude(intervention="tens", reason="excluded: never proposed"),
            when=When(all=(condition("spinal_stenosis"),)),
        ),
    )
    plan = evaluate(
        engine,
        findings=["hip_flexor_tightness"],
        conditions=["needle_phobia", "spinal_stenosis"],
        declines=["dry_needling_referral", "cat_cow"],
    )
    assert placed_ids(plan) == set()
    assert excluded(plan) == {
        "cat_cow": (DECLINED,),
        "dry_needling_referral": (
            "contraindicated: needle_phobia",
            DECLINED,
            "excluded: test veto",
        ),
        "tens": ("excluded: never proposed",),
    }


# --- alternatives ------------------------------------------------------------------------------


def test_vetoed_item_is_replaced_by_its_first_allowed_alternative(demo: Engine) -> None:
    plan = evaluate(
        demo,
        findings=["lumbar_hypomobility", "thoracic_mobility_limited"],
        conditions=["osteoporosis"],
    )
    # the open book comes forward: manual therapy only with exercise (NICE NG59 1.2.7)
    assert placed(plan)["relieve"] == ["joint_mobilization", "open_book_rotation"]
    item = plan.stage("relieve").items[0]
    assert item.priority == 60
    assert item.dosage == Dosage(minutes=10, per_week=2)  # the alternative's own dosage
    assert item.addresses == ("lumbar_hypomobility",)
    (because,) = item.because
    assert because.rule == "demo.stiff-segment"
    assert because.rationale.startswith(
        "Substitutes for spinal_thrust_manipulation, which is excluded "
        "(contraindicated: osteoporosis)."
    )
    # the alternative's relative contraindication still applies
    assert item.precautions == (
        Precaution(text="relative contraindication: osteoporosis", source="osteoporosis"),
    )
    assert excluded(plan) == {"spinal_thrust_manipulation": ("contraindicated: osteoporosis",)}
    assert plan.unaddressed == ()


@pytest.mark.parametrize(
    ("conditions", "declines", "reasons"),
    [
        (
            ["spinal_fracture"],
            [],
            ("contraindicated: spinal_fracture", "excluded: spinal fracture"),
        ),
        (["osteoporosis"], ["joint_mobilization"], ("contraindicated: osteoporosis",)),
    ],
)
def test_nothing_is_substituted_when_the_alternative_is_vetoed_too(
    demo: Engine, conditions: list[str], declines: list[str], reasons: tuple[str, ...]
) -> None:
    plan = evaluate(
        demo, findings=["lumbar_hypomobility"], conditions=conditions, declines=declines
    )
    assert placed_ids(plan) == set()
    assert excluded(plan)["spinal_thrust_manipulation"] == reasons
    assert plan.unaddressed == ("lumbar_hypomobility",)


# --- 3. relative contraindications and precautions ----------------------------------------------


def test_relative_contraindication_keeps_the_item_with_a_precaution(demo: Engine) -> None:
    plan = evaluate(
        demo,
        findings=["lumbar_hypomobility", "thoracic_mobility_limited"],
        conditions=["anticoagulant_therapy"],
    )
    item = plan.stage("relieve").items[0]
    assert item.intervention == "spinal_thrust_manipulation"
    assert item.precautions == (
        Precaution(
            text="relative contraindication: anticoagulant_therapy",
            source="anticoagulant_therapy",
        ),
    )
    assert excluded(plan) == {}


def test_precaution_action_attaches_to_the_placed_item() -> None:
    engine = engine_with(
        rule("stretch", Add(intervention="dry_needling_referral", stage="relieve")),
        rule(
            "careful",
            AddPrecaution(intervention="dry_needling_referral", text="check skin first"),
            code="fear_avoidance",
        ),
    )
    plan = evaluate(
        engine, findings=["hip_flexor_tightness", "fear_avoidance"], conditions=["pregnancy"]
    )
    (item,) = plan.stage("relieve").items
    assert item.precautions == (
        Precaution(text="check skin first", source=f"{PACK}.careful"),
        Precaution(text="relative contraindication: pregnancy", source="pregnancy"),
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness"])
    assert plan.stage("relieve").items[0].precautions == ()


# --- 4. duplicates -------------------------------------------------------------------------------

HIGH_VOLUME = Dosage(sets=3, reps=5, per_week=7)  # 105 a week
LOW_VOLUME = Dosage(sets=1, reps=5, per_week=2)  # 10 a week


def test_duplicates_merge_and_the_highest_priority_dosage_wins() -> None:
    engine = engine_with(
        rule(
            "a",
            Add(intervention="hip_flexor_stretch", stage="mobilize", dosage=HIGH_VOLUME),
            priority=70,
        ),
        rule(
            "b",
            Add(intervention="hip_flexor_stretch", stage="mobilize", dosage=LOW_VOLUME),
            code="fear_avoidance",
            priority=40,
        ),
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness", "fear_avoidance"])
    (item,) = plan.stage("mobilize").items
    assert [b.rule for b in item.because] == [f"{PACK}.a", f"{PACK}.b"]
    assert item.addresses == ("fear_avoidance", "hip_flexor_tightness")
    assert item.dosage == HIGH_VOLUME
    assert item.priority == 70
    (conflict,) = plan.conflicts
    assert conflict.kind == "dosage"
    assert conflict.interventions == ("hip_flexor_stretch",)
    assert conflict.stage == "mobilize"
    assert conflict.winner == "hip_flexor_stretch"
    assert f"rule {PACK}.a" in conflict.resolution
    assert conflict.details == (
        f"{PACK}.a: 3 x 5, daily (priority 70)",
        f"{PACK}.b: 1 x 5, 2x/week (priority 40)",
    )


def test_on_a_priority_tie_the_lower_weekly_volume_wins() -> None:
    # (the text of the lower volume sorts last, and rule "a" sorts first: only volume decides)
    lower = Dosage(sets=3, reps=2, per_week=1)  # 6 a week
    higher = Dosage(sets=2, reps=10, per_week=5)  # 100 a week
    engine = engine_with(
        rule("a", Add(intervention="hip_flexor_stretch", stage="mobilize", dosage=higher)),
        rule(
            "b",
            Add(intervention="hip_flexor_stretch", stage="mobilize", dosage=lower),
            code="fear_avoidance",
        ),
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness", "fear_avoidance"])
    (item,) = plan.stage("mobilize").items
    assert item.dosage == lower
    (conflict,) = plan.conflicts
    assert f"rule {PACK}.b" in conflict.resolution


def test_agreeing_duplicates_record_no_conflict_and_other_stages_stay_apart() -> None:
    engine = engine_with(
        rule("a", Add(intervention="hip_flexor_stretch", stage="mobilize")),
        rule(
            "b",
            Add(
                intervention="hip_flexor_stretch",
                stage="mobilize",
                dosage=catalog.INTERVENTIONS[0].dosage,
                addresses=("explicitly_named",),
            ),
            Add(intervention="hip_flexor_stretch", stage="return", priority=10),
            code="fear_avoidance",
        ),
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness", "fear_avoidance"])
    assert plan.conflicts == ()
    (item,) = plan.stage("mobilize").items
    assert item.addresses == ("explicitly_named", "hip_flexor_tightness")
    (other,) = plan.stage("return").items
    assert other.intervention == "hip_flexor_stretch"
    assert other.priority == 10
    assert [b.rule for b in other.because] == [f"{PACK}.b"]


# --- 5. mutually exclusive interventions ---------------------------------------------------------

EXT, FLEX = "repeated_extension_in_lying", "repeated_flexion_in_lying"


def directional(ext: tuple[str, int], flex: tuple[str, int], *extra: Rule) -> Engine:
    return engine_with(
        rule("ext", Add(intervention=EXT, stage=ext[0], priority=ext[1])),
        rule("flex", Add(intervention=FLEX, stage=flex[0], priority=flex[1])),
        *extra,
    )


def test_exclusive_group_higher_priority_wins_and_the_loser_is_a_conflict() -> None:
    plan = evaluate(
        directional(("relieve", 70), ("relieve", 50)), findings=["hip_flexor_tightness"]
    )
    assert placed(plan)["relieve"] == [EXT]
    assert FLEX not in placed_ids(plan)
    assert FLEX not in excluded(plan)
    (conflict,) = plan.conflicts
    assert conflict.kind == "exclusive_group"
    assert conflict.interventions == (EXT, FLEX)
    assert conflict.stage == "relieve"
    assert conflict.winner == EXT
    assert conflict.resolution == f"{EXT} kept (priority 70 over {FLEX} 50)"


def test_exclusive_group_tie_places_neither() -> None:
    plan = evaluate(
        directional(("relieve", 60), ("relieve", 60)), findings=["hip_flexor_tightness"]
    )
    assert placed_ids(plan) & {EXT, FLEX} == set()
    assert plan.conflicts == (
        Conflict(
            kind="exclusive_group",
            interventions=(EXT, FLEX),
            stage="relieve",
            resolution="clinician decision required",
            winner=None,
            details=("exclusive group directional_preference: equal priority 60",),
        ),
    )


def test_exclusive_group_spans_stages() -> None:
    plan = evaluate(
        directional(("relieve", 40), ("mobilize", 80)), findings=["hip_flexor_tightness"]
    )
    assert placed(plan)["mobilize"] == [FLEX]
    assert EXT not in placed_ids(plan)
    (conflict,) = plan.conflicts
    assert (conflict.winner, conflict.stage) == (FLEX, None)


def test_a_vetoed_member_does_not_compete_in_its_group() -> None:
    veto = rule(
        "veto",
        Exclude(intervention=EXT, reason="excluded: stenosis"),
        when=When(all=(condition("spinal_stenosis"),)),
    )
    plan = evaluate(
        directional(("relieve", 90), ("relieve", 10), veto),
        findings=["hip_flexor_tightness"],
        conditions=["spinal_stenosis"],
    )
    assert placed(plan)["relieve"] == [FLEX]
    assert plan.conflicts == ()
    assert excluded(plan) == {EXT: ("excluded: stenosis",)}


# --- 6. caps -------------------------------------------------------------------------------------

STRENGTHEN = {"bird_dog": 80, "dead_bug": 60, "plank": 60, "cat_cow": 40}


def capped(**options: int) -> Engine:
    rules = [
        rule(iid, Add(intervention=iid, stage="strengthen", priority=p))
        for iid, p in STRENGTHEN.items()
    ]
    rules.append(
        rule(
            "fear",
            Add(intervention="cat_cow", stage="strengthen", priority=40),
            code="fear_avoidance",
        )
    )
    return engine_with(*rules, **options)


def test_cap_defers_the_lowest_priority_overflow() -> None:
    plan = evaluate(
        capped(max_items_per_stage=2), findings=["hip_flexor_tightness", "fear_avoidance"]
    )
    assert placed(plan)["strengthen"] == ["bird_dog", "dead_bug"]
    assert [(d.intervention, d.stage) for d in plan.deferred] == [
        ("cat_cow", "strengthen"),
        ("plank", "strengthen"),
    ]
    assert all("at most 2 items" in d.reason for d in plan.deferred)
    # a deferred item addresses nothing yet
    assert plan.unaddressed == ("fear_avoidance",)


def test_default_cap_is_eight_and_must_be_positive() -> None:
    plan = evaluate(capped(), findings=["hip_flexor_tightness", "fear_avoidance"])
    assert placed(plan)["strengthen"] == ["bird_dog", "dead_bug", "plank", "cat_cow"]
    assert plan.deferred == ()
    with pytest.raises(ConfigurationError, match="max_items_per_stage"):
        capped(max_items_per_stage=0)


# --- 7. ordering ---------------------------------------------------------------------------------


def test_items_are_ordered_by_priority_then_intervention_id() -> None:
    priorities = {"plank": 50, "bird_dog": 70, "cat_cow": 50, "dead_bug": 90, "tens": 70}
    engine = engine_with(
        *[
            rule(iid, Add(intervention=iid, stage="strengthen", priority=p))
            for iid, p in priorities.items()
        ]
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness"])
    assert placed(plan)["strengthen"] == ["dead_bug", "bird_dog", "tens", "cat_cow", "plank"]
    assert [item.priority for item in plan.stage("strengthen").items] == [90, 70, 70, 50, 50]


# --- 8. nothing lost: unaddressed impairments ----------------------------------------------------


def test_unaddressed_lists_present_impairments_no_item_addresses(demo: Engine) -> None:
    plan = evaluate(
        demo,
        findings=[
            {"code": "glute_weakness", "severity": "moderate"},  # addressed by the bridge
            {"code": "core_facilitation_poor", "present": False},  # examined, not found
            {"code": "hip_internal_rotation", "side": "left", "value": 20},  # a measurement
            "centralization",  # not an impairment
            "fear_avoidance",
            {"code": "myofascial_trigger_points", "severity": "mild"},
        ],
    )
    assert placed(plan)["strengthen"] == ["bridge"]
    assert plan.stage("strengthen").items[0].addresses == ("glute_weakness",)
    assert plan.unaddressed == ("fear_avoidance", "myofascial_trigger_points")


def test_current_stage_follows_start_stage_else_the_first_stage_with_items(demo: Engine) -> None:
    plan = evaluate(demo, findings=["thoracic_mobility_limited"])
    assert plan.current_stage == "mobilize"
    assert plan.current_stage_reason == (
        "no rule set a start stage: mobilize is the first stage with items"
    )
    plan = evaluate(demo, findings=["thoracic_mobility_limited", "lumbar_hypomobility"], pain=8)
    assert plan.current_stage == "relieve"
    assert plan.current_stage_reason == (
        "rule demo.high-pain starts the plan at stage relieve (Severe pain: start by calming it)"
    )


def test_current_stage_is_the_first_stage_with_items_after_an_empty_start_stage(
    demo: Engine,
) -> None:
    # the start rule points to relieve, which holds nothing: the plan starts where items are
    plan = evaluate(demo, findings=["thoracic_mobility_limited"], pain=8)
    assert placed(plan)["relieve"] == []
    assert plan.current_stage == "mobilize"
    assert plan.current_stage_reason == (
        "rule demo.high-pain starts the plan at stage relieve (Severe pain: start by calming "
        "it), which holds no items: mobilize is the first stage after it that holds items"
    )
    # nothing after the start stage holds items: the first stage that holds any
    engine = engine_with(
        rule("late", StartStage(stage="return")),
        rule("stretch", Add(intervention="hip_flexor_stretch", stage="mobilize")),
    )
    plan = evaluate(engine, findings=["hip_flexor_tightness"])
    assert plan.current_stage == "mobilize"
    assert plan.current_stage_reason == (
        "rule merge.late starts the plan at stage return (test rule late), which holds no items "
        "and no later stage holds any: mobilize is the first stage that holds items"
    )
    # no items at all (treatment withheld): the start rule's stage, as before
    plan = evaluate(
        demo, findings=["thoracic_mobility_limited"], pain=8, red_flags=["saddle_anesthesia"]
    )
    assert plan.current_stage == "relieve"
    assert plan.current_stage_reason == (
        "treatment is withheld pending medical review; rule demo.high-pain starts the plan at "
        "stage relieve (Severe pain: start by calming it); no stage holds items"
    )
