"""The service's durable storage: issued cards, feedback, the audit trail and used token ids."""

from __future__ import annotations
