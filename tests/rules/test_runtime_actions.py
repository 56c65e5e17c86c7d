"""Actions returned by Python code while rules fire meet the same checks as declared actions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from careengine import Engine, RuleExecutionError
from careengine.cli import cli
from careengine.model import Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RulePackRegistry
from careengine.rules import (
    Action,
    Add,
    Call,
    Derive,
    Match,
    Rule,
    StartStage,
    When,
    derived,
    finding,
)
from careengine.rules.backend import durable_available
from careengine.rules.runner import MAX_DERIVE_ROUNDS, MAX_DERIVED_FACTS

BACKENDS = ["python"] + (["durable"] if durable_available() else [])


def engine_returning(actions: Sequence[Action], backend: str) -> Engine:
    class Pack:
        __name__ = "runtime_pack"

        @hookimpl
        def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
            def produce(match: Match) -> Sequence[Action]:
                return list(actions)

            registry.add_pack(
                id="rt",
                version="1",
                title="t",
                population="tests",
                sources=["tests"],
                rules=[
                    Rule(
                        id="py",
                        because="python action",
                        when=When(all=(derived("assessed"),)),
                        then=(Call(fn=produce),),
                    )
                ],
            )

    return Engine(entry_points=False, plugins=[Pack()], backend=backend)


def run(engine: Engine) -> Plan:
    return engine.evaluate(engine.load_assessment({"patient": {"id": "r-1"}}))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Add(intervention="nope", stage="relieve"), "rule rt.py: unknown intervention 'nope'"),
        (Add(intervention="bridge", stage="later"), "rule rt.py: unknown stage 'later'"),
        (StartStage(stage="later"), "rule rt.py: unknown stage 'later'"),
        (Derive(code="undeclared"), "rule rt.py: action"),
    ],
)
def test_runtime_actions_are_checked_and_name_the_rule(
    backend: str, action: Action, message: str
) -> None:
    engine = engine_returning([action], backend)
    with pytest.raises(RuleExecutionError) as info:
        run(engine)
    assert str(info.value).startswith(message)
    assert info.value.rule_id == "rt.py"


@pytest.mark.parametrize("backend", BACKENDS)
def test_valid_runtime_actions_reach_the_plan(backend: str) -> None:
    plan = run(engine_returning([Add(intervention="bridge", stage="strengthen")], backend))
    # the bridge may come forward to the stage the plan starts in: it counts where it was proposed
    placed = {(i.proposed_stage or s, i.intervention) for s, i in plan.items()}
    assert ("strengthen", "bridge") in placed


# --- bounded chaining --------------------------------------------------------------------------

#: calls after which a runaway action gives up by itself, so that these tests end (with a
#: different message) on an engine that does not bound chaining
RUNAWAY = 2_000


def engine_with_cycle(backend: str, *, per_round: int = 1) -> Engine:
    """``cyc.grow`` derives ``n + 1`` (``per_round`` new values at a time) from every ``n``;
    ``cyc.seed`` starts the cycle only for an assessment with a glute weakness."""
    calls: list[int] = []

    def grow(match: Match) -> Sequence[Action]:
        calls.append(1)
        if len(calls) > RUNAWAY or len(calls) * per_round > 4 * MAX_DERIVED_FACTS:
            raise RuntimeError("runaway")
        n = match.facts["p0"]["value"]
        return [Derive(code="n", value=n * per_round + k + 1) for k in range(per_round)]

    class Pack:
        __name__ = "cycle_pack"

        @hookimpl
        def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
            registry.add_pack(
                id="cyc",
                version="1",
                title="t",
                population="tests",
                sources=["tests"],
                rules=[
                    Rule(
                        id="seed",
                        because="start",
                        when=When(all=(finding("glute_weakness"),)),
                        then=(Derive(code="n", value=0),),
                    ),
                    Rule(
                        id="grow",
                        because="never stops",
                        when=When(all=(derived("n"),)),
                        then=(Call(fn=grow, derives=("n",)),),
                    ),
                ],
            )

    return Engine(entry_points=False, plugins=[Pack()], backend=backend)


WEAK = {
    "patient": {"id": "c-1"},
    "findings": [{"code": "glute_weakness", "present": True}],
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_derive_cycle_stops_after_the_round_limit_and_frees_the_engine(backend: str) -> None:
    engine = engine_with_cycle(backend)
    with pytest.raises(RuleExecutionError) as info:
        engine.evaluate(engine.load_assessment(WEAK))
    assert info.value.rule_id == "cyc.grow"
    assert str(info.value).startswith(
        f"rule cyc.grow: derive cycle: still deriving new facts after {MAX_DERIVE_ROUNDS} rounds"
    )
    assert "(the last: n = " in str(info.value)
    assert info.value.exit_code == 1
    # the lock is free and the sessions are gone: the same engine evaluates the next assessment
    assert not engine._lock.locked()
    plan = run(engine)
    assert plan.patient_id == "r-1"
    with pytest.raises(RuleExecutionError, match="derive cycle"):  # and fails the same way again
        engine.evaluate(engine.load_assessment(WEAK))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_rule_deriving_too_many_facts_stops_at_the_fact_limit(backend: str) -> None:
    engine = engine_with_cycle(backend, per_round=MAX_DERIVED_FACTS // 4)
    with pytest.raises(RuleExecutionError) as info:
        engine.evaluate(engine.load_assessment(WEAK))
    assert info.value.rule_id == "cyc.grow"
    assert f"derived more than {MAX_DERIVED_FACTS} facts in one evaluation" in str(info.value)
    assert not engine._lock.locked()
    assert run(engine).patient_id == "r-1"


def test_the_cli_reports_a_derive_cycle_in_one_line(tmp_path: Path) -> None:
    plugin = tmp_path / "cycle_plugin.py"
    plugin.write_text(CYCLE_PLUGIN, encoding="utf-8")
    source = tmp_path / "a.json"
    source.write_text(json.dumps(WEAK), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["evaluate", str(source), "--plugin", str(plugin), "--backend", "python"]
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"error: rule cyc.grow: derive cycle: still deriving new facts after "
        f"{MAX_DERIVE_ROUNDS} rounds of chaining (the last: n = {MAX_DERIVE_ROUNDS}); "
        "a rule that keeps deriving new values never finishes"
    ]


CYCLE_PLUGIN = """
from careengine.plugins.hookspecs import hookimpl
from careengine.rules import Call, Derive, Rule, When, derived, finding

calls = []


def grow(match):
    calls.append(1)
    if len(calls) > 2_000:
        raise RuntimeError("runaway")
    return [Derive(code="n", value=match.facts["p0"]["value"] + 1)]


@hookimpl
def careengine_rule_packs(registry):
    registry.add_pack(
        id="cyc", version="1", title="t", population="tests", sources=["tests"],
        rules=[
            Rule(id="seed", because="start", when=When(all=(finding("glute_weakness"),)),
                 then=(Derive(code="n", value=0),)),
            Rule(id="grow", because="never stops", when=When(all=(derived("n"),)),
                 then=(Call(fn=grow, derives=("n",)),)),
        ],
    )
"""
