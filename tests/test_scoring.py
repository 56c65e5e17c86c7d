"""Scores and classifications of docs/design.md section 11 (plugin ``careengine_plugins.scoring``) and the
questionnaire shapes of docs/design.md section 6.1 (the assessment loader).

Every published threshold is tested on both sides of its boundary, through the engine (assessment
data -> ``engine.load_assessment`` -> ``engine.evaluate`` -> ``plan.classifications``), and the
scoring functions are tested directly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careengine import Engine
from careengine.errors import AssessmentError
from careengine.model import AlertLevel, Classification, DerivedFact, Direction, Finding, Side
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RulePackRegistry
from careengine.render.serialize import thaw
from careengine.rules import RaiseAlert, Rule, When, derived
from careengine_plugins import DEFAULT_PLUGINS
from careengine_plugins.scoring import derive
from careengine_plugins.scoring_criteria import (
    Criterion,
    all_of,
    any_of,
    at_least,
    finding_state,
    on_either_side,
)
from careengine_plugins.scoring_scores import (
    fabq_subscales,
    odi_band,
    odi_percent,
    startback_risk,
    startback_scores,
)

NAMES = (
    "axspa",
    "cpr_manipulation",
    "cpr_manipulation_pragmatic",
    "fabq",
    "odi",
    "stabilization",
    "startback",
    "tbc",
)
FABQ_LOW = [0] * 16  # pa 0, work 0


@functools.cache
def engine() -> Engine:
    return Engine(entry_points=False)


def data(
    *,
    age: int | None = None,
    conditions: tuple[str, ...] = (),
    duration: int | None = None,
    leg: str | None = None,
    onset_age: int | None = None,
    findings: tuple[Mapping[str, Any] | str, ...] = (),
    questionnaires: Mapping[str, Any] | None = None,
    measures: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Assessment JSON; a finding given as a string is that code, present; ``-code`` is that code
    recorded absent."""
    patient: dict[str, Any] = {"id": "p-scoring", "conditions": list(conditions)}
    if age is not None:
        patient["age"] = age
    episode = {"duration_days": duration, "leg_symptoms": leg, "onset_age": onset_age}
    items = []
    for f in findings:
        if isinstance(f, str):
            f = {"code": f[1:], "present": False} if f.startswith("-") else {"code": f}
        items.append(dict(f))
    out: dict[str, Any] = {
        "patient": patient,
        "episode": {k: v for k, v in episode.items() if v is not None},
        "findings": items,
    }
    if questionnaires is not None:
        out["questionnaires"] = dict(questionnaires)
    if measures is not None:
        out["measures"] = dict(measures)
    return out


def classify(**kwargs: Any) -> dict[str, Any]:
    """The plan's classifications block as plain data."""
    e = engine()
    plan = e.evaluate(e.load_assessment(data(**kwargs)))
    return thaw(plan.classifications)


def derived_items(**kwargs: Any) -> list[Classification | DerivedFact]:
    return derive(engine().load_assessment(data(**kwargs)))


def hip(value: float, side: str | None = "right") -> dict[str, Any]:
    f: dict[str, Any] = {"code": "hip_internal_rotation", "value": value, "unit": "deg"}
    if side:
        f["side"] = side
    return f


def slr(value: float, side: str) -> dict[str, Any]:
    return {"code": "straight_leg_raise", "value": value, "unit": "deg", "side": side}


def central(code: str, direction: str, present: bool = True) -> dict[str, Any]:
    return {"code": code, "direction": direction, "present": present}


