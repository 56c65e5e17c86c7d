"""careengine.testing.strategies: every generated assessment loads, for whatever catalog the
engine has, and uses only that catalog's codes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine.model import TermKind
from careengine.testing import isolated_engine
from careengine.testing.strategies import assessments, findings
from tests.plugins import catalog
from tests.support import DEMO

BUILT_INS = isolated_engine()
SMALL = isolated_engine(builtins=[DEMO], plugins=[catalog])
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=assessments(BUILT_INS))
def test_generated_assessments_load_and_evaluate(data: dict[str, Any]) -> None:
    assessment = BUILT_INS.load_assessment(data)
    assert assessment.patient.id == data["patient"]["id"]
    assert len(assessment.findings) == len(data.get("findings", []))
    BUILT_INS.evaluate(assessment)  # and the built-in scores accept the questionnaires


@SETTINGS
@given(data=assessments(BUILT_INS, followup=True))
def test_generated_follow_ups_load_as_follow_ups(data: dict[str, Any]) -> None:
    assert BUILT_INS.load_assessment(data, followup=True).response is not None


@SETTINGS
@given(
    data=assessments(
        SMALL,
        with_questionnaires=False,
        measures={"odi_percent": st.integers(0, 100), "test_priority": st.floats(0, 10)},
    )
)
def test_codes_come_from_the_engines_catalog(data: dict[str, Any]) -> None:
    assessment = SMALL.load_assessment(data)
    cat = SMALL.catalog
    assert {f.code for f in assessment.findings} <= set(cat.codes(TermKind.FINDING))
    assert set(assessment.patient.conditions) <= set(cat.codes(TermKind.CONDITION))
    assert set(assessment.red_flags) <= set(cat.codes(TermKind.RED_FLAG))
    assert set(assessment.patient.declines) <= set(cat.interventions)
    assert set(assessment.measures) <= {"odi_percent", "test_priority"}
    assert "questionnaires" not in data
    SMALL.evaluate(assessment)


@settings(max_examples=60, deadline=None)
@given(data=assessments(BUILT_INS, finding_codes=["hip_internal_rotation"], red_flags=[]))
def test_choices_narrow_what_is_drawn(data: dict[str, Any]) -> None:
    assert {f["code"] for f in data.get("findings", [])} <= {"hip_internal_rotation"}
    assert "red_flags" not in data or data["red_flags"] == []
    for finding in data.get("findings", []):
        if "value" in finding:  # measured in degrees: 0-180
            assert finding["unit"] == "deg" and 0 <= finding["value"] <= 180
    BUILT_INS.load_assessment(data)


def test_the_strategies_cover_the_whole_format() -> None:
    """Over enough examples every part of the format appears: the strategy is not narrow."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True)
    @given(data=assessments(BUILT_INS, followup=True))
    def collect(data: dict[str, Any]) -> None:
        seen.update(data)
        seen.update(f"patient.{k}" for k in data["patient"])
        seen.update(f"questionnaires.{k}" for k in data.get("questionnaires", {}))
        seen.update(f"finding.{k}" for f in data.get("findings", []) for k in f)

    collect()
    assert seen >= {
        "schema",
        "assessed_on",
        "episode",
        "pain",
        "findings",
        "red_flags",
        "questionnaires",
        "response",
        "patient.age",
        "patient.sex",
        "patient.conditions",
        "patient.declines",
        "questionnaires.startback",
        "questionnaires.odi",
        "questionnaires.fabq",
        "questionnaires.axspa_features",
        "questionnaires.hla_b27",
        "finding.present",
        "finding.side",
        "finding.severity",
        "finding.direction",
        "finding.value",
        "finding.unit",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"finding_codes": ["glute_weaknes"]}, r"unknown finding code\(s\) \['glute_weaknes'\]"),
        ({"conditions": ["nope"]}, r"unknown condition code\(s\)"),
        ({"red_flags": ["nope"]}, r"unknown red_flag code\(s\)"),
        ({"declines": ["nope"]}, r"unknown intervention\(s\) \['nope'\]"),
        ({"measures": {"nope": st.just(1.0)}}, r"unknown measure code\(s\)"),
    ],
)
def test_codes_the_catalog_does_not_know_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assessments(BUILT_INS, **kwargs)


def test_a_catalog_without_findings_is_refused() -> None:
    with pytest.raises(ValueError, match="no finding codes"):
        findings(BUILT_INS, codes=[])
