"""A stored plan is checked before a reassessment builds on it: its ``provenance.content_sha256``
must match its content (a plan changed after it was written is refused, exit 2, file and JSON
path), and even a plan whose digest was recomputed may not carry dosages outside their limits or
alert codes no loaded rule raises. These run the built-in knowledge base on the shipped
examples."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from careengine import AssessmentError, Engine
from careengine.cli import cli
from careengine.io.schema import plan_schema
from careengine.render.serialize import dumps, plan_to_dict
from tests.support import resealed

ROOT = Path(__file__).resolve().parents[2]
DESK = ROOT / "examples" / "assessments" / "desk-worker.json"
DESK_2WK = ROOT / "examples" / "followups" / "desk-worker-2wk-advance.json"
CHANGED = (
    "error: old.json: provenance.content_sha256: does not match the plan's content: the plan "
    "was changed after it was written (evaluate the assessment again rather than editing a "
    "stored plan)"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(entry_points=False)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def stored(tmp_path: Path, assessment: Path = DESK) -> dict[str, Any]:
    out = tmp_path / "plan1.json"
    assert run("evaluate", assessment, "-o", out).exit_code == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def reassess(tmp_path: Path, data: dict[str, Any]) -> Result:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return run("reassess", path, DESK_2WK)


def exercise(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The JSON path and the data of the plan's first item with a number of sets."""
    for i, stage in enumerate(data["stages"]):
        for j, item in enumerate(stage["items"]):
            if item["dosage"]["sets"] is not None:
                return f"stages[{i}].items[{j}]", item
    raise AssertionError("no exercise in the plan")


def test_the_writer_adds_the_digest_of_the_rest_of_the_text(engine: Engine) -> None:
    plan = engine.evaluate(engine.load_assessment(DESK))
    text = dumps(plan)
    data = json.loads(text)
    digest = data["provenance"].pop("content_sha256")
    rest = json.dumps(data, indent=2, ensure_ascii=False)
    assert digest == "sha256:" + hashlib.sha256(rest.encode("utf-8")).hexdigest()
    assert list(json.loads(text)["provenance"])[-1] == "content_sha256"
    assert plan_to_dict(plan)["provenance"]["content_sha256"] == digest


def test_the_plan_schema_requires_the_digest(engine: Engine) -> None:
    provenance = plan_schema(engine.catalog)["properties"]["provenance"]
    assert "content_sha256" in provenance["required"]
    assert provenance["properties"]["content_sha256"]["pattern"] == "^sha256:[0-9a-f]{64}$"


def _sets_changed(data: dict[str, Any]) -> None:
    dosage = exercise(data)[1]["dosage"]
    dosage["sets"] = dosage["sets"] % 3 + 1  # another number of sets, still in range


def _precautions_stripped(data: dict[str, Any]) -> None:
    items = [i for s in data["stages"] for i in s["items"] if i["precautions"]]
    assert items
    for item in items:
        item["precautions"] = []


def _item_deleted(data: dict[str, Any]) -> None:
    stage = next(s for s in data["stages"] if s["items"])
    stage["items"] = stage["items"][1:]


def _fingerprint_rewritten(data: dict[str, Any]) -> None:
    data["provenance"]["fingerprint"] = "sha256:" + "0" * 64


def _stage_moved(data: dict[str, Any]) -> None:
    data["current_stage"] = "strengthen"


@pytest.mark.parametrize(
    "tamper",
    [_sets_changed, _precautions_stripped, _item_deleted, _fingerprint_rewritten, _stage_moved],
)
def test_a_plan_changed_after_it_was_written_is_refused(
    tmp_path: Path, tamper: Callable[[dict[str, Any]], None]
) -> None:
    data = stored(tmp_path)
    tamper(data)
    result = reassess(tmp_path, data)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [CHANGED]


def test_a_plan_without_its_digest_is_refused(tmp_path: Path) -> None:
    data = stored(tmp_path)
    del data["provenance"]["content_sha256"]
    result = reassess(tmp_path, data)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: old.json: provenance.content_sha256: is missing: only a plan written by "
        "careengine, unchanged since, can be reassessed (evaluate the assessment again to get one)"
    ]


def test_the_digest_does_not_depend_on_whitespace_or_escapes(tmp_path: Path) -> None:
    data = stored(tmp_path)
    data["patient_id"] = "p-é-01"  # a non-ASCII character, escaped below
    resealed(data)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")  # one line
    followup = json.loads(DESK_2WK.read_text(encoding="utf-8"))
    followup["patient"]["id"] = "p-é-01"
    again = tmp_path / "followup.json"
    again.write_text(json.dumps(followup), encoding="utf-8")
    result = run("reassess", path, again)
    assert result.exit_code == 0, result.stderr


def test_a_resealed_plan_with_dosages_out_of_range_is_refused(tmp_path: Path) -> None:
    data = stored(tmp_path)
    path, item = exercise(data)
    item["dosage"]["sets"] = 1000
    item["dosage"]["reps"] = 0
    result = reassess(tmp_path, resealed(data))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: old.json: {path}.dosage.sets: sets = 1000 is outside 1..10",
        f"error: old.json: {path}.dosage.reps: reps = 0 is outside 1..100",
    ]


def test_a_resealed_plan_above_the_catalogs_maximum_is_refused(
    tmp_path: Path, engine: Engine
) -> None:
    data = stored(tmp_path)
    path, item = exercise(data)
    top = engine.catalog.interventions[item["intervention"]].dosage_max
    assert top is not None and top.sets is not None and top.sets < 10
    item["dosage"]["sets"] = top.sets + 1
    result = reassess(tmp_path, resealed(data))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: old.json: {path}.dosage.sets: sets = {top.sets + 1} is above the catalog's "
        f"maximum {top.sets}"
    ]


def test_a_resealed_plan_with_an_unknown_alert_is_refused(tmp_path: Path) -> None:
    data = stored(tmp_path)
    data["alerts"] = [
        {"code": "all_clear", "level": "info", "message": "Nothing to see.", "because": []}
    ]
    result = reassess(tmp_path, resealed(data))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: old.json: alerts[0].code: unknown alert 'all_clear': no loaded rule raises it"
    ]


def test_the_api_checks_parsed_plans_too(engine: Engine) -> None:
    data = plan_to_dict(engine.evaluate(engine.load_assessment(DESK)))
    assert engine.load_plan(data).patient_id == data["patient_id"]
    _precautions_stripped(data)
    with pytest.raises(AssessmentError) as info:
        engine.reassess(data, DESK_2WK)
    assert [p.path for p in info.value.problems] == ["provenance.content_sha256"]
