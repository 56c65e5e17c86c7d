"""A hostile or buggy EHR's envelope and feedback (docs/cds-hooks.md, "Hostile input"): nothing
it puts in ``hookInstance``, the path or ``fhirAuthorization`` reaches a log line or the store;
feedback is bounded (entries, comment length, strings that fit their columns, no NUL) and every
refusal is a located 400 with nothing stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from careengine.service.feedback_input import MAX_COMMENT_CHARS, MAX_ENTRIES
from careengine.service.services import ServiceDefinition, default_services
from tests.service.hostile_support import PATH, located_issues, post_raw
from tests.service.http_support import (
    BASE_URL,
    FEEDBACK_URL,
    PHI_MARKERS,
    SERVICE_URL,
    ServiceUnderTest,
    audit_rows,
    bearer,
    feedback_body,
    hook_request,
)

FEEDBACK_PATH = f"{PATH}/feedback"


def service_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the service logged (the test client's own httpx lines are not the service's)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))


def issued_card(service: ServiceUnderTest) -> str:
    response = post_raw(service, json.dumps(hook_request(service.engine)).encode())
    assert response.status_code == 200, response.text
    uuid: str = response.json()["cards"][0]["uuid"]
    return uuid


def send_feedback(service: ServiceUnderTest, body: Any) -> Any:
    return post_raw(service, json.dumps(body).encode(), path=FEEDBACK_PATH, url=FEEDBACK_URL)


def stored_feedback(service: ServiceUnderTest) -> int:
    return service.store.feedback_report().overridden + service.store.feedback_report().accepted


@pytest.mark.parametrize(
    "hook_instance",
    [
        "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea\nINFO: POST /cds-services/{id} 200 forged",
        "\x1b[31md1577c69-dfbe-44ad-ba6d-3e05e953b2ea\x1b[0m",
        "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea\r\n",
        "phi-patient-7731",
    ],
    ids=["newline", "ansi", "crlf", "phi"],
)
def test_a_hostile_hook_instance_never_reaches_the_log(
    service: ServiceUnderTest, caplog: pytest.LogCaptureFixture, hook_instance: str
) -> None:
    request = hook_request(service.engine)
    request["hookInstance"] = hook_instance
    with caplog.at_level("INFO"):
        response = post_raw(service, json.dumps(request).encode())
    assert response.status_code == 400
    assert located_issues(response)[0]["expression"] == ["hookInstance"]
    [line] = [r.getMessage() for r in caplog.records if r.name == "careengine.service"]
    assert "hookInstance=- " in line and "\n" not in line and "\x1b" not in line
    assert "forged" not in service_logs(caplog) and "phi-patient" not in service_logs(caplog)
    assert audit_rows(service.database)[-1]["hook_instance"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/cds-services/..%2F..%2Fetc%2Fpasswd",
        "/cds-services/%2e%2e",
        "/cds-services/phi-patient-7731",
        "/cds-services/careengine-lbp-plan%0AINFO%20forged",
    ],
)
def test_a_hostile_service_id_is_404_and_not_echoed(
    service: ServiceUnderTest, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level("INFO"):
        response = post_raw(service, b"{}", path=path)
    assert response.status_code in (401, 404)  # the token names another URL, or no such route
    text = response.text + service_logs(caplog)
    assert "passwd" not in text and "phi-patient" not in text and "forged" not in text


def test_fhir_authorization_is_neither_logged_nor_stored(
    service: ServiceUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    request = hook_request(service.engine)
    request["fhirAuthorization"] = {
        "access_token": "SECRET-ACCESS-TOKEN-4417",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "careengine",
    }
    with caplog.at_level("DEBUG"):
        assert post_raw(service, json.dumps(request).encode()).status_code == 200
    service.store.close()
    stored = b"".join(p.read_bytes() for p in service.database.parent.glob("service-*.sqlite*"))
    assert b"SECRET-ACCESS-TOKEN-4417" not in stored
    assert "SECRET-ACCESS-TOKEN-4417" not in service_logs(caplog)
    for marker in PHI_MARKERS:
        assert marker.encode() not in stored and marker not in service_logs(caplog)


def test_too_many_feedback_entries_are_400_and_nothing_is_stored(
    service: ServiceUnderTest,
) -> None:
    [entry] = feedback_body(issued_card(service))["feedback"]
    response = send_feedback(service, {"feedback": [entry] * (MAX_ENTRIES + 1)})
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [["feedback"]]
    assert stored_feedback(service) == 0


def test_as_many_entries_as_allowed_are_stored(service: ServiceUnderTest) -> None:
    [entry] = feedback_body(issued_card(service))["feedback"]
    assert send_feedback(service, {"feedback": [entry] * MAX_ENTRIES}).status_code == 200
    assert stored_feedback(service) == MAX_ENTRIES


def test_a_huge_user_comment_is_400_where_it_is(service: ServiceUnderTest) -> None:
    body = feedback_body(issued_card(service))
    body["feedback"][0]["overrideReason"]["userComment"] = "x" * 600_000
    response = send_feedback(service, body)
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [
        ["feedback[0].overrideReason.userComment"]
    ]
    body["feedback"][0]["overrideReason"]["userComment"] = "x" * MAX_COMMENT_CHARS
    assert send_feedback(service, body).status_code == 200


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("outcomeTimestamp",), "feedback[0].outcomeTimestamp"),
        (("overrideReason", "reason", "code"), "feedback[0].overrideReason.reason.code"),
    ],
)
def test_strings_longer_than_their_columns_are_400(
    service: ServiceUnderTest, change: tuple[str, ...], where: str
) -> None:
    """A 300-character timestamp is valid ISO 8601 (fractional digits), and PostgreSQL refuses
    it in its column: it must be a 400, not an internal error."""
    body = feedback_body(issued_card(service))
    target = body["feedback"][0]
    for key in change[:-1]:
        target = target[key]
    target[change[-1]] = (
        "2026-03-02T10:05:00." + "1" * 300 + "+00:00"
        if change[-1] == "outcomeTimestamp"
        else "c" * 300
    )
    response = send_feedback(service, body)
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [[where]]
    assert stored_feedback(service) == 0


@pytest.mark.parametrize(
    "where",
    ["card", "outcomeTimestamp", "overrideReason.userComment", "overrideReason.reason.code"],
)
def test_a_nul_character_is_400(service: ServiceUnderTest, where: str) -> None:
    body = feedback_body(issued_card(service))
    target = body["feedback"][0]
    *parents, key = where.split(".")
    for parent in parents:
        target = target[parent]
    target[key] = target[key][:5] + "\x00" + target[key][5:]
    response = send_feedback(service, body)
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [[f"feedback[0].{where}"]]


@pytest.mark.parametrize("outcome", ["ignored", "ACCEPTED", "", 1, None, ["accepted"]])
def test_an_outcome_outside_the_vocabulary_is_400(service: ServiceUnderTest, outcome: Any) -> None:
    body = feedback_body(issued_card(service))
    body["feedback"][0]["outcome"] = outcome
    response = send_feedback(service, body)
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [["feedback[0].outcome"]]


def test_feedback_on_another_services_card_is_404(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    [plan] = default_services()
    other = ServiceDefinition(
        id="other-plan", hook=plan.hook, title="Other", description="x", prefetch=plan.prefetch
    )
    service = make_service(services=(plan, other))
    client, issuer = service.client, service.issuer
    answered = client.post(
        PATH, json=hook_request(service.engine), headers=bearer(issuer, SERVICE_URL)
    )
    card = answered.json()["cards"][0]["uuid"]
    other_url = f"{BASE_URL}/cds-services/other-plan/feedback"
    response = client.post(
        "/cds-services/other-plan/feedback",
        json=feedback_body(card),
        headers=bearer(issuer, other_url),
    )
    assert response.status_code == 404
    assert located_issues(response)[0]["expression"] == ["feedback[0].card"]
    # the first service's feedback token does not open the other service's feedback
    response = client.post(
        "/cds-services/other-plan/feedback",
        json=feedback_body(card),
        headers=bearer(issuer, FEEDBACK_URL),
    )
    assert response.status_code == 401
    assert service.store.feedback_report().overridden == 0
