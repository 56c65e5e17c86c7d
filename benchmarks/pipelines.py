"""What one "plan" costs, in the phases the benchmark times, each a callable over an input index.

* :func:`full`: the headline figure, what ``careengine evaluate FILE`` does per file after the
  interpreter has started and the engine is built: read the file's text, parse, validate it
  against the schema and the catalog (``Engine.load_assessment``), evaluate, and write the plan's
  JSON text (``Engine.render(plan, "json")``); not the write to stdout or disk;
* :func:`evaluate_json`: the figure ``make bench`` headlined before issue 16, from an assessment
  already loaded: derived facts, rules, merge, review, JSON text;
* :func:`rule_run`: careengine's rule run alone (the runner and its backend) on the facts the
  engine would assert, the like-for-like partner of raw durable-rules on the same compiled
  rules (no scoring, merge, review or JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from careengine import Engine
from careengine.model import Assessment
from careengine.pipeline.facts import assessment_facts, derived_facts
from careengine.render.serialize import dumps

Run = Callable[[int], object]


def full(engine: Engine, paths: Sequence[Path]) -> Run:
    def run(i: int) -> str:
        return engine.render(engine.evaluate(engine.load_assessment(paths[i])), "json")

    return run


def evaluate_json(engine: Engine, assessments: Sequence[Assessment]) -> Run:
    def run(i: int) -> str:
        return dumps(engine.evaluate(assessments[i]))

    return run


def engine_facts(engine: Engine, assessment: Assessment) -> list[dict[str, Any]]:
    """The facts :meth:`Engine.evaluate` asserts for ``assessment`` (derived facts included)."""
    return assessment_facts(assessment) + derived_facts(engine._derive(assessment)[1])


def rule_run(engine: Engine, facts: Sequence[Sequence[dict[str, Any]]]) -> Run:
    runner = engine._runner
    lock = engine._lock

    def run(i: int) -> object:
        with lock:  # as Engine.evaluate holds it around the rule run
            return runner.run(facts[i])

    return run
