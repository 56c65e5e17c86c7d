"""The reassessment gates (docs/design.md section 8): every gate at its boundary, stage moves, the
findings check, configurable gates and the gates file."""

from __future__ import annotations

from pathlib import Path

import pytest

from careengine import ConfigurationError, Engine
from careengine.model import Decision, Response
from careengine.pipeline.gates import DosageSteps, Gates, StageDecision, decide, load_gates

STAGES = ("relieve", "mobilize", "strengthen", "return")
ADVANCE, HOLD, REGRESS = Decision.ADVANCE, Decision.HOLD, Decision.REGRESS


def judge(
    *,
    pain_max: int = 3,
    settled: bool = True,
    adherence: float = 80,
    previous: int = 6,
    current: int = 3,
    stage: str = "mobilize",
    gates: Gates | None = None,
    findings_stage: str | None = None,
) -> StageDecision:
    return decide(
        gates=gates or Gates(),
        stages=STAGES,
        from_stage=stage,
        response=Response(
            exercise_pain_max=pain_max, settled_within_24h=settled, adherence_percent=adherence
        ),
        previous_pain=previous,
        current_pain=current,
        findings_stage=findings_stage,
        findings_reason="Muscle guarding marks an irritable back." if findings_stage else None,
    )


# --- each gate at its boundary -----------------------------------------------------------------


@pytest.mark.parametrize(("pain_max", "expected"), [(5, ADVANCE), (6, REGRESS)])
def test_exercise_pain_5_advances_and_6_regresses(pain_max: int, expected: Decision) -> None:
    result = judge(pain_max=pain_max)
    assert result.decision is expected
    if expected is REGRESS:
        assert result.reasons == (
            "Pain during exercise reached 6/10, above the 5/10 ceiling.",
            "Current pain fell from 6/10 to 3/10 (3 points).",
            "Adherence was 80 %.",
        )


@pytest.mark.parametrize(("adherence", "expected"), [(69, HOLD), (69.9, HOLD), (70, ADVANCE)])
def test_adherence_69_holds_and_70_advances(adherence: float, expected: Decision) -> None:
    result = judge(adherence=adherence)
    assert result.decision is expected
    if expected is HOLD:
        assert f"Adherence {adherence:g} % is below the 70 % needed" in result.reasons[0]
        assert result.dosage == "keep" and result.dosage_note is not None


@pytest.mark.parametrize(("current", "expected"), [(5, HOLD), (4, ADVANCE)])
def test_a_pain_drop_of_1_holds_and_of_2_advances(current: int, expected: Decision) -> None:
    """From 6/10: down to 5 (1 point) holds, down to 4 (2 points) advances; both above 3/10."""
    result = judge(previous=6, current=current)
    assert result.decision is expected
    if expected is HOLD:
        assert result.reasons[0].startswith("Current pain fell by only 1 point (from 6/10 to 5/10)")
        assert result.dosage == "up"  # tolerated and adherent: the dosage still progresses
    else:
        assert "Current pain fell from 6/10 to 4/10 (2 points)." in result.reasons


@pytest.mark.parametrize(("current", "expected"), [(3, ADVANCE), (4, HOLD)])
def test_current_pain_3_advances_and_4_holds(current: int, expected: Decision) -> None:
    """Without any fall in pain: 3/10 is low enough to advance, 4/10 is not."""
    result = judge(previous=current, current=current)
    assert result.decision is expected
    if expected is ADVANCE:
        assert "Current pain is 3/10, at or below 3/10." in result.reasons
    else:
        assert result.reasons[0].startswith("Current pain did not fall (from 4/10 to 4/10)")


@pytest.mark.parametrize(("current", "expected"), [(4, HOLD), (5, REGRESS)])
def test_a_pain_rise_of_1_holds_and_of_2_regresses(current: int, expected: Decision) -> None:
    result = judge(previous=3, current=current)
    assert result.decision is expected
    if expected is REGRESS:
        assert result.reasons[0].startswith("Current pain rose from 3/10 to 5/10 (2 points")


def test_pain_that_did_not_settle_regresses_even_when_everything_else_is_fine() -> None:
    result = judge(settled=False, pain_max=1, adherence=100, current=0)
    assert result.decision is REGRESS
    assert result.reasons == (
        "Pain after exercise did not settle within 24 hours.",
        "Current pain fell from 6/10 to 0/10 (6 points).",
        "Adherence was 100 %.",
    )
    assert result.dosage == "down"


def test_every_regress_trigger_is_named() -> None:
    result = judge(pain_max=8, settled=False, previous=2, current=6)
    assert result.decision is REGRESS
    assert len(result.reasons) == 4
    assert result.reasons[-1] == "Adherence was 80 %."


def test_an_advance_names_every_gate_it_passed() -> None:
    result = judge(pain_max=2, adherence=85, previous=6, current=3)
    assert result.reasons == (
        "Pain during exercise stayed at or below 5/10 (highest 2/10).",
        "Pain after exercise settled within 24 hours.",
        "Adherence 85 % reached the 70 % needed.",
        "Current pain fell from 6/10 to 3/10 (3 points).",
    )


# --- stage moves ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "decision_inputs", "to"),
    [
        ("relieve", {}, "mobilize"),
        ("mobilize", {}, "strengthen"),
        ("strengthen", {}, "return"),
        ("return", {}, "return"),
        ("return", {"pain_max": 7}, "strengthen"),
        ("strengthen", {"pain_max": 7}, "mobilize"),
        ("mobilize", {"pain_max": 7}, "relieve"),
        ("relieve", {"pain_max": 7}, "relieve"),
        ("strengthen", {"adherence": 10}, "strengthen"),
    ],
)
def test_the_stage_moves_one_step_at_most(
    stage: str, decision_inputs: dict[str, int], to: str
) -> None:
    result = judge(stage=stage, **decision_inputs)  # type: ignore[arg-type]
    assert (result.from_stage, result.to_stage) == (stage, to)


