"""Reading assessments (docs/design.md section 6.1) and the plan JSON round trip (6.3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from careengine import AssessmentError, Engine
from careengine.cli import cli
from careengine.fhir import read_bundle
from careengine.io.json_text import parse_json
from careengine.model import (
    Assessment,
    Decision,
    Direction,
    Episode,
    Finding,
    LegSymptoms,
    Pain,
    Patient,
    Plan,
    Progression,
    Response,
    Severity,
    Side,
)
from careengine.render.serialize import PLAN_SCHEMA, dumps, plan_from_dict, plan_to_dict
from tests.plugins import catalog, scores, variety
from tests.support import assessment_data, make_engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return make_engine(catalog, variety, scores)


def write(tmp_path: Path, data: Any, name: str = "p-01.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def problems(engine: Engine, tmp_path: Path, data: Any, **options: bool) -> list[str]:
    with pytest.raises(AssessmentError) as info:
        engine.load_assessment(write(tmp_path, data), **options)
    assert info.value.exit_code == 2
    assert info.value.lines() == [str(p) for p in info.value.problems]
    return info.value.lines()


FULL = {
    "schema": "careengine.assessment/1",
    "patient": {
        "id": "p-0001",
        "age": 34,
        "sex": "female",
        "conditions": ["anticoagulant_therapy"],
        "declines": ["dry_needling_referral"],
    },
    "assessed_on": "2026-11-20",
    "episode": {"duration_days": 10, "leg_symptoms": "none", "onset_age": None},
    "pain": {"current": 6, "worst": 8, "best": 2},
    "findings": [
        {"code": "glute_weakness", "side": "left", "severity": "moderate"},
        {"code": "hip_internal_rotation", "side": "right", "value": 38, "unit": "deg"},
        {"code": "centralization", "direction": "extension"},
        {"code": "core_facilitation_poor", "present": False},
    ],
    "red_flags": ["night_pain"],
    "measures": {"odi_percent": 32},
}


def test_a_complete_assessment_loads_into_the_model(engine: Engine, tmp_path: Path) -> None:
    assessment = engine.load_assessment(write(tmp_path, FULL))
    assert assessment == Assessment(
        patient=Patient(
            id="p-0001",
            age=34,
            sex="female",
            conditions=("anticoagulant_therapy",),
            declines=("dry_needling_referral",),
        ),
        assessed_on="2026-11-20",
        episode=Episode(duration_days=10, leg_symptoms=LegSymptoms.NONE, onset_age=None),
        pain=Pain(current=6, worst=8, best=2),
        findings=(
            Finding(code="glute_weakness", side=Side.LEFT, severity=Severity.MODERATE),
            Finding(code="hip_internal_rotation", side=Side.RIGHT, value=38, unit="deg"),
            Finding(code="centralization", direction=Direction.EXTENSION),
            Finding(code="core_facilitation_poor", present=False),
        ),
        red_flags=("night_pain",),
        measures={"odi_percent": 32},
    )
    assert assessment.source == "p-01.json"
    assert [f.code for f in assessment.present_findings()] == [
        "glute_weakness",
        "hip_internal_rotation",
        "centralization",
    ]
    # parsed data works the same as a file
    assert engine.load_assessment(FULL) == assessment


def test_a_measurement_without_a_unit_takes_the_catalog_unit(engine: Engine) -> None:
    data = assessment_data(findings=[{"code": "hip_internal_rotation", "value": 20}])
    (finding,) = engine.load_assessment(data).findings
    assert (finding.value, finding.unit) == (20, "deg")


def test_unknown_code_error_names_file_path_and_suggestion(engine: Engine, tmp_path: Path) -> None:
    data = assessment_data(
        findings=["thoracic_mobility_limited", "core_facilitation_poor", "glute_weaknes"]
    )
    assert problems(engine, tmp_path, data) == [
        "p-01.json: findings[2].code: unknown finding 'glute_weaknes' "
        "(did you mean 'glute_weakness'?)"
    ]


def test_every_problem_is_reported_at_once(engine: Engine, tmp_path: Path) -> None:
    data = {
        "schema": "careengine.assessment/2",
        "patient": {"id": "p-1", "age": "thirty", "sexx": "x", "conditions": ["osteoporsis"]},
        "assessed_on": "2026-13-01",
        "episode": {"duration_days": -3, "leg_symptoms": "to_the_foot"},
        "pain": {"current": 11, "worst": 7.5},
        "findings": [
            {"code": "glute_weakness", "side": "leftt", "sevrity": "moderate"},
            {"code": "hip_internal_rotation", "value": -5, "unit": "deg"},
            {"code": "hip_internal_rotation", "value": 20, "unit": "cm"},
            {"code": "core_facilitation_poor", "present": "yes"},
            {"side": "left"},
            "glute_weakness",
        ],
        "red_flags": ["nite_pain", 7],
        "measures": {"odi_percnt": 30, "odi_percent": -1},
        "finding": [],
        "response": {"exercise_pain_max": 2},
    }
    assert problems(engine, tmp_path, data) == [
        "p-01.json: finding: unknown key 'finding' (did you mean 'findings'?)",
        "p-01.json: schema: must be 'careengine.assessment/1', not 'careengine.assessment/2'",
        "p-01.json: patient.sexx: unknown key 'sexx' (did you mean 'sex'?)",
        "p-01.json: patient.age: must be a whole number, not a string",
        "p-01.json: patient.conditions[0]: unknown condition 'osteoporsis' "
        "(did you mean 'osteoporosis'?)",
        "p-01.json: assessed_on: '2026-13-01' is not a date YYYY-MM-DD",
        "p-01.json: episode.duration_days: -3 is out of range (0 to 36500)",
        "p-01.json: episode.leg_symptoms: 'to_the_foot' is not one of none, above_knee, below_knee",
        "p-01.json: pain.current: 11 is out of range (0 to 10)",
        "p-01.json: pain.worst: must be a whole number, not 7.5",
        "p-01.json: findings[0].sevrity: unknown key 'sevrity' (did you mean 'severity'?)",
        "p-01.json: findings[0].side: 'leftt' is not one of left, right, bilateral "
        "(did you mean 'left'?)",
        "p-01.json: findings[1].value: -5 is out of range (0 to 180)",
        "p-01.json: findings[2].unit: hip_internal_rotation is measured in 'deg', not 'cm'",
        "p-01.json: findings[3].present: must be true or false, not a string",
        "p-01.json: findings[4].code: is required",
        "p-01.json: findings[5]: must be an object, not a string",
        "p-01.json: red_flags[0]: unknown red flag 'nite_pain' (did you mean 'night_pain'?)",
        "p-01.json: red_flags[1]: must be a string, not a number",
        "p-01.json: measures.odi_percnt: unknown measure 'odi_percnt' "
        "(did you mean 'odi_percent'?)",
        "p-01.json: measures.odi_percent: -1 is out of range (at least 0)",
        "p-01.json: response: only a follow-up assessment may carry a response block",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"patient": {"id": "p"}', "p-01.json: $: malformed JSON at line 1 column 24"),
        ("[1, 2]", "p-01.json: $: must be an object, not a list"),
        ('{"findings": []}', "p-01.json: patient: is required"),
        ('{"patient": {"age": 3}}', "p-01.json: patient.id: is required"),
        ('{"patient": {"id": "  "}}', "p-01.json: patient.id: must be a non-empty string"),
        ('{"patient": {"id": "p", "declines": ["needling"]}}', "unknown intervention 'needling'"),
        ('{"patient": {"id": "p"}, "findings": {"code": "x"}}', "findings: must be a list"),
    ],
)
def test_malformed_and_structurally_wrong_files(
    engine: Engine, tmp_path: Path, text: str, message: str
) -> None:
    (line,) = problems(engine, tmp_path, text)
    assert line.startswith(message) or message in line


def test_an_unreadable_file_is_an_assessment_error(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(AssessmentError) as info:
        engine.load_assessment(tmp_path / "missing.json")
    assert info.value.lines() == ["missing.json: $: cannot read: No such file or directory"]


def test_allow_unknown_lists_unknown_findings_in_the_plan(engine: Engine) -> None:
    data = assessment_data(findings=["glute_weakness", "sacroiliac_pain", "sacroiliac_pain"])
    with pytest.raises(AssessmentError, match="unknown finding 'sacroiliac_pain'"):
        engine.load_assessment(data)
    assessment = engine.load_assessment(data, allow_unknown=True)
    assert [f.code for f in assessment.findings] == ["glute_weakness"]
    assert engine.evaluate(assessment).unrecognized == ("sacroiliac_pain",)
    with pytest.raises(AssessmentError, match="unknown condition"):
        engine.load_assessment({"patient": {"id": "p", "conditions": ["x"]}}, allow_unknown=True)


def test_follow_up_needs_a_complete_response(engine: Engine, tmp_path: Path) -> None:
    data = assessment_data(findings=["glute_weakness"])
    with pytest.raises(AssessmentError, match="response: a follow-up needs a response block"):
        engine.load_assessment(data, followup=True)
    data["response"] = {"exercise_pain_max": 12, "settled_within_24h": "yes"}
    assert problems(engine, tmp_path, data, followup=True) == [
        "p-01.json: response.exercise_pain_max: 12 is out of range (0 to 10)",
        "p-01.json: response.settled_within_24h: must be true or false, not a string",
        "p-01.json: response.adherence_percent: is required",
    ]
    data["response"] = {"exercise_pain_max": 3, "settled_within_24h": True, "adherence_percent": 80}
    assessment = engine.load_assessment(data, followup=True)
    assert assessment.response == Response(
        exercise_pain_max=3, settled_within_24h=True, adherence_percent=80
    )


def test_the_loader_knows_only_the_codes_plugins_registered(tmp_path: Path) -> None:
    data = assessment_data(findings=["fear_avoidance"])
    assert make_engine(catalog).load_assessment(data).findings[0].code == "fear_avoidance"
    with pytest.raises(AssessmentError, match="unknown finding 'fear_avoidance'"):
        make_engine().load_assessment(data)


# --- the plan round trip ------------------------------------------------------------------------

ROUND_TRIP_CASES: list[dict[str, Any]] = [
    FULL,
    assessment_data(
        findings=[
            {"code": "hip_flexor_tightness", "side": "left"},
            {"code": "hip_flexor_tightness", "side": "bilateral"},
            # one direction per side (two for one side would contradict each other), so that
            # both directional-preference exercises are proposed
            {"code": "centralization", "side": "left", "direction": "extension"},
            {"code": "centralization", "side": "right", "direction": "flexion"},
            {"code": "glute_weakness", "side": "left", "severity": "severe"},
            "fear_avoidance",
            "lumbar_hypomobility",
        ],
        conditions=["osteoporosis", "pregnancy"],
        red_flags=["night_pain"],
        age=60,
        pain=9,
    ),
    assessment_data(findings=["core_facilitation_poor"], red_flags=["history_of_cancer"]),
]


@pytest.mark.parametrize("data", ROUND_TRIP_CASES)
def test_plan_json_round_trip(data: dict[str, Any]) -> None:
    engine = make_engine(catalog, variety, scores, max_items_per_stage=1)
    plan = engine.evaluate(engine.load_assessment(data))
    assert plan_from_dict(plan_to_dict(plan)) == plan
    text = dumps(plan)
    assert plan_from_dict(json.loads(text)) == plan
    assert dumps(plan_from_dict(json.loads(text))) == text
    assert json.loads(text)["schema"] == PLAN_SCHEMA


def test_rich_plan_parts_survive_the_round_trip() -> None:
    engine = make_engine(catalog, variety, scores, max_items_per_stage=1)
    plan = engine.evaluate(engine.load_assessment(ROUND_TRIP_CASES[1]))
    # the second case exercises every part of the plan
    assert plan.alerts and plan.referrals and plan.excluded and plan.deferred
    assert {c.kind for c in plan.conflicts} == {"dosage", "exclusive_group"}
    assert any(item.precautions for _, item in plan.items())
    assert plan.classifications["test_risk"]["band"] == "high"
    progression = Progression(
        from_stage="relieve", to_stage="mobilize", decision=Decision.ADVANCE, reasons=("ok",)
    )
    stage = plan.stages[1]
    item = attrs.evolve(stage.items[0], progressed_from="bridge")
    progressed: Plan = attrs.evolve(
        plan,
        progression=progression,
        history=(progression,),
        stages=(plan.stages[0], attrs.evolve(stage, items=(item,)), *plan.stages[2:]),
    )
    data = json.loads(dumps(progressed))
    assert data["progression"]["decision"] == "advance"
    assert data["stages"][1]["items"][0]["progressed_from"] == "bridge"
    assert plan_from_dict(data) == progressed


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"schema": "careengine.plan/2"},
        {"schema": PLAN_SCHEMA, "patient_id": "p"},
        {
            "schema": PLAN_SCHEMA,
            "patient_id": "p",
            "status": "maybe",
            "current_stage": "x",
            "stages": [],
            "provenance": {"engine_version": "1", "fingerprint": "f"},
        },
    ],
)
def test_a_broken_plan_file_is_an_assessment_error(data: dict[str, Any]) -> None:
    with pytest.raises(AssessmentError, match="not a careengine plan") as info:
        plan_from_dict(data, file="old.plan.json")
    assert info.value.lines()[0].startswith("old.plan.json: $: not a careengine plan")


def test_a_closed_engine_refuses_to_evaluate_with_a_clear_error() -> None:
    from careengine import ConfigurationError, Engine

    engine = Engine(entry_points=False)
    assessment = engine.load_assessment({"patient": {"id": "c-1"}})
    engine.close()
    with pytest.raises(ConfigurationError, match="this engine is closed"):
        engine.evaluate(assessment)


# --- hostile input (issue 13): nothing ambiguous, garbled or contradictory is used -------------

CATALOG = Engine(entry_points=False).catalog
DESK = Path(__file__).resolve().parents[2] / "examples" / "assessments" / "desk-worker.json"


def _refused(*args: str | Path) -> list[str]:
    """The CLI's error lines for a refused input (exit 2, no traceback, nothing on stdout)."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result.stderr.splitlines()


