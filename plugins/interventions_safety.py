"""What each built-in intervention does to the body, and which conditions forbid or caution that.

One table drives every contraindication of the built-in catalog:

* :data:`EXPOSURES` tags each intervention with what it exposes the patient to: a movement
  pattern (end-range flexion, rotation, loaded squatting, ...), a position (lying face down) or
  an application (a thrust, needles, heat on the skin, ...);
* :data:`CONCERNS` says, per condition, which exposures are absolutely contraindicated (the
  intervention is vetoed) or relatively contraindicated (kept with a precaution), each with its
  reason and source.

:func:`contraindications` derives an intervention's ``(absolute, relative)`` condition codes
from the two; an absolute concern wins over a relative one for the same condition. The same
tags give the directional-preference groups (:data:`FLEXION_BIASED`, :data:`EXTENSION_LOADING`)
that rules/directional_preference.toml vetoes, so a new exercise is placed in every group and
under every condition by tagging it once. docs/design.md section 11's contraindication table is the
minimum and is reproduced by these tags (the assembly in :mod:`careengine_plugins.interventions`
checks it); docs/clinical-basis.md gives the same table in prose with its sources.

The tags are an authoring device of the built-in plugin, not part of the domain model: the
engine only sees the derived ``contraindications_absolute`` / ``contraindications_relative`` of
each :class:`~careengine.model.Intervention`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs


class Exposure(enum.StrEnum):
    """What an intervention exposes the patient to (a movement, a position or an application)."""

    # spinal movement patterns
    END_RANGE_FLEXION = "end_range_flexion"
    LOADED_FLEXION = "loaded_flexion"
    FLEXION_ROTATION = "flexion_rotation"
    ROTATION = "rotation"
    END_RANGE_EXTENSION = "end_range_extension"
    LOADED_EXTENSION = "loaded_extension"
    CYCLIC_EXTENSION = "cyclic_extension"
    PRONE_EXTENSION = "prone_extension"
    EXTENSION_OVER_FULCRUM = "extension_over_fulcrum"
    # positions
    PRONE = "prone"
    SUPINE = "supine"
    # hip and loaded lower-limb patterns
    LOADED_HINGE = "loaded_hinge"
    LOADED_SQUAT = "loaded_squat"
    FORCED_HIP_FLEXION = "forced_hip_flexion"
    DEEP_HIP_FLEXION = "deep_hip_flexion"
    LUNGE_HIP_EXTENSION = "lunge_hip_extension"
    BALLISTIC_HIP = "ballistic_hip"
    # applications
    THRUST = "thrust"
    SPINAL_MOBILIZATION = "spinal_mobilization"
    NEEDLING = "needling"
    SOFT_TISSUE_PRESSURE = "soft_tissue_pressure"
    HEAT = "heat"
    COLD = "cold"
    ELECTRICAL_STIMULATION = "electrical_stimulation"
    ULTRASOUND = "ultrasound"
    TRACTION = "traction"
    POOL_IMMERSION = "pool_immersion"
    # static stretching
    END_RANGE_STRETCH = "end_range_stretch"
    # added with the catalog-breadth exercises (docs/clinical-basis.md section 10)
    LOADED_ROTATION = "loaded_rotation"
    HEAD_DOWN = "head_down"


#: What each tag means, in the words docs/clinical-basis.md uses.
EXPOSURE_MEANING: Mapping[Exposure, str] = MappingProxyType(
    {
        Exposure.END_RANGE_FLEXION: "bends the lumbar spine forward to or near its end of range",
        Exposure.LOADED_FLEXION: "curls the trunk forward against body weight or a load",
        Exposure.FLEXION_ROTATION: "combines forward bending with twisting",
        Exposure.ROTATION: "twists the trunk under body weight or leverage",
        Exposure.END_RANGE_EXTENSION: "holds or repeats lumbar extension toward the end of range",
        Exposure.LOADED_EXTENSION: "lifts the trunk into extension against gravity",
        Exposure.CYCLIC_EXTENSION: "moves into lumbar extension briefly, within a cycle or a "
        "sequence of poses",
        Exposure.PRONE_EXTENSION: "end-range extension while lying face down",
        Exposure.EXTENSION_OVER_FULCRUM: "levers the mid back into extension over a roller or "
        "backrest",
        Exposure.PRONE: "lying face down",
        Exposure.SUPINE: "lying on the back (no condition-level concern; pregnancy week rules "
        "use it)",
        Exposure.LOADED_HINGE: "hip hinge holding a load",
        Exposure.LOADED_SQUAT: "squat or lunge, with or toward a load",
        Exposure.FORCED_HIP_FLEXION: "pulls or sinks the hip into flexion beyond 90 degrees",
        Exposure.DEEP_HIP_FLEXION: "actively flexes the hip toward or beyond 90 degrees",
        Exposure.LUNGE_HIP_EXTENSION: "stretches the hip into extension in a lunge or "
        "half-kneeling position",
        Exposure.BALLISTIC_HIP: "swings the hip dynamically toward both ends of its range",
        Exposure.THRUST: "high-velocity, low-amplitude thrust to a spinal segment",
        Exposure.SPINAL_MOBILIZATION: "slow, graded pressure on a spinal segment",
        Exposure.NEEDLING: "needles through the skin",
        Exposure.SOFT_TISSUE_PRESSURE: "firm pressure or suction on skin and muscle (bruising "
        "possible)",
        Exposure.HEAT: "superficial heat on the skin of the low back",
        Exposure.COLD: "cold on the skin",
        Exposure.ELECTRICAL_STIMULATION: "electrical current through skin electrodes",
        Exposure.ULTRASOUND: "therapeutic ultrasound",
        Exposure.TRACTION: "mechanical traction of the spine",
        Exposure.POOL_IMMERSION: "exercise in a shared pool",
        Exposure.END_RANGE_STRETCH: "holds a muscle at the end of its length to make it longer "
        "(static stretching)",
        Exposure.LOADED_ROTATION: "turns the trunk repeatedly against a band, cable or weight",
        Exposure.HEAD_DOWN: "holds the head below the hips with the body's weight on the hands",
    }
)

E = Exposure

#: intervention id -> what it exposes the patient to. Every catalog intervention is listed, even
#: with no tag, so that leaving one out is a visible decision (the assembly checks this).
EXPOSURES: Mapping[str, frozenset[Exposure]] = MappingProxyType(
    {
        key: frozenset(value)
        for key, value in {
            # mobility and stretching
            "cat_cow": (E.END_RANGE_FLEXION, E.CYCLIC_EXTENSION),
            "childs_pose": (E.END_RANGE_FLEXION, E.FORCED_HIP_FLEXION),
            "seated_forward_bend": (E.END_RANGE_FLEXION, E.DEEP_HIP_FLEXION, E.END_RANGE_STRETCH),
            "cobra": (E.END_RANGE_EXTENSION, E.PRONE, E.PRONE_EXTENSION),
            "seated_torso_twist": (E.FLEXION_ROTATION, E.ROTATION),
            "standing_hamstring_stretch": (
                E.END_RANGE_FLEXION,
                E.LOADED_FLEXION,
                E.DEEP_HIP_FLEXION,
                E.END_RANGE_STRETCH,
            ),
            "knee_to_chest": (E.END_RANGE_FLEXION, E.FORCED_HIP_FLEXION, E.SUPINE),
            "hip_flexor_stretch": (E.LUNGE_HIP_EXTENSION, E.END_RANGE_STRETCH),
            "thoracic_extension_mobilization": (E.EXTENSION_OVER_FULCRUM,),
            "open_book_rotation": (E.ROTATION,),
            "ankle_dorsiflexion_mobilization": (),
            "leg_swings": (E.BALLISTIC_HIP,),
            "repeated_extension_in_lying": (E.END_RANGE_EXTENSION, E.PRONE, E.PRONE_EXTENSION),
            "repeated_flexion_in_lying": (E.END_RANGE_FLEXION, E.FORCED_HIP_FLEXION, E.SUPINE),
            "lateral_shift_correction": (),
            # motor control and strength
            "pelvic_tilt": (E.SUPINE,),
            "bridge": (E.SUPINE,),
            "single_leg_bridge": (E.SUPINE,),
            "abdominal_bracing": (),
            "dead_bug": (E.SUPINE,),
            "bird_dog": (),
            "plank": (),
            "side_plank": (),
            "half_kneeling_glute_activation": (),
            "lumbar_extension": (E.LOADED_EXTENSION, E.PRONE),
            "crunch": (E.LOADED_FLEXION, E.SUPINE),
            "hip_hinge": (E.DEEP_HIP_FLEXION,),
            "romanian_deadlift": (E.LOADED_HINGE, E.DEEP_HIP_FLEXION),
            "goblet_squat": (E.LOADED_SQUAT, E.DEEP_HIP_FLEXION),
            "split_squat": (E.LOADED_SQUAT, E.LUNGE_HIP_EXTENSION),
            "row": (),
            "push_up": (),
            "pallof_press": (),
            # conditioning
            "balance_training": (),
            "walking_program": (),
            "stationary_cycling": (E.DEEP_HIP_FLEXION,),
            "aquatic_exercise": (E.POOL_IMMERSION,),
            "yoga": (
                E.END_RANGE_FLEXION,
                E.FLEXION_ROTATION,
                E.ROTATION,
                E.CYCLIC_EXTENSION,
                E.DEEP_HIP_FLEXION,
            ),
            "postural_training": (),
            # manual therapy, procedures, referrals
            "spinal_thrust_manipulation": (E.THRUST,),
            "joint_mobilization": (E.SPINAL_MOBILIZATION,),
            "soft_tissue_massage": (E.SOFT_TISSUE_PRESSURE,),
            "neural_mobilization": (),
            "cupping": (E.SOFT_TISSUE_PRESSURE, E.PRONE),
            "dry_needling_referral": (E.NEEDLING,),
            "prone_traction": (E.TRACTION, E.PRONE),
            # education
            "pain_neuroscience_education": (),
            "activity_advice": (),
            "psychologically_informed_care": (),
            "ergonomic_education": (),
            # modalities
            "superficial_heat": (E.HEAT,),
            "cryotherapy": (E.COLD,),
            "tens": (E.ELECTRICAL_STIMULATION,),
            "therapeutic_ultrasound": (E.ULTRASOUND,),
            # catalog breadth (interventions_breadth)
            "swiss_ball_bridge": (E.SUPINE,),
            "swiss_ball_hamstring_curl": (E.SUPINE,),
            "downward_dog": (E.FORCED_HIP_FLEXION, E.HEAD_DOWN, E.END_RANGE_STRETCH),
            "standing_calf_stretch": (E.END_RANGE_STRETCH,),
            "lower_trunk_rotation": (E.ROTATION, E.SUPINE),
            "band_trunk_rotation": (E.ROTATION, E.LOADED_ROTATION),
        }.items()
    }
)


class Level(enum.StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"


@attrs.frozen(kw_only=True)
class Concern:
    """A condition's concern with an exposure: how strong, why, and on whose authority."""

    condition: str
    exposure: Exposure
    level: Level
    reason: str
    #: short citations; the full references are in docs/clinical-basis.md
    sources: tuple[str, ...]


