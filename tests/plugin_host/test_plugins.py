"""The plugin host: every hook through test plugins (tests/plugins/), plugins broken in every way,
allow and block lists, and the hook documentation contract."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import careengine.cli.app
import careengine.plugins.host
from careengine import (
    AssessmentError,
    ConfigurationError,
    Engine,
    PluginError,
    RulePackError,
    hookimpl,
)
from careengine.model import Assessment, Intervention, InterventionKind, Plan, Stage, TermKind
from careengine.plugins.hookspecs import HOOK_NAMES
from careengine.plugins.host import PluginHost, get_plugin_manager
from careengine.plugins.registry import CatalogRegistry, RulePackRegistry
from careengine.rules import Add, Rule, When, finding
from tests.plugins import (
    PLUGIN_DIR,
    bad_reviewer,
    catalog,
    commands,
    misspelt,
    policy,
    renderer,
    scores,
    variety,
)
from tests.plugins.broken import MESSAGE, RAISING, RaisesWhileDerivingLazily
from tests.plugins.duplicates import FindingOwner, InterventionOwner, RendererOwner
from tests.plugins.packs import RulePackPlugin
from tests.support import DEMO, assess, evaluate, excluded, make_engine, placed, placed_ids

TESTS = Path(__file__).resolve().parents[1]

# --- careengine_catalog and careengine_rule_packs --------------------------------------------


@pytest.mark.hook("careengine_catalog", "careengine_rule_packs")
def test_catalog_and_rule_pack_hooks_register_vocabulary_and_rules() -> None:
    engine = make_engine(catalog, variety)
    assert "hip_flexor_stretch" in engine.catalog.interventions
    assert engine.catalog.owners[("intervention", "hip_flexor_stretch")] == "tests.plugins.catalog"
    assert engine.catalog.owners[("intervention", "bridge")] == DEMO
    assert engine.catalog.impairments() >= {"fear_avoidance", "glute_weakness"}
    assert "centralization" not in engine.catalog.impairments()
    assert [p.id for p in engine.packs] == ["demo", "variety"]
    variety_pack = engine.packs[1]
    assert (variety_pack.version, variety_pack.plugin) == ("2.0.0", "tests.plugins.variety")
    assert len(variety_pack.sha256) == 64
    assert all(r.id.startswith("variety.") for r in variety_pack.rules)

    plan = evaluate(engine, findings=[{"code": "hip_flexor_tightness", "side": "left"}])
    (item,) = plan.stage("mobilize").items
    (because,) = item.because
    assert (because.rule, because.pack, because.pack_version, because.plugin) == (
        "variety.hip-flexor-one-side",
        "variety",
        "2.0.0",
        "tests.plugins.variety",
    )
    assert because.matched == ("finding:hip_flexor_tightness",)
    assert plan.provenance.packs["variety"].version == "2.0.0"
    assert plan.provenance.plugins["tests.plugins.variety"] == "local"


@pytest.mark.hook("careengine_catalog")
def test_catalog_hook_registers_every_kind_of_code_and_orders_stages() -> None:
    class ClinicCatalog:
        __name__ = "clinic_catalog"

        @hookimpl
        def careengine_catalog(self, registry: CatalogRegistry) -> None:
            registry.add_term("slow_sit_to_stand", TermKind.FINDING, "Slow", impairment=True)
            registry.add_term("trunk_flexion_angle", TermKind.FINDING, "Flexion", unit="deg")
            registry.add_term("night_shifts", TermKind.CONDITION, "Works night shifts")
            registry.add_term("recent_fall", TermKind.RED_FLAG, "Fell in the last week")
            registry.add_term("steps_per_day", TermKind.MEASURE, "Steps per day", unit="steps")
            registry.add_stage(Stage(id="prepare", title="Prepare", order=0))
            registry.add_intervention(
                Intervention(
                    id="chair_stands",
                    kind=InterventionKind.EXERCISE,
                    name="Chair stands",
                    steps=("Stand up from a chair and sit back down slowly.",),
                )
            )

    engine = make_engine(ClinicCatalog())
    catalog = engine.catalog
    assert catalog.stage_ids() == ("prepare", "relieve", "mobilize", "strengthen", "return")
    assert "slow_sit_to_stand" in catalog.impairments()
    assert catalog.owners[("condition code", "night_shifts")] == "clinic_catalog"
    assert catalog.owners[("intervention", "chair_stands")] == "clinic_catalog"
    data = {
        "patient": {"id": "p-cat", "conditions": ["night_shifts"], "declines": ["chair_stands"]},
        "findings": [{"code": "slow_sit_to_stand"}, {"code": "trunk_flexion_angle", "value": 40}],
        "red_flags": ["recent_fall"],
        "measures": {"steps_per_day": 4000},
    }
    plan = engine.evaluate(engine.load_assessment(data))
    assert plan.stages[0].id == "prepare"
    assert plan.unaddressed == ("slow_sit_to_stand",)  # registered codes are real impairments
    with pytest.raises(AssessmentError, match="trunk_flexion_angle is measured in 'deg'"):
        engine.load_assessment(
            {**data, "findings": [{"code": "trunk_flexion_angle", "unit": "cm"}]}
        )


@pytest.mark.hook("careengine_rule_packs")
def test_rule_packs_hook_registers_toml_files_and_python_rules(tmp_path: Path) -> None:
    (tmp_path / "clinic.toml").write_text(
        """
