"""In-process measurements, run in a child process per workload (``python -m benchmarks.run
--child ...``), so that every size starts from a fresh interpreter and its memory is its own.

Throughput is measured *interleaved*: careengine on each backend and raw durable-rules take turns
over the same assessments, so background load on the machine slows all of them alike and the
ratio careengine / raw stays meaningful on a noisy machine.
"""

from __future__ import annotations

import gc
import os
import re
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks import pipelines
from benchmarks.workload import Workload
from careengine import Engine
from careengine.model import Assessment
from careengine.render.serialize import dumps
from careengine.rules.backend import durable_available

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    """The resident set size of this process now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backends() -> list[str]:
    return ["durable", "python"] if durable_available() else ["python"]


def contenders() -> list[str]:
    """The engine configurations measured side by side: each backend, and durable-rules with
    sessions reused between evaluations (``Engine(reuse_sessions=True)``)."""
    return ["durable", "durable_reuse", "python"] if durable_available() else ["python"]


def build_engine(contender: str, **engine_args: Any) -> Engine:
    backend, _, mode = contender.partition("_")
    return Engine(backend=backend, reuse_sessions=mode == "reuse", **engine_args)


def _stats(latencies_ns: Sequence[int]) -> dict[str, float]:
    ordered = sorted(latencies_ns)
    total = sum(ordered) / 1e9
    return {
        "evaluations": len(ordered),
        "per_second": round(len(ordered) / total, 1) if total else 0.0,
        "p50_ms": round(ordered[len(ordered) // 2] / 1e6, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6, 3),
        "mean_ms": round(statistics.fmean(ordered) / 1e6, 3),
    }


def _pipeline(engine: Engine) -> Callable[[Assessment], str]:
    """careengine's pipeline from a loaded assessment: derived facts, rules, merge, review, JSON."""

    def run(assessment: Assessment) -> str:
        return dumps(engine.evaluate(assessment))

    return run


def _backend_neutral(plan: str, backend: str) -> str:
    """A plan's text without what names its backend: ``provenance.backend`` and the content
    digest, which covers that name (every other byte must agree between backends)."""
    plan = plan.replace(f'"backend": "{backend}"', '"backend": "-"')
    return re.sub(r',\n *"content_sha256": "sha256:[0-9a-f]+"', "", plan)


def _interleave(runs: dict[str, pipelines.Run], count: int, seconds: float) -> dict[str, Any]:
    """Warm every run up, then let them take turns over the same inputs until the time is up:
    the latency statistics of each."""
    for run in runs.values():
        for i in range(count):
            run(i)
    latencies: dict[str, list[int]] = {name: [] for name in runs}
    chunk = max(1, min(count, 20))
    deadline = time.perf_counter() + seconds
    position = 0
    clock = time.perf_counter_ns
    while time.perf_counter() < deadline:
        indices = [(position + k) % count for k in range(chunk)]
        position += chunk
        for name, run in runs.items():
            record = latencies[name]
            for i in indices:
                start_ns = clock()
                run(i)
                record.append(clock() - start_ns)
    return {name: _stats(lat) for name, lat in latencies.items()}


def _ratio(numerator: dict[str, Any], denominator: dict[str, Any]) -> float:
    return round(float(numerator["per_second"]) / float(denominator["per_second"]), 2)


