"""Built-in interventions: the relations between them, and the catalog hook that registers them.

The content of each intervention (kind, name, steps, default dosage, safety tips, evidence) lives
in the data modules ``interventions_mobility``, ``interventions_strength``,
``interventions_conditioning`` and ``interventions_care``. The safety-relevant relations are
kept here, in one place a clinician can review against shared/DESIGN.md:

* :data:`CONTRAINDICATIONS` reproduces the table of DESIGN section 11 exactly, and nothing else;
* :data:`ALTERNATIVES` (offered by the merge in place of a vetoed item);
* :data:`EXCLUSIVE_GROUPS` (the merge places at most one member of a group);
* :data:`CHAINS` (exercise progressions: each link sets ``progresses_to`` on one item and
  ``regresses_to`` on the next, so the two directions always agree);
* the dosage ceilings of :data:`~careengine_plugins.interventions_limits.DOSAGE_MAX` (how far a
  reassessment may progress each exercise's dosage).

:data:`INTERVENTIONS` is assembled once, at import, and checked for unknown ids and conflicting
links; a mistake here fails the import, which the plugin host reports as a ``PluginError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise
from types import MappingProxyType

import attrs

from careengine.hookspecs import hookimpl
from careengine.model import Intervention, InterventionKind
from careengine.registry import CatalogRegistry

from .interventions_care import CARE
from .interventions_conditioning import CONDITIONING
from .interventions_limits import DOSAGE_MAX
from .interventions_mobility import MOBILITY
from .interventions_strength import STRENGTH

# --- movement groups (DESIGN section 11) -------------------------------------------------------

#: Flexion-loading exercises: absolutely contraindicated by osteoporosis.
FLEXION_LOADING: tuple[str, ...] = (
    "crunch",
    "seated_forward_bend",
    "standing_hamstring_stretch",
    "knee_to_chest",
    "seated_torso_twist",
)

#: Extension-loading exercises: absolutely contraindicated by spinal stenosis, and vetoed by
#: peripheralization with extension.
EXTENSION_LOADING: tuple[str, ...] = ("cobra", "lumbar_extension", "repeated_extension_in_lying")

#: Flexion-biased movements vetoed by centralization with extension or peripheralization with
#: flexion (directional preference, DESIGN section 11; the veto itself is a rule's job).
FLEXION_BIASED: tuple[str, ...] = (
    "knee_to_chest",
    "seated_forward_bend",
    "crunch",
    "childs_pose",
    "repeated_flexion_in_lying",
)

# --- contraindications: exactly the table of DESIGN section 11 ---------------------------------

_DRY_NEEDLING = (
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
)
_THRUST = (
    ("osteoporosis", "spinal_fracture", "inflammatory_arthritis", "recent_spinal_surgery"),
    ("anticoagulant_therapy", "hypermobility_syndrome", "bleeding_disorder"),
)
_MOBILIZATION = (("spinal_fracture", "recent_spinal_surgery"), ("osteoporosis",))
_FLEXION = (("osteoporosis",), ())
_EXTENSION = (("spinal_stenosis",), ())
_ELECTROTHERAPY = (("pacemaker", "pregnancy"), ())
_TRACTION = (("pregnancy", "osteoporosis", "spinal_fracture"), ())

#: intervention id -> (absolute, relative) condition codes.
CONTRAINDICATIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "dry_needling_referral": _DRY_NEEDLING,
        "spinal_thrust_manipulation": _THRUST,
        "joint_mobilization": _MOBILIZATION,
        **dict.fromkeys(FLEXION_LOADING, _FLEXION),
        **dict.fromkeys(EXTENSION_LOADING, _EXTENSION),
        "tens": _ELECTROTHERAPY,
        "therapeutic_ultrasound": _ELECTROTHERAPY,
        "prone_traction": _TRACTION,
    }
)

# --- alternatives ------------------------------------------------------------------------------

#: intervention id -> alternatives, in order of preference. An alternative never shares an
#: absolute contraindication with the item it replaces (the DESIGN-given thrust -> mobilization
#: pair shares two, but still serves for osteoporosis and inflammatory arthritis) and never
#: belongs to the same directional group.
ALTERNATIVES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "spinal_thrust_manipulation": ("joint_mobilization",),
        # flexion loading -> neutral-spine work
        "crunch": ("dead_bug",),
        "seated_forward_bend": ("leg_swings",),
        "standing_hamstring_stretch": ("leg_swings",),
        "knee_to_chest": ("pelvic_tilt",),
        "seated_torso_twist": ("open_book_rotation",),
        # extension loading -> gentler, non-extension work
        "cobra": ("pelvic_tilt",),
        "lumbar_extension": ("bird_dog",),
        # electrotherapy -> the pain-relief modality with a graded recommendation
        "tens": ("superficial_heat",),
        "therapeutic_ultrasound": ("superficial_heat",),
        # needling -> hands-on trigger-point work
        "dry_needling_referral": ("soft_tissue_massage",),
    }
)

# --- mutually exclusive groups -----------------------------------------------------------------

EXCLUSIVE_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # opposite directional-preference programmes (McKenzie / TBC specific exercise)
        "directional_preference": ("repeated_extension_in_lying", "repeated_flexion_in_lying"),
        # heat and cold for the same area: one thermal modality at a time
        "thermal_modality": ("superficial_heat", "cryotherapy"),
    }
)

# --- progression chains ------------------------------------------------------------------------

#: Each chain runs from the easiest to the hardest exercise.
CHAINS: tuple[tuple[str, ...], ...] = (
    ("pelvic_tilt", "bridge", "single_leg_bridge"),
    ("abdominal_bracing", "dead_bug", "bird_dog", "plank", "side_plank"),
    ("hip_hinge", "romanian_deadlift"),
    ("goblet_squat", "split_squat"),
    ("cat_cow", "yoga"),
    ("aquatic_exercise", "walking_program"),
)


# --- assembly ----------------------------------------------------------------------------------

_RELATION_FIELDS = (
    "contraindications_absolute",
    "contraindications_relative",
    "progresses_to",
    "regresses_to",
    "alternatives",
    "exclusive_group",
    "dosage_max",
)


def _assemble(base: Iterable[Intervention]) -> tuple[Intervention, ...]:
    """Attach the relations above to the data modules' interventions, checking every id."""
    items = tuple(base)
    by_id = {item.id: item for item in items}
    if len(by_id) != len(items):
        raise ValueError("duplicate intervention ids in the built-in data modules")

    next_of: dict[str, str] = {}
    prev_of: dict[str, str] = {}
    for chain in CHAINS:
        for easier, harder in pairwise(chain):
            if easier in next_of or harder in prev_of:
                raise ValueError(f"progression link {easier} -> {harder} conflicts with another")
            next_of[easier] = harder
            prev_of[harder] = easier

    group_of: dict[str, str] = {}
    for group, members in EXCLUSIVE_GROUPS.items():
        for member in members:
            if member in group_of:
                raise ValueError(f"{member} is in two exclusive groups")
            group_of[member] = group

    referenced = {
        *CONTRAINDICATIONS,
        *ALTERNATIVES,
        *(alt for alts in ALTERNATIVES.values() for alt in alts),
        *group_of,
        *next_of,
        *prev_of,
    }
    unknown = sorted(referenced - by_id.keys())
    if unknown:
        raise ValueError(f"unknown intervention ids: {', '.join(unknown)}")
    _check_limits(items)

    out = []
    for item in items:
        preset = [name for name in _RELATION_FIELDS if getattr(item, name)]
        if preset:
            raise ValueError(f"{item.id}: set {', '.join(preset)} in interventions.py instead")
        absolute, relative = CONTRAINDICATIONS.get(item.id, ((), ()))
        out.append(
            attrs.evolve(
                item,
                contraindications_absolute=absolute,
                contraindications_relative=relative,
                progresses_to=next_of.get(item.id),
                regresses_to=prev_of.get(item.id),
                alternatives=ALTERNATIVES.get(item.id, ()),
                exclusive_group=group_of.get(item.id),
                dosage_max=DOSAGE_MAX.get(item.id),
            )
        )
    return tuple(out)


def _check_limits(items: Iterable[Intervention]) -> None:
    """Every exercise has dosage ceilings, only exercises have them, none below the default."""
    exercises = {item.id: item for item in items if item.kind is InterventionKind.EXERCISE}
    missing = sorted(exercises.keys() - DOSAGE_MAX.keys())
    extra = sorted(DOSAGE_MAX.keys() - exercises.keys())
    if missing or extra:
        raise ValueError(f"dosage ceilings missing for {missing}, not exercises: {extra}")
    for item_id, ceiling in sorted(DOSAGE_MAX.items()):
        default = exercises[item_id].dosage
        for name, top in attrs.asdict(ceiling).items():
            value = getattr(default, name)
            if top is not None and (value is None or top < value):
                raise ValueError(f"{item_id}: ceiling {name}={top} does not fit default {value}")


INTERVENTIONS: tuple[Intervention, ...] = _assemble(MOBILITY + STRENGTH + CONDITIONING + CARE)


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    """Register every built-in intervention."""
    registry.add_all(INTERVENTIONS)
