"""The store's records on SQLite and PostgreSQL alike: cards, audit, feedback, token ids, threads."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

import attrs
import pytest
import sqlalchemy as sa

from careengine.service.records import FeedbackOutcome, Indicator
from careengine.service.store import JTI_KEPT_AFTER_EXPIRY, Store, UnknownCardError
from careengine.service.store.tables import audit, feedback

from .store_records import AT, accepted, call, card, overridden

T = TypeVar("T")


def rows(url: str, table: sa.Table) -> list[dict[str, object]]:
    """The table's rows read through a connection of its own (what another process would see)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(table)).mappings()]
    finally:
        engine.dispose()


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """``work(0)`` ... ``work(count - 1)`` in threads released together."""
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_a_recorded_card_is_found_with_its_rules(store: Store) -> None:
    issued = card("c-1", "rule.b", "rule.a")
    store.record_call(call(issued))
    found = store.find_card("c-1")
    assert found == attrs.evolve(issued, rule_ids=("rule.a", "rule.b"))  # sorted
    assert found.indicator is Indicator.WARNING
    assert store.find_card("c-unknown") is None


def test_every_call_is_in_the_audit_table(store: Store, database_url: str) -> None:
    store.record_call(call(card("c-1", "rule.a"), card("c-2", "rule.b")))
    refused = call(at=AT + timedelta(minutes=1))
    store.record_call(
        refused.__class__(
            at=refused.at,
            caller="unknown",
            endpoint="hook",
            service_id="careengine-patient-view",
            hook_instance=None,
            http_status=401,
            outcome="unauthenticated",
        )
    )
    kept = sorted(rows(database_url, audit), key=lambda r: str(r["at"]))
    assert [(r["http_status"], r["outcome"], r["caller"]) for r in kept] == [
        (200, "cards", "https://ehr.example"),
        (401, "unauthenticated", "unknown"),
    ]
    assert json.loads(str(kept[0]["cards"])) == ["c-1", "c-2"]
    assert kept[0]["plan_sha256"] == "sha256:plan-1"
    assert json.loads(str(kept[1]["cards"])) == []


def test_a_repeated_hook_instance_keeps_its_cards_once_and_audits_both_calls(
    store: Store, database_url: str
) -> None:
    issued = card("c-1", "rule.a")
    store.record_call(call(issued))
    store.record_call(call(issued, at=AT + timedelta(seconds=5)))
    assert store.find_card("c-1") == issued  # one rule: already sorted
    assert len(rows(database_url, audit)) == 2
    assert store.feedback_report().cards_issued == 1


def test_feedback_is_stored_with_the_plan_fingerprint_of_its_card(
    store: Store, database_url: str
) -> None:
    store.record_call(call(card("c-1", "rule.a", plan="sha256:abc")))
    store.record_feedback(overridden("c-1", "not-indicated", "Not indicated"))
    store.record_feedback(accepted("c-1", ["s-1", "s-2"]))
    kept = sorted(rows(database_url, feedback), key=lambda r: int(str(r["id"])))
    assert [r["plan_sha256"] for r in kept] == ["sha256:abc", "sha256:abc"]
    assert kept[0]["outcome"] == FeedbackOutcome.OVERRIDDEN
    assert kept[0]["override_reason_code"] == "not-indicated"
    assert kept[0]["override_reason_system"] == "https://ehr.example/reasons"
    assert kept[0]["user_comment"] == "the patient already does this at home"
    assert json.loads(str(kept[1]["accepted_suggestions"])) == ["s-1", "s-2"]


def test_feedback_on_a_card_never_issued_is_refused_and_not_stored(
    store: Store, database_url: str
) -> None:
    with pytest.raises(UnknownCardError) as raised:
        store.record_feedback(accepted("c-nowhere"))
    assert raised.value.card_uuid == "c-nowhere"
    assert raised.value.exit_code == 2
    assert rows(database_url, feedback) == []


def test_times_are_kept_as_utc(store: Store, database_url: str) -> None:
    local = datetime(2026, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    store.record_call(call(card("c-1", "rule.a"), at=local))
    (row,) = rows(database_url, audit)
    assert row["at"] == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert row["at"].tzinfo is UTC  # type: ignore[union-attr]


def test_a_naive_time_is_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        store.record_call(call(card("c-1", "rule.a"), at=datetime(2026, 3, 1, 9, 30)))
    assert store.find_card("c-1") is None


def test_a_token_id_is_claimed_once_per_issuer(store: Store) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    assert store.claim_jti(issuer="https://ehr.example", jti="t-1", expires_at=expires) is True
    assert store.claim_jti(issuer="https://ehr.example", jti="t-1", expires_at=expires) is False
    assert store.claim_jti(issuer="https://other.example", jti="t-1", expires_at=expires) is True
    assert store.claim_jti(issuer="https://ehr.example", jti="t-2", expires_at=expires) is True


def test_concurrent_claims_of_one_token_id_let_exactly_one_through(store: Store) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    results = all_at_once(
        8,
        lambda _i: store.claim_jti(issuer="https://ehr.example", jti="t-race", expires_at=expires),
    )
    assert sorted(results) == [False] * 7 + [True]


def test_concurrent_claims_of_different_token_ids_all_succeed(store: Store) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    results = all_at_once(
        8, lambda i: store.claim_jti(issuer="https://ehr.example", jti=f"t-{i}", expires_at=expires)
    )
    assert results == [True] * 8


def test_token_ids_are_pruned_only_long_after_they_expire(database_url: str) -> None:
    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    with Store.open(database_url, clock=lambda: now[0]) as store:
        issuer = "https://ehr.example"
        assert store.claim_jti(issuer=issuer, jti="old", expires_at=now[0])
        assert store.claim_jti(issuer=issuer, jti="recent", expires_at=now[0])
        # still within the time a token may be accepted late (clock skew): a replay is caught
        now[0] += JTI_KEPT_AFTER_EXPIRY - timedelta(seconds=1)
        assert store.claim_jti(issuer=issuer, jti="recent", expires_at=now[0]) is False
        # long expired: the next claim prunes it, so the ledger does not grow for ever
        now[0] += timedelta(seconds=2)
        assert store.claim_jti(issuer=issuer, jti="new", expires_at=now[0] + timedelta(minutes=5))
        assert store.claim_jti(issuer=issuer, jti="old", expires_at=now[0]) is True


def test_calls_and_feedback_from_many_threads_are_all_kept(store: Store, database_url: str) -> None:
    def work(i: int) -> None:
        for j in range(5):
            uuid = f"c-{i}-{j}"
            store.record_call(call(card(uuid, f"rule.{j}")))
            store.record_feedback(accepted(uuid))
            assert store.find_card(uuid) is not None

    all_at_once(6, work)
    report = store.feedback_report()
    assert (report.cards_issued, report.feedback_received, report.accepted) == (30, 30, 30)
    assert len(rows(database_url, audit)) == 30


def test_a_store_is_usable_after_reopening(database_url: str) -> None:
    with Store.open(database_url) as first:
        first.record_call(call(card("c-1", "rule.a")))
    with Store.open(database_url) as second:
        assert second.find_card("c-1") is not None


def test_token_ids_outlive_the_largest_clock_skew_the_configuration_allows() -> None:
    from careengine.service.config import MAX_CLOCK_SKEW_SECONDS

    assert timedelta(seconds=MAX_CLOCK_SKEW_SECONDS) < JTI_KEPT_AFTER_EXPIRY