# --- sources (short citations; the full list is in docs/clinical-basis.md) ---------------------

ISCP = "ISCP 2012 dry-needling guidelines (McEvoy)"
MANIPULATION_TABLE = "manipulation contraindication table (PMC1116959) and IFOMPT framework"
NICE_NG59 = "NICE NG59 (2016)"
TFTF = "Too Fit To Fracture (Giangregorio 2014 and 2015)"
ROS = "Strong, Steady and Straight (Brooke-Wavell 2022, Royal Osteoporosis Society)"
SINAKI = "Sinaki and Mikkelsen 1984"
STENOSIS = "TBC flexion subgroup (Fritz 2007); Whitman 2006"
HIP = "standard hip precautions after arthroplasty (Eannucci 2019, HSS J 15:247)"
SPINE_SURGERY = "usual post-operative restrictions after lumbar surgery (local choice)"
MODALITY_LISTS = "Houghton 2010 (Physiotherapy Canada 62(5)); AAFP 2007 modality table"
HEAT_LISTS = "superficial-heat contraindication lists (textbook, secondary)"
ACOG = "ACOG Committee Opinion 804 (2020)"
PREGNANCY_SMT = "Stuber 2012; Weis 2021 (adverse events of manipulation in pregnancy)"
MASSAGE_LISTS = "massage and cupping contraindication lists (secondary sources)"
LOCAL = "local choice"
ENGELBERT = "Engelbert 2017 (Am J Med Genet C 175C:158-167): hypermobility physiotherapy"
DISC_PRESSURE = "Wilke 1999 (Spine 24:755-762), in vivo disc pressure"
DISC_INJURY = "Adams and Hutton 1982 (Spine 7:184-191), flexion with rotation prolapses discs"
DISC_SMT = "Oliphant 2004 (J Manipulative Physiol Ther 27:197-210); WHO 2005 chiropractic safety"

