"""Figures of the ``careengine`` command itself: cold start of ``careengine evaluate`` (with and
without cached bytecode), its peak
RSS over all of a workload's files, and ``careengine batch --jobs 2`` throughput with its
start-up time."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import measure, workload
from benchmarks.children import careengine_command, timed_child

#: files in the ``batch --jobs 2`` figure: issue 16 asks for 2,000 on the built-in knowledge base
BATCH_FILES = 2000
QUICK_BATCH_FILES = 200
#: the start-up figure: one file per worker, so that the wall time is nearly all start-up
STARTUP_FILES = 2


def cli_figures(
    wl: workload.Workload, directory: Path, runs: int, batch_files: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cli = careengine_command()
    extra = wl.cli_args()
    env = wl.cli_env()
    for backend in measure.backends():
        command = [*cli, "evaluate", str(wl.inputs[0]), *extra, "--backend", backend]
        for key, bytecode in (("", True), ("_no_bytecode", False)):
            seconds, error = cold_start(command, env, runs, bytecode=bytecode)
            out[f"cold_start{key}_seconds_{backend}"] = seconds
            if error:
                out[f"cold_start_error_{backend}"] = error
        plans = directory / f"plans-{backend}"
        plans.mkdir(exist_ok=True)
        command = [*cli, "evaluate", *map(str, wl.inputs), "-o", str(plans), *extra]
        wall, rss, code, stderr = timed_child([*command, "--backend", backend], env)
        out[f"peak_rss_mib_{backend}"] = round(rss, 1) if code == 0 else None
        out[f"evaluate_all_seconds_{backend}"] = round(wall, 3)
        if code != 0:
            out[f"evaluate_all_error_{backend}"] = stderr.strip()[-300:]
    out["batch_jobs2"] = batch_figure(wl, directory, cli, extra, env, batch_files)
    return out


def cold_start(
    command: list[str], env: dict[str, str], runs: int, *, bytecode: bool
) -> tuple[float | None, str | None]:
    """The median wall time of ``runs`` runs of ``command`` (and why it failed). Bytecode lives
    in a cache of its own (``PYTHONPYCACHEPREFIX``), whatever this environment says: with
    bytecode, one untimed run first writes it (careengine's modules and the standard library's);
    without, it is never written, so every run compiles every module it imports."""
    with tempfile.TemporaryDirectory(prefix="careengine-pycache-") as cache:
        env = {**env, "PYTHONPYCACHEPREFIX": cache}
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            timed_child(command, env)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        walls = []
        for _ in range(runs):
            wall, _, code, stderr = timed_child(command, env)
            if code != 0:
                return None, stderr.strip()[-300:]
            walls.append(wall)
    return round(sorted(walls)[len(walls) // 2], 3), None


def batch_inputs(wl: workload.Workload, target: Path, count: int) -> Path:
    """``count`` input files in ``target``: the workload's inputs repeated as other patients (a
    distinct patient id each), so that the batch figure is not only the workers' start-up."""
    target.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        source = wl.inputs[n % len(wl.inputs)]
        data = json.loads(source.read_text(encoding="utf-8"))
        data["patient"]["id"] = f"{data['patient']['id']}-{n:05d}"
        (target / f"b{n:05d}.json").write_text(json.dumps(data), encoding="utf-8")
    return target


def _run_batch(
    cli: list[str], source: Path, out_dir: Path, extra: list[str], env: dict[str, str]
) -> tuple[float, str | None]:
    """(wall seconds, why it failed or ``None``) of ``careengine batch SOURCE --jobs 2``."""
    expected = len(list(source.glob("*.json")))
    shutil.rmtree(out_dir, ignore_errors=True)
    wall, _, code, stderr = timed_child(
        [*cli, "batch", str(source), "-o", str(out_dir), "--jobs", "2", *extra], env
    )
    if code != 0:
        return wall, f"`careengine batch` exited {code}: {stderr.strip()[-300:]}"
    written = len(list(out_dir.glob("*.plan.json")))
    if written != expected:
        return wall, f"`careengine batch` wrote {written} of {expected} plans"
    return wall, None


def batch_figure(
    wl: workload.Workload,
    directory: Path,
    cli: list[str],
    extra: list[str],
    env: dict[str, str],
    files: int,
) -> dict[str, Any]:
    """``careengine batch --jobs 2`` over ``files`` files (start-up included), its start-up
    (the same command over one file per worker), or why it cannot run."""
    shown = subprocess.run(
        [*cli, "batch", "--help"], env=env, capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        return {"unavailable": "this careengine has no `batch` command"}
    for flag in ("--jobs", *(["--plugin", "--rules"] if extra else [])):
        if flag not in shown.stdout:
            return {"unavailable": f"`careengine batch` has no {flag} option"}
    startup_source = batch_inputs(wl, directory / "batch-startup", STARTUP_FILES)
    startup, problem = _run_batch(cli, startup_source, directory / "batch-out", extra, env)
    if problem:
        return {"unavailable": problem}
    source = batch_inputs(wl, directory / "batch-inputs", files)
    wall, problem = _run_batch(cli, source, directory / "batch-out", extra, env)
    shutil.rmtree(directory / "batch-out", ignore_errors=True)
    if problem:
        return {"unavailable": problem}
    steady = wall - startup
    return {
        "files": files,
        "seconds": round(wall, 3),
        "plans_per_second": round(files / wall, 1),
        "startup_seconds": round(startup, 3),
        "plans_per_second_after_startup": (
            round((files - STARTUP_FILES) / steady, 1) if steady > 0 else None
        ),
    }
