"""The published JSON Schemas and the input check built on them (careengine.io.schema_check).

The schema and the loader must agree on what is valid: the schema is what integrators validate
against, the loader what the engine accepts. A hypothesis property mutates the examples and
checks that they accept and refuse the same documents.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import AssessmentError, Engine
from careengine.errors import Problem
from careengine.io.assessment import read_assessment
from careengine.io.schema import assessment_schema, plan_schema
from careengine.io.schema_check import SchemaChecker, combine, inline_refs
from careengine.model import Decision, Progression
from careengine.render.serialize import plan_to_dict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    p.name: json.loads(p.read_text())
    for p in sorted((ROOT / "examples/assessments").glob("*.json"))
}
ENGINE = Engine(entry_points=False)
CHECKER = ENGINE.schema_checker


class LoaderOnly(SchemaChecker):
    """The loader's own checks, without the schema (to compare the two)."""

    def problems(self, data: Any, **options: Any) -> list[Problem]:
        return []


LOADER_ONLY = LoaderOnly(ENGINE.catalog)


_CONTRADICTION = re.compile(r"findings\[\d+\]\.(present|severity|value|unit|direction)")


def loader_accepts(data: Any, followup: bool = False) -> bool:
    """Whether the loader accepts ``data``. Two findings that contradict each other (see
    :func:`~careengine.io.assessment.read_assessment`) are beyond what a JSON Schema can say
    (it checks each entry on its own), so that refusal is left out of the comparison; it is
    tested in tests/io/test_assessment.py."""
    try:
        read_assessment(data, ENGINE.catalog, checker=LOADER_ONLY, followup=followup)
    except AssessmentError as exc:
        return all(
            p.path and _CONTRADICTION.fullmatch(p.path) and " here but " in p.message
            for p in exc.problems
        )
    return True


def schema_accepts(data: Any, followup: bool = False) -> bool:
    return not CHECKER.problems(data, followup=followup)


def lines(data: Any, **options: Any) -> list[str]:
    with pytest.raises(AssessmentError) as info:
        ENGINE.load_assessment(data, **options)
    return info.value.lines()


def test_the_schemas_are_valid_draft_2020_12() -> None:
    for schema in (
        assessment_schema(ENGINE.catalog),
        assessment_schema(ENGINE.catalog, followup=True),
        assessment_schema(ENGINE.catalog, allow_unknown=True),
        plan_schema(ENGINE.catalog),
    ):
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator.check_schema(inline_refs(schema))