def _with_duplicate(text: str, key: str, value: str) -> str:
    """JSON object text with ``key`` given once more at its end (a duplicate at the top)."""
    return text.rstrip().removesuffix("}") + f', "{key}": {value}}}'


def test_a_duplicate_key_is_refused_wherever_the_json_comes_from(tmp_path: Path) -> None:
    good = Engine(entry_points=False)
    assessment = tmp_path / "p.json"
    assessment.write_text(
        '{"patient": {"id": "p-1", "age": 40, "age": 41}, "pain": {"current": 3}}'
    )
    assert _refused("evaluate", assessment) == ["error: p.json: patient.age: duplicate key 'age'"]

    plan_text = good.render(good.evaluate(good.load_assessment(DESK)), "json")
    plan = tmp_path / "plan.json"
    plan.write_text(plan_text)
    followup_data = json.loads(DESK.read_text())
    followup_data["response"] = {"exercise_pain_max": 2, "settled_within_24h": True}
    followup = tmp_path / "f.json"
    followup.write_text(
        json.dumps(followup_data).replace(
            '"settled_within_24h": true', '"settled_within_24h": true, "settled_within_24h": false'
        )[:-2]
        + ', "adherence_percent": 80}}'
    )
    assert _refused("reassess", plan, followup) == [
        "error: f.json: response.settled_within_24h: duplicate key 'settled_within_24h'"
    ]

    stored = tmp_path / "stored.json"
    stored.write_text(_with_duplicate(plan_text, "patient_id", '"someone-else"'))
    followup.write_text(
        json.dumps(
            followup_data | {"response": followup_data["response"] | {"adherence_percent": 80}}
        )
    )
    assert _refused("reassess", stored, followup) == [
        "error: stored.json: patient_id: duplicate key 'patient_id'"
    ]

    bundle = tmp_path / "b.json"
    fhir = json.dumps(to_fhir_bundle(good, json.loads(DESK.read_text())))
    bundle.write_text(_with_duplicate(fhir, "type", '"document"'))
    assert _refused("evaluate", bundle, "--input-format", "fhir") == [
        "error: b.json: type: duplicate key 'type'"
    ]


