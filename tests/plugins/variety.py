"""A rule pack that uses every operator and action over the demo and test vocabulary
(careengine_plugins.demo + tests.plugins.catalog). The property tests run random assessments
through it on both backends."""

from __future__ import annotations

from careengine.model import AlertLevel, Dosage, Urgency
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RulePackRegistry
from careengine.rules import (
    Add,
    AddPrecaution,
    Derive,
    Exclude,
    RaiseAlert,
    Refer,
    Rule,
    StartStage,
    When,
    at_least,
    condition,
    declines,
    derived,
    exists,
    finding,
    gt,
    gte,
    lt,
    lte,
    measure,
    neq,
    one_of,
    red_flag,
)

PACK_ID = "variety"

RULES = (
    Rule(
        id="hip-flexor-one-side",
        because="A tight hip flexor on one side tilts the pelvis.",
        when=When(all=(finding("hip_flexor_tightness", side=one_of("left", "right")),)),
        then=(
            Add(
                intervention="hip_flexor_stretch",
                stage="mobilize",
                dosage=Dosage(sets=2, reps=3, hold_seconds=30, per_week=5),
            ),
        ),
    ),
    Rule(
        id="hip-flexor-both-sides",
        because="Tight hip flexors on both sides need more stretching.",
        priority=70,
        when=When(all=(finding("hip_flexor_tightness", side="bilateral"),)),
        then=(
            Add(
                intervention="hip_flexor_stretch",
                stage="mobilize",
                dosage=Dosage(sets=3, reps=3, hold_seconds=30, per_week=7),
            ),
        ),
    ),
    Rule(
        id="same-side-chain",
        because="Weak glutes and a tight hip flexor on the same side.",
        when=When(
            all=(finding("glute_weakness"), finding("hip_flexor_tightness", same_side=True)),
        ),
        then=(Add(intervention="bird_dog", stage="strengthen", priority=65),),
    ),
    Rule(
        id="extension-preference",
        because="Symptoms centralise with extension.",
        when=When(all=(finding("centralization", direction="extension"),)),
        then=(Add(intervention="repeated_extension_in_lying", stage="relieve", priority=60),),
    ),
    Rule(
        id="flexion-preference",
        because="Symptoms centralise with flexion.",
        when=When(all=(finding("centralization", direction="flexion"),)),
        then=(Add(intervention="repeated_flexion_in_lying", stage="relieve", priority=60),),
    ),
    Rule(
        id="fear",
        because="Fear of movement or high disability: explain pain first.",
        when=When(any=(finding("fear_avoidance"), measure("odi_percent", value=gt(40)))),
        then=(
            Add(intervention="pain_neuroscience_education", stage="return"),
            Derive(code="psychosocial"),
        ),
    ),
    Rule(
        id="psychosocial-exercise",
        because="Graded exercise for psychosocial risk.",
        when=When(all=(derived("psychosocial"),), none=(condition("pregnancy"),)),
        then=(Add(intervention="dead_bug", stage="strengthen", priority=40),),
    ),
    Rule(
        id="no-psychosocial-risk",
        because="Without psychosocial risk, load early.",
        when=When(all=(measure("age", value=gte(18)),), none=(derived("psychosocial"),)),
        then=(Add(intervention="plank", stage="strengthen", priority=30),),
    ),
    Rule(
        id="trigger-points",
        because="Marked trigger points may respond to needling.",
        when=When(all=(finding("myofascial_trigger_points", severity=at_least("moderate")),)),
        then=(Add(intervention="dry_needling_referral", stage="relieve"),),
    ),
    Rule(
        id="declined-needling",
        because="The patient declines needling: use TENS instead.",
        when=When(all=(declines("dry_needling_referral"), finding("myofascial_trigger_points"))),
        then=(Add(intervention="tens", stage="relieve", priority=45),),
    ),
    Rule(
        id="pregnancy-caution",
        because="Prone and four-point positions need care in pregnancy.",
        when=When(all=(condition("pregnancy"),)),
        then=(AddPrecaution(intervention="bird_dog", text="avoid prolonged four-point kneeling"),),
    ),
    Rule(
        id="night-pain-over-50",
        because="Night pain after 50 is a weak malignancy risk factor.",
        when=When(all=(red_flag("night_pain"), measure("age", value=gt(50)))),
        then=(
            RaiseAlert(
                code="malignancy_suspected",
                level=AlertLevel.ROUTINE,
                message="Night pain over 50: review at the next visit.",
            ),
            Refer(to="general practitioner", urgency=Urgency.ROUTINE, reason="night pain over 50"),
        ),
    ),
    Rule(
        id="history-of-cancer",
        because="A history of cancer is a major malignancy risk factor.",
        when=When(all=(red_flag("history_of_cancer"),)),
        then=(
            RaiseAlert(
                code="malignancy_suspected",
                level=AlertLevel.URGENT,
                message="History of cancer with back pain: urgent medical review.",
            ),
            Refer(to="general practitioner", urgency=Urgency.URGENT, reason="history of cancer"),
        ),
    ),
    Rule(
        id="stenosis-no-extension",
        because="Extension narrows the canal in spinal stenosis.",
        when=When(all=(condition("spinal_stenosis"),)),
        then=(
            Exclude(
                intervention="repeated_extension_in_lying",
                reason="excluded: spinal stenosis (extension loading)",
            ),
        ),
    ),
    Rule(
        id="glutes-not-mild",
        because="Glute weakness beyond mild: add spinal mobility work.",
        when=When(all=(finding("glute_weakness", severity=neq("mild")),)),
        then=(Add(intervention="cat_cow", stage="mobilize", priority=35),),
    ),
    Rule(
        id="unsided-glutes",
        because="Glute weakness with no side recorded: train both sides.",
        when=When(all=(finding("glute_weakness", side=exists(False)),)),
        then=(Add(intervention="bird_dog", stage="strengthen", priority=45),),
    ),
    Rule(
        id="limited-rotation",
        because="Limited hip rotation: explain why movement is safe.",
        when=When(all=(finding("hip_internal_rotation", value=lt(30)),)),
        then=(
            Add(
                intervention="pain_neuroscience_education",
                stage="return",
                priority=55,
                dosage=Dosage(minutes=30, per_week=1),
            ),
        ),
    ),
    Rule(
        id="low-pain",
        because="Low pain: start with strengthening.",
        when=When(all=(measure("nprs_current", value=lte(3)),)),
        then=(StartStage(stage="strengthen"),),
    ),
)


@hookimpl
def careengine_rule_packs(registry: RulePackRegistry) -> None:
    registry.add_pack(
        id=PACK_ID,
        version="2.0.0",
        rules=RULES,
        title="test: every operator and action",
        population="tests",
        sources=("tests",),
    )
