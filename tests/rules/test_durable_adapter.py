"""The durable-rules adapter: one test per sharp edge it neutralises
(careengine/rules/durable_backend.py, docs/design.md section 4.3).

Tests that need durable-rules are skipped where it does not import; where a behaviour belongs to
the runner and holds for every backend, the python backend runs too, as the oracle.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from careengine import Engine, RuleExecutionError, RulePackError
from careengine.model import Plan
from careengine.rules import Add, Call, Match, Rule, When, condition, finding, gte, one_of
from careengine.rules.compile import (
    MAX_IDENTICAL_PATTERNS,
    MAX_RULES_PER_SHARD,
    CompiledRule,
    Program,
    Shard,
)
from tests.plugins import catalog, variety
from tests.plugins.packs import CatalogPlugin, RulePackPlugin
from tests.support import (
    BACKENDS,
    assess,
    dumps,
    evaluate,
    make_engine,
    needs_durable,
    placed,
    placed_ids,
)

#: durable-rules hangs for ever (holding the GIL) when a ruleset is past some limits, so a
#: durable engine past a limit is first built in a forked child that may be killed.
BUILD_SECONDS = 60


def build_or_fail(build: Callable[[], object]) -> None:
    """Run ``build`` in a forked child; fail (rather than hang) when it does not finish."""
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return
    child = multiprocessing.get_context("fork").Process(target=build)
    child.start()
    child.join(BUILD_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"building the engine did not finish in {BUILD_SECONDS} s (durable-rules hang)")
    assert child.exitcode == 0, "building the engine failed in the child process"


def add_bridge(rule_id: str, *patterns: Any, **when: Any) -> Rule:
    return Rule(
        id=rule_id,
        because=f"generated rule {rule_id}",
        when=When(all=patterns, **when),
        then=(Add(intervention="bridge", stage="strengthen"),),
    )


def shards(program: Program) -> list[Shard]:
    return [shard for stratum in program.strata for shard in stratum.shards]


def fired_for(plan: Plan, intervention: str = "bridge") -> set[str]:
    return {
        b.rule
        for _, item in plan.items()
        if item.intervention == intervention
        for b in item.because
    }


def durable_sessions(engine: Engine) -> list[tuple[int, str]]:
    """(ruleset handle, session id) for every session the engine's durable backend opened."""
    backend: Any = engine._backend
    sids = [f"{backend._prefix}-{n}" for n in range(1, backend._sessions + 1)]
    return [(handle, sid) for handle in backend._handles.values() for sid in sids]


def assert_no_live_session(engine: Engine) -> None:
    """Every session is deleted, except the one per ruleset kept for reuse, which holds no fact
    of any past evaluation (only the sentinel that opened it)."""
    import json

    import durable_rules_engine

    sessions = durable_sessions(engine)
    assert sessions, "the engine opened no session"
    kept = set(engine._backend.live_sessions())  # type: ignore[attr-defined]
    assert len({handle for handle, _ in kept}) == len(kept), "two live sessions on one ruleset"
    for handle, sid in sessions:
        if (handle, sid) in kept:
            facts = json.loads(durable_rules_engine.get_facts(handle, sid))
            assert [f["id"] for f in facts] == ["__session"], facts
            continue
        with pytest.raises(durable_rules_engine.error, match="309"):
            durable_rules_engine.get_state(handle, sid)


# --- 2. exceptions in actions ----------------------------------------------------------------


def exploding(match: Match) -> list[Add]:
    raise ValueError(f"exploded on {match.codes('finding')}")


