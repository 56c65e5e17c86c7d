"""``POST /cds-services/{id}/feedback``: what the clinician did with the cards.

The body is checked first (400 with every located problem, nothing stored); then every entry's
``card`` must be a card this service issued (:meth:`~careengine.service.store.Store.find_card`
with the same service id), else 404 naming each unknown one and nothing stored: CDS Hooks 2.0
leaves the status to the service, and "no such card here" is a not-found. Then each entry is
stored (:meth:`~careengine.service.store.Store.record_feedback`) and the answer is 200 with an
empty body. The ``aud`` of the token may name the service's URL or the feedback URL. A
``userComment`` is stored (it is the point of feedback) and never logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from careengine.errors import AssessmentError, Problem
from careengine.service.calls import handle_post
from careengine.service.cards import offered_suggestions
from careengine.service.exchange import Exchange, Refusal
from careengine.service.feedback_input import read_feedback
from careengine.service.records import FeedbackRecord
from careengine.service.state import ServiceState, app_state

FEEDBACK_ROUTE = "/cds-services/{id}/feedback"


def _store_feedback(
    state: ServiceState, exchange: Exchange, service_id: str, body: Any
) -> Response:
    try:
        entries = read_feedback(body)
    except AssessmentError as exc:
        raise Refusal(400, "invalid-input", exc.problems, code="invalid") from None
    unknown: list[Problem] = []
    not_offered: list[Problem] = []
    for entry in entries:
        card = state.store.find_card(entry.card)
        if card is None or card.service_id != service_id:
            unknown.append(
                Problem(
                    message="no card with this uuid was issued by this service",
                    path=f"{entry.path}.card",
                )
            )
            continue
        # acceptedSuggestions name suggestions of that card (CDS Hooks 2.0: card.suggestion.uuid)
        offered = offered_suggestions(card)
        not_offered += [
            Problem(
                message="the card offered no suggestion with this uuid",
                path=f"{entry.path}.acceptedSuggestions[{n}].id",
            )
            for n, suggestion in enumerate(entry.accepted_suggestions)
            if suggestion not in offered
        ]
    if unknown:
        raise Refusal(404, "unknown-card", unknown, code="not-found")
    if not_offered:
        raise Refusal(400, "invalid-input", not_offered, code="invalid")
    at = state.clock()
    for entry in entries:
        state.store.record_feedback(
            FeedbackRecord(
                at=at,
                caller=exchange.caller,
                service_id=service_id,
                card_uuid=entry.card,
                outcome=entry.outcome,
                outcome_timestamp=entry.outcome_timestamp,
                accepted_suggestions=entry.accepted_suggestions,
                override_reason_code=entry.reason_code,
                override_reason_system=entry.reason_system,
                override_reason_display=entry.reason_display,
                user_comment=entry.user_comment,
            )
        )
    exchange.outcome = "feedback"
    return Response(status_code=200)


def feedback_router() -> APIRouter:
    router = APIRouter()

    @router.post(FEEDBACK_ROUTE.replace("{id}", "{service_id}"))
    async def feedback(service_id: str, request: Request) -> Response:
        state = app_state(request)
        known = service_id if service_id in state.services else None
        exchange = state.exchange(
            request, route=FEEDBACK_ROUTE, endpoint="feedback", service_id=known
        )

        def work(body: Any) -> Response:
            return _store_feedback(state, exchange, service_id, body)

        service_url = state.url(f"/cds-services/{service_id}")
        return await handle_post(
            request,
            state,
            exchange,
            service_id=service_id,
            audiences=[service_url, f"{service_url}/feedback"],
            work=work,
        )

    return router