A = Level.ABSOLUTE
R = Level.RELATIVE


def _rows(
    condition: str, *rows: tuple[Exposure, Level, str, str | tuple[str, ...]]
) -> tuple[Concern, ...]:
    return tuple(
        Concern(
            condition=condition,
            exposure=e,
            level=lvl,
            reason=why,
            sources=(src,) if isinstance(src, str) else src,
        )
        for e, lvl, why, src in rows
    )


#: Every condition-level concern of the built-in catalog, with the published source behind it (or
#: "local choice" where we chose). Which rows docs/design.md section 11 requires is recorded in
#: :data:`careengine_plugins.interventions.DESIGN_CONTRAINDICATIONS`.
CONCERNS: tuple[Concern, ...] = (
    *_rows(
        "osteoporosis",
        (E.THRUST, A, "fragile bone under a thrust", (MANIPULATION_TABLE,)),
        (E.SPINAL_MOBILIZATION, R, "reduce the force on fragile bone", MANIPULATION_TABLE),
        (E.TRACTION, A, "fragile bone under mechanical traction", NICE_NG59),
        (
            E.END_RANGE_FLEXION,
            A,
            "end-range spinal flexion loads the front of the vertebral "
            "bodies, where osteoporotic fractures occur",
            (TFTF, ROS, SINAKI),
        ),
        (
            E.LOADED_FLEXION,
            A,
            "sit-ups, crunches and bending under load raise the risk of vertebral fracture",
            (TFTF, SINAKI),
        ),
        (
            E.FLEXION_ROTATION,
            A,
            "combined bending and twisting is the riskiest spinal movement for fragile vertebrae",
            (TFTF, ROS),
        ),
        (
            E.ROTATION,
            R,
            "twisting is modified, never taken quickly, repeatedly or to the end of range",
            TFTF,
        ),
        (
            E.EXTENSION_OVER_FULCRUM,
            R,
            "a roller under fragile ribs and vertebrae: use the chair version",
            LOCAL,
        ),
    ),
    *_rows(
        "spinal_fracture",
        (E.THRUST, A, "a fracture under a thrust", (MANIPULATION_TABLE,)),
        (E.SPINAL_MOBILIZATION, A, "pressure on a fractured segment", MANIPULATION_TABLE),
        (E.TRACTION, A, "traction on a fractured segment", NICE_NG59),
        (
            E.END_RANGE_FLEXION,
            A,
            "end-range flexion compresses the front of a fractured or neighbouring vertebra",
            (TFTF, ROS),
        ),
        (E.LOADED_FLEXION, A, "flexion under load compresses a fractured vertebra", TFTF),
        (E.FLEXION_ROTATION, A, "combined bending and twisting on a fractured spine", TFTF),
        (E.ROTATION, A, "twisting loads a fractured segment", (TFTF, ROS)),
        (E.LOADED_HINGE, R, "only with a neutral spine, light load and supervision", TFTF),
        (E.LOADED_SQUAT, R, "only with a neutral spine, light load and supervision", TFTF),
        (
            E.EXTENSION_OVER_FULCRUM,
            R,
            "leverage over a roller on a fractured spine: use the chair version",
            LOCAL,
        ),
    ),
    *_rows(
        "recent_spinal_surgery",
        (E.THRUST, A, "thrust on a recently operated segment", (MANIPULATION_TABLE,)),
        (E.SPINAL_MOBILIZATION, A, "pressure on a recently operated segment", MANIPULATION_TABLE),
        (
            E.TRACTION,
            A,
            "traction is not offered for low back pain, least of all after surgery",
            NICE_NG59,
        ),
        (E.ROTATION, A, "twisting under load strains the operated segment", SPINE_SURGERY),
        (E.FLEXION_ROTATION, A, "bending and twisting strain the operated segment", SPINE_SURGERY),
    ),
    *_rows(
        "recent_hip_surgery",
        (
            E.FORCED_HIP_FLEXION,
            A,
            "hip flexion pulled beyond 90 degrees is the classic dislocation position",
            HIP,
        ),
        (E.DEEP_HIP_FLEXION, R, "keep hip flexion within the surgeon's precautions", HIP),
        (
            E.LUNGE_HIP_EXTENSION,
            A,
            "end-range hip extension with the hip turned out, kneeling "
            "on or over the operated side",
            HIP,
        ),
        (E.BALLISTIC_HIP, A, "uncontrolled swings toward both ends of the hip's range", HIP),
        (E.LOADED_SQUAT, A, "loaded squats and lunges wait until the surgeon allows them", HIP),
        (E.LOADED_HINGE, A, "loaded hinging waits until the surgeon allows it", HIP),
    ),
    *_rows(
        "spinal_stenosis",
        (
            E.END_RANGE_EXTENSION,
            A,
            "extension narrows the spinal canal and provokes neurogenic claudication",
            (STENOSIS,),
        ),
        (E.LOADED_EXTENSION, A, "extension narrows the spinal canal", (STENOSIS,)),
        (
            E.CYCLIC_EXTENSION,
            R,
            "skip or shorten the extension phase if leg symptoms come on",
            STENOSIS,
        ),
    ),
    *_rows(
        "pregnancy",
        (
            E.ELECTRICAL_STIMULATION,
            A,
            "current near the abdomen and pelvis in pregnancy",
            (MODALITY_LISTS,),
        ),
        (E.ULTRASOUND, A, "ultrasound near the pregnant uterus", (MODALITY_LISTS,)),
        (E.TRACTION, A, "traction harness around the abdomen and pelvis", NICE_NG59),
        (E.NEEDLING, R, "needling in pregnancy needs a clinician's decision", (ISCP,)),
        (
            E.PRONE_EXTENSION,
            A,
            "end-range extension lying face down puts the body's weight on "
            "the abdomen and the lax, lordotic lumbar spine at its end of range",
            (ACOG, LOCAL),
        ),
        (
            E.PRONE,
            R,
            "lying face down presses on the abdomen; adapt the position (side lying, "
            "pillows) and stop once it is uncomfortable",
            (ACOG, LOCAL),
        ),
        (
            E.HEAT,
            R,
            "no heat over the low back or abdomen in pregnancy without a clinician's "
            "decision; avoid raising core temperature",
            (HEAT_LISTS, ACOG),
        ),
        (
            E.THRUST,
            R,
            "adapt positioning and force; rare but serious adverse events are reported",
            PREGNANCY_SMT,
        ),
    ),
    *_rows(
        "inflammatory_arthritis",
        (E.THRUST, A, "acute inflammatory arthropathy", (MANIPULATION_TABLE,)),
    ),
    *_rows(
        "anticoagulant_therapy",
        (E.THRUST, R, "bleeding risk", (MANIPULATION_TABLE,)),
        (E.NEEDLING, R, "bleeding risk", (ISCP,)),
        (E.SOFT_TISSUE_PRESSURE, R, "firm pressure and suction bruise easily", MASSAGE_LISTS),
    ),
    *_rows(
        "bleeding_disorder",
        (E.THRUST, R, "bleeding risk", (MANIPULATION_TABLE,)),
        (E.NEEDLING, R, "bleeding risk", (ISCP,)),
        (E.SOFT_TISSUE_PRESSURE, R, "firm pressure and suction bruise easily", MASSAGE_LISTS),
    ),
    *_rows(
        "hypermobility_syndrome",
        (E.THRUST, R, "articular hypermobility", (MANIPULATION_TABLE,)),
    ),
    *_rows(
        "local_skin_infection",
        (E.NEEDLING, A, "needling through infected skin", (ISCP,)),
        (
            E.SOFT_TISSUE_PRESSURE,
            A,
            "hands, cups or oil over infected skin spread the infection",
            MASSAGE_LISTS,
        ),
        (E.HEAT, A, "heat over a local infection", HEAT_LISTS),
        (
            E.POOL_IMMERSION,
            A,
            "skin infections stay out of a shared pool (the item's own safety tip)",
            LOCAL,
        ),
    ),
    *_rows(
        "diabetes",
        (E.NEEDLING, R, "infection and healing risk", (ISCP,)),
        (E.HEAT, R, "reduced sensation: burns go unnoticed", HEAT_LISTS),
        (E.COLD, R, "reduced sensation: cold injury goes unnoticed", MODALITY_LISTS),
        (E.ELECTRICAL_STIMULATION, R, "reduced sensation under the electrodes", MODALITY_LISTS),
    ),
    *_rows(
        "pacemaker",
        (E.ELECTRICAL_STIMULATION, A, "interference with the pacemaker", (MODALITY_LISTS,)),
        (E.ULTRASOUND, A, "interference with the pacemaker", (MODALITY_LISTS,)),
    ),
    *_rows("needle_phobia", (E.NEEDLING, A, "needle phobia", (ISCP,))),
    *_rows("lymphedema", (E.NEEDLING, A, "cellulitis risk", (ISCP,))),
    *_rows("immunosuppression", (E.NEEDLING, R, "infection risk", (ISCP,))),
    *_rows("epilepsy", (E.NEEDLING, R, "seizure risk during needling", (ISCP,))),
    *_rows("metal_allergy", (E.NEEDLING, R, "nickel or chromium in needles", (ISCP,))),
    *_rows(
        "hypermobility_syndrome",
        (
            E.END_RANGE_STRETCH,
            A,
            "lax joints and tissues gain nothing from being lengthened further; stability and "
            "control work instead",
            (ENGELBERT, LOCAL),
        ),
        (
            E.BALLISTIC_HIP,
            R,
            "keep swings small and controlled, well short of the end of the range",
            (ENGELBERT, LOCAL),
        ),
    ),
    *_rows(
        "acute_disc_herniation",
        (
            E.LOADED_FLEXION,
            A,
            "bending forward under load raises the pressure in the injured disc",
            (DISC_PRESSURE, LOCAL),
        ),
        (
            E.FLEXION_ROTATION,
            A,
            "bending combined with twisting is the movement that pushes disc material out",
            (DISC_INJURY, LOCAL),
        ),
        (
            E.END_RANGE_FLEXION,
            R,
            "only if repeated-movement testing shows flexion does not spread leg symptoms; "
            "stop if they spread down the leg",
            (DISC_PRESSURE, LOCAL),
        ),
        (
            E.THRUST,
            R,
            "recheck strength, sensation and reflexes first: a progressive neurological "
            "deficit forbids a thrust",
            DISC_SMT,
        ),
    ),
    # catalog breadth: twisting against resistance, and head-down positions
    *_rows(
        "osteoporosis",
        (
            E.LOADED_ROTATION,
            A,
            "twisting repeatedly against resistance is what spine-sparing advice rules out; the "
            "anti-rotation press trains the same muscles without the twist",
            (TFTF, ROS),
        ),
    ),
    *_rows(
        "spinal_fracture",
        (E.LOADED_ROTATION, A, "twisting against resistance loads a fractured segment", TFTF),
    ),
    *_rows(
        "recent_spinal_surgery",
        (E.LOADED_ROTATION, A, "twisting under load strains the operated segment", SPINE_SURGERY),
    ),
    *_rows(
        "pregnancy",
        (
            E.HEAD_DOWN,
            R,
            "head-down positions can bring on dizziness, and balance and breathing change as "
            "pregnancy advances; use a supported version (hands on a chair) or leave it out",
            (ACOG, LOCAL),
        ),
    ),
)


