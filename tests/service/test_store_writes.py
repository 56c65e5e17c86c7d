"""How the store writes: SQLite's one writer at a time queued in the process, one commit per
token claim, and commits synced to disk (docs/cds-hooks.md, "Storage")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from careengine.service.store import Store, connect
from careengine.service.store.tables import audit, used_jti

from .store_records import call, card


def _count(store_url: str, table: sa.Table) -> int:
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def test_threads_of_one_process_take_turns_instead_of_finding_the_database_locked(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no busy handler at all: a thread that found another's write transaction open would fail
    # at once with "database is locked"; the store's own lock makes them queue instead
    monkeypatch.setattr(connect, "BUSY_TIMEOUT_MS", 0)
    threads, rounds = 8, 25
    barrier = threading.Barrier(threads)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    with Store.open(store_url) as store:

        def work(i: int) -> list[bool]:
            barrier.wait()
            claimed = []
            for j in range(rounds):
                claimed.append(
                    store.claim_jti(
                        issuer="https://ehr.example", jti=f"t-{i}-{j}", expires_at=expires
                    )
                )
                store.record_call(call(card(f"c-{i}-{j}", "rule.a")))
                assert store.find_card(f"c-{i}-{j}") is not None
            return claimed

        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(work, range(threads)))
    assert results == [[True] * rounds] * threads
    assert _count(store_url, used_jti) == threads * rounds
    assert _count(store_url, audit) == threads * rounds


@pytest.fixture
def commits() -> Iterator[list[Any]]:
    seen: list[Any] = []

    def on_commit(conn: sa.Connection) -> None:
        seen.append(conn)

    sa.event.listen(sa.Engine, "commit", on_commit)
    try:
        yield seen
    finally:
        sa.event.remove(sa.Engine, "commit", on_commit)


def test_a_token_claim_and_its_pruning_are_one_commit(store: Store, commits: list[Any]) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    assert store.claim_jti(issuer="https://ehr.example", jti="t-1", expires_at=expires) is True
    assert len(commits) == 1
    assert store.claim_jti(issuer="https://ehr.example", jti="t-1", expires_at=expires) is False


def test_sqlite_commits_are_synced_to_disk(store_url: str) -> None:
    engine, _shown = connect.create_engine(store_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()
