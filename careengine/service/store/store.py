"""The :class:`Store`: what the service keeps, in SQLite or PostgreSQL (SQLAlchemy 2 Core).

One object per service, shared by the threads of the HTTP layer: it holds the SQLAlchemy engine
(its connection pool is thread-safe) and each method runs in a transaction of its own.

SQLite lets one transaction write at a time, and every transaction here starts with ``BEGIN
IMMEDIATE`` (:mod:`~careengine.service.store.connect`). A connection that finds the write lock
taken waits in SQLite's busy handler, which sleeps in growing steps (up to 100 ms each) and
serves nobody in order: under load most of a call's time went there. So on SQLite the store's
transactions also take a lock of the store's own, and the threads of one process queue on it in
turn; the busy handler is left to arbitrate between processes. PostgreSQL has row locks and no
such lock is taken: its transactions run concurrently.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from careengine.errors import CareEngineError, ConfigurationError
from careengine.service.records import CallRecord, FeedbackRecord, Indicator, IssuedCard
from careengine.service.store import tables
from careengine.service.store.connect import create_engine
from careengine.service.store.migrations import current_version, migrate
from careengine.service.store.report import FeedbackReport, build_report

__all__ = ["JTI_KEPT_AFTER_EXPIRY", "Store", "UnknownCardError"]

#: how long a token id is kept after its ``exp``: longer than any clock skew an issuer is allowed,
#: so that a token still accepted within the skew is still recognised as a replay
JTI_KEPT_AFTER_EXPIRY = timedelta(hours=1)


class UnknownCardError(CareEngineError):
    """Feedback names a card the service never issued (or not in this database)."""

    exit_code = 2

    def __init__(self, card_uuid: str) -> None:
        self.card_uuid = card_uuid
        super().__init__(f"unknown card {card_uuid!r}: the service issued no card with this uuid")


def _now() -> datetime:
    return datetime.now(UTC)


def _first_line(exc: BaseException, password: str | None) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line.replace(password, "***") if password else line


def _insert_new(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows whose key is not there yet (a repeated hookInstance repeats its cards)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def _card_from_row(row: sa.RowMapping, rule_ids: Iterable[str]) -> IssuedCard:
    return IssuedCard(
        uuid=row["uuid"],
        service_id=row["service_id"],
        hook_instance=row["hook_instance"],
        indicator=Indicator(row["indicator"]),
        summary=row["summary"],
        plan_sha256=row["plan_sha256"],
        ruleset_fingerprint=row["ruleset_fingerprint"],
        rule_ids=sorted(rule_ids),
    )


class Store:
    """The service's durable storage. Open it with :meth:`open`; close it with :meth:`close`."""

    def __init__(self, engine: sa.Engine, *, where: str, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock
        #: SQLite's one writer at a time, taken in turn by this process's threads (module
        #: docstring); None on PostgreSQL
        self._sqlite_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        #: the database URL without its password, for messages
        self.where = where

    @classmethod
    def open(
        cls, url: str, *, create: bool = True, clock: Callable[[], datetime] | None = None
    ) -> Store:
        """Connect to ``url`` and bring its schema up to date (docs/cds-hooks.md, "Storage").

        ``create=False`` refuses a database that does not exist yet (a SQLite file) or holds no
        careengine tables, instead of setting it up (what a report wants). ``clock`` gives the
        current time (UTC) for pruning used token ids and stamping migrations.
        """
        engine, where = create_engine(url, create=create)
        password = engine.url.password
        now = clock or _now
        try:
            migrate(engine, where=where, now=now, create=create)
        except sa.exc.OperationalError as exc:
            engine.dispose()
            raise ConfigurationError(
                f"{where}: cannot open the database: {_first_line(exc, str(password or ''))}"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, where=where, clock=now)

    def close(self) -> None:
        """Close every pooled connection. The store cannot be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """A transaction, committed when the block ends without an exception (rolled back
        otherwise); on SQLite, inside the store's lock."""
        with contextlib.ExitStack() as stack:
            if self._sqlite_lock is not None:
                stack.enter_context(self._sqlite_lock)
            yield stack.enter_context(self._engine.begin())

    def schema_version(self) -> int:
        """The database's schema version (the latest migration applied)."""
        with self._transaction() as conn:
            return current_version(conn) or 0

    def claim_jti(self, *, issuer: str, jti: str, expires_at: datetime) -> bool:
        """Record a bearer token's ``jti``: True the first time, False for a replay.

        Race-free: the unique constraint on (issuer, jti) decides between concurrent claims (the
        insert does nothing on a conflict, and a claim that inserted no row is a replay).
        Token ids expired more than :data:`JTI_KEPT_AFTER_EXPIRY` ago are pruned in the same
        transaction, so a call commits once for its token.
        """
        used = tables.used_jti
        with self._transaction() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            inserted = conn.execute(
                dialect.insert(used)
                .values(issuer=issuer, jti=jti, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=[used.c.issuer, used.c.jti])
                .returning(used.c.id)
            ).first()
            if inserted is None:
                return False
            expired = (
                sa.select(used.c.id)
                .where(used.c.expires_at < self._clock() - JTI_KEPT_AFTER_EXPIRY)
                .order_by(used.c.id)
                # rows another pruner holds are left to it (no deadlock between two pruners)
                .with_for_update(skip_locked=True)
            )
            conn.execute(used.delete().where(used.c.id.in_(expired.scalar_subquery())))
        return True

    def record_call(self, record: CallRecord) -> None:
        """Keep a call: its audit row and the cards it issued (with their rules)."""
        with self._transaction() as conn:
            conn.execute(
                tables.audit.insert().values(
                    at=record.at,
                    caller=record.caller,
                    endpoint=record.endpoint,
                    service_id=record.service_id,
                    hook_instance=record.hook_instance,
                    http_status=record.http_status,
                    outcome=record.outcome,
                    plan_sha256=record.plan_sha256,
                    ruleset_fingerprint=record.ruleset_fingerprint,
                    cards=json.dumps([card.uuid for card in record.cards]),
                )
            )
            cards = [
                {
                    "uuid": card.uuid,
                    "service_id": card.service_id,
                    "hook_instance": card.hook_instance,
                    "indicator": str(card.indicator),
                    "summary": card.summary,
                    "plan_sha256": card.plan_sha256,
                    "ruleset_fingerprint": card.ruleset_fingerprint,
                    "issued_at": record.at,
                }
                for card in record.cards
            ]
            _insert_new(conn, tables.issued_cards, cards)
            rules = sorted(
                {(card.uuid, rule_id) for card in record.cards for rule_id in card.rule_ids}
            )
            _insert_new(conn, tables.card_rules, [{"card_uuid": u, "rule_id": r} for u, r in rules])

    def find_card(self, uuid: str) -> IssuedCard | None:
        """The card issued with this uuid, or None."""
        with self._transaction() as conn:
            row = (
                conn.execute(
                    sa.select(tables.issued_cards).where(tables.issued_cards.c.uuid == uuid)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            rule_ids = conn.execute(
                sa.select(tables.card_rules.c.rule_id).where(tables.card_rules.c.card_uuid == uuid)
            ).scalars()
            return _card_from_row(row, rule_ids)

    def record_feedback(self, record: FeedbackRecord) -> None:
        """Keep a feedback entry with the plan fingerprint of its card.

        Raises :class:`UnknownCardError` when the card was never issued (nothing is stored).
        """
        cards = tables.issued_cards
        with self._transaction() as conn:
            plan_sha256 = conn.execute(
                sa.select(cards.c.plan_sha256).where(cards.c.uuid == record.card_uuid)
            ).scalar_one_or_none()
            if plan_sha256 is None:
                raise UnknownCardError(record.card_uuid)
            conn.execute(
                tables.feedback.insert().values(
                    at=record.at,
                    caller=record.caller,
                    service_id=record.service_id,
                    card_uuid=record.card_uuid,
                    outcome=str(record.outcome),
                    outcome_timestamp=record.outcome_timestamp,
                    accepted_suggestions=json.dumps(list(record.accepted_suggestions)),
                    override_reason_code=record.override_reason_code,
                    override_reason_system=record.override_reason_system,
                    override_reason_display=record.override_reason_display,
                    user_comment=record.user_comment,
                    plan_sha256=plan_sha256,
                )
            )

    def feedback_report(self, *, since: datetime | None = None) -> FeedbackReport:
        """Overrides per rule (docs/cds-hooks.md, "Feedback report"); ``since`` (aware) limits
        it to the cards issued and the feedback received from then on."""
        with self._transaction() as conn:
            return build_report(conn, since=since)
