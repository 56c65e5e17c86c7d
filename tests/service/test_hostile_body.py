"""Hostile request bodies (docs/cds-hooks.md, "Hostile input"): never a 500, always a located
OperationOutcome; JSON read exactly as the CLI reads an input (a key named twice or text that is
not Unicode is refused); a body that is not declared as JSON, or compressed, is 415; the size
limit is never over the JSON reader's own; a client that sends its body too slowly is 408."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable
from typing import Any

import pytest

from careengine.errors import AssessmentError
from careengine.io import json_text
from careengine.service import calls
from tests.service.hostile_support import PATH, located_issues, post_raw
from tests.service.http_support import (
    SERVICE_URL,
    ServiceUnderTest,
    asgi_call,
    audit_rows,
    bearer,
    hook_request,
)


def valid_text(service: ServiceUnderTest) -> str:
    return json.dumps(hook_request(service.engine))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"a": ' + b"9" * 5000 + b"}",
        b"\x00\x00\x00{",
        b'{"hook": "patient-view"',
        b"\xef\xbb\xbf",
    ],
    ids=["empty", "blank", "deep-array", "deep-object", "huge-int", "nul", "cut", "bom"],
)
def test_a_body_that_is_not_json_is_400_at_the_root(service: ServiceUnderTest, raw: bytes) -> None:
    response = post_raw(service, raw)
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [["$"]]


@pytest.mark.parametrize("raw", [b"null", b"[]", b"3", b'"text"', b"true", b"NaN", b"1e999"])
def test_json_that_is_not_an_object_is_400_at_the_root(
    service: ServiceUnderTest, raw: bytes
) -> None:
    response = post_raw(service, raw)
    assert response.status_code == 400
    assert [i["expression"] for i in located_issues(response)] == [["$"]]


def test_a_key_named_twice_is_refused_as_the_cli_refuses_it(service: ServiceUnderTest) -> None:
    # the last "hook" is the right one: a reader keeping the last value would evaluate this
    text = valid_text(service).replace('"hook":', '"hook": "order-sign", "hook":', 1)
    response = post_raw(service, text.encode())
    assert response.status_code == 400
    issues = located_issues(response)
    with pytest.raises(AssessmentError) as cli:
        json_text.parse_json(text.encode())
    assert [(i["expression"][0], i["diagnostics"]) for i in issues] == [
        (p.path, p.message) for p in cli.value.problems
    ]
    assert issues[0]["expression"] == ["hook"] and "duplicate key" in issues[0]["diagnostics"]


def test_a_lone_surrogate_is_refused_at_its_path(service: ServiceUnderTest) -> None:
    request = hook_request(service.engine)
    request["prefetch"]["patient"]["name"][0]["family"] = "\ud800"
    response = post_raw(service, json.dumps(request).encode())
    assert response.status_code == 400
    assert located_issues(response)[0]["expression"] == ["prefetch.patient.name[0].family"]


def test_bytes_that_are_not_utf8_are_refused_where_they_are(service: ServiceUnderTest) -> None:
    response = post_raw(service, b'{"hook": "\xff\xfe"}')
    assert response.status_code == 400
    assert located_issues(response)[0]["expression"] == ["hook"]


def test_a_utf8_byte_order_mark_is_accepted_as_the_cli_accepts_it(
    service: ServiceUnderTest,
) -> None:
    response = post_raw(service, b"\xef\xbb\xbf" + valid_text(service).encode())
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_that_is_not_finite_is_400_where_it_is(
    service: ServiceUnderTest, literal: str
) -> None:
    request = hook_request(service.engine)
    entries = request["prefetch"]["observations"]["entry"]
    n, resource = next(
        (n, e["resource"]) for n, e in enumerate(entries) if "valueQuantity" in e["resource"]
    )
    resource["valueQuantity"]["value"] = "@@"
    raw = json.dumps(request).replace('"@@"', literal).encode()
    response = post_raw(service, raw)
    assert response.status_code == 400
    [issue] = located_issues(response)
    path = f"prefetch.observations.entry[{n}].resource.valueQuantity.value"
    assert issue["expression"] == [path]


def test_the_limit_is_never_over_the_json_readers(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    """A configured limit over careengine's JSON limit (5 MB): a larger body is 413, however
    its strings are split across fields."""
    service = make_service(max_request_bytes=20 * 1024 * 1024)
    request = hook_request(service.engine)
    request["context"]["padding"] = {f"field{n}": "x" * 6000 for n in range(1000)}
    raw = json.dumps(request).encode()
    assert json_text.MAX_BYTES < len(raw) < 20 * 1024 * 1024
    response = post_raw(service, raw)
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-long"


def test_a_large_body_under_the_limit_split_across_fields_is_answered(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    service = make_service(max_request_bytes=json_text.MAX_BYTES)
    request = hook_request(service.engine)
    request["context"]["padding"] = {f"field{n}": "x" * 4000 for n in range(1000)}
    raw = json.dumps(request).encode()
    assert 4_000_000 < len(raw) < json_text.MAX_BYTES
    assert post_raw(service, raw).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_body_declared_as_something_else_than_json_is_415(
    service: ServiceUnderTest, content_type: str
) -> None:
    response = post_raw(
        service, valid_text(service).encode(), headers={"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["issue"][0]["code"] == "not-supported"
    assert audit_rows(service.database)[-1]["outcome"] == "unsupported-media-type"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/fhir+json"]
)
def test_json_content_types_are_accepted(service: ServiceUnderTest, content_type: str) -> None:
    response = post_raw(
        service, valid_text(service).encode(), headers={"Content-Type": content_type}
    )
    assert response.status_code == 200


def test_a_body_without_a_content_type_is_read_as_json(service: ServiceUnderTest) -> None:
    response = service.client.post(
        PATH, content=valid_text(service).encode(), headers=bearer(service.issuer, SERVICE_URL)
    )
    assert response.status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_compressed_body_is_415_and_never_expanded(
    make_service: Callable[..., ServiceUnderTest], encoding: str
) -> None:
    service = make_service(max_request_bytes=4096)
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 MB of spaces in about 64 kB
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": bomb[:4000], "more_body": False}

    token = bearer(service.issuer, SERVICE_URL)["Authorization"]
    headers = [
        (b"authorization", token.encode()),
        (b"content-type", b"application/json"),
        (b"content-encoding", encoding.encode()),
        (b"content-length", b"4000"),
    ]
    status, body = asgi_call(service.client.app, headers, receive)
    assert (status, reads) == (415, 0)
    assert body["issue"][0]["code"] == "not-supported"


def test_a_body_that_does_not_arrive_in_time_is_408(
    service: ServiceUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls, "BODY_SECONDS", 0.05)
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    token = bearer(service.issuer, SERVICE_URL)["Authorization"]
    status, body = asgi_call(service.client.app, [(b"authorization", token.encode())], receive)
    assert status == 408
    assert body["issue"][0]["code"] == "timeout"
    assert audit_rows(service.database)[-1]["outcome"] == "timeout"


def test_a_client_that_hangs_up_is_not_an_internal_error(
    service: ServiceUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    token = bearer(service.issuer, SERVICE_URL)["Authorization"]
    with caplog.at_level("INFO"):
        status, _ = asgi_call(service.client.app, [(b"authorization", token.encode())], receive)
    assert status == 400
    assert audit_rows(service.database)[-1]["outcome"] == "disconnected"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
