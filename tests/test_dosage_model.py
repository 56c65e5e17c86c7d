"""The dosage model beyond sets and minutes (issue 15): bouts a day, the programme's length in
weeks and where an item is done, through bounds, catalog and rule-pack validation, the dosage
steps of a reassessment and the built-in catalog's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from careengine import Engine, PluginError, RulePackError
from careengine.model import (
    DOSAGE_BOUNDS,
    DOSAGE_FIELDS,
    Dosage,
    DosageSetting,
    Intervention,
    InterventionKind,
    dosage_problems,
)
from careengine.pipeline.dosing import cap_dosage, lower_dosage, raise_dosage, regressed_dosage
from careengine.pipeline.gates import DosageSteps
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry
from careengine.testing import isolated_engine

HOME = DosageSetting.HOME
SESSION = DosageSetting.SESSION
EVERY_VISIT = DosageSetting.EVERY_VISIT


def test_the_contract_order_ends_with_the_new_fields() -> None:
    assert DOSAGE_FIELDS == (
        "sets",
        "reps",
        "hold_seconds",
        "minutes",
        "per_week",
        "times_per_day",
        "weeks",
        "setting",
    )
    assert DOSAGE_BOUNDS["times_per_day"] == (1, 24)
    assert DOSAGE_BOUNDS["weeks"] == (1, 104)


@pytest.mark.parametrize(
    ("dosage", "problem"),
    [
        (Dosage(times_per_day=0), "times_per_day = 0 is outside 1..24"),
        (Dosage(times_per_day=48), "times_per_day = 48 is outside 1..24"),
        (Dosage(weeks=0), "weeks = 0 is outside 1..104"),
        (Dosage(weeks=500), "weeks = 500 is outside 1..104"),
        (Dosage(weeks=2.5), "weeks = 2.5 is not a whole number"),  # type: ignore[arg-type]
        (Dosage(setting="gym"), "setting = 'gym' is not one of home, session"),  # type: ignore[arg-type]
        (
            Dosage(minutes=15, per_week=1, setting=EVERY_VISIT),
            "setting = every_visit takes no per_week",
        ),
        (Dosage(sets=2, reps=10, setting=EVERY_VISIT), "takes no sets, reps"),
        (Dosage(reps=10, times_per_day=6, setting=SESSION), "times_per_day is for a home"),
    ],
)
def test_implausible_or_contradictory_dosages_are_problems(dosage: Dosage, problem: str) -> None:
    problems = dosage_problems(dosage)
    assert any(problem in p for p in problems), problems


def test_sensible_new_dosages_have_no_problem() -> None:
    assert dosage_problems(Dosage(setting=EVERY_VISIT)) == []
    assert dosage_problems(Dosage(minutes=10, weeks=6, setting=EVERY_VISIT)) == []
    assert dosage_problems(Dosage(sets=1, reps=10, times_per_day=6, per_week=7, setting=HOME)) == []
    mckenzie = Dosage(reps=10, times_per_day=6)
    assert dosage_problems(mckenzie, ceiling=Dosage(reps=15, times_per_day=4)) == [
        "times_per_day = 6 is above the catalog's maximum 4"
    ]


def test_times_per_day_multiplies_the_weekly_volume_and_weeks_does_not() -> None:
    once = Dosage(sets=1, reps=10, per_week=7)
    assert once.weekly_volume() == 70
    assert Dosage(sets=1, reps=10, per_week=7, times_per_day=6).weekly_volume() == 420
    assert Dosage(sets=1, reps=10, per_week=7, weeks=6, setting=HOME).weekly_volume() == 70


# --- dosage steps at a reassessment ----------------------------------------------------------


def test_lowering_reaches_times_a_day_only_when_nothing_else_can_go_down() -> None:
    steps = DosageSteps()
    low = Dosage(sets=1, reps=2, times_per_day=6, per_week=7, weeks=6, setting=HOME)
    lowered, change = lower_dosage(low, steps)
    assert lowered == Dosage(sets=1, reps=2, times_per_day=5, per_week=7, weeks=6, setting=HOME)
    assert change == "times a day 6 -> 5"
    more = Dosage(sets=1, reps=10, times_per_day=6, setting=HOME)
    assert lower_dosage(more, steps)[0] == Dosage(sets=1, reps=8, times_per_day=6, setting=HOME)


def test_raising_times_a_day_needs_a_ceiling_for_it() -> None:
    steps = DosageSteps()
    full = Dosage(sets=1, reps=15, times_per_day=4, setting=HOME)
    assert raise_dosage(full, Dosage(sets=1, reps=15), steps) == (full, None)
    raised, change = raise_dosage(full, Dosage(sets=1, reps=15, times_per_day=6), steps)
    assert raised.times_per_day == 5 and change == "times a day 4 -> 5"
    assert raised.setting is HOME


def test_a_regress_caps_the_load_but_keeps_weeks_and_setting() -> None:
    previous = Dosage(sets=1, reps=8, times_per_day=4, per_week=7, weeks=4, setting=HOME)
    easier = Dosage(sets=1, reps=10, times_per_day=6, per_week=7, weeks=6, setting=SESSION)
    assert regressed_dosage(easier, previous) == Dosage(
        sets=1, reps=8, times_per_day=4, per_week=7, weeks=6, setting=SESSION
    )
    assert cap_dosage(easier, previous) == Dosage(
        sets=1, reps=8, times_per_day=4, per_week=7, weeks=6, setting=SESSION
    )


# --- catalog and rule-pack validation ----------------------------------------------------------


def _one_entry(dosage: Dosage) -> object:
    class OneEntry:
        __name__ = "one_entry"

        @hookimpl
        def careengine_catalog(self, registry: CatalogRegistry) -> None:
            registry.add_intervention(
                Intervention(
                    id="chat",
                    kind=InterventionKind.EDUCATION,
                    name="Chat",
                    steps=("Talk.",),
                    dosage=dosage,
                )
            )

    return OneEntry()


def test_the_catalog_refuses_a_timed_every_visit_item_and_bouts_a_day_in_a_session() -> None:
    with pytest.raises(PluginError) as info:
        isolated_engine(plugins=[_one_entry(Dosage(per_week=1, setting=EVERY_VISIT))])
    (line,) = info.value.lines()
    assert line.startswith("plugin one_entry: intervention chat: dosage: setting = every_visit")
    with pytest.raises(PluginError, match=r"times_per_day = 30 is outside 1\.\.24"):
        isolated_engine(plugins=[_one_entry(Dosage(times_per_day=30))])
    isolated_engine(plugins=[_one_entry(Dosage(setting=EVERY_VISIT))])  # builds


PACK = """
[pack]
id = "doses"
version = "1"
title = "dosages"
population = "tests"
sources = ["tests"]

