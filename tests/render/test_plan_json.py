"""The plan's JSON is written straight from the Plan (careengine.render.plan_json); it must be byte for
byte ``json.dumps(data, indent=2, ensure_ascii=False)`` of the data it holds plus a newline, for
every example, for random assessments, and for plans read back with progressions and odd text;
and its keys are those of docs/design.md section 6.3, in that order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from careengine import Engine
from careengine.model import Plan
from careengine.render.serialize import dumps, plan_from_dict, plan_to_dict
from tests.support import BACKENDS
from tests.test_properties import ENGINE, assessments

ROOT = Path(__file__).resolve().parents[2]
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


# docs/design.md section 6.3, key by key and in its order (a plan may carry more keys, never fewer or renamed)
CONTRACT: dict[str, tuple[str, ...]] = {
    "$": (
        "schema",
        "patient_id",
        "assessed_on",
        "status",
        "current_stage",
        "alerts",
        "referrals",
        "classifications",
        "stages",
        "excluded",
        "deferred",
        "conflicts",
        "unaddressed",
        "unrecognized",
        "progression",
        "provenance",
    ),
    "alert": ("code", "level", "message", "because"),
    "referral": ("to", "urgency", "reason"),
    "stage": ("id", "title", "goals", "progress_when", "items"),
    "item": (
        "intervention",
        "kind",
        "name",
        "dosage",
        "addresses",
        "precautions",
        "because",
        "progressed_from",
    ),
    "dosage": ("sets", "reps", "hold_seconds", "minutes", "per_week"),
    "because": ("rule", "pack", "pack_version", "plugin", "matched", "rationale"),
    "excluded": ("intervention", "reasons"),
    "progression": ("from_stage", "to_stage", "decision", "reasons"),
    "provenance": ("engine_version", "plugins", "packs", "fingerprint", "content_sha256"),
    "pack": ("version", "sha256"),
}


def _in_order(keys: list[str], contract: tuple[str, ...]) -> bool:
    """``contract`` is a subsequence of ``keys``."""
    rest = iter(keys)
    return all(key in rest for key in contract)


def test_keys_are_those_of_design_6_3() -> None:
    engine = Engine(entry_points=False)
    referral = next(p for p in EXAMPLES if "cauda" in p.name)
    withheld = plan_to_dict(engine.evaluate(engine.load_assessment(referral)))
    assert withheld["alerts"] and withheld["referrals"] and withheld["excluded"]
    data = plan_to_dict(engine.evaluate(engine.load_assessment(EXAMPLES[0])))
    data["progression"] = {"from_stage": "relieve", "to_stage": "relieve", "decision": "hold"}
    items = [item for stage in data["stages"] for item in stage["items"]]
    items[0]["progressed_from"] = items[0]["intervention"]
    data = plan_to_dict(plan_from_dict(data))
    item = next(i for s in data["stages"] for i in s["items"] if "progressed_from" in i)
    checks = [
        ("$", data),
        ("alert", withheld["alerts"][0]),
        ("because", withheld["alerts"][0]["because"][0]),
        ("referral", withheld["referrals"][0]),
        ("excluded", withheld["excluded"][0]),
        ("stage", data["stages"][0]),
        ("item", item),
        ("dosage", item["dosage"]),
        ("because", item["because"][0]),
        ("progression", data["progression"]),
        ("provenance", data["provenance"]),
        ("pack", next(iter(data["provenance"]["packs"].values()))),
    ]
    for name, node in checks:
        assert _in_order(list(node), CONTRACT[name]), (name, list(node))
