"""``GET /cds-services`` (discovery) and ``POST /cds-services/{id}`` (a hook call).

Discovery asks for the bearer JWT too (``aud`` = ``{base_url}/cds-services``): CDS Hooks 2.0
("Trusting CDS Clients") requires it on every call, "whether that be a Discovery call, a single
CDS Service invocation, or multiple exchanges relating to a single service".

A hook call: the prefetch is read into an assessment
(:func:`~careengine.service.prefetch.assessment_from_request`), evaluated by the application's
engine and turned into cards (:func:`~careengine.service.cards.plan_cards`). Missing prefetch the
plan needs gives 412, an invalid request 400 with every located problem, a broken rule or plugin
500 without its text.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from careengine.errors import AssessmentError, Problem
from careengine.service.calls import authorization_header, handle_post
from careengine.service.cards import plan_cards
from careengine.service.exchange import Exchange, Refusal, json_response, safe_identifier
from careengine.service.prefetch import PrefetchMissing, assessment_from_request
from careengine.service.services import ServiceDefinition, discovery_document
from careengine.service.state import ServiceState, app_state

DISCOVERY_ROUTE = "/cds-services"
SERVICE_ROUTE = "/cds-services/{id}"


def _discover(state: ServiceState, exchange: Exchange, authorization: list[str]) -> Response:
    try:
        caller = state.authenticate(
            authorization_header(authorization, state), [state.url(DISCOVERY_ROUTE)]
        )
        exchange.caller = caller.label
        exchange.outcome = "discovery"
        response = json_response(200, discovery_document(tuple(state.services.values())))
    except Refusal as refusal:
        response = exchange.refused(refusal)
    except Exception as exc:
        response = exchange.failed(exc)
    return exchange.finish(state.store, response)


def _hook_problems(body: Any, service: ServiceDefinition) -> list[Problem]:
    """The request's ``hook`` against the service's (the envelope itself is the prefetch
    reader's to check)."""
    if isinstance(body, dict):
        hook = body.get("hook")
        if isinstance(hook, str) and hook != service.hook:
            return [Problem(message=f"this service answers the {service.hook} hook", path="hook")]
    return []


def _evaluate(
    state: ServiceState, exchange: Exchange, service: ServiceDefinition, body: Any
) -> Response:
    if isinstance(body, dict):
        exchange.hook_instance = safe_identifier(body.get("hookInstance"))
    try:
        problems = _hook_problems(body, service)
        if problems:
            raise AssessmentError("the request is for another hook", problems=problems)
        assessment = assessment_from_request(body, state.engine.catalog)
        plan = state.engine.evaluate(assessment)
    except PrefetchMissing as exc:
        missing = list(exc.problems) or [
            Problem(message="is needed and was not sent", path=f"prefetch.{key}")
            for key in exc.missing
        ]
        raise Refusal(412, "prefetch-missing", missing, code="required") from None
    except AssessmentError as exc:
        located = list(exc.problems) or [Problem(message=exc.message, path=exc.json_path)]
        raise Refusal(400, "invalid-input", located, code="invalid") from None
    hook_instance = str(body["hookInstance"])
    cardset = plan_cards(
        plan,
        state.engine.catalog,
        service_id=service.id,
        hook_instance=hook_instance,
        # the suggested resources refer to the EHR's Patient, whatever careengine id it carries
        patient_id=str(body["context"]["patientId"]),
    )
    exchange.outcome = "cards"
    exchange.cards = tuple(cardset.issued)
    exchange.card_count = len(cardset.cards)
    exchange.ruleset_fingerprint = plan.provenance.fingerprint
    if cardset.issued:
        exchange.plan_sha256 = cardset.issued[0].plan_sha256
    return json_response(200, {"cards": list(cardset.cards)})


def hooks_router() -> APIRouter:
    router = APIRouter()

    @router.get(DISCOVERY_ROUTE)
    async def discovery(request: Request) -> Response:
        state = app_state(request)
        exchange = state.exchange(
            request, route=DISCOVERY_ROUTE, endpoint="discovery", service_id=None
        )
        authorization = request.headers.getlist("authorization")
        response: Response = await run_in_threadpool(_discover, state, exchange, authorization)
        return response

    @router.post(SERVICE_ROUTE.replace("{id}", "{service_id}"))
    async def call_service(service_id: str, request: Request) -> Response:
        state = app_state(request)
        known = service_id if service_id in state.services else None
        exchange = state.exchange(request, route=SERVICE_ROUTE, endpoint="hook", service_id=known)

        def work(body: Any) -> Response:
            return _evaluate(state, exchange, state.service(service_id), body)

        return await handle_post(
            request,
            state,
            exchange,
            service_id=service_id,
            audiences=[state.url(f"/cds-services/{service_id}")],
            work=work,
        )

    return router
