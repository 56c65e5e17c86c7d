"""Built-in vocabulary: plan stages and the finding, condition, red-flag and measure codes.

The codes are the contract of docs/design.md section 7; a few extra finding codes a clinician
would expect are added at the end of :data:`FINDINGS` (marked there). Everything here is
constant data (tuples of frozen :class:`~careengine.model.Term` and
:class:`~careengine.model.Stage` objects) registered by :func:`careengine_catalog`.

Impairment flags follow docs/design.md section 7: every finding is an impairment (it must be
addressed by a plan item or reported as unaddressed) except the measurements, the test results and
centralization / peripheralization.

The measure codes ``age``, ``nprs_current``, ``nprs_worst``, ``nprs_best``,
``symptom_duration_days``, ``onset_age``, ``leg_symptoms``, ``gestational_week`` and
``postpartum_weeks`` belong to the engine core and are deliberately not registered here.
"""

from __future__ import annotations

from careengine.model import Stage, Term, TermKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry

# --- stages ------------------------------------------------------------------------------------

#: The default gates of docs/design.md section 8 (pain-monitoring model, Silbernagel 2007 /
#: Thomee 1997, and the NPRS minimal important change of 2 points). Combining them is a local
#: design choice.
_DEFAULT_GATES: tuple[str, ...] = (
    "Pain during exercise stays at or below 5/10",
    "Pain after exercise settles within 24 hours",
    "Adherence to the home programme is at least 70 %",
    "Current pain has fallen by at least 2 points since the last visit, or is 3/10 or less",
)

STAGES: tuple[Stage, ...] = (
    Stage(
        id="relieve",
        title="Relieve: calm pain, restore circulation",
        order=1,
        goals=(
            "Bring pain down to a level that allows comfortable movement",
            "Restore circulation and ease muscle guarding in the painful area",
            "Understand the pain and keep as active as symptoms allow",
        ),
        progress_when=_DEFAULT_GATES,
    ),
    Stage(
        id="mobilize",
        title="Mobilize: joint and soft-tissue mobility",
        order=2,
        goals=(
            "Restore movement of the stiff spinal segments, hips, mid back and ankles",
            "Improve soft-tissue flexibility so the low back no longer compensates",
        ),
        progress_when=(
            *_DEFAULT_GATES,
            "The limited movements found at assessment have improved and are tolerated",
        ),
    ),
    Stage(
        id="strengthen",
        title="Strengthen: motor control, strength, endurance",
        order=3,
        goals=(
            "Control the trunk and pelvis during everyday movements",
            "Build strength and endurance of the trunk, hips and legs",
            "Load the main movement patterns: push, pull, hinge, squat, lunge, rotate",
        ),
        progress_when=(
            *_DEFAULT_GATES,
            "The strengthening exercises are done with good control at the prescribed dosage",
        ),
    ),
    Stage(
        id="return",
        title="Return: return to full function, self-management",
        order=4,
        goals=(
            "Return to full work, sport and daily activities",
            "Keep exercising independently and manage any flare-up without help",
        ),
        progress_when=(
            "Ready for discharge when usual activities are done without a flare-up",
            "Pain during activity stays at or below 5/10 and settles within 24 hours",
            "The patient follows the self-management programme on their own",
        ),
    ),
)

# --- findings ----------------------------------------------------------------------------------


def _impairment(code: str, label: str, region: str | None) -> Term:
    return Term(code=code, kind=TermKind.FINDING, label=label, region=region, impairment=True)


def _observation(code: str, label: str, region: str | None, unit: str | None = None) -> Term:
    """A finding that is not an impairment: a measurement, a test result or a symptom response."""
    return Term(
        code=code, kind=TermKind.FINDING, label=label, region=region, impairment=False, unit=unit
    )


