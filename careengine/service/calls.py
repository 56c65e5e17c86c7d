"""The steps every POST to a service takes, in order (docs/cds-hooks.md, "Status codes"):

1. a declared ``Content-Length`` over the limit (``max_request_bytes``, at most
   :data:`~careengine.io.json_text.MAX_BYTES` like every JSON input): 413, nothing read;
2. authentication (the bearer JWT, ``aud`` = the URL called; more than one ``Authorization``
   header is refused): 401, nothing read or evaluated;
3. an unknown service id: 404;
4. a ``Content-Type`` that is not JSON, or any ``Content-Encoding`` (a compressed body is never
   expanded): 415, nothing read;
5. the body, counted while read: 413 once it passes the limit; 408 when it has not all come
   within :data:`BODY_SECONDS`; a client that hangs up is audited ``disconnected``;
6. the body is not JSON, or JSON that careengine refuses everywhere (a key named twice, text that
   is not Unicode; :func:`careengine.io.json_text.parse_json`, the CLI's reader): 400, located;
7. the endpoint's own work, in the thread pool (it evaluates, or writes to the store);
8. the audit row and the log line (:meth:`~careengine.service.exchange.Exchange.finish`).

Any exception the steps do not expect gives a plain 500 (no text, no traceback), logged by its
type. The blocking steps (the store, the engine) run in Starlette's thread pool, so the event
loop keeps serving other calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from careengine.errors import AssessmentError, Problem
from careengine.io import json_text
from careengine.service.exchange import Exchange, Refusal
from careengine.service.limits import (
    BadContentLength,
    BodyTooLarge,
    check_declared_length,
    read_limited_body,
)
from careengine.service.state import BEARER_CHALLENGE, ServiceState

#: the longest a client may take to send the body, once its head has come (a slow client)
BODY_SECONDS = 30.0
#: the media types a body may be declared as (no ``Content-Type`` at all is taken as JSON)
_JSON_TYPES = ("application/json", "application/fhir+json")


def parse_json(raw: bytes) -> Any:
    """The parsed body, as the CLI reads a JSON input (:func:`careengine.io.json_text.parse_json`:
    a key named twice or text that is not Unicode is refused, each at its path), or a 400
    :class:`Refusal` saying where the JSON breaks."""
    try:
        return json_text.parse_json(raw)
    except AssessmentError as exc:
        problems = [Problem(message=p.message, path=p.path or "$") for p in exc.problems]
        raise Refusal(400, "invalid-input", problems, code="invalid") from None


def request_limit(state: ServiceState) -> int:
    """The body size limit: ``max_request_bytes``, never over the JSON reader's own limit."""
    return min(state.config.max_request_bytes, json_text.MAX_BYTES)


def check_headers(request: Request) -> None:
    """415 for a body declared as something other than JSON, or encoded (gzip, ...): the
    service reads JSON as sent, and never expands a compressed body past the size limit."""
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise Refusal(
            415,
            "unsupported-media-type",
            [Problem(message="a Content-Encoding is not accepted: send the JSON as it is")],
            code="not-supported",
        )
    declared = request.headers.get("content-type")
    if declared is not None:
        media_type = declared.split(";", 1)[0].strip().lower()
        if media_type not in _JSON_TYPES:
            raise Refusal(
                415,
                "unsupported-media-type",
                [Problem(message="the body must be sent as Content-Type: application/json")],
                code="not-supported",
            )


def authorization_header(values: Sequence[str], state: ServiceState) -> str | None:
    """The one ``Authorization`` header of a call (``values``: every one it sent). Two or more
    are a 401 when authentication is on: which one a proxy reads and which one the service reads
    may differ, so neither is trusted."""
    if len(values) > 1 and state.config.require_auth:
        raise Refusal(
            401,
            "unauthenticated",
            [Problem(message="more than one Authorization header")],
            code="security",
            headers=BEARER_CHALLENGE,
        )
    return values[0] if values else None


async def read_body(request: Request, limit: int) -> bytes:
    """The body within :data:`BODY_SECONDS` (else 408), at most ``limit`` bytes (else 413)."""
    try:
        async with asyncio.timeout(BODY_SECONDS):
            return await read_limited_body(request, limit)
    except TimeoutError:
        raise Refusal(
            408,
            "timeout",
            [Problem(message=f"the body did not arrive within {BODY_SECONDS:g} seconds")],
            code="timeout",
            headers={"Connection": "close"},
        ) from None


def too_large(limit: int) -> Refusal:
    return Refusal(
        413,
        "too-large",
        [Problem(message=f"the request body is larger than the limit of {limit} bytes")],
        code="too-long",
    )


async def handle_post(
    request: Request,
    state: ServiceState,
    exchange: Exchange,
    *,
    service_id: str,
    audiences: Sequence[str],
    work: Callable[[Any], Response],
) -> Response:
    """Steps 1 to 8 for a POST whose endpoint's work is ``work(parsed_body)``."""
    limit = request_limit(state)
    try:
        try:
            check_declared_length(request, limit)
            authorization = authorization_header(request.headers.getlist("authorization"), state)
            caller = await run_in_threadpool(state.authenticate, authorization, audiences)
            exchange.caller = caller.label
            state.service(service_id)
            check_headers(request)
            raw = await read_body(request, limit)
        except ClientDisconnect:
            raise Refusal(
                400, "disconnected", [Problem(message="the client went away")], code="incomplete"
            ) from None
        except BodyTooLarge:
            raise too_large(limit) from None
        except BadContentLength as exc:
            raise Refusal(
                400,
                "invalid-input",
                [Problem(message=str(exc), path="$")],
                code="invalid",
                headers={"Connection": "close"},
            ) from None
        body = parse_json(raw)
        response = await run_in_threadpool(work, body)
    except Refusal as refusal:
        response = exchange.refused(refusal)
    except Exception as exc:
        response = exchange.failed(exc)
    result: Response = await run_in_threadpool(exchange.finish, state.store, response)
    return result