[pack]
id = "clinic.toml"
version = "3.1.0"
title = "Clinic"
population = "tests"
sources = ["tests"]

[[rules]]
id = "core"
because = "Core work."
when.all = [{ finding = "core_facilitation_poor" }]
then = [{ add = "abdominal_bracing", stage = "strengthen" }]
""",
        encoding="utf-8",
    )
    rule = Rule(
        id="thoracic",
        because="Thoracic work.",
        when=When(all=(finding("thoracic_mobility_limited"),)),
        then=(Add(intervention="open_book_rotation", stage="mobilize"),),
    )

    class ClinicPacks:
        __name__ = "clinic_packs"

        @hookimpl
        def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
            registry.add_path(tmp_path)
            registry.add_pack(
                id="clinic.py", version="0.2.0", rules=[rule], population="t", sources=["t"]
            )

    engine = make_engine(ClinicPacks())
    packs = {p.id: p for p in engine.packs}
    assert (packs["clinic.toml"].plugin, packs["clinic.toml"].version) == ("clinic_packs", "3.1.0")
    assert packs["clinic.toml"].file is not None and packs["clinic.toml"].file.endswith(
        "clinic.toml"
    )
    assert (packs["clinic.py"].plugin, packs["clinic.py"].file) == ("clinic_packs", None)
    plan = evaluate(engine, findings=["core_facilitation_poor", "thoracic_mobility_limited"])
    rules = {i.intervention: i.because[0].rule for _, i in plan.items()}
    assert rules["abdominal_bracing"] == "clinic.toml.core"
    assert rules["open_book_rotation"] == "clinic.py.thoracic"
    assert plan.provenance.packs["clinic.toml"].version == "3.1.0"


def test_plugin_infos_name_hooks_and_sources() -> None:
    engine = make_engine(catalog, variety, str(PLUGIN_DIR / "renderer.py"))
    infos = engine.plugins
    assert list(infos) == sorted(infos)
    assert infos[DEMO].builtin and infos[DEMO].source == "builtin"
    assert infos["careengine.render.builtin"].source == "core"
    assert infos["tests.plugins.catalog"].hooks == ("careengine_catalog",)
    assert infos["tests.plugins.catalog"].source == "object"
    assert not infos["tests.plugins.catalog"].builtin
    assert infos["renderer"].hooks == ("careengine_renderers",)
    assert infos["renderer"].source == "path"


# --- careengine_derive_facts ------------------------------------------------------------------


@pytest.mark.hook("careengine_derive_facts")
def test_derive_facts_classifications_and_derived_facts_feed_rules() -> None:
    engine = make_engine(catalog, scores)
    plan = evaluate(
        engine, findings=["glute_weakness", "thoracic_mobility_limited"], pain=7, age=70
    )
    assert dict(plan.classifications) == {"test_risk": {"score": 9, "band": "high"}}
    relieve = {i.intervention: i for i in plan.stage("relieve").items}
    assert relieve["pain_neuroscience_education"].because[0].rule == "scores.high-risk"
    assert relieve["pain_neuroscience_education"].because[0].matched == ("derived:test_risk.band",)
    assert relieve["cat_cow"].because[0].matched == ("derived:older_adult",)

    low = evaluate(engine, findings=["glute_weakness"], pain=2, age=30)
    assert dict(low.classifications) == {"test_risk": {"score": 3, "band": "low"}}
    assert placed(low)["relieve"] == []


@pytest.mark.hook("careengine_derive_facts")
def test_null_classification_values_are_listed_as_missing_and_never_fire() -> None:
    plan = evaluate(make_engine(catalog, scores), findings=["glute_weakness"])
    assert plan.classifications["test_risk"] == {
        "score": None,
        "band": None,
        "missing": ("pain",),
    }
    assert placed(plan)["relieve"] == []


def test_two_plugins_producing_one_classification_is_an_error() -> None:
    class Copycat:
        __name__ = "copycat"

        @hookimpl
        def careengine_derive_facts(self, assessment: Assessment) -> list[object]:
            return list(scores.careengine_derive_facts(assessment))

    engine = make_engine(catalog, scores, Copycat())
    with pytest.raises(PluginError, match="already produced by plugin copycat") as info:
        evaluate(engine, pain=3)
    assert info.value.plugin == "tests.plugins.scores"


# --- careengine_review_plan -------------------------------------------------------------------

MANY = {
    "findings": [
        {"code": "glute_weakness", "severity": "severe"},
        "core_facilitation_poor",
        "fear_avoidance",
    ],
    "age": 30,
}


@pytest.mark.hook("careengine_review_plan")
def test_review_plan_applies_clinic_policy() -> None:
    unreviewed = evaluate(make_engine(catalog, variety), **MANY)
    assert len(placed(unreviewed)["strengthen"]) > 1
    plan = evaluate(make_engine(catalog, variety, policy), **MANY)
    assert all(len(items) <= 1 for items in placed(plan).values())
    moved = {(d.intervention, d.stage) for d in plan.deferred if d.reason == policy.REASON}
    assert moved == {(i, s) for s, items in placed(unreviewed).items() for i in items[1:]}
    assert placed(plan)["strengthen"] == placed(unreviewed)["strengthen"][:1]


@pytest.mark.hook("careengine_review_plan")
def test_reviewers_run_in_plugin_name_order_whatever_the_registration_order() -> None:
    calls: list[str] = []

    def reviewer(name: str, **marks: bool) -> object:
        class Reviewer:
            __name__ = name

            @hookimpl(**marks)
            def careengine_review_plan(self, plan: Plan) -> None:
                calls.append(name)

        return Reviewer()

    plugins = [reviewer("beta"), reviewer("zeta", tryfirst=True), reviewer("alpha")]
    plugins.append(reviewer("aardvark", trylast=True))
    for order in (plugins, plugins[::-1]):
        calls.clear()
        evaluate(make_engine(*order))
        assert calls == ["zeta", "alpha", "beta", "aardvark"]


@pytest.mark.hook("careengine_review_plan")
@pytest.mark.parametrize(
    ("reviewer", "fields", "message"),
    [
        (
            bad_reviewer.PutsVetoedBack(),
            {"findings": ["lumbar_hypomobility"], "conditions": ["osteoporosis"]},
            "placed vetoed intervention spinal_thrust_manipulation in stage relieve",
        ),
        (
            bad_reviewer.TreatsDespiteRedFlags(),
            {"red_flags": ["saddle_anesthesia"]},
            "changed the status of a plan whose red flags withhold treatment",
        ),
        (
            bad_reviewer.DropsAlerts(),
            {"red_flags": ["bladder_dysfunction"]},
            "removed alert cauda_equina_suspected (emergency)",
        ),
        (bad_reviewer.ReturnsNotAPlan(), {}, "returned dict; expected a Plan or None"),
    ],
)
def test_reviewer_that_breaks_a_safety_invariant_is_a_plugin_error(
    reviewer: object, fields: dict[str, object], message: str
) -> None:
    engine = make_engine(reviewer)
    with pytest.raises(PluginError) as info:
        evaluate(engine, **fields)
    name = reviewer.__name__  # type: ignore[attr-defined]
    assert info.value.plugin == name
    assert info.value.hook == "careengine_review_plan"
    assert str(info.value) == f"plugin {name} in careengine_review_plan: {message}"


def test_reviewer_may_not_place_items_while_treatment_is_withheld() -> None:
    class Sneaky:
        __name__ = "sneaky"

        @hookimpl
        def careengine_review_plan(self, plan: Plan) -> Plan:
            return bad_reviewer._with_item(plan, "return", "activity_advice")

    with pytest.raises(PluginError, match="placed activity_advice in return while treatment"):
        evaluate(make_engine(Sneaky()), red_flags=["saddle_anesthesia"])


# --- careengine_renderers ----------------------------------------------------------------------


@pytest.mark.hook("careengine_renderers")
def test_renderers_hook_adds_a_format() -> None:
    engine = make_engine(catalog, variety, renderer)
    assert set(engine.renderers) - set(make_engine().renderers) == {"summary"}
    assert engine.renderers["summary"].extension == "summary.txt"
    assert engine.renderers["summary"].plugin == "tests.plugins.renderer"
    plan = evaluate(engine, patient_id="p-9", findings=["thoracic_mobility_limited"])
    assert engine.render(plan, "summary") == "p-9 ready\nmobilize: Open book rotation\n"
    with pytest.raises(ConfigurationError, match=r"unknown format 'pdf'; available: .*summary"):
        engine.render(plan, "pdf")


# --- careengine_commands -----------------------------------------------------------------------


@pytest.fixture
def cli_with(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Make the CLI load these plugins' commands (the CLI otherwise loads entry points only)."""
    extra: list[object] = []
    real = get_plugin_manager

    def with_extra(**kwargs: object) -> PluginHost:
        return real(**kwargs, extra=extra)  # type: ignore[arg-type]

    monkeypatch.setattr(careengine.cli.app, "get_plugin_manager", with_extra)
    monkeypatch.setattr(careengine.plugins.host, "default_plugins", lambda: (DEMO,))
    monkeypatch.setattr(careengine.cli.cli, "commands", dict(careengine.cli.cli.commands))
    monkeypatch.setattr(careengine.cli.cli, "_plugins_loaded", False)
    yield extra


