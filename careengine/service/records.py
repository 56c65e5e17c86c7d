"""What the service records: the cards it issued, each call (the audit trail), each feedback.

Plain frozen data shared by the parts of the service (:mod:`careengine.service.store` keeps
them, the HTTP layer makes them). Times are timezone-aware UTC datetimes. Nothing here holds
protected health information: no patient id, name or birth date, no FHIR resource and no
finding; a card's ``summary`` is written by careengine from the plan and names no patient.
A feedback's ``user_comment`` is free text a clinician typed, so it may; it is stored (it is the
point of feedback) but never logged.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs


def _tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


class Indicator(enum.StrEnum):
    """A card's urgency (CDS Hooks 2.0 ``Card.indicator``)."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class FeedbackOutcome(enum.StrEnum):
    """What the clinician did with a card (CDS Hooks 2.0 ``Feedback.outcome``)."""

    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"


@attrs.frozen(kw_only=True)
class Caller:
    """Who called, as the bearer token says (``iss``, ``sub``, ``tenant``, ``jti``)."""

    issuer: str
    subject: str | None = None
    tenant: str | None = None
    jti: str | None = None

    @classmethod
    def development(cls) -> Caller:
        """The caller of a service started without authentication (loopback only)."""
        return cls(issuer="development (no authentication)")

    @property
    def label(self) -> str:
        """``iss``, then `` sub`` and `` tenant`` when given: the audit table's "who"."""
        parts = [self.issuer]
        if self.subject:
            parts.append(f"sub={self.subject}")
        if self.tenant:
            parts.append(f"tenant={self.tenant}")
        return " ".join(parts)


@attrs.frozen(kw_only=True)
class IssuedCard:
    """A card the service returned, kept so that feedback on it can be tied to its plan."""

    #: the card's ``uuid`` (unique per call: derived from ``hookInstance`` and the card's content)
    uuid: str
    service_id: str
    hook_instance: str
    indicator: Indicator
    summary: str
    #: ``provenance.content_sha256`` of the plan JSON the card was made from ("sha256:...")
    plan_sha256: str
    #: ``provenance.fingerprint`` of that plan: the rule set that made it
    ruleset_fingerprint: str
    #: the rules behind the card, sorted (what `careengine feedback report` counts overrides by)
    rule_ids: tuple[str, ...] = attrs.field(converter=_tuple)


def _cards(value: Iterable[IssuedCard]) -> tuple[IssuedCard, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class CallRecord:
    """One call of a service endpoint, as the audit table keeps it (who, when, what came back)."""

    at: datetime
    caller: str
    #: ``discovery``, ``hook`` or ``feedback``
    endpoint: str
    service_id: str | None
    hook_instance: str | None
    http_status: int
    #: ``cards``, ``feedback``, ``discovery``, ``unauthenticated``, ``invalid-input``,
    #: ``prefetch-missing``, ``too-large``, ``unknown-service``, ``internal-error``
    outcome: str
    plan_sha256: str | None = None
    ruleset_fingerprint: str | None = None
    cards: tuple[IssuedCard, ...] = attrs.field(default=(), converter=_cards)


@attrs.frozen(kw_only=True)
class FeedbackRecord:
    """One entry of a feedback call, tied to the card it is about."""

    at: datetime
    caller: str
    service_id: str
    card_uuid: str
    outcome: FeedbackOutcome
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    override_reason_code: str | None = None
    override_reason_system: str | None = None
    override_reason_display: str | None = None
    user_comment: str | None = None
