"""The catalog is validated like rule packs (issue 13, section 2).

Every code in every catalog entry is checked when an engine is built and by ``rules lint``;
rule dosages are bounded; derived codes and values used in rules must be producible; golden
cases and ``careengine.testing`` assertions naming unknown interventions, stages or alerts are
errors, not passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from careengine import Engine, PluginError, RulePackError
from careengine.cli import cli
from careengine.model import Dosage, Intervention, InterventionKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry
from careengine.rules import Add, Call, Derive, Rule, When, derived, finding, gte
from careengine.rules.golden import load_cases, run_case
from careengine.rules.lint import lint_installed
from careengine.testing import (
    assert_alert,
    assert_deferred,
    assert_excluded,
    assert_in_stage,
    assert_no_alert,
    assert_not_in_stage,
    assert_plan,
    assessment_data,
    evaluate,
    isolated_engine,
)
from careengine.testing.strategies import assessments
from careengine_plugins import scoring
from tests.plugins import typos
from tests.plugins.packs import RulePackPlugin

TYPOS = "tests.plugins.typos"
TYPOS_FILE = str(Path(typos.__file__))
EXPECTED = [
    f"plugin {TYPOS}: intervention blank_step_lunge: kind: unknown kind 'exercize' "
    "(kinds: exercise, manual_therapy, procedure, referral, education, modality) "
    "(did you mean 'exercise'?)",
    f"plugin {TYPOS}: intervention blank_step_lunge: steps[1]: is empty ('  ')",
    f"plugin {TYPOS}: intervention blank_step_lunge: progresses_to: names the intervention itself",
    f"plugin {TYPOS}: intervention blank_step_lunge: dosage: reps = 20 is above the catalog's "
    "maximum 15",
    f"plugin {TYPOS}: intervention stepless_squat: steps: an exercise needs at least one step",
    f"plugin {TYPOS}: intervention stepless_squat: dosage: sets = -1 is outside 1..10",
    f"plugin {TYPOS}: intervention stepless_squat: dosage: reps = 10000 is outside 1..100",
    f"plugin {TYPOS}: intervention wall_sit: contraindications_absolute[0]: unknown condition "
    "'osteoporsis' (did you mean 'osteoporosis'?)",
    f"plugin {TYPOS}: intervention wall_sit: contraindications_relative[0]: unknown condition "
    "'anticoagulant_therapyy' (did you mean 'anticoagulant_therapy'?)",
    f"plugin {TYPOS}: intervention wall_sit: progresses_to: unknown intervention 'split_sqat' "
    "(did you mean 'split_squat'?)",
    f"plugin {TYPOS}: intervention wall_sit: alternatives[0]: unknown intervention 'pelvic_tlit' "
    "(did you mean 'pelvic_tilt'?)",
    f"plugin {TYPOS}: intervention wall_sit: exclusive_group: exclusive group 'thermal_modalty' "
    "has no other member, so it excludes nothing (did you mean 'thermal_modality'?)",
    f"plugin {TYPOS}: stage maintain: order: 4 is also the order of stage return (plugin "
    "careengine_plugins.vocabulary); the plan's stage order would be ambiguous",
    f"plugin {TYPOS}: derived code 'typos.level': values: is empty; give None for any value",
]


# --- catalog entries at engine build -------------------------------------------------------------


def test_every_catalog_problem_is_refused_at_build_one_line_each() -> None:
    with pytest.raises(PluginError) as info:
        isolated_engine(plugins=[typos])
    error = info.value
    assert error.exit_code == 1
    assert error.plugin == TYPOS
    assert error.hook == "careengine_catalog"
    assert sorted(error.lines()) == sorted(EXPECTED)
    assert all(line in str(error) for line in EXPECTED)


def _one_entry(**fields: object) -> object:
    """A plugin registering one exercise (valid unless ``fields`` break it)."""
    entry = {
        "id": "wall_sit",
        "kind": InterventionKind.EXERCISE,
        "name": "Wall sit",
        "steps": ("Lean on a wall with bent knees and hold.",),
        "dosage": Dosage(sets=2, hold_seconds=20, per_week=3),
    } | fields

    class OneEntry:
        __name__ = "one_entry"

        @hookimpl
        def careengine_catalog(self, registry: CatalogRegistry) -> None:
            registry.add_intervention(Intervention(**entry))  # type: ignore[arg-type]

    return OneEntry()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"contraindications_absolute": ("pregnacy",)}, "unknown condition 'pregnacy'"),
        ({"contraindications_relative": ("diabetis",)}, "unknown condition 'diabetis'"),
        ({"regresses_to": "bridg"}, "unknown intervention 'bridg'"),
        ({"alternatives": ("bird_dog", "plnk")}, "alternatives[1]: unknown intervention 'plnk'"),
        ({"exclusive_group": "directional_preferance"}, "has no other member"),
        ({"steps": ()}, "an exercise needs at least one step"),
        ({"steps": ("",)}, "steps[0]: is empty"),
        ({"safety_tips": (" ",)}, "safety_tips[0]: is empty"),
        ({"dosage": Dosage(per_week=0)}, "per_week = 0 is outside 1..56"),
        ({"dosage": Dosage(minutes=600)}, "minutes = 600 is outside 1..180"),
        ({"dosage_max": Dosage(sets=99)}, "dosage_max: sets = 99 is outside 1..10"),
        ({"dosage_max": Dosage(hold_seconds=10)}, "hold_seconds = 20 is above the catalog's"),
        (
            {
                "contraindications_absolute": ("osteoporosis",),
                "contraindications_relative": ("osteoporosis",),
            },
            "osteoporosis is also an absolute contraindication",
        ),
    ],
)
def test_each_kind_of_mistake_alone_stops_the_engine(fields: dict, message: str) -> None:
    with pytest.raises(PluginError, match="one_entry") as info:
        isolated_engine(plugins=[_one_entry(**fields)])
    (line,) = info.value.lines()
    assert line.startswith("plugin one_entry: intervention wall_sit: ")
    assert message in line


def test_a_misspelt_contraindication_no_longer_drops_the_veto_silently() -> None:
    """On main the entry loaded, and an osteoporotic patient got the wall sit."""
    plugin = _one_entry(contraindications_absolute=("osteoporsis",))
    with pytest.raises(PluginError, match=r"did you mean 'osteoporosis'\?"):
        isolated_engine(plugins=[plugin])


def test_a_plain_string_kind_is_accepted_as_the_kind() -> None:
    engine = isolated_engine(plugins=[_one_entry(kind="exercise")])
    assert engine.catalog.interventions["wall_sit"].kind is InterventionKind.EXERCISE


def test_the_built_in_catalog_is_clean() -> None:
    from careengine.plugins.catalog_check import catalog_problems

    assert catalog_problems(isolated_engine().catalog) == []


def test_the_cli_exits_1_with_one_line_per_catalog_problem() -> None:
    result = CliRunner().invoke(
        cli, ["evaluate", "--plugin", TYPOS_FILE, "examples/assessments/desk-worker.json"]
    )
    assert result.exit_code == 1, result.output
    expected = [f"error: {line.replace(TYPOS, 'typos')}" for line in EXPECTED]
    assert sorted(result.stderr.splitlines()) == sorted(expected)


def test_rules_lint_reports_every_catalog_problem() -> None:
    findings = lint_installed([], plugins=[typos], entry_points=False)
    catalog = [f for f in findings if f.check == "catalog"]
    assert all(f.severity == "error" for f in catalog)
    assert sorted(f"{f.path}: {f.message}" for f in catalog) == sorted(EXPECTED)
    assert [f for f in findings if f.check == "invalid"] == []  # the packs still lint
    result = CliRunner().invoke(cli, ["rules", "lint", "--plugin", TYPOS_FILE])
    assert result.exit_code == 1
    assert (
        "error [catalog] plugin typos: intervention wall_sit: contraindications_absolute[0]: "
        "unknown condition 'osteoporsis' (did you mean 'osteoporosis'?)" in result.output
    )


# --- dosages in rule actions ----------------------------------------------------------------------

PACK = """
[pack]
id = "doses"
version = "1.0.0"
title = "doses"
population = "tests"
sources = ["tests"]

