"""The domain model: frozen, keyword-only attrs classes and enums for fixed vocabularies.

Three sides, one module each, every name re-exported here (``from careengine.model import X``):

* assessment side (:mod:`careengine.model.assessment`): what the therapist found
  (:class:`Assessment`, :class:`Patient`, :class:`Finding`, ...);
* knowledge side (:mod:`careengine.model.knowledge`): what the catalog knows
  (:class:`Intervention`, :class:`Dosage`, :class:`Stage`, :class:`Term`);
* result side (this module): what the engine produced (:class:`Plan` and its parts).

The enums live in :mod:`careengine.model.vocabulary`, the fields' converters in
:mod:`careengine.model.frozen`.

Nothing here reads or writes JSON: that lives in :mod:`careengine.render.serialize`.
Nothing here is clinical either: codes are plain strings checked against the catalog that plugins
register.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from careengine.model.assessment import (
    Assessment,
    Episode,
    Finding,
    Pain,
    Patient,
    Pregnancy,
    Response,
)
from careengine.model.frozen import _tuple, freeze
from careengine.model.knowledge import (
    DOSAGE_BOUNDS,
    DOSAGE_COUNTS,
    DOSAGE_FIELDS,
    Coding,
    Dosage,
    Intervention,
    Stage,
    Term,
    dosage_problems,
)
from careengine.model.vocabulary import (
    AlertLevel,
    Decision,
    Direction,
    DosageSetting,
    InterventionKind,
    LegSymptoms,
    PlanStatus,
    Severity,
    Side,
    TermKind,
    Urgency,
    UsageKind,
)

__all__ = [
    "DOSAGE_BOUNDS",
    "DOSAGE_COUNTS",
    "DOSAGE_FIELDS",
    "Alert",
    "AlertLevel",
    "Assessment",
    "Because",
    "Classification",
    "Coding",
    "Conflict",
    "Contribution",
    "Decision",
    "Deferred",
    "DerivedFact",
    "Direction",
    "Dosage",
    "DosageSetting",
    "Episode",
    "Exclusion",
    "Finding",
    "Intervention",
    "InterventionKind",
    "LegSymptoms",
    "NotUsed",
    "PackInfo",
    "Pain",
    "Patient",
    "Plan",
    "PlanItem",
    "PlanStatus",
    "Precaution",
    "Pregnancy",
    "Progression",
    "Provenance",
    "Referral",
    "Response",
    "Severity",
    "Side",
    "Stage",
    "StagePlan",
    "Term",
    "TermKind",
    "Urgency",
    "UsageKind",
    "dosage_problems",
    "freeze",
]


# --- results of the engine's steps before the plan ---------------------------------------------


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
    #: the stage the rules proposed the item for, when the merge placed it in another one
    #: (active first, docs/design.md section 5); ``None`` when it sits where it was proposed
    proposed_stage: str | None = None


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
class NotUsed:
    """A recorded finding, condition, measure or classification that changed nothing in the plan,
    and why (docs/design.md section 6.3, ``not_used``)."""

    code: str
    kind: UsageKind
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
    #: the clinic options the plan was made under (every declared one, sorted by name)
    options: Mapping[str, str] = attrs.field(factory=dict, converter=freeze)


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
    #: Every recorded finding, condition, measure and classification that changed nothing in the
    #: plan, with the reason (sorted by kind, then code; :mod:`careengine.pipeline.usage`).
    not_used: tuple[NotUsed, ...] = attrs.field(default=(), converter=_tuple)
    progression: Progression | None = None
    history: tuple[Progression, ...] = attrs.field(default=(), converter=_tuple)
    #: The pain ratings of the assessment the plan was made from (the next reassessment's
    #: baseline); ``None`` when the assessment gave none.
    pain: Pain | None = None
    #: why ``current_stage`` is the current stage, in plain words (the start rule, or the
    #: fallback to the first stage that holds items); ``None`` in plans written before it existed
    current_stage_reason: str | None = None

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
