"""What each stage holds (docs/design.md section 5, points 6 and 9-11;
careengine.pipeline.programme): passive treatments only with exercise, the current stage never
empty and with an exercise, one level of an exercise at a time, the exercise cap.

Engines use the built-in catalog (its progression chains and evidence notes) and a pack of rules
written for each test, without the built-in rules.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from careengine import ConfigurationError, Engine
from careengine.cli import cli
from careengine.model import Because, Dosage, InterventionKind, Plan, PlanItem
from careengine.pipeline.programme import NICE_PACKAGE, ProgrammeIndex, arrange
from careengine.render.explain import explain, render_explanation
from careengine.render.serialize import dumps
from careengine.rules import Add, Rule, StartStage, When, derived
from tests.plugins.packs import RulePackPlugin
from tests.support import placed

BUILTIN = ["careengine_plugins.vocabulary", "careengine_plugins.interventions"]
ASSESSED = When(all=(derived("assessed"),))


def engine(*then: Any, **options: Any) -> Engine:
    """The built-in catalog and one rule whose actions are ``then``, for every assessment."""
    rule = Rule(id="t", because="Test proposals.", when=ASSESSED, then=then)
    return Engine(
        entry_points=False, builtins=BUILTIN, plugins=[RulePackPlugin("t", [rule])], **options
    )


def plan_of(e: Engine) -> Plan:
    return e.evaluate(e.load_assessment({"patient": {"id": "p-prog"}}))


def add(intervention: str, stage: str, priority: int = 50, **extra: Any) -> Add:
    return Add(intervention=intervention, stage=stage, priority=priority, **extra)


def reasons(plan: Plan) -> dict[tuple[str, str], str]:
    return {(d.intervention, d.stage): d.reason for d in plan.deferred}


# --- passive treatments only with exercise (NICE NG59 1.2.7) ------------------------------------


def test_manual_therapy_gets_the_best_fitting_exercise_of_the_next_stage_that_holds_one() -> None:
    e = engine(
        add("joint_mobilization", "relieve", 70, addresses=("lumbar_hypomobility",)),
        StartStage(stage="mobilize"),
        add("open_book_rotation", "mobilize", 60),
        add("bridge", "strengthen", 70, addresses=("glute_weakness",)),
        # lower priority, but it works on what the mobilisation treats: it fits best
        add("cat_cow", "strengthen", 40, addresses=("lumbar_hypomobility",)),
        add("bird_dog", "return", 80),
    )
    plan = plan_of(e)
    # mobilize must keep its one exercise (it is where the plan starts), so strengthen gives
    assert placed(plan) == {
        "relieve": ["joint_mobilization", "cat_cow"],
        "mobilize": ["open_book_rotation"],
        "strengthen": ["bridge"],
        "return": ["bird_dog"],
    }
    moved = plan.stage("relieve").items[1]
    assert moved.proposed_stage == "strengthen"
    assert moved.because[0].rationale.startswith(
        f"Brought forward from stage strengthen to stage relieve: {NICE_PACKAGE}. "
    )
    assert plan.deferred == ()
    # the JSON says where it was proposed; explain says it too
    assert '"proposed_stage": "strengthen"' in dumps(plan)
    text = render_explanation(explain(e, e.load_assessment({"patient": {"id": "p-prog"}})))
    assert "  relieve: Cat-cow [cat_cow]" in text
    assert "      proposed for stage strengthen, placed here (see because)\n" in text
    assert (
        f"        because: Brought forward from stage strengthen to stage relieve: {NICE_PACKAGE}"
        in text
    )


def test_a_plan_without_any_exercise_defers_its_passive_treatments() -> None:
    plan = plan_of(
        engine(
            add("activity_advice", "relieve", 80),
            add("joint_mobilization", "relieve"),
            add("superficial_heat", "relieve"),
            add("soft_tissue_massage", "mobilize"),
        )
    )
    assert placed(plan) == {
        "relieve": ["activity_advice"],
        "mobilize": [],
        "strengthen": [],
        "return": [],
    }
    why = f"{NICE_PACKAGE}, and this plan holds no exercise: add one to give them"
    assert reasons(plan) == {
        ("joint_mobilization", "relieve"): why,
        ("superficial_heat", "relieve"): why,
        ("soft_tissue_massage", "mobilize"): why,
    }
    assert plan.current_stage == "relieve"


def test_passive_items_take_no_exercise_a_stage_needs_and_are_deferred_instead() -> None:
    plan = plan_of(
        engine(
            add("joint_mobilization", "relieve"),
            StartStage(stage="strengthen"),
            add("soft_tissue_massage", "strengthen"),
            add("bridge", "strengthen"),
        )
    )
    # the bridge is strengthen's only exercise and strengthen holds massage: it stays
    assert placed(plan)["strengthen"] == ["bridge", "soft_tissue_massage"]
    assert placed(plan)["relieve"] == []
    assert reasons(plan) == {
        ("joint_mobilization", "relieve"): f"{NICE_PACKAGE}, and every exercise of this plan is "
        "needed in its own stage"
    }


def test_the_current_stage_holds_an_exercise_when_the_plan_has_one() -> None:
    plan = plan_of(
        engine(
            add("activity_advice", "relieve", 80),
            add("pain_neuroscience_education", "relieve", 70),
            add("bridge", "strengthen", 60),
            add("bird_dog", "strengthen", 60),
        )
    )
    assert plan.current_stage == "relieve"
    # equal priority and impairments; the evidence grades tie (A): the id decides
    assert placed(plan)["relieve"] == ["activity_advice", "pain_neuroscience_education", "bird_dog"]
    (because,) = plan.stage("relieve").items[2].because
    assert because.rationale.startswith(
        "Brought forward from stage strengthen to stage relieve: the stage the patient starts in "
        "holds at least one active exercise. "
    )


# --- the current stage ----------------------------------------------------------------------------


def test_an_empty_start_stage_gives_way_to_the_next_stage_with_items_and_explain_says_why() -> None:
    e = engine(StartStage(stage="mobilize"), add("bridge", "strengthen"), add("row", "return"))
    plan = plan_of(e)
    assert plan.current_stage == "strengthen"
    reason = (
        "rule t.t starts the plan at stage mobilize (Test proposals), which holds no items: "
        "strengthen is the first stage after it that holds items"
    )
    assert plan.current_stage_reason == reason
    assert json.loads(dumps(plan))["current_stage_reason"] == reason
    assert e.load_plan(dumps(plan)) == plan  # read back, digest verified
    text = render_explanation(explain(e, e.load_assessment({"patient": {"id": "p-prog"}})))
    assert f"  current because: {reason}\n" in text


# --- one level of an exercise at a time -----------------------------------------------------------


PROGRESSION = (
    add("bridge", "strengthen", 60),
    add("single_leg_bridge", "strengthen", 50),
    add("pelvic_tilt", "strengthen", 40),
    # two steps apart on the trunk chain (bracing -> dead bug -> bird dog): different purposes
    add("abdominal_bracing", "strengthen", 60),
    add("bird_dog", "strengthen", 55),
)


def test_two_levels_of_one_exercise_are_not_given_at_once() -> None:
    plan = plan_of(engine(*PROGRESSION))
    assert placed(plan)["strengthen"] == ["abdominal_bracing", "bridge", "bird_dog"]
    assert reasons(plan) == {
        ("single_leg_bridge", "strengthen"): "same purpose as bridge, kept in this stage "
        "(single_leg_bridge is the next level of bridge in the catalog's progression): one level "
        "at a time, the next by progression at reassessment",
        ("pelvic_tilt", "strengthen"): "same purpose as bridge, kept in this stage (pelvic_tilt "
        "is the easier level of bridge in the catalog's progression): one level at a time, the "
        "next by progression at reassessment",
    }


def test_allow_same_purpose_keeps_every_level() -> None:
    plan = plan_of(engine(*PROGRESSION, allow_same_purpose=True))
    assert len(placed(plan)["strengthen"]) == 5
    assert plan.deferred == ()


def test_the_index_holds_the_catalogs_steps_and_evidence_grades() -> None:
    index = Engine(entry_points=False, builtins=BUILTIN).programme
    assert ("bridge", "single_leg_bridge") in index.steps
    assert ("pelvic_tilt", "bridge") in index.steps
    assert ("abdominal_bracing", "bird_dog") not in index.steps
    assert index.evidence["bridge"] == 3  # "should (A)" in its note
    assert index.evidence["cat_cow"] == 2  # "may (B)"
    assert "leg_swings" not in index.evidence  # no graded recommendation


# --- the exercise cap -----------------------------------------------------------------------------

SEVEN = (
    "bird_dog",
    "bridge",
    "goblet_squat",
    "hip_hinge",
    "open_book_rotation",
    "pallof_press",
    "leg_swings",
)


def test_a_stage_holds_five_exercises_by_default_and_defers_the_rest_visibly() -> None:
    plan = plan_of(
        engine(*(add(i, "strengthen") for i in SEVEN), add("activity_advice", "strengthen"))
    )
    kept = placed(plan)["strengthen"]
    assert sum(1 for _, i in plan.items() if i.kind is InterventionKind.EXERCISE) == 5
    assert "activity_advice" in kept  # education does not count
    # equal priority and impairments: evidence decides (open book B, leg swings ungraded)
    assert set(reasons(plan)) == {
        ("leg_swings", "strengthen"),
        ("open_book_rotation", "strengthen"),
    }
    assert reasons(plan)[("leg_swings", "strengthen")] == (
        "stage strengthen holds at most 5 exercises at a time (a home programme of a few "
        "exercises); ranked below the kept ones by priority, impairments addressed and evidence"
    )


def test_the_exercise_cap_is_an_engine_option_recorded_in_the_provenance() -> None:
    actions = [add(i, "strengthen") for i in SEVEN]
    two = plan_of(engine(*actions, max_exercises_per_stage=2))
    assert placed(two)["strengthen"] == ["bird_dog", "bridge"]  # grade A, then id
    assert len(two.deferred) == 5
    assert two.provenance.fingerprint != plan_of(engine(*actions)).provenance.fingerprint
    with pytest.raises(ConfigurationError, match="max_exercises_per_stage must be at least 1"):
        engine(max_exercises_per_stage=0)


def item(
    iid: str, priority: int = 50, addresses: tuple[str, ...] = (), kind: str = "exercise"
) -> PlanItem:
    return PlanItem(
        intervention=iid,
        kind=InterventionKind(kind),
        name=iid,
        dosage=Dosage(),
        priority=priority,
        addresses=addresses,
        because=(Because(rule="r", pack="p", pack_version="1", plugin="x"),),
    )


def test_ranking_is_priority_then_impairments_addressed_then_evidence_then_id() -> None:
    index = ProgrammeIndex(steps=frozenset(), evidence={"c": 3, "d": 1})
    items = [
        item("a"),
        item("b", addresses=("x", "y")),
        item("c"),
        item("d"),
        item("e", priority=60),
    ]
    done = arrange(
        stage_ids=["s"],
        items={"s": items},
        start=None,
        index=index,
        max_items_per_stage=8,
        max_exercises_per_stage=3,
        allow_same_purpose=False,
    )
    assert [i.intervention for i in done.items["s"]] == ["e", "b", "c"]
    assert [d.intervention for d in done.deferred] == ["a", "d"]


def test_the_item_cap_always_keeps_an_exercise_beside_passive_items() -> None:
    done = arrange(
        stage_ids=["s"],
        items={
            "s": [
                item("advice", 90, kind="education"),
                item("mob", 80, kind="manual_therapy"),
                item("heat", 70, kind="modality"),
                item("walk", 20),
            ]
        },
        start=None,
        index=ProgrammeIndex(steps=frozenset(), evidence={}),
        max_items_per_stage=2,
        max_exercises_per_stage=5,
        allow_same_purpose=False,
    )
    assert [i.intervention for i in done.items["s"]] == ["advice", "walk"]
    assert {d.intervention for d in done.deferred} == {"mob", "heat"}


def test_the_command_line_sets_the_cap_and_allows_same_purpose(tmp_path: Any) -> None:
    path = "examples/assessments/older-adult-stenosis.json"
    runner = CliRunner()
    env = {"CAREENGINE_DISABLE_PLUGINS": "clinic_example"}
    out = runner.invoke(cli, ["evaluate", "--max-exercises-per-stage", "2", path], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    for stage in data["stages"]:
        assert sum(1 for i in stage["items"] if i["kind"] == "exercise") <= 2, stage["id"]
    assert any("at most 2 exercises" in d["reason"] for d in data["deferred"])
    both = runner.invoke(cli, ["evaluate", "--allow-same-purpose", path], env=env)
    assert both.exit_code == 0, both.output
    assert not any("same purpose" in d["reason"] for d in json.loads(both.output)["deferred"])
    assert any(
        "same purpose" in d["reason"]
        for d in json.loads(runner.invoke(cli, ["evaluate", path], env=env).output)["deferred"]
    )
