"""Output files are written atomically and a failed write is one clear line, never a broken file.

Every file the CLI writes (``evaluate -o``, ``reassess -o``, batch plans, ``batch-report.json``)
goes through :func:`careengine.io.atomic_write.write_atomic`: a temporary file in the same directory,
``fsync``, then ``os.replace``. A write that fails (disk full, unwritable directory, an ``-o`` that
is a directory or lies under a missing one) leaves the previous file as it was and exits 2 with
one ``error:`` line. A batch rerun never leaves a plan of an earlier run looking current.

The faults are simulated (the suite may run as root, for whom no directory is unwritable): the
fixtures break both the atomic path (``os.open``/``os.fsync``) and a plain ``Path.write_text``
(which writes half the text then fails, as a full disk does), so that the tests fail on any
implementation that writes the target in place.
"""

from __future__ import annotations

import errno
import importlib.metadata
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import careengine.plugins.host
from careengine.batch import EngineSpec, run_batch
from careengine.cli import cli
from careengine.io.atomic_write import OutputError, write_atomic

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "assessments"
DESK = EXAMPLES / "desk-worker.json"
DESK_2WK = ROOT / "examples" / "followups" / "desk-worker-2wk-advance.json"
SPEC = EngineSpec(entry_points=False)
OLD = "the plan of an earlier run\n"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREENGINE_PLUGINS", raising=False)
    monkeypatch.delenv("CAREENGINE_DEBUG", raising=False)
    installed = importlib.metadata.entry_points(group=careengine.plugins.ENTRY_POINT_GROUP)
    monkeypatch.setenv("CAREENGINE_DISABLE_PLUGINS", ",".join(sorted(e.name for e in installed)))


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # pragma: no cover - not Linux
        return ""


