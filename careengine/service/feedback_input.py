"""The body of ``POST /cds-services/{id}/feedback`` (CDS Hooks 2.0, "Feedback"), checked.

``{"feedback": [{card, outcome, acceptedSuggestions, overrideReason {reason, userComment},
outcomeTimestamp}]}``: ``card`` (the card's uuid), ``outcome`` (``accepted`` or ``overridden``)
and ``outcomeTimestamp`` (an ISO 8601 time with its offset) are required;
``acceptedSuggestions`` (``[{"id": ...}]``) is required with ``accepted``; ``overrideReason`` is
optional, its ``reason`` a Coding (``code`` required, ``system`` and ``display`` optional) and its
``userComment`` free text. Every problem is reported at once, each at its JSON path.

What is stored is bounded (docs/cds-hooks.md, "Hostile input"): at most :data:`MAX_ENTRIES`
entries in one body, a ``userComment`` of at most :data:`MAX_COMMENT_CHARS` characters, the other
strings of at most :data:`MAX_TEXT_CHARS` (a card uuid and the timestamp fit their columns), and
no string holding the NUL character (PostgreSQL cannot store it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from careengine.errors import AssessmentError, Problem
from careengine.service.records import FeedbackOutcome

_OUTCOMES = ", ".join(o.value for o in FeedbackOutcome)
#: the most entries one feedback body may carry (a response has a few cards)
MAX_ENTRIES = 100
#: the longest ``userComment`` stored
MAX_COMMENT_CHARS = 4000
#: the longest of every other string (``card``, ``outcomeTimestamp``, the reason's Coding, ...)
MAX_TEXT_CHARS = 64
_LONGER_TEXT = {"system": 500, "display": 500, "code": 200}


@attrs.frozen(kw_only=True)
class FeedbackEntry:
    """One checked entry of a feedback body (``path``: where it is in the body)."""

    path: str
    card: str
    outcome: FeedbackOutcome
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...] = ()
    reason_code: str | None = None
    reason_system: str | None = None
    reason_display: str | None = None
    user_comment: str | None = None


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(message=message, path=path))

    def text(self, data: dict[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(f"{path}.{key}", "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{path}.{key}", "must be a non-empty string")
            return None
        return self.bounded(value, f"{path}.{key}", _LONGER_TEXT.get(key, MAX_TEXT_CHARS))

    def bounded(self, value: str, path: str, limit: int) -> str | None:
        """``value``, or ``None`` with a problem when it is too long or holds a NUL."""
        if len(value) > limit:
            self.problem(path, f"must be at most {limit} characters long")
            return None
        if "\x00" in value:
            self.problem(path, "must not contain the NUL character")
            return None
        return value

    def timestamp(self, data: dict[str, Any], path: str) -> str | None:
        value = self.text(data, "outcomeTimestamp", path, required=True)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.problem(f"{path}.outcomeTimestamp", "must be an ISO 8601 time with an offset")
            return None
        return value

    def suggestions(
        self, data: dict[str, Any], path: str, outcome: FeedbackOutcome | None
    ) -> tuple[str, ...]:
        value = data.get("acceptedSuggestions")
        where = f"{path}.acceptedSuggestions"
        if value is None:
            if outcome is FeedbackOutcome.ACCEPTED:
                self.problem(where, "is required when the outcome is accepted")
            return ()
        if not isinstance(value, list) or not value:
            self.problem(where, 'must be a non-empty array of {"id": ...} objects')
            return ()
        ids = []
        for n, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(f"{where}[{n}]", "must be an object with an id")
                continue
            found = self.text(item, "id", f"{where}[{n}]", required=True)
            if found is not None:
                ids.append(found)
        return tuple(ids)

    def entry(self, data: Any, path: str) -> FeedbackEntry | None:
        if not isinstance(data, dict):
            self.problem(path, "must be an object")
            return None
        before = len(self.problems)
        card = self.text(data, "card", path, required=True)
        outcome_text = self.text(data, "outcome", path, required=True)
        outcome = None
        if outcome_text is not None:
            try:
                outcome = FeedbackOutcome(outcome_text)
            except ValueError:
                self.problem(f"{path}.outcome", f"must be one of {_OUTCOMES}")
        timestamp = self.timestamp(data, path)
        accepted = self.suggestions(data, path, outcome)
        reason = self.override_reason(data, path)
        if len(self.problems) > before or card is None or outcome is None or timestamp is None:
            return None
        return FeedbackEntry(
            path=path,
            card=card,
            outcome=outcome,
            outcome_timestamp=timestamp,
            accepted_suggestions=accepted,
            **reason,
        )

    def override_reason(self, data: dict[str, Any], path: str) -> dict[str, str | None]:
        value = data.get("overrideReason")
        where = f"{path}.overrideReason"
        out: dict[str, str | None] = {}
        if value is None:
            return out
        if not isinstance(value, dict):
            self.problem(where, "must be an object")
            return out
        coding = value.get("reason")
        if coding is not None:
            if isinstance(coding, dict):
                out["reason_code"] = self.text(coding, "code", f"{where}.reason", required=True)
                out["reason_system"] = self.text(
                    coding, "system", f"{where}.reason", required=False
                )
                out["reason_display"] = self.text(
                    coding, "display", f"{where}.reason", required=False
                )
            else:
                self.problem(f"{where}.reason", "must be a Coding object")
        comment = value.get("userComment")
        if comment is not None:
            if isinstance(comment, str):
                out["user_comment"] = self.bounded(
                    comment, f"{where}.userComment", MAX_COMMENT_CHARS
                )
            else:
                self.problem(f"{where}.userComment", "must be a string")
        return out


def read_feedback(body: Any) -> tuple[FeedbackEntry, ...]:
    """The entries of a feedback body, or an :class:`AssessmentError` listing every problem."""
    reader = _Reader()
    entries: list[FeedbackEntry] = []
    if not isinstance(body, dict):
        reader.problem("$", "must be an object with a feedback array")
    else:
        items = body.get("feedback")
        if not isinstance(items, list) or not items:
            reader.problem("feedback", "must be a non-empty array of feedback objects")
        elif len(items) > MAX_ENTRIES:
            reader.problem("feedback", f"must hold at most {MAX_ENTRIES} entries")
        else:
            for n, item in enumerate(items):
                entry = reader.entry(item, f"feedback[{n}]")
                if entry is not None:
                    entries.append(entry)
    if reader.problems:
        raise AssessmentError("invalid feedback", problems=reader.problems)
    return tuple(entries)