[[rules]]
id = "mckenzie"
because = "repeated movements through the day"
when.all = [{ finding = "glute_weakness" }]
then = [{ add = "bird_dog", stage = "strengthen", dosage = DOSAGE }]
"""


def _pack(tmp_path: Path, dosage: str) -> Path:
    (tmp_path / "doses.toml").write_text(PACK.replace("DOSAGE", dosage), encoding="utf-8")
    return tmp_path


def test_a_toml_rule_gives_times_a_day_weeks_and_setting(tmp_path: Path) -> None:
    engine = isolated_engine(
        rules=[
            _pack(
                tmp_path,
                '{ sets = 1, reps = 10, times_per_day = 3, weeks = 6, setting = "home_and_session" }',
            )
        ]
    )
    (action,) = next(p for p in engine.packs if p.id == "doses").rules[0].then
    assert action.dosage == Dosage(  # type: ignore[attr-defined]
        sets=1, reps=10, times_per_day=3, weeks=6, setting=DosageSetting.HOME_AND_SESSION
    )


def test_a_toml_rule_with_a_misspelt_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as info:
        isolated_engine(rules=[_pack(tmp_path, '{ reps = 10, setting = "hom" }')])
    text = "\n".join(info.value.lines())
    assert "then[0].dosage.setting: must be one of home, session" in text
    assert "did you mean 'home'" in text


def test_a_toml_rule_with_bouts_a_day_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match=r"times_per_day = 40 is outside 1\.\.24"):
        isolated_engine(rules=[_pack(tmp_path, "{ reps = 10, times_per_day = 40 }")])


# --- the built-in catalog ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> dict[str, Intervention]:
    return dict(Engine(entry_points=False).catalog.interventions)


def test_every_education_item_is_part_of_every_visit_without_minutes_or_sets(
    catalog: dict[str, Intervention],
) -> None:
    education = [i for i in catalog.values() if i.kind is InterventionKind.EDUCATION]
    assert {i.id for i in education} >= {"activity_advice", "pain_neuroscience_education"}
    for item in education:
        assert item.dosage == Dosage(setting=EVERY_VISIT), item.id


def test_mckenzie_repeated_movements_are_10_repetitions_every_2_to_3_hours(
    catalog: dict[str, Intervention],
) -> None:
    for item_id in ("repeated_extension_in_lying", "repeated_flexion_in_lying"):
        dosage = catalog[item_id].dosage
        assert (dosage.reps, dosage.times_per_day, dosage.per_week) == (10, 6, 7), item_id
        assert dosage.setting is HOME


def test_every_built_in_item_says_where_it_is_done(catalog: dict[str, Intervention]) -> None:
    session_kinds = {InterventionKind.MANUAL_THERAPY, InterventionKind.PROCEDURE}
    for item in catalog.values():
        setting = item.dosage.setting
        assert setting is not None, item.id
        if item.kind is InterventionKind.EXERCISE:
            assert setting in (HOME, DosageSetting.HOME_AND_SESSION), item.id
        elif item.kind in session_kinds or item.id in ("tens", "therapeutic_ultrasound"):
            assert setting in (SESSION, DosageSetting.HOME_AND_SESSION), item.id
    assert catalog["spinal_thrust_manipulation"].dosage.setting is SESSION
    assert catalog["dry_needling_referral"].dosage.setting is SESSION
    assert catalog["bird_dog"].dosage.weeks == 8  # Hicks 2005: an 8-week programme


def test_a_golden_dosage_expectation_checks_unset_fields_and_refuses_unknown_ones() -> None:
    from careengine.rules.golden_progression import check_progression

    engine = Engine(entry_points=False)
    plan = engine.evaluate(
        engine.load_assessment(Path(__file__).parents[1] / "examples/assessments/desk-worker.json")
    )
    advice = {"intervention": "activity_advice", "setting": "every_visit"}
    assert check_progression(plan, [], {"dosage": [{**advice, "unset": ["minutes"]}]}) == []
    (failure,) = check_progression(plan, [], {"dosage": [{**advice, "unset": ["setting"]}]})
    assert "expected setting unset, got every_visit" in failure
    (failure,) = check_progression(plan, [], {"dosage": [{**advice, "time_per_day": 6}]})
    assert "unknown dosage field(s) time_per_day" in failure