def problems(raw: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(AssessmentError) as info:
        engine().load_assessment(raw)
    return [(p.path, p.message) for p in info.value.problems]


def evaluate_error(**kwargs: Any) -> AssessmentError:
    e = engine()
    assessment = e.load_assessment(data(**kwargs))
    with pytest.raises(AssessmentError) as info:
        e.evaluate(assessment)
    return info.value


# --- the plugin is a default built-in -----------------------------------------------------------


def test_scoring_is_a_default_builtin_and_every_classification_is_always_present() -> None:
    assert "careengine_plugins.scoring" in DEFAULT_PLUGINS
    assert "careengine_plugins.scoring" in engine().plugins
    block = classify()
    assert sorted(block) == list(NAMES)
    assert block["startback"] == {
        "total": None,
        "psychosocial": None,
        "risk": None,
        "missing": [
            "questionnaires.startback or measures.startback_psychosocial",
            "questionnaires.startback or measures.startback_total",
        ],
    }
    assert block["odi"] == {
        "percent": None,
        "band": None,
        "missing": ["questionnaires.odi or measures.odi_percent"],
    }
    assert block["fabq"]["pa"] is None and block["fabq"]["work"] is None
    assert block["cpr_manipulation"] == {
        "criteria_met": 0,
        "criteria_known": 0,
        "positive": None,
        "missing": [
            "episode.duration_days",
            "episode.leg_symptoms",
            "finding:hip_internal_rotation",
            "finding:lumbar_hypomobility",
            "questionnaires.fabq or measures.fabq_work",
        ],
    }
    assert block["cpr_manipulation_pragmatic"] == {
        "positive": None,
        "missing": ["episode.duration_days", "episode.leg_symptoms"],
    }
    assert block["tbc"]["subgroups"] == [] and block["tbc"]["overlap"] is None
    assert block["axspa"] == {
        "eligible": None,
        "features": None,
        "refer": None,
        "missing": ["episode.duration_days", "episode.onset_age", "questionnaires.axspa_features"],
    }


def test_design_example_classifications() -> None:
    """The assessment of docs/design.md section 6.1 (hip rotation and centralization as given there)."""
    block = classify(
        age=34,
        duration=10,
        leg="none",
        findings=(
            {"code": "glute_weakness", "side": "left", "severity": "moderate"},
            hip(38),
            {"code": "centralization", "direction": "extension"},
        ),
        questionnaires={
            "startback": {"agree": [1, 2, 5], "bothersomeness": "moderately"},
            "odi": {"sections": [2, 1, 3, 2, 1, 0, 2, 1, 3, 1]},
            "fabq": {"answers": [0, 3, 4, 2, 1, 2, 3, 0, 4, 2, 1, 0, 0, 0, 5, 0]},
            "axspa_features": ["buttock_pain", "night_waking_second_half"],
        },
        measures={"odi_percent": 32, "fabq_work": 17, "fabq_pa": 10},
    )
    assert block["startback"] == {"total": 3, "psychosocial": 1, "risk": "low"}
    assert block["odi"] == {"percent": 32.0, "band": "moderate"}
    assert isinstance(block["odi"]["percent"], float)
    assert block["fabq"] == {"pa": 10, "work": 17}
    cpr = block["cpr_manipulation"]
    assert (cpr["criteria_met"], cpr["criteria_known"], cpr["positive"]) == (4, 4, True)
    assert "missing" not in cpr  # lumbar hypomobility was not examined; 4 of 5 decide it
    assert block["cpr_manipulation_pragmatic"] == {"positive": True}
    assert block["tbc"]["subgroups"] == ["manipulation", "specific_exercise_extension"]
    assert block["tbc"]["overlap"] is True


# --- questionnaire shapes (docs/design.md section 6.1) --------------------------------------------


def test_valid_questionnaires_are_kept_as_plain_validated_data() -> None:
    q = {
        "startback": {"agree": [1, 2.0, 5], "bothersomeness": "moderately"},
        "odi": {"sections": [2, None, 3, 2, 1, 0, 2, None, 3, 1]},
        "fabq": {"answers": [0, 3, 4, 2, 1, 2, 3, 0, 4, 2, 1, 0, 0, 0, 5, 6]},
        "axspa_features": ["buttock_pain"],
        "hla_b27": "negative",
    }
    assessment = engine().load_assessment(data(questionnaires=q))
    plain = thaw(assessment.questionnaires)
    assert plain == {**q, "startback": {"agree": [1, 2, 5], "bothersomeness": "moderately"}}
    assert all(type(i) is int for i in plain["startback"]["agree"])


def test_null_questionnaire_entries_count_as_absent() -> None:
    q = {"startback": None, "odi": None, "fabq": None, "axspa_features": None, "hla_b27": None}
    assert dict(engine().load_assessment(data(questionnaires=q)).questionnaires) == {}


@pytest.mark.parametrize(
    ("questionnaires", "path", "message"),
    [
        (
            {"startback": {"agree": [0], "bothersomeness": "slightly"}},
            "questionnaires.startback.agree[0]",
            "out of range (1 to 8)",
        ),
        (
            {"startback": {"agree": [1, 9], "bothersomeness": "slightly"}},
            "questionnaires.startback.agree[1]",
            "out of range (1 to 8)",
        ),
        (
            {"startback": {"agree": [3, 3], "bothersomeness": "slightly"}},
            "questionnaires.startback.agree[1]",
            "listed more than once",
        ),
        (
            {"startback": {"agree": ["2"], "bothersomeness": "slightly"}},
            "questionnaires.startback.agree[0]",
            "whole number",
        ),
        (
            {"startback": {"agree": [True], "bothersomeness": "slightly"}},
            "questionnaires.startback.agree[0]",
            "whole number",
        ),
        (
            {"startback": {"agree": 3, "bothersomeness": "slightly"}},
            "questionnaires.startback.agree",
            "must be a list",
        ),
        (
            {"startback": {"agree": [1], "bothersomeness": "a_lot"}},
            "questionnaires.startback.bothersomeness",
            "not one of",
        ),
        (
            {"startback": {"bothersomeness": "slightly"}},
            "questionnaires.startback.agree",
            "is required",
        ),
        ({"startback": {"agree": []}}, "questionnaires.startback.bothersomeness", "is required"),
        (
            {"startback": {"agree": [], "bothersomeness": "slightly", "item9": 1}},
            "questionnaires.startback.item9",
            "unknown key",
        ),
        ({"startback": [1, 2]}, "questionnaires.startback", "must be an object"),
        (
            {"odi": {"sections": [1] * 9}},
            "questionnaires.odi.sections",
            "exactly 10 entries, not 9",
        ),
        (
            {"odi": {"sections": [1] * 11}},
            "questionnaires.odi.sections",
            "exactly 10 entries, not 11",
        ),
        (
            {"odi": {"sections": [1] * 7 + [None] * 3}},
            "questionnaires.odi.sections",
            "only 7 sections are answered",
        ),
        (
            {"odi": {"sections": [1, 1, 1, 6, 1, 1, 1, 1, 1, 1]}},
            "questionnaires.odi.sections[3]",
            "out of range (0 to 5)",
        ),
        (
            {"odi": {"sections": [1, 1, 1, 1, -1, 1, 1, 1, 1, 1]}},
            "questionnaires.odi.sections[4]",
            "out of range (0 to 5)",
        ),
        (
            {"odi": {"sections": [1, 1, 1.5, 1, 1, 1, 1, 1, 1, 1]}},
            "questionnaires.odi.sections[2]",
            "whole number",
        ),
        ({"odi": {}}, "questionnaires.odi.sections", "is required"),
        ({"odi": {"sections": [1] * 10, "total": 10}}, "questionnaires.odi.total", "unknown key"),
        (
            {"fabq": {"answers": [0, 0, 0, 0, 7] + [0] * 11}},
            "questionnaires.fabq.answers[4]",
            "out of range (0 to 6)",
        ),
        (
            {"fabq": {"answers": [0] * 15}},
            "questionnaires.fabq.answers",
            "exactly 16 entries, not 15",
        ),
        ({"fabq": {"answers": [0] * 15 + [None]}}, "questionnaires.fabq.answers[15]", "not null"),
        ({"fabq": {"answers": "0" * 16}}, "questionnaires.fabq.answers", "must be a list"),
        ({"sf36": {"answers": []}}, "questionnaires.sf36", "unknown key 'sf36'"),
        (
            {"axspa_features": ["buttock_pain", "buttock_pains"]},
            "questionnaires.axspa_features[1]",
            "unknown axSpA feature 'buttock_pains'",
        ),
        (
            {"axspa_features": ["buttock_pain", "buttock_pain"]},
            "questionnaires.axspa_features[1]",
            "listed more than once",
        ),
        ({"axspa_features": "buttock_pain"}, "questionnaires.axspa_features", "must be a list"),
        ({"hla_b27": "pos"}, "questionnaires.hla_b27", "not one of positive, negative"),
        ({"hla_b27": True}, "questionnaires.hla_b27", "not one of positive, negative"),
    ],
)
def test_questionnaire_shape_errors_name_their_json_path(
    questionnaires: dict[str, Any], path: str, message: str
) -> None:
    found = problems(data(questionnaires=questionnaires))
    assert [p for p in found if p[0] == path and message in p[1]], found


def test_questionnaires_must_be_an_object() -> None:
    raw = {**data(), "questionnaires": ["odi"]}
    assert problems(raw) == [("questionnaires", "must be an object, not a list")]


def test_unknown_feature_gets_a_suggestion() -> None:
    with pytest.raises(AssessmentError) as info:
        engine().load_assessment(data(questionnaires={"axspa_features": ["buttock_pains"]}))
    assert info.value.problems[0].suggestion == "buttock_pain"
    assert "did you mean 'buttock_pain'?" in str(info.value)


def test_every_questionnaire_problem_is_reported_at_once() -> None:
    q = {
        "startback": {"agree": [0, 4, 4], "bothersomeness": "very"},
        "odi": {"sections": [1] * 9},
        "fabq": {"answers": [7] + [0] * 15},
        "axspa_features": ["nope"],
        "hla_b27": "maybe",
        "extra": 1,
    }
    paths = [p for p, _ in problems(data(questionnaires=q))]
    assert paths == [
        "questionnaires.extra",
        "questionnaires.startback.agree[0]",
        "questionnaires.startback.agree[2]",
        "questionnaires.startback.bothersomeness",
        "questionnaires.odi.sections",
        "questionnaires.fabq.answers[0]",
        "questionnaires.axspa_features[0]",
        "questionnaires.hla_b27",
    ]


@pytest.mark.parametrize("answered", [8, 9, 10])
def test_eight_or_more_answered_odi_sections_are_accepted(answered: int) -> None:
    sections = [2] * answered + [None] * (10 - answered)
    block = classify(questionnaires={"odi": {"sections": sections}})
    assert block["odi"] == {"percent": 40.0, "band": "moderate"}


# --- STarT Back ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agree", "bothersomeness", "total", "psychosocial", "risk"),
    [
        ([], "not_at_all", 0, 0, "low"),
        ([], "extremely", 1, 1, "low"),
        ([1, 2, 3], "moderately", 3, 0, "low"),  # total 3: low
        ([1, 2, 3, 4], "moderately", 4, 0, "medium"),  # total 4: not low
        ([1, 2, 3], "very_much", 4, 1, "medium"),  # bothersomeness very_much counts
        ([1, 2, 3], "slightly", 3, 0, "low"),  # slightly does not
        ([5, 6, 7], "moderately", 3, 3, "low"),  # psychosocial 3 with total 3: low
        ([1, 5, 6, 7], "moderately", 4, 3, "medium"),  # psychosocial 3: medium
        ([1, 5, 6, 7], "extremely", 5, 4, "high"),  # psychosocial 4: high
        ([5, 6, 7, 8], "not_at_all", 4, 4, "high"),
        ([1, 2, 3, 4, 5, 6, 7, 8], "extremely", 9, 5, "high"),
        ([8, 1, 6], "very_much", 4, 3, "medium"),  # order does not matter
    ],
)
def test_startback_scores_and_risk(
    agree: list[int], bothersomeness: str, total: int, psychosocial: int, risk: str
) -> None:
    block = classify(
        questionnaires={"startback": {"agree": agree, "bothersomeness": bothersomeness}}
    )
    assert block["startback"] == {"total": total, "psychosocial": psychosocial, "risk": risk}
    assert startback_scores(agree, bothersomeness) == (total, psychosocial)
    assert startback_risk(total, psychosocial) == risk


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        ({"startback_total": 3}, {"total": 3, "psychosocial": None, "risk": "low"}),
        (
            {"startback_total": 4, "startback_psychosocial": 3},
            {"total": 4, "psychosocial": 3, "risk": "medium"},
        ),
        (
            {"startback_total": 4, "startback_psychosocial": 4},
            {"total": 4, "psychosocial": 4, "risk": "high"},
        ),
        ({"startback_total": 4}, {"total": 4, "psychosocial": None, "risk": None}),
        ({"startback_psychosocial": 4}, {"total": None, "psychosocial": 4, "risk": "high"}),
        ({"startback_psychosocial": 3}, {"total": None, "psychosocial": 3, "risk": None}),
    ],
)
def test_startback_from_measures_decides_only_what_the_given_scores_decide(
    measures: dict[str, float], expected: dict[str, Any]
) -> None:
    block = classify(measures=measures)["startback"]
    assert {k: block[k] for k in expected} == expected
    missing = [
        f"questionnaires.startback or measures.startback_{key}"
        for key in ("psychosocial", "total")
        if expected[key] is None
    ]
    assert block.get("missing", []) == missing


