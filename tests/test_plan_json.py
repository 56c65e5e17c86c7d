"""The plan's JSON is written straight from the Plan (careengine.plan_json); it must be byte for
byte ``json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False)`` plus a newline, for every
example, for random assessments, and for plans read back with progressions and odd text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from careengine import Engine
from careengine.model import Plan
from careengine.serialize import dumps, plan_from_dict, plan_to_dict
from tests.support import BACKENDS
from tests.test_properties import ENGINE, assessments

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))


def reference(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_example_plan(backend: str) -> None:
    engine = Engine(entry_points=False, backend=backend)
    for path in EXAMPLES:
        plan = engine.evaluate(engine.load_assessment(path))
        assert dumps(plan) == reference(plan), path.name


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=assessments())
def test_random_assessments(data: dict[str, Any]) -> None:
    plan = ENGINE.evaluate(ENGINE.load_assessment(data))
    assert dumps(plan) == reference(plan)


def test_plans_read_back_with_progressions_history_and_odd_text() -> None:
    engine = Engine(entry_points=False)
    data = plan_to_dict(engine.evaluate(engine.load_assessment(EXAMPLES[0])))
    step = {
        "from_stage": "relieve",
        "to_stage": "mobilize",
        "decision": "advance",
        "reasons": ["ok"],
    }
    data["progression"] = step
    data["history"] = [step, dict(step, decision="hold", reasons=[])]
    data["patient_id"] = 'é "quoted" \\ \n \u2028 \ud83d\ude00'
    data["classifications"] = {
        "x": {"score": 1.5e-07, "big": 10**20, "none": None, "list": [1, []]}
    }
    items = [item for stage in data["stages"] for item in stage["items"]]
    assert items
    items[0]["progressed_from"] = "bridge"
    plan = plan_from_dict(data)
    assert plan.progression is not None and len(plan.history) == 2
    assert dumps(plan) == reference(plan)
    assert json.loads(dumps(plan)) == plan_to_dict(plan)
