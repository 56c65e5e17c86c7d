"""Lint finds every planted defect and stays quiet on a clean pack; golden cases pass and fail
precisely; random valid packs always load, compile and evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine.cli import cli
from careengine.render.serialize import dumps
from careengine.rules.golden import run_case_files
from careengine.rules.lint import LintFinding, lint_installed
from careengine.testing.strategies import without_contradictions
from tests.rules.test_toml_packs import (
    BACKENDS,
    FINDINGS,
    HEADER,
    INTERVENTIONS,
    SmallCatalog,
    engine_for,
    write,
)
from tests.support import with_backend

CLEAN = """
[[rules]]
id = "weak-glutes"
because = "glutes"
when.all = [{ finding = "glute_weakness" }]
then = [{ add = "bridge", stage = "strengthen" }]
"""


def lint(tmp_path: Path) -> list[LintFinding]:
    return lint_installed([tmp_path], plugins=[SmallCatalog()], builtins=False, entry_points=False)


def checks(findings: list[LintFinding], severity: str = "error") -> list[tuple[str, str | None]]:
    return [(f.check, f.rule_id) for f in findings if f.severity == severity]


def test_clean_pack_has_no_errors(tmp_path: Path) -> None:
    write(tmp_path, CLEAN)
    findings = lint(tmp_path)
    assert checks(findings) == []
    # coverage warnings name what the clean pack leaves out
    warnings = {f.message for f in findings if f.severity == "warning"}
    assert "catalog intervention cobra is never added by any rule" in warnings
    assert "impairment finding muscle_guarding is addressed by no rule" in warnings
    assert "impairment finding glute_weakness is addressed by no rule" not in warnings


def test_lint_is_quiet_when_everything_is_covered(tmp_path: Path) -> None:
    adds = ", ".join(f'{{ add = "{i}", stage = "relieve" }}' for i in INTERVENTIONS)
    whens = []
    for n, code in enumerate(sorted(c for c, imp in FINDINGS.items() if imp)):
        whens.append(
            f'[[rules]]\nid = "r{n}"\nbecause = "b"\nwhen.all = [{{ finding = "{code}" }}]\n'
            f"then = [{adds if n == 0 else adds.replace('relieve', 'mobilize' if n % 2 else 'return')}]\n"
        )
    write(tmp_path, "\n".join(whens))
    assert lint(tmp_path) == []


PLANTED = {
    "never-fires": """
        [[rules]]
        id = "contradiction"
        because = "b"
        when.all = [{ finding = "glute_weakness", severity = "moderate" }]
        when.none = [{ finding = "glute_weakness" }]
        then = [{ add = "bridge", stage = "strengthen" }]
    """,
    "always-vetoed": """
        [[rules]]
        id = "stenosis-cobra"
        because = "b"
        when.all = [{ finding = "glute_weakness" }, { condition = "spinal_stenosis" }]
        then = [{ add = "cobra", stage = "strengthen" }]
    """,
    "conflicting-rules": """
        [[rules]]
        id = "adds"
        because = "b"
        when.all = [{ finding = "glute_weakness" }]
        then = [{ add = "bridge", stage = "strengthen" }]

        [[rules]]
        id = "excludes"
        because = "b"
        when.all = [{ finding = "glute_weakness" }]
        then = [{ exclude = "bridge", reason = "no" }]
    """,
    "cycle": """
        [[rules]]
        id = "a"
        because = "b"
        when.all = [{ finding = "glute_weakness" }]
        when.none = [{ derived = "y" }]
        then = [{ derive = "x" }]

        [[rules]]
        id = "b"
        because = "b"
        when.all = [{ finding = "glute_weakness" }]
        when.none = [{ derived = "x" }]
        then = [{ derive = "y" }]
    """,
    "invalid": """
        [[rules]]
        id = "typo"
        because = "b"
        when.all = [{ finding = "glute_weaknes" }]
        then = [{ add = "bridge", stage = "strengthen" }]
    """,
}


@pytest.mark.parametrize("check", sorted(PLANTED))
def test_lint_finds_each_planted_error(tmp_path: Path, check: str) -> None:
    write(tmp_path, PLANTED[check])
    found = {c for c, _ in checks(lint(tmp_path))}
    assert found == {check}


def test_lint_never_fires_on_self_contradictory_pattern(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        [[rules]]
        id = "both"
        because = "b"
        when.all = [{ finding = "glute_weakness", present = false, side = "left" }]
        when.none = [{ finding = "glute_weakness", present = false }]
        then = [{ add = "bridge", stage = "strengthen" }]
    """,
    )
    found = [f for f in lint(tmp_path) if f.check == "never-fires"]
    assert len(found) == 1 and "rules out every fact" in found[0].message


