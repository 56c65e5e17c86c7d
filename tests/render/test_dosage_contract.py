"""The extended dosage in the plan's contract: the JSON writer's keys and order, the plan schema,
the stored-plan reader (also for a plan written before the new keys), a reassessment reading
them back, and FHIR ``Timing`` (checked with fhir.resources)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from careengine import AssessmentError, Engine
from careengine.io.plan_schema import plan_schema
from careengine.model import Dosage, DosageSetting, Plan
from careengine.render.serialize import plan_from_dict, plan_to_dict
from tests import fhir_checks
from tests.support import resealed

ROOT = Path(__file__).resolve().parents[2]
STENOSIS = ROOT / "examples/assessments/older-adult-stenosis.json"
STENOSIS_HOLD = ROOT / "examples/followups/older-adult-stenosis-3wk-hold.json"
NEW_KEYS = ("times_per_day", "weeks", "setting")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(entry_points=False)


@pytest.fixture(scope="module")
def plan(engine: Engine) -> Plan:
    return engine.evaluate(engine.load_assessment(STENOSIS))


def _item(data: dict[str, Any], intervention: str) -> dict[str, Any]:
    return next(i for s in data["stages"] for i in s["items"] if i["intervention"] == intervention)


def test_the_json_writes_the_new_keys_after_the_old_ones(engine: Engine, plan: Plan) -> None:
    data = json.loads(engine.render(plan, "json"))
    dosage = _item(data, "repeated_flexion_in_lying")["dosage"]
    assert list(dosage) == [
        "sets",
        "reps",
        "hold_seconds",
        "minutes",
        "per_week",
        "times_per_day",
        "weeks",
        "setting",
    ]
    assert dosage == {
        "sets": 1,
        "reps": 10,
        "hold_seconds": None,
        "minutes": None,
        "per_week": 7,
        "times_per_day": 6,
        "weeks": None,
        "setting": "home",
    }
    advice = _item(data, "activity_advice")["dosage"]
    assert advice["setting"] == "every_visit" and advice["minutes"] is None
    assert plan_from_dict(data) == plan


def test_the_plan_schema_knows_the_new_keys_and_accepts_an_older_plan(plan: Plan) -> None:
    validator = jsonschema.Draft202012Validator(
        plan_schema(Engine(entry_points=False).catalog),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    data = plan_to_dict(plan)
    assert list(validator.iter_errors(data)) == []
    older = json.loads(json.dumps(data))
    for stage in older["stages"]:
        for item in stage["items"]:
            for key in NEW_KEYS:
                del item["dosage"][key]
    assert list(validator.iter_errors(older)) == []
    _item(data, "activity_advice")["dosage"]["setting"] = "gym"
    assert not validator.is_valid(data)


def test_a_reassessment_reads_the_new_fields_back(engine: Engine, plan: Plan) -> None:
    after = engine.reassess(engine.render(plan, "json"), STENOSIS_HOLD)
    dosages = {item.intervention: item.dosage for _, item in after.items()}
    assert dosages["activity_advice"] == Dosage(setting=DosageSetting.EVERY_VISIT)
    repeated = dosages["repeated_flexion_in_lying"]
    assert (repeated.times_per_day, repeated.setting) == (6, DosageSetting.HOME)


def test_a_plan_written_before_the_new_keys_still_loads(engine: Engine, plan: Plan) -> None:
    data = plan_to_dict(plan)
    for stage in data["stages"]:
        for item in stage["items"]:
            for key in NEW_KEYS:
                del item["dosage"][key]
    old = engine.load_plan(resealed(data))
    assert all(
        item.dosage.times_per_day is None and item.dosage.setting is None for _, item in old.items()
    )
    after = engine.reassess(resealed(data), STENOSIS_HOLD)
    assert after.progression is not None


def test_a_stored_plan_with_an_unknown_setting_is_refused_with_its_path(
    engine: Engine, plan: Plan
) -> None:
    data = plan_to_dict(plan)
    _item(data, "activity_advice")["dosage"]["setting"] = "evry_visit"
    with pytest.raises(AssessmentError) as info:
        engine.load_plan(resealed(data))
    text = "\n".join(info.value.lines())
    assert ".dosage.setting: must be one of home, session" in text
    assert "did you mean 'every_visit'" in text


# --- FHIR Timing ----------------------------------------------------------------------------------


def _requests(engine: Engine, plan: Plan) -> dict[str, dict[str, Any]]:
    bundle = json.loads(engine.render(plan, "fhir"))
    fhir_checks.parse(bundle)  # fhir.resources accepts the Timing
    return {
        r["id"]: r
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "ServiceRequest" and not r.get("doNotPerform")
    }


def _request(requests: dict[str, dict[str, Any]], intervention: str) -> dict[str, Any]:
    (found,) = [
        r
        for r in requests.values()
        if any(c["code"] == intervention for c in r["code"].get("coding", ()))
    ]
    return found


def test_fhir_timing_says_times_a_day_and_the_weeks(engine: Engine, plan: Plan) -> None:
    stage = next(s for s in plan.stages if s.items)
    item = next(i for i in stage.items if i.intervention == "repeated_flexion_in_lying")
    weekly = attrs.evolve(item.dosage, weeks=6)
    three_days = attrs.evolve(
        item, intervention="knee_to_chest", dosage=attrs.evolve(item.dosage, per_week=3)
    )
    edited = attrs.evolve(
        plan,
        stages=tuple(
            attrs.evolve(
                s,
                items=tuple(attrs.evolve(i, dosage=weekly) if i is item else i for i in s.items)
                + ((three_days,) if s is stage else ()),
            )
            if s is stage
            else attrs.evolve(
                s, items=tuple(i for i in s.items if i.intervention != "knee_to_chest")
            )
            for s in plan.stages
        ),
    )
    requests = _requests(engine, edited)
    repeated = _request(requests, "repeated_flexion_in_lying")
    assert repeated["occurrenceTiming"] == {
        "repeat": {
            "boundsDuration": {
                "value": 6,
                "unit": "wk",
                "system": "http://unitsofmeasure.org",
                "code": "wk",
            },
            "frequency": 6,
            "period": 1,
            "periodUnit": "d",
        }
    }
    (extension,) = [x for x in repeated["extension"] if x["url"].endswith("/dosage")]
    assert {"url": "timesPerDay", "valueInteger": 6} in extension["extension"]
    assert {"url": "weeks", "valueInteger": 6} in extension["extension"]
    assert {"url": "setting", "valueCode": "home"} in extension["extension"]
    # six bouts a day on three days a week: the week's 18, the split kept in the extension
    assert _request(requests, "knee_to_chest")["occurrenceTiming"]["repeat"] == {
        "frequency": 18,
        "period": 1,
        "periodUnit": "wk",
    }


def test_fhir_gives_education_no_timing_and_the_patient_plain_words(
    engine: Engine, plan: Plan
) -> None:
    requests = _requests(engine, plan)
    advice = _request(requests, "activity_advice")
    assert "occurrenceTiming" not in advice
    (extension,) = [x for x in advice["extension"] if x["url"].endswith("/dosage")]
    assert extension["extension"] == [{"url": "setting", "valueCode": "every_visit"}]
    assert "How much: at every visit." in advice["patientInstruction"]
    assert (
        "How much: 10 repetitions, 6 times a day (every 2-3 hours)"
        in (_request(requests, "repeated_flexion_in_lying")["patientInstruction"])
    )
