"""One Engine shared by many threads (docs/performance.md, "Threads"): 8 threads x 500 evaluations
on one engine give exactly the single-threaded plans, on both backends; no background thread is
ever started; closing the engine while threads evaluate is a clear error, never a crash."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from careengine import ConfigurationError, Engine
from careengine.model import TermKind
from careengine.render.serialize import dumps
from tests.support import BACKENDS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    json.loads(p.read_text(encoding="utf-8"))
    for p in sorted((ROOT / "examples" / "assessments").glob("*.json"))
]
THREADS = 8
EVALUATIONS = 500


def inputs(engine: Engine) -> list[dict[str, Any]]:
    """The example assessments and variations of them (other findings, flags, conditions)."""
    findings = engine.catalog.codes(TermKind.FINDING)
    conditions = engine.catalog.codes(TermKind.CONDITION)
    out = list(EXAMPLES)
    for n, base in enumerate(EXAMPLES):
        data = json.loads(json.dumps(base))
        data["patient"]["id"] = f"{data['patient']['id']}-v"
        data["findings"] = [
            *data.get("findings", []),
            {"code": findings[(7 * n) % len(findings)], "side": "left", "severity": "moderate"},
        ]
        data["patient"]["conditions"] = [conditions[(3 * n) % len(conditions)]]
        data["patient"].pop("pregnancy", None)  # it must agree with the condition pregnancy
        out.append(data)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_8_threads_x_500_evaluations_give_the_single_threaded_plans(backend: str) -> None:
    before = set(threading.enumerate())
    engine = Engine(entry_points=False, backend=backend)
    cases = inputs(engine)
    expected = [dumps(engine.evaluate(engine.load_assessment(data))) for data in cases]
    assert len(set(expected)) == len(cases)  # every input has its own plan

    def worker(offset: int) -> list[int]:
        wrong = []
        for n in range(EVALUATIONS):
            index = (offset * 7 + n) % len(cases)
            plan = engine.evaluate(engine.load_assessment(cases[index]))
            if dumps(plan) != expected[index]:
                wrong.append(index)
            if n % 50 == 0:  # rendering shares the engine too
                assert engine.render(plan, "text")
        return wrong

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    assert results == [[]] * THREADS
    # the engine started no thread of its own (durable-rules' Host threads never run)
    assert set(threading.enumerate()) == before
    if backend == "durable":
        from tests.rules.test_durable_adapter import assert_no_live_session

        assert_no_live_session(engine)
    engine.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_closing_while_threads_evaluate_is_a_clear_error(backend: str) -> None:
    engine = Engine(entry_points=False, backend=backend)
    assessment = engine.load_assessment(EXAMPLES[0])
    expected = dumps(engine.evaluate(assessment))
    started = threading.Barrier(5)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        started.wait()
        for _ in range(200):
            try:
                result = "same" if dumps(engine.evaluate(assessment)) == expected else "DIFFERENT"
            except ConfigurationError as exc:
                result = str(exc)
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    engine.close()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 4 * 200
    assert set(outcomes) <= {"same", "this engine is closed; build a new Engine"}
    with pytest.raises(ConfigurationError, match="this engine is closed"):
        engine.evaluate(assessment)
