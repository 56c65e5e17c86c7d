"""Actions returned by Python code while rules fire meet the same checks as declared actions."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from careengine import Engine, RuleExecutionError
from careengine.hookspecs import hookimpl
from careengine.model import Plan
from careengine.registry import RulePackRegistry
from careengine.rules import Action, Add, Call, Derive, Match, Rule, StartStage, When, derived
from careengine.rules.backend import durable_available

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
    assert ("strengthen", "bridge") in {(s, i.intervention) for s, i in plan.items()}
