"""durable-rules sessions: isolated per evaluation by default (own session ids, state deleted
when the evaluation ends), reused only when the engine is built with ``reuse_sessions=True``, and
then giving the same plans and keeping no fact of a past evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from careengine import Engine
from careengine.render.serialize import dumps
from tests.rules.test_durable_adapter import assert_no_live_session
from tests.support import needs_durable

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "assessments").glob("*.json"))


def backend_of(engine: Engine) -> Any:
    return engine._backend


@needs_durable
def test_each_evaluation_opens_sessions_of_its_own_and_deletes_them() -> None:
    with Engine(entry_points=False, backend="durable") as engine:
        assessments = [engine.load_assessment(p) for p in EXAMPLES]
        opened = []
        for assessment in assessments:
            before = backend_of(engine)._sessions
            engine.evaluate(assessment)
            opened.append(backend_of(engine)._sessions - before)
            assert backend_of(engine).live_sessions() == []
        assert all(n >= 1 for n in opened), opened  # new session ids every time
        assert_no_live_session(engine)  # every one of them is gone from durable-rules


@needs_durable
def test_reused_sessions_give_the_same_plans_and_keep_no_past_fact() -> None:
    with (
        Engine(entry_points=False, backend="durable") as isolated,
        Engine(entry_points=False, backend="durable", reuse_sessions=True) as reused,
    ):
        assessments = [isolated.load_assessment(p) for p in EXAMPLES]
        for order in (assessments, assessments[::-1], assessments):
            for assessment in order:
                assert dumps(reused.evaluate(assessment)) == dumps(isolated.evaluate(assessment))
        rulesets = len(backend_of(reused)._handles)
        assert 1 <= len(backend_of(reused).live_sessions()) <= rulesets
        assert backend_of(reused)._sessions <= rulesets  # each ruleset's session was reused
        assert_no_live_session(reused)  # the kept sessions hold only their opening sentinel
