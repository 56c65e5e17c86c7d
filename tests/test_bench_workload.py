"""The benchmark's synthetic workload (benchmarks/workload.py) is valid input for the real paths,
and its raw durable-rules baseline fires what careengine fires. No timing here: performance is
measured by ``make bench`` only."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.workload import Vocabulary, pack_toml, synthetic
from careengine import Engine
from careengine.pipeline.facts import assessment_facts, derived_facts
from careengine.render.serialize import dumps
from tests.support import BACKENDS, needs_durable


def test_packs_are_seeded_and_grow_with_the_size() -> None:
    vocab = Vocabulary.for_rules(200)
    assert pack_toml(200, vocab) == pack_toml(200, vocab)
    assert pack_toml(200, vocab).count("[[rules]]") == 200
    assert Vocabulary.for_rules(20_000).findings > vocab.findings


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_synthetic_workload_loads_and_evaluates(tmp_path: Path, backend: str) -> None:
    workload = synthetic(tmp_path, 200, count=20)
    engine = Engine(backend=backend, **workload.engine_args())
    assert engine.program.rule_count == 200
    plans = [dumps(engine.evaluate(engine.load_assessment(p))) for p in workload.inputs]
    assert sum('"intervention"' in plan for plan in plans) >= len(plans) // 2  # rules do fire


@needs_durable
def test_raw_durable_rules_fires_a_superset_of_what_careengine_fires(tmp_path: Path) -> None:
    from benchmarks.raw_durable import RawDurable

    workload = synthetic(tmp_path, 200, count=20)
    engine = Engine(backend="durable", **workload.engine_args())
    shards = [s for stratum in engine.program.strata for s in stratum.shards]
    raw = RawDurable(shards, prefix="raw_test")
    try:
        for path in workload.inputs:
            assessment = engine.load_assessment(path)
            facts = assessment_facts(assessment) + derived_facts(engine._derive(assessment)[1])
            fired = set(engine._runner.run(facts).fired)
            raw_fired = {engine.program.rules[key].rule.id for key in raw.evaluate(facts)}
            assert fired <= raw_fired
            # only rules with a `none` clause may fire raw but not in careengine
            assert all(
                engine.program.rules[k].negations
                for k in raw.evaluate(facts)
                if engine.program.rules[k].rule.id not in fired
            )
    finally:
        raw.close()


@needs_durable
def test_the_bench_sees_the_backends_agree_on_the_built_in_knowledge_base() -> None:
    """The bench's agreement check ignores only the backend's name and the digest that covers
    it; before the digest was left out, it reported "NO" for identical plans."""
    from benchmarks.measure import _backend_neutral

    path = Path("examples/assessments/desk-worker.json")
    texts = []
    for backend in ("durable", "python"):
        engine = Engine(entry_points=False, backend=backend)
        plan = dumps(engine.evaluate(engine.load_assessment(path)))
        texts.append(_backend_neutral(plan, backend))
    assert texts[0] == texts[1]
    assert "content_sha256" not in texts[0]
    assert _backend_neutral(texts[0].replace("desk", "d3sk"), "-") != texts[0]
