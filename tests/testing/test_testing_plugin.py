"""careengine.testing, the pytest plugin for plugin authors: registration, the isolated-engine
fixtures and marker, the plan assertions and their messages, golden cases as pytest tests."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

import careengine.plugins.host
from careengine import Engine
from careengine.testing import (
    assert_alert,
    assert_case,
    assert_deferred,
    assert_excluded,
    assert_in_stage,
    assert_no_alert,
    assert_not_in_stage,
    assert_plan,
    assert_referral,
    assessment_data,
    backends,
    evaluate,
    golden_cases,
    isolated_engine,
)
from tests.support import DEMO

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "assessments"
#: the built-in knowledge base with a small cap, so that plans defer items
ENGINE = isolated_engine(max_items_per_stage=3)
DESK = evaluate(ENGINE, EXAMPLES / "desk-worker.json")
OSTEOPOROSIS = evaluate(ENGINE, EXAMPLES / "osteoporosis.json")
CAUDA = evaluate(ENGINE, EXAMPLES / "suspected-cauda-equina.json")
BROKEN = importlib.metadata.EntryPoint(
    name="broken_clinic", value="careengine_no_such_module_xyz", group="careengine"
)


# --- registration -----------------------------------------------------------------------------


def test_registered_as_a_pytest_plugin(request: pytest.FixtureRequest) -> None:
    (entry,) = [
        ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.name == "careengine"
    ]
    assert entry.value == "careengine.testing.plugin"
    assert request.config.pluginmanager.hasplugin("careengine")
    markers = request.config.getini("markers")
    assert any(line.startswith("careengine(") for line in markers)


def test_importing_it_does_not_import_hypothesis() -> None:
    code = "import sys, careengine.testing; print('hypothesis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "False"


# --- isolated engines ---------------------------------------------------------------------------


def test_isolated_engines_never_load_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(careengine.plugins.host, "installed_plugins", lambda: [BROKEN])
    with pytest.raises(careengine.PluginError, match="broken_clinic"):
        Engine(builtins=[DEMO])  # a default engine would load it, and fail
    engine = isolated_engine(builtins=[DEMO])
    assert "broken_clinic" not in engine.plugins
    with pytest.raises(TypeError, match="never load installed plugins"):
        isolated_engine(entry_points=True)


def test_backends_lists_both_backends() -> None:
    names = [p if isinstance(p, str) else p.values[0] for p in backends()]
    assert names == ["python", "durable"]


def test_assessment_data_builds_loadable_assessments() -> None:
    data = assessment_data(
        findings=["glute_weakness", {"code": "centralization", "direction": "extension"}],
        conditions=["osteoporosis"],
        declines=["dry_needling_referral"],
        red_flags=["night_pain"],
        age=60,
        sex="female",
        pain={"current": 4, "worst": 7},
        episode={"duration_days": 20},
        measures={"odi_percent": 30},
        assessed_on="2026-11-20",
        patient_id="p-data",
    )
    assessment = ENGINE.load_assessment(data)
    assert [f.code for f in assessment.findings] == ["glute_weakness", "centralization"]
    assert (assessment.patient.id, assessment.patient.age, assessment.pain.worst) == (
        "p-data",
        60,
        7,
    )
    assert assessment.measures == {"odi_percent": 30}
    assert assessment_data(pain=0)["pain"] == {"current": 0}
    followup = assessment_data(
        response={"exercise_pain_max": 2, "settled_within_24h": True, "adherence_percent": 80}
    )
    assert evaluate(ENGINE, followup, followup=True).status.value == "ready"
    assert ENGINE.load_assessment(followup, followup=True).response is not None


# --- assertions: they pass on what the plan holds, and say what it holds when they fail ---------


def failure(check: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)  # type: ignore[operator]
    return str(info.value)


def test_assert_in_stage() -> None:
    item = assert_in_stage(DESK, "bridge", "strengthen")
    assert item.intervention == "bridge" and item.because
    assert failure(assert_in_stage, DESK, "bridge", "return") == (
        "plan for p-desk-01:\n  in_stage: expected bridge in return; found in ['strengthen']; "
        "return has [band_trunk_rotation, goblet_squat, push_up]"
    )
    assert "row in return; deferred from return (stage return holds at most 3 items" in failure(
        assert_in_stage, DESK, "row", "return"
    )
    assert "expected seated_torso_twist in mobilize; excluded (contraindicated: osteoporosis)" in (
        failure(assert_in_stage, OSTEOPOROSIS, "seated_torso_twist", "mobilize")
    )


def test_assert_not_in_stage() -> None:
    assert_not_in_stage(DESK, "bridge", "return")
    assert_not_in_stage(DESK, "row")
    assert failure(assert_not_in_stage, DESK, "bridge") == (
        "plan for p-desk-01:\n  not_in_stage: bridge should not be in any stage; "
        "found in ['strengthen']"
    )


def test_assert_excluded() -> None:
    exclusion = assert_excluded(OSTEOPOROSIS, "seated_torso_twist", reason="osteoporosis")
    assert exclusion.reasons == ("contraindicated: osteoporosis",)
    assert failure(assert_excluded, OSTEOPOROSIS, "seated_torso_twist", "pregnancy") == (
        "plan for p-osteo-05:\n  excluded: seated_torso_twist has no reason containing "
        "'pregnancy'; reasons: ['contraindicated: osteoporosis']"
    )
    assert "expected bridge to be excluded; it is not" in failure(assert_excluded, DESK, "bridge")


def test_assert_deferred() -> None:
    deferred = assert_deferred(DESK, "row", stage="return", reason="at most 3 items")
    assert deferred.stage == "return"
    message = failure(assert_deferred, DESK, "bridge")
    assert message.startswith("plan for p-desk-01:\n  deferred: expected bridge to be deferred; ")
    # at most 3 items: relieve keeps its one exercise beside the manipulation (NICE NG59 1.2.7)
    assert "deferred are [joint_mobilization (relieve), romanian_deadlift (return)" in message
    assert "deferred: expected row to be deferred from relieve" in failure(
        assert_deferred, DESK, "row", stage="relieve"
    )
    assert "row has no reason containing 'policy'" in failure(
        assert_deferred, DESK, "row", reason="policy"
    )


def test_assert_alert_and_referral() -> None:
    alert = assert_alert(CAUDA, "cauda_equina_suspected", level="emergency")
    assert alert.because
    assert_no_alert(DESK, "cauda_equina_suspected")
    assert_referral(CAUDA, "emergency department", urgency="emergency")
    assert "alerts: cauda_equina_suspected expected level 'urgent', got 'emergency'" in failure(
        assert_alert, CAUDA, "cauda_equina_suspected", "urgent"
    )
    assert "alerts: expected fracture_suspected; alerts are none" in failure(
        assert_alert, DESK, "fracture_suspected"
    )
    assert "no_alerts: cauda_equina_suspected should not be raised; it is (emergency)" in (
        failure(assert_no_alert, CAUDA, "cauda_equina_suspected")
    )
    assert "referrals: expected one to 'surgeon'; got ['emergency department']" in failure(
        assert_referral, CAUDA, "surgeon"
    )


def test_assert_plan_checks_everything_at_once_and_rejects_unknown_keys() -> None:
    assert_plan(CAUDA, status="referral", alerts=[{"code": "cauda_equina_suspected"}])
    message = failure(assert_plan, DESK, status="referral", current_stage="relieve")
    assert message.splitlines() == [
        "plan for p-desk-01:",
        "  status: expected 'referral', got 'ready'",
        "  current_stage: expected 'relieve', got 'mobilize'",
    ]
    with pytest.raises(TypeError, match=r"unknown expectation\(s\) \['in_stages'\]"):
        assert_plan(DESK, in_stages=[])


# --- the plugin in a pytest run of its own (pytester) --------------------------------------------

PLUGINS = "tests.plugins"
#: inner runs do without hypothesis' plugin, whose start-up dominates their time
INNER = ("-p", "no:hypothesispytest")


def test_the_marker_configures_the_engine_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        pytestmark = pytest.mark.careengine(builtins=["{DEMO}"], plugins=["{PLUGINS}.catalog"])

        def test_module_marker(careengine_engine):
            assert "hip_flexor_stretch" in careengine_engine.catalog.interventions
            assert "{PLUGINS}.catalog" in careengine_engine.plugins

        @pytest.mark.careengine(builtins=["{DEMO}"], backend="python", max_items_per_stage=2)
        def test_closest_marker_wins(careengine_engine):
            assert "{PLUGINS}.catalog" not in careengine_engine.plugins
            assert careengine_engine.backend_name == "python"
            assert careengine_engine.options.max_items_per_stage == 2

        def test_factory(careengine_factory):
            engine = careengine_factory(builtins=False, plugins=["{DEMO}"])
            assert engine.plugins["{DEMO}"].source == "module"
        """
    )
    pytester.makepyfile(
        test_default="""
        def test_no_marker_means_the_built_in_knowledge_base(careengine_engine):
            assert "careengine_plugins.vocabulary" in careengine_engine.plugins
            assert not [i for i in careengine_engine.plugins.values() if not i.builtin]
        """
    )
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(passed=4)


