"""The request size limit (413), both ways: a declared Content-Length over the limit is refused
without reading a byte; a chunked body is counted while read and refused once past the limit.
And the service on PostgreSQL: one call and its feedback through the same application."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient

from careengine.service.app import create_app
from careengine.service.config import ServiceConfig
from careengine.service.store import Store
from tests.service.http_support import (
    BASE_URL,
    FEEDBACK_URL,
    PATH,
    SERVICE_URL,
    ServiceUnderTest,
    asgi_call,
    audit_rows,
    bearer,
    feedback_body,
    hook_request,
)
from tests.service.tokens import NOW, TestIssuer

LIMIT = 4096


def asgi_post(app: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any, int]:
    """POST ``{}`` to ``app`` directly: (status, parsed body, how many times the app asked for
    the body)."""
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"{}", "more_body": False}

    status, body = asgi_call(app, headers, receive)
    return status, body, reads


def test_a_declared_length_over_the_limit_is_413_without_reading(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    service = make_service(max_request_bytes=LIMIT)
    app = service.client.app
    status, body, reads = asgi_post(app, [(b"content-length", str(LIMIT + 1).encode())])
    assert (status, reads) == (413, 0)
    assert body["issue"][0]["code"] == "too-long"
    assert audit_rows(service.database)[-1]["outcome"] == "too-large"


def test_a_large_body_is_413_before_authentication(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    service = make_service(max_request_bytes=LIMIT)
    response = service.client.post(PATH, content=b"x" * (LIMIT + 1))
    assert response.status_code == 413


def test_a_chunked_body_over_the_limit_is_413(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    service = make_service(max_request_bytes=LIMIT)
    produced = 0

    def chunks() -> Iterator[bytes]:
        nonlocal produced
        for _ in range(64):
            produced += 1024
            yield b" " * 1024

    response = service.client.post(
        PATH, content=chunks(), headers=bearer(service.issuer, SERVICE_URL)
    )
    assert response.status_code == 413
    assert audit_rows(service.database)[-1]["outcome"] == "too-large"


def test_a_chunked_body_under_the_limit_is_read(service: ServiceUnderTest) -> None:
    text = json.dumps(hook_request(service.engine)).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(text), 1000):
            yield text[start : start + 1000]

    response = service.client.post(
        PATH, content=chunks(), headers=bearer(service.issuer, SERVICE_URL)
    )
    assert response.status_code == 200, response.text


def test_the_service_on_postgresql(
    postgres_database_url: str, engine: Any, issuer: TestIssuer
) -> None:
    store = Store.open(postgres_database_url, clock=lambda: NOW)
    try:
        config = ServiceConfig(
            base_url=BASE_URL,
            database=postgres_database_url,
            require_auth=True,
            issuers=(issuer.trusted(),),
        )
        client = TestClient(
            create_app(config=config, engine=engine, store=store, clock=lambda: NOW)
        )
        response = client.post(PATH, json=hook_request(engine), headers=bearer(issuer, SERVICE_URL))
        assert response.status_code == 200, response.text
        uuid = response.json()["cards"][0]["uuid"]
        assert store.find_card(uuid) is not None
        feedback = client.post(
            f"{PATH}/feedback", json=feedback_body(uuid), headers=bearer(issuer, FEEDBACK_URL)
        )
        assert feedback.status_code == 200
        assert store.feedback_report().overridden == 1
        headers = bearer(issuer, SERVICE_URL)
        assert client.post(PATH, json=hook_request(engine), headers=headers).status_code == 200
        assert client.post(PATH, json=hook_request(engine), headers=headers).status_code == 401
    finally:
        store.close()
