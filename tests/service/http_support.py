"""What the HTTP tests of the service share: a patient-view request for a distinctive patient
(whose id, name and comment must never reach a log), bearer tokens for a URL, the CDS Hooks 2.0
response schema, the audit rows of a SQLite store, and an ASGI call whose ``receive`` the
test controls."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs
import jsonschema
from fastapi.testclient import TestClient

from careengine import Engine
from careengine.fhir import assessment_bundle
from careengine.service.store import Store
from tests.service.requests import prefetch_for
from tests.service.tokens import TestIssuer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "assessments"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "cds-hooks-2.0-response.schema.json"
SERVICE_ID = "careengine-lbp-plan"
BASE_URL = "https://cds.clinic.example"
SERVICE_URL = f"{BASE_URL}/cds-services/{SERVICE_ID}"
FEEDBACK_URL = f"{SERVICE_URL}/feedback"
PATH = f"/cds-services/{SERVICE_ID}"

#: the test patient: none of these may ever appear in a log line
PATIENT_ID = "phi-patient-7731"
PATIENT_FAMILY = "Zyxwvutsonova"
PATIENT_GIVEN = "Quillantha"
USER_COMMENT = "Mrs Zyxwvutsonova prefers swimming (comment-5521)"
PHI_MARKERS = (PATIENT_ID, PATIENT_FAMILY, PATIENT_GIVEN, "comment-5521")


@attrs.frozen(kw_only=True)
class ServiceUnderTest:
    """A service application with its test client, store (and its SQLite file) and engine."""

    client: TestClient
    store: Store
    database: Path
    engine: Engine
    issuer: TestIssuer


def hook_request(
    engine: Engine, example: str = "desk-worker", *, hook_instance: str | None = None
) -> dict[str, Any]:
    """A ``patient-view`` request (shaped like the spec's example) whose prefetch holds the
    example assessment for the test patient, named."""
    assessment = engine.load_assessment(EXAMPLES / f"{example}.json")
    bundle = json.loads(json.dumps(assessment_bundle(assessment, engine.catalog)))
    prefetch = prefetch_for(bundle, PATIENT_ID)
    prefetch["patient"]["name"] = [{"family": PATIENT_FAMILY, "given": [PATIENT_GIVEN]}]
    return {
        "hookInstance": hook_instance or str(uuid.uuid4()),
        "fhirServer": "https://ehr.example.org/fhir",
        "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": PATIENT_ID},
        "prefetch": prefetch,
    }


def feedback_body(
    card_uuid: str, *, outcome: str = "overridden", suggestion: str | None = None
) -> dict[str, Any]:
    """One feedback entry on ``card_uuid``: overridden with a reason and the test comment, or
    accepted with ``suggestion`` (the uuid of a suggestion the card offered)."""
    entry: dict[str, Any] = {
        "card": card_uuid,
        "outcome": outcome,
        "outcomeTimestamp": "2026-03-02T10:05:00Z",
    }
    if outcome == "overridden":
        entry["overrideReason"] = {
            "reason": {
                "code": "patient-preference",
                "system": "https://clinic.example/override",
                "display": "Patient preference",
            },
            "userComment": USER_COMMENT,
        }
    else:
        assert suggestion is not None, "an accepted card names the suggestion accepted"
        entry["acceptedSuggestions"] = [{"id": suggestion}]
    return {"feedback": [entry]}


def bearer(issuer: TestIssuer, url: str, **claims: Any) -> dict[str, str]:
    """An ``Authorization`` header with a fresh token for ``url``."""
    return {"Authorization": f"Bearer {issuer.token(issuer.claims(aud=url, **claims))}"}


def schema_errors(response: Any) -> list[str]:
    """The CDS Hooks 2.0 response schema's complaints about ``response``."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return sorted(e.message for e in validator.iter_errors(response))


def audit_rows(database: Path) -> list[dict[str, Any]]:
    """The audit table of a SQLite store, oldest first."""
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
    return [dict(row) for row in rows]


def asgi_call(
    app: Any,
    headers: list[tuple[bytes, bytes]],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    *,
    path: str = PATH,
) -> tuple[int, Any]:
    """POST to ``app`` directly with ``receive`` giving the body: (status, parsed body)."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body) if body else None
