"""A reassessment steps onto a level the merge deferred only for room ("same purpose as ..." or a
stage cap) and takes it out of ``deferred``: nothing lost, nothing given twice; and, over every
example assessment and its follow-ups, no intervention is both placed and deferred and nothing the
follow-up's plan held is lost."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from careengine import Engine
from careengine.model import Plan
from tests.pipeline.test_progression_items import changes, first, follow, items, proposing

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def deferred(plan: Plan) -> dict[str, str]:
    return {d.intervention: d.reason for d in plan.deferred}


def test_an_advance_steps_onto_the_level_deferred_as_same_purpose() -> None:
    engine = proposing(("strengthen", "abdominal_bracing"), ("strengthen", "dead_bug"))
    plan = first(engine)
    assert list(items(plan, "strengthen")) == ["abdominal_bracing"]
    assert deferred(plan)["dead_bug"].startswith("same purpose as abdominal_bracing")
    after = follow(engine, plan, "advance")
    assert list(items(after, "strengthen")) == ["dead_bug"]
    assert items(after, "strengthen")["dead_bug"].progressed_from == "abdominal_bracing"
    assert "dead_bug" not in deferred(after)
    assert (
        "strengthen: abdominal_bracing progressed to dead_bug (starts at its standard dosage); "
        "dead_bug leaves the deferred list (today's plan deferred it in this stage: same purpose "
        "as abdominal_bracing) and is given in place of abdominal_bracing."
    ) in changes(after)
    assert "already in this stage" not in changes(after)


def test_an_advance_steps_onto_the_level_deferred_by_the_exercise_cap() -> None:
    engine = proposing(
        ("strengthen", "bridge"),
        ("strengthen", "single_leg_bridge"),
        allow_same_purpose=True,
        max_exercises_per_stage=1,
    )
    plan = first(engine)
    assert list(items(plan, "strengthen")) == ["bridge"]
    assert "holds at most 1 exercises" in deferred(plan)["single_leg_bridge"]
    after = follow(engine, plan, "advance")
    assert list(items(after, "strengthen")) == ["single_leg_bridge"]
    assert after.deferred == ()
    assert (
        "single_leg_bridge leaves the deferred list (today's plan deferred it in this stage: "
        "stage strengthen holds at most 1 exercises)"
    ) in changes(after)


def test_the_level_reached_continues_when_today_defers_it_as_same_purpose() -> None:
    # the patient reached dead_bug; today's rules propose abdominal_bracing and dead_bug, and the
    # merge keeps abdominal_bracing, deferring dead_bug: the patient does not go back a level
    reached = first(proposing(("strengthen", "dead_bug")))
    engine = proposing(("strengthen", "abdominal_bracing"), ("strengthen", "dead_bug"))
    after = follow(engine, reached, "hold")
    assert list(items(after, "strengthen")) == ["dead_bug"]
    assert "dead_bug" not in deferred(after)
    assert "back to abdominal_bracing" not in changes(after)
    assert (
        "strengthen: dead_bug continues (the level reached); dead_bug leaves the deferred list "
        "(today's plan deferred it in this stage: same purpose as abdominal_bracing) and is given "
        "in place of abdominal_bracing."
    ) in changes(after)


def test_a_dropped_item_says_why_it_is_deferred_today() -> None:
    # the patient did both levels (allowed then); today one level at a time: on a hold the lower
    # level is kept and the other is dropped, with today's deferral reason, not "stage is full"
    both = proposing(
        ("strengthen", "abdominal_bracing"), ("strengthen", "dead_bug"), allow_same_purpose=True
    )
    engine = proposing(("strengthen", "abdominal_bracing"), ("strengthen", "dead_bug"))
    after = follow(engine, first(both), "hold")
    assert (
        "strengthen: dead_bug dropped: deferred today (same purpose as abdominal_bracing)."
    ) in changes(after)
    assert "its stage is full" not in changes(after)
    # on an advance the level is stepped onto instead, and is not said to be dropped
    advanced = follow(engine, first(both), "advance")
    assert "dead_bug dropped" not in changes(advanced)
    assert "dead_bug" in items(advanced, "strengthen")
    assert "dead_bug" not in deferred(advanced)


def _pairs() -> list[tuple[Path, list[Path]]]:
    """Every example assessment with its follow-ups (same patient), in date order."""
    followups: dict[str, list[tuple[str, Path]]] = {}
    for path in sorted((EXAMPLES / "followups").glob("*.json")):
        data = json.loads(path.read_text())
        followups.setdefault(data["patient"]["id"], []).append((data["assessed_on"], path))
    out = []
    for path in sorted((EXAMPLES / "assessments").glob("*.json")):
        patient = json.loads(path.read_text())["patient"]["id"]
        if patient in followups:
            out.append((path, [p for _, p in sorted(followups[patient])]))
    return out


@pytest.mark.parametrize(("assessment", "visits"), _pairs(), ids=lambda v: getattr(v, "stem", ""))
def test_every_example_reassessment_gives_nothing_twice_and_loses_nothing(
    assessment: Path, visits: list[Path]
) -> None:
    engine = Engine()
    plan = engine.evaluate(engine.load_assessment(json.loads(assessment.read_text())))
    for visit in visits:
        followup = engine.load_assessment(json.loads(visit.read_text()), followup=True)
        fresh = engine.evaluate(followup)
        plan = engine.reassess(plan, followup)
        placed = Counter(item.intervention for _, item in plan.items())
        held = Counter(d.intervention for d in plan.deferred)
        assert not [i for i, n in (placed + held).items() if n > 1], visit.name
        # everything today's own plan placed or deferred is still placed or deferred, or was
        # stepped from (progressed_from) or is a level the patient had reached
        accounted = set(placed) | set(held)
        stepped = {item.progressed_from for _, item in plan.items()}
        for _, item in fresh.items():
            assert item.intervention in accounted | stepped or any(
                item.intervention in (b.rationale or "") for _, i in plan.items() for b in i.because
            ), (visit.name, item.intervention)
        for d in fresh.deferred:
            assert d.intervention in accounted | stepped, (visit.name, d.intervention)
