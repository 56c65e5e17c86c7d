"""``make bench``: careengine's full pipeline, its floor, and raw durable-rules, 50 to 20,000 rules.

Usage: ``python -m benchmarks.run [--quick] [--sizes builtin,50,200] [--out FILE]
[--no-instructions]`` (``BENCH_QUICK=1`` is ``--quick``: shorter runs, 10,000 evaluations for the
drift, 200 files for the batch, no callgrind; the full run takes several minutes). Standard
library and careengine only (valgrind for the instruction counts, when installed).

For every workload (the built-in knowledge base on the example assessments, and synthetic packs
of 50, 200, 1,000, 5,000 and 20,000 rules generated through the TOML path, see
``benchmarks/workload.py``) it measures, prints and writes to ``benchmarks/results.json``:

* load time per backend (``benchmarks/measure.py``);
* interleaved in one process (``benchmarks/pipelines.py``): the **full pipeline** per plan (read
  the file, parse, validate, evaluate, the plan's JSON text: the headline figure), evaluate+JSON
  from a loaded assessment (the figure before issue 16), careengine's **rule run** alone against
  **raw durable-rules** on the same compiled rules and facts (``benchmarks/raw_durable.py``), and
  on the built-in knowledge base the **floor** (``benchmarks/floor.py``);
* the ``careengine`` command: cold start with and without cached bytecode, peak RSS over all the
  files, ``batch --jobs 2`` throughput and start-up (``benchmarks/cli_figures.py``);

and on the built-in knowledge base the RSS drift over 100,000 evaluations and (full run, valgrind
installed) instructions per plan (``benchmarks/instructions.py``). The report ends with every
target of issue 16, met or missed (``benchmarks/targets.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import cli_figures, instructions, machine, measure, service_load, workload
from benchmarks.children import ROOT, run_child
from benchmarks.report import report
from benchmarks.targets import check_targets

SIZES = ("builtin", "50", "200", "1000", "5000", "20000")
#: inputs per synthetic workload (fewer for the biggest, whose evaluations are slow)
INPUTS = {"50": 200, "200": 200, "1000": 100, "5000": 40, "20000": 20}
SECONDS = {"builtin": 10.0, "50": 6.0, "200": 6.0, "1000": 8.0, "5000": 10.0, "20000": 15.0}
QUICK_SECONDS = 2.0
DRIFT_EVALUATIONS = 100_000
QUICK_DRIFT_EVALUATIONS = 10_000


def make_workload(size: str, directory: Path) -> workload.Workload:
    if size == "builtin":
        return workload.builtin(directory, ROOT / "examples" / "assessments")
    return workload.synthetic(directory, int(size), count=INPUTS[size])


def child(args: argparse.Namespace) -> None:
    """A workload's in-process figures, in a fresh interpreter (``--child``)."""
    wl = workload.on_disk(Path(args.dir), args.size)
    if args.child == "drift":
        result = measure.measure_drift(wl, args.evaluations)
    else:
        result = measure.measure_workload(wl, args.seconds)
    Path(args.json).write_text(json.dumps(result), encoding="utf-8")


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def batch_files(size: str, quick: bool) -> int:
    """2,000 files on the built-in knowledge base (issue 16), 200 elsewhere and when quick."""
    if size == "builtin" and not quick:
        return cli_figures.BATCH_FILES
    return cli_figures.QUICK_BATCH_FILES


def service_figures(quick: bool) -> dict[str, Any]:
    """``benchmarks/service_load.py`` (100 calls when quick, else 400), or why it was skipped."""
    try:
        import fastapi  # noqa: F401
    except ImportError:
        return {"skipped": "the service extra is not installed"}
    return service_load.measure(requests=100 if quick else 400)


def bench(sizes: list[str], quick: bool, out: Path, with_instructions: bool) -> dict[str, Any]:
    described = machine.describe()
    results: dict[str, Any] = {
        "careengine": described["careengine"],
        "python": described["python"],
        "machine": described,
        "durable_rules": described["durable_rules"],
        "quick": quick,
        "workloads": [],
    }
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="careengine-bench-") as tmp:
        for size in sizes:
            directory = Path(tmp) / size
            wl = make_workload(size, directory)
            seconds = QUICK_SECONDS if quick else SECONDS[size]
            _log(f"{size}: {len(wl.inputs)} assessments, {seconds:g} s per round ...")
            figures = run_child("workload", size, directory, seconds=seconds)
            runs = 1 if quick or size in ("5000", "20000") else 3
            _log(f"{size}: the careengine command ...")
            figures["cli"] = cli_figures.cli_figures(wl, directory, runs, batch_files(size, quick))
            results["workloads"].append(figures)
            if size == "builtin":
                evaluations = QUICK_DRIFT_EVALUATIONS if quick else DRIFT_EVALUATIONS
                _log(f"builtin: RSS drift over {evaluations} evaluations ...")
                results["drift"] = run_child("drift", size, directory, evaluations=evaluations)
    if with_instructions and "builtin" in sizes:
        results["instructions"] = instructions.measure()
    if "builtin" in sizes:
        _log("the CDS Hooks service under load (8 clients) ...")
        results["service"] = service_figures(quick)
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["targets"] = check_targets(results, measure.backends())
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1"
    )
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        help="skip the callgrind instruction counts (always skipped with --quick)",
    )
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
    with_instructions = not (args.quick or args.no_instructions)
    results = bench(sizes, args.quick, Path(args.out), with_instructions)
    print(report(results))
    if "service" in results:
        figures = results["service"]
        print(
            "\n"
            + (
                service_load.report(figures)
                if "skipped" not in figures
                else f"CDS Hooks service: skipped ({figures['skipped']})"
            )
        )
    if not with_instructions:
        print("\n(instructions per plan not counted in this run: `make bench-instructions`)")


if __name__ == "__main__":
    main()
