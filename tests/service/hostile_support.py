"""What the hostile-input tests (test_hostile_*.py) share: raw posts, the OperationOutcome check
(every 4xx is one, each issue located)."""

from __future__ import annotations

from typing import Any

from tests.service.http_support import PATH, SERVICE_URL, ServiceUnderTest, bearer


def post_raw(
    service: ServiceUnderTest,
    raw: bytes,
    *,
    path: str = PATH,
    url: str = SERVICE_URL,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST ``raw`` bytes with a fresh token for ``url`` (and ``headers``)."""
    sent = {"Content-Type": "application/json", **bearer(service.issuer, url), **(headers or {})}
    return service.client.post(path, content=raw, headers=sent)


def located_issues(response: Any) -> list[dict[str, Any]]:
    """The issues of an OperationOutcome answer, checking that each names where it is."""
    assert response.headers["content-type"] == "application/json", response.headers
    data = response.json()
    assert data["resourceType"] == "OperationOutcome", data
    issues: list[dict[str, Any]] = data["issue"]
    assert issues, data
    for issue in issues:
        assert issue["expression"] and all(isinstance(e, str) for e in issue["expression"]), issue
    return issues
