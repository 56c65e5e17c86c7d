"""Contraindications and cautions beyond docs/design.md section 11's minimum (docs/clinical-basis.md):
plans for patients with a vetoing condition, the substitutes the merge offers in a vetoed item's
place, and the completeness of the directional-preference groups.

The clinical tables come from tests/design_tables.py (a copy, so a drift of the plugin shows)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine
from careengine.model import Intervention, Plan, TermKind
from tests.design_tables import (
    CONCERNS,
    EXTENSION_LOADING,
    FLEXION_BIASED,
    PATTERNS,
)
from tests.support import Propose

ROOT = Path(__file__).resolve().parent.parent
ENGINE = Engine(entry_points=False)
CATALOG = ENGINE.catalog


def evaluate(data: dict[str, Any], engine: Engine = ENGINE) -> Plan:
    data = {**data, "patient": {"id": "t-1", **data.get("patient", {})}}
    return engine.evaluate(engine.load_assessment(data))


def placed(plan: Plan) -> dict[str, Any]:
    return {item.intervention: item for _, item in plan.items()}


def excluded(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {e.intervention: e.reasons for e in plan.excluded}


def cautions(plan: Plan, intervention: str) -> set[str]:
    return {p.source for p in placed(plan)[intervention].precautions}


def substitutes_for(plan: Plan, alternative: str, original: str) -> bool:
    return any(
        f"Substitutes for {original}" in b.rationale for b in placed(plan)[alternative].because
    )


# --- plans for patients with a vetoing condition (the built-in rules) ------------------------

FLEXION_FINDINGS = [
    {"code": "hamstring_tightness", "side": "bilateral"},
    {"code": "lumbar_mobility_limited", "severity": "moderate"},
    {"code": "core_facilitation_poor"},
    {"code": "glute_weakness", "severity": "moderate"},
    {"code": "deconditioning"},
]


def test_spinal_fracture_vetoes_flexion_and_rotation_and_cautions_loaded_work() -> None:
    plan = evaluate({"patient": {"conditions": ["spinal_fracture"]}, "findings": FLEXION_FINDINGS})
    vetoed = excluded(plan)
    for intervention in ("standing_hamstring_stretch", "childs_pose", "cat_cow"):
        assert "contraindicated: spinal_fracture" in vetoed[intervention], intervention
    assert "contraindicated: spinal_fracture" in vetoed["seated_torso_twist"]
    items = placed(plan)
    assert not set(items) & set(FLEXION_BIASED)
    assert not {i for i in items if {"rotation", "flexion_rotation"} & PATTERNS.get(i, set())}
    # the hamstring stretch gives way to a hip-only movement, the twist to a non-rotation
    assert substitutes_for(plan, "leg_swings", "standing_hamstring_stretch")
    assert substitutes_for(plan, "thoracic_extension_mobilization", "seated_torso_twist")
    assert "spinal_fracture" in cautions(plan, "thoracic_extension_mobilization")
    for loaded in ("goblet_squat", "romanian_deadlift"):
        assert "spinal_fracture" in cautions(plan, loaded), loaded
    # the split squat is the goblet squat's next level: one level at a time (deferred)
    assert [d.reason.split(",")[0] for d in plan.deferred if d.intervention == "split_squat"] == [
        "same purpose as goblet_squat"
    ]


def test_osteoporosis_vetoes_every_end_range_flexion_and_flexion_rotation() -> None:
    plan = evaluate({"patient": {"conditions": ["osteoporosis"]}, "findings": FLEXION_FINDINGS})
    vetoed = excluded(plan)
    for intervention in ("childs_pose", "cat_cow", "standing_hamstring_stretch"):
        assert "contraindicated: osteoporosis" in vetoed[intervention], intervention
    # the twist is replaced by thoracic extension (cautioned), never by another rotation
    assert "open_book_rotation" not in placed(plan)
    assert substitutes_for(plan, "thoracic_extension_mobilization", "seated_torso_twist")
    assert "osteoporosis" in cautions(plan, "thoracic_extension_mobilization")


def test_osteoporosis_vetoes_repeated_flexion_and_yoga() -> None:
    for intervention in ("repeated_flexion_in_lying", "childs_pose", "yoga", "cat_cow"):
        item = CATALOG.interventions[intervention]
        assert "osteoporosis" in item.contraindications_absolute, intervention
    assert "osteoporosis" in CATALOG.interventions["open_book_rotation"].contraindications_relative


def test_recent_spinal_surgery_vetoes_traction_and_twisting() -> None:
    traction_subgroup = {
        "episode": {"duration_days": 30, "leg_symptoms": "below_knee"},
        "findings": [
            {"code": "radicular_signs"},
            {"code": "crossed_slr_positive"},
            {"code": "lumbar_mobility_limited"},
            {"code": "thoracic_mobility_limited"},
        ],
    }
    without = evaluate(traction_subgroup)
    assert "prone_traction" in placed(without)
    plan = evaluate({**traction_subgroup, "patient": {"conditions": ["recent_spinal_surgery"]}})
    vetoed = excluded(plan)
    for intervention in ("prone_traction", "seated_torso_twist", "open_book_rotation"):
        assert "contraindicated: recent_spinal_surgery" in vetoed[intervention], intervention


def test_recent_hip_surgery_vetoes_lunge_stretch_swings_and_loaded_lower_limb_work() -> None:
    plan = evaluate(
        {
            "patient": {"conditions": ["recent_hip_surgery"]},
            "findings": [
                {"code": "hip_flexor_tightness", "side": "right"},
                {"code": "hip_mobility_limited"},
                {"code": "hamstring_tightness"},
                {"code": "lumbar_extensor_weakness"},
                {"code": "glute_weakness", "severity": "moderate"},
                {"code": "core_facilitation_poor"},
                {"code": "deconditioning"},
            ],
        }
    )
    vetoed = excluded(plan)
    for intervention in ("hip_flexor_stretch", "leg_swings", "goblet_squat", "split_squat"):
        assert "contraindicated: recent_hip_surgery" in vetoed[intervention], intervention
    assert "contraindicated: recent_hip_surgery" in vetoed["romanian_deadlift"]
    assert "recent_hip_surgery" in cautions(plan, "standing_hamstring_stretch")
    assert "recent_hip_surgery" in cautions(plan, "hip_hinge")
    for forced in ("knee_to_chest", "childs_pose", "repeated_flexion_in_lying"):
        assert "recent_hip_surgery" in CATALOG.interventions[forced].contraindications_absolute


def test_pregnancy_prone_extension_vetoed_prone_heat_and_thrust_cautioned() -> None:
    plan = evaluate(
        {
            "patient": {"conditions": ["pregnancy"]},
            "episode": {"duration_days": 5, "leg_symptoms": "none"},
            "pain": {"current": 7, "worst": 8, "best": 3},
            "findings": [
                {"code": "centralization", "direction": "extension"},
                {"code": "lumbar_hypomobility"},
                {"code": "muscle_guarding"},
                {"code": "myofascial_trigger_points"},
            ],
        }
    )
    vetoed = excluded(plan)
    assert "contraindicated: pregnancy" in vetoed["repeated_extension_in_lying"]
    assert "contraindicated: pregnancy" in vetoed["cobra"]
    assert "pregnancy" in cautions(plan, "superficial_heat")
    assert "pregnancy" in cautions(plan, "spinal_thrust_manipulation")
    assert "pregnancy" in cautions(plan, "cupping")
    assert "pregnancy" in CATALOG.interventions["lumbar_extension"].contraindications_relative


def test_massage_is_not_offered_over_infected_skin() -> None:
    plan = evaluate(
        {
            "patient": {"conditions": ["local_skin_infection"]},
            "findings": [{"code": "myofascial_trigger_points"}, {"code": "muscle_guarding"}],
        }
    )
    vetoed = excluded(plan)
    for intervention in ("dry_needling_referral", "soft_tissue_massage", "cupping"):
        assert "contraindicated: local_skin_infection" in vetoed[intervention], intervention
    assert not {"soft_tissue_massage", "cupping", "superficial_heat"} & set(placed(plan))


@pytest.mark.parametrize("condition", ["anticoagulant_therapy", "bleeding_disorder"])
def test_cupping_and_massage_are_cautioned_with_a_bleeding_risk(condition: str) -> None:
    plan = evaluate(
        {
            "patient": {"conditions": [condition]},
            # with an exercise: manual therapy is given only alongside one (NICE NG59 1.2.7)
            "findings": [{"code": "myofascial_trigger_points"}, {"code": "glute_weakness"}],
        }
    )
    assert condition in cautions(plan, "cupping")
    assert condition in cautions(plan, "soft_tissue_massage")


def test_heat_is_cautioned_with_diabetes_also_when_it_substitutes() -> None:
    plan = evaluate(
        {
            "patient": {"conditions": ["diabetes"]},
            "pain": {"current": 8, "worst": 9, "best": 4},
            # with an exercise: a passive treatment is given only alongside one
            "findings": [{"code": "muscle_guarding"}, {"code": "glute_weakness"}],
        }
    )
    assert "diabetes" in cautions(plan, "superficial_heat")
    # TENS vetoed by a pacemaker: the heat offered in its place keeps the diabetes caution
    tens = Engine(
        entry_points=False,
        plugins=[Propose(["tens", "walking_program"])],
    )
    substituted = evaluate({"patient": {"conditions": ["pacemaker", "diabetes"]}}, tens)
    assert substitutes_for(substituted, "superficial_heat", "tens")
    assert "diabetes" in cautions(substituted, "superficial_heat")


def test_heat_in_place_of_electrotherapy_keeps_the_pregnancy_caution() -> None:
    engine = Engine(
        entry_points=False, plugins=[Propose(["therapeutic_ultrasound", "walking_program"])]
    )
    plan = evaluate({"patient": {"conditions": ["pregnancy"]}}, engine)
    assert substitutes_for(plan, "superficial_heat", "therapeutic_ultrasound")
    assert "pregnancy" in cautions(plan, "superficial_heat")


# --- directional preference: complete groups --------------------------------------------------


def test_standing_toe_touch_is_vetoed_by_an_extension_preference() -> None:
    plan = evaluate(
        {
            "findings": [
                {"code": "centralization", "direction": "extension"},
                {"code": "hamstring_tightness"},
                {"code": "lumbar_mobility_limited"},
            ]
        }
    )
    vetoed = excluded(plan)
    for intervention in ("standing_hamstring_stretch", "seated_torso_twist", "cat_cow"):
        assert any(r.startswith("directional preference") for r in vetoed[intervention])


def _rule_excludes(rule_id: str) -> set[str]:
    pack = tomllib.loads((ROOT / "rules" / "directional_preference.toml").read_text("utf-8"))
    (rule,) = [r for r in pack["rules"] if r["id"] == rule_id]
    return {action["exclude"] for action in rule["then"]}


def test_directional_rules_exclude_the_complete_groups() -> None:
    assert _rule_excludes("centralizes-with-extension") == set(FLEXION_BIASED)
    assert _rule_excludes("peripheralizes-with-flexion") == set(FLEXION_BIASED)
    assert _rule_excludes("peripheralizes-with-extension") == set(EXTENSION_LOADING)


def test_every_exercise_with_a_flexion_or_extension_pattern_is_in_its_group() -> None:
    flexion = {"end_range_flexion", "loaded_flexion", "flexion_rotation"}
    extension = {"end_range_extension", "loaded_extension", "cyclic_extension", "prone_extension"}
    exercises = {i for i, item in CATALOG.interventions.items() if item.kind.value == "exercise"}
    assert {i for i in exercises if PATTERNS.get(i, set()) & flexion} == set(FLEXION_BIASED)
    assert {i for i in exercises if PATTERNS.get(i, set()) & extension} == set(EXTENSION_LOADING)


# --- a substitute inherits the vetoing condition's check --------------------------------------


def merge_pick(item: Intervention, condition: str) -> str | None:
    """The alternative the merge offers in place of ``item`` for a patient with ``condition``."""
    for alternative in item.alternatives:
        other = CATALOG.interventions.get(alternative)
        if other is not None and condition not in other.contraindications_absolute:
            return alternative
    return None


SUBSTITUTIONS = [
    (item.id, condition)
    for item in sorted(CATALOG.interventions.values(), key=lambda i: i.id)
    if item.alternatives
    for condition in item.contraindications_absolute
]


def test_every_alternative_of_the_catalog_is_checked() -> None:
    """The parametrised check below sees every (vetoed item, vetoing condition) pair, and there
    are alternatives under the conditions the issue names."""
    conditions = {c for _, c in SUBSTITUTIONS}
    assert {"osteoporosis", "spinal_fracture", "pregnancy", "local_skin_infection"} <= conditions


@pytest.mark.parametrize(("intervention", "condition"), SUBSTITUTIONS)
def test_a_substitute_inherits_the_vetoing_conditions_check(
    intervention: str, condition: str
) -> None:
    """For each item and each condition vetoing it, the alternative the merge would pick:

    * shares with the vetoed item no pattern the condition is concerned with (no rotation in
      place of a rotation under osteoporosis);
    * is vetoed, or carries the caution, wherever the condition's concern with its own
      patterns demands it (no massage over infected skin, heat cautioned in pregnancy).
    """
    item = CATALOG.interventions[intervention]
    pick = merge_pick(item, condition)
    if pick is None:
        return
    concerns = CONCERNS.get(condition, {})
    shared = PATTERNS.get(intervention, frozenset()) & PATTERNS.get(pick, frozenset())
    assert not {p for p in shared if p in concerns}, (intervention, pick, condition, shared)
    alternative = CATALOG.interventions[pick]
    for pattern in PATTERNS.get(pick, frozenset()):
        level = concerns.get(pattern)
        if level == "absolute":
            pytest.fail(f"{pick} ({pattern}) replaces {intervention} but {condition} vetoes it")
        if level == "relative":
            assert condition in alternative.contraindications_relative, (pick, condition)


# --- property: over random conditions, nothing placed breaks a concern -------------------------


EVERYTHING = Engine(
    entry_points=False,
    builtins=["careengine_plugins.vocabulary", "careengine_plugins.interventions"],
    plugins=[Propose(sorted(CATALOG.interventions))],
    max_items_per_stage=100,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(CATALOG.codes(TermKind.CONDITION)), unique=True, min_size=1, max_size=3
    )
)
def test_no_placed_item_breaks_a_concern_of_the_patients_conditions(conditions: list[str]) -> None:
    plan = evaluate({"patient": {"conditions": conditions}}, EVERYTHING)
    for intervention, item in placed(plan).items():
        for condition in conditions:
            levels = {CONCERNS.get(condition, {}).get(p) for p in PATTERNS.get(intervention, ())}
            assert "absolute" not in levels, (intervention, condition)
            if "relative" in levels:
                assert condition in {p.source for p in item.precautions}, (intervention, condition)


# --- the clinical-basis document tables every concern ----------------------------------------


def test_clinical_basis_document_lists_every_concern() -> None:
    text = (ROOT / "docs" / "clinical-basis.md").read_text(encoding="utf-8")
    rows = {
        (m.group(1), m.group(2), m.group(3))
        for m in re.finditer(r"^\| `(\w+)`.*?\| `(\w+)` \| (absolute|relative) \|", text, re.M)
    }
    expected = {
        (pattern, condition, level)
        for condition, by_pattern in CONCERNS.items()
        for pattern, level in by_pattern.items()
    }
    assert rows == expected
