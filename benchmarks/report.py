"""The printed report of ``make bench``: throughput tables, CLI and memory, instructions per plan,
and every target of issue 16 met or missed."""

from __future__ import annotations

from typing import Any

from benchmarks import instructions


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _contenders(results: dict[str, Any]) -> list[str]:
    """The engine configurations measured (``durable``, ``durable_reuse``, ``python``)."""
    for figures in results["workloads"]:
        if "throughput" in figures:
            return [name[5:] for name in figures["throughput"] if name.startswith("full_")]
    return []


def _backends(results: dict[str, Any]) -> list[str]:
    return [c for c in _contenders(results) if "_" not in c]


def _latency(stats: dict[str, Any] | None) -> str | None:
    return None if stats is None else f"{stats['p50_ms']:.2f}/{stats['p99_ms']:.2f}"


def headline(results: dict[str, Any]) -> str:
    """Full pipeline per plan (the headline), beside the evaluation from a loaded assessment and
    the floor."""
    rows = []
    for figures in results["workloads"]:
        if "error" in figures:
            rows.append([figures.get("workload", "?"), "error: " + " ".join(figures["error"])])
            continue
        t = figures["throughput"]
        floor = t.get("floor")
        for contender in _contenders(results):
            full, evaluate = t[f"full_{contender}"], t[f"careengine_{contender}"]
            rows.append(
                [
                    figures["workload"],
                    contender,
                    full["per_second"],
                    _latency(full),
                    evaluate["per_second"],
                    _latency(evaluate),
                    None if floor is None else floor["per_second"],
                    figures.get("floor_ratio", {}).get(contender),
                ]
            )
    header = ["workload", "careengine", "FULL plans/s", "FULL p50/p99 ms"]
    header += ["evaluate+JSON /s", "p50/p99 ms", "floor /s", "floor/careengine"]
    return (
        "Full pipeline per plan (read file, parse, validate, evaluate, plan JSON text; one "
        "process),\nbeside evaluate+JSON from a loaded assessment (the figure before issue 16) "
        "and the floor\n(benchmarks/floor.py; floor/careengine = careengine plans/s / floor "
        "plans/s)\n" + table(rows, header)
    )


def rule_runs(results: dict[str, Any]) -> str:
    contenders = _contenders(results)
    names = [f"rules_{c}" for c in contenders]
    names += ["raw_durable"] if results["durable_rules"] else []
    rows = []
    for figures in results["workloads"]:
        if "error" in figures:
            continue
        t = figures["throughput"]
        row: list[Any] = [figures["workload"], figures["rules"], figures["rulesets"]]
        row += [t[n]["per_second"] for n in names]
        row += [figures.get("ratio_vs_raw", {}).get(c) for c in contenders]
        row += [_latency(t[n]) for n in names]
        rows.append(row)
    header = ["workload", "rules", "rulesets", *[f"{n} /s" for n in names]]
    header += [f"ratio {c}/raw" for c in contenders]
    header += [f"{n} p50/p99 ms" for n in names]
    text = (
        "Rule run alone (careengine's runner vs raw durable-rules, same compiled rules and facts)"
    )
    text += "\n" + table(rows, header)
    if not results["durable_rules"]:
        text += "\nraw durable-rules: unavailable (durable-rules does not import here)"
    return text


def cli_and_memory(results: dict[str, Any]) -> str:
    contenders, backends = _contenders(results), _backends(results)
    rows = []
    for figures in results["workloads"]:
        if "error" in figures:
            continue
        cli = figures["cli"]
        batch = cli["batch_jobs2"]
        row = [figures["workload"]]
        row += [figures["load_seconds"].get(b) for b in [*contenders, "raw_durable"]]
        row += [cli.get(f"cold_start_seconds_{b}") for b in backends]
        row += [cli.get(f"cold_start_no_bytecode_seconds_{b}") for b in backends]
        row += [cli.get(f"peak_rss_mib_{b}") for b in backends]
        row.append(batch.get("plans_per_second", "unavailable"))
        row.append(batch.get("files"))
        row.append(batch.get("startup_seconds"))
        row.append("yes" if figures.get("backends_agree") else "NO")
        rows.append(row)
    header = ["workload"]
    header += [f"load s {b}" for b in [*contenders, "raw_durable"]]
    header += [f"cold s {b}" for b in backends]
    header += [f"cold s no-pyc {b}" for b in backends]
    header += [f"peak RSS MiB {b}" for b in backends]
    header += ["batch -j2 /s", "files", "start-up s", "backends agree"]
    parts = ["Load, CLI and memory", table(rows, header)]
    for figures in results["workloads"]:
        batch = figures.get("cli", {}).get("batch_jobs2", {})
        if "unavailable" in batch:
            parts.append(
                f"batch --jobs 2 ({figures['workload']}): unavailable: {batch['unavailable']}"
            )
            break
    drift = results.get("drift")
    if drift and "drift_percent" in drift:
        parts.append(
            f"RSS drift ({drift['workload']}, {drift['backend']}): "
            f"{drift['rss_before_mib']} MiB -> "
            f"{drift['rss_after_mib']} MiB over {drift['evaluations']:,} evaluations "
            f"({drift['drift_percent']:+.2f} %, {drift['per_second']:,.0f} plans/s; "
            f"after {drift['warmup']:,} warm-up evaluations; RSS at each quarter: "
            f"{', '.join(str(q) for q in drift['rss_quarters_mib'])} MiB)"
        )
    return "\n".join(parts)


def targets(checks: list[dict[str, Any]]) -> str:
    lines = ["Targets (issue 16)"]
    for check in checks:
        mark = {True: "met   ", False: "MISSED", None: "info  "}[check["met"]]
        lines.append(
            f"  {mark} {check['target']}: {_cell(check['measured'])} (goal {check['goal']})"
        )
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [headline(results), rule_runs(results), cli_and_memory(results)]
    if "instructions" in results:
        parts.append(instructions.report(results["instructions"]))
    parts.append(targets(results["targets"]))
    parts.append(
        f"({results['seconds']} s{'; quick run' if results['quick'] else ''}; {m['cpu']}, "
        f"{m['cores']} cores, Python {m['python']} on {m['platform']}; bytecode caching in this "
        f"environment {'on' if m['bytecode_caching'] else 'OFF (PYTHONDONTWRITEBYTECODE or -B)'})"
    )
    return "\n\n".join(parts)
