"""The real uvicorn server on loopback, as ``careengine serve`` configures it
(:func:`careengine.service.server.uvicorn_config`), against slow and malformed clients: a
connection that never finishes its request head is closed (uvicorn alone would hold it forever),
also after a response; a request with both Content-Length and Transfer-Encoding is refused;
pipelined requests are answered in order; an oversized head is a 400."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from careengine.service import server as server_module
from careengine.service.server import uvicorn_config
from tests.service.http_support import SERVICE_ID, ServiceUnderTest

#: how long the tests wait for something that must happen (a bound, never a measure)
PATIENCE_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(app: Any) -> Iterator[int]:
    """uvicorn serving ``app`` on a free loopback port, as ``careengine serve`` configures it."""
    port = _free_port()
    config = uvicorn_config(
        app, host="127.0.0.1", port=port, service_ids=[SERVICE_ID], logging=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(PATIENCE_SECONDS)


@pytest.fixture
def service_app(
    make_service: Callable[..., ServiceUnderTest], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """A service's application, with the head timeout shortened to half a second."""
    monkeypatch.setattr(server_module, "HEAD_SECONDS", 0.5)
    return make_service().client.app


@pytest.fixture
def live_port(service_app: Any) -> Iterator[int]:
    """A port where uvicorn serves a service (head timeout shortened to half a second)."""
    with serving(service_app) as port:
        yield port


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_SECONDS)
    sock.settimeout(PATIENCE_SECONDS)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout here means
    the server held the connection open)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _recv(sock: socket.socket, size: int) -> bytes:
    chunk = sock.recv(size)
    assert chunk, "the server closed the connection before the whole response"
    return chunk


def read_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length body, read without taking any byte of the next one
    (pipelined responses can arrive in one segment)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += _recv(sock, 1)
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    body = b""
    while len(body) < length:
        body += _recv(sock, length - len(body))
    return head + body


def test_a_connection_that_never_finishes_its_head_is_closed(live_port: int) -> None:
    with connect(live_port) as sock:
        sock.sendall(b"POST /cds-services/careengine-lbp-plan HTTP/1.1\r\nHost: x\r\n")
        assert read_until_closed(sock) == b""


def test_a_trickling_head_after_a_response_is_closed(live_port: int) -> None:
    """uvicorn's keep-alive timer stops at the first byte of the next request; the head timer
    does not."""
    with connect(live_port) as sock:
        sock.sendall(b"GET /cds-services HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).startswith(b"HTTP/1.1 401 ")
        sock.sendall(b"G")
        assert read_until_closed(sock) == b""


def test_both_content_length_and_transfer_encoding_is_refused(live_port: int) -> None:
    with connect(live_port) as sock:
        sock.sendall(
            b"POST /cds-services/careengine-lbp-plan HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\nPOST /cds-services/careengine-lbp-plan HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1  # the smuggled second request is never answered


def test_pipelined_requests_are_answered_in_order(live_port: int) -> None:
    with connect(live_port) as sock:
        sock.sendall(
            b"GET /cds-services HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        first, second = read_response(sock), read_response(sock)
    assert first.startswith(b"HTTP/1.1 401 ") and second.startswith(b"HTTP/1.1 404 ")


def test_a_pipelined_request_slower_than_the_head_timeout_keeps_its_connection(
    service_app: Any,
) -> None:
    """The second request's head arrived with the first; answering it takes longer than the
    head timeout, which must not close the connection under it."""

    async def slow_second(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/slow":
            await asyncio.sleep(4 * server_module.HEAD_SECONDS)
        await service_app(scope, receive, send)

    with serving(slow_second) as port, connect(port) as sock:
        sock.sendall(
            b"GET /cds-services HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        first, second = read_response(sock), read_response(sock)
    assert first.startswith(b"HTTP/1.1 401 ") and second.startswith(b"HTTP/1.1 404 ")


def test_an_oversized_incomplete_head_is_400(live_port: int) -> None:
    with connect(live_port) as sock:
        sock.sendall(
            b"GET /cds-services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + b"a" * (server_module.MAX_HEAD_BYTES + 1024)
        )
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_the_server_limits() -> None:
    config = uvicorn_config(object(), host="127.0.0.1", port=1, service_ids=[], logging=False)  # type: ignore[arg-type]
    assert config.timeout_keep_alive == server_module.KEEP_ALIVE_SECONDS
    assert config.limit_concurrency == server_module.MAX_CONCURRENCY
    assert config.h11_max_incomplete_event_size == server_module.MAX_HEAD_BYTES
    assert config.http is server_module.HeadTimeoutProtocol
