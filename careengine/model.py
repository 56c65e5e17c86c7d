"""The domain model: frozen, keyword-only attrs classes and enums for fixed vocabularies.

Three sides:

* assessment side: what the therapist found (:class:`Assessment`, :class:`Patient`,
  :class:`Finding`, ...);
* knowledge side: what the catalog knows (:class:`Intervention`, :class:`Dosage`, :class:`Stage`,
  :class:`Term`);
* result side: what the engine produced (:class:`Plan` and its parts).

Nothing here reads or writes JSON: that lives in :mod:`careengine.render.serialize`.
Nothing here is clinical either: codes are plain strings checked against the catalog that plugins
register.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if value is not None else ()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def freeze(value: Any) -> Any:
    """Deep-freeze plain JSON-like data: dicts become read-only mappings, lists tuples."""
    kind = type(value)
    if kind in _SCALARS:  # the common cases first, without the (slow) abstract-class checks
        return value
    if kind is dict or kind is MappingProxyType:
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if kind is tuple or kind is list:
        frozen = tuple([freeze(v) for v in value])
        if kind is tuple and all(a is b for a, b in zip(frozen, value, strict=True)):
            return value  # already frozen: keep the same tuple
        return frozen
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


# --- fixed vocabularies ------------------------------------------------------------------------


class Severity(enum.StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        """1 for mild up to 3 for severe."""
        return _SEVERITY_RANK[self]


class Side(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class Direction(enum.StrEnum):
    EXTENSION = "extension"
    FLEXION = "flexion"
    LATERAL = "lateral"


class LegSymptoms(enum.StrEnum):
    NONE = "none"
    ABOVE_KNEE = "above_knee"
    BELOW_KNEE = "below_knee"


class TermKind(enum.StrEnum):
    """The kinds of code an assessment may use; each is registered by a catalog plugin."""

    FINDING = "finding"
    CONDITION = "condition"
    RED_FLAG = "red_flag"
    MEASURE = "measure"


class InterventionKind(enum.StrEnum):
    EXERCISE = "exercise"
    MANUAL_THERAPY = "manual_therapy"
    PROCEDURE = "procedure"
    REFERRAL = "referral"
    EDUCATION = "education"
    MODALITY = "modality"


class AlertLevel(enum.StrEnum):
    """Ordered from most to least severe."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    INFO = "info"

    @property
    def withholds_treatment(self) -> bool:
        return self in (AlertLevel.EMERGENCY, AlertLevel.URGENT)

    @property
    def rank(self) -> int:
        """0 for emergency (most severe) up to 3 for info."""
        return _ALERT_RANK[self]


class Urgency(enum.StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """0 for emergency (most urgent) up to 2 for routine."""
        return _URGENCY_RANK[self]


# the rank of each ordered vocabulary's members (their position; severities count from 1),
# one mapping per vocabulary: members of different vocabularies may compare equal as strings
_SEVERITY_RANK = MappingProxyType({m: i for i, m in enumerate(Severity, start=1)})
_ALERT_RANK = MappingProxyType({m: i for i, m in enumerate(AlertLevel)})
_URGENCY_RANK = MappingProxyType({m: i for i, m in enumerate(Urgency)})


class PlanStatus(enum.StrEnum):
    READY = "ready"
    REFERRAL = "referral"


class Decision(enum.StrEnum):
    ADVANCE = "advance"
    HOLD = "hold"
    REGRESS = "regress"


# --- assessment side ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Pregnancy:
    """How far a pregnancy has gone, or how long ago the patient gave birth (at most one).

    ``gestational_week``: completed weeks of gestation (1-42); the patient also carries the
    condition ``pregnancy``. ``postpartum_weeks``: whole weeks since delivery (0-104); the
    patient no longer carries that condition.
    """

    gestational_week: int | None = None
    postpartum_weeks: int | None = None


@attrs.frozen(kw_only=True)
class Patient:
    id: str
    age: int | None = None
    sex: str | None = None
    conditions: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    declines: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    pregnancy: Pregnancy | None = None


@attrs.frozen(kw_only=True)
class Episode:
    duration_days: int | None = None
    leg_symptoms: LegSymptoms | None = None
    onset_age: int | None = None


@attrs.frozen(kw_only=True)
class Pain:
    """Numeric pain rating scale (NPRS, 0-10)."""

    current: int | None = None
    worst: int | None = None
    best: int | None = None


@attrs.frozen(kw_only=True)
class Finding:
    """One examination finding. ``present=False`` records "examined and not found"."""

    code: str
    present: bool = True
    side: Side | None = None
    severity: Severity | None = None
    value: float | None = None
    unit: str | None = None
    direction: Direction | None = None


@attrs.frozen(kw_only=True)
class Response:
    """How the patient responded to the plan since the last visit (follow-ups only)."""

    exercise_pain_max: int
    settled_within_24h: bool
    adherence_percent: float


@attrs.frozen(kw_only=True)
class Assessment:
    patient: Patient
    assessed_on: str | None = None
    episode: Episode = Episode()
    pain: Pain = Pain()
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=_tuple)
    red_flags: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    questionnaires: Mapping[str, Any] = attrs.field(factory=dict, converter=freeze)
    measures: Mapping[str, float] = attrs.field(factory=dict, converter=freeze)
    response: Response | None = None
    unrecognized: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    source: str | None = attrs.field(default=None, eq=False)

    def present_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.present)


