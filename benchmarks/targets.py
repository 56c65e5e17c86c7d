"""Issue 16's targets, each with the figure measured and whether it is met (``None``: reported
only, or not measured in this run)."""

from __future__ import annotations

from typing import Any

#: the goals of issue 16 (docs/performance.md)
TARGETS: dict[str, float] = {
    "instructions_python": 4.0e6,
    "instructions_durable": 5.0e6,
    "floor_ratio": 0.6,
    "rule_run_vs_raw": 1.0,
    "p99_over_p50": 2.0,
    "batch_plans_per_second": 1800,
    "batch_files": 2000,
    "batch_startup_seconds": 0.3,
    "cold_start_seconds": 0.120,
    "drift_percent": 2.0,
}


def _check(target: str, goal: str, measured: Any, met: bool | None) -> dict[str, Any]:
    return {"target": target, "goal": goal, "measured": measured, "met": met}


def _at_least(target: str, measured: float | None, goal: float) -> dict[str, Any]:
    met = None if measured is None else measured >= goal
    return _check(target, f">= {goal:g}", measured, met)


def _at_most(target: str, measured: float | None, goal: float) -> dict[str, Any]:
    met = None if measured is None else measured <= goal
    return _check(target, f"<= {goal:g}", measured, met)


def instruction_checks(instructions: dict[str, Any] | None) -> list[dict[str, Any]]:
    checks = []
    per_plan = (instructions or {}).get("per_plan", {})
    for backend in ("python", "durable"):
        goal = TARGETS[f"instructions_{backend}"]
        measured = per_plan.get(backend)
        check = _at_most(
            f"builtin: full pipeline instructions per plan ({backend})", measured, goal
        )
        if measured is None:
            check["measured"] = (instructions or {}).get("skipped", "not measured")
        checks.append(check)
    return checks


def _builtin_checks(figures: dict[str, Any], backends: list[str]) -> list[dict[str, Any]]:
    checks = []
    throughput = figures["throughput"]
    for backend, ratio in figures.get("floor_ratio", {}).items():
        checks.append(
            _at_least(
                f"builtin: floor / careengine (full pipeline, {backend}; time per plan)",
                ratio,
                TARGETS["floor_ratio"],
            )
        )
    for backend in backends:
        stats = throughput.get(f"full_{backend}")
        if stats:
            spread = round(stats["p99_ms"] / stats["p50_ms"], 2) if stats["p50_ms"] else None
            checks.append(
                _at_most(
                    f"builtin: p99 / p50 of the full pipeline ({backend}: "
                    f"{stats['p50_ms']} / {stats['p99_ms']} ms)",
                    spread,
                    TARGETS["p99_over_p50"],
                )
            )
    cli = figures.get("cli", {})
    for backend in backends:
        without = cli.get(f"cold_start_no_bytecode_seconds_{backend}")
        checks.append(
            _at_most(
                f"builtin: cold `careengine evaluate` in s ({backend}, cached bytecode; "
                f"without: {without} s)",
                cli.get(f"cold_start_seconds_{backend}"),
                TARGETS["cold_start_seconds"],
            )
        )
    batch = cli.get("batch_jobs2", {})
    files = batch.get("files", "?")
    checks.append(
        _at_least(
            f"builtin: `batch --jobs 2` plans/s over {files} files (goal on "
            f"{TARGETS['batch_files']:g}), start-up included",
            batch.get("plans_per_second"),
            TARGETS["batch_plans_per_second"],
        )
    )
    checks.append(
        _at_most(
            "builtin: `batch --jobs 2` start-up in s (one file per worker)",
            batch.get("startup_seconds"),
            TARGETS["batch_startup_seconds"],
        )
    )
    return checks


def check_targets(results: dict[str, Any], backends: list[str]) -> list[dict[str, Any]]:
    """Every target of issue 16 with the measured figure and whether it is met."""
    checks = instruction_checks(results.get("instructions"))
    for figures in results["workloads"]:
        if "error" in figures:
            continue
        if figures["workload"] == "builtin":
            checks += _builtin_checks(figures, backends)
        for contender, ratio in figures.get("ratio_vs_raw", {}).items():
            checks.append(
                _at_least(
                    f"{figures['workload']}: rule run careengine ({contender}) / raw durable-rules",
                    ratio,
                    TARGETS["rule_run_vs_raw"],
                )
            )
        if figures["workload"] == "20000":
            ok = bool(figures.get("backends_agree")) and bool(
                figures.get("raw_fires_superset", True)
            )
            checks.append(
                _check(
                    "20000 rules load and evaluate correctly",
                    "both backends give the same plans; raw fires a superset",
                    ok,
                    ok,
                )
            )
            for backend in backends:
                rss = figures.get("cli", {}).get(f"peak_rss_mib_{backend}")
                checks.append(_check(f"20000: peak RSS MiB ({backend})", "reported", rss, None))
    drift = results.get("drift")
    if drift and "drift_percent" in drift:
        checks.append(
            _check(
                f"RSS drift over {drift['evaluations']:,} evaluations (builtin)",
                f"< {TARGETS['drift_percent']:g} %",
                drift["drift_percent"],
                abs(drift["drift_percent"]) < TARGETS["drift_percent"],
            )
        )
    return checks
