"""The installed ``careengine`` console script, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assessments"


def script() -> str:
    beside = Path(sys.executable).parent / "careengine"
    found = str(beside) if beside.exists() else shutil.which("careengine")
    if found is None:  # pragma: no cover - not installed as a console script
        pytest.skip("no careengine console script")
    return found


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREENGINE_")}
    return subprocess.run(
        [script(), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def test_the_script_evaluates_explains_and_batches_the_examples(tmp_path: Path) -> None:
    text = run("evaluate", str(EXAMPLES / "suspected-cauda-equina.json"), "--format", "text")
    assert text.returncode == 0, text.stderr
    assert "!! TREATMENT WITHHELD: PENDING MEDICAL REVIEW" in text.stdout.splitlines()[4]

    explained = run("explain", "--json", str(EXAMPLES / "desk-worker.json"))
    assert explained.returncode == 0, explained.stderr
    assert json.loads(explained.stdout)["items"]

    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in EXAMPLES.glob("*.json"):
        shutil.copy(path, inputs / path.name)
    (inputs / "zz-bad.json").write_text('{"patient": {"id": "p"}, "pain": {"current": 11}}')
    batch = run("batch", str(inputs), "-o", str(tmp_path / "out"), "--jobs", "2", cwd=tmp_path)
    assert batch.returncode == 2
    assert batch.stdout == ""
    lines = batch.stderr.splitlines()
    assert lines[0] == "error: zz-bad.json: pain.current: 11 is out of range (0 to 10)"
    assert lines[1].startswith("batch: 11 plans, 1 failed, ")
    assert "Traceback" not in batch.stderr
    report = json.loads((tmp_path / "out" / "batch-report.json").read_text())
    assert report["ok"] == 11 and report["failed"][0]["input"] == "zz-bad.json"

    schema = run("schema", "assessment")
    assert schema.returncode == 0
    assert json.loads(schema.stdout)["$schema"].endswith("/draft/2020-12/schema")