[[rules]]
id = "too-many"
because = "absurd on purpose"
when.all = [{ finding = "glute_weakness" }]
then = [{ add = "bridge", stage = "strengthen", dosage = { sets = 50, reps = 10, per_week = 3 } }]

[[rules]]
id = "zero"
because = "absurd on purpose"
when.all = [{ finding = "glute_weakness" }]
then = [{ add = "bird_dog", stage = "strengthen", dosage = { per_week = 0 } }]
"""


def test_absurd_dosages_in_toml_rules_are_refused_at_build(tmp_path: Path) -> None:
    (tmp_path / "doses.toml").write_text(PACK, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        isolated_engine(rules=[tmp_path])
    lines = info.value.lines()
    assert any(
        line.endswith("doses.too-many: then[0].dosage: sets = 50 is outside 1..10")
        for line in lines
    ), lines
    assert any(
        line.endswith("doses.zero: then[0].dosage: per_week = 0 is outside 1..56") for line in lines
    ), lines


def test_python_rule_dosages_meet_the_same_bounds_and_the_catalog_ceiling() -> None:
    ceiling = isolated_engine().catalog.interventions["bridge"].dosage_max
    assert ceiling is not None and ceiling.reps is not None
    rules = [
        Rule(
            id="too-many-reps",
            because="absurd on purpose",
            when=When(all=(finding("glute_weakness"),)),
            then=(Add(intervention="bridge", stage="strengthen", dosage=Dosage(reps=1000)),),
        ),
        Rule(
            id="above-ceiling",
            because="above the catalog's ceiling on purpose",
            when=When(all=(finding("glute_weakness"),)),
            then=(
                Add(
                    intervention="bridge", stage="strengthen", dosage=Dosage(reps=ceiling.reps + 1)
                ),
            ),
        ),
    ]
    with pytest.raises(RulePackError) as info:
        isolated_engine(plugins=[RulePackPlugin("doses", rules)])
    assert sorted(info.value.lines()) == [
        f"doses.above-ceiling: then[0].dosage: reps = {ceiling.reps + 1} is above the catalog's "
        f"maximum {ceiling.reps}",
        "doses.too-many-reps: then[0].dosage: reps = 1000 is outside 1..100",
    ]


# --- derived codes and values ---------------------------------------------------------------------


def _derived_rule(pattern: object, rule_id: str = "r") -> Rule:
    return Rule(
        id=rule_id,
        because="tests",
        when=When(all=(pattern,)),  # type: ignore[arg-type]
        then=(Add(intervention="cryotherapy", stage="relieve"),),
    )


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        (
            derived("startback.riks"),
            "d.r: when.all[0].derived: unknown derived fact 'startback.riks': no plugin declares "
            "it (registry.add_derived in careengine_catalog) and no rule derives it "
            "(did you mean 'startback.risk'?)",
        ),
        (
            derived("startback.risk", value="hgih"),
            "d.r: when.all[0].value: derived startback.risk is never 'hgih' "
            "(its values: 'high', 'low', 'medium') (did you mean 'high'?)",
        ),
        (
            derived("tbc.subgroup.manipulaton"),
            "d.r: when.all[0].derived: unknown derived fact 'tbc.subgroup.manipulaton': no "
            "plugin declares it (registry.add_derived in careengine_catalog) and no rule derives "
            "it (did you mean 'tbc.subgroup.manipulation'?)",
        ),
        (
            derived("axspa.refer", value="yes"),
            "d.r: when.all[0].value: derived axspa.refer is never 'yes' (its values: False, True)",
        ),
        (
            derived("odi.band", value=gte(3)),
            "d.r: when.all[0].value: gte compares derived odi.band with a number, but it is never "
            "a number (its values: 'bed_bound', 'crippling', 'minimal', 'moderate', 'severe')",
        ),
    ],
)
def test_rules_on_derived_facts_that_can_never_be_produced_are_refused(
    pattern: object, line: str
) -> None:
    with pytest.raises(RulePackError) as info:
        isolated_engine(plugins=[RulePackPlugin("d", [_derived_rule(pattern)])])
    assert info.value.lines() == [line]


def test_the_same_mistakes_in_a_toml_pack_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "d.toml").write_text(
        PACK.split("[[rules]]")[0]
        + """
