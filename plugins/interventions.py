"""Built-in interventions: the relations between them, and the catalog hook that registers them.

The content of each intervention (kind, name, steps, default dosage, safety tips, evidence) lives
in the data modules ``interventions_mobility``, ``interventions_strength``,
``interventions_conditioning`` and ``interventions_care``. The safety-relevant relations are
kept here, in one place a clinician can review against docs/design.md:

* :data:`CONTRAINDICATIONS`, derived from what each intervention does (its exposures: movement
  patterns, positions, applications) and from each condition's concerns, both tabled with reasons
  and sources in :mod:`~careengine_plugins.interventions_safety` (and docs/clinical-basis.md);
  docs/design.md section 11's table (:data:`DESIGN_CONTRAINDICATIONS`) is the minimum it must
  contain;
* :data:`ALTERNATIVES` (offered by the merge in place of a vetoed item; each is checked under
  every condition that vetoes the item it replaces);
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

from careengine.model import Dosage, Intervention, InterventionKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry

from .interventions_breadth import (
    BREADTH,
    BREADTH_ALTERNATIVES,
    BREADTH_CHAINS,
    BREADTH_DOSAGE_MAX,
)
from .interventions_care import CARE
from .interventions_conditioning import CONDITIONING
from .interventions_limits import DOSAGE_MAX as _LIMITS
from .interventions_mobility import MOBILITY
from .interventions_safety import (
    EXPOSURES,
    EXTENSION_LOADING,
    FLEXION_BIASED,
    concerns_for,
    contraindications,
)
from .interventions_strength import STRENGTH

# --- docs/design.md section 11: the contract minimum -------------------------------------------

#: Flexion-loading exercises docs/design.md section 11 names: absolutely contraindicated by
#: osteoporosis.
DESIGN_FLEXION_LOADING: tuple[str, ...] = (
    "crunch",
    "seated_forward_bend",
    "standing_hamstring_stretch",
    "knee_to_chest",
    "seated_torso_twist",
)

#: Extension-loading exercises docs/design.md section 11 names: absolutely contraindicated by spinal
#: stenosis, and vetoed by peripheralization with extension.
DESIGN_EXTENSION_LOADING: tuple[str, ...] = (
    "cobra",
    "lumbar_extension",
    "repeated_extension_in_lying",
)

#: Flexion-biased movements docs/design.md section 11 names (vetoed by centralization with
#: extension or peripheralization with flexion; the veto itself is a rule's job).
DESIGN_FLEXION_BIASED: tuple[str, ...] = (
    "knee_to_chest",
    "seated_forward_bend",
    "crunch",
    "childs_pose",
    "repeated_flexion_in_lying",
)

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

#: docs/design.md section 11's table, verbatim: intervention id -> (absolute, relative)
#: condition codes.
#: A minimum: the catalog's contraindications (derived from the exposure table of
#: :mod:`careengine_plugins.interventions_safety`) must contain every entry, and the assembly
#: checks that they do.
DESIGN_CONTRAINDICATIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "dry_needling_referral": _DRY_NEEDLING,
        "spinal_thrust_manipulation": _THRUST,
        "joint_mobilization": _MOBILIZATION,
        **dict.fromkeys(DESIGN_FLEXION_LOADING, _FLEXION),
        **dict.fromkeys(DESIGN_EXTENSION_LOADING, _EXTENSION),
        "tens": _ELECTROTHERAPY,
        "therapeutic_ultrasound": _ELECTROTHERAPY,
        "prone_traction": _TRACTION,
    }
)

# --- contraindications: derived from what each intervention does --------------------------------

#: intervention id -> (absolute, relative) condition codes, for every intervention with any.
CONTRAINDICATIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {item_id: pair for item_id in sorted(EXPOSURES) if any(pair := contraindications(item_id))}
)

#: Dosage ceilings of every exercise: the limits module's table and the breadth module's.
DOSAGE_MAX: Mapping[str, Dosage] = MappingProxyType({**_LIMITS, **BREADTH_DOSAGE_MAX})

# --- alternatives ------------------------------------------------------------------------------

#: intervention id -> alternatives, in order of preference. Under every condition that vetoes an
#: item, the alternative the merge would pick shares no exposure that condition is concerned
#: with (no rotation for a rotation under osteoporosis), and carries that condition's own
#: contraindications on its exposures (massage is vetoed on infected skin too, heat is cautioned
#: in pregnancy); the assembly checks both. Alternatives never belong to the same directional
#: group.
ALTERNATIVES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "spinal_thrust_manipulation": ("joint_mobilization",),
        # flexion loading -> neutral-spine work
        "crunch": ("dead_bug",),
        "seated_forward_bend": ("leg_swings",),
        "standing_hamstring_stretch": ("leg_swings",),
        "knee_to_chest": ("pelvic_tilt",),
        # not a rotation: twisting is vetoed or cautioned wherever the twist is vetoed
        "seated_torso_twist": ("thoracic_extension_mobilization",),
        # extension loading -> gentler, non-extension work
        "cobra": ("pelvic_tilt",),
        "lumbar_extension": ("bird_dog",),
        # electrotherapy -> the pain-relief modality with a graded recommendation
        "tens": ("superficial_heat",),
        "therapeutic_ultrasound": ("superficial_heat",),
        # needling -> hands-on trigger-point work
        "dry_needling_referral": ("soft_tissue_massage",),
        # catalog breadth (interventions_breadth)
        **BREADTH_ALTERNATIVES,
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

#: Each chain runs from the easiest to the hardest exercise. A link is one a physical therapist
#: would take as the next visit's step: the same purpose, one notch harder (or easier), at a
#: similar dosage (docs/clinical-basis.md section 8, "Progression chains"). Exercises with no
#: such neighbour in the catalog stand alone and progress or regress by dosage instead: cat-cow
#: (a yoga class is another programme, not the next step of one mobility drill) and the walking
#: programme (its easier form is shorter, slower walking, not a pool the patient may not have).
CHAINS: tuple[tuple[str, ...], ...] = (
    ("pelvic_tilt", "bridge", "single_leg_bridge"),
    ("abdominal_bracing", "dead_bug", "bird_dog", "plank", "side_plank"),
    ("hip_hinge", "romanian_deadlift"),
    ("goblet_squat", "split_squat"),
    # catalog breadth (interventions_breadth)
    *BREADTH_CHAINS,
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
    if set(EXPOSURES) != by_id.keys():
        raise ValueError(
            f"exposures not tabled for {sorted(by_id.keys() - set(EXPOSURES))}, "
            f"tabled for unknown {sorted(set(EXPOSURES) - by_id.keys())}"
        )
    _check_limits(items)
    _check_design_minimum()
    _check_alternatives()

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
                evidence=_with_safety_sources(item.evidence, item.id),
            )
        )
    return tuple(out)


def _with_safety_sources(evidence: str | None, item_id: str) -> str | None:
    """The evidence note, followed by the source of each contraindication of the item."""
    absolute, relative = CONTRAINDICATIONS.get(item_id, ((), ()))
    design_absolute, design_relative = DESIGN_CONTRAINDICATIONS.get(item_id, ((), ()))
    sentences = []
    for level, conditions, design in (
        ("absolute", absolute, design_absolute),
        ("relative", relative, design_relative),
    ):
        for condition in conditions:
            sources = ["docs/design.md section 11"] if condition in design else []
            for concern in concerns_for(item_id):
                if concern.condition == condition and concern.level.value == level:
                    sources.extend(s for s in concern.sources if s not in sources)
            sentences.append(f"{condition} ({level}): {'; '.join(sources)}.")
    if not sentences:
        return evidence
    note = "Contraindication sources: " + " ".join(sentences)
    return f"{evidence} {note}" if evidence else note


def _check_design_minimum() -> None:
    """docs/design.md section 11's table and movement groups are contained in the derived ones."""
    for item_id, (absolute, relative) in DESIGN_CONTRAINDICATIONS.items():
        have_absolute, have_relative = CONTRAINDICATIONS.get(item_id, ((), ()))
        missing = sorted(
            {*(set(absolute) - set(have_absolute)), *(set(relative) - set(have_relative))}
        )
        if missing:
            raise ValueError(
                f"{item_id}: docs/design.md section 11 contraindications lost: {missing}"
            )
    for name, group, minimum in (
        ("flexion-biased", FLEXION_BIASED, (*DESIGN_FLEXION_BIASED, *DESIGN_FLEXION_LOADING)),
        ("extension-loading", EXTENSION_LOADING, DESIGN_EXTENSION_LOADING),
    ):
        lost = sorted(set(minimum) - set(group))
        if lost:
            raise ValueError(f"{name} group lost members of docs/design.md section 11: {lost}")


def _check_alternatives() -> None:
    """Under each condition vetoing an item, the alternative picked is safe for that condition.

    The merge substitutes the first alternative that is not itself vetoed; that pick must not
    share with the vetoed item an exposure the condition is concerned with (a rotation for a
    rotation). Its own contraindications already follow from its exposures.
    """
    for item_id, alternatives in ALTERNATIVES.items():
        absolute, _ = CONTRAINDICATIONS.get(item_id, ((), ()))
        for condition in absolute:
            vetoing = {c.exposure for c in concerns_for(item_id) if c.condition == condition}
            for alternative in alternatives:
                if condition in CONTRAINDICATIONS.get(alternative, ((), ()))[0]:
                    continue
                concerned = {
                    c.exposure for c in concerns_for(alternative) if c.condition == condition
                }
                same = sorted(vetoing & concerned)
                if same:
                    raise ValueError(
                        f"{alternative} replaces {item_id} under {condition} with the same "
                        f"pattern: {', '.join(same)}"
                    )
                break


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


INTERVENTIONS: tuple[Intervention, ...] = _assemble(
    MOBILITY + STRENGTH + CONDITIONING + CARE + BREADTH
)


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    """Register every built-in intervention."""
    registry.add_all(INTERVENTIONS)
