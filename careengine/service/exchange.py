"""One call of a service endpoint, from its first byte to its audit row and its log line.

Every call (refused ones too) ends in :meth:`Exchange.finish`: one row in the audit table
(:meth:`~careengine.service.store.Store.record_call`) and one line on the ``careengine.service``
logger. The log line names the method, the route *template* (``/cds-services/{id}``, never the raw
path), the status, the duration, the ``hookInstance`` (when it looks like an identifier), the
outcome and the card count: never a patient id, name, resource, finding, comment or token.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from starlette.responses import JSONResponse, Response

from careengine.errors import Problem
from careengine.service.outcome import operation_outcome
from careengine.service.records import CallRecord, IssuedCard

LOGGER_NAME = "careengine.service"
JSON = "application/json"
UNAUTHENTICATED = "(unauthenticated)"
#: a UUID in its canonical text form (a ``hookInstance`` is one; anything else, a patient id
#: an EHR put there by mistake included, is neither logged nor audited)
_IDENTIFIER = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """``body`` as ``application/json``."""
    return JSONResponse(body, status_code=status, headers=headers, media_type=JSON)


def outcome_response(
    status: int,
    problems: Sequence[Problem],
    *,
    code: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """An OperationOutcome with one issue per problem."""
    return json_response(status, operation_outcome(problems, code=code), headers)


def internal_error_response() -> Response:
    """The 500 answer: a plain OperationOutcome, no exception text, no traceback."""
    return outcome_response(500, [Problem(message="internal error")], code="exception")


class Refusal(Exception):
    """A call the service answers with an error status (an OperationOutcome) and an audit
    ``outcome`` (``unauthenticated``, ``too-large``, ``unknown-service``, ...)."""

    def __init__(
        self,
        status: int,
        outcome: str,
        problems: Sequence[Problem],
        *,
        code: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.outcome = outcome
        self.problems = tuple(problems)
        self.code = code
        self.headers = headers
        super().__init__(outcome)

    def response(self) -> Response:
        return outcome_response(self.status, self.problems, code=self.code, headers=self.headers)


def safe_identifier(value: object) -> str | None:
    """``value`` when it is a UUID in canonical form (a ``hookInstance`` is one), else ``None``:
    what a client sends there is logged and audited, so nothing else gets through."""
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
        return value
    return None


@attrs.define(kw_only=True)
class Exchange:
    """What one call did, filled in as it goes (per call; never shared between calls)."""

    at: datetime
    method: str
    route: str
    endpoint: str
    service_id: str | None
    started: float = attrs.field(factory=time.perf_counter)
    caller: str = UNAUTHENTICATED
    hook_instance: str | None = None
    outcome: str = "internal-error"
    plan_sha256: str | None = None
    ruleset_fingerprint: str | None = None
    cards: tuple[IssuedCard, ...] = ()
    card_count: int = 0

    def refused(self, refusal: Refusal) -> Response:
        self.outcome = refusal.outcome
        return refusal.response()

    def failed(self, exc: BaseException) -> Response:
        """An unexpected error: logged by its type only (its text may quote the input)."""
        logging.getLogger(LOGGER_NAME).error(
            "internal error in %s %s: %s", self.method, self.route, type(exc).__name__
        )
        self.outcome = "internal-error"
        self.cards = ()
        self.card_count = 0
        return internal_error_response()

    def record(self, status: int) -> CallRecord:
        return CallRecord(
            at=self.at,
            caller=self.caller,
            endpoint=self.endpoint,
            service_id=self.service_id,
            hook_instance=self.hook_instance,
            http_status=status,
            outcome=self.outcome,
            plan_sha256=self.plan_sha256,
            ruleset_fingerprint=self.ruleset_fingerprint,
            cards=self.cards,
        )

    def finish(self, store: Any, response: Response) -> Response:
        """Write the audit row and the log line; a call that cannot be audited is a 500."""
        try:
            store.record_call(self.record(response.status_code))
        except Exception as exc:  # the audit trail is part of the answer
            response = self.failed(exc)
            try:
                store.record_call(self.record(response.status_code))
            except Exception as again:
                logging.getLogger(LOGGER_NAME).error(
                    "audit row not written: %s", type(again).__name__
                )
        self.log(response.status_code)
        return response

    def log(self, status: int) -> None:
        elapsed_ms = (time.perf_counter() - self.started) * 1000
        logging.getLogger(LOGGER_NAME).info(
            "%s %s %d %.1fms hookInstance=%s outcome=%s cards=%d",
            self.method,
            self.route,
            status,
            elapsed_ms,
            self.hook_instance or "-",
            self.outcome,
            self.card_count,
        )