def test_startback_measures_that_agree_with_the_answers_are_accepted() -> None:
    block = classify(
        questionnaires={"startback": {"agree": [1, 5, 6], "bothersomeness": "very_much"}},
        measures={"startback_total": 4, "startback_psychosocial": 3},
    )
    assert block["startback"] == {"total": 4, "psychosocial": 3, "risk": "medium"}


def test_startback_measure_that_disagrees_is_an_input_error_naming_both_values() -> None:
    error = evaluate_error(
        questionnaires={"startback": {"agree": [1, 5, 6], "bothersomeness": "very_much"}},
        measures={"startback_total": 5, "startback_psychosocial": 3},
    )
    assert [(p.path, p.message) for p in error.problems] == [
        ("measures.startback_total", "5 disagrees with 4 computed from questionnaires.startback")
    ]
    assert error.exit_code == 2


@pytest.mark.parametrize(
    ("measures", "path", "message"),
    [
        ({"startback_total": 10}, "measures.startback_total", "out of range (0 to 9)"),
        ({"startback_psychosocial": 6}, "measures.startback_psychosocial", "out of range (0 to 5)"),
        ({"startback_total": 3.5}, "measures.startback_total", "whole number"),
        (
            {"startback_total": 3, "startback_psychosocial": 4},
            "measures.startback_psychosocial",
            "more than the total",
        ),
        ({"startback_total": 7, "startback_psychosocial": 2}, "measures.startback_total", "plus 4"),
        ({"odi_percent": 100.5}, "measures.odi_percent", "out of range (0 to 100)"),
        ({"fabq_pa": 25}, "measures.fabq_pa", "out of range (0 to 24)"),
        ({"fabq_work": 43}, "measures.fabq_work", "out of range (0 to 42)"),
        ({"fabq_work": 18.5}, "measures.fabq_work", "whole number"),
    ],
)
def test_impossible_score_measures_are_input_errors(
    measures: dict[str, float], path: str, message: str
) -> None:
    error = evaluate_error(measures=measures)
    assert [p.path for p in error.problems] == [path]
    assert message in error.problems[0].message


# --- ODI ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        (0, "minimal"),
        (20, "minimal"),
        (20.01, "moderate"),
        (20.5, "moderate"),
        (40, "moderate"),
        (40.5, "severe"),
        (60, "severe"),
        (60.5, "crippling"),
        (80, "crippling"),
        (80.5, "bed_bound"),
        (100, "bed_bound"),
    ],
)
def test_odi_band_edges_are_inclusive(percent: float, band: str) -> None:
    assert classify(measures={"odi_percent": percent})["odi"] == {
        "percent": float(percent),
        "band": band,
    }
    assert odi_band(percent) == band


