"""One dosage-to-words function (careengine.render.dosage_words), used by the terminal text, the
markdown, explain, the merge's conflict details, the handout and FHIR; and numbers rounded
wherever a person reads them (careengine.render.shown_numbers)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careengine import Engine
from careengine.model import DOSAGE_BOUNDS, Dosage, DosageSetting
from careengine.pipeline.merge import dosage_text
from careengine.render.dosage_words import (
    clinician_dosage,
    dosage_words,
    patient_dosage,
    spacing_hours,
)
from careengine.render.explain import explain, render_explanation
from careengine.render.html import plain_dosage
from careengine.render.shown_numbers import rounded, shown_json, shown_number
from careengine.render.text import dosage_line

ROOT = Path(__file__).resolve().parents[2]
MCKENZIE = Dosage(sets=1, reps=10, per_week=7, times_per_day=6, setting=DosageSetting.HOME)


def test_mckenzie_repeated_movements_read_as_bouts_through_the_day() -> None:
    assert patient_dosage(MCKENZIE) == (
        "10 repetitions, 6 times a day (every 2-3 hours), every day, in your home programme"
    )
    assert clinician_dosage(MCKENZIE) == "1 x 10, 6x/day (every 2-3 h), daily, home programme"


def test_education_is_at_every_visit_with_no_minutes() -> None:
    visit = Dosage(setting=DosageSetting.EVERY_VISIT)
    assert patient_dosage(visit) == "at every visit"
    assert clinician_dosage(visit) == "every visit"


def test_weeks_and_where_in_both_wordings() -> None:
    dosage = Dosage(minutes=10, per_week=2, weeks=6, setting=DosageSetting.SESSION)
    assert patient_dosage(dosage) == (
        "10 minutes, twice a week, for 6 weeks, in your sessions with your therapist"
    )
    assert clinician_dosage(dosage) == "10 min, 2x/week, 6 wk, in session"
    both = Dosage(
        sets=2, reps=10, times_per_day=2, per_week=5, setting=DosageSetting.HOME_AND_SESSION
    )
    assert patient_dosage(both) == (
        "2 sets of 10 repetitions, twice a day, on 5 days a week, with your therapist, then in "
        "your home programme"
    )
    assert clinician_dosage(both) == "2 x 10, 2x/day, 5 days/week, in session + home programme"
    assert patient_dosage(Dosage(weeks=1)) == "for 1 week"


def test_spacing_over_a_waking_day() -> None:
    assert spacing_hours(6) == "2-3"
    assert spacing_hours(8) == "2"
    assert spacing_hours(3) is None


def test_the_old_functions_all_say_what_the_one_function_says() -> None:
    for dosage in (MCKENZIE, Dosage(setting=DosageSetting.EVERY_VISIT), Dosage(sets=2, reps=12)):
        assert dosage_line(dosage) == dosage_words(dosage, "clinician") == dosage_text(dosage)
        assert plain_dosage(dosage) == dosage_words(dosage, "patient")


@given(
    st.builds(
        Dosage,
        **{name: st.none() | st.integers(lo, hi) for name, (lo, hi) in DOSAGE_BOUNDS.items()},
        setting=st.none() | st.sampled_from(DosageSetting),
    )
)
def test_every_dosage_gives_one_clean_line_for_both_readers(dosage: Dosage) -> None:
    for audience in ("clinician", "patient"):
        words = dosage_words(dosage, audience)  # type: ignore[arg-type]
        assert words and "\n" not in words and "None" not in words
    if dosage.times_per_day:
        assert f"{dosage.times_per_day}" in clinician_dosage(dosage)


# --- the catalog's dosages as the reader sees them --------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(entry_points=False)


def test_the_handout_gives_advice_at_every_visit_not_15_minutes_once_a_week(
    engine: Engine,
) -> None:
    plan = engine.evaluate(
        engine.load_assessment(ROOT / "examples/assessments/acute-strain-cpr-positive.json")
    )
    page = engine.render(plan, "html")
    advice = page[page.index("Advice to stay active") :]
    advice = advice[: advice.index("</section>")]
    assert "How much: at every visit" in advice
    assert "minute" not in advice.split("How much:")[1].split("</p>")[0]
    text = engine.render(plan, "text")
    line = next(x for x in text.splitlines() if "[activity_advice]" in x)
    assert line.endswith("every visit") and "15 min" not in line


# --- numbers rounded for reading ----------------------------------------------------------------


def test_rounded_numbers() -> None:
    assert shown_number(51.111111111111114) == "51.1"
    assert shown_number(32.0) == "32"
    assert shown_number(37.25) == "37.25"  # a measured value as given
    assert shown_number(110) == "110"
    assert shown_json({"percent": 2 / 3 * 100, "band": "x", "list": [1.005e-7, None, True]}) == (
        '{"percent": 66.7, "band": "x", "list": [0, null, true]}'
    )
    assert math.isnan(rounded(float("nan")))


ODI_SECTIONS = [3, 2, 3, 3, 2, 3, 2, 3, None, 2]  # 23 of 45 answered points: 51.111...%


def _odi_plan_and_assessment(engine: Engine):  # type: ignore[no-untyped-def]
    data = {
        "schema": "careengine.assessment/1",
        "patient": {"id": "p-odi", "age": 40},
        "assessed_on": "2026-11-20",
        "episode": {"duration_days": 40, "leg_symptoms": "none"},
        "findings": [{"code": "glute_weakness"}],
        "red_flags": [],
        "questionnaires": {"odi": {"sections": ODI_SECTIONS}},
    }
    assessment = engine.load_assessment(data)
    return engine.evaluate(assessment), assessment


def test_a_computed_odi_shows_one_decimal_and_the_json_keeps_it_exact(engine: Engine) -> None:
    plan, assessment = _odi_plan_and_assessment(engine)
    assert "51.111111111111114" in engine.render(plan, "json")  # thresholds use it unrounded
    assert plan.classifications["odi"]["band"] == "severe"
    text = engine.render(plan, "text")
    assert "odi: percent=51.1, band=severe" in text
    assert "51.11" not in text
    explained = render_explanation(explain(engine, assessment))
    assert "percent=51.1," in explained and "51.11" not in explained
    fhir = engine.render(plan, "fhir")
    assert "Classification odi: percent 51.1, band severe" in fhir
    assert "51.11" not in fhir.split('"valueQuantity"')[0]