FINDINGS: tuple[Term, ...] = (
    # impairments (docs/design.md section 7)
    _impairment(
        "thoracic_mobility_limited", "Limited thoracic (mid-back) mobility", "thoracic spine"
    ),
    _impairment("lumbar_mobility_limited", "Limited lumbar range of motion", "lumbar spine"),
    _impairment(
        "lumbar_hypomobility", "Hypomobile lumbar segment on spring testing", "lumbar spine"
    ),
    _impairment(
        "lumbar_hypermobility", "Hypermobile lumbar segment on spring testing", "lumbar spine"
    ),
    _impairment("hip_mobility_limited", "Limited hip mobility", "hip"),
    _impairment("hip_flexor_tightness", "Hip flexor tightness", "hip"),
    _impairment("hamstring_tightness", "Hamstring tightness", "thigh"),
    _impairment("glute_weakness", "Gluteal weakness", "hip"),
    _impairment(
        "core_facilitation_poor",
        "Poor core facilitation (trunk muscles not engaged during everyday tasks)",
        "trunk",
    ),
    _impairment(
        "lumbar_extensor_weakness", "Low back (lumbar extensor) muscle weakness", "lumbar spine"
    ),
    _impairment("ankle_dorsiflexion_limited", "Limited ankle dorsiflexion", "ankle"),
    _impairment("fear_avoidance", "Fear-avoidance beliefs about movement and activity", None),
    _impairment("postural_dysfunction", "Postural dysfunction", "spine"),
    _impairment("myofascial_trigger_points", "Myofascial trigger points", "lumbopelvic muscles"),
    _impairment("muscle_guarding", "Protective muscle guarding (spasm)", "lumbar spine"),
    _impairment("deconditioning", "General deconditioning (low aerobic fitness)", None),
    _impairment("balance_impaired", "Impaired balance", None),
    _impairment(
        "radicular_signs",
        "Nerve-root signs (myotomal, dermatomal or reflex deficit)",
        "lower limb",
    ),
    _impairment(
        "aberrant_movement",
        "Aberrant movement during lumbar range of motion (painful arc, catch, thigh climbing)",
        "lumbar spine",
    ),
    _impairment(
        "lateral_shift", "Lateral shift (visible sideways deviation of the trunk)", "lumbar spine"
    ),
    # test results (docs/design.md section 7: not impairments)
    _observation(
        "prone_instability_test_positive", "Positive prone instability test", "lumbar spine"
    ),
    _observation("crossed_slr_positive", "Positive crossed straight-leg raise", "lower limb"),
    # measurements, per side
    _observation("hip_internal_rotation", "Hip internal rotation (prone)", "hip", unit="deg"),
    _observation("straight_leg_raise", "Straight-leg raise range", "lower limb", unit="deg"),
    # symptom responses to repeated movement, with direction extension | flexion | lateral
    _observation(
        "centralization",
        "Centralization: symptoms retreat toward the spine with repeated movement",
        "lumbar spine",
    ),
    _observation(
        "peripheralization",
        "Peripheralization: symptoms spread further down the leg with repeated movement",
        "lumbar spine",
    ),
    # --- additions beyond docs/design.md section 7 ---
    _observation(
        "slump_test_positive",
        "Positive slump test (neural mechanosensitivity reproducing leg symptoms)",
        "lower limb",
    ),
    _observation(
        "sij_provocation_cluster_positive",
        "Positive sacroiliac joint provocation cluster (3 or more of 5 tests)",
        "pelvis",
    ),
    _impairment(
        "lifting_mechanics_poor",
        "Poor bending and lifting mechanics (bends through the low back instead of the hips)",
        "lumbopelvic",
    ),
)

# --- conditions --------------------------------------------------------------------------------

