"""``make bench``: careengine against raw durable-rules, from 50 to 20,000 rules.

Usage: ``python -m benchmarks.run [--quick] [--sizes builtin,50,200] [--out FILE]``
(``BENCH_QUICK=1`` is ``--quick``: shorter runs, 10,000 evaluations for the drift, for iterating;
the full run takes a few minutes). Standard library and careengine only.

For every workload (the built-in knowledge base on the example assessments, and synthetic packs
of 50, 200, 1,000, 5,000 and 20,000 rules generated through the TOML path, see
``benchmarks/workload.py``) it measures, and prints and writes to ``benchmarks/results.json``:

* load time (plugins, TOML, validation, compilation, ruleset registration) per backend;
* plans per second in one process and p50/p99 latency of the full pipeline (derived facts,
  rules, merge, review, JSON text) on each backend, interleaved with **raw durable-rules** running
  the same compiled rulesets on the same facts (``benchmarks/raw_durable.py``), and the ratio;
* CLI cold start: wall time of ``careengine evaluate`` on one file;
* peak RSS of ``careengine evaluate`` over all the workload's files (one process);
* ``careengine batch --jobs 2`` throughput over the same files (or why it is unavailable);

and, on the built-in knowledge base, the RSS drift over 100,000 evaluations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import measure, workload
from careengine.rules.backend import durable_available
from careengine.version import __version__

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("builtin", "50", "200", "1000", "5000", "20000")
#: inputs per synthetic workload (fewer for the biggest, whose evaluations are slow)
INPUTS = {"50": 200, "200": 200, "1000": 100, "5000": 40, "20000": 20}
SECONDS = {"builtin": 8.0, "50": 6.0, "200": 6.0, "1000": 8.0, "5000": 10.0, "20000": 15.0}
QUICK_SECONDS = 2.0
DRIFT_EVALUATIONS = 100_000
QUICK_DRIFT_EVALUATIONS = 10_000

TARGETS = {
    "ratio_vs_raw": 1.0,
    "builtin_plans_per_second": 3000,
    "builtin_p99_ms": 2.0,
    "drift_percent": 5.0,
}


def careengine_command() -> list[str]:
    script = Path(sys.executable).with_name("careengine")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from careengine.cli import main; main()"]  # not installed


def make_workload(size: str, directory: Path) -> workload.Workload:
    if size == "builtin":
        return workload.builtin(directory, ROOT / "examples" / "assessments")
    return workload.synthetic(directory, int(size), count=INPUTS[size])


# --- child processes -----------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    wl = workload.on_disk(Path(args.dir), args.size)
    if args.child == "drift":
        result = measure.measure_drift(wl, args.evaluations)
    else:
        result = measure.measure_workload(wl, args.seconds)
    Path(args.json).write_text(json.dumps(result), encoding="utf-8")


def run_child(kind: str, size: str, directory: Path, **options: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        target = Path(handle.name)
    command = [sys.executable, "-m", "benchmarks.run", "--child", kind, "--size", size]
    command += ["--dir", str(directory), "--json", str(target)]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
        return json.loads(target.read_text(encoding="utf-8"))
    finally:
        target.unlink(missing_ok=True)


# --- CLI measurements -------------------------------------------------------------------------


def cli_figures(wl: workload.Workload, directory: Path, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cli = careengine_command()
    extra = wl.cli_args()
    env = wl.cli_env()
    for backend in measure.backends():
        walls = []
        for _ in range(runs):
            wall, _, code, stderr = timed_child(
                [*cli, "evaluate", str(wl.inputs[0]), *extra, "--backend", backend], env
            )
            if code != 0:
                walls = []
                out[f"cold_start_error_{backend}"] = stderr.strip()[-300:]
                break
            walls.append(wall)
        out[f"cold_start_seconds_{backend}"] = (
            round(sorted(walls)[len(walls) // 2], 3) if walls else None
        )
        plans = directory / f"plans-{backend}"
        plans.mkdir(exist_ok=True)
        command = [*cli, "evaluate", *map(str, wl.inputs), "-o", str(plans), *extra]
        wall, rss, code, stderr = timed_child([*command, "--backend", backend], env)
        out[f"peak_rss_mib_{backend}"] = round(rss, 1) if code == 0 else None
        out[f"evaluate_all_seconds_{backend}"] = round(wall, 3)
        if code != 0:
            out[f"evaluate_all_error_{backend}"] = stderr.strip()[-300:]
    out["batch_jobs2"] = batch_figure(wl, directory, cli, extra, env)
    return out


def timed_child(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a command: (wall seconds, the peak RSS of that process in MiB, exit code, stderr)."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        return elapsed, usage.ru_maxrss / 1024, process.returncode, errors.read()


def batch_inputs(wl: workload.Workload, directory: Path, at_least: int = 200) -> Path:
    """The workload's inputs, repeated (as other patients) up to ``at_least`` files, so that the
    batch figure is not only the workers' start-up."""
    if len(wl.inputs) >= at_least:
        return wl.inputs[0].parent
    target = directory / "batch-inputs"
    target.mkdir(exist_ok=True)
    for n in range(at_least):
        source = wl.inputs[n % len(wl.inputs)]
        data = json.loads(source.read_text(encoding="utf-8"))
        data["patient"]["id"] = f"{data['patient']['id']}-{n:04d}"
        (target / f"b{n:04d}.json").write_text(json.dumps(data), encoding="utf-8")
    return target


