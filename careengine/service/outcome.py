"""Problems as a FHIR R4 ``OperationOutcome``: the body of the service's 400 and 412 answers.

One ``issue`` per problem: ``severity`` ``error``, ``code`` from the FHIR IssueType value set
(``invalid`` for bad input, ``required`` for missing prefetch data, ...), ``diagnostics`` the
message and ``expression`` the problem's JSON path in the request body (the request is not a
FHIR resource, so the path is given as written, e.g. ``prefetch.observations.entry[2].resource``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careengine.errors import Problem

__all__ = ["ISSUE_TYPES", "operation_outcome"]

#: the FHIR R4 IssueType codes (http://hl7.org/fhir/issue-type, a required binding)
ISSUE_TYPES = frozenset(
    {
        "invalid", "structure", "required", "value", "invariant", "security", "login",
        "unknown", "expired", "forbidden", "suppressed", "processing", "not-supported",
        "duplicate", "multiple-matches", "not-found", "deleted", "too-long", "code-invalid",
        "extension", "too-costly", "business-rule", "conflict", "transient", "lock-error",
        "no-store", "exception", "timeout", "incomplete", "throttled", "informational",
    }
)  # fmt: skip


def _diagnostics(problem: Problem) -> str:
    text = problem.message
    if problem.suggestion:
        text += f" (did you mean '{problem.suggestion}'?)"
    return text


def operation_outcome(problems: Sequence[Problem], *, code: str) -> dict[str, Any]:
    """An OperationOutcome with one error issue per problem (at least one issue: FHIR requires
    it, so no problems give a single issue saying the request failed)."""
    if code not in ISSUE_TYPES:
        raise ValueError(f"{code!r} is not a FHIR IssueType code")
    issues: list[dict[str, Any]] = []
    for problem in problems:
        issue: dict[str, Any] = {
            "severity": "error",
            "code": code,
            "diagnostics": _diagnostics(problem),
        }
        if problem.path:
            issue["expression"] = [problem.path]
        issues.append(issue)
    if not issues:
        issues.append({"severity": "error", "code": code, "diagnostics": "the request failed"})
    return {"resourceType": "OperationOutcome", "issue": issues}