EXPLODING = RulePackPlugin(
    "exploding",
    [
        Rule(
            id="boom",
            because="raises on purpose",
            when=When(all=(finding("core_facilitation_poor", side="left"),)),
            then=(Call(fn=exploding),),
        )
    ],
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_action_error_names_the_rule_and_the_next_evaluation_is_correct(backend: str) -> None:
    engine = make_engine(EXPLODING, backend=backend)
    normal = {"findings": ["thoracic_mobility_limited", "core_facilitation_poor"], "age": 30}
    before = dumps(evaluate(engine, **normal))
    with pytest.raises(RuleExecutionError) as info:
        evaluate(engine, findings=[{"code": "core_facilitation_poor", "side": "left"}])
    assert info.value.rule_id == "exploding.boom"
    assert str(info.value) == (
        "rule exploding.boom: action exploding raised ValueError: "
        "exploded on ('core_facilitation_poor',)"
    )
    assert isinstance(info.value.__cause__, ValueError)
    after = dumps(evaluate(engine, **normal))
    assert after == before == dumps(evaluate(make_engine(EXPLODING, backend=backend), **normal))
    if backend == "durable":
        assert_no_live_session(engine)


# --- 3. facts that match no rule -------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_facts_that_no_rule_matches_do_not_break_evaluation(backend: str) -> None:
    engine = make_engine(catalog, backend=backend)
    plain = evaluate(engine, findings=["thoracic_mobility_limited"])
    plan = evaluate(
        engine,
        findings=[
            "thoracic_mobility_limited",
            "fear_avoidance",  # no rule tests this code at all
            {"code": "glute_weakness", "severity": "mild"},  # tested, but fails the test
        ],
        conditions=["pregnancy"],
        red_flags=["night_pain"],
        measures={"odi_percent": 30},
    )
    assert (
        placed(plan)
        == placed(plain)
        == {
            "relieve": [],
            "mobilize": ["open_book_rotation"],
            "strengthen": [],
            "return": [],
        }
    )
    assert plan.unaddressed == ("fear_avoidance", "glute_weakness")


@needs_durable
def test_durable_session_accepts_an_unmatched_fact_and_keeps_matching() -> None:
    from careengine.rules.durable_backend import DurableBackend

    program = make_engine().program
    backend = DurableBackend(shards(program))
    try:
        with backend.session(shards(program)[0]) as session:
            unmatched = {"id": "u", "type": "finding", "code": "never_tested", "present": True}
            assert session.assert_facts([unmatched]) == []
            fact = {
                "id": "t",
                "type": "finding",
                "code": "thoracic_mobility_limited",
                "present": True,
            }
            matches = session.assert_facts([unmatched | {"id": "u2"}, fact])
        assert [program.rules[key].rule.id for key, _ in matches] == ["demo.thoracic"]
        assert [dict(bound) for _, bound in matches] == [{"p0": fact}]
    finally:
        backend.close()


# --- 4. identical facts ----------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_identical_findings_are_both_kept(backend: str) -> None:
    seen: list[list[str]] = []

    def record(match: Match) -> list[Add]:
        seen.append(sorted(str(f["id"]) for f in match.facts.values()))
        return []

    pack = RulePackPlugin(
        "twins",
        [
            add_bridge("pair", finding("glute_weakness"), finding("glute_weakness")),
            Rule(
                id="count",
                because="records every match",
                when=When(all=(finding("glute_weakness"),)),
                then=(Call(fn=record),),
            ),
        ],
    )
    engine = make_engine(pack, backend=backend)
    one = {"code": "glute_weakness", "side": "left", "severity": "mild"}
    assert "twins.pair" not in fired_for(evaluate(engine, findings=[one]))
    assert len(seen) == 1
    seen.clear()
    plan = evaluate(engine, findings=[one, dict(one)])
    assert fired_for(plan) == {"twins.pair"}
    (item,) = plan.stage("strengthen").items
    assert item.because[0].matched == ("finding:glute_weakness",)
    assert sorted(seen) == [["finding:glute_weakness:0"], ["finding:glute_weakness:1"]]


# --- 7. per-ruleset limits: the compiler shards, a late shard still fires ----------------------

GENERATED_FINDINGS = 30
THRESHOLDS = 140  # 30 x 140 = 4,200 rules, past durable-rules' 4,096 per ruleset


def generated_engine(rules: Sequence[Rule], findings: Sequence[str], backend: str) -> Engine:
    def build() -> Engine:
        return make_engine(
            CatalogPlugin("generated_catalog", findings=findings),
            RulePackPlugin("gen", rules),
            backend=backend,
        )

    if backend == "durable":
        build_or_fail(build)
    return build()


def late_rule(engine: Engine) -> CompiledRule:
    """The last generated rule of the last shard that holds generated rules (not the first)."""
    all_shards = shards(engine.program)
    index, rule = max(
        ((i, r) for i, shard in enumerate(all_shards) for r in shard.rules if r.pack.id == "gen"),
        key=lambda pair: pair[0],
    )
    assert index > 0
    return rule


@pytest.mark.parametrize("backend", BACKENDS)
def test_more_than_4096_rules(backend: str) -> None:
    codes = [f"gen_{k:02d}" for k in range(GENERATED_FINDINGS)]
    rules = [
        add_bridge(f"r{i:04d}", finding(codes[i % len(codes)], value=gte(i // len(codes))))
        for i in range(GENERATED_FINDINGS * THRESHOLDS)
    ]
    engine = generated_engine(rules, codes, backend)
    # (assert on plain numbers: the repr of a program this size is enormous)
    rule_count: int = engine.program.rule_count
    shard_sizes = [len(shard.rules) for shard in shards(engine.program)]
    assert rule_count == len(rules) + len(make_engine().packs[0].rules) > 4096
    assert len(shard_sizes) >= len(rules) // MAX_RULES_PER_SHARD
    assert max(shard_sizes) <= MAX_RULES_PER_SHARD
    late = late_rule(engine)
    code = late.patterns[0].code
    plan = evaluate(engine, findings=[{"code": code, "value": 1000}])
    expected = {f"gen.{r.id}" for r in rules if r.when.all[0].code == code}
    assert len(expected) == THRESHOLDS
    assert late.rule.id in fired_for(plan) == expected
    plan = evaluate(engine, findings=[{"code": code, "value": 2}])
    assert fired_for(plan) == {f"gen.r{i:04d}" for i in range(90) if codes[i % 30] == code}


@pytest.mark.parametrize("backend", BACKENDS)
def test_more_than_256_rules_sharing_one_pattern(backend: str) -> None:
    rules = [add_bridge(f"same{i:03d}", finding("glute_weakness")) for i in range(300)]
    engine = generated_engine(rules, [], backend)
    per_shard = [sum(r.pack.id == "gen" for r in shard.rules) for shard in shards(engine.program)]
    assert sum(per_shard) == 300
    assert len(per_shard) >= 2
    assert max(per_shard) <= MAX_IDENTICAL_PATTERNS
    plan = evaluate(engine, findings=["glute_weakness"])
    assert late_rule(engine).rule.id in fired_for(plan)
    assert fired_for(plan) == {f"gen.same{i:03d}" for i in range(300)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_more_than_512_codes_under_one_fact_type(backend: str) -> None:
    # 300 rules joining two codes each: 600 distinct codes, few enough rules for one ruleset
    codes = [f"gen_{k:03d}" for k in range(600)]
    rules = [
        add_bridge(f"pair{k:03d}", finding(codes[2 * k]), finding(codes[2 * k + 1]))
        for k in range(300)
    ]
    engine = generated_engine(rules, codes, backend)
    finding_codes = [
        {code for fact_type, code in shard.keys if fact_type == "finding"}
        for shard in shards(engine.program)
    ]
    assert set(codes) <= set().union(*finding_codes)
    assert max(len(c) for c in finding_codes) <= 512
    late = late_rule(engine)
    pair = [p.code for p in late.patterns]
    assert fired_for(evaluate(engine, findings=pair)) == {late.rule.id}
    assert fired_for(evaluate(engine, findings=[*pair, codes[0], codes[1]])) == {
        late.rule.id,
        "gen.pair000",
    }
    assert fired_for(evaluate(engine, findings=pair[:1])) == set()


@pytest.mark.parametrize("backend", BACKENDS)
def test_more_than_512_values_under_one_test(backend: str) -> None:
    # two patterns per rule on one code: 600 distinct values under one node in 300 rules
    rules = [
        add_bridge(
            f"v{i:03d}",
            finding("glute_weakness", value=i),
            finding("glute_weakness", value=1000 + i),
        )
        for i in range(300)
    ]
    engine = generated_engine(rules, [], backend)
    assert len(shards(engine.program)) >= 600 // 512 + 1
    plan = evaluate(
        engine,
        findings=[
            # two sides: two values for one side would contradict each other (issue 13)
            {"code": "glute_weakness", "side": "left", "value": 299},
            {"code": "glute_weakness", "side": "right", "value": 1299},
        ],
    )
    assert fired_for(plan) == {"gen.v299"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_more_than_128_rules_sharing_an_in_test(backend: str) -> None:
    rules = [
        add_bridge(f"in{i:03d}", finding("glute_weakness", side=one_of("left", "right")))
        for i in range(150)
    ]
    engine = generated_engine(rules, [], backend)
    assert len(shards(engine.program)) >= 2
    plan = evaluate(engine, findings=[{"code": "glute_weakness", "side": "right"}])
    assert fired_for(plan) == {f"gen.in{i:03d}" for i in range(150)}
    assert (
        fired_for(evaluate(engine, findings=[{"code": "glute_weakness", "side": "bilateral"}]))
        == set()
    )


def test_an_in_list_too_long_for_any_ruleset_is_a_validation_error() -> None:
    rules = [add_bridge("huge-in", finding("glute_weakness", value=one_of(*range(600))))]
    with pytest.raises(RulePackError) as info:
        generated_engine(rules, [], "python")
    (problem,) = info.value.problems
    assert problem.rule_id == "gen.huge-in"
    assert problem.path == "when.all[0].value"
    assert "at most" in problem.message


# --- 1. threads ------------------------------------------------------------------------------

THREAD_CASES: list[Mapping[str, Any]] = [
    {"findings": ["thoracic_mobility_limited", "lumbar_hypomobility"], "age": 55},
    {
        "findings": [
            {"code": "glute_weakness", "side": "left", "severity": "severe"},
            {"code": "hip_flexor_tightness", "side": "left"},
            "fear_avoidance",
        ],
        "conditions": ["pregnancy"],
    },
    {"findings": [{"code": "centralization", "direction": "extension"}], "pain": 2},
    {
        "findings": ["lumbar_hypomobility"],
        "conditions": ["osteoporosis"],
        "red_flags": ["night_pain"],
        "age": 70,
    },
    {"findings": ["core_facilitation_poor"], "red_flags": ["saddle_anesthesia"]},
]


@needs_durable
def test_threads_sharing_one_engine_get_the_single_threaded_plans() -> None:
    engine = make_engine(catalog, variety, backend="durable")
    assessments = [assess(engine, **case) for case in THREAD_CASES]
    expected = [dumps(engine.evaluate(a)) for a in assessments]

    def worker(offset: int) -> list[bool]:
        return [
            dumps(engine.evaluate(assessments[(offset + n) % len(assessments)]))
            == expected[(offset + n) % len(assessments)]
            for n in range(50)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert [len(r) for r in results] == [50] * 8
    assert all(all(r) for r in results)


@needs_durable
def test_no_background_thread_is_started() -> None:
    before = {t.ident for t in threading.enumerate()}
    engine = make_engine(catalog, variety, backend="durable")
    for case in THREAD_CASES:
        evaluate(engine, **case)
    engine.close()
    assert {t.ident for t in threading.enumerate()} == before


# --- 5. and 6. sessions are deleted; no state leaks between evaluations ------------------------

NEGATIONS = RulePackPlugin(
    "negation",
    [
        # the blocking fact sorts after the matching fact in the batch ("condition:" <
        # "finding:", "finding:core..." < "finding:thoracic...") and before it
        add_bridge("blocker-later-1", condition("osteoporosis"), none=(finding("glute_weakness"),)),
        add_bridge(
            "blocker-later-2",
            finding("core_facilitation_poor"),
            none=(finding("thoracic_mobility_limited"),),
        ),
        add_bridge(
            "blocker-earlier",
            finding("thoracic_mobility_limited"),
            none=(finding("core_facilitation_poor"),),
        ),
    ],
)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("reverse", [False, True])
def test_negation_does_not_depend_on_fact_order(backend: str, reverse: bool) -> None:
    engine = make_engine(NEGATIONS, backend=backend)

    def fired(findings: list[str], conditions: Sequence[str] = ()) -> set[str]:
        findings = findings[::-1] if reverse else findings
        return fired_for(evaluate(engine, findings=findings, conditions=conditions)) - {
            "demo.weak-glutes"
        }

    assert fired([], ["osteoporosis"]) == {"negation.blocker-later-1"}
    assert fired(["glute_weakness"], ["osteoporosis"]) == set()
    assert fired(["core_facilitation_poor"]) == {"negation.blocker-later-2"}
    assert fired(["thoracic_mobility_limited"]) == {"negation.blocker-earlier"}
    assert fired(["core_facilitation_poor", "thoracic_mobility_limited"]) == set()


@needs_durable
def test_sessions_are_deleted_and_nothing_leaks_into_the_next_evaluation() -> None:
    engine = make_engine(catalog, variety, NEGATIONS, backend="durable")
    blocked = assess(
        engine,
        findings=["glute_weakness", "core_facilitation_poor", "thoracic_mobility_limited"],
        conditions=["osteoporosis"],
    )
    unblocked = assess(engine, findings=["core_facilitation_poor"], conditions=["osteoporosis"])
    first = (dumps(engine.evaluate(blocked)), dumps(engine.evaluate(unblocked)))
    assert_no_live_session(engine)
    assert {"negation.blocker-later-1", "negation.blocker-later-2"} <= fired_for(
        engine.evaluate(unblocked)
    )
    assert not fired_for(engine.evaluate(blocked)) & {
        "negation.blocker-later-1",
        "negation.blocker-later-2",
        "negation.blocker-earlier",
    }
    for _ in range(500):
        assert (dumps(engine.evaluate(blocked)), dumps(engine.evaluate(unblocked))) == first
    assert_no_live_session(engine)


@needs_durable
def test_close_frees_the_rulesets() -> None:
    import durable_rules_engine

    engine = make_engine(backend="durable")
    evaluate(engine, findings=["glute_weakness"])
    handles = list(engine._backend._handles.values())  # type: ignore[attr-defined]
    engine.close()
    engine.close()  # idempotent
    for handle in handles:
        with pytest.raises(durable_rules_engine.error):
            durable_rules_engine.assert_facts(
                handle, '[{"id": "x", "sid": "s", "type": "finding", "code": "c"}]'
            )


def test_two_engines_have_independent_rulesets() -> None:
    plain = make_engine()
    extended = make_engine(catalog, NEGATIONS)
    args = {"findings": [], "conditions": ["osteoporosis"]}
    assert placed_ids(evaluate(extended, **args)) == {"bridge"}
    assert placed_ids(evaluate(plain, **args)) == set()
    assert placed_ids(evaluate(extended, **args)) == {"bridge"}