[[rules]]
id = "high"
because = "tests"
when.all = [{ derived = "startback.risk", value = { in = ["medium", "hihg"] } }]
then = [{ add = "cryotherapy", stage = "relieve" }]
""",
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as info:
        isolated_engine(rules=[tmp_path])
    (line,) = info.value.lines()
    assert line.endswith(
        "d.toml: doses.high: when.all[0].value: derived startback.risk is never 'hihg' "
        "(its values: 'high', 'low', 'medium') (did you mean 'high'?)"
    )


def test_codes_and_values_rules_derive_are_known_to_other_rules() -> None:
    rules = [
        Rule(
            id="derive",
            because="tests",
            when=When(all=(finding("glute_weakness"),)),
            then=(Derive(code="d.weak", value="left"),),
        ),
        Rule(
            id="call",
            because="tests",
            when=When(all=(finding("glute_weakness"),)),
            then=(Call(fn=lambda match: [], derives=("d.any",)),),
        ),
        _derived_rule(derived("d.weak", value="left"), "uses-derive"),
        _derived_rule(derived("d.any", value=7), "uses-call"),
        _derived_rule(derived("assessed", value=True), "uses-assessed"),
    ]
    engine = isolated_engine(plugins=[RulePackPlugin("d", rules)])
    assert len(engine.packs) > 1
    with pytest.raises(RulePackError, match=r"derived d.weak is never 'right'"):
        isolated_engine(
            plugins=[
                RulePackPlugin("d", [*rules, _derived_rule(derived("d.weak", value="right"), "x")])
            ]
        )


@pytest.mark.hook("careengine_catalog")
def test_declared_derived_values_that_no_fact_can_take_are_refused() -> None:
    """NaN, None, a list and whole numbers beyond the limit of derived facts (one too large for
    a float once crashed the check) are each reported; strings, booleans and numbers pass."""

    class Odd:
        __name__ = "odd"

        @hookimpl
        def careengine_catalog(self, registry: CatalogRegistry) -> None:
            registry.add_derived(
                "odd.value", values=("a", True, 3, 2.5, float("nan"), None, [1], 10**16, 10**400)
            )

    with pytest.raises(PluginError) as info:
        isolated_engine(plugins=[Odd()])
    where = "plugin odd: derived code 'odd.value': values"
    assert [str(p) for p in info.value.problems] == [
        f"{where}[{i}]: must be a string, a finite number or a boolean, not {v!r}"
        for i, v in ((4, float("nan")), (5, None), (6, [1]), (7, 10**16), (8, 10**400))
    ]


@pytest.mark.hook("careengine_catalog")
def test_a_plugin_declares_its_derived_codes_through_the_catalog_hook() -> None:
    class Scores:
        __name__ = "scores"

        @hookimpl
        def careengine_catalog(self, registry: CatalogRegistry) -> None:
            registry.add_derived("pain_range.points")  # any value
            registry.add_derived("my.band", values=("narrow", "wide"))

    ok = [
        _derived_rule(derived("pain_range.points", value=gte(5)), "points"),
        _derived_rule(derived("my.band", value="wide"), "band"),
    ]
    engine = isolated_engine(plugins=[Scores(), RulePackPlugin("d", ok)])
    assert engine.catalog.derived["my.band"].values == ("narrow", "wide")
    assert engine.catalog.owners[("derived code", "my.band")] == "scores"
    with pytest.raises(RulePackError, match=r"never 'wdie'.*did you mean 'wide'"):
        isolated_engine(
            plugins=[
                Scores(),
                RulePackPlugin("d", [_derived_rule(derived("my.band", value="wdie"))]),
            ]
        )


ENGINE = isolated_engine()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=assessments(ENGINE))
def test_the_built_in_scores_produce_only_what_they_declare(data: dict) -> None:
    assessment = ENGINE.load_assessment(data)
    _, facts, _ = ENGINE._derive(assessment)
    for fact in facts:
        declared = scoring.DERIVED.get(fact.code, "undeclared")
        assert declared != "undeclared", fact.code
        assert declared is None or any(
            fact.value == v and type(fact.value) is type(v) for v in declared
        ), (fact.code, fact.value)


# --- golden cases and testing assertions ----------------------------------------------------------

CASES = """
[[cases]]
name = "misspelt names"
current_stage = "relief"
not_in_stage = [{ intervention = "crunchh" }, { intervention = "cobra", stage = "strenghten" }]
excluded = [{ intervention = "spinal_thrust_manipulaton" }]
deferred = [{ intervention = "row", stage = "retrun" }]
no_alerts = ["malignancy_suspectd"]

