"""The steps every POST to a service takes, in order (docs/cds-hooks.md, "Status codes"):

1. a declared ``Content-Length`` over ``max_request_bytes``: 413, nothing read;
2. authentication (the bearer JWT, ``aud`` = the URL called): 401, nothing read or evaluated;
3. an unknown service id: 404;
4. the body, counted while read: 413 once it passes the limit;
5. the body is not JSON: 400 (an OperationOutcome at ``$``);
6. the endpoint's own work, in the thread pool (it evaluates, or writes to the store);
7. the audit row and the log line (:meth:`~careengine.service.exchange.Exchange.finish`).

Any exception the steps do not expect gives a plain 500 (no text, no traceback), logged by its
type. The blocking steps (the store, the engine) run in Starlette's thread pool, so the event
loop keeps serving other calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from careengine.errors import Problem
from careengine.service.exchange import Exchange, Refusal
from careengine.service.limits import (
    BadContentLength,
    BodyTooLarge,
    check_declared_length,
    read_limited_body,
)
from careengine.service.state import ServiceState


def parse_json(raw: bytes) -> Any:
    """The parsed body, or a 400 :class:`Refusal` saying where the JSON breaks (never quoting
    it: the body may carry patient data)."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        message = f"the body is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except UnicodeDecodeError:
        message = "the body is not JSON: it is not UTF-8 text"
    except (ValueError, RecursionError):
        message = "the body is not JSON, or is nested too deeply"
    raise Refusal(400, "invalid-input", [Problem(message=message, path="$")], code="invalid")


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
    """Steps 1 to 7 for a POST whose endpoint's work is ``work(parsed_body)``."""
    limit = state.config.max_request_bytes
    try:
        try:
            check_declared_length(request, limit)
            caller = await run_in_threadpool(
                state.authenticate, request.headers.get("authorization"), audiences
            )
            exchange.caller = caller.label
            state.service(service_id)
            raw = await read_limited_body(request, limit)
        except BodyTooLarge:
            raise too_large(limit) from None
        except BadContentLength as exc:
            raise Refusal(
                400, "invalid-input", [Problem(message=str(exc))], code="invalid"
            ) from None
        body = parse_json(raw)
        response = await run_in_threadpool(work, body)
    except Refusal as refusal:
        response = exchange.refused(refusal)
    except Exception as exc:
        response = exchange.failed(exc)
    result: Response = await run_in_threadpool(exchange.finish, state.store, response)
    return result
