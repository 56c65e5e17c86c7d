"""The feedback report: which rules clinicians override most (``careengine feedback report``).

A card carries the rules behind it (``card_rules``); a feedback entry on a card counts for each
of them. Per rule: the cards issued, the feedback entries received, how many accepted and
overridden, the override rate (overridden / feedback received) and the most common override
reasons (code and display). Rules are sorted by overrides (most first), then by rule id. With
``since``, only the cards issued and the feedback received from then on are counted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import sqlalchemy as sa

from careengine.render.safe_text import one_line
from careengine.service.records import FeedbackOutcome
from careengine.service.store.tables import card_rules, feedback, issued_cards

__all__ = ["FeedbackReport", "OverrideReason", "RuleFeedback", "build_report", "render_text"]

#: how many override reasons a rule shows (the most common, ties by code then display)
TOP_REASONS = 3


def _rate(overridden: int, received: int) -> float | None:
    return overridden / received if received else None


@attrs.frozen(kw_only=True)
class OverrideReason:
    """An override reason (``overrideReason.code`` and ``display``) and how often it was given."""

    code: str | None
    display: str | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "display": self.display, "count": self.count}


@attrs.frozen(kw_only=True)
class RuleFeedback:
    """One rule's line of the report."""

    rule_id: str
    cards_issued: int
    feedback_received: int
    accepted: int
    overridden: int
    reasons: tuple[OverrideReason, ...] = ()

    @property
    def override_rate(self) -> float | None:
        """Overridden / feedback received; None without feedback."""
        return _rate(self.overridden, self.feedback_received)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "cards_issued": self.cards_issued,
            "feedback_received": self.feedback_received,
            "accepted": self.accepted,
            "overridden": self.overridden,
            "override_rate": self.override_rate,
            "top_override_reasons": [reason.to_dict() for reason in self.reasons],
        }


@attrs.frozen(kw_only=True)
class FeedbackReport:
    """The report: one line per rule (most overridden first) and the totals over cards."""

    since: datetime | None
    cards_issued: int
    feedback_received: int
    accepted: int
    overridden: int
    rules: tuple[RuleFeedback, ...] = ()

    @property
    def override_rate(self) -> float | None:
        """Overridden / feedback received over all cards; None without feedback."""
        return _rate(self.overridden, self.feedback_received)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "totals": {
                "cards_issued": self.cards_issued,
                "feedback_received": self.feedback_received,
                "accepted": self.accepted,
                "overridden": self.overridden,
                "override_rate": self.override_rate,
            },
            "rules": [rule.to_dict() for rule in self.rules],
        }


def _outcome_counts(rows: Any) -> dict[str, int]:
    return {str(outcome): int(count) for outcome, count in rows}


def build_report(conn: sa.Connection, *, since: datetime | None) -> FeedbackReport:
    """The report from the store's tables (a few GROUP BY queries, in one transaction)."""
    if since is not None and since.tzinfo is None:
        raise ValueError(f"since must be timezone-aware: {since!r}")
    cards_since = [issued_cards.c.issued_at >= since] if since else []
    feedback_since = [feedback.c.at >= since] if since else []
    overridden = str(FeedbackOutcome.OVERRIDDEN)
    accepted = str(FeedbackOutcome.ACCEPTED)

    issued: dict[str, int] = dict(
        conn.execute(
            sa.select(card_rules.c.rule_id, sa.func.count())
            .join(issued_cards, issued_cards.c.uuid == card_rules.c.card_uuid)
            .where(*cards_since)
            .group_by(card_rules.c.rule_id)
        ).all()
    )
    per_rule: dict[str, dict[str, int]] = {}
    for rule_id, outcome, count in conn.execute(
        sa.select(card_rules.c.rule_id, feedback.c.outcome, sa.func.count())
        .join(card_rules, card_rules.c.card_uuid == feedback.c.card_uuid)
        .where(*feedback_since)
        .group_by(card_rules.c.rule_id, feedback.c.outcome)
    ):
        per_rule.setdefault(rule_id, {})[str(outcome)] = int(count)
    reasons: dict[str, list[OverrideReason]] = {}
    for rule_id, code, display, count in conn.execute(
        sa.select(
            card_rules.c.rule_id,
            feedback.c.override_reason_code,
            feedback.c.override_reason_display,
            sa.func.count(),
        )
        .join(card_rules, card_rules.c.card_uuid == feedback.c.card_uuid)
        .where(feedback.c.outcome == overridden, *feedback_since)
        .group_by(
            card_rules.c.rule_id,
            feedback.c.override_reason_code,
            feedback.c.override_reason_display,
        )
    ):
        reasons.setdefault(rule_id, []).append(
            OverrideReason(code=code, display=display, count=int(count))
        )

    rules = []
    for rule_id in set(issued) | set(per_rule):
        outcomes = per_rule.get(rule_id, {})
        top = sorted(
            reasons.get(rule_id, []), key=lambda r: (-r.count, r.code or "", r.display or "")
        )
        rules.append(
            RuleFeedback(
                rule_id=rule_id,
                cards_issued=int(issued.get(rule_id, 0)),
                feedback_received=sum(outcomes.values()),
                accepted=outcomes.get(accepted, 0),
                overridden=outcomes.get(overridden, 0),
                reasons=tuple(top[:TOP_REASONS]),
            )
        )
    rules.sort(key=lambda rule: (-rule.overridden, rule.rule_id))

    total_cards = conn.execute(
        sa.select(sa.func.count()).select_from(issued_cards).where(*cards_since)
    ).scalar_one()
    totals = _outcome_counts(
        conn.execute(
            sa.select(feedback.c.outcome, sa.func.count())
            .where(*feedback_since)
            .group_by(feedback.c.outcome)
        )
    )
    return FeedbackReport(
        since=since.astimezone(UTC) if since else None,
        cards_issued=int(total_cards),
        feedback_received=sum(totals.values()),
        accepted=totals.get(accepted, 0),
        overridden=totals.get(overridden, 0),
        rules=tuple(rules),
    )


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _reason(reason: OverrideReason) -> str:
    label = reason.code or "(no code)"
    if reason.display:
        label += f" {reason.display}"
    return f"{one_line(label)} x{reason.count}"


def render_text(report: FeedbackReport) -> str:
    """The report as a table for a terminal (rules most overridden first). Codes and displays
    come from the EHR: a control character or line break in one cannot reach the terminal."""
    since = f" since {report.since.date().isoformat()}" if report.since else ""
    lines = [
        f"Feedback{since}: {report.cards_issued} cards issued, {report.feedback_received} "
        f"feedback ({report.accepted} accepted, {report.overridden} overridden, override rate "
        f"{_percent(report.override_rate)})",
    ]
    if not report.rules:
        lines.append("no cards issued and no feedback received")
        return "\n".join(lines) + "\n"
    header = ("rule", "cards", "feedback", "accepted", "overridden", "rate", "top override reasons")
    rows = [header] + [
        (
            one_line(rule.rule_id),
            str(rule.cards_issued),
            str(rule.feedback_received),
            str(rule.accepted),
            str(rule.overridden),
            _percent(rule.override_rate),
            "; ".join(_reason(reason) for reason in rule.reasons) or "-",
        )
        for rule in report.rules
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines.append("")
    for row in rows:
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row[:-1], widths, strict=True))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"
