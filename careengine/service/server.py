"""Running the application under uvicorn (``careengine serve``): PHI-free logs and a graceful stop.

uvicorn's access log prints the request line; here its path is reduced to one of the service's
own routes (``/cds-services``, ``/cds-services/{id}``, ``/cds-services/{id}/feedback`` with a
known id) and the query string is dropped, so nothing a client puts in a URL reaches the log;
any other path is logged as ``(other)``. The ``careengine.service`` logger (one line per call,
:mod:`careengine.service.exchange`) goes to standard error beside uvicorn's own.

SIGINT and SIGTERM stop the server gracefully (uvicorn finishes the calls in flight, within
``timeout_graceful_shutdown`` seconds); then the store is closed and :func:`run_server` returns,
so ``careengine serve`` exits 0.
"""

from __future__ import annotations

import copy
import logging
import signal
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

import uvicorn
import uvicorn.config
from fastapi import FastAPI

from careengine.service.exchange import LOGGER_NAME

GRACEFUL_SHUTDOWN_SECONDS = 10
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


def run_server(
    app: FastAPI,
    *,
    host: str,
    port: int,
    service_ids: Iterable[str],
    on_stop: Callable[[], None],
) -> None:
    """Serve ``app`` on ``host:port`` until SIGINT or SIGTERM; ``on_stop`` runs afterwards
    (the store is closed there), whatever happened."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=log_config(service_ids),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    previous = {sig: signal.signal(sig, _stop_requested) for sig in _STOP_SIGNALS}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        on_stop()