def batch_figure(
    wl: workload.Workload, directory: Path, cli: list[str], extra: list[str], env: dict[str, str]
) -> dict[str, Any]:
    """``careengine batch --jobs 2`` over the workload's files, or why it cannot run."""
    shown = subprocess.run(
        [*cli, "batch", "--help"], env=env, capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        return {"unavailable": "this careengine has no `batch` command"}
    for flag in ("--jobs", *(["--plugin", "--rules"] if extra else [])):
        if flag not in shown.stdout:
            return {"unavailable": f"`careengine batch` has no {flag} option"}
    source = batch_inputs(wl, directory)
    expected = len(list(source.glob("*.json")))
    out_dir = directory / "batch-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    wall, _, code, stderr = timed_child(
        [*cli, "batch", str(source), "-o", str(out_dir), "--jobs", "2", *extra], env
    )
    if code != 0:
        return {"unavailable": f"`careengine batch` exited {code}: {stderr.strip()[-300:]}"}
    written = len(list(out_dir.glob("*.plan.json")))
    if written != expected:
        return {"unavailable": f"`careengine batch` wrote {written} of {expected} plans"}
    return {
        "files": written,
        "seconds": round(wall, 3),
        "plans_per_second": round(written / wall, 1),
    }


# --- orchestration ---------------------------------------------------------------------------