@pytest.mark.hook("careengine_commands")
def test_commands_hook_adds_a_cli_command(cli_with: list[object]) -> None:
    cli_with.append(commands)
    runner = CliRunner()
    result = runner.invoke(careengine.cli.cli, ["--help"])
    assert result.exit_code == 0
    assert re.search(r"^\s+hello\s+Say hello", result.output, re.MULTILINE)
    result = runner.invoke(careengine.cli.cli, ["hello", "--name", "Dr Who"])
    assert (result.exit_code, result.output) == (0, "hello from a plugin, Dr Who\n")


@pytest.mark.hook("careengine_commands")
def test_a_plugin_may_not_replace_a_cli_command(cli_with: list[object]) -> None:
    class Hijacker:
        __name__ = "hijacker"

        @hookimpl
        def careengine_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("evaluate", callback=lambda: None))

    cli_with.append(Hijacker())
    result = CliRunner().invoke(careengine.cli.cli, ["evaluate", "x.json"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: plugin hijacker in careengine_commands: replaced the existing command 'evaluate'\n"
    )


def test_a_command_hook_that_raises_exits_1_naming_the_plugin(cli_with: list[object]) -> None:
    cli_with.append(RAISING["careengine_commands"])
    result = CliRunner().invoke(careengine.cli.cli, ["plugins", "list"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: plugin raises_in_commands in careengine_commands: raised RuntimeError: {MESSAGE}\n"
    )
    assert "Traceback" not in result.output


# --- plugins broken on purpose ------------------------------------------------------------------

RAISED = {
    "careengine_catalog": "RuntimeError",
    "careengine_rule_packs": "KeyError",
    "careengine_derive_facts": "ZeroDivisionError",
    "careengine_review_plan": "AttributeError",
    "careengine_renderers": "TypeError",
}


@pytest.mark.parametrize("hook", sorted(RAISED))
def test_a_hook_that_raises_is_a_plugin_error_naming_the_plugin(hook: str) -> None:
    plugin = RAISING[hook]
    with pytest.raises(PluginError) as info:
        evaluate(make_engine(plugin))
    name = plugin.__name__  # type: ignore[attr-defined]
    assert (info.value.plugin, info.value.hook) == (name, hook)
    assert str(info.value).startswith(f"plugin {name} in {hook}: raised {RAISED[hook]}: ")
    assert MESSAGE in str(info.value)
    assert info.value.exit_code == 1


def test_a_lazy_derive_facts_hook_that_raises_is_a_plugin_error() -> None:
    engine = make_engine(RaisesWhileDerivingLazily())
    with pytest.raises(PluginError) as info:
        evaluate(engine)
    assert info.value.plugin == "raises_while_deriving_lazily"
    assert str(info.value) == (
        "plugin raises_while_deriving_lazily in careengine_derive_facts: "
        f"raised ValueError: {MESSAGE}"
    )


def test_a_misspelt_hook_name_is_rejected() -> None:
    with pytest.raises(PluginError) as info:
        make_engine(misspelt)
    assert info.value.plugin == "tests.plugins.misspelt"
    assert "unknown hook 'careengine_catalogue'" in str(info.value)
    assert "careengine_catalog" in str(info.value).split("known hooks:")[1]


@pytest.mark.parametrize(
    ("spec", "plugin"),
    [
        (str(PLUGIN_DIR / "fails_on_import.py"), "fails_on_import"),
        ("tests.plugins.fails_on_import", "tests.plugins.fails_on_import"),
    ],
)
def test_a_plugin_that_fails_to_import_is_a_plugin_error(spec: str, plugin: str) -> None:
    with pytest.raises(PluginError) as info:
        make_engine(spec)
    assert info.value.plugin == plugin
    assert str(info.value) == (
        f"plugin {plugin}: failed to import: RuntimeError: this plugin fails to import on purpose"
    )


def test_missing_plugin_file_and_module_are_plugin_errors() -> None:
    with pytest.raises(PluginError, match="no plugin file at"):
        make_engine(str(PLUGIN_DIR / "does_not_exist.py"))
    with pytest.raises(PluginError, match="failed to import: ModuleNotFoundError"):
        make_engine("tests.plugins.does_not_exist")
    with pytest.raises(PluginError, match="failed to import") as info:
        Engine(builtins=["careengine_plugins.no_such_module"], entry_points=False)
    assert info.value.distribution == "careengine"


@pytest.mark.parametrize(
    ("first", "second", "what"),
    [
        (FindingOwner("owner_a"), FindingOwner("owner_b"), "finding code 'duplicate_finding'"),
        (
            InterventionOwner("owner_a"),
            InterventionOwner("owner_b"),
            "intervention 'duplicate_intervention'",
        ),
        (RendererOwner("owner_a"), RendererOwner("owner_b"), "renderer 'duplicate_format'"),
    ],
)
def test_two_plugins_registering_the_same_thing_is_an_error_naming_both(
    first: object, second: object, what: str
) -> None:
    for order in ([first, second], [second, first]):
        with pytest.raises(PluginError) as info:
            make_engine(*order)
        # hooks run in plugin-name order, so owner_a always registers first
        assert info.value.plugin == "owner_b"
        assert "plugin owner_b in careengine_" in str(info.value)
        assert f"{what} is already registered by plugin owner_a" in str(info.value)


@pytest.mark.parametrize(
    ("plugin", "owner", "what"),
    [
        (FindingOwner("zz_clash", "glute_weakness"), DEMO, "finding code 'glute_weakness'"),
        (InterventionOwner("zz_clash", "bridge"), DEMO, "intervention 'bridge'"),
        (RendererOwner("zz_clash", "json"), "careengine.render.builtin", "renderer 'json'"),
    ],
)
def test_a_plugin_cannot_overwrite_a_built_in(plugin: object, owner: str, what: str) -> None:
    with pytest.raises(PluginError, match=f"{what} is already registered by plugin {owner}"):
        make_engine(plugin)


def test_two_plugins_registering_the_same_rule_pack_is_an_error_naming_both() -> None:
    rule = Rule(
        id="r",
        because="b",
        when=When(all=(finding("glute_weakness"),)),
        then=(Add(intervention="bridge", stage="strengthen"),),
    )
    first = RulePackPlugin("pack_owner_a", [rule], pack_id="shared")
    second = RulePackPlugin("pack_owner_b", [rule], pack_id="shared")
    with pytest.raises(RulePackError) as info:
        make_engine(first, second)
    assert "pack_owner_a" in str(info.value)
    assert "pack_owner_b" in str(info.value)


def test_two_plugins_with_one_name_are_rejected() -> None:
    with pytest.raises(PluginError, match="a plugin named 'owner_a' is already registered"):
        make_engine(FindingOwner("owner_a"), InterventionOwner("owner_a"))


# --- allow and block lists ------------------------------------------------------------------------


def test_allow_list_restricts_extra_plugins_but_not_built_ins() -> None:
    engine = make_engine(catalog, variety, allow=["tests.plugins.catalog"])
    assert set(engine.plugins) == {"careengine.render.builtin", DEMO, "tests.plugins.catalog"}
    assert [p.id for p in engine.packs] == ["demo"]
    engine = make_engine(catalog, variety, allow=[])
    assert set(engine.plugins) == {"careengine.render.builtin", DEMO}


def test_block_list_skips_any_plugin_built_ins_included() -> None:
    engine = make_engine(catalog, variety, block=["tests.plugins.variety"])
    assert "tests.plugins.variety" not in engine.plugins
    assert [p.id for p in engine.packs] == ["demo"]
    plan = evaluate(engine, findings=["lumbar_hypomobility"], conditions=["osteoporosis"])
    assert excluded(plan) == {"spinal_thrust_manipulation": ("contraindicated: osteoporosis",)}

    engine = make_engine(block=["careengine.render.builtin"])
    assert engine.renderers == {}
    with pytest.raises(PluginError, match="no plugin registered any plan stage"):
        make_engine(catalog, block=[DEMO])
    with pytest.raises(PluginError, match="no plugin registered any plan stage"):
        make_engine(catalog, block=["careengine"])  # by distribution name


def test_allowed_plugin_that_is_also_blocked_stays_out() -> None:
    engine = make_engine(
        catalog,
        variety,
        allow=["tests.plugins.catalog", "tests.plugins.variety"],
        block=["tests.plugins.variety"],
    )
    assert "tests.plugins.variety" not in engine.plugins
    assert "tests.plugins.catalog" in engine.plugins
    assert placed_ids(evaluate(engine, findings=["glute_weakness"])) == set()


def test_registration_order_does_not_change_the_engine() -> None:
    a = make_engine(catalog, variety, scores, policy)
    b = make_engine(policy, scores, variety, catalog)
    assert a.catalog == b.catalog
    assert a.packs == b.packs
    assert a.program.strata == b.program.strata
    data = assess(a, **MANY)
    assert a.evaluate(data) == b.evaluate(data)


# --- every hook is tested and documented -----------------------------------------------------------

DOCS = TESTS.parent / "docs" / "plugins.md"


def hook_signature(hook: str) -> str:
    """The hook's signature as docs/plugins.md heads its section, e.g.
    ``careengine_catalog(registry: CatalogRegistry) -> None``."""
    import careengine.plugins.hookspecs as hookspecs

    signature = inspect.signature(getattr(hookspecs, hook))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"{hook}({params}) -> {signature.return_annotation}"


def hook_markers(tree: ast.Module) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(test name, hook names) for every ``@pytest.mark.hook(...)`` on a test function."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and ast.unparse(decorator.func) == "pytest.mark.hook"
            ):
                yield node.name, tuple(ast.literal_eval(arg) for arg in decorator.args)


def test_the_hooks_are_exactly_the_hookspecs() -> None:
    import careengine.plugins.hookspecs as hookspecs

    specs = {
        name
        for name, value in vars(hookspecs).items()
        if name.startswith("careengine_") and callable(value)
    }
    assert specs == set(HOOK_NAMES)
    assert hook_signature("careengine_catalog") == (
        "careengine_catalog(registry: CatalogRegistry) -> None"
    )


def test_every_hook_has_a_test_of_its_own() -> None:
    """A test marked ``@pytest.mark.hook("<hook>")`` (that hook alone) exists for every hook."""
    own: dict[str, list[str]] = {hook: [] for hook in HOOK_NAMES}
    for path in sorted(TESTS.rglob("test_*.py")):
        for test, hooks in hook_markers(ast.parse(path.read_text(encoding="utf-8"))):
            unknown = set(hooks) - set(HOOK_NAMES)
            assert not unknown, f"{path.name}::{test} marks unknown hooks {sorted(unknown)}"
            if len(hooks) == 1:
                own[hooks[0]].append(f"{path.name}::{test}")
    assert [hook for hook, tests in own.items() if not tests] == []


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_docstring_naming_every_parameter(hook: str) -> None:
    import careengine.plugins.hookspecs as hookspecs

    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    assert doc.strip(), f"{hook} has no docstring"
    for parameter in inspect.signature(spec).parameters:
        assert re.search(rf":param {parameter}:\s*\S", doc), (
            f"{hook}: no `:param {parameter}:` in its docstring"
        )


def test_every_hook_has_a_section_in_the_docs_headed_by_its_signature() -> None:
    headings = [
        line.lstrip("#").strip().strip("`")
        for line in DOCS.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    missing = [hook_signature(h) for h in HOOK_NAMES if hook_signature(h) not in headings]
    assert missing == [], f"docs/plugins.md has no section headed by {missing}"