def test_fixture_engines_are_closed_when_the_test_ends(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest
        from careengine import ConfigurationError
        from careengine.testing import assessment_data

        pytestmark = pytest.mark.careengine(builtins=["{DEMO}"])
        KEPT = []

        def test_use(careengine_engine, careengine_factory):
            KEPT.extend([careengine_engine, careengine_factory(builtins=["{DEMO}"])])

        def test_closed_afterwards():
            for engine in KEPT:
                with pytest.raises(ConfigurationError, match="closed"):
                    engine.evaluate(engine.load_assessment(assessment_data()))
        """
    )
    pytester.runpytest_inprocess(*INNER).assert_outcomes(passed=2)


def test_the_fixture_ignores_installed_plugins(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(careengine.plugins.host, "installed_plugins", lambda: [BROKEN])
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.careengine(builtins=["{DEMO}"])
        def test_isolated(careengine_engine):
            assert "broken_clinic" not in careengine_engine.plugins
        """
    )
    pytester.runpytest_inprocess(*INNER).assert_outcomes(passed=1)


def test_positional_marker_arguments_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.careengine(["a_plugin"])
        def test_it(careengine_engine):
            pass
        """
    )
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])


def test_a_failing_assertion_points_at_the_test_not_the_helper(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest
        from careengine.testing import assert_in_stage, assessment_data, evaluate

        @pytest.mark.careengine(builtins=["{DEMO}"])
        def test_it(careengine_engine):
            data = assessment_data(findings=[{{"code": "glute_weakness", "severity": "severe"}}])
            plan = evaluate(careengine_engine, data)
            assert_in_stage(plan, "bridge", "return")
        """
    )
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert '>       assert_in_stage(plan, "bridge", "return")' in output
    assert (
        "E         in_stage: expected bridge in return; found in ['strengthen']; return has []"
        in output
    )
    assert "def assert_plan" not in result.stdout.str()


