"""Reassessment decisions a physical therapist would defend (issue 15): chains that stay on
purpose and size, no dosage rise on a hold while the patient is worse, adherence counted only
when there was something to adhere to, no step onto an exercise the patient already has, no
current stage left empty, and reasons that name the evidence.

Each test failed on main before issue 15 (the comment above it says how).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from careengine import Engine, PluginError
from careengine.model import (
    Decision,
    Dosage,
    DosageSetting,
    Intervention,
    InterventionKind,
    Plan,
    Response,
)
from careengine.pipeline.gates import Gates, decide
from careengine.testing import isolated_engine
from tests.pipeline.test_progression_items import (
    changes,
    first,
    follow,
    items,
    only,
    proposing,
    visit_data,
)
from tests.plugins.packs import CatalogPlugin

STAGES = ("relieve", "mobilize", "strengthen", "return")


def reasons(plan: Plan) -> str:
    assert plan.progression is not None
    return "\n".join(plan.progression.reasons)


def placed(plan: Plan) -> list[str]:
    return sorted(item.intervention for _, item in plan.items())


# --- 1. chains: same purpose, one notch harder or easier ----------------------------------------


def test_walking_has_no_pool_regression_and_cat_cow_no_yoga_progression() -> None:
    """On main walking_program regressed to aquatic_exercise and cat_cow progressed to yoga."""
    catalog = Engine(entry_points=False).catalog.interventions
    assert catalog["walking_program"].regresses_to is None
    assert catalog["aquatic_exercise"].progresses_to is None
    assert catalog["cat_cow"].progresses_to is None
    assert catalog["yoga"].regresses_to is None


def test_a_regress_walks_less_instead_of_switching_to_the_pool() -> None:
    """On main the walking programme became aquatic exercise at 20 of its 30 minutes."""
    engine = proposing(("relieve", "walking_program"))
    after = follow(engine, first(engine), "regress")
    item = only(after, "relieve")
    assert (item.intervention, item.progressed_from) == ("walking_program", None)
    assert item.dosage == Dosage(minutes=15, per_week=5, setting=DosageSetting.HOME)
    assert "relieve: walking_program dosage lowered: minutes 20 -> 15." in changes(after)


def test_an_advance_raises_cat_cow_instead_of_starting_a_yoga_class() -> None:
    """On main cat-cow (1 x 12) became a 45-minute yoga class twice a week."""
    engine = proposing(("mobilize", "cat_cow"), ("strengthen", "bridge"))
    plan = first(engine)
    assert plan.current_stage == "mobilize"
    after = follow(engine, plan, "advance")
    assert "yoga" not in placed(after)
    item = only(after, "mobilize")
    assert item.intervention == "cat_cow" and item.dosage.reps == 14
    assert "mobilize: cat_cow dosage raised: repetitions 12 -> 14." in changes(after)


def _linked(**fields: Any) -> CatalogPlugin:
    """A clinic exercise with one progression link (and otherwise valid)."""
    entry: dict[str, Any] = {
        "id": "t_wall_slide",
        "kind": InterventionKind.EXERCISE,
        "name": "Wall slide",
        "steps": ("Slide your back down a wall a little, then up.",),
        "dosage": Dosage(sets=1, reps=10, per_week=3),
    } | fields
    return CatalogPlugin("t_linked", interventions=[Intervention(**entry)], impairment=False)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"progresses_to": "yoga"},
            "progresses_to: yoga takes about 45 min a session against 30 s for t_wall_slide: "
            "more than 3 times as long is another programme, not the next step",
        ),
        (
            {"progresses_to": "soft_tissue_massage"},
            "progresses_to: soft_tissue_massage is manual therapy, not exercise: a progression "
            "step stays within one kind of intervention",
        ),
        (
            {"regresses_to": "activity_advice"},
            "regresses_to: activity_advice is education, not exercise",
        ),
    ],
)
def test_the_catalog_check_refuses_a_step_of_another_kind_or_a_much_bigger_dose(
    fields: dict[str, Any], message: str
) -> None:
    """On main these links loaded, and a reassessment would have taken them."""
    with pytest.raises(PluginError) as info:
        isolated_engine(plugins=[_linked(**fields)])
    assert any(message in line for line in info.value.lines()), info.value.lines()


def test_a_plausible_step_passes_the_catalog_check() -> None:
    """A control (passes on main too): the check does not refuse an ordinary step."""
    engine = isolated_engine(plugins=[_linked(progresses_to="bridge")])  # 30 s -> 72 s
    assert engine.catalog.interventions["t_wall_slide"].progresses_to == "bridge"


# --- 2. a hold never raises the dosage while the patient is worse --------------------------------


def judge(gates: Gates | None = None, **response: Any) -> Any:
    previous, current = response.pop("previous", 4), response.pop("current", 5)
    values = {"exercise_pain_max": 3, "settled_within_24h": True, "adherence_percent": 90}
    return decide(
        gates=gates or Gates(),
        stages=STAGES,
        from_stage="mobilize",
        response=Response(**(values | response)),
        previous_pain=previous,
        current_pain=current,
    )


def test_a_hold_with_pain_up_one_point_keeps_the_dosage_and_says_why() -> None:
    """On main: hold, dosage "up", and "No sign of overload" while pain had risen 4 -> 5."""
    result = judge(previous=4, current=5)
    assert result.decision is Decision.HOLD and result.dosage == "keep"
    assert "No sign of overload" not in " ".join(result.reasons)
    assert "Worse since the last visit, though not enough to regress: the stage is held." in (
        result.reasons
    )
    assert result.reasons[-1] == (
        "Dosages kept, not raised: current pain rose from 4/10 to 5/10 (1 point). A hold "
        "raises the dosage only when nothing got worse."
    )
    assert result.dosage_note == result.reasons[-1]


@pytest.mark.parametrize(
    ("gates", "response", "sign"),
    [
        # a clinic advances at exercise pain 3/10 or less but regresses only above 6/10
        (
            Gates(advance_exercise_pain_at_most=3, regress_exercise_pain_above=6),
            {"exercise_pain_max": 5},
            "pain during exercise reached 5/10",
        ),
        # a clinic that does not regress on unsettled pain still does not raise the dosage
        (
            Gates(regress_when_not_settled=False),
            {"settled_within_24h": False},
            "pain after exercise did not settle within 24 hours",
        ),
    ],
)
def test_any_worsening_sign_on_a_hold_keeps_the_dosage(
    gates: Gates, response: dict[str, Any], sign: str
) -> None:
    """On main both held with the dosage raised."""
    result = judge(gates, previous=5, current=5, **response)
    assert result.decision is Decision.HOLD and result.dosage == "keep"
    assert sign in result.reasons[-1]


def test_a_hold_while_pain_rose_keeps_each_exercise_at_its_dosage() -> None:
    """On main bridge went from 12 to 14 repetitions while pain had gone from 6/10 to 7/10."""
    engine = proposing(("strengthen", "bridge"))
    plan = first(engine)
    after = follow(engine, plan, "hold", pain=7)
    assert after.progression is not None and after.progression.decision is Decision.HOLD
    assert only(after, "strengthen").dosage == only(plan, "strengthen").dosage
    assert "Dosages kept, not raised: current pain rose from 6/10 to 7/10" in reasons(after)
    # pain that did not rise still raises the dosage on a hold
    steady = follow(engine, plan, "hold", pain=6)
    assert only(steady, "strengthen").dosage.reps == 14


# --- 3. adherence counts only where there is something to adhere to ------------------------------


def test_low_adherence_does_not_hold_a_good_responder_with_no_home_exercise() -> None:
    """On main: hold ("Adherence 20 % is below the 70 % needed") with nothing to adhere to."""
    # a plan without any exercise (its massage deferred: manual therapy only with exercise); a
    # plan with one always has one in its current stage (active first, docs/design.md section 5)
    engine = proposing(
        ("relieve", "activity_advice"),
        ("relieve", "soft_tissue_massage"),
        ("mobilize", "pain_neuroscience_education"),
    )
    plan = first(engine)
    assert plan.current_stage == "relieve"
    data = visit_data(
        pain=3,
        day=15,
        response={"exercise_pain_max": 2, "settled_within_24h": True, "adherence_percent": 20},
    )
    after = engine.reassess(plan, engine.load_assessment(data, followup=True))
    assert after.progression is not None
    assert after.progression.decision is Decision.ADVANCE
    assert after.current_stage == "mobilize"
    assert (
        "Adherence (20 %) is not counted: up to the current stage (relieve) the plan held no "
        "exercise to do at home, so there was nothing to adhere to." in after.progression.reasons
    )


def test_low_adherence_still_holds_when_there_was_a_home_exercise() -> None:
    """A control (passes on main too): the adherence gate still counts where it should."""
    engine = proposing(("relieve", "walking_program"), ("mobilize", "cat_cow"))
    after = follow(engine, first(engine), "hold-low-adherence", pain=3)
    assert after.progression is not None and after.progression.decision is Decision.HOLD
    assert "Adherence 40 % is below the 70 % needed to advance." in reasons(after)


# --- 4. no step onto an exercise the patient already has ---------------------------------------


def test_an_advance_does_not_step_onto_an_exercise_in_another_stage() -> None:
    """On main pelvic_tilt became bridge in mobilize while bridge was the next stage's item."""
    engine = proposing(("mobilize", "pelvic_tilt"), ("strengthen", "bridge"))
    plan = first(engine)
    assert plan.current_stage == "mobilize"
    after = follow(engine, plan, "advance")
    assert only(after, "mobilize").intervention == "pelvic_tilt"
    assert only(after, "mobilize").dosage.reps == 14
    assert only(after, "strengthen").intervention == "bridge"
    assert (
        "mobilize: pelvic_tilt stays: its next step bridge is already in the plan (stage "
        "strengthen) and is not given twice; dosage raised: repetitions 12 -> 14." in changes(after)
    )