def to_fhir_bundle(engine: Engine, data: dict[str, Any]) -> dict[str, Any]:
    from careengine.fhir import assessment_bundle

    bundle: dict[str, Any] = assessment_bundle(engine.load_assessment(data), engine.catalog)
    return bundle


def test_duplicate_keys_are_each_named_at_their_path_in_document_order() -> None:
    text = (
        '{"patient": {"id": "a", "id": "b"}, "findings": [{"code": "x"}, '
        '{"code": "y", "side": "left", "code": "z", "side": "right"}], '
        '"measures": {"odi_percent": 1, "odi_percent": 2, "odi_percent": 3}}'
    )
    with pytest.raises(AssessmentError) as info:
        parse_json(text, file="d.json")
    assert info.value.lines() == [
        "d.json: patient.id: duplicate key 'id'",
        "d.json: findings[1].code: duplicate key 'code'",
        "d.json: findings[1].side: duplicate key 'side'",
        "d.json: measures.odi_percent: duplicate key 'odi_percent'",
    ]
    # the same key in different objects is not a duplicate
    assert parse_json('{"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}]}') == {
        "a": {"k": 1},
        "b": {"k": 2},
        "k": [{"k": 3}],
    }


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ('{"patient": {"id": "p\\ud800"}}', ["u.json: patient.id: 'p\\ud800'"]),
        ('{"patient": {"id": "p"}, "x\\udfff": 1}', ["u.json: x\\udfff: the key 'x\\udfff'"]),
        (b'{"patient": {"id": "p\xed\xa0\x80"}}', ["u.json: patient.id: 'p\\udced\\udca0\\udc80'"]),
        (
            '{"findings": [{"code": "a\\udc00"}, {"code": "\\ud83d\\ude00"}, {"code": "\\ud83d"}]}',
            ["u.json: findings[0].code: 'a\\udc00'", "u.json: findings[2].code: '\\ud83d'"],
        ),
    ],
    ids=["lone-high-surrogate", "in-a-key", "utf-8-encoded-surrogate", "only-the-lone-ones"],
)
def test_text_that_is_not_unicode_is_refused_at_its_path(
    text: str | bytes, lines: list[str]
) -> None:
    with pytest.raises(AssessmentError) as info:
        parse_json(text, file="u.json")
    found = info.value.lines()
    assert len(found) == len(lines), found
    for line, start in zip(found, lines, strict=True):
        assert line.startswith(start) and line.endswith(
            "is not valid Unicode text (a lone surrogate or bytes that are not UTF-8)"
        )
        line.encode("utf-8")  # the message itself can be printed and written


