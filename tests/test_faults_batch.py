"""A batch with one poisoned input still writes every other plan (docs/design.md section 9): the bad input
is reported in ``batch-report.json`` and on stderr, the exit code is 2, and every plan written
is byte-identical to what ``careengine evaluate`` gives for that file. Runs the CLI in a child
process, with one worker and with two."""

from __future__ import annotations

import importlib.metadata
import json
import os
import pickle
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from careengine import Engine
from careengine.batch import EngineSpec, Status, WorkerError, run_batch
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


# --- the worker pool (issue 16): chunks, crashes, no plan text through the parent ---------------

CRASH_PLUGIN = str(ROOT / "tests" / "plugins" / "crash.py")


def _many_inputs(directory: Path, count: int, crash_at: int | None = None) -> list[str]:
    """``count`` copies of the examples as other patients; the one at ``crash_at`` kills the
    worker that evaluates it (tests/plugins/crash.py). Returns the file names in order."""
    directory.mkdir()
    names = []
    for n in range(count):
        data = json.loads(EXAMPLES[n % len(EXAMPLES)].read_text(encoding="utf-8"))
        data["patient"]["id"] = "p-crash" if n == crash_at else f"{data['patient']['id']}-{n:03d}"
        names.append(f"in{n:03d}.json")
        (directory / names[-1]).write_text(json.dumps(data), encoding="utf-8")
    return names


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_dying_mid_chunk_loses_nothing(tmp_path: Path, method: str) -> None:
    names = _many_inputs(tmp_path / "in", 48, crash_at=13)  # inside a chunk of 4 or 5
    spec = EngineSpec(entry_points=False, plugins=(CRASH_PLUGIN,))
    out = tmp_path / "out"
    out.mkdir()
    (out / "in013.plan.json").write_text("an earlier run's plan", encoding="utf-8")

    report = run_batch(tmp_path / "in", out, spec=spec, jobs=2, start_method=method)

    assert [(f.input, f.errors) for f in report.failed] == [
        ("in013.json", ("the worker process evaluating this input crashed (exit code 70)",))
    ]
    assert report.ok == 47 and report.exit_code == 1
    engine = Engine(entry_points=False, plugins=[CRASH_PLUGIN])
    for name in names:
        plan = out / name.replace(".json", ".plan.json")
        if name == "in013.json":
            assert not plan.exists()  # nor the plan of the earlier run
        else:
            expected = dumps(engine.evaluate(engine.load_assessment(tmp_path / "in" / name)))
            assert plan.read_text(encoding="utf-8") == expected


def test_the_parent_receives_status_records_never_plan_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_inputs(tmp_path / "in", 24)
    (tmp_path / "in" / "bad.json").write_text(POISONS["unknown-code.json"], encoding="utf-8")
    received: list[object] = []
    recv = Connection.recv

    def spy(self: Connection) -> object:
        message = recv(self)
        received.append(message)
        return message

    monkeypatch.setattr(Connection, "recv", spy)  # in this process (the parent) only
    report = run_batch(
        tmp_path / "in", tmp_path / "out", spec=EngineSpec(entry_points=False), jobs=2
    )

    assert report.ok == 24 and len(report.failed) == 1
    statuses = [m for m in received if isinstance(m, Status)]
    assert len(statuses) == 25
    assert all(m == ("ready",) for m in received if not isinstance(m, Status))
    for status in statuses:
        assert all(isinstance(line, str) and "\n" not in line for line in status.errors)
        assert len(pickle.dumps(status)) < 400  # a plan is ~10 kB: never sent
    assert sorted(s.exit_code for s in statuses) == [0] * 24 + [2]


def test_a_spec_no_worker_can_build_stops_the_batch_before_writing(tmp_path: Path) -> None:
    _many_inputs(tmp_path / "in", 4)
    plugin = tmp_path / "exits.py"
    plugin.write_text("import os\nos._exit(3)\n", encoding="utf-8")
    spec = EngineSpec(entry_points=False, plugins=(str(plugin),))
    with pytest.raises(WorkerError) as caught:
        run_batch(tmp_path / "in", tmp_path / "out", spec=spec, jobs=2)
    assert caught.value.exit_code == 1
    assert caught.value.lines() == [
        "every batch worker process exited before its engine was ready (3, 3)"
    ]
    assert not (tmp_path / "out").exists()
