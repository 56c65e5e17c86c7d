"""``careengine reassess`` and the reassessment's inputs: the stored plan (checked with JSON
paths), the follow-up (a response block and current pain, never guessed), gates files, exit codes.
These run the built-in knowledge base on the shipped examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from careengine import AssessmentError, Engine
from careengine.cli import cli
from careengine.model import Decision
from careengine.render.serialize import dumps
from tests.support import needs_durable, resealed, without_backend

ROOT = Path(__file__).resolve().parent.parent
ASSESSMENTS = ROOT / "examples" / "assessments"
FOLLOWUPS = ROOT / "examples" / "followups"
DESK = ASSESSMENTS / "desk-worker.json"
DESK_2WK = FOLLOWUPS / "desk-worker-2wk-advance.json"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(entry_points=False)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def first_plan(tmp_path: Path, assessment: Path = DESK) -> Path:
    out = tmp_path / "plan1.json"
    assert run("evaluate", assessment, "-o", out).exit_code == 0
    return out


def write(path: Path, data: Any) -> Path:
    """Write JSON data; a hand-edited plan gets its content digest recomputed (resealed)."""
    if isinstance(data, dict) and isinstance(data.get("provenance"), dict):
        data = resealed(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def errors(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error: ")]


# --- the command ---------------------------------------------------------------------------------


def test_reassess_prints_the_next_plan_as_json(tmp_path: Path, engine: Engine) -> None:
    plan1 = first_plan(tmp_path)
    result = run("reassess", plan1, DESK_2WK)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["progression"]["decision"] == "advance"
    assert (data["progression"]["from_stage"], data["progression"]["to_stage"]) == (
        "mobilize",
        "strengthen",
    )
    assert data["current_stage"] == "strengthen"
    assert data["pain"] == {"current": 3, "worst": 5, "best": 1}
    assert result.output == dumps(engine.reassess(plan1, DESK_2WK))


def test_reassess_writes_text_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "plan2.txt"
    result = run("reassess", first_plan(tmp_path), DESK_2WK, "--format", "text", "-o", out)
    assert result.exit_code == 0 and result.output == ""
    text = out.read_text(encoding="utf-8")
    assert "REASSESSMENT: ADVANCE (mobilize -> strengthen)" in text
    assert "  - Adherence 85 % reached the 70 % needed." in text


def test_a_chain_of_visits_on_the_command_line(tmp_path: Path) -> None:
    plan1 = first_plan(tmp_path)
    plan2, plan3 = tmp_path / "plan2.json", tmp_path / "plan3.json"
    assert run("reassess", plan1, DESK_2WK, "-o", plan2).exit_code == 0
    regress = FOLLOWUPS / "desk-worker-4wk-regress.json"
    assert run("reassess", plan2, regress, "-o", plan3).exit_code == 0
    data = json.loads(plan3.read_text(encoding="utf-8"))
    assert data["progression"]["decision"] == "regress"
    assert [h["decision"] for h in data["history"]] == ["advance"]
    assert "changes" not in data["history"][0]
    items = {i["intervention"]: i for s in data["stages"] for i in s["items"]}
    assert items["pelvic_tilt"]["progressed_from"] == "bridge"


def test_a_gates_file_changes_the_decision(tmp_path: Path) -> None:
    gates = tmp_path / "clinic.toml"
    gates.write_text("advance_adherence_at_least = 90\n", encoding="utf-8")
    result = run("reassess", first_plan(tmp_path), DESK_2WK, "--gates", gates)
    assert result.exit_code == 0, result.output
    progression = json.loads(result.output)["progression"]
    assert progression["decision"] == "hold"
    assert "Adherence 85 % is below the 90 % needed to advance." in progression["reasons"]


def test_a_bad_gates_file_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    gates = tmp_path / "clinic.toml"
    gates.write_text("advance_adherence = 90\n", encoding="utf-8")
    result = run("reassess", first_plan(tmp_path), DESK_2WK, "--gates", gates)
    assert result.exit_code == 2
    assert errors(result) == [
        "error: clinic.toml: advance_adherence: unknown key 'advance_adherence' "
        "(did you mean 'advance_adherence_at_least'?)"
    ]


def test_an_unknown_format_exits_2(tmp_path: Path) -> None:
    result = run("reassess", first_plan(tmp_path), DESK_2WK, "--format", "pdf")
    assert result.exit_code == 2 and "unknown format 'pdf'" in result.output


# --- the follow-up: nothing the gates need is guessed -------------------------------------------


def followup_data(**changes: Any) -> dict[str, Any]:
    data = json.loads(DESK_2WK.read_text(encoding="utf-8"))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "lines"),
    [
        (
            {"response": None},
            [
                "followup.json: response: a follow-up needs a response block (exercise_pain_max, "
                "settled_within_24h, adherence_percent)"
            ],
        ),
        (
            {"response": {"exercise_pain_max": 3}},
            [
                "followup.json: response.settled_within_24h: is required",
                "followup.json: response.adherence_percent: is required",
            ],
        ),
        (
            {
                "response": {
                    "exercise_pain_max": 11,
                    "settled_within_24h": "yes",
                    "adherence_percent": 120,
                }
            },
            [
                "followup.json: response.exercise_pain_max: 11 is out of range (0 to 10)",
                "followup.json: response.settled_within_24h: must be true or false, not a string",
                "followup.json: response.adherence_percent: 120 is out of range (0 to 100)",
            ],
        ),
        (
            {"pain": {"worst": 5}},
            [
                "followup.json: pain.current: is required for a reassessment: the gates compare "
                "it with the previous visit"
            ],
        ),
        (
            {"patient": {"id": "p-other", "age": 34}},
            ["followup.json: patient.id: is 'p-other', but the previous plan is for 'p-desk-01'"],
        ),
        (
            {"assessed_on": "2026-11-01"},
            [
                "followup.json: assessed_on: 2026-11-01 is before the previous plan's date "
                "2026-11-20"
            ],
        ),
    ],
)
def test_missing_or_inconsistent_follow_ups_exit_2(
    tmp_path: Path, changes: dict[str, Any], lines: list[str]
) -> None:
    followup = write(tmp_path / "followup.json", followup_data(**changes))
    result = run("reassess", first_plan(tmp_path), followup)
    assert result.exit_code == 2
    assert [line.removeprefix("error: ") for line in errors(result)] == lines


def test_the_library_refuses_a_follow_up_without_a_response(engine: Engine) -> None:
    plan = engine.evaluate(engine.load_assessment(DESK))
    plain = engine.load_assessment(DESK)
    with pytest.raises(AssessmentError, match="response: a follow-up needs a response block"):
        engine.reassess(plan, plain)


# --- the stored plan: checked, with JSON paths ----------------------------------------------------


def stored(tmp_path: Path) -> dict[str, Any]:
    return json.loads(first_plan(tmp_path).read_text(encoding="utf-8"))


def test_a_plan_without_its_pain_cannot_be_reassessed(tmp_path: Path) -> None:
    data = stored(tmp_path)
    del data["pain"]
    result = run("reassess", write(tmp_path / "old.json", data), DESK_2WK)
    assert result.exit_code == 2
    assert errors(result) == [
        "error: old.json: pain.current: the previous plan records no current pain, which the "
        "gates compare against; evaluate the previous assessment again with its current pain "
        "recorded"
    ]
    data["pain"] = {"current": 6}
    assert run("reassess", write(tmp_path / "old.json", data), DESK_2WK).exit_code == 0


def test_a_withheld_plan_is_not_progressed(tmp_path: Path) -> None:
    plan = first_plan(tmp_path, ASSESSMENTS / "suspected-cauda-equina.json")
    followup = followup_data(patient={"id": "p-ces-01", "age": 45}, findings=[])
    result = run("reassess", plan, write(tmp_path / "followup.json", followup))
    assert result.exit_code == 2
    assert errors(result) == [
        "error: plan1.json: status: the previous plan withheld treatment pending medical review, "
        "so there is no programme to progress; once the patient is cleared, evaluate the "
        "follow-up as a new assessment"
    ]


def test_a_malformed_plan_exits_2_with_the_json_path(tmp_path: Path) -> None:
    data = stored(tmp_path)
    data["stages"][2]["items"][0]["dosage"]["sets"] = "two"
    data["stages"][0]["items"][1]["kind"] = "exercize"
    data["progression"] = {"from_stage": "relieve", "decision": "jump"}
    data["pain"]["current"] = 12
    result = run("reassess", write(tmp_path / "plan.json", data), DESK_2WK)
    assert result.exit_code == 2
    assert errors(result) == [
        "error: plan.json: pain.current: must be a whole number from 0 to 10, or null",
        "error: plan.json: stages[0].items[1].kind: must be one of exercise, manual_therapy, "
        "procedure, referral, education, modality (did you mean 'exercise'?)",
        "error: plan.json: stages[2].items[0].dosage.sets: must be a whole number from 0 to "
        "100000, or null",
        "error: plan.json: progression.to_stage: is required",
        "error: plan.json: progression.decision: must be one of advance, hold, regress",
    ]


def test_a_plan_from_another_knowledge_base_exits_2(tmp_path: Path) -> None:
    data = stored(tmp_path)
    data["stages"][2]["items"][0]["intervention"] = "bridgee"
    data["current_stage"] = "mobilise"
    result = run("reassess", write(tmp_path / "plan.json", data), DESK_2WK)
    assert result.exit_code == 2
    assert errors(result) == [
        "error: plan.json: current_stage: unknown stage 'mobilise': the plan was made with "
        "another knowledge base (did you mean 'mobilize'?)",
        "error: plan.json: stages[2].items[0].intervention: unknown intervention 'bridgee': the "
        "plan was made with another knowledge base (did you mean 'bridge'?)",
    ]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("{not json", "plan.json: $: malformed JSON at line 1 column 2"),
        ("[]", "plan.json: $: must be an object"),
        ('{"schema": "careengine.assessment/1"}', "plan.json: schema: must be "),
    ],
)
def test_files_that_are_not_plans_exit_2(tmp_path: Path, content: str, line: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    result = run("reassess", path, DESK_2WK)
    assert result.exit_code == 2
    assert errors(result)[0].startswith(f"error: {line}")


def test_a_missing_plan_file_exits_2(tmp_path: Path) -> None:
    result = run("reassess", tmp_path / "nowhere.json", DESK_2WK)
    assert result.exit_code == 2 and "nowhere.json: $: cannot read" in result.output


# --- the decisions a physical therapist expects on the shipped examples -----------------------


@pytest.mark.parametrize(
    ("assessment", "followup", "decision", "to_stage"),
    [
        ("desk-worker", "desk-worker-2wk-advance", Decision.ADVANCE, "strengthen"),
        ("older-adult-stenosis", "older-adult-stenosis-3wk-hold", Decision.HOLD, "mobilize"),
        ("acute-strain-cpr-positive", "acute-strain-1wk-regress", Decision.REGRESS, "relieve"),
        # the first plan starts in strengthen (mobilize holds nothing), so advance leads to return
        (
            "stabilization-candidate",
            "stabilization-candidate-4wk-advance",
            Decision.ADVANCE,
            "return",
        ),
        ("osteoporosis", "osteoporosis-fall-red-flag", Decision.HOLD, "mobilize"),
    ],
)
def test_example_follow_ups(
    engine: Engine, assessment: str, followup: str, decision: Decision, to_stage: str
) -> None:
    plan = engine.evaluate(engine.load_assessment(ASSESSMENTS / f"{assessment}.json"))
    after = engine.reassess(plan, FOLLOWUPS / f"{followup}.json")
    assert after.progression is not None
    assert (after.progression.decision, after.progression.to_stage) == (decision, to_stage)
    assert after.progression.reasons
    assert after.patient_id == plan.patient_id


def test_every_example_follow_up_is_used_by_a_golden_case() -> None:
    files = sorted((ROOT / "examples" / "cases").glob("*.case.toml"))
    cases = "".join(path.read_text(encoding="utf-8") for path in files)
    for path in sorted(FOLLOWUPS.glob("*.json")):
        assert f"../followups/{path.name}" in cases, path.name


@needs_durable
def test_both_rule_backends_give_the_same_reassessment() -> None:
    python = Engine(entry_points=False, backend="python")
    durable = Engine(entry_points=False, backend="durable")
    for assessment, followup in (
        ("desk-worker", "desk-worker-2wk-advance"),
        ("older-adult-stenosis", "older-adult-stenosis-3wk-hold"),
        ("stabilization-candidate", "stabilization-candidate-4wk-advance"),
    ):
        plans = [
            e.reassess(
                e.evaluate(e.load_assessment(ASSESSMENTS / f"{assessment}.json")),
                FOLLOWUPS / f"{followup}.json",
            )
            for e in (python, durable)
        ]
        assert without_backend(plans[0]) == without_backend(plans[1])


def test_the_text_report_names_the_evidence_and_keeps_walking_walking(tmp_path: Path) -> None:
    """Issue 15: on main the acute strain's walking programme became aquatic exercise at the
    regress, and the reasons named neither the pain change nor adherence."""
    plan = first_plan(tmp_path, ASSESSMENTS / "acute-strain-cpr-positive.json")
    result = run("reassess", plan, FOLLOWUPS / "acute-strain-1wk-regress.json", "--format", "text")
    assert result.exit_code == 0, result.output
    assert "relieve: walking_program dosage lowered: minutes 20 -> 15." in result.output
    assert "aquatic" not in result.output.lower()
    assert "Current pain is unchanged at 7/10." in result.output
    assert "Adherence was 75 %." in result.output
