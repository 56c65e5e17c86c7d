"""Test vocabulary that extends the demo catalog (careengine_plugins.demo): more findings,
conditions, red flags, measures and interventions, including an exclusive group and
contraindications, so that every merge rule can be exercised."""

from __future__ import annotations

from careengine.model import Dosage, Intervention, InterventionKind, TermKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry

#: code -> impairment?
FINDINGS = {
    "hip_flexor_tightness": True,
    "fear_avoidance": True,
    "myofascial_trigger_points": True,
    "centralization": False,
}
CONDITIONS = ("needle_phobia", "pregnancy", "spinal_stenosis")
RED_FLAGS = ("night_pain", "history_of_cancer", "minor_trauma")
MEASURES = ("odi_percent", "test_priority")

EX = InterventionKind.EXERCISE
INTERVENTIONS = (
    Intervention(
        id="hip_flexor_stretch",
        kind=EX,
        name="Hip flexor stretch",
        steps=(
            "Kneel on one knee and tuck your pelvis under.",
            "Shift forward until the front of the hip stretches.",
        ),
        dosage=Dosage(sets=2, reps=3, hold_seconds=30, per_week=5),
    ),
    Intervention(
        id="repeated_extension_in_lying",
        kind=EX,
        name="Repeated extension in lying",
        steps=(
            "Lie face down with your hands under your shoulders.",
            "Press your chest up, let your hips stay down, and lower again.",
        ),
        dosage=Dosage(sets=1, reps=10, per_week=7),
        exclusive_group="directional_preference",
    ),
    Intervention(
        id="repeated_flexion_in_lying",
        kind=EX,
        name="Repeated flexion in lying",
        steps=(
            "Lie on your back and hug both knees towards your chest.",
            "Let them go back to bent and repeat.",
        ),
        dosage=Dosage(sets=1, reps=10, per_week=7),
        exclusive_group="directional_preference",
    ),
    Intervention(
        id="dry_needling_referral",
        kind=InterventionKind.REFERRAL,
        name="Dry needling referral",
        contraindications_absolute=("needle_phobia",),
        contraindications_relative=("pregnancy", "anticoagulant_therapy"),
    ),
    Intervention(
        id="pain_neuroscience_education",
        kind=InterventionKind.EDUCATION,
        name="Pain neuroscience education",
        dosage=Dosage(minutes=20, per_week=1),
    ),
    Intervention(
        id="tens",
        kind=InterventionKind.MODALITY,
        name="TENS",
        dosage=Dosage(minutes=20, per_week=3),
        contraindications_absolute=("pregnancy",),
    ),
    Intervention(
        id="cat_cow",
        kind=EX,
        name="Cat-cow",
        steps=(
            "On hands and knees, round your back up.",
            "Then let it sag gently, and keep moving between the two.",
        ),
        dosage=Dosage(sets=2, reps=10, per_week=5),
    ),
    Intervention(
        id="bird_dog",
        kind=EX,
        name="Bird dog",
        steps=(
            "On hands and knees, reach one arm forward and the other leg back.",
            "Hold steady, return, switch sides.",
        ),
        dosage=Dosage(sets=3, reps=8, per_week=3),
    ),
    Intervention(
        id="dead_bug",
        kind=EX,
        name="Dead bug",
        steps=(
            "Lie on your back with arms up and knees bent above your hips.",
            "Lower one arm and the other leg slowly, return, switch.",
        ),
        dosage=Dosage(sets=3, reps=8, per_week=3),
    ),
    Intervention(
        id="plank",
        kind=EX,
        name="Plank",
        steps=(
            "Rest on your forearms and toes with your body straight.",
            "Hold while breathing normally.",
        ),
        dosage=Dosage(sets=3, hold_seconds=20, per_week=3),
    ),
)


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    for code, impairment in FINDINGS.items():
        registry.add_term(code, TermKind.FINDING, code.replace("_", " "), impairment=impairment)
    for code in CONDITIONS:
        registry.add_term(code, TermKind.CONDITION, code.replace("_", " "))
    for code in RED_FLAGS:
        registry.add_term(code, TermKind.RED_FLAG, code.replace("_", " "))
    for code in MEASURES:
        registry.add_term(code, TermKind.MEASURE, code.replace("_", " "))
    registry.add_all(INTERVENTIONS)