def test_a_bom_is_accepted_and_a_valid_surrogate_pair_is_text() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_unencodable_text_never_reaches_an_output(tmp_path: Path) -> None:
    """Every place where input text is copied into a plan or a message, from a file (CLI) and
    from data handed to the library directly."""
    bad = "p\ud800"
    file = tmp_path / "s.json"
    file.write_text(json.dumps({"patient": {"id": "p"}, "findings": [{"code": bad}]}))
    assert _refused("evaluate", file, "--allow-unknown") == [
        "error: s.json: findings[0].code: 'p\\ud800' is not valid Unicode text "
        "(a lone surrogate or bytes that are not UTF-8)"
    ]
    fhir = tmp_path / "b.json"
    bundle = to_fhir_bundle(Engine(entry_points=False), json.loads(DESK.read_text()))
    bundle["entry"].append({"resource": {"resourceType": bad}})
    fhir.write_text(json.dumps(bundle))
    (line,) = _refused("evaluate", fhir, "--input-format", "fhir", "--allow-unknown")
    last = len(bundle["entry"]) - 1
    assert line.startswith(f"error: b.json: entry[{last}].resource.resourceType: 'p\\ud800' is")
    with pytest.raises(AssessmentError) as caught:  # the same bundle handed over as data
        read_bundle(bundle, CATALOG, file="b.json", allow_unknown=True)
    (line,) = caught.value.lines()
    assert line.startswith(f"b.json: entry[{last}].resource: 'p\\ud800' is not valid Unicode")

    engine = Engine(entry_points=False)
    cases = [
        ({"patient": {"id": bad}}, "patient.id: 'p\\ud800' is not valid Unicode text"),
        (
            {"patient": {"id": "p"}, "findings": [{"code": bad}]},
            "findings[0].code: 'p\\ud800' is not valid Unicode text",
        ),
        (
            {"patient": {"id": "p"}, "findings": [{"code": "glute_weakness", "unit": bad}]},
            "findings[0].unit: 'p\\ud800' is not valid Unicode text",
        ),
        ({"patient": {"id": "p"}, bad: 1}, "p\\ud800: unknown key 'p\\ud800'"),
        ({"patient": {"id": "p"}, "measures": {bad: 1}}, "measures.p\\ud800: unknown measure"),
    ]
    for data, expected in cases:
        with pytest.raises(AssessmentError) as info:
            engine.load_assessment(data, allow_unknown=True)
        text = "\n".join(info.value.lines())
        text.encode("utf-8")
        assert expected in text, text


