"""``POST /cds-services/{id}/feedback`` through the test client on the real store: feedback on an
issued card is stored and counted in the report; an unknown card is 404 and an invalid body 400
(each problem located), nothing stored; every call audited; and no log line carries the
patient's id or name or the clinician's comment."""

from __future__ import annotations

import re
from typing import Any

import pytest

from careengine.service.records import FeedbackOutcome
from tests.service.http_support import (
    FEEDBACK_URL,
    PATH,
    PHI_MARKERS,
    SERVICE_URL,
    ServiceUnderTest,
    audit_rows,
    bearer,
    feedback_body,
    hook_request,
)


def cards(service: ServiceUnderTest, example: str = "desk-worker") -> list[dict[str, Any]]:
    response = service.client.post(
        PATH,
        json=hook_request(service.engine, example),
        headers=bearer(service.issuer, SERVICE_URL),
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["cards"]
    return found


def send(service: ServiceUnderTest, body: Any, *, url: str = FEEDBACK_URL) -> Any:
    return service.client.post(f"{PATH}/feedback", json=body, headers=bearer(service.issuer, url))


def test_feedback_is_stored_and_reported(service: ServiceUnderTest) -> None:
    issued = cards(service)
    overridden = send(service, feedback_body(issued[0]["uuid"]))
    assert overridden.status_code == 200
    assert overridden.content == b""
    # a token for the service's own URL is accepted too
    plan_card = issued[-1]
    accepted = send(
        service,
        feedback_body(
            plan_card["uuid"], outcome="accepted", suggestion=plan_card["suggestions"][0]["uuid"]
        ),
        url=SERVICE_URL,
    )
    assert accepted.status_code == 200
    report = service.store.feedback_report()
    assert report.feedback_received == 2
    assert report.overridden == 1 and report.accepted == 1
    card = service.store.find_card(issued[0]["uuid"])
    assert card is not None
    assert {r.rule_id for r in report.rules if r.overridden} >= set(card.rule_ids)
    rows = audit_rows(service.database)
    assert [(r["endpoint"], r["outcome"], r["http_status"]) for r in rows] == [
        ("hook", "cards", 200),
        ("feedback", "feedback", 200),
        ("feedback", "feedback", 200),
    ]


def test_feedback_on_a_card_never_issued_is_404_and_nothing_is_stored(
    service: ServiceUnderTest,
) -> None:
    issued = cards(service)
    body = feedback_body(issued[0]["uuid"])
    body["feedback"].append({**body["feedback"][0], "card": "3f6c1d9e-0000-4000-8000-000000000000"})
    response = send(service, body)
    assert response.status_code == 404
    [issue] = response.json()["issue"]
    assert issue["expression"] == ["feedback[1].card"]
    assert service.store.feedback_report().feedback_received == 0
    assert audit_rows(service.database)[-1]["outcome"] == "unknown-card"


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"outcome": "ignored"}, ["feedback[0].outcome"]),
        ({"outcome": "accepted"}, ["feedback[0].acceptedSuggestions"]),
        ({"outcomeTimestamp": "yesterday"}, ["feedback[0].outcomeTimestamp"]),
        (
            {"card": None, "outcomeTimestamp": None},
            ["feedback[0].card", "feedback[0].outcomeTimestamp"],
        ),
        (
            {"overrideReason": {"reason": {"system": "x"}, "userComment": 3}},
            ["feedback[0].overrideReason.reason.code", "feedback[0].overrideReason.userComment"],
        ),
    ],
)
def test_an_invalid_feedback_is_400_with_every_problem_located(
    service: ServiceUnderTest, change: dict[str, Any], paths: list[str]
) -> None:
    issued = cards(service)
    body = feedback_body(issued[0]["uuid"])
    entry = {**body["feedback"][0], **change}
    body["feedback"][0] = {k: v for k, v in entry.items() if v is not None}
    response = send(service, body)
    assert response.status_code == 400
    assert [i["expression"][0] for i in response.json()["issue"]] == paths
    assert service.store.feedback_report().feedback_received == 0


@pytest.mark.parametrize("body", [[], {}, {"feedback": []}, {"feedback": "x"}])
def test_a_body_without_a_feedback_array_is_400(service: ServiceUnderTest, body: Any) -> None:
    assert send(service, body).status_code == 400


def test_feedback_needs_a_token(service: ServiceUnderTest) -> None:
    issued = cards(service)
    response = service.client.post(f"{PATH}/feedback", json=feedback_body(issued[0]["uuid"]))
    assert response.status_code == 401
    assert audit_rows(service.database)[-1]["outcome"] == "unauthenticated"


def test_outcomes_are_the_spec_vocabulary() -> None:
    assert {o.value for o in FeedbackOutcome} == {"accepted", "overridden"}


LOG_LINE = re.compile(
    r"(GET|POST) (/cds-services|/cds-services/\{id\}|/cds-services/\{id\}/feedback) \d{3} "
    r"\d+\.\dms hookInstance=\S+ outcome=[a-z-]+ cards=\d+"
)


def test_the_service_log_has_one_line_per_call_and_no_phi(
    service: ServiceUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("DEBUG"):
        issued = cards(service)
        send(service, feedback_body(issued[0]["uuid"]))
        send(service, {"feedback": [{"card": issued[0]["uuid"], "outcome": "overridden"}]})
        bad = hook_request(service.engine)
        bad["prefetch"]["patient"]["birthDate"] = "not a date"
        service.client.post(PATH, json=bad, headers=bearer(service.issuer, SERVICE_URL))
        service.client.post(PATH, json=hook_request(service.engine))
    lines = [r.getMessage() for r in caplog.records if r.name == "careengine.service"]
    assert len(lines) == 5
    assert all(LOG_LINE.fullmatch(line) for line in lines), lines
    everything = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for marker in PHI_MARKERS:
        assert marker not in everything
    assert "Bearer" not in everything


def test_an_accepted_suggestion_the_card_never_offered_is_400_and_nothing_is_stored(
    service: ServiceUnderTest,
) -> None:
    issued = cards(service, "osteoporosis")  # a contraindications card, then the plan card
    plan_card, other_card = issued[-1], issued[0]
    assert "suggestions" in plan_card and "suggestions" not in other_card
    body = {
        "feedback": [
            feedback_body(plan_card["uuid"], outcome="accepted", suggestion="suggestion-1")[
                "feedback"
            ][0],
            feedback_body(
                other_card["uuid"],
                outcome="accepted",
                suggestion=plan_card["suggestions"][0]["uuid"],
            )["feedback"][0],
        ]
    }
    response = send(service, body)
    assert response.status_code == 400
    assert [issue["expression"] for issue in response.json()["issue"]] == [
        ["feedback[0].acceptedSuggestions[0].id"],
        ["feedback[1].acceptedSuggestions[0].id"],
    ]
    assert service.store.feedback_report().feedback_received == 0