def test_a_regress_does_not_step_onto_an_exercise_in_another_stage() -> None:
    """On main bridge regressed to pelvic_tilt, which the patient already did in mobilize."""
    engine = proposing(("mobilize", "pelvic_tilt"), ("strengthen", "bridge"))
    plan = attrs.evolve(first(engine), current_stage="strengthen")
    after = follow(engine, plan, "regress")
    assert placed(after) == ["bridge", "pelvic_tilt"]
    assert only(after, "strengthen").dosage == Dosage(
        sets=1, reps=12, hold_seconds=3, per_week=3, setting=DosageSetting.HOME
    )
    assert "bridge stays: its easier step pelvic_tilt is already in the plan (stage mobilize)" in (
        changes(after)
    )


def test_a_chain_spread_over_two_stages_moves_up_together() -> None:
    """A control for the check above (passes on main too): the harder exercise steps first, so
    the easier one may take its place."""
    engine = proposing(("relieve", "pelvic_tilt"), ("mobilize", "bridge"))
    plan = attrs.evolve(first(engine), current_stage="mobilize")
    after = follow(engine, plan, "advance")
    assert {
        s: [(i.intervention, i.progressed_from) for i in items(after, s).values()]
        for s in (
            "relieve",
            "mobilize",
        )
    } == {"relieve": [("bridge", "pelvic_tilt")], "mobilize": [("single_leg_bridge", "bridge")]}