def test_lint_warns_on_duplicate_rules(tmp_path: Path) -> None:
    write(tmp_path, CLEAN + CLEAN.replace('id = "weak-glutes"', 'id = "again"'))
    warnings = checks(lint(tmp_path), "warning")
    assert [w for w in warnings if w[0] == "duplicate-rule"] == [("duplicate-rule", "t.again")]


def test_rules_lint_cli_exit_codes_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import careengine.rules.lint as lint_module

    original = lint_module.lint_installed

    def isolated(paths: list[str], **kw: object) -> list[LintFinding]:
        return original(paths, plugins=[SmallCatalog()], builtins=False, entry_points=False)

    monkeypatch.setattr(lint_module, "lint_installed", isolated)
    runner = CliRunner()
    write(tmp_path, CLEAN)
    ok = runner.invoke(cli, ["rules", "lint", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("0 error(s), 15 warning(s)")
    strict = runner.invoke(cli, ["rules", "lint", "--strict", str(tmp_path)])
    assert strict.exit_code == 1
    write(tmp_path, PLANTED["always-vetoed"], name="bad.toml", header=HEADER.replace('"t"', '"u"'))
    bad = runner.invoke(cli, ["rules", "lint", "--json", str(tmp_path)])
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["errors"] == 1
    assert report["findings"][0]["check"] == "always-vetoed"
    assert report["findings"][0]["rule_id"] == "u.stenosis-cobra"


CASES = """
[[cases]]
name = "weak glutes get a bridge"
assessment_data = { patient = { id = "c-1" }, findings = [{ code = "glute_weakness" }] }
status = "ready"
in_stage = [{ intervention = "bridge", stage = "strengthen" }]
not_in_stage = [{ intervention = "cobra" }]
unaddressed = []

[[cases]]
name = "wrong expectations"
assessment = "a.json"
status = "referral"
in_stage = [{ intervention = "bridge", stage = "relieve" }]
not_in_stage = [{ intervention = "bridge", stage = "strengthen" }]
excluded = [{ intervention = "cobra" }]
alerts = [{ code = "cauda_equina_suspected" }]
referrals = [{ to = "emergency department" }]
classifications = { "startback.risk" = "low" }
unaddressed = ["muscle_guarding"]
"""


ALERTS = """
[[rules]]
id = "saddle"
because = "saddle anaesthesia may mean cauda equina"
when.all = [{ red_flag = "saddle_anesthesia" }]
then = [{ alert = "cauda_equina_suspected", level = "emergency", message = "emergency" }]
"""


def test_golden_cases_pass_and_fail_with_precise_differences(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    write(rules, CLEAN)
    write(rules, ALERTS, name="alerts.toml", header=HEADER.replace('"t"', '"alerts"'))
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.json").write_text(
        json.dumps({"patient": {"id": "c-2"}, "findings": [{"code": "glute_weakness"}]})
    )
    (cases / "glutes.case.toml").write_text(CASES)
    results = run_case_files(engine_for(rules), [cases])
    assert [r.passed for r in results] == [True, False]
    assert list(results[1].failures) == [
        "status: expected 'referral', got 'ready'",
        "in_stage: expected bridge in relieve; found in ['strengthen']; relieve has []",
        "not_in_stage: bridge should not be in strengthen; found in ['strengthen']",
        "excluded: expected cobra to be excluded; it is not",
        "alerts: expected cauda_equina_suspected; alerts are none",
        "referrals: expected one to 'emergency department'; got none",
        "classifications: startback.risk is missing",
        "unaddressed: expected ['muscle_guarding'], got []",
    ]


def test_rules_test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import careengine.cli.rules_commands as cli_module

    rules = tmp_path / "rules"
    rules.mkdir()
    write(rules, CLEAN)
    write(rules, ALERTS, name="alerts.toml", header=HEADER.replace('"t"', '"alerts"'))
    monkeypatch.setattr(cli_module, "build_engine", lambda *a, **k: engine_for(rules))
    case = tmp_path / "one.case.toml"
    case.write_text(CASES.split('[[cases]]\nname = "wrong')[0])
    runner = CliRunner()
    ok = runner.invoke(cli, ["rules", "test", str(case)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines() == [
        f"PASS {case}: weak glutes get a bridge",
        "1 passed, 0 failed",
    ]
    (tmp_path / "a.json").write_text(json.dumps({"patient": {"id": "x"}}))
    case.write_text(CASES)
    bad = runner.invoke(cli, ["rules", "test", str(case)])
    assert bad.exit_code == 1
    assert "FAIL" in bad.output and "1 passed, 1 failed" in bad.output
    assert "    status: expected 'referral', got 'ready'" in bad.output.splitlines()


# --- random valid packs --------------------------------------------------------------------

codes = st.sampled_from(sorted(FINDINGS))
severities = st.sampled_from(["mild", "moderate", "severe"])
field_tests = st.one_of(
    st.just(""),
    severities.map(lambda s: f', severity = {{ at_least = "{s}" }}'),
    st.sampled_from(["left", "right"]).map(lambda s: f', side = "{s}"'),
    st.just(", side = { exists = true }"),
    st.just(", present = false"),
)
patterns = st.builds(lambda c, t: f'{{ finding = "{c}"{t} }}', codes, field_tests)
actions = st.one_of(
    st.builds(
        lambda i, s, p: f'{{ add = "{i}", stage = "{s}", priority = {p} }}',
        st.sampled_from(INTERVENTIONS),
        st.sampled_from(["relieve", "mobilize", "strengthen", "return"]),
        st.integers(0, 100),
    ),
    st.sampled_from(INTERVENTIONS).map(lambda i: f'{{ exclude = "{i}", reason = "r" }}'),
    st.sampled_from(INTERVENTIONS).map(lambda i: f'{{ precaution = "{i}", text = "careful" }}'),
    st.just('{ alert = "a1", level = "routine", message = "m" }'),
    st.just('{ derive = "d1" }'),
)
rules = st.lists(
    st.tuples(
        st.lists(patterns, min_size=1, max_size=3),
        st.lists(patterns, max_size=2),
        st.lists(actions, min_size=1, max_size=3),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)
assessments = st.lists(
    st.fixed_dictionaries(
        {"code": codes},
        optional={
            "severity": severities,
            "side": st.sampled_from(["left", "right", "bilateral"]),
            "present": st.booleans(),
        },
    ),
    max_size=6,
).map(without_contradictions)  # the loader refuses contradictory findings


def pack_text(spec: list[tuple[list[str], list[str], list[str], bool]]) -> str:
    out = []
    for n, (all_, none, then, on_derived) in enumerate(spec):
        when_all = list(all_)
        if on_derived:
            when_all.append('{ derived = "d1" }')
        out.append(
            f'[[rules]]\nid = "r{n}"\nbecause = "random"\n'
            f"when.all = [{', '.join(when_all)}]\n"
            + (f"when.none = [{', '.join(none)}]\n" if none else "")
            + f"then = [{', '.join(then)}]\n"
        )
    return "\n".join(out)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=rules, findings=assessments)
def test_random_valid_packs_load_compile_and_evaluate_identically(
    tmp_path_factory: pytest.TempPathFactory,
    spec: list[tuple[list[str], list[str], list[str], bool]],
    findings: list[dict[str, object]],
) -> None:
    directory = tmp_path_factory.mktemp("random")
    write(directory, pack_text(spec))
    outputs = set()
    for backend in BACKENDS:
        engine = engine_for(directory, backend)
        plan = engine.evaluate(
            engine.load_assessment({"patient": {"id": "r"}, "findings": findings})
        )
        outputs.add(with_backend(dumps(plan), "-"))
        engine.close()
    assert len(outputs) == 1
