"""The CDS Hooks endpoints through FastAPI's test client, on the real store (SQLite in tmp_path),
the real authenticator (a key made at test time) and the real cards: discovery, a patient-view
call giving schema-valid cards, each refusal with its status and OperationOutcome, and an audit
row for every call."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from careengine import Engine
from careengine.rules import Call, Match, Rule, When, finding
from careengine.service.prefetch import PREFETCH_TEMPLATES
from tests.plugins.packs import RulePackPlugin
from tests.service.http_support import (
    BASE_URL,
    PATH,
    PATIENT_ID,
    ROOT,
    SERVICE_ID,
    SERVICE_URL,
    ServiceUnderTest,
    audit_rows,
    bearer,
    hook_request,
    schema_errors,
)
from tests.service.tokens import NOW, TestIssuer

DISCOVERY_URL = f"{BASE_URL}/cds-services"


def call(service: ServiceUnderTest, body: Any, **claims: Any) -> Any:
    return service.client.post(
        PATH, json=body, headers=bearer(service.issuer, SERVICE_URL, **claims)
    )


def outcome_issues(response: Any) -> list[dict[str, Any]]:
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["resourceType"] == "OperationOutcome"
    issues: list[dict[str, Any]] = data["issue"]
    return issues


def test_discovery_lists_the_patient_view_service_with_its_prefetch(
    service: ServiceUnderTest,
) -> None:
    response = service.client.get("/cds-services", headers=bearer(service.issuer, DISCOVERY_URL))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    [entry] = response.json()["services"]
    assert entry["id"] == SERVICE_ID
    assert entry["hook"] == "patient-view"
    assert entry["title"] and entry["description"]
    assert entry["prefetch"] == dict(PREFETCH_TEMPLATES)
    assert [row["outcome"] for row in audit_rows(service.database)] == ["discovery"]


def test_discovery_needs_a_token_for_the_discovery_url(service: ServiceUnderTest) -> None:
    assert service.client.get("/cds-services").status_code == 401
    wrong = service.client.get("/cds-services", headers=bearer(service.issuer, SERVICE_URL))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_a_patient_view_call_gives_schema_valid_cards_and_is_audited(
    service: ServiceUnderTest,
) -> None:
    body = hook_request(service.engine)
    response = call(service, body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert data["cards"]
    assert schema_errors(data) == []
    [row] = audit_rows(service.database)
    assert row["endpoint"] == "hook"
    assert row["http_status"] == 200
    assert row["outcome"] == "cards"
    assert row["service_id"] == SERVICE_ID
    assert row["hook_instance"] == body["hookInstance"]
    assert row["caller"].startswith(service.issuer.iss)
    assert row["plan_sha256"].startswith("sha256:")
    assert json.loads(row["cards"]) == [card["uuid"] for card in data["cards"]]
    for card in data["cards"]:
        assert service.store.find_card(card["uuid"]) is not None


def test_the_documented_example_request_gives_cards(service: ServiceUnderTest) -> None:
    body = json.loads((ROOT / "examples" / "service" / "patient-view-request.json").read_text())
    response = call(service, body)
    assert response.status_code == 200, response.text
    assert schema_errors(response.json()) == []


def test_the_same_request_gives_the_same_cards(service: ServiceUnderTest) -> None:
    body = hook_request(
        service.engine, "older-adult-stenosis", hook_instance="0f8a3c52-6d1e-4b7a-9c3e-2a5b8d9e1f40"
    )
    first, second = call(service, body), call(service, body)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


def _evaluations(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> list[object]:
    seen: list[object] = []
    real = engine.evaluate

    def spy(assessment: Any) -> Any:
        seen.append(assessment)
        return real(assessment)

    monkeypatch.setattr(engine, "evaluate", spy)
    return seen


def _other_issuer_token(_issuer: TestIssuer) -> dict[str, str]:
    stranger = TestIssuer.ec(iss="https://stranger.example")
    return bearer(stranger, SERVICE_URL)


UNAUTHENTICATED: dict[str, Callable[[TestIssuer], dict[str, str]]] = {
    "no header": lambda i: {},
    "not bearer": lambda i: {"Authorization": "Basic dXNlcjpwYXNz"},
    "garbage token": lambda i: {"Authorization": "Bearer not.a.jwt"},
    "other audience": lambda i: bearer(i, f"{BASE_URL}/cds-services/another-service"),
    "expired": lambda i: bearer(
        i, SERVICE_URL, iat=int(NOW.timestamp()) - 3600, exp=int(NOW.timestamp()) - 600
    ),
    "untrusted issuer": _other_issuer_token,
    "no jti": lambda i: bearer(i, SERVICE_URL, jti=None),
}


@pytest.mark.parametrize("cause", sorted(UNAUTHENTICATED))
def test_a_call_without_an_acceptable_token_is_401_and_nothing_is_evaluated(
    service: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch, cause: str
) -> None:
    seen = _evaluations(monkeypatch, service.engine)
    headers = UNAUTHENTICATED[cause](service.issuer)
    response = service.client.post(PATH, json=hook_request(service.engine), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert outcome_issues(response)[0]["code"] == "security"
    assert seen == []
    [row] = audit_rows(service.database)
    assert (row["outcome"], row["http_status"], row["cards"]) == ("unauthenticated", 401, "[]")


def test_a_replayed_token_is_refused(service: ServiceUnderTest) -> None:
    headers = bearer(service.issuer, SERVICE_URL)
    body = hook_request(service.engine)
    assert service.client.post(PATH, json=body, headers=headers).status_code == 200
    again = service.client.post(PATH, json=body, headers=headers)
    assert again.status_code == 401
    assert "replay" in outcome_issues(again)[0]["diagnostics"]


def test_authentication_comes_before_the_body_is_read(service: ServiceUnderTest) -> None:
    response = service.client.post(PATH, content=b"{not json")
    assert response.status_code == 401


def test_an_unknown_service_is_404(service: ServiceUnderTest) -> None:
    url = f"{BASE_URL}/cds-services/no-such-service"
    response = service.client.post(
        "/cds-services/no-such-service",
        json=hook_request(service.engine),
        headers=bearer(service.issuer, url),
    )
    assert response.status_code == 404
    assert outcome_issues(response)[0]["code"] == "not-found"
    [row] = audit_rows(service.database)
    assert (row["outcome"], row["service_id"]) == ("unknown-service", None)


def test_a_body_that_is_not_json_is_400_at_the_root(service: ServiceUnderTest) -> None:
    response = service.client.post(
        PATH, content=b'{"hook": ', headers=bearer(service.issuer, SERVICE_URL)
    )
    assert response.status_code == 400
    [issue] = outcome_issues(response)
    assert issue["expression"] == ["$"]
    assert "detail" not in response.json()  # FastAPI's own 422 never answers


def test_an_invalid_request_is_400_with_every_located_problem(service: ServiceUnderTest) -> None:
    body = hook_request(service.engine)
    del body["hookInstance"]
    body["context"] = {}
    response = call(service, body)
    assert response.status_code == 400
    expressions = {e for issue in outcome_issues(response) for e in issue.get("expression", [])}
    assert {"hookInstance", "context.patientId"} <= expressions
    assert audit_rows(service.database)[0]["outcome"] == "invalid-input"


def test_a_request_for_another_hook_is_400_at_hook(service: ServiceUnderTest) -> None:
    body = {**hook_request(service.engine), "hook": "order-sign"}
    response = call(service, body)
    assert response.status_code == 400
    assert ["hook"] in [issue.get("expression") for issue in outcome_issues(response)]


def test_missing_prefetch_is_412(service: ServiceUnderTest) -> None:
    body = hook_request(service.engine)
    del body["prefetch"]["patient"]
    response = call(service, body)
    assert response.status_code == 412
    assert [i["expression"] for i in outcome_issues(response)] == [["prefetch.patient"]]
    [row] = audit_rows(service.database)
    assert (row["outcome"], row["http_status"]) == ("prefetch-missing", 412)


def explode(match: Match) -> list[Any]:
    raise RuntimeError(f"action exploded for {PATIENT_ID}")


EXPLODING = RulePackPlugin(
    "exploding",
    [
        Rule(
            id="explodes",
            because="a rule whose action raises",
            when=When(all=(finding("glute_weakness"),)),
            then=(Call(fn=explode),),
        )
    ],
)


def test_a_rule_action_raising_is_a_plain_500(
    make_service: Callable[..., ServiceUnderTest], caplog: pytest.LogCaptureFixture
) -> None:
    with Engine(plugins=[EXPLODING]) as broken:
        service = make_service(engine_=broken)
        with caplog.at_level("INFO", logger="careengine.service"):
            response = call(service, hook_request(broken))
    assert response.status_code == 500
    assert response.json() == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "exception", "diagnostics": "internal error"}],
    }
    assert "Traceback" not in response.text and PATIENT_ID not in response.text
    assert "RuleExecutionError" in caplog.text
    assert PATIENT_ID not in caplog.text and "exploded" not in caplog.text
    [row] = audit_rows(service.database)
    assert (row["outcome"], row["http_status"], row["cards"]) == ("internal-error", 500, "[]")


def test_other_methods_and_paths_answer_with_an_operation_outcome(
    service: ServiceUnderTest,
) -> None:
    assert service.client.get(PATH).status_code == 405
    missing = service.client.get("/Patient/123")
    assert missing.status_code == 404
    assert outcome_issues(missing)[0]["code"] == "not-found"
    assert service.client.get("/docs").status_code == 404
    assert service.client.get("/openapi.json").status_code == 404
