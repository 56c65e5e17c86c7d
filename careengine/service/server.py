"""Running the application under uvicorn (``careengine serve``): PHI-free logs and a graceful stop.

uvicorn's access log prints the request line; here its path is reduced to one of the service's
own routes (``/cds-services``, ``/cds-services/{id}``, ``/cds-services/{id}/feedback`` with a
known id) and the query string is dropped, so nothing a client puts in a URL reaches the log;
any other path is logged as ``(other)``. The ``careengine.service`` logger (one line per call,
:mod:`careengine.service.exchange`) goes to standard error beside uvicorn's own.

Slow and greedy clients (docs/cds-hooks.md, "Hostile input"): a connection must send a complete
request head within :data:`HEAD_SECONDS` of opening (and of its previous response), else it is
closed (:class:`HeadTimeoutProtocol`: uvicorn itself never times out a request head, so one
client trickling a byte at a time could hold a connection forever); an idle keep-alive
connection is closed after :data:`KEEP_ALIVE_SECONDS`; a request head over
:data:`MAX_HEAD_BYTES` is a 400; past :data:`MAX_CONCURRENCY` connections or calls at once
uvicorn answers 503. The body's own deadline and size are the application's
(:mod:`careengine.service.calls`).

SIGINT and SIGTERM stop the server gracefully (uvicorn finishes the calls in flight, within
``timeout_graceful_shutdown`` seconds); then the store is closed and :func:`run_server` returns,
so ``careengine serve`` exits 0.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import signal
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

import uvicorn
import uvicorn.config
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from careengine.errors import ConfigurationError
from careengine.service.exchange import LOGGER_NAME

GRACEFUL_SHUTDOWN_SECONDS = 10
#: how long a connection may take to send a complete request head
HEAD_SECONDS = 10.0
#: how long an idle keep-alive connection stays open
KEEP_ALIVE_SECONDS = 5
#: the largest request head (request line and headers) h11 buffers
MAX_HEAD_BYTES = 32 * 1024
#: connections and calls at once, past which the answer is 503
MAX_CONCURRENCY = 256
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class AccessPathFilter(logging.Filter):
    """Rewrites the path of uvicorn's access-log records to a known route or ``(other)``."""

    def __init__(self, paths: Iterable[str] = ()) -> None:
        super().__init__()
        self.paths = frozenset(paths)

    def safe_path(self, path: object) -> str:
        text = str(path).split("?", 1)[0]
        return text if text in self.paths else "(other)"

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            record.args = (args[0], args[1], self.safe_path(args[2]), args[3], args[4])
        return True


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that has not sent a complete request head
    within :data:`HEAD_SECONDS` of opening or of its last response."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        finished = self.cycle
        # uvicorn starts a pipelined request that is already buffered inside this call (a new
        # cycle); that request's head is complete, so the head timer must not run while it is
        # being answered, or a slow answer would lose its connection
        super().on_response_complete()
        if not self.transport.is_closing() and self.cycle is finished:
            self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        waiting_after = self.cycle  # a new request head replaces the cycle
        self._head_timer = self.loop.call_later(HEAD_SECONDS, self._head_timeout, waiting_after)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self, waiting_after: object) -> None:
        self._head_timer = None
        if self.cycle is waiting_after and not self.transport.is_closing():
            self.transport.close()


def known_paths(service_ids: Iterable[str]) -> list[str]:
    """The paths the access log may show."""
    paths = ["/cds-services"]
    for service_id in sorted(service_ids):
        paths += [f"/cds-services/{service_id}", f"/cds-services/{service_id}/feedback"]
    return paths


def log_config(service_ids: Iterable[str]) -> dict[str, Any]:
    """uvicorn's logging configuration with the path filter on its access log, and the
    ``careengine.service`` logger on standard error."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"known_paths": {"()": AccessPathFilter, "paths": known_paths(service_ids)}}
    config["loggers"]["uvicorn.access"]["filters"] = ["known_paths"]
    config["loggers"][LOGGER_NAME] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _stop_requested(_signum: int, _frame: FrameType | None) -> None:
    """What a stop signal does once uvicorn has stopped (uvicorn raises the signal it caught
    again after its graceful shutdown): nothing, so that the command can close the store and
    exit 0."""


def uvicorn_config(
    app: FastAPI, *, host: str, port: int, service_ids: Iterable[str], logging: bool = True
) -> uvicorn.Config:
    """How ``careengine serve`` runs ``app``: PHI-free access log (``logging``: whether to
    configure the process's logging, as the command does), the limits of the module."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=HeadTimeoutProtocol,
        log_config=log_config(service_ids) if logging else None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        limit_concurrency=MAX_CONCURRENCY,
        server_header=False,
        proxy_headers=False,
    )


def run_server(
    app: FastAPI,
    *,
    host: str,
    port: int,
    service_ids: Iterable[str],
    on_stop: Callable[[], None],
) -> None:
    """Serve ``app`` on ``host:port`` until SIGINT or SIGTERM; ``on_stop`` runs afterwards
    (the store is closed there), whatever happened.

    :raises ConfigurationError: uvicorn could not start (the address is in use or not this
        machine's; uvicorn logs the reason): exit code 2, not uvicorn's own 3.
    """
    server = uvicorn.Server(uvicorn_config(app, host=host, port=port, service_ids=service_ids))
    previous = {sig: signal.signal(sig, _stop_requested) for sig in _STOP_SIGNALS}
    try:
        server.run()
    except SystemExit as exc:
        if exc.code != uvicorn.config.STARTUP_FAILURE:
            raise
        raise ConfigurationError(
            f"cannot listen on {host}:{port} (uvicorn's message above says why)"
        ) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        on_stop()
