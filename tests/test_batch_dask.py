"""``careengine batch --dask``: the same plans and report as local batch, on a LocalCluster of two
worker processes (started once for the module, loopback only); the engine built once per worker;
crashed inputs, mismatched workers, an output directory the workers cannot see, an unreachable
scheduler and the CLI's exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from careengine.batch import EngineSpec
from tests.plugins import PLUGIN_DIR
from tests.test_batch import clean_environment, run  # noqa: F401 - its autouse fixture applies here
from tests.test_batch import example_dir as first_four_examples

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from careengine.batch import dask_run  # noqa: E402 - only with the extra
from careengine.batch.dask_run import plugin_builds, run_dask_batch  # noqa: E402
from careengine.batch.dask_worker import EnginePlugin  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "assessments"
SPEC = EngineSpec(entry_points=False)
BAD = '{"patient": {"id": "p-bad"}, "findings": [{"code": "glute_weaknes"}]}'


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    # one death per task is enough here (the default 3 retries would restart a worker 4 times
    # for each crashing input)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), warnings.catch_warnings():
        # the scheduler's HTTP server (no dashboard) moves off port 8787 when it is taken
        warnings.filterwarnings("ignore", message="Port 8787 is already in use")
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
    with cluster, distributed.Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2)
        yield cluster.scheduler_address


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def example_dir(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(EXAMPLES.glob("*.json")):
        shutil.copy(path, inputs / path.name)
    (inputs / "c-bad.json").write_text(BAD, encoding="utf-8")  # fails on the worker
    return inputs


def example_jsonl(tmp_path: Path) -> Path:
    lines = [json.dumps(json.loads(p.read_text())) for p in sorted(EXAMPLES.glob("*.json"))]
    first = json.loads(lines[0])
    lines.insert(3, "{not json")  # fails before evaluation, on the client
    lines.append(json.dumps(first))  # a duplicate patient id
    lines.append(BAD)  # fails on the worker
    source = tmp_path / "visits.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def batch_of_the_examples(tmp_path: Path, scheduler: str) -> tuple[Result, Path]:
    """``careengine batch --dask`` of the examples into ``tmp_path/out``: the result and ``out``."""
    out = tmp_path / "out"
    return run("batch", str(EXAMPLES), "-o", str(out), "--dask", scheduler), out


def error_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()[:-1]  # the summary line holds a rate


@pytest.mark.parametrize("kind", ["directory", "jsonl"])
def test_dask_writes_the_files_of_local_batch_byte_for_byte(
    tmp_path: Path, scheduler: str, kind: str
) -> None:
    source = example_dir(tmp_path) if kind == "directory" else example_jsonl(tmp_path)
    results = {}
    for name, extra in {
        "one": ["--jobs", "1"],
        "two": ["--jobs", "2"],
        "dask": ["--dask", scheduler],
    }.items():
        results[name] = run("batch", str(source), "-o", str(tmp_path / name), *extra)
        assert results[name].exit_code == 2, results[name].output
    assert files(tmp_path / "dask") == files(tmp_path / "one") == files(tmp_path / "two")
    assert (
        error_lines(results["dask"]) == error_lines(results["one"]) == error_lines(results["two"])
    )
    report = json.loads((tmp_path / "dask" / "batch-report.json").read_text())
    assert report["ok"] == 11
    failed = [f["input"] for f in report["failed"]]
    if kind == "directory":
        assert failed == ["c-bad.json"]
    else:
        assert failed == ["visits.jsonl:4", "visits.jsonl:13", "visits.jsonl:14"]
        assert "duplicate patient id" in report["failed"][1]["error"]
    assert not any(p.name.startswith(".careengine-probe") for p in (tmp_path / "dask").iterdir())


def test_the_engine_is_built_once_per_worker(tmp_path: Path, scheduler: str) -> None:
    seen: list[dict[str, dict[str, int]]] = []
    with distributed.Client(scheduler, set_as_default=False) as client:

        def watch(_: object) -> None:
            seen.append(plugin_builds(client))

        report = run_dask_batch(
            EXAMPLES, tmp_path / "out", address=scheduler, spec=SPEC, on_outcome=watch
        )
        after = plugin_builds(client)
    assert report.ok == 11 and not report.failed
    assert len(seen) == 11
    last = seen[-1]
    assert len(last) == 2  # both workers
    for counts in last.values():
        assert list(counts.values()) == [1]  # this batch's plugin, one build
    assert all(not counts for counts in after.values())  # unregistered at the end


def test_a_worker_that_dies_fails_its_input_and_the_others_go_on(
    tmp_path: Path, scheduler: str
) -> None:
    crash = json.loads((EXAMPLES / "desk-worker.json").read_text())
    crash["patient"]["id"] = "p-crash"
    inputs = first_four_examples(tmp_path, ("b-crash.json", json.dumps(crash)))
    out = tmp_path / "out"
    out.mkdir()
    (out / "b-crash.plan.json").write_text("{}")  # an earlier run's plan: removed
    spec = EngineSpec(entry_points=False, plugins=(str(PLUGIN_DIR / "crash.py"),))
    report = run_dask_batch(inputs, out, address=scheduler, spec=spec)
    assert [(f.input, f.errors) for f in report.failed] == [
        (
            "b-crash.json",
            (
                "the Dask worker evaluating this input died, also when it was the only input "
                "in flight (KilledWorker)",
            ),
        )
    ]
    assert report.ok == 4 and report.exit_code == 1
    assert not (out / "b-crash.plan.json").exists()
    assert len(list(out.glob("*.plan.json"))) == 4
    with distributed.Client(scheduler, set_as_default=False) as client:
        client.wait_for_workers(2)  # the nanny restarts the worker for the next tests


def test_a_worker_with_other_plugins_is_refused_before_any_plan(
    tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workers build from a spec with one more plugin, as if they had it installed
    other = EngineSpec(entry_points=False, plugins=(str(PLUGIN_DIR / "renderer.py"),))
    monkeypatch.setattr(dask_run, "EnginePlugin", lambda spec: EnginePlugin(other))
    result, out = batch_of_the_examples(tmp_path, scheduler)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3
    for line in lines[:2]:
        assert line.startswith("error: Dask worker tcp://127.0.0.1:")
        assert line.endswith(": plugins: worker only renderer local; client only -")
    assert lines[2] == (
        "error: every worker needs the same careengine, plugins and rule packs as this client"
    )
    assert not out.exists()


def test_a_worker_whose_engine_does_not_build_is_refused(
    tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = EngineSpec(entry_points=False, plugins=(str(tmp_path / "gone.py"),))
    monkeypatch.setattr(dask_run, "EnginePlugin", lambda spec: EnginePlugin(missing))
    result, out = batch_of_the_examples(tmp_path, scheduler)
    assert result.exit_code == 1
    assert f"no plugin file at {tmp_path / 'gone.py'}" in result.stderr
    assert not out.exists()


def test_an_output_directory_the_workers_cannot_see_is_refused(
    tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_run, "sees_probe", lambda path, token: False)
    result, out = batch_of_the_examples(tmp_path, scheduler)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {out}: not visible to the Dask worker(s) tcp://127.0.0.1:")
    assert line.endswith("must be on a file system every worker shares, at the same path")
    assert list(out.iterdir()) == []  # the probe is gone, nothing else written


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run(
        "batch", str(EXAMPLES), "-o", str(tmp_path / "out"),
        "--dask", "tcp://127.0.0.1:1", "--dask-timeout", "0.5",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 within 0.5 s (OSError)\n"
    )
    assert not (tmp_path / "out").exists()


def test_dask_and_jobs_cannot_be_combined(tmp_path: Path) -> None:
    result = run("batch", str(EXAMPLES), "-o", str(tmp_path), "--dask", "x:1", "--jobs", "2")
    assert result.exit_code == 2
    assert result.stderr == "error: --dask and --jobs N (N > 1) cannot be combined\n"


def test_without_the_extra_dask_asks_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("careengine.batch.dask_run", "careengine.batch.dask_worker"):
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = run("batch", str(EXAMPLES), "-o", str(tmp_path / "out"), "--dask", "x:1")
    assert result.exit_code == 2
    assert result.stderr == "error: install careengine[dask] to run a batch on Dask (--dask)\n"


def test_ctrl_c_cancels_and_writes_no_report(tmp_path: Path, scheduler: str) -> None:
    def interrupt(_: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_dask_batch(
            EXAMPLES, tmp_path / "out", address=scheduler, spec=SPEC, on_outcome=interrupt
        )
    assert not (tmp_path / "out" / "batch-report.json").exists()
    with distributed.Client(scheduler, set_as_default=False) as client:
        assert all(not counts for counts in plugin_builds(client).values())


def test_the_core_and_local_batch_never_import_dask(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import careengine, careengine.batch\n"
        "from careengine.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['batch', {str(EXAMPLES)!r}, '-o', {str(tmp_path)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "batch-report.json").exists()
