"""docs/cds-hooks.md, "A session with curl": every request of the session is sent to the service
as the section writes it (method, headers, body, URL), and the answers and the feedback report are
the ones the section shows, so the documented session cannot drift from the service."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import pytest
from click.testing import CliRunner

from careengine import Engine
from careengine.cli import cli
from careengine.service.cards import OVERRIDE_REASON_SYSTEM, OverrideReason
from tests.service.http_support import ServiceUnderTest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cds-hooks.md"
#: the URL `make serve` listens on (the session's curl commands call it)
MAKE_SERVE_URL = "http://127.0.0.1:8080"
ELIDED = "..."


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## A session with curl\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def blocks() -> list[tuple[str, str]]:
    """The section's fenced blocks, ``(language, text)``, in order."""
    return re.findall(r"```(\w*)\n(.*?)```", section(), flags=re.DOTALL)


@attrs.frozen(kw_only=True)
class Curl:
    method: str
    url: str
    headers: dict[str, str]
    data: bytes | None


def parse_curl(command: str) -> Curl:
    """The request a documented ``curl`` command sends (the options the session uses)."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "curl", command
    method, headers, data, urls = "GET", {}, None, []
    rest = iter(words[1:])
    for word in rest:
        if word in {"-s", "-i"}:
            continue
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "--data":
            value = next(rest)
            # curl's --data reads a file after @ and drops its line breaks
            text = (ROOT / value[1:]).read_text(encoding="utf-8") if value[:1] == "@" else value
            data = text.replace("\r", "").replace("\n", "").encode("utf-8")
            if method == "GET":
                method = "POST"
        else:
            assert not word.startswith("-"), f"an option the test does not know: {word}"
            urls.append(word)
    (url,) = urls
    return Curl(method=method, url=url, headers=headers, data=data)


def documented_pairs(shown: str) -> Iterator[tuple[str, str]]:
    """The ``"key":"value"`` string pairs of a documented answer, except elided ones."""
    for key, value in re.findall(r'"(\w+)":"((?:[^"\\]|\\.)*)"', shown):
        if value != ELIDED:
            yield key, json.loads(f'"{value}"')


def pairs_of(node: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                found.add((key, value))
            found |= pairs_of(value)
    elif isinstance(node, list):
        for value in node:
            found |= pairs_of(value)
    return found


@pytest.fixture(scope="module")
def builtin_engine() -> Iterator[Engine]:
    """The engine of ``make serve`` on a fresh clone: the built-in knowledge base."""
    with Engine.from_env({"CAREENGINE_DISABLE_PLUGINS": "clinic_example"}) as built:
        yield built


@pytest.fixture
def make_serve(
    make_service: Callable[..., ServiceUnderTest], builtin_engine: Engine
) -> ServiceUnderTest:
    """The service as ``make serve`` runs it: the embedded defaults, no authentication."""
    return make_service(
        engine_=builtin_engine, base_url=MAKE_SERVE_URL, require_auth=False, issuers=()
    )


def test_the_documented_curl_session_gives_the_documented_answers(
    make_serve: ServiceUnderTest,
) -> None:
    shown = blocks()
    curls = [(i, text) for i, (lang, text) in enumerate(shown) if text.startswith("curl ")]
    assert len(curls) == 3, "discovery, the hook call and feedback"
    answers = []
    for index, command in curls:
        request = parse_curl(command)
        assert request.url.startswith(MAKE_SERVE_URL + "/cds-services"), request.url
        response = make_serve.client.request(
            request.method,
            urlsplit(request.url).path,
            content=request.data,
            headers=request.headers,
        )
        assert response.status_code == 200, (command, response.text)
        answers.append(response)
        lang, answer = shown[index + 1] if index + 1 < len(shown) else ("", "")
        if lang == "json":  # the documented answer: every string it shows is in the real one
            missing = set(documented_pairs(answer)) - pairs_of(response.json())
            assert not missing, (command, missing)

    discovery, hook, feedback = answers
    assert feedback.content == b""  # "the answer is 200 with an empty body"
    [service] = discovery.json()["services"]
    shown_prefetch = json.loads(shown[curls[0][0] + 1][1].replace('"description":"...",', ""))
    assert shown_prefetch["services"][0]["prefetch"] == service["prefetch"]

    # the feedback names the documented card with one of the reasons the card offers
    body = json.loads(parse_curl(curls[2][1]).data or b"")
    [entry] = body["feedback"]
    [card] = hook.json()["cards"]
    assert entry["card"] == card["uuid"]
    reason = entry["overrideReason"]["reason"]
    assert reason["system"] == OVERRIDE_REASON_SYSTEM
    assert reason in [{k: v for k, v in r.coding().items()} for r in OverrideReason]


def test_the_suggested_resources_refer_to_the_ehrs_patient(make_serve: ServiceUnderTest) -> None:
    """The session's request names the EHR's Patient ``ehr-p-desk-01``, whose identifier gives the
    careengine patient id ``p-desk-01``: every created resource refers to the EHR's Patient."""
    request = parse_curl(next(t for _, t in blocks() if "patient-view-request.json" in t))
    context_patient = json.loads(request.data or b"")["context"]["patientId"]
    response = make_serve.client.post(urlsplit(request.url).path, content=request.data)
    [card] = response.json()["cards"]
    text = json.dumps(card["suggestions"][0]["actions"])
    assert set(re.findall(r'"Patient/([^"]+)"', text)) == {context_patient}
    assert f"the EHR's Patient is `{context_patient}`" in section()


def test_the_documented_feedback_report_is_what_the_session_leaves(
    make_serve: ServiceUnderTest,
) -> None:
    shown = blocks()
    for _, command in shown:
        if command.startswith("curl "):
            request = parse_curl(command)
            make_serve.client.request(
                request.method,
                urlsplit(request.url).path,
                content=request.data,
                headers=request.headers,
            )
    [(index, command)] = [
        (i, t) for i, (_, t) in enumerate(shown) if t.startswith(".venv/bin/careengine feedback")
    ]
    args = shlex.split(command)[1:]
    assert args[args.index("--database") + 1] == "sqlite:///careengine-service.db"
    args[args.index("--database") + 1] = f"sqlite:///{make_serve.database}"
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for line in shown[index + 1][1].splitlines():
        if line != ELIDED:
            assert line in lines, line
