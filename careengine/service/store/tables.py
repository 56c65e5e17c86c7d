"""The store's tables as the code reads and writes them (SQLAlchemy 2 Core), at the latest schema.

:mod:`careengine.service.store.migrations` builds them step by step; a test checks that a migrated
database has exactly these tables, columns and indexes. A change here is a new migration step.

Times are kept as UTC: :class:`UtcDateTime` refuses a naive datetime, writes the UTC instant
without a zone (SQLite has no zone type; PostgreSQL's ``timestamp`` is the same on every server
setting) and reads it back as an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

__all__ = [
    "METADATA",
    "UtcDateTime",
    "audit",
    "card_rules",
    "feedback",
    "issued_cards",
    "schema_version",
    "used_jti",
]


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime, stored as the naive UTC instant."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a naive datetime cannot be stored (give a timezone): {value!r}")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


METADATA = sa.MetaData()

#: one row per migration step applied: the schema's version is the largest
schema_version = sa.Table(
    "schema_version",
    METADATA,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
)

#: the cards the service returned (what feedback refers to)
issued_cards = sa.Table(
    "issued_cards",
    METADATA,
    sa.Column("uuid", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(200), nullable=False),
    sa.Column("hook_instance", sa.String(200), nullable=False),
    sa.Column("indicator", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("plan_sha256", sa.String(80), nullable=False),
    sa.Column("ruleset_fingerprint", sa.String(200), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Index("ix_issued_cards_issued_at", "issued_at"),
)

#: the rules behind each card: the feedback report groups by ``rule_id``
card_rules = sa.Table(
    "card_rules",
    METADATA,
    sa.Column(
        "card_uuid",
        sa.String(64),
        sa.ForeignKey("issued_cards.uuid", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("rule_id", sa.String(200), primary_key=True),
    sa.Index("ix_card_rules_rule_id", "rule_id"),
)

#: every call of every endpoint: who, when, what came back
audit = sa.Table(
    "audit",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("caller", sa.Text, nullable=False),
    sa.Column("endpoint", sa.String(32), nullable=False),
    sa.Column("service_id", sa.String(200), nullable=True),
    sa.Column("hook_instance", sa.String(200), nullable=True),
    sa.Column("http_status", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("plan_sha256", sa.String(80), nullable=True),
    sa.Column("ruleset_fingerprint", sa.String(200), nullable=True),
    #: the uuids of the cards returned, a JSON list (sorted as returned)
    sa.Column("cards", sa.Text, nullable=False),
    sa.Index("ix_audit_at", "at"),
)

#: each feedback entry, with the plan fingerprint of the card it is about
feedback = sa.Table(
    "feedback",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("caller", sa.Text, nullable=False),
    sa.Column("service_id", sa.String(200), nullable=False),
    sa.Column("card_uuid", sa.String(64), sa.ForeignKey("issued_cards.uuid"), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("outcome_timestamp", sa.String(64), nullable=False),
    #: the uuids of the suggestions accepted, a JSON list
    sa.Column("accepted_suggestions", sa.Text, nullable=False),
    sa.Column("override_reason_code", sa.String(200), nullable=True),
    sa.Column("override_reason_system", sa.Text, nullable=True),
    sa.Column("override_reason_display", sa.Text, nullable=True),
    sa.Column("user_comment", sa.Text, nullable=True),
    sa.Column("plan_sha256", sa.String(80), nullable=False),
    sa.Index("ix_feedback_card_uuid", "card_uuid"),
    sa.Index("ix_feedback_at", "at"),
)

#: the ``jti`` of each bearer token seen, until it has long expired (the replay check)
used_jti = sa.Table(
    "used_jti",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issuer", sa.String(500), nullable=False),
    sa.Column("jti", sa.String(500), nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("issuer", "jti", name="uq_used_jti_issuer_jti"),
    sa.Index("ix_used_jti_expires_at", "expires_at"),
)
