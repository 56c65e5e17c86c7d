"""The assessment side of the model: what the therapist found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from careengine.model.frozen import _tuple, freeze
from careengine.model.vocabulary import Direction, LegSymptoms, Severity, Side


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
