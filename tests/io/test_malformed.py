"""A corpus of malformed assessments (tests/malformed/), each run through the real CLI.

Every file must be refused with exit code 2, nothing on stdout, one ``error:`` line per problem
on stderr naming the file and the JSON path, and no traceback. The table gives, per file, the
start of every line expected after ``error: <file>: `` (all problems of a file at once).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from careengine.cli import cli

CORPUS = Path(__file__).resolve().parents[1] / "malformed"

EXPECTED: dict[str, list[str]] = {
    "bad-json.json": [
        "$: malformed JSON at line 2 column 1: Expecting property name enclosed in double quotes"
    ],
    "empty-file.json": ["$: malformed JSON at line 1 column 1: Expecting value"],
    "not-an-object.json": ["$: must be an object, not a list"],
    "missing-patient.json": ["patient: is required"],
    "patient-id-wrong-type.json": ["patient.id: must be a non-empty string, not a number"],
    "unknown-top-level-key.json": ["findigns: unknown key 'findigns' (did you mean 'findings'?)"],
    "unknown-finding-code.json": [
        "findings[0].code: unknown finding 'glute_weaknes' (did you mean 'glute_weakness'?)"
    ],
    "unknown-condition.json": [
        "patient.conditions[0]: unknown condition 'osteoporsis' (did you mean 'osteoporosis'?)"
    ],
    "unknown-red-flag.json": [
        "red_flags[0]: unknown red flag 'saddle_anaesthesia' (did you mean 'saddle_anesthesia'?)"
    ],
    "unknown-declined-intervention.json": [
        "patient.declines[0]: unknown intervention 'dry_needling' "
        "(did you mean 'dry_needling_referral'?)"
    ],
    "pain-out-of-range.json": ["pain.current: 11 is out of range (0 to 10)"],
    "pain-not-whole.json": ["pain.current: must be a whole number, not 6.5"],
    "negative-degrees.json": ["findings[0].value: -5 is out of range (0 to 180)"],
    "degrees-too-large.json": ["findings[0].value: 200 is out of range (0 to 180)"],
    "wrong-unit.json": ["findings[0].unit: hip_internal_rotation is measured in 'deg', not 'cm'"],
    "findings-not-a-list.json": ["findings: must be a list, not an object"],
    "finding-not-an-object.json": ["findings[0]: must be an object, not a string"],
    "severity-misspelt.json": [
        "findings[0].severity: 'moderat' is not one of mild, moderate, severe "
        "(did you mean 'moderate'?)"
    ],
    "unknown-finding-key.json": [
        "findings[0].sevrity: unknown key 'sevrity' (did you mean 'severity'?)"
    ],
    "present-not-boolean.json": ["findings[0].present: must be true or false, not a string"],
    "age-wrong-type.json": ["patient.age: must be a whole number, not a string"],
    "bad-date.json": ["assessed_on: '2026-13-01' is not a date YYYY-MM-DD"],
    "leg-symptoms-unknown.json": [
        "episode.leg_symptoms: 'to_the_foot' is not one of none, above_knee, below_knee"
    ],
    "odi-too-few-sections.json": [
        "questionnaires.odi.sections: only 7 sections are answered; at least 8 are needed"
    ],
    "odi-wrong-length.json": ["questionnaires.odi.sections: must have exactly 10 entries, not 9"],
    "fabq-answer-out-of-range.json": ["questionnaires.fabq.answers[3]: 7 is out of range (0 to 6)"],
    "startback-item-twice.json": [
        "questionnaires.startback.agree[2]: item 2 is listed more than once"
    ],
    "startback-bothersomeness-misspelt.json": [
        "questionnaires.startback.bothersomeness: 'very much' is not one of not_at_all, "
        "slightly, moderately, very_much, extremely (did you mean 'very_much'?)"
    ],
    "axspa-feature-unknown.json": [
        "questionnaires.axspa_features[0]: unknown axSpA feature 'buttock_pains' "
        "(did you mean 'buttock_pain'?)"
    ],
    "unknown-measure.json": [
        "measures.odi_pct: unknown measure 'odi_pct' (did you mean 'odi_percent'?)"
    ],
    "disagreeing-odi-score.json": [
        "measures.odi_percent: 50 disagrees with 32 computed from questionnaires.odi"
    ],
    "disagreeing-fabq-score.json": [
        "measures.fabq_pa: 5 disagrees with 10 computed from questionnaires.fabq"
    ],
    "response-in-an-assessment.json": [
        "response: only a follow-up assessment may carry a response block"
    ],
    "duplicate-keys.json": [
        "patient.age: duplicate key 'age'",
        "findings[0].side: duplicate key 'side'",
    ],
    "lone-surrogate.json": [
        "patient.id: 'p-\\ud800' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)"
    ],
    "not-utf-8-text.json": [
        "patient.id: 'p-\\udcff' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)"
    ],
    "finding-present-and-absent.json": [
        "findings[1].present: glute_weakness (bilateral) is recorded absent here but present "
        "in findings[0] (left)"
    ],
    "finding-two-severities.json": [
        "findings[1].severity: glute_weakness (right) has severity 'severe' here but 'mild' "
        "in findings[0] (right)"
    ],
    "many-problems.json": [
        "patient.age: -1 is out of range (0 to 120)",
        "pain.current: must be a whole number, not a string",
        "findings[0].code: unknown finding 'core_facilitaton_poor' "
        "(did you mean 'core_facilitation_poor'?)",
        "findings[1].side: 'up' is not one of left, right, bilateral",
        "red_flags[0]: must be a string, not a number",
    ],
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def test_the_corpus_and_the_table_match() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.json")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_malformed_assessment_exits_2_naming_file_and_path(name: str) -> None:
    result = CliRunner().invoke(cli, ["evaluate", str(CORPUS / name)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == len(EXPECTED[name]), lines
    for line, expected in zip(lines, EXPECTED[name], strict=True):
        assert line == f"error: {name}: {expected}"