def test_the_plugin_can_be_switched_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(careengine_engine):\n    pass\n")
    result = pytester.runpytest_inprocess(*INNER, "-p", "no:careengine")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'careengine_engine' not found*"])


# --- golden cases from pytest --------------------------------------------------------------------

CASES = """
[[cases]]
name = "glutes go to strengthen"
in_stage = [{ intervention = "bridge", stage = "strengthen" }]
[cases.assessment_data]
patient = { id = "g-1" }
findings = [{ code = "glute_weakness", severity = "severe" }]

[[cases]]
name = "wrong on purpose"
in_stage = [{ intervention = "bridge", stage = "return" }]
[cases.assessment_data]
patient = { id = "g-2" }
findings = [{ code = "glute_weakness", severity = "severe" }]

[[cases]]
name = "bad input"
[cases.assessment_data]
patient = { id = "g-3" }
findings = [{ code = "glute_weaknes" }]
"""


def test_golden_cases_run_as_one_pytest_test_each(pytester: pytest.Pytester) -> None:
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "demo.case.toml").write_text(CASES, encoding="utf-8")
    pytester.makepyfile(
        f"""
        from pathlib import Path
        import pytest
        from careengine.testing import assert_case, golden_cases

        @pytest.mark.careengine(builtins=["{DEMO}"])
        @pytest.mark.parametrize("case", golden_cases(Path(__file__).parent / "cases"))
        def test_case(careengine_engine, case):
            assert_case(careengine_engine, case)
        """
    )
    result = pytester.runpytest_inprocess(*INNER, "-v")
    result.assert_outcomes(passed=1, failed=2)
    output = result.stdout.str()
    for line in (
        "::test_case[demo.case.toml::glutes go to strengthen] PASSED",
        "::test_case[demo.case.toml::wrong on purpose] FAILED",
        "demo.case.toml: wrong on purpose:\n"
        "E         in_stage: expected bridge in return; found in ['strengthen']; return has []",
        "demo.case.toml: bad input: error: findings[0].code: unknown finding 'glute_weaknes' "
        "(did you mean 'glute_weakness'?)",
    ):
        assert line in output


def test_golden_cases_refuse_a_path_without_cases(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no golden cases"):
        golden_cases(tmp_path)


def test_the_shipped_golden_cases_pass_through_the_pytest_helpers() -> None:
    engine = isolated_engine(rules=[ROOT / "examples" / "rules"])
    params = golden_cases(ROOT / "examples" / "cases")
    assert len(params) >= 5
    for param in params:
        assert_case(engine, param.values[0])


def test_the_golden_case_example_of_rule_packs_md_runs(pytester: pytest.Pytester) -> None:
    page = (ROOT / "docs" / "rule-packs.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", page, re.S)
    (pytester.path / "examples").symlink_to(ROOT / "examples")
    pytester.makepyfile(test_golden=example)
    result = pytester.runpytest_inprocess(*INNER, "test_golden.py")
    result.assert_outcomes(passed=len(golden_cases(ROOT / "examples" / "cases")))