# --- knowledge side ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Term:
    """A vocabulary code registered by a catalog plugin."""

    code: str
    kind: TermKind
    label: str
    region: str | None = None
    impairment: bool = False
    unit: str | None = None


@attrs.frozen(kw_only=True)
class Dosage:
    sets: int | None = None
    reps: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None
    per_week: int | None = None

    def weekly_volume(self) -> float:
        """A comparable load figure: sets x reps (or hold or minutes) x sessions per week."""
        per_session = float(self.sets or 1) * float(self.reps or 1)
        per_session *= float(self.hold_seconds or 1) * float(self.minutes or 1)
        return per_session * float(self.per_week or 1)


#: the dosage fields in the contract's order (docs/design.md section 6.3)
DOSAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in attrs.fields(Dosage))

#: The plausible range of every dosage field, whatever the intervention: a value outside it is a
#: defect (a catalog entry, a rule, a reviewer or a stored plan), never a prescription. The
#: catalog's per-exercise ``dosage_max`` narrows the upper end further where it is given.
DOSAGE_BOUNDS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "sets": (1, 10),
        "reps": (1, 100),
        "hold_seconds": (1, 600),
        "minutes": (1, 180),
        "per_week": (1, 56),
    }
)


def dosage_problems(dosage: Dosage, ceiling: Dosage | None = None) -> list[str]:
    """How ``dosage`` leaves :data:`DOSAGE_BOUNDS` or the intervention's ``ceiling``, in words."""
    problems = []
    for name in DOSAGE_FIELDS:
        value = getattr(dosage, name)
        if value is None:
            continue
        lo, hi = DOSAGE_BOUNDS[name]
        if type(value) is not int:
            problems.append(f"{name} = {value!r} is not a whole number")
        elif not lo <= value <= hi:
            problems.append(f"{name} = {value} is outside {lo}..{hi}")
        elif ceiling is not None and (top := getattr(ceiling, name)) is not None and value > top:
            problems.append(f"{name} = {value} is above the catalog's maximum {top}")
    return problems


