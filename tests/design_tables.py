"""DESIGN section 11's contraindication table and directional movement groups, copied once for
the tests that check the catalog data (test_catalog_content) and the plans (test_clinical_rules)
against them. A copy, not an import of careengine_plugins.interventions: the tests must catch a
drift of the plugin from the contract."""

from __future__ import annotations

#: Flexion loading: absolutely contraindicated by osteoporosis.
FLEXION_LOADING = (
    "crunch",
    "seated_forward_bend",
    "standing_hamstring_stretch",
    "knee_to_chest",
    "seated_torso_twist",
)
#: Extension loading: absolutely contraindicated by spinal stenosis; vetoed by peripheralization
#: with extension.
EXTENSION_LOADING = ("cobra", "lumbar_extension", "repeated_extension_in_lying")
#: Vetoed by centralization with extension or peripheralization with flexion.
FLEXION_BIASED = (
    "knee_to_chest",
    "seated_forward_bend",
    "crunch",
    "childs_pose",
    "repeated_flexion_in_lying",
)

#: intervention id -> (absolute, relative) condition codes, in the table's order.
CONTRAINDICATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
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
    **{i: (("osteoporosis",), ()) for i in FLEXION_LOADING},
    **{i: (("spinal_stenosis",), ()) for i in EXTENSION_LOADING},
    "tens": (("pacemaker", "pregnancy"), ()),
    "therapeutic_ultrasound": (("pacemaker", "pregnancy"), ()),
    "prone_traction": (("pregnancy", "osteoporosis", "spinal_fracture"), ()),
}
