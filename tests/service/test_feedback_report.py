"""The feedback report: which rules clinicians override most (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine.service.store import FeedbackReport, OverrideReason, Store, render_text

from .store_records import AT, accepted, call, card, overridden


def fill(store: Store) -> None:
    """Three rules; rule.b is overridden most, rule.a once, rule.c never."""
    store.record_call(call(card("c-1", "rule.a", "rule.b")))
    store.record_call(call(card("c-2", "rule.b")))
    store.record_call(call(card("c-3", "rule.c")))
    store.record_call(call(card("c-4", "rule.b")))
    store.record_feedback(overridden("c-1", "not-indicated", "Not indicated"))
    store.record_feedback(overridden("c-2", "not-indicated", "Not indicated"))
    store.record_feedback(overridden("c-2", "patient-declined", "Patient declined"))
    store.record_feedback(overridden("c-4", None))
    store.record_feedback(accepted("c-3"))
    store.record_feedback(accepted("c-4"))


def test_an_empty_store_gives_an_empty_report(store: Store) -> None:
    report = store.feedback_report()
    assert report == FeedbackReport(
        since=None, cards_issued=0, feedback_received=0, accepted=0, overridden=0
    )
    assert report.override_rate is None
    assert "no cards issued and no feedback received" in render_text(report)


def test_rules_are_sorted_by_overrides_then_rule_id_with_their_counts(store: Store) -> None:
    fill(store)
    report = store.feedback_report()
    lines = [
        (r.rule_id, r.cards_issued, r.feedback_received, r.accepted, r.overridden)
        for r in report.rules
    ]
    assert lines == [
        ("rule.b", 3, 5, 1, 4),
        ("rule.a", 1, 1, 0, 1),
        ("rule.c", 1, 1, 1, 0),
    ]
    assert [r.override_rate for r in report.rules] == [0.8, 1.0, 0.0]
    assert (report.cards_issued, report.feedback_received, report.accepted, report.overridden) == (
        4,
        6,
        2,
        4,
    )
    assert report.override_rate == 4 / 6


def test_the_most_common_override_reasons_come_first(store: Store) -> None:
    fill(store)
    rule_b = store.feedback_report().rules[0]
    assert rule_b.reasons == (
        OverrideReason(code="not-indicated", display="Not indicated", count=2),
        OverrideReason(code=None, display=None, count=1),
        OverrideReason(code="patient-declined", display="Patient declined", count=1),
    )


def test_since_counts_only_the_cards_and_feedback_from_then_on(store: Store) -> None:
    fill(store)
    later = AT + timedelta(days=2)
    store.record_call(call(card("c-9", "rule.c"), at=later))
    store.record_feedback(overridden("c-9", "not-indicated", "Not indicated", at=later))
    store.record_feedback(overridden("c-3", "other", "Other", at=later))
    report = store.feedback_report(since=AT + timedelta(days=1))
    assert report.since == AT + timedelta(days=1)
    assert [
        (r.rule_id, r.cards_issued, r.feedback_received, r.overridden) for r in report.rules
    ] == [("rule.c", 1, 2, 2)]
    assert (report.cards_issued, report.feedback_received) == (1, 2)


def test_the_report_as_json_and_text(store: Store) -> None:
    fill(store)
    report = store.feedback_report(since=datetime(2026, 1, 1, tzinfo=UTC))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["since"] == "2026-01-01T00:00:00+00:00"
    assert data["totals"] == {
        "cards_issued": 4,
        "feedback_received": 6,
        "accepted": 2,
        "overridden": 4,
        "override_rate": 4 / 6,
    }
    assert data["rules"][0]["rule_id"] == "rule.b"
    assert data["rules"][0]["top_override_reasons"][0] == {
        "code": "not-indicated",
        "display": "Not indicated",
        "count": 2,
    }
    text = render_text(report)
    assert text.splitlines()[0] == (
        "Feedback since 2026-01-01: 4 cards issued, 6 feedback (2 accepted, 4 overridden, "
        "override rate 67%)"
    )
    row_b = next(line for line in text.splitlines() if line.startswith("rule.b"))
    assert row_b.split()[:6] == ["rule.b", "3", "5", "1", "4", "80%"]
    assert "not-indicated Not indicated x2" in row_b
    # the clinician's free text is stored but never reported
    assert "at home" not in text and "at home" not in json.dumps(data)


_RULES = ("rule.a", "rule.b", "rule.c")
_REASONS = (None, "not-indicated", "patient-declined")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cards=st.lists(st.sets(st.sampled_from(_RULES), min_size=1), min_size=1, max_size=5),
    entries=st.lists(
        st.tuples(st.integers(0, 4), st.booleans(), st.sampled_from(_REASONS)), max_size=12
    ),
)
def test_the_report_is_a_recount_of_what_was_stored(
    cards: list[set[str]], entries: list[tuple[int, bool, str | None]]
) -> None:
    with (
        tempfile.TemporaryDirectory() as directory,
        Store.open(f"sqlite:///{directory}/db.sqlite") as store,
    ):
        for i, rules in enumerate(cards):
            store.record_call(call(card(f"c-{i}", *rules)))
        expected: dict[str, list[int]] = {rule: [0, 0, 0, 0] for r in cards for rule in r}
        for rules in cards:
            for rule in rules:
                expected[rule][0] += 1
        for index, was_overridden, reason in entries:
            target = index % len(cards)
            store.record_feedback(
                overridden(f"c-{target}", reason) if was_overridden else accepted(f"c-{target}")
            )
            for rule in cards[target]:
                expected[rule][1] += 1
                expected[rule][3 if was_overridden else 2] += 1
        report = store.feedback_report()
    got = {
        r.rule_id: [r.cards_issued, r.feedback_received, r.accepted, r.overridden]
        for r in report.rules
    }
    assert got == expected
    assert [r.rule_id for r in report.rules] == sorted(got, key=lambda r: (-got[r][3], r))
    assert report.feedback_received == len(entries) == report.accepted + report.overridden
    for rule in report.rules:
        assert sum(reason.count for reason in rule.reasons) <= rule.overridden
        counts = [reason.count for reason in rule.reasons]
        assert counts == sorted(counts, reverse=True)