def measure_workload(workload: Workload, seconds: float) -> dict[str, Any]:
    """Load times; interleaved throughput and latency of careengine's full pipeline, of its
    evaluation from a loaded assessment, of its rule run, of raw durable-rules on the same
    compiled rules and facts and (built-in knowledge base) of the floor; and checks that the
    backends agree."""
    out: dict[str, Any] = {"workload": workload.name, "inputs": len(workload.inputs)}
    engines: dict[str, Engine] = {}
    load: dict[str, float] = {}
    for backend in contenders():
        gc.collect()
        start = time.perf_counter()
        engines[backend] = build_engine(backend, **workload.engine_args())
        load[backend] = round(time.perf_counter() - start, 3)
    reference = engines[contenders()[0]]
    out["rules"] = reference.program.rule_count
    shards = [s for st in reference.program.strata for s in st.shards]
    out["rulesets"] = len(shards)
    out["load_seconds"] = load

    paths = workload.inputs
    assessments = [reference.load_assessment(path) for path in paths]
    facts = [pipelines.engine_facts(reference, a) for a in assessments]
    runs: dict[str, pipelines.Run] = {}
    for backend, engine in engines.items():
        runs[f"full_{backend}"] = pipelines.full(engine, paths)
        runs[f"careengine_{backend}"] = pipelines.evaluate_json(engine, assessments)
        runs[f"rules_{backend}"] = pipelines.rule_run(engine, facts)

    plans = {
        name: [
            _backend_neutral(plan, engine.backend_name)
            for plan in map(_pipeline(engine), assessments)
        ]
        for name, engine in engines.items()
    }
    out["backends_agree"] = len({tuple(p) for p in plans.values()}) == 1

    if workload.name == "builtin":
        from benchmarks.floor import Floor

        start = time.perf_counter()
        floor = Floor(reference)
        load["floor"] = round(time.perf_counter() - start, 3)
        runs["floor"] = lambda i: floor.plan_text(paths[i])

    if durable_available():
        from benchmarks.raw_durable import RawDurable

        start = time.perf_counter()
        raw = RawDurable(shards, prefix=f"raw{os.getpid()}")
        load["raw_durable"] = round(time.perf_counter() - start, 3)
        runs["raw_durable"] = lambda i: raw.evaluate(facts[i])
        # raw durable-rules has no negation (careengine checks it outside durable-rules), so it
        # fires a superset of the rules careengine fires
        program = reference.program
        subset = True
        for fs in facts:
            raw_ids = {program.rules[key].rule.id for key in raw.evaluate(fs)}
            fired = set(reference._runner.run(fs).fired)
            subset = subset and fired <= raw_ids
            if not subset:
                break
        out["raw_fires_superset"] = subset

    throughput = out["throughput"] = _interleave(runs, len(paths), seconds)
    if "raw_durable" in throughput:
        raw_stats = throughput["raw_durable"]
        # the rule-run figure: careengine's rule run against raw durable-rules, like for like
        out["ratio_vs_raw"] = {b: _ratio(throughput[f"rules_{b}"], raw_stats) for b in engines}
        # the whole evaluation (derived facts to JSON) against raw's rule run, as before issue 16
        out["evaluate_vs_raw"] = {
            b: _ratio(throughput[f"careengine_{b}"], raw_stats) for b in engines
        }
    if "floor" in throughput:
        # time per plan of the floor / of careengine = careengine's plans/s / the floor's
        out["floor_ratio"] = {
            b: _ratio(throughput[f"full_{b}"], throughput["floor"]) for b in engines
        }
    out["peak_rss_mib_all_contenders"] = round(peak_rss_mib(), 1)
    return out


def measure_drift(workload: Workload, evaluations: int, warmup: int = 5000) -> dict[str, Any]:
    """RSS before and after ``evaluations`` evaluations on the default backend, after a warm-up
    (the allocator's arenas and the interpreter's caches fill during the first few thousand
    evaluations), with samples at each quarter to show whether memory keeps growing."""
    engine = Engine(**workload.engine_args())
    assessments = [engine.load_assessment(path) for path in workload.inputs]
    pipeline = _pipeline(engine)
    for n in range(warmup):
        pipeline(assessments[n % len(assessments)])
    gc.collect()
    before = rss_mib()
    samples = []
    start = time.perf_counter()
    quarter = max(1, evaluations // 4)
    for n in range(evaluations):
        pipeline(assessments[n % len(assessments)])
        if (n + 1) % quarter == 0:
            samples.append(round(rss_mib(), 2))
    elapsed = time.perf_counter() - start
    gc.collect()
    after = rss_mib()
    return {
        "workload": workload.name,
        "backend": engine.backend_name,
        "warmup": warmup,
        "evaluations": evaluations,
        "rss_before_mib": round(before, 2),
        "rss_quarters_mib": samples,
        "rss_after_mib": round(after, 2),
        "drift_percent": round((after - before) / before * 100, 2),
        "per_second": round(evaluations / elapsed, 1),
    }