# --- contradictory findings ---------------------------------------------------------------------

GW = "glute_weakness"
HIR = "hip_internal_rotation"


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        # present and absent
        (
            [{"code": GW}, {"code": GW, "present": False}],
            "findings[1].present: glute_weakness (no side given) is recorded absent here but "
            "present in findings[0] (no side given)",
        ),
        (
            [{"code": GW, "side": "left", "present": False}, {"code": GW, "side": "left"}],
            "findings[1].present: glute_weakness (left) is recorded present here but absent in "
            "findings[0] (left)",
        ),
        (
            [{"code": GW, "side": "bilateral"}, {"code": GW, "side": "right", "present": False}],
            "findings[1].present: glute_weakness (right) is recorded absent here but present in "
            "findings[0] (bilateral)",
        ),
        (
            [
                {"code": "centralization", "present": False},
                {"code": "centralization", "direction": "extension"},
            ],
            "findings[1].present: centralization (no side given, extension) is recorded present "
            "here but absent in findings[0] (no side given)",
        ),
        (
            [
                {"code": "centralization", "direction": "flexion"},
                {"code": "centralization", "direction": "flexion", "present": False},
            ],
            "findings[1].present: centralization (no side given, flexion) is recorded absent "
            "here but present in findings[0] (no side given, flexion)",
        ),
        (
            [{"code": GW, "present": False}, {"code": GW, "side": "left"}],
            "findings[1].present: glute_weakness (left) is recorded present here but absent in "
            "findings[0] (no side given)",
        ),
        # two values for one side
        (
            [
                {"code": GW, "side": "left", "severity": "mild"},
                {"code": GW, "side": "bilateral", "severity": "severe"},
            ],
            "findings[1].severity: glute_weakness (bilateral) has severity 'severe' here but "
            "'mild' in findings[0] (left)",
        ),
        (
            [
                {"code": HIR, "side": "right", "value": 20},
                {"code": HIR, "side": "right", "value": 35},
            ],
            "findings[1].value: hip_internal_rotation (right) has value 35 here but 20 in "
            "findings[0] (right)",
        ),
        (
            [
                {"code": "centralization", "direction": "extension"},
                {"code": "centralization", "direction": "flexion"},
            ],
            "findings[1].direction: centralization (no side given) has direction 'flexion' here "
            "but 'extension' in findings[0] (no side given)",
        ),
    ],
)
def test_contradictory_findings_are_refused(
    engine: Engine, tmp_path: Path, findings: list[dict[str, Any]], expected: str
) -> None:
    assert problems(engine, tmp_path, assessment_data(findings=findings)) == [
        f"p-01.json: {expected}"
    ]


