"""Records to put into a store in tests (no PHI: made-up rule ids and fingerprints)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from careengine.service.records import (
    CallRecord,
    FeedbackOutcome,
    FeedbackRecord,
    Indicator,
    IssuedCard,
)

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def card(uuid: str, *rule_ids: str, plan: str = "sha256:plan-1") -> IssuedCard:
    return IssuedCard(
        uuid=uuid,
        service_id="careengine-patient-view",
        hook_instance=f"hook-{uuid}",
        indicator=Indicator.WARNING,
        summary=f"Card {uuid}",
        plan_sha256=plan,
        ruleset_fingerprint="fp-1",
        rule_ids=rule_ids,
    )


def call(*cards: IssuedCard, at: datetime = AT, caller: str = "https://ehr.example") -> CallRecord:
    return CallRecord(
        at=at,
        caller=caller,
        endpoint="hook",
        service_id="careengine-patient-view",
        hook_instance=cards[0].hook_instance if cards else "hook-none",
        http_status=200,
        outcome="cards",
        plan_sha256=cards[0].plan_sha256 if cards else None,
        ruleset_fingerprint="fp-1",
        cards=cards,
    )


def overridden(
    card_uuid: str, code: str | None, display: str | None = None, *, at: datetime = AT
) -> FeedbackRecord:
    return FeedbackRecord(
        at=at,
        caller="https://ehr.example",
        service_id="careengine-patient-view",
        card_uuid=card_uuid,
        outcome=FeedbackOutcome.OVERRIDDEN,
        outcome_timestamp="2026-03-01T09:31:00Z",
        override_reason_code=code,
        override_reason_system="https://ehr.example/reasons" if code else None,
        override_reason_display=display,
        user_comment="the patient already does this at home",
    )


def accepted(
    card_uuid: str, suggestions: Sequence[str] = (), *, at: datetime = AT
) -> FeedbackRecord:
    return FeedbackRecord(
        at=at,
        caller="https://ehr.example",
        service_id="careengine-patient-view",
        card_uuid=card_uuid,
        outcome=FeedbackOutcome.ACCEPTED,
        outcome_timestamp="2026-03-01T09:31:00Z",
        accepted_suggestions=suggestions,
    )
