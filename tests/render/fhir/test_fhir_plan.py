"""``--format fhir``: the plan as a FHIR R4 collection Bundle (careengine.render.fhir.plan_bundle)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from careengine import Engine
from careengine.cli import cli
from careengine.fhir import plan_bundle
from careengine.io.fhir import codes as c
from careengine.model import Decision, Plan, Progression
from careengine.render.fhir.plan_bundle import pain_bound
from tests import fhir_checks

EXAMPLES = sorted(Path("examples/assessments").glob("*.json"))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(entry_points=False)


def evaluate(engine: Engine, source: Path | dict[str, Any]) -> Plan:
    return engine.evaluate(engine.load_assessment(source))


def bundle_for(engine: Engine, source: Path | dict[str, Any]) -> dict[str, Any]:
    return json.loads(engine.render(evaluate(engine, source), "fhir"))


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def resolve(bundle: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == ref["reference"])


def codes(concept: dict[str, Any]) -> list[tuple[str, str]]:
    return [(x["system"], x["code"]) for x in concept.get("coding", [])]


def whole_plan(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in resources(bundle, "CarePlan") if "partOf" not in r)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_gives_a_bundle_that_parses_and_passes_our_checks(
    engine: Engine, path: Path
) -> None:
    bundle = bundle_for(engine, path)
    parsed = fhir_checks.parse(bundle)
    assert parsed.type == "collection"
    assert len(parsed.entry) == len(bundle["entry"]) > 5
    assert fhir_checks.problems(bundle) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda b: whole_plan(b).update(status="proposed"), "CarePlan.status"),
        (lambda b: whole_plan(b).update(intent="suggestion"), "CarePlan.intent"),
        (lambda b: b.update(type="bag"), "Bundle.type"),
        (lambda b: resources(b, "Goal")[0].update(lifecycleStatus="maybe"), "Goal.lifecycle"),
        (lambda b: resources(b, "ServiceRequest")[0].update(priority="soon"), "priority"),
        (
            lambda b: whole_plan(b)["activity"][0].update(detail={"status": "not-started"}),
            "cpl-3",
        ),
        (
            lambda b: whole_plan(b)["subject"].update(reference="urn:uuid:nobody"),
            "does not resolve",
        ),
        (
            lambda b: whole_plan(b)["goal"][0].update(
                reference=b["entry"][-2]["fullUrl"]  # the Patient
            ),
            "may not refer to a Patient",
        ),
        (lambda b: b["entry"][3].update(fullUrl=b["entry"][2]["fullUrl"]), "used twice"),
        (lambda b: whole_plan(b)["text"].update(div="<div>unclosed"), "XHTML"),
        (
            lambda b: resources(b, "RequestGroup")[0]["action"][1]["relatedAction"][0].update(
                actionId="stage-9"
            ),
            "unknown action",
        ),
        (
            lambda b: resources(b, "RequestGroup")[0]["action"][0].update(action=[{"title": "x"}]),
            "rqg-1",
        ),
        (
            lambda b: whole_plan(b)["extension"][0].update(extension=[{"url": "a"}]),
            "ext-1",
        ),
        (lambda b: resources(b, "Device")[0]["deviceName"][0].update(type="nickname"), "Device"),
        (lambda b: whole_plan(b)["text"].update(status="made-up"), "text.status"),
    ],
)
def test_our_checks_catch_what_fhir_resources_lets_through(
    engine: Engine, breakage: Any, expected: str
) -> None:
    bundle = bundle_for(engine, Path("examples/assessments/desk-worker.json"))
    broken = copy.deepcopy(bundle)
    breakage(broken)
    assert any(expected in p for p in fhir_checks.problems(broken)), fhir_checks.problems(broken)


def test_fhir_resources_rejects_a_structurally_wrong_resource(engine: Engine) -> None:
    bundle = bundle_for(engine, Path("examples/assessments/desk-worker.json"))
    resources(bundle, "ServiceRequest")[0]["dosage"] = "3 x 10"  # no such element
    with pytest.raises(ValueError, match="dosage"):
        fhir_checks.parse(bundle)


def test_the_same_input_gives_the_same_bytes_and_ids(engine: Engine) -> None:
    path = Path("examples/assessments/desk-worker.json")
    first = engine.render(evaluate(engine, path), "fhir")
    other = Engine(entry_points=False)
    assert other.render(evaluate(other, path), "fhir") == first
    data = json.loads(path.read_text())
    data["patient"]["id"] = "p-someone-else"
    ids = {e["fullUrl"] for e in json.loads(first)["entry"]}
    other_ids = {e["fullUrl"] for e in bundle_for(engine, data)["entry"]}
    device = {e["fullUrl"] for e in json.loads(first)["entry"] if "deviceName" in e["resource"]}
    assert ids & other_ids == device  # only the engine's Device is shared


def test_stages_are_ordered_and_hold_their_items_in_plan_order(engine: Engine) -> None:
    path = Path("examples/assessments/desk-worker.json")
    plan = evaluate(engine, path)
    bundle = bundle_for(engine, path)
    top = whole_plan(bundle)
    assert top["status"] == "draft" and top["intent"] == "proposal"
    assert codes(top["category"][0]) == [(c.US_CORE_CAREPLAN_CATEGORY, "assess-plan")]
    assert top["period"] == {"start": "2026-11-20"}
    assert top["text"]["status"] == "generated"
    group = resolve(bundle, top["activity"][0]["reference"])
    assert group["resourceType"] == "RequestGroup"
    actions = group["action"]
    assert [codes(a["code"][0])[0] for a in actions] == [(c.STAGE, s.id) for s in plan.stages]
    for number, action in enumerate(actions, 1):
        related = action.get("relatedAction", [])
        if number == 1:
            assert related == []
        else:
            assert related == [{"actionId": f"stage-{number - 1}", "relationship": "after-end"}]
        stage_plan = resolve(bundle, action["resource"])
        assert stage_plan["partOf"] == [{"reference": f"urn:uuid:{top['id']}"}]
        requests = [resolve(bundle, a["reference"]) for a in stage_plan.get("activity", [])]
        in_fhir = [_intervention(r) for r in requests]
        assert in_fhir == [i.intervention for i in plan.stages[number - 1].items]
        assert all(
            r["basedOn"] == [{"reference": f"urn:uuid:{stage_plan['id']}"}] for r in requests
        )
        goals = [resolve(bundle, g) for g in stage_plan["goal"]]
        assert [g["description"]["text"] for g in goals] == [
            *plan.stages[number - 1].goals,
            *plan.stages[number - 1].progress_when,
        ]
    assert top["extension"] == [{"url": c.EXT_CURRENT_STAGE, "valueCode": plan.current_stage}]


def _intervention(request: dict[str, Any]) -> str:
    return next(code for system, code in codes(request["code"]) if system == c.INTERVENTION)


def test_an_exercise_is_a_patient_performed_request_with_its_dosage(engine: Engine) -> None:
    bundle = bundle_for(engine, Path("examples/assessments/desk-worker.json"))
    bridge = next(r for r in resources(bundle, "ServiceRequest") if _intervention(r) == "bridge")
    patient = resources(bundle, "Patient")[0]
    assert codes(bridge["code"]) == [(c.SNOMED, "229065009"), (c.INTERVENTION, "bridge")]
    assert bridge["performer"] == [bridge["subject"]]
    assert resolve(bundle, bridge["subject"]) == patient
    assert patient["identifier"] == [{"system": c.PATIENT_ID, "value": "p-desk-01"}]
    assert bridge["occurrenceTiming"] == {
        "repeat": {"frequency": 3, "period": 1, "periodUnit": "wk"}
    }
    assert bridge["patientInstruction"].startswith(
        "Bridge. How much: 2 sets of 12 repetitions, hold each for 3 seconds, 3 times a week"
    )
    assert "How to do it:\n1. " in bridge["patientInstruction"]
    assert bridge["extension"][0] == {
        "url": c.EXT_DOSAGE,
        "extension": [
            {"url": "sets", "valueInteger": 2},
            {"url": "reps", "valueInteger": 12},
            {"url": "holdSeconds", "valueInteger": 3},
            {"url": "perWeek", "valueInteger": 3},
            {"url": "setting", "valueCode": "home"},
        ],
    }
    because = bridge["extension"][1]["extension"]
    assert {"url": "rule", "valueString": "lbp.strength.glutes"} in because
    assert codes(bridge["reasonCode"][0]) == [(c.FINDING, "glute_weakness")]
    assert "lbp.strength.glutes" in bridge["note"][0]["text"]
    manual = next(
        r for r in resources(bundle, "ServiceRequest") if _intervention(r) == "joint_mobilization"
    )
    assert "performer" not in manual
    assert codes(manual["code"]) == [(c.INTERVENTION, "joint_mobilization")]
    assert manual["occurrenceTiming"]["repeat"]["duration"] == 10


def test_dry_needling_is_a_referral_request_with_its_cpt_codes(engine: Engine) -> None:
    data = {
        "patient": {"id": "p-dn"},
        "findings": [{"code": "myofascial_trigger_points", "side": "left"}],
    }
    bundle = bundle_for(engine, data)
    request = next(
        r
        for r in resources(bundle, "ServiceRequest")
        if _intervention(r) == "dry_needling_referral"
    )
    assert codes(request["category"][0]) == [(c.SNOMED, "306206005")]
    assert codes(request["code"]) == [
        (c.INTERVENTION, "dry_needling_referral"),
        ("http://www.ama-assn.org/go/cpt", "20560"),
        ("http://www.ama-assn.org/go/cpt", "20561"),
    ]
    assert request["priority"] == "routine"
    assert codes(request["reasonCode"][0]) == [(c.FINDING, "myofascial_trigger_points")]
    assert "period" not in whole_plan(bundle)  # no assessment date, no invented one


@pytest.mark.parametrize(
    ("example", "level", "severity", "priority"),
    [
        ("suspected-cauda-equina", "emergency", "high", "stat"),
        ("suspected-axspa", "routine", "moderate", "routine"),
    ],
)
def test_alerts_and_referrals(
    engine: Engine, example: str, level: str, severity: str, priority: str
) -> None:
    bundle = bundle_for(engine, Path(f"examples/assessments/{example}.json"))
    (issue,) = resources(bundle, "DetectedIssue")
    assert issue["severity"] == severity
    assert {"url": c.EXT_ALERT_LEVEL, "valueCode": level} in issue["extension"]
    assert issue["identifiedDateTime"] == "2026-11-20"
    top = whole_plan(bundle)
    assert {"reference": f"urn:uuid:{issue['id']}"} in top["supportingInfo"]
    referral = next(r for r in resources(bundle, "ServiceRequest") if "performerType" in r)
    assert referral["priority"] == priority
    assert codes(referral["category"][0]) == [(c.SNOMED, "306206005")]
    assert {"reference": {"reference": f"urn:uuid:{referral['id']}"}} in top["activity"]


def test_a_withheld_plan_says_so_and_lists_every_withheld_item_as_do_not_perform(
    engine: Engine,
) -> None:
    path = Path("examples/assessments/suspected-cauda-equina.json")
    plan = evaluate(engine, path)
    bundle = bundle_for(engine, path)
    (issue,) = resources(bundle, "DetectedIssue")
    assert (c.RED_FLAG, "saddle_anesthesia") in codes(issue["evidence"][0]["code"][1])
    top = whole_plan(bundle)
    assert "withheld" in top["description"] and "withheld" in top["text"]["div"]
    banned = [r for r in resources(bundle, "ServiceRequest") if r.get("doNotPerform")]
    assert sorted(_intervention(r) for r in banned) == sorted(e.intervention for e in plan.excluded)
    assert all(r["reasonCode"] == [{"text": "withheld: pending medical review"}] for r in banned)
    assert not any(
        "doNotPerform" not in r and "performerType" not in r
        for r in resources(bundle, "ServiceRequest")
    )


def test_a_contraindication_becomes_a_do_not_perform_request_with_its_reason(
    engine: Engine,
) -> None:
    bundle = bundle_for(engine, Path("examples/assessments/pregnancy.json"))
    (banned,) = [r for r in resources(bundle, "ServiceRequest") if r.get("doNotPerform")]
    assert _intervention(banned) == "prone_traction"
    assert banned["reasonCode"] == [{"text": "contraindicated: pregnancy"}]


def test_progression_criteria_become_goals_with_a_pain_target_where_one_is_stated(
    engine: Engine,
) -> None:
    bundle = bundle_for(engine, Path("examples/assessments/desk-worker.json"))
    goals = {g["description"]["text"]: g for g in resources(bundle, "Goal")}
    target = goals["Pain during exercise stays at or below 5/10"]["target"]
    assert target == [
        {
            "measure": {"coding": [c.coding(*c.NPRS)]},
            "detailQuantity": {
                "value": 5,
                "comparator": "<=",
                "unit": "score",
                "system": c.UCUM,
                "code": "{score}",
            },
        }
    ]
    either = "Current pain has fallen by at least 2 points since the last visit, or is 3/10 or less"
    assert "target" not in goals[either]
    assert "target" not in goals["Bring pain down to a level that allows comfortable movement"]
    kinds = {codes(g["category"][1])[0][1] for g in goals.values()}
    assert kinds == {"stage-goal", "progression-criterion"}


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("Pain during exercise stays at or below 5/10", 5),
        ("Pain during activity stays at or below 4/10 and settles within 24 hours", 4),
        ("Current pain is 3/10 or less", 3),
        ("Current pain has fallen by at least 2 points, or is 3/10 or less", None),
        ("Adherence to the home programme is at least 70 %", None),
        ("Effort stays at or below 5/10", None),
        ("Pain at or below 5/10 and 3/10 or less at night", None),
        ("Pain at or below 12/10", None),
    ],
)
def test_pain_bound(text: str, bound: int | None) -> None:
    assert pain_bound(text) == bound


def test_cli_writes_fhir_json(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "evaluate",
            "examples/assessments/desk-worker.json",
            "examples/assessments/pregnancy.json",
            "--format",
            "fhir",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["desk-worker.plan.fhir.json", "pregnancy.plan.fhir.json"]
    bundle = json.loads((tmp_path / "desk-worker.plan.fhir.json").read_text())
    assert fhir_checks.problems(bundle) == []


def test_plan_bundle_is_plain_json_data(engine: Engine) -> None:
    plan = evaluate(engine, Path("examples/assessments/desk-worker.json"))
    bundle = plan_bundle(plan, engine.catalog)
    assert json.loads(json.dumps(bundle)) == bundle


def test_a_reassessed_plan_keeps_its_progression_and_progressed_items(engine: Engine) -> None:
    plan = evaluate(engine, Path("examples/assessments/desk-worker.json"))
    stage = plan.stages[2]
    item = attrs.evolve(stage.items[0], intervention="single_leg_bridge", progressed_from="bridge")
    stages = list(plan.stages)
    stages[2] = attrs.evolve(stage, items=(item, *stage.items[1:]))
    reassessed = attrs.evolve(
        plan,
        stages=stages,
        progression=Progression(
            from_stage="mobilize",
            to_stage="strengthen",
            decision=Decision.ADVANCE,
            reasons=["pain 2/10"],
        ),
    )
    bundle = plan_bundle(reassessed, engine.catalog)
    assert fhir_checks.problems(bundle) == []
    notes = [n["text"] for n in whole_plan(bundle)["note"]]
    assert "Reassessment: advance from mobilize to strengthen (pain 2/10)" in notes
    request = next(
        r for r in resources(bundle, "ServiceRequest") if _intervention(r) == "single_leg_bridge"
    )
    assert {"url": c.EXT_PROGRESSED_FROM, "valueCode": "bridge"} in request["extension"]
    assert "Progressed from bridge" in [n["text"] for n in request["note"]]