@attrs.frozen(kw_only=True)
class Stage:
    id: str
    title: str
    order: int
    goals: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    progress_when: tuple[str, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class Coding:
    """A code in an outside terminology (e.g. a billing code) that a catalog entry maps to."""

    system: str
    code: str
    display: str | None = None


@attrs.frozen(kw_only=True)
class Intervention:
    id: str
    kind: InterventionKind
    name: str
    steps: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    dosage: Dosage = Dosage()
    safety_tips: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    contraindications_absolute: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    contraindications_relative: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    progresses_to: str | None = None
    regresses_to: str | None = None
    alternatives: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    exclusive_group: str | None = None
    evidence: str | None = None
    #: The highest dosage a reassessment may progress this intervention to, field by field; a
    #: field left ``None`` is never progressed. ``None`` altogether: the dosage is not progressed.
    dosage_max: Dosage | None = None
    #: equivalent codes in outside terminologies, emitted by the FHIR renderer
    codings: tuple[Coding, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class DerivedFact:
    """A fact computed before the rules run (``careengine_derive_facts``) or by a rule."""

    code: str
    value: bool | int | float | str | None = True


@attrs.frozen(kw_only=True)
class Classification:
    """A named score or classification for the plan's ``classifications`` block.

    Every non-null value also becomes a derived fact ``<name>.<key>`` that rules can match.
    ``missing`` names the inputs that would decide a null value.
    """

    name: str
    values: Mapping[str, Any] = attrs.field(converter=freeze)
    missing: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    inputs: Mapping[str, Any] = attrs.field(factory=dict, converter=freeze)
    criteria_met: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    def to_dict(self) -> dict[str, Any]:
        """``values``, ``inputs``, ``criteria_met`` and ``missing`` as plain, JSON-ready data
        (written by :func:`careengine.render.serialize.classification_dict`)."""
        from careengine.render.serialize import classification_dict

        return classification_dict(self)


# --- result side -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Because:
    """Why an item or alert is in the plan: the rule, its pack and plugin, and the matched facts."""

    rule: str
    pack: str
    pack_version: str
    plugin: str
    matched: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    rationale: str = ""


@attrs.frozen(kw_only=True)
class Contribution:
    """One action of one fired rule, before the merge."""

    action: str  # add | exclude | precaution | alert | refer | start_stage
    because: Because
    priority: int = 50
    intervention: str | None = None
    stage: str | None = None
    dosage: Dosage | None = None
    addresses: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    text: str | None = None  # exclude reason, precaution text, alert message, referral reason
    code: str | None = None  # alert code
    level: AlertLevel | None = None
    to: str | None = None  # referral target
    urgency: Urgency | None = None


@attrs.frozen(kw_only=True)
class Precaution:
    text: str
    source: str


@attrs.frozen(kw_only=True)
class PlanItem:
    intervention: str
    kind: InterventionKind
    name: str
    dosage: Dosage
    priority: int = 50
    addresses: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    precautions: tuple[Precaution, ...] = attrs.field(default=(), converter=_tuple)
    because: tuple[Because, ...] = attrs.field(default=(), converter=_tuple)
    progressed_from: str | None = None


@attrs.frozen(kw_only=True)
class StagePlan:
    id: str
    title: str
    goals: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    progress_when: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    items: tuple[PlanItem, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class Alert:
    code: str
    level: AlertLevel
    message: str
    because: tuple[Because, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class Referral:
    to: str
    urgency: Urgency
    reason: str


@attrs.frozen(kw_only=True)
class Exclusion:
    intervention: str
    reasons: tuple[str, ...] = attrs.field(converter=_tuple)


@attrs.frozen(kw_only=True)
class Conflict:
    """Two or more proposals that the merge could not both honour."""

    kind: str  # "dosage" | "exclusive_group"
    interventions: tuple[str, ...] = attrs.field(converter=_tuple)
    stage: str | None
    resolution: str
    winner: str | None = None
    details: tuple[str, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class Deferred:
    intervention: str
    stage: str
    reason: str


@attrs.frozen(kw_only=True)
class PackInfo:
    version: str
    sha256: str


@attrs.frozen(kw_only=True)
class Provenance:
    engine_version: str
    backend: str
    plugins: Mapping[str, str] = attrs.field(converter=freeze)
    packs: Mapping[str, PackInfo] = attrs.field(converter=freeze)
    fingerprint: str


@attrs.frozen(kw_only=True)
class Progression:
    """A reassessment's stage decision (``reasons``) and what it did to the items (``changes``)."""

    from_stage: str
    to_stage: str
    decision: Decision
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    assessed_on: str | None = None
    changes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class Plan:
    patient_id: str
    status: PlanStatus
    current_stage: str
    stages: tuple[StagePlan, ...] = attrs.field(converter=_tuple)
    provenance: Provenance
    assessed_on: str | None = None
    alerts: tuple[Alert, ...] = attrs.field(default=(), converter=_tuple)
    referrals: tuple[Referral, ...] = attrs.field(default=(), converter=_tuple)
    classifications: Mapping[str, Any] = attrs.field(factory=dict, converter=freeze)
    excluded: tuple[Exclusion, ...] = attrs.field(default=(), converter=_tuple)
    deferred: tuple[Deferred, ...] = attrs.field(default=(), converter=_tuple)
    conflicts: tuple[Conflict, ...] = attrs.field(default=(), converter=_tuple)
    unaddressed: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    unrecognized: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    progression: Progression | None = None
    history: tuple[Progression, ...] = attrs.field(default=(), converter=_tuple)
    #: The pain ratings of the assessment the plan was made from (the next reassessment's
    #: baseline); ``None`` when the assessment gave none.
    pain: Pain | None = None

    def stage(self, stage_id: str) -> StagePlan:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def items(self) -> tuple[tuple[str, PlanItem], ...]:
        """Every placed item with its stage id, in plan order."""
        return tuple((s.id, item) for s in self.stages for item in s.items)

    # JSON conversions: the writer lives in careengine.render.serialize (imported when first needed)

    def to_dict(self) -> dict[str, Any]:
        """The plan's contract JSON (docs/design.md section 6.3) as plain dicts and lists."""
        from careengine.render.serialize import plan_to_dict

        return plan_to_dict(self)

    def to_json(self, indent: int | None = None) -> str:
        """The plan's contract JSON text: compact by default (for a service's response or a
        database column), ``indent=2`` for the file ``careengine evaluate`` writes, byte for
        byte."""
        from careengine.render.serialize import plan_to_json

        return plan_to_json(self, indent=indent)

    def classifications_dict(self) -> dict[str, Any]:
        """The ``classifications`` block as plain, JSON-ready dicts and lists (the attribute
        itself is a read-only mapping)."""
        from careengine.render.serialize import thaw

        result: dict[str, Any] = thaw(self.classifications)
        return result