CONDITIONS: tuple[Term, ...] = tuple(
    Term(code=code, kind=TermKind.CONDITION, label=label)
    for code, label in (
        ("osteoporosis", "Osteoporosis (low bone density)"),
        ("spinal_stenosis", "Lumbar spinal stenosis"),
        ("anticoagulant_therapy", "Anticoagulant (blood-thinning) therapy"),
        ("bleeding_disorder", "Bleeding disorder"),
        ("pregnancy", "Pregnancy"),
        ("needle_phobia", "Needle phobia"),
        ("lymphedema", "Lymphoedema"),
        ("local_skin_infection", "Local skin infection or lesion in the treatment area"),
        ("metal_allergy", "Metal allergy (e.g. nickel, chromium)"),
        ("immunosuppression", "Immunosuppression (medication or disease)"),
        ("diabetes", "Diabetes mellitus"),
        ("epilepsy", "Epilepsy"),
        ("pacemaker", "Cardiac pacemaker or other implanted electronic device"),
        ("inflammatory_arthritis", "Inflammatory arthritis (e.g. rheumatoid, spondyloarthritis)"),
        ("recent_spinal_surgery", "Recent spinal surgery"),
        ("spinal_fracture", "Spinal (vertebral) fracture"),
        ("hypermobility_syndrome", "Joint hypermobility syndrome"),
        ("acute_disc_herniation", "Acute lumbar disc herniation"),
        ("recent_hip_surgery", "Recent hip surgery"),
    )
)

# --- red flags ---------------------------------------------------------------------------------

RED_FLAGS: tuple[Term, ...] = tuple(
    Term(code=code, kind=TermKind.RED_FLAG, label=label)
    for code, label in (
        ("saddle_anesthesia", "Saddle (perineal or perianal) numbness or tingling"),
        ("bladder_dysfunction", "New bladder dysfunction (retention or incontinence)"),
        ("bowel_dysfunction", "New bowel dysfunction (faecal incontinence)"),
        ("progressive_neurological_deficit", "Progressive neurological deficit in the legs"),
        ("bilateral_leg_weakness", "Weakness or numbness in both legs"),
        ("history_of_cancer", "History of cancer"),
        ("unexplained_weight_loss", "Unexplained weight loss"),
        ("night_pain", "Persistent night pain or pain at rest"),
        ("fever", "Fever, chills or rigors"),
        ("iv_drug_use", "Intravenous drug use"),
        ("recent_infection", "Recent bacterial infection (e.g. urinary tract, skin)"),
        ("major_trauma", "Major trauma (e.g. fall from height, road traffic collision)"),
        ("minor_trauma", "Minor trauma or strenuous lifting"),
        ("prolonged_corticosteroid_use", "Prolonged corticosteroid use"),
        # --- additions beyond docs/design.md section 7 ---
        (
            "failed_conservative_care",
            "No improvement after a month or more of conservative care (a weak malignancy "
            "risk factor)",
        ),
    )
)

# --- measures ----------------------------------------------------------------------------------

MEASURES: tuple[Term, ...] = (
    Term(
        code="odi_percent",
        kind=TermKind.MEASURE,
        label="Oswestry Disability Index (0-100 %)",
        unit="%",
    ),
    Term(
        code="fabq_work",
        kind=TermKind.MEASURE,
        label="FABQ work subscale (items 6, 7, 9, 10, 11, 12, 15; 0-42)",
        unit="points",
    ),
    Term(
        code="fabq_pa",
        kind=TermKind.MEASURE,
        label="FABQ physical activity subscale (items 2-5; 0-24)",
        unit="points",
    ),
    Term(
        code="startback_total",
        kind=TermKind.MEASURE,
        label="Keele STarT Back total score (0-9)",
        unit="points",
    ),
    Term(
        code="startback_psychosocial",
        kind=TermKind.MEASURE,
        label="Keele STarT Back psychosocial subscale (items 5-9; 0-5)",
        unit="points",
    ),
)


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    """Register the stages and the finding, condition, red-flag and measure codes."""
    registry.add_all(STAGES)
    registry.add_all(FINDINGS)
    registry.add_all(CONDITIONS)
    registry.add_all(RED_FLAGS)
    registry.add_all(MEASURES)
