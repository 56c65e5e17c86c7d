"""What the hostile-input tests (test_hostile_*.py) share: raw posts, the OperationOutcome check
(every 4xx is one, each issue located) and an ASGI call whose ``receive`` the test controls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from tests.service.http_support import SERVICE_ID, SERVICE_URL, ServiceUnderTest, bearer

PATH = f"/cds-services/{SERVICE_ID}"


def post_raw(
    service: ServiceUnderTest,
    raw: bytes,
    *,
    path: str = PATH,
    url: str = SERVICE_URL,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST ``raw`` bytes with a fresh token for ``url`` (and ``headers``)."""
    sent = {"Content-Type": "application/json", **bearer(service.issuer, url), **(headers or {})}
    return service.client.post(path, content=raw, headers=sent)


def located_issues(response: Any) -> list[dict[str, Any]]:
    """The issues of an OperationOutcome answer, checking that each names where it is."""
    assert response.headers["content-type"] == "application/json", response.headers
    data = response.json()
    assert data["resourceType"] == "OperationOutcome", data
    issues: list[dict[str, Any]] = data["issue"]
    assert issues, data
    for issue in issues:
        assert issue["expression"] and all(isinstance(e, str) for e in issue["expression"]), issue
    return issues


def asgi_call(
    app: Any,
    headers: list[tuple[bytes, bytes]],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    *,
    path: str = PATH,
) -> tuple[int, Any]:
    """POST to ``app`` directly with ``receive`` giving the body: (status, parsed body)."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body) if body else None
