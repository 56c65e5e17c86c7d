"""The clinical tables the tests check the catalog (test_catalog_content) and the plans
(test_clinical_rules) against, copied once here. A copy, not an import of careengine_plugins: the
tests must catch a drift of the plugin from the contract and from docs/clinical-basis.md.

* ``DESIGN_*``: docs/design.md section 11's contraindication table and movement groups, verbatim. They
  are the minimum: everything in them must stay.
* :data:`PATTERNS` and :data:`CONCERNS`: what each intervention does and which conditions veto
  (``absolute``) or caution (``relative``) that, as docs/clinical-basis.md tables them.
* :data:`CONTRAINDICATIONS`: the full expected table, derived from the two (absolute wins).
* :data:`FLEXION_BIASED` / :data:`EXTENSION_LOADING`: the complete directional groups.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Flexion loading: absolutely contraindicated by osteoporosis.
DESIGN_FLEXION_LOADING = (
    "crunch",
    "seated_forward_bend",
    "standing_hamstring_stretch",
    "knee_to_chest",
    "seated_torso_twist",
)
#: Extension loading: absolutely contraindicated by spinal stenosis; vetoed by peripheralization
#: with extension.
DESIGN_EXTENSION_LOADING = ("cobra", "lumbar_extension", "repeated_extension_in_lying")
#: Vetoed by centralization with extension or peripheralization with flexion.
DESIGN_FLEXION_BIASED = (
    "knee_to_chest",
    "seated_forward_bend",
    "crunch",
    "childs_pose",
    "repeated_flexion_in_lying",
)

#: intervention id -> (absolute, relative) condition codes, in the table's order.
DESIGN_CONTRAINDICATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dry_needling_referral": (
        ("needle_phobia", "lymphedema", "local_skin_infection"),
        (
            "anticoagulant_therapy",
            "bleeding_disorder",
            "pregnancy",
            "immunosuppression",
            "diabetes",
            "epilepsy",
            "metal_allergy",
        ),
    ),
    "spinal_thrust_manipulation": (
        ("osteoporosis", "spinal_fracture", "inflammatory_arthritis", "recent_spinal_surgery"),
        ("anticoagulant_therapy", "hypermobility_syndrome", "bleeding_disorder"),
    ),
    "joint_mobilization": (("spinal_fracture", "recent_spinal_surgery"), ("osteoporosis",)),
    **{i: (("osteoporosis",), ()) for i in DESIGN_FLEXION_LOADING},
    **{i: (("spinal_stenosis",), ()) for i in DESIGN_EXTENSION_LOADING},
    "tens": (("pacemaker", "pregnancy"), ()),
    "therapeutic_ultrasound": (("pacemaker", "pregnancy"), ()),
    "prone_traction": (("pregnancy", "osteoporosis", "spinal_fracture"), ()),
}

# --- the complete directional groups -------------------------------------------------------------

#: Every exercise loading the spine into flexion (docs/design.md's flexion-biased and flexion-loading
#: lists, plus cat-cow and yoga, which move through flexion too).
FLEXION_BIASED = (
    "cat_cow",
    "childs_pose",
    "crunch",
    "knee_to_chest",
    "repeated_flexion_in_lying",
    "seated_forward_bend",
    "seated_torso_twist",
    "standing_hamstring_stretch",
    "yoga",
)
#: Every exercise loading the lumbar spine into extension.
EXTENSION_LOADING = (
    "cat_cow",
    "cobra",
    "lumbar_extension",
    "repeated_extension_in_lying",
    "yoga",
)

# --- what each intervention does, and who must not have it ---------------------------------------

#: intervention id -> movement patterns, positions and applications (docs/clinical-basis.md).
PATTERNS: Mapping[str, frozenset[str]] = {
    key: frozenset(value.split())
    for key, value in {
        "cat_cow": "end_range_flexion cyclic_extension",
        "childs_pose": "end_range_flexion forced_hip_flexion",
        "seated_forward_bend": "end_range_flexion deep_hip_flexion end_range_stretch",
        "cobra": "end_range_extension prone prone_extension",
        "seated_torso_twist": "flexion_rotation rotation",
        "standing_hamstring_stretch": (
            "end_range_flexion loaded_flexion deep_hip_flexion end_range_stretch"
        ),
        "knee_to_chest": "end_range_flexion forced_hip_flexion supine",
        "hip_flexor_stretch": "lunge_hip_extension end_range_stretch",
        "thoracic_extension_mobilization": "extension_over_fulcrum",
        "open_book_rotation": "rotation",
        "leg_swings": "ballistic_hip",
        "repeated_extension_in_lying": "end_range_extension prone prone_extension",
        "repeated_flexion_in_lying": "end_range_flexion forced_hip_flexion supine",
        "pelvic_tilt": "supine",
        "bridge": "supine",
        "single_leg_bridge": "supine",
        "dead_bug": "supine",
        "lumbar_extension": "loaded_extension prone",
        "crunch": "loaded_flexion supine",
        "hip_hinge": "deep_hip_flexion",
        "romanian_deadlift": "loaded_hinge deep_hip_flexion",
        "goblet_squat": "loaded_squat deep_hip_flexion",
        "split_squat": "loaded_squat lunge_hip_extension",
        "stationary_cycling": "deep_hip_flexion",
        "aquatic_exercise": "pool_immersion",
        "yoga": "end_range_flexion flexion_rotation rotation cyclic_extension deep_hip_flexion",
        "spinal_thrust_manipulation": "thrust",
        "joint_mobilization": "spinal_mobilization",
        "soft_tissue_massage": "soft_tissue_pressure",
        "cupping": "soft_tissue_pressure prone",
        "dry_needling_referral": "needling",
        "prone_traction": "traction prone",
        "superficial_heat": "heat",
        "cryotherapy": "cold",
        "tens": "electrical_stimulation",
        "therapeutic_ultrasound": "ultrasound",
        # catalog breadth (issue 15)
        "swiss_ball_bridge": "supine",
        "swiss_ball_hamstring_curl": "supine",
        "downward_dog": "forced_hip_flexion head_down end_range_stretch",
        "standing_calf_stretch": "end_range_stretch",
        "lower_trunk_rotation": "rotation supine",
        "band_trunk_rotation": "rotation loaded_rotation",
    }.items()
}

#: condition -> {pattern: "absolute" | "relative"} (docs/clinical-basis.md, section
#: "Contraindications and cautions").
CONCERNS: Mapping[str, Mapping[str, str]] = {
    "osteoporosis": {
        "thrust": "absolute",
        "spinal_mobilization": "relative",
        "traction": "absolute",
        "end_range_flexion": "absolute",
        "loaded_flexion": "absolute",
        "flexion_rotation": "absolute",
        "rotation": "relative",
        "extension_over_fulcrum": "relative",
        "loaded_rotation": "absolute",
    },
    "spinal_fracture": {
        "thrust": "absolute",
        "spinal_mobilization": "absolute",
        "traction": "absolute",
        "end_range_flexion": "absolute",
        "loaded_flexion": "absolute",
        "flexion_rotation": "absolute",
        "rotation": "absolute",
        "loaded_hinge": "relative",
        "loaded_squat": "relative",
        "extension_over_fulcrum": "relative",
        "loaded_rotation": "absolute",
    },
    "recent_spinal_surgery": {
        "thrust": "absolute",
        "spinal_mobilization": "absolute",
        "traction": "absolute",
        "rotation": "absolute",
        "flexion_rotation": "absolute",
        "loaded_rotation": "absolute",
    },
    "recent_hip_surgery": {
        "forced_hip_flexion": "absolute",
        "deep_hip_flexion": "relative",
        "lunge_hip_extension": "absolute",
        "ballistic_hip": "absolute",
        "loaded_squat": "absolute",
        "loaded_hinge": "absolute",
    },
    "spinal_stenosis": {
        "end_range_extension": "absolute",
        "loaded_extension": "absolute",
        "cyclic_extension": "relative",
    },
    "pregnancy": {
        "electrical_stimulation": "absolute",
        "ultrasound": "absolute",
        "traction": "absolute",
        "needling": "relative",
        "prone_extension": "absolute",
        "prone": "relative",
        "heat": "relative",
        "thrust": "relative",
        "head_down": "relative",
    },
    "inflammatory_arthritis": {"thrust": "absolute"},
    "anticoagulant_therapy": {
        "thrust": "relative",
        "needling": "relative",
        "soft_tissue_pressure": "relative",
    },
    "bleeding_disorder": {
        "thrust": "relative",
        "needling": "relative",
        "soft_tissue_pressure": "relative",
    },
    "hypermobility_syndrome": {
        "thrust": "relative",
        "end_range_stretch": "absolute",
        "ballistic_hip": "relative",
    },
    "acute_disc_herniation": {
        "loaded_flexion": "absolute",
        "flexion_rotation": "absolute",
        "end_range_flexion": "relative",
        "thrust": "relative",
    },
    "local_skin_infection": {
        "needling": "absolute",
        "soft_tissue_pressure": "absolute",
        "heat": "absolute",
        "pool_immersion": "absolute",
    },
    "diabetes": {
        "needling": "relative",
        "heat": "relative",
        "cold": "relative",
        "electrical_stimulation": "relative",
    },
    "pacemaker": {"electrical_stimulation": "absolute", "ultrasound": "absolute"},
    "needle_phobia": {"needling": "absolute"},
    "lymphedema": {"needling": "absolute"},
    "immunosuppression": {"needling": "relative"},
    "epilepsy": {"needling": "relative"},
    "metal_allergy": {"needling": "relative"},
}


def _derive() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out = {}
    for item, patterns in PATTERNS.items():
        absolute = {c for c, by in CONCERNS.items() for p in patterns if by.get(p) == "absolute"}
        relative = {
            c for c, by in CONCERNS.items() for p in patterns if by.get(p) == "relative"
        } - absolute
        if absolute or relative:
            out[item] = (tuple(sorted(absolute)), tuple(sorted(relative)))
    return out


#: intervention id -> (absolute, relative) condition codes: the full expected table.
CONTRAINDICATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = _derive()


def _check_design_minimum() -> None:
    """docs/design.md's table and groups are contained in the full ones (a mistake here fails import)."""
    for item, (absolute, relative) in DESIGN_CONTRAINDICATIONS.items():
        assert set(absolute) <= set(CONTRAINDICATIONS[item][0]), item
        assert set(relative) <= set(CONTRAINDICATIONS[item][1]), item
    assert set(DESIGN_FLEXION_BIASED) | set(DESIGN_FLEXION_LOADING) <= set(FLEXION_BIASED)
    assert set(DESIGN_EXTENSION_LOADING) <= set(EXTENSION_LOADING)


_check_design_minimum()