def bench(sizes: list[str], quick: bool, out: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "careengine": __version__,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "durable_rules": durable_available(),
        "quick": quick,
        "workloads": [],
    }
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="careengine-bench-") as tmp:
        for size in sizes:
            directory = Path(tmp) / size
            wl = make_workload(size, directory)
            seconds = QUICK_SECONDS if quick else SECONDS[size]
            print(
                f"[bench] {size}: {len(wl.inputs)} assessments, {seconds:g} s per round ...",
                file=sys.stderr,
                flush=True,
            )
            figures = run_child("workload", size, directory, seconds=seconds)
            runs = 1 if quick or size in ("5000", "20000") else 3
            figures["cli"] = cli_figures(wl, directory, runs)
            results["workloads"].append(figures)
            if size == "builtin":
                evaluations = QUICK_DRIFT_EVALUATIONS if quick else DRIFT_EVALUATIONS
                print(
                    f"[bench] builtin: RSS drift over {evaluations} evaluations ...",
                    file=sys.stderr,
                    flush=True,
                )
                results["drift"] = run_child("drift", size, directory, evaluations=evaluations)
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["targets"] = check_targets(results)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with the measured figure and whether it is met."""
    checks: list[dict[str, Any]] = []
    for figures in results["workloads"]:
        for backend, ratio in figures.get("ratio_vs_raw", {}).items():
            checks.append(
                {
                    "target": f"{figures['workload']}: careengine ({backend}) / raw durable-rules",
                    "goal": f">= {TARGETS['ratio_vs_raw']}",
                    "measured": ratio,
                    "met": ratio >= TARGETS["ratio_vs_raw"],
                }
            )
        if figures["workload"] == "builtin":
            default = "careengine_" + measure.backends()[0]
            throughput = figures["throughput"][default]
            checks.append(
                {
                    "target": f"builtin: plans per second ({default})",
                    "goal": f">= {TARGETS['builtin_plans_per_second']}",
                    "measured": throughput["per_second"],
                    "met": throughput["per_second"] >= TARGETS["builtin_plans_per_second"],
                }
            )
            checks.append(
                {
                    "target": f"builtin: p99 latency in ms ({default})",
                    "goal": f"<= {TARGETS['builtin_p99_ms']}",
                    "measured": throughput["p99_ms"],
                    "met": throughput["p99_ms"] <= TARGETS["builtin_p99_ms"],
                }
            )
        if figures["workload"] == "20000":
            ok = bool(figures.get("backends_agree")) and bool(
                figures.get("raw_fires_superset", True)
            )
            checks.append(
                {
                    "target": "20000 rules load and evaluate correctly",
                    "goal": "both backends give the same plans; raw fires a superset",
                    "measured": ok,
                    "met": ok,
                }
            )
    drift = results.get("drift")
    if drift and "drift_percent" in drift:
        checks.append(
            {
                "target": f"RSS drift over {drift['evaluations']} evaluations (builtin)",
                "goal": f"< {TARGETS['drift_percent']} %",
                "measured": drift["drift_percent"],
                "met": abs(drift["drift_percent"]) < TARGETS["drift_percent"],
            }
        )
    return checks


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    names = [f"careengine_{b}" for b in measure.contenders()] + (
        ["raw_durable"] if results["durable_rules"] else []
    )
    rows = []
    for figures in results["workloads"]:
        if "error" in figures:
            rows.append([figures.get("workload", "?"), "error: " + " ".join(figures["error"])])
            continue
        throughput = figures["throughput"]
        row: list[Any] = [figures["workload"], figures["rules"], figures["rulesets"]]
        row += [throughput[n]["per_second"] for n in names]
        row += [figures.get("ratio_vs_raw", {}).get(b) for b in measure.contenders()]
        row += [f"{throughput[n]['p50_ms']:.2f}/{throughput[n]['p99_ms']:.2f}" for n in names]
        rows.append(row)
    header = ["workload", "rules", "rulesets"]
    header += [f"{n} /s" for n in names]
    header += [f"ratio {b}/raw" for b in measure.contenders()]
    header += [f"{n} p50/p99 ms" for n in names]
    parts = ["Throughput (full pipeline, one process; raw = same compiled rulesets, no careengine)"]
    parts.append(table(rows, header))
    if not results["durable_rules"]:
        parts.append("raw durable-rules: unavailable (durable-rules does not import here)")

    rows = []
    for figures in results["workloads"]:
        if "error" in figures:
            continue
        cli = figures["cli"]
        batch = cli["batch_jobs2"]
        row = [figures["workload"]]
        row += [figures["load_seconds"].get(b) for b in [*measure.contenders(), "raw_durable"]]
        row += [cli.get(f"cold_start_seconds_{b}") for b in measure.backends()]
        row += [cli.get(f"peak_rss_mib_{b}") for b in measure.backends()]
        row.append(batch.get("plans_per_second", "unavailable"))
        row.append("yes" if figures.get("backends_agree") else "NO")
        rows.append(row)
    header = ["workload"]
    header += [f"load s {b}" for b in [*measure.contenders(), "raw_durable"]]
    header += [f"CLI cold s {b}" for b in measure.backends()]
    header += [f"peak RSS MiB {b}" for b in measure.backends()]
    header += ["batch -j2 /s", "backends agree"]
    parts += ["", "Load, CLI and memory", table(rows, header)]
    for figures in results["workloads"]:
        batch = figures.get("cli", {}).get("batch_jobs2", {})
        if "unavailable" in batch:
            parts.append(
                f"batch --jobs 2 ({figures['workload']}): unavailable: {batch['unavailable']}"
            )
            break
    drift = results.get("drift")
    if drift and "drift_percent" in drift:
        parts += [
            "",
            f"RSS drift ({drift['workload']}, {drift['backend']}): "
            f"{drift['rss_before_mib']} MiB -> "
            f"{drift['rss_after_mib']} MiB over {drift['evaluations']:,} evaluations "
            f"({drift['drift_percent']:+.2f} %, {drift['per_second']:,.0f} plans/s; "
            f"after {drift['warmup']:,} warm-up evaluations; RSS at each quarter: "
            f"{', '.join(str(q) for q in drift['rss_quarters_mib'])} MiB)",
        ]
    parts += ["", "Targets"]
    for check in results["targets"]:
        mark = "met   " if check["met"] else "MISSED"
        parts.append(f"  {mark} {check['target']}: {check['measured']} (goal {check['goal']})")
    parts.append(f"\n({results['seconds']} s; {results['machine']}, Python {results['python']})")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1"
    )
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--child", choices=["workload", "drift"], help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=QUICK_SECONDS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--evaluations", type=int, default=QUICK_DRIFT_EVALUATIONS, help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = sorted(set(sizes) - set(SIZES))
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose from {', '.join(SIZES)}")
    results = bench(sizes, args.quick, Path(args.out))
    print(report(results))


if __name__ == "__main__":
    main()
