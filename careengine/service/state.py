"""What one service application holds (``app.state.careengine``): its configuration, engine,
store, authenticator, clock and services. Built by :func:`~careengine.service.app.create_app`,
one per application; nothing here is module-level."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import attrs
from starlette.requests import Request

from careengine.engine import Engine
from careengine.errors import Problem
from careengine.service.auth import AuthenticationError, Authenticator
from careengine.service.config import ServiceConfig
from careengine.service.exchange import Exchange, Refusal
from careengine.service.records import Caller
from careengine.service.services import ServiceDefinition
from careengine.service.store import Store

BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@attrs.frozen(kw_only=True)
class ServiceState:
    config: ServiceConfig
    engine: Engine
    store: Store
    authenticator: Authenticator
    clock: Callable[[], datetime]
    services: Mapping[str, ServiceDefinition]

    def exchange(
        self, request: Request, *, route: str, endpoint: str, service_id: str | None
    ) -> Exchange:
        return Exchange(
            at=self.clock(),
            method=request.method,
            route=route,
            endpoint=endpoint,
            service_id=service_id,
        )

    def url(self, path: str) -> str:
        """The public URL of ``path`` (what a token's ``aud`` must name)."""
        return f"{self.config.base_url}{path}"

    def authenticate(self, authorization: str | None, audiences: Sequence[str]) -> Caller:
        """The caller, or a 401 :class:`Refusal` (``WWW-Authenticate: Bearer``). Runs in the
        thread pool: a token's ``jti`` is claimed in the store."""
        if not self.config.require_auth:
            return Caller.development()
        try:
            return self.authenticator.authenticate(
                authorization, audiences=audiences, now=self.clock()
            )
        except AuthenticationError as exc:
            raise Refusal(
                401,
                "unauthenticated",
                [Problem(message=exc.message)],
                code="security",
                headers=BEARER_CHALLENGE,
            ) from None

    def service(self, service_id: str) -> ServiceDefinition:
        """The service of ``service_id``, or a 404 :class:`Refusal`."""
        service = self.services.get(service_id)
        if service is None:
            known = ", ".join(sorted(self.services))
            raise Refusal(
                404,
                "unknown-service",
                [Problem(message=f"no CDS Service with this id (services: {known})")],
                code="not-found",
            )
        return service


def app_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.careengine
    return state
