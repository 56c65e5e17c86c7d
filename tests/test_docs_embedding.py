"""Every example in docs/embedding.md runs as written: each ``python`` block is a script, run from
the repository root in a fresh interpreter (so it uses the engine exactly as a clinic's software
would, installed plugins included) and must exit 0 and print what it says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "embedding.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_the_page_has_an_example_per_topic() -> None:
    assert len(EXAMPLES) == 6
    text = "\n".join(EXAMPLES)
    for needle in (
        "Engine.from_env",
        "to_json()",
        "ThreadPoolExecutor",
        "with Engine()",
        "reassess",
        "AssessmentError",
        "fingerprint",
    ):
        assert needle in text


def build(out: list[str]) -> None:
    assert out[0].startswith("p-desk-01 ready mobilize ")
    assert out[1].startswith("p-osteo-05 ready ")


def service(out: list[str]) -> None:
    assert out[0] == "False"
    assert "'startback'" in out[1] and "'fabq'" in out[1]
    first = json.loads(out[2])
    assert [(p["path"], p["message"]) for p in first] == [
        ("pain.current", "11 is out of range (0 to 10)")
    ]
    assert first[0]["file"] is None
    assert json.loads(out[3]) == [
        {
            "file": None,
            "path": "$",
            "rule": None,
            "message": "must be an object, not a list",
            "suggestion": None,
        }
    ]
    assert len(out) == 4


def threads(out: list[str]) -> None:
    assert out == ["11 plans, the same in threads"]


def followup(out: list[str]) -> None:
    assert out == ["advance mobilize -> strengthen"]


def errors(out: list[str]) -> None:
    assert out == [
        "pain.current | 11 is out of range (0 to 10) | None",
        "findings[0].code | unknown finding 'glute_weaknes' | glute_weakness",
    ]


def provenance(out: list[str]) -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{64} \S+ (durable|python)", out[0])
    assert "'careengine_plugins.scoring'" in out[1]
    assert re.search(r"'lbp\.strength': '\d+\.\d+\.\d+'", out[2])  # any pack version
    assert out[3].startswith("relieve activity_advice ['lbp.education.")


@pytest.mark.parametrize(
    ("index", "check"), list(enumerate([build, service, threads, followup, errors, provenance]))
)
def test_documented_example_runs_and_prints_what_the_page_says(
    index: int, check: Callable[[list[str]], None]
) -> None:
    result = run(EXAMPLES[index])
    assert result.returncode == 0, result.stderr
    check(result.stdout.splitlines())