def test_every_example_validates_against_the_assessment_schema() -> None:
    validator = jsonschema.Draft202012Validator(
        assessment_schema(ENGINE.catalog),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    for name, data in EXAMPLES.items():
        assert [e.message for e in validator.iter_errors(data)] == [], name


def test_every_plan_validates_against_the_plan_schema_also_after_reassessment() -> None:
    validator = jsonschema.Draft202012Validator(
        plan_schema(ENGINE.catalog), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for name, data in EXAMPLES.items():
        plan = ENGINE.evaluate(ENGINE.load_assessment(data))
        assert [e.message for e in validator.iter_errors(plan_to_dict(plan))] == [], name
        if not plan.items():
            continue
        stage = next(s for s in plan.stages if s.items)
        item = attrs.evolve(stage.items[0], progressed_from=stage.items[0].intervention)
        progression = Progression(
            from_stage="relieve", to_stage="mobilize", decision=Decision.ADVANCE, reasons=("ok",)
        )
        progressed = attrs.evolve(
            plan,
            progression=progression,
            history=(progression,),
            stages=tuple(
                attrs.evolve(s, items=(item, *s.items[1:])) if s is stage else s
                for s in plan.stages
            ),
        )
        data_out = plan_to_dict(progressed)
        assert "progression" in data_out
        assert list(validator.iter_errors(data_out)) == [], name
        data_out["stages"][0]["items"] = [{"intervention": "not_in_the_catalog"}]
        assert not validator.is_valid(data_out)


def test_dates_are_yyyy_mm_dd_for_the_schema_and_the_loader() -> None:
    for text in ("20261120", "2026-W47-5", "2026-13-01"):
        data = {"patient": {"id": "p"}, "assessed_on": text}
        assert not schema_accepts(data) and not loader_accepts(data)
        assert lines(data) == [f"assessed_on: {text!r} is not a date YYYY-MM-DD"]


def test_the_more_precise_problem_wins_and_nothing_is_reported_twice() -> None:
    # the loader says "patient: is required"; the schema says exactly what is wrong
    assert lines({"patient": {"id": None}}) == ["patient.id: must be a string, not null"]
    data = {"patient": {"id": "p"}, "findings": [{"code": "glute_weaknes"}], "red_flags": [7]}
    assert lines(data) == [
        "findings[0].code: unknown finding 'glute_weaknes' (did you mean 'glute_weakness'?)",
        "red_flags[0]: must be a string, not a number",
    ]


def test_problems_follow_the_schema_order_whatever_the_key_order() -> None:
    data = {
        "red_flags": ["nite_pain"],
        "findings": [{"severity": "bad", "code": "glute_weakness", "sidee": "left"}],
        "patient": {"age": 300, "id": "p"},
        "extra": 1,
    }
    assert lines(data) == [
        "extra: unknown key 'extra'",
        "patient.age: 300 is out of range (0 to 120)",
        "findings[0].sidee: unknown key 'sidee' (did you mean 'side'?)",
        "findings[0].severity: 'bad' is not one of mild, moderate, severe",
        "red_flags[0]: unknown red flag 'nite_pain' (did you mean 'night_pain'?)",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"patient": {"id": "p", "age": True}},
            ("patient.age", "must be a whole number, not a boolean"),
        ),
        ({"patient": {"id": "p"}, "pain": [1]}, ("pain", "must be an object, not a list")),
        (
            {"patient": {"id": "p"}, "schema": "x"},
            ("schema", "must be 'careengine.assessment/1', not 'x'"),
        ),
        (
            {"patient": {"id": "p"}, "measures": {"odi_percnt": 3}},
            ("measures.odi_percnt", "unknown measure 'odi_percnt'"),
        ),
        (
            {"patient": {"id": "p"}, "red_flags": ["x"] * 201},
            ("red_flags", "has 201 entries; at most 200 are accepted"),
        ),
        (
            {
                "patient": {"id": "p"},
                "questionnaires": {"odi": {"sections": [1, None, None, None, 1, 1, 1, 1, 1, 1]}},
            },
            ("questionnaires.odi.sections", "only 7 entries are answered; at least 8 are needed"),
        ),
        (
            {
                "patient": {"id": "p"},
                "questionnaires": {"axspa_features": ["buttock_pain", "buttock_pain"]},
            },
            ("questionnaires.axspa_features[1]", "'buttock_pain' is listed more than once"),
        ),
        ({"patient": {"id": " "}}, ("patient.id", "must be a non-empty string")),
        (
            {"patient": {"id": "p"}, "response": {}},
            ("response", "only a follow-up assessment may carry a response block"),
        ),
        (
            {"patient": {"id": "p"}, "findings": [{"code": "straight_leg_raise", "unit": "cm"}]},
            ("findings[0].unit", "must be 'deg', not 'cm'"),
        ),
    ],
)
def test_schema_errors_in_the_loaders_words(data: Any, expected: tuple[str, str]) -> None:
    found = [(p.path, p.message) for p in CHECKER.problems(data)]
    assert expected in found


def test_combine_keeps_the_loaders_words_and_drops_vaguer_duplicates() -> None:
    def p(path: str, message: str) -> Problem:
        return Problem(path=path, message=message)

    schema = [p("a.b", "schema words"), p("c", "only the schema"), p("d[0]", "precise")]
    loader = [p("a.b", "loader words"), p("d", "vague"), p("e", "only the loader")]
    assert [(x.path, x.message) for x in combine(schema, loader, lambda x: x.path)] == [
        ("a.b", "loader words"),
        ("c", "only the schema"),
        ("d[0]", "precise"),
        ("e", "only the loader"),
    ]


# --- the schema and the loader agree --------------------------------------------------------------

