"""The built-in catalog content against the contract of docs/design.md sections 7 and 11.

The catalog is built from the two built-in catalog plugins only (no demo plugin), exactly as the
engine would build it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from careengine.model import Dosage, DosageSetting, Intervention, InterventionKind, TermKind
from careengine.plugins.host import get_plugin_manager
from careengine.plugins.registry import Catalog
from tests.design_tables import (
    CONTRAINDICATIONS,
    DESIGN_CONTRAINDICATIONS,
    EXTENSION_LOADING,
    FLEXION_BIASED,
)

PLUGINS = ["careengine_plugins.vocabulary", "careengine_plugins.interventions"]

# --- docs/design.md section 7, copied -------------------------------------------------------------

STAGES = ("relieve", "mobilize", "strengthen", "return")

FINDINGS = (
    "thoracic_mobility_limited",
    "lumbar_mobility_limited",
    "lumbar_hypomobility",
    "lumbar_hypermobility",
    "hip_mobility_limited",
    "hip_flexor_tightness",
    "hamstring_tightness",
    "glute_weakness",
    "core_facilitation_poor",
    "lumbar_extensor_weakness",
    "ankle_dorsiflexion_limited",
    "fear_avoidance",
    "postural_dysfunction",
    "myofascial_trigger_points",
    "muscle_guarding",
    "deconditioning",
    "balance_impaired",
    "radicular_signs",
    "aberrant_movement",
    "prone_instability_test_positive",
    "crossed_slr_positive",
    "lateral_shift",
    "hip_internal_rotation",
    "straight_leg_raise",
    "centralization",
    "peripheralization",
)
MEASUREMENTS = ("hip_internal_rotation", "straight_leg_raise")
TEST_RESULTS = ("prone_instability_test_positive", "crossed_slr_positive")
SYMPTOM_RESPONSES = ("centralization", "peripheralization")
IMPAIRMENTS = tuple(
    code for code in FINDINGS if code not in (*MEASUREMENTS, *TEST_RESULTS, *SYMPTOM_RESPONSES)
)

CONDITIONS = (
    "osteoporosis",
    "spinal_stenosis",
    "anticoagulant_therapy",
    "bleeding_disorder",
    "pregnancy",
    "needle_phobia",
    "lymphedema",
    "local_skin_infection",
    "metal_allergy",
    "immunosuppression",
    "diabetes",
    "epilepsy",
    "pacemaker",
    "inflammatory_arthritis",
    "recent_spinal_surgery",
    "spinal_fracture",
    "hypermobility_syndrome",
    "acute_disc_herniation",
    "recent_hip_surgery",
)

RED_FLAGS = (
    "saddle_anesthesia",
    "bladder_dysfunction",
    "bowel_dysfunction",
    "progressive_neurological_deficit",
    "bilateral_leg_weakness",
    "history_of_cancer",
    "unexplained_weight_loss",
    "night_pain",
    "fever",
    "iv_drug_use",
    "recent_infection",
    "major_trauma",
    "minor_trauma",
    "prolonged_corticosteroid_use",
)

MEASURES = ("odi_percent", "fabq_work", "fabq_pa", "startback_total", "startback_psychosocial")
CORE_MEASURES = (
    "age",
    "nprs_current",
    "nprs_worst",
    "nprs_best",
    "symptom_duration_days",
    "onset_age",
    "leg_symptoms",
    "gestational_week",
    "postpartum_weeks",
)
#: red-flag codes added beyond docs/design.md section 7 (issue 13: a weak malignancy risk factor)
EXTRA_RED_FLAGS = ("failed_conservative_care",)

#: The exercises added for catalog breadth (issue 15).
BREADTH = (
    "swiss_ball_bridge",
    "swiss_ball_hamstring_curl",
    "downward_dog",
    "standing_calf_stretch",
    "lower_trunk_rotation",
    "band_trunk_rotation",
)

EXERCISES = (
    "cat_cow",
    "childs_pose",
    "pelvic_tilt",
    "bridge",
    "single_leg_bridge",
    "seated_forward_bend",
    "bird_dog",
    "cobra",
    "seated_torso_twist",
    "side_plank",
    "plank",
    "standing_hamstring_stretch",
    "knee_to_chest",
    "half_kneeling_glute_activation",
    "lumbar_extension",
    "hip_hinge",
    "abdominal_bracing",
    "dead_bug",
    "crunch",
    "hip_flexor_stretch",
    "thoracic_extension_mobilization",
    "open_book_rotation",
    "ankle_dorsiflexion_mobilization",
    "leg_swings",
    "repeated_extension_in_lying",
    "repeated_flexion_in_lying",
    "lateral_shift_correction",
    "goblet_squat",
    "split_squat",
    "romanian_deadlift",
    "row",
    "push_up",
    "pallof_press",
    "balance_training",
    "walking_program",
    "stationary_cycling",
    "aquatic_exercise",
    "yoga",
    "postural_training",
    # catalog breadth (issue 15): Swiss-ball work, downward dog, calf stretch, true rotation
    *BREADTH,
)
MANUAL_THERAPY = (
    "spinal_thrust_manipulation",
    "joint_mobilization",
    "soft_tissue_massage",
    "neural_mobilization",
    "cupping",
)
EDUCATION = (
    "pain_neuroscience_education",
    "activity_advice",
    "psychologically_informed_care",
    "ergonomic_education",
)
MODALITIES = ("superficial_heat", "cryotherapy", "tens", "therapeutic_ultrasound")
KINDS: dict[str, InterventionKind] = {
    **dict.fromkeys(EXERCISES, InterventionKind.EXERCISE),
    **dict.fromkeys(MANUAL_THERAPY, InterventionKind.MANUAL_THERAPY),
    "dry_needling_referral": InterventionKind.REFERRAL,
    "prone_traction": InterventionKind.PROCEDURE,
    **dict.fromkeys(EDUCATION, InterventionKind.EDUCATION),
    **dict.fromkeys(MODALITIES, InterventionKind.MODALITY),
}

# --- the clinic's exercise articles (docs/clinical-basis.md section 7) ----------------------------

#: The ten exercises of the Shasta Health article, "two to three times a week".
SEED_WEEKLY = (
    "cat_cow",
    "childs_pose",
    "pelvic_tilt",
    "bridge",
    "seated_forward_bend",
    "bird_dog",
    "cobra",
    "seated_torso_twist",
    "side_plank",
    "standing_hamstring_stretch",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    host = get_plugin_manager(builtins=PLUGINS, entry_points=False)
    return host.catalog()


def interventions(catalog: Catalog) -> Iterator[Intervention]:
    return iter(catalog.interventions.values())


# --- vocabulary ----------------------------------------------------------------------------------


def test_built_without_the_demo_plugin(catalog: Catalog) -> None:
    owners = set(catalog.owners.values())
    assert owners == set(PLUGINS)


def test_stages_in_order_with_goals_and_gates(catalog: Catalog) -> None:
    assert catalog.stage_ids() == STAGES
    for stage in catalog.stages:
        assert stage.title and stage.goals and stage.progress_when
    gates = " ".join(catalog.stages[0].progress_when)
    for anchor in ("5/10", "24 hours", "70 %", "2 points", "3/10"):
        assert anchor in gates


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        (TermKind.FINDING, FINDINGS),
        (TermKind.CONDITION, CONDITIONS),
        (TermKind.RED_FLAG, RED_FLAGS),
        (TermKind.MEASURE, MEASURES),
    ],
)
def test_every_contract_code_is_registered_with_a_label(
    catalog: Catalog, kind: TermKind, codes: tuple[str, ...]
) -> None:
    registered = set(catalog.codes(kind))
    assert set(codes) <= registered, sorted(set(codes) - registered)
    for code in codes:
        term = catalog.term(kind, code)
        assert term is not None and term.label.strip()


def test_core_measures_are_left_to_the_engine(catalog: Catalog) -> None:
    assert not set(CORE_MEASURES) & set(catalog.codes(TermKind.MEASURE))


def test_impairment_flags_follow_design_section_7(catalog: Catalog) -> None:
    assert set(IMPAIRMENTS) <= catalog.impairments()
    for code in (*MEASUREMENTS, *TEST_RESULTS, *SYMPTOM_RESPONSES):
        term = catalog.term(TermKind.FINDING, code)
        assert term is not None and not term.impairment, code


def test_measurements_are_in_degrees(catalog: Catalog) -> None:
    for code in MEASUREMENTS:
        term = catalog.term(TermKind.FINDING, code)
        assert term is not None and term.unit == "deg"


def test_extra_findings_are_few_and_flagged(catalog: Catalog) -> None:
    extra = set(catalog.codes(TermKind.FINDING)) - set(FINDINGS)
    assert len(extra) <= 5
    # test results are not impairments
    for code in extra:
        term = catalog.term(TermKind.FINDING, code)
        assert term is not None
        assert term.impairment is not code.endswith("_positive"), code


def test_only_contract_conditions_and_red_flags(catalog: Catalog) -> None:
    assert set(catalog.codes(TermKind.CONDITION)) == set(CONDITIONS)
    assert set(catalog.codes(TermKind.RED_FLAG)) == set(RED_FLAGS) | set(EXTRA_RED_FLAGS)


# --- interventions: presence and content ---------------------------------------------------------


def test_every_contract_intervention_exists_with_its_kind(catalog: Catalog) -> None:
    assert set(KINDS) == set(catalog.interventions)
    for intervention_id, kind in KINDS.items():
        assert catalog.interventions[intervention_id].kind is kind, intervention_id


@pytest.mark.parametrize("intervention_id", sorted(KINDS))
def test_intervention_content_is_complete(catalog: Catalog, intervention_id: str) -> None:
    item = catalog.interventions[intervention_id]
    assert item.name.strip()
    assert 3 <= len(item.steps) <= 6
    assert 2 <= len(item.safety_tips) <= 4
    assert item.evidence and item.evidence.strip()
    dosage = item.dosage
    if item.kind is InterventionKind.EDUCATION:  # part of every visit, no dose of its own
        assert dosage == Dosage(setting=DosageSetting.EVERY_VISIT)
    else:
        assert (
            any(
                value is not None
                for value in (dosage.sets, dosage.reps, dosage.hold_seconds, dosage.minutes)
            )
            or item.kind is InterventionKind.REFERRAL
        )
        assert dosage.per_week is not None and 1 <= dosage.per_week <= 7
    for text in (*item.steps, *item.safety_tips):
        assert text.strip() == text and text[0].isupper() and text.endswith((".", ")"))
        assert not re.match(r"\d+[.)]", text), "steps are numbered by position, not in the text"


def test_exercise_dosages_are_plausible(catalog: Catalog) -> None:
    for item in interventions(catalog):
        if item.kind is not InterventionKind.EXERCISE:
            continue
        d = item.dosage
        assert d.sets is None or 1 <= d.sets <= 4, item.id
        assert d.reps is None or 1 <= d.reps <= 20, item.id
        assert d.hold_seconds is None or 1 <= d.hold_seconds <= 30, item.id
        assert d.minutes is None or 10 <= d.minutes <= 60, item.id


def test_evidence_grades_use_the_cpg_wording(catalog: Catalog) -> None:
    wording = {"A": "should", "B": "may", "C": "can"}
    for item in interventions(catalog):
        note = item.evidence or ""
        assert "(D)" not in note
        for match in re.finditer(r"(\w+) \(([A-D])\)", note):
            assert match.group(1) == wording[match.group(2)], (item.id, match.group(0))
        graded = re.search(r"\((A|B|C)\)", note)
        assert graded or "no graded recommendation" in note.lower() or "ACP 2017" in note, item.id


# --- contraindications: docs/design.md section 11 as the minimum, docs/clinical-basis.md exactly ---


def test_design_contraindication_table_is_kept(catalog: Catalog) -> None:
    for intervention_id, (absolute, relative) in DESIGN_CONTRAINDICATIONS.items():
        item = catalog.interventions[intervention_id]
        assert set(absolute) <= set(item.contraindications_absolute), intervention_id
        assert set(relative) <= set(item.contraindications_relative), intervention_id


def test_contraindication_table_reproduced_exactly(catalog: Catalog) -> None:
    """Every intervention carries exactly the vetoes and cautions of the clinical basis."""
    actual = {
        item.id: (item.contraindications_absolute, item.contraindications_relative)
        for item in interventions(catalog)
        if item.contraindications_absolute or item.contraindications_relative
    }
    expected = {i: (tuple(sorted(a)), tuple(sorted(r))) for i, (a, r) in CONTRAINDICATIONS.items()}
    assert {i: (tuple(sorted(a)), tuple(sorted(r))) for i, (a, r) in actual.items()} == expected


def test_a_condition_is_never_both_absolute_and_relative(catalog: Catalog) -> None:
    for item in interventions(catalog):
        both = set(item.contraindications_absolute) & set(item.contraindications_relative)
        assert not both, (item.id, both)


def test_contraindications_name_registered_conditions(catalog: Catalog) -> None:
    conditions = set(catalog.codes(TermKind.CONDITION))
    for item in interventions(catalog):
        used = {*item.contraindications_absolute, *item.contraindications_relative}
        assert used <= conditions, item.id


# --- progressions --------------------------------------------------------------------------------


def test_progression_links_exist_and_agree(catalog: Catalog) -> None:
    items = catalog.interventions
    for item in items.values():
        if item.progresses_to is not None:
            assert item.progresses_to in items and item.progresses_to != item.id
            assert items[item.progresses_to].regresses_to == item.id, item.id
        if item.regresses_to is not None:
            assert item.regresses_to in items and item.regresses_to != item.id
            assert items[item.regresses_to].progresses_to == item.id, item.id


def test_progression_chains_are_acyclic(catalog: Catalog) -> None:
    items = catalog.interventions
    for start in items:
        seen = {start}
        current = items[start].progresses_to
        while current is not None:
            assert current not in seen, f"cycle through {current}"
            seen.add(current)
            current = items[current].progresses_to


def chain_from(catalog: Catalog, start: str) -> tuple[str, ...]:
    out = [start]
    while (nxt := catalog.interventions[out[-1]].progresses_to) is not None:
        out.append(nxt)
    return tuple(out)


@pytest.mark.parametrize(
    "chain",
    [
        (
            "pelvic_tilt",
            "bridge",
            "single_leg_bridge",
            "swiss_ball_bridge",
            "swiss_ball_hamstring_curl",
        ),
        ("abdominal_bracing", "dead_bug", "bird_dog", "plank", "side_plank"),
        ("pallof_press", "band_trunk_rotation"),
        ("hip_hinge", "romanian_deadlift"),
        ("goblet_squat", "split_squat"),
    ],
)
def test_named_chains_exist(catalog: Catalog, chain: tuple[str, ...]) -> None:
    assert catalog.interventions[chain[0]].regresses_to is None
    assert chain_from(catalog, chain[0]) == chain


def test_progressions_stay_exercises_and_in_their_directional_group(catalog: Catalog) -> None:
    """A step stays an exercise and never enters a directional group. (A harder step may add a
    load-related veto, e.g. hip hinge -> Romanian deadlift after hip surgery; the progression
    engine never steps onto a vetoed intervention, test_progression_items checks that.)"""
    items = catalog.interventions
    for item in items.values():
        for other_id in (item.progresses_to, item.regresses_to):
            if other_id is None:
                continue
            other = items[other_id]
            assert other.kind is InterventionKind.EXERCISE and item.kind is other.kind
            for group in (EXTENSION_LOADING, FLEXION_BIASED):
                assert other_id not in group or item.id in group, (item.id, other_id)


# --- alternatives and exclusive groups -----------------------------------------------------------


def test_thrust_manipulation_falls_back_to_mobilization(catalog: Catalog) -> None:
    assert catalog.interventions["spinal_thrust_manipulation"].alternatives == (
        "joint_mobilization",
    )


def test_alternatives_are_usable_in_place_of_the_vetoed_item(catalog: Catalog) -> None:
    items = catalog.interventions
    with_alternatives = [i for i in items.values() if i.alternatives]
    assert len(with_alternatives) >= 5
    for item in with_alternatives:
        vetoes = set(item.contraindications_absolute)
        for alternative_id in item.alternatives:
            assert alternative_id in items and alternative_id != item.id
            alternative = items[alternative_id]
            # an alternative serves under at least one condition that vetoes the item
            assert not vetoes or vetoes - set(alternative.contraindications_absolute)
            for group in (FLEXION_BIASED, EXTENSION_LOADING):
                assert not (item.id in group and alternative_id in group), (item.id, group)
            assert alternative.exclusive_group is None or (
                alternative.exclusive_group != item.exclusive_group
            )


def test_exclusive_groups(catalog: Catalog) -> None:
    groups: dict[str, set[str]] = {}
    for item in interventions(catalog):
        if item.exclusive_group is not None:
            groups.setdefault(item.exclusive_group, set()).add(item.id)
    assert groups["directional_preference"] == {
        "repeated_extension_in_lying",
        "repeated_flexion_in_lying",
    }
    for members in groups.values():
        assert len(members) >= 2


# --- the seeds' numbers --------------------------------------------------------------------------


def test_seed_exercises_keep_two_to_three_sessions_a_week(catalog: Catalog) -> None:
    for intervention_id in SEED_WEEKLY:
        per_week = catalog.interventions[intervention_id].dosage.per_week
        assert per_week is not None and 2 <= per_week <= 3, intervention_id


@pytest.mark.parametrize("intervention_id", ["cat_cow", "pelvic_tilt", "bridge"])
def test_seed_repetitions_ten_to_fifteen(catalog: Catalog, intervention_id: str) -> None:
    item = catalog.interventions[intervention_id]
    assert item.dosage.reps is not None and 10 <= item.dosage.reps <= 15
    assert any("10 to 15" in step for step in item.steps), "the range is given in a step"


def test_seed_bird_dog_ten_a_side(catalog: Catalog) -> None:
    assert catalog.interventions["bird_dog"].dosage.reps == 10


@pytest.mark.parametrize(
    ("intervention_id", "low", "high"),
    [
        ("seated_forward_bend", 20, 30),
        ("standing_hamstring_stretch", 20, 30),
        ("knee_to_chest", 20, 30),
        ("hip_flexor_stretch", 20, 30),
        ("childs_pose", 1, 30),
        ("side_plank", 15, 30),
    ],
)
def test_seed_hold_times(catalog: Catalog, intervention_id: str, low: int, high: int) -> None:
    hold = catalog.interventions[intervention_id].dosage.hold_seconds
    assert hold is not None and low <= hold <= high