@pytest.mark.parametrize(
    ("total", "percent", "band"),
    [
        (10, 20.0, "minimal"),
        (11, 22.0, "moderate"),
        (20, 40.0, "moderate"),
        (21, 42.0, "severe"),
        (30, 60.0, "severe"),  # 30 / 50 * 100 is 60.00000000000001 in naive float arithmetic
        (31, 62.0, "crippling"),
        (40, 80.0, "crippling"),
        (41, 82.0, "bed_bound"),
    ],
)
def test_odi_band_edges_from_raw_sections(total: int, percent: float, band: str) -> None:
    sections = [total // 10 + (1 if i < total % 10 else 0) for i in range(10)]
    assert sum(sections) == total
    block = classify(questionnaires={"odi": {"sections": sections}})
    assert block["odi"] == {"percent": percent, "band": band}


def test_odi_percent_over_answered_sections_only() -> None:
    sections = [3, 3, None, 3, 3, 3, 3, 3, 2, None]  # 23 / 40
    assert odi_percent(sections) == 57.5
    assert classify(questionnaires={"odi": {"sections": sections}})["odi"] == {
        "percent": 57.5,
        "band": "severe",
    }


@pytest.mark.parametrize("given", [51.111111111111114, 51, 51.1, 51.11])
def test_odi_measure_rounded_from_the_answers_agrees(given: float) -> None:
    sections = [3, 3, 3, 3, 3, 2, 3, 3, 0, None]  # 23 / 45 = 51.11 %
    block = classify(
        questionnaires={"odi": {"sections": sections}}, measures={"odi_percent": given}
    )
    assert block["odi"]["percent"] == pytest.approx(51.111111, abs=1e-5)
    assert block["odi"]["band"] == "severe"


@pytest.mark.parametrize("given", [52, 50, 51.2, 51.12, 51.0111])
def test_odi_measure_that_disagrees_is_an_input_error(given: float) -> None:
    sections = [3, 3, 3, 3, 3, 2, 3, 3, 0, None]
    error = evaluate_error(
        questionnaires={"odi": {"sections": sections}}, measures={"odi_percent": given}
    )
    assert [p.path for p in error.problems] == ["measures.odi_percent"]
    assert f"{given:g}" in error.problems[0].message
    assert "51.111" in error.problems[0].message


def test_odi_measure_disagreement_message_names_both_values() -> None:
    error = evaluate_error(
        questionnaires={"odi": {"sections": [3] * 10}}, measures={"odi_percent": 32}
    )
    assert str(error.problems[0]) == (
        "measures.odi_percent: 32 disagrees with 60 computed from questionnaires.odi"
    )


# --- FABQ ---------------------------------------------------------------------------------------


def test_fabq_subscales_use_the_published_items() -> None:
    answers = list(range(16))  # answer = item number - 1, so sums name the items
    answers = [a % 7 for a in answers]
    pa = sum(answers[i - 1] for i in (2, 3, 4, 5))
    work = sum(answers[i - 1] for i in (6, 7, 9, 10, 11, 12, 15))
    assert fabq_subscales(answers) == (pa, work)
    assert classify(questionnaires={"fabq": {"answers": answers}})["fabq"] == {
        "pa": pa,
        "work": work,
    }
    only_pa = [0, 6, 6, 6, 6] + [0] * 11
    assert fabq_subscales(only_pa) == (24, 0)
    only_work = [6] * 16
    for i in (1, 2, 3, 4, 5, 8, 13, 14, 16):
        only_work[i - 1] = 0
    assert fabq_subscales(only_work) == (0, 42)


def test_fabq_from_measures_and_disagreement() -> None:
    assert classify(measures={"fabq_work": 17})["fabq"] == {
        "pa": None,
        "work": 17,
        "missing": ["questionnaires.fabq or measures.fabq_pa"],
    }
    error = evaluate_error(
        questionnaires={"fabq": {"answers": FABQ_LOW}}, measures={"fabq_pa": 3, "fabq_work": 2}
    )
    assert [(p.path, p.message) for p in error.problems] == [
        ("measures.fabq_pa", "3 disagrees with 0 computed from questionnaires.fabq"),
        ("measures.fabq_work", "2 disagrees with 0 computed from questionnaires.fabq"),
    ]


# --- Manipulation CPR and the pragmatic rule ----------------------------------------------------


def cpr_data(
    *,
    duration: int | None = 10,
    leg: str | None = "none",
    fabq_work: int | None = 10,
    hypomobility: str | None = "lumbar_hypomobility",
    hips: tuple[dict[str, Any], ...] = (hip(38),),
) -> dict[str, Any]:
    findings: list[Any] = list(hips)
    if hypomobility:
        findings.append(hypomobility)
    return {
        "duration": duration,
        "leg": leg,
        "findings": tuple(findings),
        "measures": {} if fabq_work is None else {"fabq_work": fabq_work},
    }


def cpr(**kwargs: Any) -> dict[str, Any]:
    return classify(**cpr_data(**kwargs))["cpr_manipulation"]


def test_cpr_all_five_met() -> None:
    assert cpr() == {"criteria_met": 5, "criteria_known": 5, "positive": True}


# Each threshold: three other criteria met and the hip criterion failed on both sides, so the
# criterion under test decides between 4 of 5 (positive) and 3 of 5 (negative).
BOTH_HIPS_LOW = (hip(30, "left"), hip(30, "right"))


@pytest.mark.parametrize(("duration", "positive"), [(15, True), (16, False)])
def test_cpr_duration_under_16_days(duration: int, positive: bool) -> None:
    result = cpr(duration=duration, hips=BOTH_HIPS_LOW)
    assert result == {
        "criteria_met": 4 if positive else 3,
        "criteria_known": 5,
        "positive": positive,
    }


@pytest.mark.parametrize(("work", "positive"), [(18, True), (19, False)])
def test_cpr_fabq_work_under_19(work: int, positive: bool) -> None:
    assert cpr(fabq_work=work, hips=BOTH_HIPS_LOW)["positive"] is positive


def test_cpr_fabq_work_from_raw_answers() -> None:
    answers = [0] * 16
    answers[5], answers[6], answers[8] = 6, 6, 6  # items 6, 7, 9: work 18
    base = cpr_data(fabq_work=None, hips=BOTH_HIPS_LOW)
    block = classify(**base, questionnaires={"fabq": {"answers": answers}})
    assert block["fabq"]["work"] == 18 and block["cpr_manipulation"]["positive"] is True
    answers[9] = 1  # item 10: work 19
    block = classify(**base, questionnaires={"fabq": {"answers": answers}})
    assert block["fabq"]["work"] == 19 and block["cpr_manipulation"]["positive"] is False


@pytest.mark.parametrize(
    ("hips", "met"),
    [
        ((hip(35, "left"), hip(35, "right")), False),
        ((hip(36, "left"), hip(35, "right")), True),
        ((hip(30, "left"), hip(36, "right")), True),
        ((hip(35.5, "bilateral"),), True),
        ((hip(35, "bilateral"),), False),
        ((hip(36, None),), True),  # a value over 35 on any side
    ],
)
def test_cpr_hip_internal_rotation_over_35_on_either_side(
    hips: tuple[dict[str, Any], ...], met: bool
) -> None:
    result = cpr(fabq_work=30, hips=hips)  # FABQ work fails: the hip criterion decides
    assert result["positive"] is met
    assert result["criteria_known"] == 5


@pytest.mark.parametrize(
    "hips",
    [(), (hip(30, "left"),), (hip(35, None),), (hip(30, None), hip(30, "right"))],
)
def test_cpr_hip_criterion_unknown_until_both_sides_are_measured(
    hips: tuple[dict[str, Any], ...],
) -> None:
    result = cpr(fabq_work=30, hips=hips)
    assert result == {
        "criteria_met": 3,
        "criteria_known": 4,
        "positive": None,
        "missing": ["finding:hip_internal_rotation"],
    }


def test_cpr_leg_symptoms_below_knee_fails_its_criterion() -> None:
    assert cpr(leg="below_knee", hips=BOTH_HIPS_LOW)["positive"] is False
    assert cpr(leg="above_knee", hips=BOTH_HIPS_LOW)["positive"] is True


def test_cpr_hypomobility_present_absent_unknown() -> None:
    assert cpr(hips=BOTH_HIPS_LOW)["positive"] is True
    assert cpr(hypomobility="-lumbar_hypomobility", hips=BOTH_HIPS_LOW)["positive"] is False
    assert cpr(hypomobility=None, hips=BOTH_HIPS_LOW) == {
        "criteria_met": 3,
        "criteria_known": 4,
        "positive": None,
        "missing": ["finding:lumbar_hypomobility"],
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # 4 met, 1 unknown: decided true
        ({"fabq_work": None}, {"criteria_met": 4, "criteria_known": 4, "positive": True}),
        # 3 met, 1 failed, 1 unknown: 4 is still reachable
        (
            {"fabq_work": None, "hips": BOTH_HIPS_LOW},
            {
                "criteria_met": 3,
                "criteria_known": 4,
                "positive": None,
                "missing": ["questionnaires.fabq or measures.fabq_work"],
            },
        ),
        # 2 met, 2 failed, 1 unknown: 4 can no longer be reached
        (
            {"fabq_work": None, "hips": BOTH_HIPS_LOW, "duration": 30},
            {"criteria_met": 2, "criteria_known": 4, "positive": False},
        ),
        # 2 met, 1 failed, 2 unknown: still reachable
        (
            {"fabq_work": None, "hips": BOTH_HIPS_LOW, "hypomobility": None},
            {
                "criteria_met": 2,
                "criteria_known": 3,
                "positive": None,
                "missing": [
                    "finding:lumbar_hypomobility",
                    "questionnaires.fabq or measures.fabq_work",
                ],
            },
        ),
        # 1 met, 1 failed, 3 unknown
        (
            {"fabq_work": None, "hips": (), "hypomobility": None, "leg": "below_knee"},
            {
                "criteria_met": 1,
                "criteria_known": 2,
                "positive": None,
                "missing": [
                    "finding:hip_internal_rotation",
                    "finding:lumbar_hypomobility",
                    "questionnaires.fabq or measures.fabq_work",
                ],
            },
        ),
        # 0 met, 2 failed, 3 unknown: false
        (
            {
                "fabq_work": None,
                "hips": (),
                "hypomobility": None,
                "leg": "below_knee",
                "duration": 16,
            },
            {"criteria_met": 0, "criteria_known": 2, "positive": False},
        ),
    ],
)
def test_cpr_three_valued(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert cpr(**kwargs) == expected


def test_cpr_inputs_and_criteria_met_for_explain() -> None:
    items = {
        i.name: i
        for i in derived_items(**cpr_data(hips=(hip(30, "left"), hip(38, "right"))))
        if isinstance(i, Classification)
    }
    item = items["cpr_manipulation"]
    assert item.criteria_met == (
        "duration_under_16_days",
        "no_symptoms_below_knee",
        "fabq_work_under_19",
        "lumbar_hypomobility_present",
        "hip_internal_rotation_over_35_deg",
    )
    assert thaw(item.inputs) == {
        "episode.duration_days": 10,
        "episode.leg_symptoms": "none",
        "fabq.work": 10,
        "finding:lumbar_hypomobility": True,
        "finding:hip_internal_rotation": {"left": [30.0], "right": [38.0]},
    }


@pytest.mark.parametrize(
    ("duration", "leg", "expected"),
    [
        (15, "none", {"positive": True}),
        (16, "none", {"positive": False}),
        (15, "above_knee", {"positive": True}),
        (15, "below_knee", {"positive": False}),
        (None, "none", {"positive": None, "missing": ["episode.duration_days"]}),
        (10, None, {"positive": None, "missing": ["episode.leg_symptoms"]}),
        (None, "below_knee", {"positive": False}),  # a known part fails
        (16, None, {"positive": False}),
        (
            None,
            None,
            {"positive": None, "missing": ["episode.duration_days", "episode.leg_symptoms"]},
        ),
    ],
)
def test_pragmatic_rule_is_a_three_valued_conjunction(
    duration: int | None, leg: str | None, expected: dict[str, Any]
) -> None:
    assert classify(duration=duration, leg=leg)["cpr_manipulation_pragmatic"] == expected


# --- Stabilization ------------------------------------------------------------------------------


def stab(**kwargs: Any) -> dict[str, Any]:
    return classify(**kwargs)["stabilization"]


@pytest.mark.parametrize(("age", "predicted"), [(39, True), (40, False)])
def test_stabilization_age_under_40(age: int, predicted: bool) -> None:
    # SLR mean 95 and aberrant movement met; the instability test recorded negative
    result = stab(
        age=age,
        findings=(
            slr(95, "left"),
            slr(95, "right"),
            "aberrant_movement",
            "-prone_instability_test_positive",
        ),
    )
    assert result["success_criteria_met"] == (3 if predicted else 2)
    assert result["predicted_success"] is predicted


@pytest.mark.parametrize(
    ("slrs", "mean_met"),
    [
        ((slr(90, "left"), slr(92, "right")), False),  # mean 91
        ((slr(91, "left"), slr(91, "right")), False),
        ((slr(92, "left"), slr(92, "right")), True),  # mean 92
        ((slr(90, "left"), slr(94, "right")), True),  # mean 92
        ((slr(92, "right"),), True),  # the mean of the given sides
        ((slr(91, "right"),), False),
        ((slr(91.5, "bilateral"),), True),
    ],
)
def test_stabilization_mean_straight_leg_raise_over_91(
    slrs: tuple[dict[str, Any], ...], mean_met: bool
) -> None:
    result = stab(age=30, findings=(*slrs, "aberrant_movement", "-prone_instability_test_positive"))
    assert result["predicted_success"] is mean_met


def test_stabilization_success_three_valued() -> None:
    assert stab(age=30, findings=("aberrant_movement", "prone_instability_test_positive")) == {
        "success_criteria_met": 3,
        "predicted_success": True,
        "failure_criteria_met": 0,
        "predicted_failure": None,
        "missing": [
            "finding:lumbar_hypermobility",
            "questionnaires.fabq or measures.fabq_pa",
        ],
    }
    undecided = stab(age=30, findings=("aberrant_movement",))
    assert undecided["success_criteria_met"] == 2 and undecided["predicted_success"] is None
    assert "finding:prone_instability_test_positive" in undecided["missing"]
    assert "finding:straight_leg_raise" in undecided["missing"]
    # two failed success criteria: 3 of 4 is out of reach
    decided = stab(age=45, findings=("-aberrant_movement",))
    assert decided["predicted_success"] is False


@pytest.mark.parametrize(("pa", "predicted"), [(8, True), (9, False)])
def test_stabilization_failure_fabq_pa_under_9(pa: int, predicted: bool) -> None:
    # instability test negative (a failure criterion met); aberrant movement and hypermobility
    # present (those failure criteria failed): FABQ-PA decides between 2 and 1 of 4
    result = stab(
        findings=("-prone_instability_test_positive", "aberrant_movement", "lumbar_hypermobility"),
        measures={"fabq_pa": pa},
    )
    assert result["failure_criteria_met"] == (2 if predicted else 1)
    assert result["predicted_failure"] is predicted


def test_stabilization_failure_criteria_from_recorded_absent_findings() -> None:
    result = stab(
        findings=(
            "-prone_instability_test_positive",
            "-aberrant_movement",
            "-lumbar_hypermobility",
        ),
        measures={"fabq_pa": 20},
    )
    assert result["failure_criteria_met"] == 3 and result["predicted_failure"] is True
    unknown = stab(findings=("-aberrant_movement",))
    assert unknown["failure_criteria_met"] == 1 and unknown["predicted_failure"] is None
    assert unknown["missing"] == [
        "finding:lumbar_hypermobility",
        "finding:prone_instability_test_positive",
        "finding:straight_leg_raise",
        "patient.age",
        "questionnaires.fabq or measures.fabq_pa",
    ]
    # present findings fail the "recorded absent" criteria: 2 of 4 unreachable with PA unknown
    failed = stab(
        findings=("prone_instability_test_positive", "aberrant_movement", "lumbar_hypermobility")
    )
    assert failed["predicted_failure"] is False


def test_stabilization_criteria_met_names() -> None:
    items = derived_items(
        age=30,
        findings=(slr(95, "left"), "aberrant_movement", "-lumbar_hypermobility"),
        measures={"fabq_pa": 3},
    )
    item = next(i for i in items if isinstance(i, Classification) and i.name == "stabilization")
    assert item.criteria_met == (
        "age_under_40",
        "mean_straight_leg_raise_over_91_deg",
        "aberrant_movement_present",
        "lumbar_hypermobility_absent",
        "fabq_pa_under_9",
    )
    assert item.inputs["mean_straight_leg_raise"] == 95.0


# --- TBC subgroups ------------------------------------------------------------------------------

# Everything that decides each subgroup, recorded negative, so that one change decides the rest.
NONE_APPLY: dict[str, Any] = {
    "age": 45,
    "duration": 30,
    "leg": "none",
    "findings": (
        "-lumbar_hypomobility",
        "-aberrant_movement",
        "-prone_instability_test_positive",
        "-centralization",
        "-lateral_shift",
        "-radicular_signs",
        "-peripheralization",
        "-crossed_slr_positive",
    ),
    "measures": {"fabq_work": 30, "fabq_pa": 20},
}


def tbc(**changes: Any) -> dict[str, Any]:
    kwargs = {**NONE_APPLY, **changes}
    if "add" in kwargs:
        # A finding added as present replaces its negative record (the two would contradict
        # each other); one present in a direction keeps the record negative in the others.
        added = kwargs.pop("add")
        present = [
            f
            for f in added
            if (isinstance(f, str) and not f.startswith("-"))
            or (isinstance(f, dict) and f.get("present", True))
        ]
        codes = {f if isinstance(f, str) else f["code"] for f in present}
        kept: list[Any] = [f for f in NONE_APPLY["findings"] if f.removeprefix("-") not in codes]
        for f in present:
            if isinstance(f, dict) and "direction" in f:
                kept += [
                    central(f["code"], d, present=False)
                    for d in ("extension", "flexion", "lateral")
                    if d != f["direction"]
                ]
        kwargs["findings"] = (*kept, *added)
    return classify(**kwargs)["tbc"]


def test_tbc_none_apply() -> None:
    assert tbc() == {"subgroups": [], "overlap": False}


@pytest.mark.parametrize(
    ("changes", "subgroup"),
    [
        ({"duration": 10}, "manipulation"),  # pragmatic rule
        (
            {
                "add": ("lumbar_hypomobility", hip(40, "left")),
                "measures": {"fabq_work": 10, "fabq_pa": 20},
            },
            "manipulation",  # CPR 4 of 5 with duration 30
        ),
        (
            {"age": 30, "add": ("aberrant_movement", "prone_instability_test_positive")},
            "stabilization",
        ),
        ({"add": (central("centralization", "extension"),)}, "specific_exercise_extension"),
        ({"add": (central("centralization", "flexion"),)}, "specific_exercise_flexion"),
        ({"age": 51, "conditions": ("spinal_stenosis",)}, "specific_exercise_flexion"),
        ({"add": ("lateral_shift",)}, "specific_exercise_lateral_shift"),
        ({"add": (central("centralization", "lateral"),)}, "specific_exercise_lateral_shift"),
        (
            {
                "leg": "above_knee",
                "add": ("radicular_signs", central("peripheralization", "extension")),
            },
            "traction",
        ),
        ({"leg": "below_knee", "add": ("radicular_signs", "crossed_slr_positive")}, "traction"),
    ],
)
def test_tbc_each_subgroup(changes: dict[str, Any], subgroup: str) -> None:
    assert tbc(**changes) == {"subgroups": [subgroup], "overlap": False}


@pytest.mark.parametrize(
    "changes",
    [
        {"age": 50, "conditions": ("spinal_stenosis",)},  # age > 50 is needed
        {"age": 70},  # stenosis is needed
        {
            "add": (
                central("centralization", "flexion", present=False),
                central("peripheralization", "flexion"),
            )
        },
        {"leg": "none", "add": ("radicular_signs", "crossed_slr_positive")},  # leg symptoms needed
        {"leg": "above_knee", "add": (central("peripheralization", "flexion"),)},
    ],
)
def test_tbc_near_misses(changes: dict[str, Any]) -> None:
    assert tbc(**changes) == {"subgroups": [], "overlap": False}


def test_tbc_overlap_and_sorted_subgroups() -> None:
    result = tbc(duration=10, add=("lateral_shift", central("centralization", "extension")))
    assert result == {
        "subgroups": [
            "manipulation",
            "specific_exercise_extension",
            "specific_exercise_lateral_shift",
        ],
        "overlap": True,
    }


def test_tbc_overlap_three_valued() -> None:
    # one subgroup applies and another is undecided: overlap undecided
    findings = tuple(f for f in NONE_APPLY["findings"] if f != "-lateral_shift")
    assert tbc(duration=10, findings=findings) == {
        "subgroups": ["manipulation"],
        "overlap": None,
        "missing": ["finding:lateral_shift"],
    }
    # no subgroup applies and one is undecided: overlap false (at most one can apply)
    assert tbc(findings=findings) == {
        "subgroups": [],
        "overlap": False,
        "missing": ["finding:lateral_shift"],
    }
    # two apply: overlap true even with an undecided one
    result = tbc(duration=10, age=51, conditions=("spinal_stenosis",), findings=findings)
    assert result["overlap"] is True
    assert result["subgroups"] == ["manipulation", "specific_exercise_flexion"]


def test_tbc_undecided_subgroups_name_what_would_decide_them() -> None:
    result = classify(age=30, duration=30, leg="above_knee")["tbc"]
    assert result["subgroups"] == [] and result["overlap"] is None
    assert result["missing"] == [
        "finding:aberrant_movement",
        "finding:centralization",
        "finding:crossed_slr_positive",
        "finding:hip_internal_rotation",
        "finding:lateral_shift",
        "finding:lumbar_hypomobility",
        "finding:peripheralization",
        "finding:prone_instability_test_positive",
        "finding:radicular_signs",
        "finding:straight_leg_raise",
        "questionnaires.fabq or measures.fabq_work",
    ]


def test_tbc_derived_facts_one_per_subgroup() -> None:
    items = derived_items(**{**NONE_APPLY, "duration": 10, "findings": ("lateral_shift",)})
    facts = sorted((i.code, i.value) for i in items if isinstance(i, DerivedFact))
    assert facts == [
        ("tbc.subgroup.manipulation", True),
        ("tbc.subgroup.specific_exercise_lateral_shift", True),
    ]


class _Probe:
    """A rule pack that raises an info alert for each derived fact it is told to watch."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes

    @hookimpl
    def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
        rules = [
            Rule(
                id=f"watch-{i}",
                because="test probe",
                when=When(all=(derived(code, value=True),)),
                then=(RaiseAlert(code=f"probe:{code}", level=AlertLevel.INFO, message=code),),
            )
            for i, code in enumerate(self.codes)
        ]
        registry.add_pack(id="probe", version="1.0.0", rules=rules)


def test_rules_can_match_the_derived_facts() -> None:
    watched = ["tbc.subgroup.traction", "tbc.overlap", "axspa.refer", "cpr_manipulation.positive"]
    with Engine(entry_points=False, plugins=[_Probe(watched)]) as e:
        assessment = e.load_assessment(
            data(
                age=30,
                duration=120,
                leg="below_knee",
                onset_age=28,
                findings=("radicular_signs", "crossed_slr_positive", "lateral_shift"),
                questionnaires={
                    "axspa_features": ["buttock_pain", "psoriasis_history", "nsaid_response_48h"]
                },
            )
        )
        codes = {a.code for a in e.evaluate(assessment).alerts}
    assert {c for c in codes if c.startswith("probe:")} == {
        "probe:tbc.subgroup.traction",
        "probe:tbc.overlap",
        "probe:axspa.refer",
    }


# --- axSpA --------------------------------------------------------------------------------------

FOUR = ["night_waking_second_half", "buttock_pain", "better_with_movement", "nsaid_response_48h"]


def axspa(**kwargs: Any) -> dict[str, Any]:
    return classify(**kwargs)["axspa"]


@pytest.mark.parametrize(("onset", "eligible"), [(44, True), (45, False)])
def test_axspa_onset_under_45(onset: int, eligible: bool) -> None:
    assert axspa(onset_age=onset, duration=100, questionnaires={"axspa_features": FOUR}) == {
        "eligible": eligible,
        "features": 4,
        "refer": eligible,
    }


@pytest.mark.parametrize(("duration", "eligible"), [(90, False), (91, True)])
def test_axspa_duration_over_90_days(duration: int, eligible: bool) -> None:
    result = axspa(onset_age=40, duration=duration, questionnaires={"axspa_features": FOUR})
    assert (result["eligible"], result["refer"]) == (eligible, eligible)


@pytest.mark.parametrize(
    ("features", "hla", "expected"),
    [
        (FOUR, None, {"features": 4, "refer": True}),
        (FOUR[:3], None, {"features": 3, "refer": None, "missing": ["questionnaires.hla_b27"]}),
        (FOUR[:3], "positive", {"features": 3, "refer": True}),
        (FOUR[:3], "negative", {"features": 3, "refer": False}),
        (FOUR[:2], None, {"features": 2, "refer": False}),
        (FOUR[:2], "positive", {"features": 2, "refer": False}),
        (FOUR, "negative", {"features": 4, "refer": True}),
        ([], None, {"features": 0, "refer": False}),
    ],
)
def test_axspa_features_3_or_4_with_and_without_hla_b27(
    features: list[str], hla: str | None, expected: dict[str, Any]
) -> None:
    q: dict[str, Any] = {"axspa_features": features}
    if hla:
        q["hla_b27"] = hla
    assert axspa(onset_age=40, duration=100, questionnaires=q) == {"eligible": True, **expected}


@pytest.mark.parametrize(
    ("onset", "listed", "features"),
    [
        (34, FOUR[:2], 3),  # onset before 35 counts as a feature
        (35, FOUR[:2], 2),
        (34, ["onset_before_35", *FOUR[:2]], 3),  # counted once
        (40, ["onset_before_35", *FOUR[:2]], 3),  # listed by the clinician
        (30, [], 1),
    ],
)
def test_axspa_onset_before_35_counts_once(onset: int, listed: list[str], features: int) -> None:
    q = {"axspa_features": listed, "hla_b27": "positive"}
    result = axspa(onset_age=onset, duration=100, questionnaires=q)
    assert result["features"] == features
    assert result["refer"] is (features >= 3)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"duration": 100, "questionnaires": {"axspa_features": FOUR}},
            {"eligible": None, "features": 4, "refer": None, "missing": ["episode.onset_age"]},
        ),
        (
            {"onset_age": 30, "questionnaires": {"axspa_features": FOUR}},
            {"eligible": None, "features": 5, "refer": None, "missing": ["episode.duration_days"]},
        ),
        # docs/design.md section 11: eligible is null whenever onset age or duration is unknown
        (
            {"onset_age": 50, "questionnaires": {"axspa_features": FOUR}},
            {"eligible": None, "features": 4, "refer": None, "missing": ["episode.duration_days"]},
        ),
        (
            {"onset_age": 30, "duration": 100},
            {
                "eligible": True,
                "features": None,
                "refer": None,
                "missing": ["questionnaires.axspa_features"],
            },
        ),
        # refer is false when eligible is false, even with the features unknown
        (
            {"onset_age": 50, "duration": 100},
            {
                "eligible": False,
                "features": None,
                "refer": False,
                "missing": ["questionnaires.axspa_features"],
            },
        ),
        (
            {"onset_age": 50, "duration": 100, "questionnaires": {"axspa_features": FOUR[:3]}},
            {"eligible": False, "features": 3, "refer": False},
        ),
        (
            {"duration": 100, "questionnaires": {"axspa_features": FOUR[:3]}},
            {
                "eligible": None,
                "features": 3,
                "refer": None,
                "missing": ["episode.onset_age", "questionnaires.hla_b27"],
            },
        ),
    ],
)
def test_axspa_unknowns(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert axspa(**kwargs) == expected


def test_axspa_inputs_and_criteria_met() -> None:
    items = derived_items(
        onset_age=30,
        duration=100,
        questionnaires={"axspa_features": FOUR[:2], "hla_b27": "positive"},
    )
    item = next(i for i in items if isinstance(i, Classification) and i.name == "axspa")
    assert item.criteria_met == (
        "onset_age_under_45",
        "duration_over_90_days",
        "3_features_and_hla_b27_positive",
    )
    assert thaw(item.inputs["features_counted"]) == [
        "onset_before_35",
        "night_waking_second_half",
        "buttock_pain",
    ]
    negative = derived_items(
        onset_age=30,
        duration=100,
        questionnaires={"axspa_features": FOUR[:2], "hla_b27": "negative"},
    )
    item = next(i for i in negative if isinstance(i, Classification) and i.name == "axspa")
    assert item.criteria_met == ("onset_age_under_45", "duration_over_90_days")
    assert item.values["refer"] is False


# --- the three-valued logic, directly -----------------------------------------------------------


def c(met: bool | None, name: str = "c") -> Criterion:
    return Criterion(name=name, met=met, inputs=(f"in:{name}",))


@pytest.mark.parametrize(
    ("values", "k", "expected"),
    [
        ((True, True, True, True, None), 4, True),
        ((True, True, True, None, None), 4, None),
        ((True, True, True, False, None), 4, None),
        ((True, True, False, False, None), 4, False),
        ((True, True, True, False, False), 4, False),
        ((None, None, None, None), 3, None),
        ((False, False, None, None), 3, False),
        ((True, False), 2, False),
    ],
)
def test_at_least_k_of_n(values: tuple[bool | None, ...], k: int, expected: bool | None) -> None:
    tally = at_least(k, [c(v, f"c{i}") for i, v in enumerate(values)])
    assert tally.value is expected
    assert tally.met == sum(1 for v in values if v is True)
    assert tally.known == sum(1 for v in values if v is not None)
    unknown = [f"in:c{i}" for i, v in enumerate(values) if v is None]
    assert tally.missing == (tuple(unknown) if expected is None else ())


@pytest.mark.parametrize(
    ("values", "conjunction", "disjunction"),
    [
        ((True, True), True, True),
        ((True, False), False, True),
        ((True, None), None, True),
        ((False, None), False, None),
        ((None, None), None, None),
        ((False, False), False, False),
    ],
)
def test_conjunction_and_disjunction(
    values: tuple[bool | None, ...], conjunction: bool | None, disjunction: bool | None
) -> None:
    parts = [c(v, f"c{i}") for i, v in enumerate(values)]
    assert all_of("and", parts).met is conjunction
    assert any_of("or", parts).met is disjunction
    if conjunction is None:
        assert all_of("and", parts).inputs == tuple(
            f"in:c{i}" for i, v in enumerate(values) if v is None
        )


def test_finding_state() -> None:
    present = Finding(code="aberrant_movement")
    absent = Finding(code="aberrant_movement", present=False)
    assert finding_state([present], "aberrant_movement") is True
    assert finding_state([absent], "aberrant_movement") is False
    assert finding_state([], "aberrant_movement") is None
    assert finding_state([absent, present], "aberrant_movement") is True
    ext = Finding(code="centralization", direction=Direction.EXTENSION)
    assert finding_state([ext], "centralization", Direction.EXTENSION) is True
    assert finding_state([ext], "centralization", Direction.FLEXION) is None
    no_dir = Finding(code="centralization", present=False)
    assert finding_state([no_dir], "centralization", Direction.FLEXION) is False
    flex_absent = Finding(code="centralization", present=False, direction=Direction.FLEXION)
    assert finding_state([flex_absent], "centralization", Direction.EXTENSION) is None


def test_on_either_side() -> None:
    def run(*entries: Finding) -> bool | None:
        return on_either_side("x", entries, "hip_internal_rotation", lambda v: v > 35)[0].met

    def h(value: float, side: Side | None) -> Finding:
        return Finding(code="hip_internal_rotation", value=value, side=side)

    assert run(h(36, Side.LEFT)) is True
    assert run(h(35, Side.LEFT)) is None
    assert run(h(35, Side.LEFT), h(20, Side.RIGHT)) is False
    assert run(h(35, Side.BILATERAL)) is False
    assert run(h(35, None)) is None
    assert run(Finding(code="hip_internal_rotation", value=40, present=False)) is None


# --- properties ---------------------------------------------------------------------------------

BOTHER = st.sampled_from(["not_at_all", "slightly", "moderately", "very_much", "extremely"])


@settings(max_examples=200, deadline=None)
@given(agree=st.sets(st.integers(1, 8)), bothersomeness=BOTHER)
def test_startback_bounds_and_risk_consistency(agree: set[int], bothersomeness: str) -> None:
    total, psychosocial = startback_scores(sorted(agree), bothersomeness)
    assert 0 <= psychosocial <= 5 and 0 <= total <= 9
    assert psychosocial <= total <= psychosocial + 4
    risk = startback_risk(total, psychosocial)
    assert risk == ("low" if total <= 3 else "high" if psychosocial >= 4 else "medium")
    # the same scores given as measures give the same risk; partial scores never contradict it
    assert startback_risk(total, None) in (risk, None)
    assert startback_risk(None, psychosocial) in (risk, None)
    block = derive(
        engine().load_assessment(
            data(
                questionnaires={
                    "startback": {"agree": sorted(agree), "bothersomeness": bothersomeness}
                }
            )
        )
    )
    sb = next(i for i in block if isinstance(i, Classification) and i.name == "startback")
    assert dict(sb.values) == {"total": total, "psychosocial": psychosocial, "risk": risk}


OPTIONAL_BOOL = st.one_of(st.none(), st.booleans())


@st.composite
def cpr_inputs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "duration": draw(st.one_of(st.none(), st.integers(0, 40))),
        "leg": draw(st.sampled_from([None, "none", "above_knee", "below_knee"])),
        "fabq_work": draw(st.one_of(st.none(), st.integers(0, 42))),
        "hypomobility": draw(OPTIONAL_BOOL),
        "hips": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["left", "right", "bilateral", None]), st.integers(0, 60)
                ),
                max_size=2,
            ).map(_one_value_per_side)
        ),
        "age": draw(st.one_of(st.none(), st.integers(18, 90))),
        "slr": draw(
            st.lists(
                st.tuples(st.sampled_from(["left", "right"]), st.integers(40, 120)), max_size=2
            ).map(_one_value_per_side)
        ),
        "aberrant": draw(OPTIONAL_BOOL),
        "pit": draw(OPTIONAL_BOOL),
        "hypermobility": draw(OPTIONAL_BOOL),
        "fabq_pa": draw(st.one_of(st.none(), st.integers(0, 24))),
    }


def _one_value_per_side(measured: list[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
    """Two measurements only for the two sides (two values for one side contradict)."""
    if len(measured) == 2 and {measured[0][0], measured[1][0]} != {"left", "right"}:
        return measured[:1]
    return measured


def _assessment_from(inputs: dict[str, Any]) -> dict[str, Any]:
    findings: list[Any] = [hip(v, s) for s, v in inputs["hips"]]
    findings += [slr(v, s) for s, v in inputs["slr"]]
    for key, code in (
        ("hypomobility", "lumbar_hypomobility"),
        ("aberrant", "aberrant_movement"),
        ("pit", "prone_instability_test_positive"),
        ("hypermobility", "lumbar_hypermobility"),
    ):
        if inputs[key] is not None:
            findings.append({"code": code, "present": inputs[key]})
    measures = {k: inputs[k] for k in ("fabq_work", "fabq_pa") if inputs[k] is not None}
    return data(
        age=inputs["age"],
        duration=inputs["duration"],
        leg=inputs["leg"],
        findings=tuple(findings),
        measures=measures,
    )


DECIDED = {
    "cpr_manipulation": ("positive",),
    "cpr_manipulation_pragmatic": ("positive",),
    "stabilization": ("predicted_success", "predicted_failure"),
}


@settings(max_examples=150, deadline=None)
@given(partial=cpr_inputs(), complete=cpr_inputs())
def test_giving_an_unknown_input_never_changes_a_decided_outcome(
    partial: dict[str, Any], complete: dict[str, Any]
) -> None:
    """Fill every unknown input of ``partial`` from ``complete``: a decided outcome stays."""
    filled = {
        key: (complete[key] if value is None or value == [] else value)
        for key, value in partial.items()
    }
    measured = {
        s for s, _ in partial["hips"] for s in (["left", "right"] if s == "bilateral" else [s])
    }
    if partial["hips"] and not {"left", "right"} <= measured:
        # measure the other side too (a second value for a measured side would contradict it)
        other = [(s, v) for s, v in complete["hips"] if s in {"left", "right"} - measured]
        filled["hips"] = partial["hips"] + other[:1]

    def outcomes(inputs: dict[str, Any]) -> dict[tuple[str, str], Any]:
        items = derive(engine().load_assessment(_assessment_from(inputs)))
        return {
            (i.name, key): i.values[key]
            for i in items
            if isinstance(i, Classification) and i.name in DECIDED
            for key in DECIDED[i.name]
        }

    before, after = outcomes(partial), outcomes(filled)
    for key, value in before.items():
        if value is not None:
            assert after[key] is value, key