PATHS = [
    ("patient", "id"),
    ("patient", "age"),
    ("patient", "sex"),
    ("patient", "conditions"),
    ("patient", "declines"),
    ("patient", "pregnancy"),
    ("patient", "pregnancy", "gestational_week"),
    ("patient", "pregnancy", "postpartum_weeks"),
    ("patient", "pregnancy", "trimester"),
    ("assessed_on",),
    ("episode",),
    ("episode", "duration_days"),
    ("episode", "leg_symptoms"),
    ("episode", "onset_age"),
    ("pain", "current"),
    ("pain", "worst"),
    ("findings",),
    ("findings", 0),
    ("findings", 0, "code"),
    ("findings", 0, "side"),
    ("findings", 0, "severity"),
    ("findings", 0, "value"),
    ("findings", 0, "unit"),
    ("findings", 0, "present"),
    ("findings", 0, "direction"),
    ("findings", 0, "colour"),
    ("red_flags",),
    ("red_flags", 0),
    ("questionnaires", "startback"),
    ("questionnaires", "startback", "agree"),
    ("questionnaires", "startback", "agree", 0),
    ("questionnaires", "startback", "bothersomeness"),
    ("questionnaires", "odi", "sections"),
    ("questionnaires", "odi", "sections", 0),
    ("questionnaires", "fabq", "answers", 0),
    ("questionnaires", "axspa_features"),
    ("questionnaires", "hla_b27"),
    ("measures", "odi_percent"),
    ("measures", "odi_pct"),
    ("schema",),
    ("response",),
    ("response", "exercise_pain_max"),
    ("response", "settled_within_24h"),
    ("response", "adherence_percent"),
    ("response", "extra"),
    ("unknown_key",),
]
VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        2,
        -1,
        7,
        11,
        181,
        5.5,
        3.0,
        100.5,
        "",
        " ",
        "left",
        "moderate",
        "glute_weakness",
        "hip_internal_rotation",
        "deg",
        "cm",
        "night_pain",
        "osteoporosis",
        ["pregnancy"],
        ["pregnancy", "osteoporosis"],
        13,
        43,
        105,
        {"gestational_week": 20},
        {"postpartum_weeks": 6},
        {"gestational_week": 20, "postpartum_weeks": 6},
        "bridge",
        "extension",
        "below_knee",
        "very_much",
        "buttock_pain",
        "positive",
        "2026-11-20",
        "20261120",
        "2026-02-30",
        [],
        [1, 1],
        [None] * 10,
        [1] * 10,
        ["night_pain"],
        {},
        {"code": "glute_weakness"},
    ]
)
FULL = {
    "schema": "careengine.assessment/1",
    "patient": {"id": "p", "age": 40, "sex": "female", "conditions": [], "declines": []},
    "assessed_on": "2026-11-20",
    "episode": {"duration_days": 10, "leg_symptoms": "none", "onset_age": 30},
    "pain": {"current": 5, "worst": 7},
    "findings": [{"code": "hip_internal_rotation", "side": "left", "value": 30, "unit": "deg"}],
    "red_flags": ["night_pain"],
    "questionnaires": {
        "startback": {"agree": [1, 2], "bothersomeness": "slightly"},
        "odi": {"sections": [1, 2, 1, 0, 1, 2, 1, 0, 1, None]},
        "fabq": {"answers": [0] * 16},
        "axspa_features": ["buttock_pain"],
        "hla_b27": "negative",
    },
    "measures": {"odi_percent": 20},
}


def put(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    target = data
    for key in path[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return
    last = path[-1]
    in_dict = isinstance(target, dict) and isinstance(last, str)
    in_list = isinstance(target, list) and isinstance(last, int) and last < len(target)
    if in_dict or in_list:
        target[last] = copy.deepcopy(value)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from([FULL, *EXAMPLES.values()]),
    changes=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), max_size=3),
    followup=st.booleans(),
)
def test_the_schema_and_the_loader_accept_the_same_documents(
    base: dict[str, Any], changes: list[tuple[tuple[str | int, ...], Any]], followup: bool
) -> None:
    data = copy.deepcopy(base)
    if followup:
        data["response"] = {
            "exercise_pain_max": 2,
            "settled_within_24h": True,
            "adherence_percent": 80,
        }
    for path, value in changes:
        put(data, path, value)
    assert schema_accepts(data, followup) == loader_accepts(data, followup), CHECKER.problems(
        data, followup=followup
    )
