"""A batch with one poisoned input still writes every other plan (docs/design.md section 9): the bad input
is reported in ``batch-report.json`` and on stderr, the exit code is 2, and every plan written
is byte-identical to what ``careengine evaluate`` gives for that file. Runs the CLI in a child
process, with one worker and with two."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from careengine import Engine
from careengine.plugins.host import ENTRY_POINT_GROUP
from careengine.render.serialize import dumps

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
POISONS = {
    "malformed.json": '{"patient": {"id": "p-bad"}, "findings": [',
    "unknown-code.json": json.dumps(
        {"patient": {"id": "p-unknown"}, "findings": [{"code": "no_such_finding"}]}
    ),
}


def careengine(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREENGINE_")}
    # The child sees installed plugins (``make test`` installs the example clinic plugin), the
    # in-process reference engine does not (tests/conftest.py): block them in the child too.
    installed = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    env["CAREENGINE_DISABLE_PLUGINS"] = ",".join(sorted(e.name for e in installed))
    return subprocess.run(
        [sys.executable, "-c", "from careengine.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def expected_plans() -> dict[str, str]:
    engine = Engine()
    return {p.stem: dumps(engine.evaluate(engine.load_assessment(p))) for p in EXAMPLES}


@pytest.mark.parametrize("poison", sorted(POISONS))
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_with_one_poisoned_file_writes_every_other_plan(
    tmp_path: Path, jobs: str, poison: str
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in EXAMPLES:
        (inputs / path.name).write_bytes(path.read_bytes())
    (inputs / poison).write_text(POISONS[poison], encoding="utf-8")
    out = tmp_path / "out"

    result = careengine("batch", str(inputs), "-o", str(out), "--jobs", jobs)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert poison in result.stderr
    written = {p.name.removesuffix(".plan.json"): p for p in out.glob("*.plan.json")}
    expected = expected_plans()
    assert sorted(written) == sorted(expected)
    for stem, text in expected.items():
        assert written[stem].read_text(encoding="utf-8") == text
    report: dict[str, Any] = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert report["ok"] == len(EXAMPLES)
    (failure,) = report["failed"]
    assert Path(str(failure["input"])).name == poison
    assert failure["error"]


def test_a_jsonl_batch_with_one_poisoned_line_writes_every_other_plan(tmp_path: Path) -> None:
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8"))) for p in EXAMPLES]
    lines.insert(3, POISONS["malformed.json"])
    source = tmp_path / "many.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    result = careengine("batch", str(source), "-o", str(out), "--jobs", "2")

    assert result.returncode == 2, result.stderr
    engine = Engine()
    for path in EXAMPLES:
        data = json.loads(path.read_text(encoding="utf-8"))
        plan = out / f"{data['patient']['id']}.plan.json"
        assert plan.read_text(encoding="utf-8") == dumps(
            engine.evaluate(engine.load_assessment(data))
        )
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert report["ok"] == len(EXAMPLES)
    assert len(report["failed"]) == 1
