"""Hostile tokens and Authorization headers (docs/cds-hooks.md, "Hostile input"): a token is
good for its own URL and for one call; two Authorization headers are refused; a claim carrying
control characters is refused (it would be audited as it is); and an unauthenticated caller gets
a fixed 401 whatever its body holds: nothing parsed, evaluated or echoed."""

from __future__ import annotations

import json

import pytest

from tests.service.hostile_support import PATH
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

DISCOVERY_URL = f"{BASE_URL}/cds-services"


def body(service: ServiceUnderTest) -> bytes:
    return json.dumps(hook_request(service.engine)).encode()


def test_a_discovery_token_does_not_open_a_hook_and_the_reverse(
    service: ServiceUnderTest,
) -> None:
    hook = service.client.post(
        PATH, content=body(service), headers=bearer(service.issuer, DISCOVERY_URL)
    )
    discovery = service.client.get("/cds-services", headers=bearer(service.issuer, SERVICE_URL))
    assert (hook.status_code, discovery.status_code) == (401, 401)


def test_a_feedback_only_token_does_not_open_the_hook(service: ServiceUnderTest) -> None:
    response = service.client.post(
        PATH, content=body(service), headers=bearer(service.issuer, FEEDBACK_URL)
    )
    assert response.status_code == 401


def test_a_jti_is_good_for_one_call_across_hook_and_feedback(service: ServiceUnderTest) -> None:
    headers = bearer(service.issuer, [SERVICE_URL, FEEDBACK_URL])
    answered = service.client.post(PATH, content=body(service), headers=headers)
    assert answered.status_code == 200
    card = answered.json()["cards"][0]["uuid"]
    replayed = service.client.post(f"{PATH}/feedback", json=feedback_body(card), headers=headers)
    assert replayed.status_code == 401
    assert "replay" in replayed.json()["issue"][0]["diagnostics"]
    assert service.store.feedback_report().overridden == 0


@pytest.mark.parametrize("valid_first", [True, False])
def test_two_authorization_headers_are_refused(
    service: ServiceUnderTest, valid_first: bool
) -> None:
    valid = bearer(service.issuer, SERVICE_URL)["Authorization"]
    other = bearer(service.issuer, SERVICE_URL)["Authorization"]
    pair = [valid, other] if valid_first else ["Bearer junk", valid]
    headers = [("authorization", value) for value in pair]
    for target in (PATH, "/cds-services"):
        if target == PATH:
            response = service.client.post(target, content=body(service), headers=headers)
        else:
            response = service.client.get(target, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["issue"][0]["code"] == "security"
    assert {row["outcome"] for row in audit_rows(service.database)} == {"unauthenticated"}


def test_the_scheme_is_case_insensitive(service: ServiceUnderTest) -> None:
    token = bearer(service.issuer, SERVICE_URL)["Authorization"].split()[1]
    response = service.client.post(
        PATH, content=body(service), headers={"Authorization": f"bearer {token}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer " + "a" * 200_000,
        "Basic dXNlcjpwYXNz",
        "Bearer a.b.c extra",
        "Bearer\ta.b.c",
        "Bearer a.b.c\x0bX-Injected: 1",
    ],
    ids=["huge", "basic", "extra", "tab", "vtab"],
)
def test_a_hostile_authorization_header_is_a_fixed_401(
    service: ServiceUnderTest, header: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("DEBUG"):
        response = service.client.post(
            PATH, content=body(service), headers={"Authorization": header}
        )
    assert response.status_code == 401
    assert "a" * 100 not in response.text and "Injected" not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "Bearer" not in logged and "Injected" not in logged


@pytest.mark.parametrize("claim", ["sub", "tenant", "jti"])
@pytest.mark.parametrize("control", ["\x00", "\n", "\x1b[31m", "\u2028", "\ud800"])
def test_a_claim_with_a_control_character_is_refused(
    service: ServiceUnderTest, claim: str, control: str
) -> None:
    """These claims are audited as they are (the caller label, the replay ledger): PostgreSQL
    refuses a NUL, a newline forges an audit line, a lone surrogate cannot be stored."""
    headers = bearer(service.issuer, SERVICE_URL, **{claim: f"value{control}tail"})
    response = service.client.post(PATH, content=body(service), headers=headers)
    assert response.status_code == 401
    assert response.json()["issue"][0]["diagnostics"].endswith(claim)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,
        b'{"hook": "patient-view", "hook": "x"}',
        b"\xff\xfe\x00",
        json.dumps({"context": {"patientId": "phi-patient-7731"}}).encode(),
    ],
)
def test_an_unauthenticated_caller_gets_only_a_fixed_401(
    service: ServiceUnderTest, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("DEBUG"):
        response = service.client.post(PATH, content=raw)
    assert response.status_code == 401
    [issue] = response.json()["issue"]
    assert issue["diagnostics"] == "missing Authorization header"
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for marker in PHI_MARKERS:
        assert marker not in response.text and marker not in logged
    assert audit_rows(service.database)[-1]["outcome"] == "unauthenticated"


def test_an_unknown_route_answers_an_unauthenticated_caller_without_detail(
    service: ServiceUnderTest,
) -> None:
    response = service.client.post("/cds-services/x/y/z?patient=phi-patient-7731", content=b"{")
    assert response.status_code == 404
    assert "phi-patient" not in response.text