def test_findings_that_do_not_contradict_are_kept(engine: Engine) -> None:
    findings = [
        {"code": GW, "side": "left", "severity": "mild"},
        {"code": GW, "side": "right", "present": False},  # the other side
        {"code": GW, "side": "left", "severity": "mild"},  # an exact duplicate: kept
        {"code": HIR, "side": "left", "value": 20},
        {"code": HIR, "side": "left", "value": 20.0, "unit": "deg"},  # the same, spelt out
        {"code": HIR, "side": "right", "value": 40},
        {"code": HIR, "value": 30},  # no side given: it may be either hip
        {"code": "hip_flexor_tightness", "side": "bilateral"},
        {"code": "hip_flexor_tightness", "side": "left", "severity": "moderate"},  # agrees
        # tested in several directions: centralizes in one, not in the others
        {"code": "centralization", "direction": "extension"},
        {"code": "centralization", "direction": "flexion", "present": False},
        {"code": "centralization", "direction": "lateral", "present": False},
        # present somewhere (no side given), not on the left
        {"code": "lumbar_hypomobility"},
        {"code": "lumbar_hypomobility", "side": "left", "present": False},
    ]
    loaded = engine.load_assessment(assessment_data(findings=findings)).findings
    assert [(f.code, f.side and f.side.value, f.present, f.value) for f in loaded] == [
        (GW, "left", True, None),
        (GW, "right", False, None),
        (GW, "left", True, None),
        (HIR, "left", True, 20),
        (HIR, "left", True, 20),
        (HIR, "right", True, 40),
        (HIR, None, True, 30),
        ("hip_flexor_tightness", "bilateral", True, None),
        ("hip_flexor_tightness", "left", True, None),
        ("centralization", None, True, None),
        ("centralization", None, False, None),
        ("centralization", None, False, None),
        ("lumbar_hypomobility", None, True, None),
        ("lumbar_hypomobility", "left", False, None),
    ]