[cases.assessment_data]
patient = { id = "case-1", age = 40 }
findings = [{ code = "glute_weakness" }]
"""


def test_a_golden_case_naming_unknown_names_is_an_error_not_a_pass(tmp_path: Path) -> None:
    path = tmp_path / "bad.case.toml"
    path.write_text(CASES, encoding="utf-8")
    (case,) = load_cases(path)
    result = run_case(ENGINE, case)
    assert not result.passed
    assert result.error is not None
    assert result.error.split("; ") == [
        "current_stage: unknown stage 'relief' (did you mean 'relieve'?)",
        "not_in_stage[0].intervention: unknown intervention 'crunchh' (did you mean 'crunch'?)",
        "not_in_stage[1].stage: unknown stage 'strenghten' (did you mean 'strengthen'?)",
        "excluded[0].intervention: unknown intervention 'spinal_thrust_manipulaton' "
        "(did you mean 'spinal_thrust_manipulation'?)",
        "deferred[0].stage: unknown stage 'retrun' (did you mean 'return'?)",
        "no_alerts[0]: unknown alert 'malignancy_suspectd' (did you mean 'malignancy_suspected'?)",
    ]
    cli_result = CliRunner().invoke(cli, ["rules", "test", str(path)])
    assert cli_result.exit_code == 1, cli_result.output


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return evaluate(ENGINE, assessment_data(findings=["glute_weakness"], age=40))


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda p: assert_not_in_stage(p, "crunchh"), "unknown intervention 'crunchh'"),
        (lambda p: assert_not_in_stage(p, "crunch", "strenghten"), "unknown stage 'strenghten'"),
        (lambda p: assert_no_alert(p, "cauda_equina_suspectd"), "did you mean 'cauda_equina"),
        (lambda p: assert_excluded(p, "cobraa"), "unknown intervention 'cobraa'"),
        (lambda p: assert_deferred(p, "roww"), "unknown intervention 'roww'"),
        (lambda p: assert_in_stage(p, "bridge", "strenght"), "unknown stage 'strenght'"),
        (lambda p: assert_alert(p, "axspa_suspectd"), "unknown alert 'axspa_suspectd'"),
        (lambda p: assert_plan(p, current_stage="relief"), "unknown stage 'relief'"),
    ],
)
def test_testing_assertions_naming_unknown_names_fail(plan, check, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AssertionError, match="names what the engine does not know") as info:
        check(plan)
    assert message in str(info.value)


def test_testing_assertions_on_known_names_still_pass(plan) -> None:  # type: ignore[no-untyped-def]
    assert_not_in_stage(plan, "crunch")
    assert_no_alert(plan, "cauda_equina_suspected")
    # brought forward: the stage the plan starts in (relieve: advice) holds an exercise
    assert_in_stage(plan, "bridge", "relieve")


def test_an_engine_built_directly_is_known_once_evaluated_through_the_helpers() -> None:
    engine = Engine(entry_points=False)
    data = assessment_data(findings=["glute_weakness"])
    plan = evaluate(engine, data)
    with pytest.raises(AssertionError, match="unknown intervention 'brigde'"):
        assert_not_in_stage(plan, "brigde")
    engine.close()
