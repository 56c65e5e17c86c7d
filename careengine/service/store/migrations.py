"""The store's versioned schema: an ordered list of migration steps, applied on open.

Each step has a number, a description and a function that changes the schema; the
``schema_version`` table records the steps applied (the schema's version is the largest). Opening
a store applies the missing steps in order, each in a transaction of its own together with its
``schema_version`` row, so a step is applied completely or not at all; opening an up-to-date
database changes nothing. Two processes opening one database at once are serialised (a
PostgreSQL advisory lock; SQLite's ``BEGIN IMMEDIATE``), so each step is applied once.

A database whose version is larger than the code knows was written by a newer careengine: it is
refused (:class:`~careengine.errors.ConfigurationError`) rather than written in a shape it does
not know. Steps are never edited once released: a schema change is a new step, and
:mod:`careengine.service.store.tables` shows the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs
import sqlalchemy as sa

from careengine.errors import ConfigurationError
from careengine.service.store.tables import UtcDateTime, schema_version

__all__ = ["MIGRATIONS", "Migration", "current_version", "latest_version", "migrate"]

#: the key of the PostgreSQL advisory lock that serialises migrations ("careengine" in ASCII, cut)
_LOCK_KEY = 0x63617265656E67


@attrs.frozen(kw_only=True)
class Migration:
    """One step of the schema: from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _version_1(conn: sa.Connection) -> None:
    """The tables as first released (kept here as they were: a later change is a later step)."""
    meta = sa.MetaData()
    sa.Table(
        "issued_cards",
        meta,
        sa.Column("uuid", sa.String(64), primary_key=True),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("hook_instance", sa.String(200), nullable=False),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("plan_sha256", sa.String(80), nullable=False),
        sa.Column("ruleset_fingerprint", sa.String(200), nullable=False),
        sa.Column("issued_at", UtcDateTime, nullable=False),
    )
    sa.Table(
        "card_rules",
        meta,
        sa.Column(
            "card_uuid",
            sa.String(64),
            sa.ForeignKey("issued_cards.uuid", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rule_id", sa.String(200), primary_key=True),
        sa.Index("ix_card_rules_rule_id", "rule_id"),
    )
    sa.Table(
        "audit",
        meta,
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
        sa.Column("cards", sa.Text, nullable=False),
    )
    sa.Table(
        "feedback",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("service_id", sa.String(200), nullable=False),
        sa.Column("card_uuid", sa.String(64), sa.ForeignKey("issued_cards.uuid"), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_timestamp", sa.String(64), nullable=False),
        sa.Column("accepted_suggestions", sa.Text, nullable=False),
        sa.Column("override_reason_code", sa.String(200), nullable=True),
        sa.Column("override_reason_system", sa.Text, nullable=True),
        sa.Column("override_reason_display", sa.Text, nullable=True),
        sa.Column("user_comment", sa.Text, nullable=True),
        sa.Column("plan_sha256", sa.String(80), nullable=False),
        sa.Index("ix_feedback_card_uuid", "card_uuid"),
    )
    sa.Table(
        "used_jti",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("jti", sa.String(500), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("issuer", "jti", name="uq_used_jti_issuer_jti"),
        sa.Index("ix_used_jti_expires_at", "expires_at"),
    )
    meta.create_all(conn, checkfirst=False)


def _version_2(conn: sa.Connection) -> None:
    """Indexes on the times that ``feedback report --since`` and audit queries filter on."""
    for name, table, column in (
        ("ix_issued_cards_issued_at", "issued_cards", "issued_at"),
        ("ix_audit_at", "audit", "at"),
        ("ix_feedback_at", "feedback", "at"),
    ):
        conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({column})")


#: every step, in order; the versions are 1, 2, ... without a gap (a test checks)
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1, description="the tables: cards, rules, audit, feedback, jti", apply=_version_1
    ),
    Migration(version=2, description="indexes on the times reports filter on", apply=_version_2),
)


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """The version a database has once ``migrations`` are applied."""
    return migrations[-1].version if migrations else 0


def _lock(conn: sa.Connection) -> None:
    """Serialise migrations across processes (SQLite transactions are ``BEGIN IMMEDIATE``)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEY)))


def current_version(conn: sa.Connection) -> int | None:
    """The schema version of the database, or None when it has no ``schema_version`` table."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return None
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar_one()
    return int(found) if found is not None else 0


def _refuse_newer(found: int, latest: int, where: str) -> None:
    if found > latest:
        raise ConfigurationError(
            f"{where}: the database has schema version {found}, written by a newer careengine "
            f"(this one knows versions up to {latest}); upgrade careengine to use it"
        )


def migrate(
    engine: sa.Engine,
    *,
    where: str,
    now: Callable[[], datetime],
    create: bool = True,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Bring the database to the latest version of ``migrations``; return that version.

    ``where`` names the database in errors (its URL without the password). With
    ``create=False`` a database without careengine's tables is an error instead of being set up.
    """
    latest = latest_version(migrations)
    while True:
        with engine.begin() as conn:
            _lock(conn)
            found = current_version(conn)
            if found is None:
                if not create:
                    raise ConfigurationError(
                        f"{where}: not a careengine database (it has no schema_version table)"
                    )
                schema_version.create(conn)
                found = 0
            _refuse_newer(found, latest, where)
            if found == latest:
                return found
            step = migrations[found]
            step.apply(conn)
            conn.execute(
                schema_version.insert().values(
                    version=step.version, description=step.description, applied_at=now()
                )
            )
