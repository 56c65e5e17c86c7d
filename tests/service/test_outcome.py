"""careengine/service/outcome.py: problems as a FHIR R4 OperationOutcome (the 400 and 412 body),
and the service's card and prefetch modules stay free of the web framework."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from careengine.errors import Problem
from careengine.service.outcome import ISSUE_TYPES, operation_outcome
from careengine.service.prefetch import PrefetchMissing


def test_one_issue_per_problem_at_its_json_path() -> None:
    problems = [
        Problem(
            path="prefetch.observations.entry[2].resource.code",
            message="unknown finding 'x'",
            suggestion="y",
        ),
        Problem(path="hookInstance", message="must be a UUID"),
    ]
    outcome = operation_outcome(problems, code="invalid")
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"] == [
        {
            "severity": "error",
            "code": "invalid",
            "diagnostics": "unknown finding 'x' (did you mean 'y'?)",
            "expression": ["prefetch.observations.entry[2].resource.code"],
        },
        {
            "severity": "error",
            "code": "invalid",
            "diagnostics": "must be a UUID",
            "expression": ["hookInstance"],
        },
    ]


def test_a_412_outcome_names_each_missing_key() -> None:
    missing = PrefetchMissing({"observations": "not sent", "patient": "not sent"})
    outcome = operation_outcome(missing.problems, code="required")
    OperationOutcome.model_validate(outcome)
    assert [i["expression"] for i in outcome["issue"]] == [
        ["prefetch.observations"],
        ["prefetch.patient"],
    ]


def test_an_outcome_always_has_an_issue_and_a_known_code() -> None:
    outcome = operation_outcome([], code="exception")
    OperationOutcome.model_validate(outcome)
    assert len(outcome["issue"]) == 1
    assert {"invalid", "required", "not-found"} <= ISSUE_TYPES
    with pytest.raises(ValueError, match="IssueType"):
        operation_outcome([], code="bad-request")


def test_cards_prefetch_and_outcome_import_no_web_or_storage_library() -> None:
    code = (
        "import sys, careengine.service.cards, careengine.service.prefetch, "
        "careengine.service.outcome\n"
        "loaded = sorted(m for m in ('fastapi', 'starlette', 'uvicorn', 'jwt', 'sqlalchemy', "
        "'psycopg', 'dask') if m in sys.modules)\n"
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
