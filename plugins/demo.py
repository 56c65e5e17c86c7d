"""DEMONSTRATION knowledge base: a deliberately small, clearly labelled example.

It exists so that ``make demo`` and the engine's own tests have stages, a few codes, a few
interventions and a few rules to work with. It is NOT the clinical knowledge base and must not be
used for patient care: every pack it registers says so in its title.
"""

from __future__ import annotations

from careengine.model import (
    AlertLevel,
    Dosage,
    Intervention,
    InterventionKind,
    Stage,
    TermKind,
    Urgency,
)
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry, RulePackRegistry
from careengine.rules import (
    Add,
    Exclude,
    RaiseAlert,
    Refer,
    Rule,
    StartStage,
    When,
    at_least,
    condition,
    finding,
    gte,
    measure,
    red_flag,
)

STAGES = (
    Stage(
        id="relieve",
        title="Relieve: calm pain, restore circulation",
        order=1,
        goals=("Pain settles to a level that allows movement",),
        progress_when=("Current pain 3/10 or less, or down 2 points",),
    ),
    Stage(
        id="mobilize",
        title="Mobilize: joint and soft-tissue mobility",
        order=2,
        goals=("Restore the limited movements",),
        progress_when=("Mobility tolerated",),
    ),
    Stage(
        id="strengthen",
        title="Strengthen: motor control, strength, endurance",
        order=3,
        goals=("Control and strength for daily load",),
        progress_when=("Exercises tolerated",),
    ),
    Stage(
        id="return",
        title="Return: full function and self-management",
        order=4,
        goals=("Back to usual activity",),
        progress_when=("Self-managing",),
    ),
)

FINDINGS = {
    "thoracic_mobility_limited": ("Limited thoracic mobility", "thoracic spine", True),
    "glute_weakness": ("Gluteal weakness", "hip", True),
    "core_facilitation_poor": ("Poor core facilitation", "trunk", True),
    "lumbar_hypomobility": ("Hypomobile lumbar segment", "lumbar spine", True),
    "hip_internal_rotation": ("Hip internal rotation", "hip", False),
}
CONDITIONS = {
    "osteoporosis": "Osteoporosis",
    "spinal_fracture": "Spinal fracture",
    "anticoagulant_therapy": "Anticoagulant therapy",
    "recent_hip_surgery": "Recent hip surgery",
}
RED_FLAGS = {
    "saddle_anesthesia": "Saddle anaesthesia",
    "bladder_dysfunction": "Bladder dysfunction",
}

INTERVENTIONS = (
    Intervention(
        id="joint_mobilization",
        kind=InterventionKind.MANUAL_THERAPY,
        name="Joint mobilization",
        steps=("The therapist applies graded oscillating pressure to the stiff segment.",),
        dosage=Dosage(minutes=10, per_week=2),
        contraindications_absolute=("spinal_fracture",),
        contraindications_relative=("osteoporosis",),
    ),
    Intervention(
        id="spinal_thrust_manipulation",
        kind=InterventionKind.MANUAL_THERAPY,
        name="Spinal thrust manipulation",
        steps=("The therapist applies one quick, small thrust to the stiff segment.",),
        dosage=Dosage(minutes=5, per_week=2),
        contraindications_absolute=("osteoporosis", "spinal_fracture"),
        contraindications_relative=("anticoagulant_therapy",),
        alternatives=("joint_mobilization",),
    ),
    Intervention(
        id="open_book_rotation",
        kind=InterventionKind.EXERCISE,
        name="Open book rotation",
        steps=("Lie on your side with knees bent.", "Open the top arm like a book and return."),
        dosage=Dosage(sets=2, reps=10, per_week=3),
    ),
    Intervention(
        id="bridge",
        kind=InterventionKind.EXERCISE,
        name="Bridge",
        steps=("Lie on your back, knees bent.", "Lift your hips, hold, lower slowly."),
        dosage=Dosage(sets=3, reps=10, per_week=3),
        progresses_to="single_leg_bridge",
    ),
    Intervention(
        id="single_leg_bridge",
        kind=InterventionKind.EXERCISE,
        name="Single-leg bridge",
        steps=("Bridge with one leg straight.",),
        dosage=Dosage(sets=3, reps=8, per_week=3),
        regresses_to="bridge",
    ),
    Intervention(
        id="abdominal_bracing",
        kind=InterventionKind.EXERCISE,
        name="Abdominal bracing",
        steps=("Tighten the trunk muscles gently while breathing.",),
        dosage=Dosage(sets=3, reps=10, hold_seconds=10, per_week=5),
    ),
    Intervention(
        id="activity_advice",
        kind=InterventionKind.EDUCATION,
        name="Stay-active advice",
        steps=("Keep moving within comfort; avoid bed rest.",),
        dosage=Dosage(per_week=1),
    ),
)


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    registry.add_all(STAGES)
    for code, (label, region, impairment) in FINDINGS.items():
        unit = "deg" if code == "hip_internal_rotation" else None
        registry.add_term(
            code, TermKind.FINDING, label, region=region, impairment=impairment, unit=unit
        )
    for code, label in CONDITIONS.items():
        registry.add_term(code, TermKind.CONDITION, label)
    for code, label in RED_FLAGS.items():
        registry.add_term(code, TermKind.RED_FLAG, label)
    registry.add_all(INTERVENTIONS)


