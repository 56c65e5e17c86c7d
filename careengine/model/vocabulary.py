"""The model's fixed vocabularies: one enum each (severities, sides, kinds, alert levels, ...)."""

from __future__ import annotations

import enum
from types import MappingProxyType


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


class DosageSetting(enum.StrEnum):
    """Where (and so how often) a dosed item is done."""

    #: the patient's home programme, at the dosage's own frequency
    HOME = "home"
    #: done with the therapist during a visit
    SESSION = "session"
    #: practised with the therapist in visits and continued at home
    HOME_AND_SESSION = "home_and_session"
    #: part of every visit (advice, education): no sets, repetitions or frequency of its own
    EVERY_VISIT = "every_visit"


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


class UsageKind(enum.StrEnum):
    """What a ``not_used`` entry of a plan names: a recorded finding, a condition, a measure
    given in the ``measures`` block, or a classification (a score or prediction rule)."""

    FINDING = "finding"
    CONDITION = "condition"
    MEASURE = "measure"
    CLASSIFICATION = "classification"