def test_at_the_ends_the_stage_stays_and_says_so() -> None:
    top = judge(stage="return")
    assert top.decision is ADVANCE and "Already in the last stage (return)" in top.reasons[-1]
    bottom = judge(stage="relieve", pain_max=9)
    assert bottom.decision is REGRESS
    assert "Already in the first stage (relieve)" in bottom.reasons[-1]


def test_an_advance_is_held_when_todays_findings_place_the_patient_below_the_stage() -> None:
    result = judge(stage="mobilize", findings_stage="relieve")
    assert result.decision is HOLD and result.to_stage == "mobilize"
    assert result.dosage == "keep"
    assert (
        "today's findings would start a new plan in relieve (Muscle guarding marks an irritable "
        "back), below the current stage mobilize" in result.reasons[-1]
    )
    # the same stage or a higher one does not hold the advance back
    assert judge(stage="mobilize", findings_stage="mobilize").decision is ADVANCE
    assert judge(stage="mobilize", findings_stage="strengthen").decision is ADVANCE
    # and a clinic can switch the check off
    off = Gates(hold_below_findings_stage=False)
    assert judge(stage="mobilize", findings_stage="relieve", gates=off).decision is ADVANCE


def test_the_findings_check_never_turns_a_regress_or_hold_into_anything_else() -> None:
    assert judge(pain_max=7, findings_stage="relieve", stage="return").decision is REGRESS
    assert judge(adherence=5, findings_stage="relieve", stage="return").decision is HOLD


# --- configurable gates --------------------------------------------------------------------------


def test_a_clinic_can_use_other_thresholds() -> None:
    strict = Gates(
        regress_exercise_pain_above=3,
        advance_exercise_pain_at_most=2,
        advance_adherence_at_least=90,
        advance_pain_drop=3,
        advance_pain_at_most=2,
        regress_pain_rise=1,
    )
    assert judge(pain_max=4, gates=strict).decision is REGRESS
    assert judge(pain_max=3, previous=6, current=2, adherence=95, gates=strict).decision is HOLD
    assert judge(pain_max=2, previous=6, current=3, adherence=85, gates=strict).decision is HOLD
    assert judge(pain_max=2, previous=6, current=3, adherence=90, gates=strict).decision is ADVANCE
    assert judge(previous=3, current=4, gates=strict).decision is REGRESS


def test_not_settling_can_be_made_a_hold_instead_of_a_regress() -> None:
    lenient = Gates(regress_when_not_settled=False)
    result = judge(settled=False, gates=lenient)
    assert result.decision is HOLD
    assert "did not settle within 24 hours; advancing needs it to" in result.reasons[0]
    both_off = Gates(regress_when_not_settled=False, advance_requires_settled=False)
    assert judge(settled=False, gates=both_off).decision is ADVANCE


@pytest.mark.parametrize(
    "bad",
    [
        {"regress_pain_rise": 0},
        {"regress_exercise_pain_above": 11},
        {"advance_adherence_at_least": 101},
        {"advance_pain_at_most": -1},
        {"hold_below_findings_stage": "yes"},
        {"advance_pain_drop": "2"},
        {"history_length": -1},
        {"steps": {"reps": 2}},
    ],
)
def test_invalid_gates_are_a_configuration_error(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match=next(iter(bad))):
        Gates(**bad)  # type: ignore[arg-type]


def test_an_engine_takes_gates_and_refuses_anything_else() -> None:
    gates = Gates(advance_adherence_at_least=90)
    assert (
        Engine(
            builtins=False, entry_points=False, plugins=["careengine_plugins.demo"], gates=gates
        ).gates
        is gates
    )
    with pytest.raises(ConfigurationError, match="gates must be a Gates object"):
        Engine(gates={"advance_adherence_at_least": 90})  # type: ignore[arg-type]


def test_load_gates_reads_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "clinic-gates.toml"
    path.write_text(
        "advance_adherence_at_least = 80\nregress_exercise_pain_above = 4\n"
        "history_length = 3\n[steps]\nreps = 1\nhold_seconds = 10\n",
        encoding="utf-8",
    )
    assert load_gates(path) == Gates(
        advance_adherence_at_least=80,
        regress_exercise_pain_above=4,
        history_length=3,
        steps=DosageSteps(reps=1, hold_seconds=10),
    )


def test_load_gates_reports_every_problem_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "gates.toml"
    path.write_text(
        "advance_adherence_at_lest = 80\nregress_pain_rise = 0\nsteps = 3\n", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError) as info:
        load_gates(path)
    assert info.value.lines() == [
        "gates.toml: advance_adherence_at_lest: unknown key 'advance_adherence_at_lest' "
        "(did you mean 'advance_adherence_at_least'?)",
        "gates.toml: regress_pain_rise: regress_pain_rise must be 1 to 10, not 0",
        "gates.toml: steps: must be a table",
    ]
    path.write_text("[steps]\nrepz = 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"steps\.repz: unknown key"):
        load_gates(path)
    path.write_text("history_length = [", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="cannot read gates"):
        load_gates(path)
    with pytest.raises(ConfigurationError, match="cannot read gates"):
        load_gates(tmp_path / "missing.toml")
