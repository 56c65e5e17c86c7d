"""The service's durable storage: issued cards, feedback, the audit trail and used token ids.

:class:`Store` (SQLite or PostgreSQL through SQLAlchemy 2 Core; docs/cds-hooks.md, "Storage"),
its tables (:mod:`~careengine.service.store.tables`), the versioned schema
(:mod:`~careengine.service.store.migrations`) and the feedback report
(:mod:`~careengine.service.store.report`, ``careengine feedback report``).
"""

from __future__ import annotations

from careengine.service.store.connect import redact
from careengine.service.store.report import (
    FeedbackReport,
    OverrideReason,
    RuleFeedback,
    render_text,
)
from careengine.service.store.store import JTI_KEPT_AFTER_EXPIRY, Store, UnknownCardError

__all__ = [
    "JTI_KEPT_AFTER_EXPIRY",
    "FeedbackReport",
    "OverrideReason",
    "RuleFeedback",
    "Store",
    "UnknownCardError",
    "redact",
    "render_text",
]