# --- 5. the next plan never works in an empty stage ----------------------------------------------


def test_an_advance_into_an_empty_stage_moves_on_to_the_next_stage_with_items() -> None:
    """On main the plan advanced into mobilize, which held nothing."""
    engine = proposing(("relieve", "walking_program"), ("strengthen", "bridge"))
    plan = first(engine)
    assert plan.current_stage == "relieve"
    after = follow(engine, plan, "advance")
    assert after.current_stage == "strengthen"
    assert after.progression is not None and after.progression.to_stage == "strengthen"
    assert after.progression.reasons[-1] == (
        "mobilize holds nothing in today's plan, so the plan moves on to strengthen, the next "
        "stage with something to do."
    )


def test_an_advance_with_no_later_stage_with_items_stays() -> None:
    engine = proposing(("mobilize", "cat_cow"))
    after = follow(engine, first(engine), "advance")
    assert after.current_stage == "mobilize"
    assert "strengthen holds nothing in today's plan and no later stage holds anything" in (
        reasons(after)
    )


def test_a_regress_into_an_empty_stage_goes_back_to_the_nearest_stage_with_items() -> None:
    engine = proposing(("relieve", "walking_program"), ("strengthen", "bridge"))
    plan = attrs.evolve(first(engine), current_stage="strengthen")
    after = follow(engine, plan, "regress")
    assert after.current_stage == "relieve"
    assert "mobilize holds nothing in today's plan, so the plan moves back to relieve" in (
        reasons(after)
    )


# --- 6. reasons name the evidence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "pain", "adherence"),
    [
        ("advance", "Current pain fell from 6/10 to 2/10 (4 points).", "Adherence 90 % reached"),
        ("hold", "Current pain did not fall (from 6/10 to 6/10)", "Adherence 90 % reached"),
        ("regress", "Current pain is unchanged at 6/10.", "Adherence was 90 %."),
    ],
)
def test_every_decision_names_the_pain_change_and_adherence(
    kind: str, pain: str, adherence: str
) -> None:
    """On main a regress named neither the pain change nor adherence, a hold not adherence."""
    engine = proposing(("strengthen", "bridge"))
    text = reasons(follow(engine, first(engine), kind))
    assert pain in text
    assert adherence in text


def test_a_change_in_function_is_named_and_a_worse_one_keeps_the_dosage() -> None:
    """On main the ODI at both visits was never mentioned, and a hold raised the dosage while
    disability had worsened by 14 points."""
    engine = Engine(entry_points=False)

    def visit(day: str, odi: int, **more: Any) -> dict[str, Any]:
        return {
            "patient": {"id": "p-odi", "age": 40},
            "assessed_on": day,
            "episode": {"duration_days": 60, "leg_symptoms": "none"},
            "pain": {"current": 5},
            "findings": [{"code": "glute_weakness", "severity": "moderate"}],
            "measures": {"odi_percent": odi},
            **more,
        }

    plan = engine.evaluate(engine.load_assessment(visit("2026-11-01", 30)))
    response = {"exercise_pain_max": 3, "settled_within_24h": True, "adherence_percent": 90}
    worse = engine.reassess(
        plan, engine.load_assessment(visit("2026-11-15", 44, response=response), followup=True)
    )
    text = reasons(worse)
    assert "Disability (ODI) worsened from 30 % to 44 % (14 points)." in text
    assert "Dosages kept, not raised: disability (ODI) worsened by 14 points" in text
    better = engine.reassess(
        plan, engine.load_assessment(visit("2026-11-15", 20, response=response), followup=True)
    )
    assert "Disability (ODI) improved from 30 % to 20 % (10 points)." in reasons(better)
