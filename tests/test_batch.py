"""``careengine batch`` and :func:`careengine.batch.run_batch`: directories and JSONL, the report,
bad inputs reported while the rest are processed, worker processes, the progress bar."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import careengine.cli.batch_command
import careengine.plugins.host
from careengine import Engine
from careengine.batch import EngineSpec, collect_tasks, run_batch, start_method
from careengine.cli import cli
from tests.plugins import PLUGIN_DIR

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assessments"
ENGINE = Engine(entry_points=False)
SPEC = EngineSpec(entry_points=False)
SUMMARY = re.compile(r"batch: (\d+) plans, (\d+) failed, \d+\.\d plans/s")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    # Worker processes are spawned afresh and so do not see conftest's in-process hiding of
    # installed plugins (``make test`` installs the example clinic plugin); block them by name.
    installed = importlib.metadata.entry_points(group=careengine.plugins.ENTRY_POINT_GROUP)
    monkeypatch.setenv("CAREENGINE_DISABLE_PLUGINS", ",".join(sorted(e.name for e in installed)))


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def expected_plan(source: Path | dict[str, Any]) -> str:
    return ENGINE.render(ENGINE.evaluate(ENGINE.load_assessment(source)), "json")


def example_dir(tmp_path: Path, *extra: tuple[str, str]) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(EXAMPLES.glob("*.json"))[:4]:
        shutil.copy(path, inputs / path.name)
    for name, text in extra:
        (inputs / name).write_text(text, encoding="utf-8")
    return inputs


def files(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())}


BAD = '{"patient": {"id": "p-bad"}, "findings": [{"code": "glute_weaknes"}]}'


def test_batch_of_a_directory_writes_plans_and_the_report(tmp_path: Path) -> None:
    inputs = example_dir(tmp_path, ("b-bad.json", BAD), ("notes.txt", "not an input"))
    out = tmp_path / "out"
    result = run("batch", str(inputs), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "error: b-bad.json: findings[0].code: unknown finding 'glute_weaknes' "
        "(did you mean 'glute_weakness'?)"
    )
    match = SUMMARY.fullmatch(lines[1])
    assert match is not None and match.groups() == ("4", "1")
    assert len(lines) == 2
    good = sorted(p for p in inputs.glob("*.json") if p.name != "b-bad.json")
    written = files(out)
    assert sorted(written) == sorted([f"{p.stem}.plan.json" for p in good] + ["batch-report.json"])
    for path in good:
        assert written[f"{path.stem}.plan.json"] == expected_plan(path)
    assert json.loads(written["batch-report.json"]) == {
        "ok": 4,
        "failed": [
            {
                "input": "b-bad.json",
                "error": "findings[0].code: unknown finding 'glute_weaknes' "
                "(did you mean 'glute_weakness'?)",
            }
        ],
    }
    assert list(json.loads(written["batch-report.json"])) == ["ok", "failed"]


def test_a_clean_batch_exits_0_and_skips_its_own_outputs(tmp_path: Path) -> None:
    inputs = example_dir(tmp_path)
    first = run("batch", str(inputs), "-o", str(inputs))  # plans next to their inputs
    assert first.exit_code == 0, first.output
    again = run("batch", str(inputs), "-o", str(inputs))
    assert again.exit_code == 0
    assert SUMMARY.fullmatch(again.stderr.strip()).groups() == ("4", "0")  # type: ignore[union-attr]
    report = json.loads((inputs / "batch-report.json").read_text())
    assert report == {"ok": 4, "failed": []}


def jsonl(tmp_path: Path) -> Path:
    lines = []
    for i, path in enumerate(sorted(EXAMPLES.glob("*.json"))[:3]):
        data = json.loads(path.read_text())
        data["patient"]["id"] = f"p-{i}"
        lines.append(json.dumps(data))
    lines += [
        "",  # blank lines are skipped, but still counted
        '{"patient": {"id": "P-1"}}',  # the same id as line 2 but for case
        "{not json",
        '{"patient": {"id": "../escape"}}',
        '{"patient": {"id": "p-9"}, "pain": {"current": 12}}',
        '{"patient": {"id": "p-ok"}}',
    ]
    source = tmp_path / "visits.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def test_batch_of_a_jsonl_file_names_plans_after_patients_and_errors_after_lines(
    tmp_path: Path,
) -> None:
    source = jsonl(tmp_path)
    out = tmp_path / "out"
    result = run("batch", str(source), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:-1] == [
        "error: visits.jsonl:5: patient.id: duplicate patient id 'P-1' (also on line 2); "
        "its plan would overwrite that one",
        "error: visits.jsonl:6: $: malformed JSON at line 1 column 2: "
        "Expecting property name enclosed in double quotes",
        "error: visits.jsonl:7: patient.id: '../escape' cannot name a plan file "
        "(letters, digits, '.', '_' and '-' only, not starting with '.')",
        "error: visits.jsonl:8: pain.current: 12 is out of range (0 to 10)",
    ]
    written = files(out)
    assert sorted(written) == [
        "batch-report.json",
        "p-0.plan.json",
        "p-1.plan.json",
        "p-2.plan.json",
        "p-ok.plan.json",
    ]
    first = json.loads(source.read_text().splitlines()[0])
    assert written["p-0.plan.json"] == expected_plan(first)
    report = json.loads(written["batch-report.json"])
    assert report["ok"] == 4
    assert [f["input"] for f in report["failed"]] == [
        "visits.jsonl:5",
        "visits.jsonl:6",
        "visits.jsonl:7",
        "visits.jsonl:8",
    ]
    assert not (tmp_path / "escape.plan.json").exists()


def test_worker_processes_give_the_same_files(tmp_path: Path) -> None:
    source = jsonl(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    first = run("batch", str(source), "-o", str(one))
    second = run("batch", str(source), "-o", str(two), "--jobs", "2")
    assert first.exit_code == second.exit_code == 2
    assert files(one) == files(two)
    assert first.stderr.splitlines()[:-1] == second.stderr.splitlines()[:-1]


def test_run_batch_as_a_library_with_a_callback(tmp_path: Path) -> None:
    inputs = example_dir(tmp_path, ("bad.json", BAD))
    seen: list[str] = []
    report = run_batch(
        inputs, tmp_path / "out", spec=SPEC, jobs=2, on_outcome=lambda o: seen.append(o.label)
    )
    assert sorted(seen) == sorted(t.label for t in collect_tasks(inputs))
    assert report.ok == 4 and [f.input for f in report.failed] == ["bad.json"]
    assert report.exit_code == 2 and report.plans_per_second > 0
    assert report.as_dict()["failed"][0]["error"].startswith("findings[0].code: unknown")


def test_progress_bar_only_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = example_dir(tmp_path)
    quiet = run("batch", str(inputs), "-o", str(tmp_path / "a"))
    assert "evaluating" not in quiet.stderr
    monkeypatch.setattr(careengine.cli.batch_command, "_stderr_is_tty", lambda: True)
    shown = run("batch", str(inputs), "-o", str(tmp_path / "b"))
    assert shown.exit_code == 0
    assert "evaluating" in shown.stderr
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_batch_usage_errors(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    single.write_text((EXAMPLES / "desk-worker.json").read_text())
    result = run("batch", str(single), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {single}: a batch reads a directory of .json files or one .jsonl file\n"
    )
    result = run("batch", str(tmp_path / "missing"), "-o", str(tmp_path / "out"))
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {tmp_path / 'missing'}: no such file or directory\n",
    )
    assert run("batch", str(tmp_path)).exit_code == 2  # -o is required
    assert run("batch", str(tmp_path), "-o", str(tmp_path / "o"), "--jobs", "0").exit_code == 2
    with pytest.raises(Exception, match="jobs must be at least 1"):
        run_batch(tmp_path, tmp_path / "o", spec=SPEC, jobs=0)


def test_an_empty_directory_gives_an_empty_report(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    result = run("batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert json.loads((tmp_path / "out" / "batch-report.json").read_text()) == {
        "ok": 0,
        "failed": [],
    }


def test_allow_unknown_and_the_backend_reach_the_workers(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    data = json.loads((EXAMPLES / "desk-worker.json").read_text())
    data["findings"].append({"code": "sij_pain"})
    (inputs / "a.json").write_text(json.dumps(data))
    (inputs / "b.json").write_text((EXAMPLES / "osteoporosis.json").read_text())
    strict = run("batch", str(inputs), "-o", str(tmp_path / "strict"))
    assert strict.exit_code == 2
    assert strict.stderr.startswith("error: a.json: findings[4].code: unknown finding 'sij_pain'")
    for jobs in ("1", "2"):
        out = tmp_path / f"loose{jobs}"
        args = ["--allow-unknown", "--backend", "python", "--jobs", jobs]
        result = run("batch", str(inputs), "-o", str(out), *args)
        assert result.exit_code == 0, result.output
        plan = json.loads((out / "a.plan.json").read_text())
        assert plan["unrecognized"] == ["sij_pain"]
        assert plan["provenance"]["backend"] == "python"
    assert files(tmp_path / "loose1") == files(tmp_path / "loose2")


def test_a_crashing_worker_fails_its_input_and_the_others_go_on(tmp_path: Path) -> None:
    inputs = example_dir(tmp_path)
    crash = json.loads((EXAMPLES / "desk-worker.json").read_text())
    crash["patient"]["id"] = "p-crash"
    (inputs / "b-crash.json").write_text(json.dumps(crash))
    spec = EngineSpec(entry_points=False, plugins=(str(PLUGIN_DIR / "crash.py"),))
    report = run_batch(inputs, tmp_path / "out", spec=spec, jobs=2)
    assert [(f.input, f.errors) for f in report.failed] == [
        ("b-crash.json", ("the worker process evaluating this input crashed (exit code 70)",))
    ]
    assert report.ok == 4 and report.exit_code == 1
    assert not (tmp_path / "out" / "b-crash.plan.json").exists()
    assert len(list((tmp_path / "out").glob("*.plan.json"))) == 4


def test_when_every_worker_crashes_every_input_is_reported(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    crash = json.loads((EXAMPLES / "desk-worker.json").read_text())
    crash["patient"]["id"] = "p-crash"
    for name in ("a", "b", "c", "d"):
        (inputs / f"{name}.json").write_text(json.dumps(crash))
    spec = EngineSpec(entry_points=False, plugins=(str(PLUGIN_DIR / "crash.py"),))
    report = run_batch(inputs, tmp_path / "out", spec=spec, jobs=2)
    assert report.ok == 0
    assert [f.input for f in report.failed] == ["a.json", "b.json", "c.json", "d.json"]
    assert all("crashed" in f.error for f in report.failed)


# --- hostile input (issue 13): one bad input never stops or spoils the others --------------------


def _valid(pid: str) -> dict[str, Any]:
    data = json.loads((EXAMPLES / "desk-worker.json").read_text())
    data["patient"]["id"] = pid
    return data


def test_jsonl_lines_end_at_newline_only_and_a_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    unknown = dict(_valid("p-sep"), findings=[{"code": "odd\u2028code\x85\x0b\x0c\x1c\rend"}])
    lines = [
        json.dumps(_valid("p-bom")),
        json.dumps(unknown, ensure_ascii=False),  # U+2028, U+0085, \v, \f, \x1c, \r in a string
        json.dumps(_valid("p-crlf")),
    ]
    source = tmp_path / "visits.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    out = tmp_path / "out"
    result = run("batch", str(source), "-o", str(out), "--allow-unknown")
    assert result.exit_code == 0, result.output
    assert sorted(files(out)) == [
        "batch-report.json",
        "p-bom.plan.json",
        "p-crlf.plan.json",
        "p-sep.plan.json",
    ]
    plan = json.loads((out / "p-sep.plan.json").read_text(encoding="utf-8"))
    assert plan["unrecognized"] == ["odd\u2028code\x85\x0b\x0c\x1c\rend"]
    assert (out / "p-bom.plan.json").read_text(encoding="utf-8") == expected_plan(_valid("p-bom"))


def test_a_bad_jsonl_line_fails_only_that_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(_valid("p-1")).encode(),
        b'{"patient": {"id": "p-2", "age": 40, "age": 41}}',  # a duplicate key
        b'{"patient": {"id": "p-3"}, "findings": [{"code": "x\\udc00"}]}',  # a lone surrogate
        b'{"patient": {"id": "p-4\xff"}}',  # not UTF-8
        b'{"patient": {"id": "p-5"}, "findings": ['
        b'{"code": "glute_weakness"}, {"code": "glute_weakness", "present": false}]}',
        json.dumps(_valid("p-6")).encode(),
    ]
    source = tmp_path / "visits.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out"
    result = run("batch", str(source), "-o", str(out), "--allow-unknown")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[:-1] == [
        "error: visits.jsonl:2: patient.age: duplicate key 'age'",
        "error: visits.jsonl:3: findings[0].code: 'x\\udc00' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)",
        "error: visits.jsonl:4: patient.id: 'p-4\\udcff' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)",
        "error: visits.jsonl:5: findings[1].present: glute_weakness (no side given) is recorded "
        "absent here but present in findings[0] (no side given)",
    ]
    assert sorted(files(out)) == ["batch-report.json", "p-1.plan.json", "p-6.plan.json"]
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert report["ok"] == 2
    assert [f["input"] for f in report["failed"]] == [f"visits.jsonl:{n}" for n in (2, 3, 4, 5)]


def test_a_directory_batch_goes_on_past_unencodable_text_and_file_names(tmp_path: Path) -> None:
    inputs = example_dir(
        tmp_path,
        ("b-surrogate.json", '{"patient": {"id": "p\\ud800"}}'),
        ("c-unknown.json", '{"patient": {"id": "p"}, "findings": [{"code": "\\udfff"}]}'),
        ("d-dup.json", '{"patient": {"id": "p"}, "patient": {"id": "q"}}'),
    )
    odd = inputs / os.fsdecode(b"e-\xff.json")  # a file name that is not UTF-8
    odd.write_text(json.dumps(_valid("p-odd")), encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", str(inputs), "-o", str(out), "--allow-unknown")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[:-1] == [
        "error: b-surrogate.json: patient.id: 'p\\ud800' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)",
        "error: c-unknown.json: findings[0].code: '\\udfff' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)",
        "error: d-dup.json: patient: duplicate key 'patient'",
    ]
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    assert report["ok"] == 5  # the four examples and the oddly named file
    assert [f["input"] for f in report["failed"]] == [
        "b-surrogate.json",
        "c-unknown.json",
        "d-dup.json",
    ]
    assert (out / os.fsdecode(b"e-\xff.plan.json")).read_text(encoding="utf-8") == expected_plan(
        _valid("p-odd")
    )
    labels = [t.label for t in collect_tasks(inputs)]
    assert "e-\\xff.json" in labels  # shown escaped, so that the report can be written


# --- the worker pool (issue 16) -------------------------------------------------------------------


def test_a_broken_spec_gives_the_same_error_with_workers(tmp_path: Path) -> None:
    inputs = example_dir(tmp_path)
    broken = ["--plugin", str(PLUGIN_DIR / "fails_on_import.py")]
    one = run("batch", str(inputs), "-o", str(tmp_path / "one"), *broken)
    two = run("batch", str(inputs), "-o", str(tmp_path / "two"), "--jobs", "2", *broken)
    assert one.exit_code == two.exit_code == 1
    assert one.stderr == two.stderr
    assert two.stderr.startswith("error: plugin fails_on_import: failed to import")
    assert not (tmp_path / "one").exists() and not (tmp_path / "two").exists()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_every_start_method_writes_the_files_of_one_job(tmp_path: Path, method: str) -> None:
    inputs = example_dir(tmp_path, ("bad.json", BAD))
    for n in range(40):  # enough for chunks of several inputs
        data = json.loads((EXAMPLES / "desk-worker.json").read_text())
        data["patient"]["id"] = f"p-{n:02d}"
        (inputs / f"more-{n:02d}.json").write_text(json.dumps(data))
    one = run_batch(inputs, tmp_path / "one", spec=SPEC)
    two = run_batch(inputs, tmp_path / "two", spec=SPEC, jobs=2, start_method=method)
    assert one.as_dict() == two.as_dict() and two.ok == 44
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert files(tmp_path / "two")["more-07.plan.json"] == expected_plan(inputs / "more-07.json")


def test_workers_are_forked_only_while_this_process_runs_one_thread() -> None:
    assert start_method() in ("fork" if sys.platform == "linux" else "spawn", "spawn")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        thread.join()
