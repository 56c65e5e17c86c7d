"""Catalog breadth (issue 15): the Swiss-ball work, downward dog, calf stretch and true rotation
exercises the clinic's articles name, the rules proposing them for the findings they address, and
the conditions that veto or caution them (docs/clinical-basis.md section 10).

The tables of what each exercise does are in tests/design_tables.py (a copy, so a drift of the
plugin shows); the content checks every catalog item shares are in tests/test_catalog_content.py.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from careengine import Engine
from careengine.model import DOSAGE_BOUNDS, InterventionKind, Plan, PlanItem
from tests.design_tables import EXTENSION_LOADING, FLEXION_BIASED, PATTERNS

ENGINE = Engine(entry_points=False)
CATALOG = ENGINE.catalog

BREADTH = (
    "swiss_ball_bridge",
    "swiss_ball_hamstring_curl",
    "downward_dog",
    "standing_calf_stretch",
    "lower_trunk_rotation",
    "band_trunk_rotation",
)


def evaluate(
    findings: list[dict[str, Any]], conditions: tuple[str, ...] = (), **patient: Any
) -> Plan:
    data = {
        "patient": {"id": "p-breadth", "age": 45, "conditions": list(conditions), **patient},
        "assessed_on": "2026-11-02",
        "pain": {"current": 4},
        "findings": findings,
        "red_flags": [],
    }
    return ENGINE.evaluate(ENGINE.load_assessment(data))


def placed(plan: Plan) -> dict[str, tuple[str, PlanItem]]:
    return {item.intervention: (stage, item) for stage, item in plan.items()}


def excluded(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {e.intervention: e.reasons for e in plan.excluded}


# --- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("intervention_id", BREADTH)
def test_each_new_exercise_has_steps_tips_and_a_bounded_dosage(intervention_id: str) -> None:
    item = CATALOG.interventions[intervention_id]
    assert item.kind is InterventionKind.EXERCISE
    assert 4 <= len(item.steps) <= 6 and 3 <= len(item.safety_tips) <= 4
    assert item.evidence
    assert item.dosage_max is not None
    for name, (low, high) in DOSAGE_BOUNDS.items():
        value = getattr(item.dosage, name, None)
        top = getattr(item.dosage_max, name, None)
        assert value is None or low <= value <= high, (name, value)
        assert top is None or (value is not None and value <= top <= high), (name, top)
    assert any(value is not None for value in attrs.astuple(item.dosage_max)), (
        "the dosage can progress"
    )


@pytest.mark.parametrize("intervention_id", ["downward_dog", "standing_calf_stretch"])
def test_stretches_keep_the_articles_twenty_to_thirty_seconds(intervention_id: str) -> None:
    item = CATALOG.interventions[intervention_id]
    assert item.dosage.hold_seconds is not None and 20 <= item.dosage.hold_seconds <= 30
    assert any("20 to 30 seconds" in step for step in item.steps)


def test_calf_stretch_reaches_upper_and_lower_calf() -> None:
    steps = " ".join(CATALOG.interventions["standing_calf_stretch"].steps)
    assert "back knee straight" in steps and "bend the back knee" in steps


def test_downward_dog_keeps_the_back_long_rather_than_rounded() -> None:
    item = CATALOG.interventions["downward_dog"]
    assert any("rounded" in step for step in item.steps)
    assert any("dizzy" in tip for tip in item.safety_tips)


# --- chains --------------------------------------------------------------------------------------


def test_ball_work_continues_the_bridge_chain() -> None:
    items = CATALOG.interventions
    assert items["single_leg_bridge"].progresses_to == "swiss_ball_bridge"
    assert items["swiss_ball_bridge"].progresses_to == "swiss_ball_hamstring_curl"
    assert items["swiss_ball_hamstring_curl"].regresses_to == "swiss_ball_bridge"


def test_true_rotation_follows_the_anti_rotation_press() -> None:
    items = CATALOG.interventions
    assert items["pallof_press"].progresses_to == "band_trunk_rotation"
    assert items["band_trunk_rotation"].regresses_to == "pallof_press"
    assert "rotation" in PATTERNS["band_trunk_rotation"]
    assert "rotation" not in PATTERNS.get("pallof_press", frozenset())


def test_no_new_exercise_enters_a_directional_group() -> None:
    """The rotations, the ball work and downward dog (done with a long back) load no spinal
    flexion or extension (docs/clinical-basis.md section 10)."""
    assert set(BREADTH) <= set(CATALOG.interventions)
    assert not set(BREADTH) & {*FLEXION_BIASED, *EXTENSION_LOADING}


# --- rules: each exercise proposed for the finding it addresses ------------------------------------


@pytest.mark.parametrize(
    ("finding", "intervention", "stage", "rule"),
    [
        ("core_facilitation_poor", "swiss_ball_bridge", "strengthen", "core-ball"),
        ("hamstring_tightness", "downward_dog", "mobilize", "posterior-chain"),
        ("ankle_dorsiflexion_limited", "standing_calf_stretch", "mobilize", "calf"),
        ("lumbar_mobility_limited", "lower_trunk_rotation", "mobilize", "lumbar-rotation"),
        ("glute_weakness", "band_trunk_rotation", "return", "well-rounded"),
    ],
)
def test_each_exercise_is_proposed_for_its_finding(
    finding: str, intervention: str, stage: str, rule: str
) -> None:
    plan = evaluate([{"code": finding}])
    assert intervention in placed(plan), sorted(placed(plan))
    where, item = placed(plan)[intervention]
    assert where == stage
    assert finding in item.addresses
    assert any(b.rule.endswith(rule) and b.rationale for b in item.because)


def test_the_rotation_pattern_of_the_programme_is_a_true_rotation() -> None:
    """The well-rounded programme trains rotation with a rotation, not only anti-rotation."""
    plan = evaluate([{"code": "glute_weakness"}])
    assert "band_trunk_rotation" in placed(plan)
    assert "pallof_press" not in placed(plan)


# --- safety: vetoed or cautioned where the tables say ---------------------------------------------


@pytest.mark.parametrize("condition", ["osteoporosis", "spinal_fracture", "recent_spinal_surgery"])
def test_loaded_rotation_is_vetoed_and_the_anti_rotation_press_takes_its_place(
    condition: str,
) -> None:
    plan = evaluate([{"code": "glute_weakness"}], conditions=(condition,))
    assert f"contraindicated: {condition}" in excluded(plan)["band_trunk_rotation"]
    assert "band_trunk_rotation" not in placed(plan)
    stage, pallof = placed(plan)["pallof_press"]
    assert stage == "return"
    assert any("Substitutes for band_trunk_rotation" in b.rationale for b in pallof.because)


@pytest.mark.parametrize("condition", ["spinal_fracture", "recent_spinal_surgery"])
def test_knee_rolls_are_vetoed_after_a_fracture_or_spinal_surgery(condition: str) -> None:
    plan = evaluate([{"code": "lumbar_mobility_limited"}], conditions=(condition,))
    assert f"contraindicated: {condition}" in excluded(plan)["lower_trunk_rotation"]
    _, tilt = placed(plan)["pelvic_tilt"]
    assert any("Substitutes for lower_trunk_rotation" in b.rationale for b in tilt.because)


def test_knee_rolls_are_kept_with_a_precaution_in_osteoporosis() -> None:
    plan = evaluate([{"code": "lumbar_mobility_limited"}], conditions=("osteoporosis",))
    _, item = placed(plan)["lower_trunk_rotation"]
    assert "osteoporosis" in {p.source for p in item.precautions}


def test_downward_dog_is_vetoed_after_hip_surgery_and_cautioned_in_pregnancy() -> None:
    after_surgery = evaluate([{"code": "hamstring_tightness"}], conditions=("recent_hip_surgery",))
    assert "contraindicated: recent_hip_surgery" in excluded(after_surgery)["downward_dog"]
    pregnant = evaluate(
        [{"code": "hamstring_tightness"}],
        conditions=("pregnancy",),
        sex="female",
        pregnancy={"gestational_week": 30},
    )
    _, item = placed(pregnant)["downward_dog"]
    assert "pregnancy" in {p.source for p in item.precautions}


@pytest.mark.parametrize(
    ("finding", "intervention"),
    [
        ("core_facilitation_poor", "swiss_ball_bridge"),
        ("lumbar_mobility_limited", "lower_trunk_rotation"),
    ],
)
def test_supine_ball_work_and_knee_rolls_get_the_pregnancy_supine_caution(
    finding: str, intervention: str
) -> None:
    plan = evaluate(
        [{"code": finding}],
        conditions=("pregnancy",),
        sex="female",
        pregnancy={"gestational_week": 24},
    )
    _, item = placed(plan)[intervention]
    assert any("first trimester" in p.text for p in item.precautions)