RULES = (
    Rule(
        id="thoracic",
        because="Stiff thoracic segments push rotation into the lumbar spine.",
        when=When(all=(finding("thoracic_mobility_limited"),)),
        then=(Add(intervention="open_book_rotation", stage="mobilize"),),
    ),
    Rule(
        id="weak-glutes",
        because="Gluteal weakness reduces hip stability and shifts load to the lumbar spine.",
        when=When(
            all=(finding("glute_weakness", severity=at_least("moderate")),),
            none=(condition("recent_hip_surgery"),),
        ),
        then=(Add(intervention="bridge", stage="strengthen"),),
    ),
    Rule(
        id="core",
        because="Poor trunk control is retrained from simple bracing upward.",
        when=When(all=(finding("core_facilitation_poor"),)),
        then=(Add(intervention="abdominal_bracing", stage="strengthen"),),
    ),
    Rule(
        id="stiff-segment",
        because="A hypomobile segment responds to manipulation.",
        when=When(all=(finding("lumbar_hypomobility"),)),
        then=(Add(intervention="spinal_thrust_manipulation", stage="relieve", priority=60),),
    ),
    Rule(
        id="stay-active",
        because="Staying active speeds recovery from low back pain.",
        when=When(all=(measure("age"),)),
        then=(Add(intervention="activity_advice", stage="return"),),
    ),
    Rule(
        id="high-pain",
        because="Severe pain: start by calming it.",
        when=When(all=(measure("nprs_current", value=gte(7)),)),
        then=(StartStage(stage="relieve"),),
    ),
    Rule(
        id="cauda-equina",
        because="Saddle anaesthesia or bladder dysfunction may mean cauda equina.",
        when=When(any=(red_flag("saddle_anesthesia"), red_flag("bladder_dysfunction"))),
        then=(
            RaiseAlert(
                code="cauda_equina_suspected",
                level=AlertLevel.EMERGENCY,
                message="Possible cauda equina syndrome: send to emergency care today.",
            ),
            Refer(
                to="emergency department",
                urgency=Urgency.EMERGENCY,
                reason="suspected cauda equina syndrome",
            ),
        ),
    ),
    Rule(
        id="no-thrust-after-fracture",
        because="Never thrust over a fractured spine.",
        when=When(all=(condition("spinal_fracture"),)),
        then=(
            Exclude(intervention="spinal_thrust_manipulation", reason="excluded: spinal fracture"),
        ),
    ),
)


@hookimpl
def careengine_rule_packs(registry: RulePackRegistry) -> None:
    registry.add_pack(
        id="demo",
        version="0.1.0",
        title="DEMONSTRATION ONLY: not for patient care",
        population="none: example rules for the engine's demo and tests",
        sources=("careengine documentation",),
        rules=RULES,
    )
