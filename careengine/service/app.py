"""The CDS Hooks 2.0 application (docs/cds-hooks.md): discovery, the hook call and feedback.

:func:`create_app` builds one FastAPI application around an engine (built once per process;
one engine serves every thread, docs/performance.md "Threads"), a store and a configuration.
Everything it holds is on ``app.state.careengine``
(:class:`~careengine.service.state.ServiceState`), so two applications share nothing. There
is no module-level application: ``careengine serve`` (:mod:`careengine.service.server`) builds
one and runs it.

The endpoints read their raw bodies themselves (:mod:`careengine.service.calls`), so FastAPI's
own request validation never answers; an unknown route or method, or any error that escapes,
is answered with an OperationOutcome too. The OpenAPI pages are off: they would be the only
endpoints without authentication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from careengine.engine import Engine
from careengine.errors import Problem
from careengine.service.auth import Authenticator
from careengine.service.config import ServiceConfig
from careengine.service.exchange import LOGGER_NAME, internal_error_response, outcome_response
from careengine.service.routes_feedback import feedback_router
from careengine.service.routes_hooks import hooks_router
from careengine.service.services import ServiceDefinition, default_services
from careengine.service.state import ServiceState
from careengine.service.store import Store
from careengine.version import __version__

_CODES = {404: "not-found", 405: "not-supported"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _http_error(_request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    message = "no such endpoint" if status == 404 else "this request is not supported here"
    return outcome_response(status, [Problem(message=message)], code=_CODES.get(status, "invalid"))


async def _unexpected(_request: Request, exc: Exception) -> Response:
    logging.getLogger(LOGGER_NAME).error("internal error: %s", type(exc).__name__)
    return internal_error_response()


def create_app(
    *,
    config: ServiceConfig,
    engine: Engine,
    store: Store,
    clock: Callable[[], datetime] | None = None,
    services: tuple[ServiceDefinition, ...] | None = None,
) -> FastAPI:
    """The service's application. ``clock`` (timezone-aware UTC ``now``) is for tests;
    ``services`` defaults to :func:`~careengine.service.services.default_services`."""
    app = FastAPI(
        title="careengine CDS Hooks service",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    chosen = services if services is not None else default_services()
    app.state.careengine = ServiceState(
        config=config,
        engine=engine,
        store=store,
        authenticator=Authenticator(config, store),
        clock=clock or _utc_now,
        services={s.id: s for s in sorted(chosen, key=lambda s: s.id)},
    )
    app.include_router(hooks_router())
    app.include_router(feedback_router())
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    return app