Fault = Callable[[str, int], None]


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch) -> Fault:
    """``fault(name, errno)``: writing a file whose name contains ``name`` fails with ``errno``.

    ENOSPC fails at ``fsync`` (the data never reached the disk) and, for a plain in-place write,
    after half the text; EACCES fails when the file is created."""
    faults: dict[str, int] = {}

    def failing(path: str) -> int | None:
        return next((code for name, code in faults.items() if name in Path(path).name), None)

    real_open, real_fsync, real_write_text = os.open, os.fsync, Path.write_text

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        code = failing(str(path))
        if code == errno.EACCES and flags & os.O_CREAT:
            raise PermissionError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_fsync(fd: int) -> None:
        code = failing(_fd_path(fd))
        if code == errno.ENOSPC:
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    def fake_write_text(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        code = failing(str(self))
        if code == errno.EACCES:
            raise PermissionError(code, os.strerror(code), str(self))
        if code == errno.ENOSPC:
            real_write_text(self, data[: len(data) // 2], *args, **kwargs)
            raise OSError(code, os.strerror(code), str(self))
        return real_write_text(self, data, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "fsync", fake_fsync)
    monkeypatch.setattr(Path, "write_text", fake_write_text)

    def add(name: str, code: int) -> None:
        faults[name] = code

    return add


def one_error_line(result: Result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: cannot write "), lines
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def no_temporary_files(directory: Path) -> None:
    assert [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []


# --- write_atomic ------------------------------------------------------------------------------


def test_the_new_content_is_complete_and_synced_before_it_replaces_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.json"
    target.write_text(OLD, encoding="utf-8")
    synced: list[str] = []
    replaced: list[tuple[Path, Path, str, bool]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.append(_fd_path(fd))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        source = Path(src)
        replaced.append((source, Path(dst), source.read_text("utf-8"), str(source) in synced))
        assert target.read_text("utf-8") == OLD  # readers still see the old file
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomic(target, "new plan ✓\n")
    assert target.read_text("utf-8") == "new plan ✓\n"
    [(source, destination, content, was_synced)] = replaced
    assert source.parent == tmp_path and destination == target
    assert content == "new plan ✓\n" and was_synced
    no_temporary_files(tmp_path)


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, fault: Fault
) -> None:
    target = tmp_path / "plan.json"
    target.write_text(OLD, encoding="utf-8")
    fault("plan.json", errno.ENOSPC)
    with pytest.raises(OutputError, match="No space left on device") as caught:
        write_atomic(target, "x" * 100_000)
    assert caught.value.exit_code == 2
    assert target.read_text("utf-8") == OLD
    no_temporary_files(tmp_path)


def test_a_written_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.json", "{}")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644


# --- evaluate and reassess -o ------------------------------------------------------------------


def test_evaluate_to_a_path_under_a_missing_directory_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    result = run("evaluate", DESK, "-o", tmp_path / "missing" / "plan.json")
    one_error_line(result, "plan.json", "No such file or directory")
    assert not (tmp_path / "missing").exists()


def test_reassess_to_a_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan1.json"
    assert run("evaluate", DESK, "-o", plan).exit_code == 0
    (tmp_path / "out").mkdir()
    result = run("reassess", plan, DESK_2WK, "-o", tmp_path / "out")
    one_error_line(result, "Is a directory")
    assert list((tmp_path / "out").iterdir()) == []


def test_evaluate_on_a_full_disk_keeps_the_previous_plan(tmp_path: Path, fault: Fault) -> None:
    target = tmp_path / "plan.json"
    target.write_text(OLD, encoding="utf-8")
    fault("plan.json", errno.ENOSPC)
    result = run("evaluate", DESK, "-o", target)
    one_error_line(result, str(target), "No space left on device")
    assert target.read_text("utf-8") == OLD
    no_temporary_files(tmp_path)


def test_evaluate_into_an_unwritable_directory_writes_nothing(tmp_path: Path, fault: Fault) -> None:
    fault("desk-worker.plan", errno.EACCES)
    result = run("evaluate", DESK, DESK, "-o", tmp_path / "out", "--format", "text")
    one_error_line(result, "desk-worker.plan.txt", "Permission denied")
    assert list((tmp_path / "out").iterdir()) == []


def test_evaluate_many_files_into_a_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text(OLD, encoding="utf-8")
    result = run("evaluate", DESK, DESK, "-o", tmp_path / "taken")
    one_error_line(result, "taken", "File exists")
    assert (tmp_path / "taken").read_text("utf-8") == OLD


def test_reassess_on_a_full_disk_keeps_the_previous_plan(tmp_path: Path, fault: Fault) -> None:
    plan = tmp_path / "plan1.json"
    assert run("evaluate", DESK, "-o", plan).exit_code == 0
    target = tmp_path / "plan2.json"
    target.write_text(OLD, encoding="utf-8")
    fault("plan2.json", errno.ENOSPC)
    one_error_line(run("reassess", plan, DESK_2WK, "-o", target), "No space left on device")
    assert target.read_text("utf-8") == OLD


def test_a_debug_run_raises_the_write_error(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CAREENGINE_DEBUG", "1")
    result = run("evaluate", DESK, "-o", tmp_path / "missing" / "plan.json")
    assert isinstance(result.exception, OutputError)


# --- batch -------------------------------------------------------------------------------------


def inputs(tmp_path: Path, count: int = 3) -> Path:
    directory = tmp_path / "in"
    directory.mkdir()
    for path in sorted(EXAMPLES.glob("*.json"))[:count]:
        shutil.copy(path, directory / path.name)
    return directory


def report_of(out: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((out / "batch-report.json").read_text("utf-8"))
    return report


def test_a_rerun_removes_the_plan_of_an_input_that_now_fails(tmp_path: Path) -> None:
    source, out = inputs(tmp_path), tmp_path / "out"
    run_batch(source, out, spec=SPEC)
    broken = sorted(source.iterdir())[1]
    assert (out / f"{broken.stem}.plan.json").exists()
    broken.write_text('{"patient": {"id": "p-1"}', encoding="utf-8")
    report = run_batch(source, out, spec=SPEC)
    assert report.ok == 2 and [f.input for f in report.failed] == [broken.name]
    assert not (out / f"{broken.stem}.plan.json").exists()
    plans = sorted(p.name for p in out.glob("*.plan.json"))
    assert plans == sorted(f"{p.stem}.plan.json" for p in source.iterdir() if p != broken)
    assert report_of(out)["ok"] == 2 and len(report_of(out)["failed"]) == 1


def test_a_jsonl_rerun_removes_the_plan_of_a_line_that_now_fails(tmp_path: Path) -> None:
    records = [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))[:2]]
    source, out = tmp_path / "visits.jsonl", tmp_path / "out"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    run_batch(source, out, spec=SPEC)
    failing_id = records[1]["patient"]["id"]
    assert (out / f"{failing_id}.plan.json").exists()
    records[1]["pain"] = {"current": 99}
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = run_batch(source, out, spec=SPEC)
    assert [f.input for f in report.failed] == ["visits.jsonl:2"]
    assert not (out / f"{failing_id}.plan.json").exists()
    assert (out / f"{records[0]['patient']['id']}.plan.json").exists()


def test_a_plan_that_cannot_be_written_is_a_failure_and_the_old_one_is_removed(
    tmp_path: Path, fault: Fault
) -> None:
    source, out = inputs(tmp_path), tmp_path / "out"
    out.mkdir()
    victim = sorted(source.iterdir())[0]
    plan = out / f"{victim.stem}.plan.json"
    plan.write_text(OLD, encoding="utf-8")
    fault(plan.name, errno.ENOSPC)
    result = run("batch", source, "-o", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == (
        f"error: {victim.name}: cannot write {plan.name}: No space left on device"
    )
    assert not plan.exists()
    assert report_of(out) == {
        "ok": 2,
        "failed": [
            {"input": victim.name, "error": f"cannot write {plan.name}: No space left on device"}
        ],
    }
    no_temporary_files(out)


def test_a_report_that_cannot_be_written_is_one_line_and_exit_2(
    tmp_path: Path, fault: Fault
) -> None:
    source, out = inputs(tmp_path, 1), tmp_path / "out"
    out.mkdir()
    (out / "batch-report.json").write_text('{"ok": 7, "failed": []}\n', encoding="utf-8")
    fault("batch-report.json", errno.ENOSPC)
    result = run("batch", source, "-o", out)
    one_error_line(result, "batch-report.json", "No space left on device")
    assert not (out / "batch-report.json").exists()  # the earlier run's report is gone
    no_temporary_files(out)


def test_an_interrupted_batch_leaves_no_report_of_an_earlier_run(tmp_path: Path) -> None:
    source, out = inputs(tmp_path), tmp_path / "out"
    run_batch(source, out, spec=SPEC)
    assert report_of(out) == {"ok": 3, "failed": []}

    def interrupt(_outcome: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(source, out, spec=SPEC, on_outcome=interrupt)
    assert not (out / "batch-report.json").exists()


def test_text_that_utf8_cannot_encode_is_one_error_and_no_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"cannot encode \(U\+D800 at position 3\)"):
        write_atomic(tmp_path / "a.json", "abc\ud800")
    assert list(tmp_path.iterdir()) == []


def test_an_error_naming_a_file_with_a_line_break_is_still_one_line(tmp_path: Path) -> None:
    source = tmp_path / "p\nerror: forged \x1b[2J.json"
    source.write_text("{", encoding="utf-8")
    result = run("evaluate", source)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "\x1b" not in line
    assert "p error: forged .json" in line


def test_a_batch_problem_with_a_line_break_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "a\nerror: forged.json").write_text("{", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: a error: forged.json: ")
    assert lines[1].startswith("batch: 0 plans, 1 failed")


def test_a_replaced_file_keeps_its_permissions_and_a_link_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text(OLD, encoding="utf-8")
    real.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink() and real.read_text("utf-8") == "new\n"
    assert real.stat().st_mode & 0o777 == 0o600