def concerns_for(intervention_id: str) -> tuple[Concern, ...]:
    """Every concern raised by the intervention's exposures, in :data:`CONCERNS` order."""
    exposures = EXPOSURES.get(intervention_id, frozenset())
    return tuple(c for c in CONCERNS if c.exposure in exposures)


def contraindications(intervention_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(absolute, relative)`` condition codes, each sorted; absolute wins for a condition."""
    concerns = concerns_for(intervention_id)
    absolute = {c.condition for c in concerns if c.level is Level.ABSOLUTE}
    relative = {c.condition for c in concerns if c.level is Level.RELATIVE} - absolute
    return tuple(sorted(absolute)), tuple(sorted(relative))


def _members(exposures: Iterable[Exposure]) -> tuple[str, ...]:
    wanted = frozenset(exposures)
    return tuple(sorted(i for i, tags in EXPOSURES.items() if tags & wanted))


#: Every exercise that loads the spine into flexion: vetoed by centralization with extension and
#: by peripheralization with flexion (rules/directional_preference.toml).
FLEXION_BIASED: tuple[str, ...] = _members(
    (E.END_RANGE_FLEXION, E.LOADED_FLEXION, E.FLEXION_ROTATION)
)

#: Every exercise that loads the lumbar spine into extension: vetoed by peripheralization with
#: extension (rules/directional_preference.toml).
EXTENSION_LOADING: tuple[str, ...] = _members(
    (E.END_RANGE_EXTENSION, E.LOADED_EXTENSION, E.CYCLIC_EXTENSION, E.PRONE_EXTENSION)
)

#: Lying on the back: no condition-level concern here; exported for pregnancy-week rules.
SUPINE: tuple[str, ...] = _members((E.SUPINE,))

#: Lying face down.
PRONE: tuple[str, ...] = _members((E.PRONE,))
