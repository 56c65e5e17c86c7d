"""Clinic options (careengine/plugins/options.py): declared by a plugin in ``careengine_catalog``,
chosen by the caller (``Engine(options=...)``, ``CAREENGINE_OPTIONS``, ``--option``), validated
with a "did you mean", passed to ``careengine_review_plan`` and recorded in the provenance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import careengine.plugins.host
from careengine import ConfigurationError, Engine, PluginError
from careengine.cli import cli
from careengine.model import Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.options import OptionSpec, parse_options, resolve_options
from careengine.plugins.registry import Catalog, CatalogRegistry
from careengine.render.serialize import dumps
from careengine.settings import engine_settings
from tests.support import DEMO, assessment_data, evaluate, make_engine

FOLLOWUP_RESPONSE = {"exercise_pain_max": 2, "settled_within_24h": True, "adherence_percent": 90}


class Flavour:
    """Declares ``flavour`` (plain|strict) and records what its reviewer is given."""

    __name__ = "flavour"

    def __init__(self, **declaration: Any) -> None:
        self.declaration = {
            "values": ("plain", "strict"),
            "default": "plain",
            "description": "how strict the clinic is",
            **declaration,
        }
        self.seen: list[dict[str, Any]] = []

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        registry.add_option("flavour", **self.declaration)

    @hookimpl
    def careengine_review_plan(
        self, plan: Plan, options: Mapping[str, str], previous: Plan | None, catalog: Catalog
    ) -> None:
        self.seen.append({"options": dict(options), "previous": previous, "catalog": catalog})


class OldStyle:
    """A reviewer naming only the hook's first two arguments, as before options existed."""

    __name__ = "old_style"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: object) -> None:
        return None


class Copycat:
    __name__ = "copycat"

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        registry.add_option("flavour", values=("x",), default="x", description="the same name")


# --- declaring and choosing -----------------------------------------------------------------


@pytest.mark.hook("careengine_review_plan")
def test_a_declared_option_takes_its_default_and_reaches_the_reviewer() -> None:
    plugin = Flavour()
    engine = make_engine(plugin, OldStyle())
    assert engine.plugin_options == {"flavour": "plain"}
    assert engine.catalog.options["flavour"].plugin == "flavour"
    plan = evaluate(engine, findings=["glute_weakness"])
    assert plugin.seen[-1]["options"] == {"flavour": "plain"}
    assert plugin.seen[-1]["previous"] is None
    assert plugin.seen[-1]["catalog"] is engine.catalog
    assert plan.provenance.options == {"flavour": "plain"}


def test_the_caller_chooses_a_value() -> None:
    plugin = Flavour()
    engine = make_engine(plugin, options={"flavour": "strict"})
    evaluate(engine)
    assert plugin.seen[-1]["options"] == {"flavour": "strict"}


def test_a_reassessment_gives_the_reviewer_the_previous_plan() -> None:
    plugin = Flavour()
    engine = make_engine(plugin)
    first = evaluate(engine, findings=["glute_weakness"], pain=6, assessed_on="2026-01-01")
    followup = assessment_data(
        findings=["glute_weakness"], pain=3, assessed_on="2026-01-15", response=FOLLOWUP_RESPONSE
    )
    engine.reassess(first, followup)
    assert plugin.seen[-1]["previous"] == first


@pytest.mark.parametrize(
    ("options", "message", "suggestion"),
    [
        ({"flavor": "strict"}, "unknown option 'flavor' (declared options: flavour)", "flavour"),
        ({"flavour": "strikt"}, "option 'flavour' cannot be 'strikt'", "strict"),
        ({"flavour": True}, "option 'flavour' cannot be True", None),
    ],
)
def test_an_unknown_option_or_value_is_a_configuration_error(
    options: dict[str, Any], message: str, suggestion: str | None
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_engine(Flavour(), options=options)
    assert caught.value.exit_code == 2
    [problem] = caught.value.problems
    assert problem.message.startswith(message)
    assert problem.suggestion == suggestion


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_engine(Flavour(), options={"flavour": "x", "colour": "red"})
    assert len(caught.value.problems) == 2


def test_an_option_without_a_declaring_plugin_is_unknown() -> None:
    with pytest.raises(ConfigurationError, match="declared options: none"):
        make_engine(options={"startback_pathway": "full"})


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ({"default": "lenient"}, "default 'lenient' is not among its values"),
        ({"values": ()}, "needs one or more non-empty string values"),
        ({"values": ("a", "a"), "default": "a"}, "lists a value twice"),
        ({"description": " "}, "needs a description"),
    ],
)
def test_a_broken_declaration_is_a_plugin_error(declaration: dict[str, Any], message: str) -> None:
    with pytest.raises(PluginError, match=message) as caught:
        make_engine(Flavour(**declaration))
    assert caught.value.plugin == "flavour"


def test_a_bad_name_and_a_second_declaration_are_plugin_errors() -> None:
    assert OptionSpec(name="Bad-Name", values=("a",), default="a", description="d").problems()
    with pytest.raises(PluginError, match="option 'flavour' is already registered by plugin"):
        make_engine(Flavour(), Copycat())


# --- provenance -------------------------------------------------------------------------------


def test_plans_under_different_options_differ_in_provenance_and_fingerprint() -> None:
    plain = evaluate(make_engine(Flavour()))
    strict = evaluate(make_engine(Flavour(), options={"flavour": "strict"}))
    assert plain.provenance.options == {"flavour": "plain"}
    assert strict.provenance.options == {"flavour": "strict"}
    assert plain.provenance.fingerprint != strict.provenance.fingerprint
    data = json.loads(dumps(strict))
    assert data["provenance"]["options"] == {"flavour": "strict"}


def test_the_options_are_read_back_from_a_stored_plan() -> None:
    engine = make_engine(Flavour(), options={"flavour": "strict"})
    plan = evaluate(engine)
    assert engine.load_plan(dumps(plan)).provenance.options == {"flavour": "strict"}


def test_a_stored_plan_with_a_non_text_option_is_refused() -> None:
    engine = make_engine(Flavour())
    data = json.loads(dumps(evaluate(engine)))
    data["provenance"]["options"] = {"flavour": 3}
    with pytest.raises(Exception, match=r"provenance\.options\.flavour"):
        engine.load_plan(data)


def test_an_engine_declaring_no_option_writes_no_options_key() -> None:
    data = json.loads(dumps(evaluate(make_engine())))
    assert "options" not in data["provenance"]


def test_the_plan_schema_accepts_the_options() -> None:
    import jsonschema

    from careengine.io.plan_schema import plan_schema

    engine = make_engine(Flavour())
    schema = plan_schema(engine.catalog)
    assert schema["properties"]["provenance"]["properties"]["options"]["type"] == "object"
    jsonschema.validate(json.loads(dumps(evaluate(engine))), schema)


# --- environment and command line ----------------------------------------------------------


def test_options_from_the_environment_and_the_caller_add_up() -> None:
    env = {"CAREENGINE_OPTIONS": "flavour=strict, other = 1"}
    assert engine_settings(env)["options"] == {"flavour": "strict", "other": "1"}
    engine = Engine.from_env(
        {"CAREENGINE_OPTIONS": "flavour=strict"},
        builtins=[DEMO],
        entry_points=False,
        plugins=[Flavour()],
    )
    assert engine.plugin_options == {"flavour": "strict"}
    overridden = Engine.from_env(
        {"CAREENGINE_OPTIONS": "flavour=strict"},
        builtins=[DEMO],
        entry_points=False,
        plugins=[Flavour()],
        options={"flavour": "plain"},
    )
    assert overridden.plugin_options == {"flavour": "plain"}


def test_a_malformed_option_text_is_a_configuration_error() -> None:
    assert parse_options(["a=b", "a=c"]) == {"a": "c"}
    with pytest.raises(ConfigurationError, match="CAREENGINE_OPTIONS: expected NAME=VALUE"):
        engine_settings({"CAREENGINE_OPTIONS": "flavour"})
    with pytest.raises(ConfigurationError, match="expected NAME=VALUE"):
        parse_options(["=x"])


def test_resolve_options_sorts_and_fills_defaults() -> None:
    declared = {
        n: OptionSpec(name=n, values=("a", "b"), default="a", description="d") for n in "zy"
    }
    assert list(resolve_options(declared, {"z": "b"}).items()) == [("y", "a"), ("z", "b")]


@pytest.fixture
def demo_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(careengine.plugins.host, "default_plugins", lambda: (DEMO,))
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_OPTIONS"):
        monkeypatch.delenv(name, raising=False)


FLAVOUR_PLUGIN = """
from careengine import hookimpl


@hookimpl
def careengine_catalog(registry):
    registry.add_option("flavour", values=("plain", "strict"), default="plain",
                        description="how strict the clinic is")
"""


@pytest.mark.usefixtures("demo_cli")
def test_the_command_line_sets_lists_and_checks_options(tmp_path: Path) -> None:
    plugin = tmp_path / "flavour_plugin.py"
    plugin.write_text(FLAVOUR_PLUGIN, encoding="utf-8")
    source = tmp_path / "a.json"
    source.write_text(json.dumps(assessment_data(patient_id="p-opt")), encoding="utf-8")
    runner = CliRunner()
    base = ["--plugin", str(plugin)]

    result = runner.invoke(cli, ["evaluate", str(source), *base, "--option", "flavour=strict"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["provenance"]["options"] == {"flavour": "strict"}

    env = {"CAREENGINE_OPTIONS": "flavour=strict"}
    result = runner.invoke(cli, ["evaluate", str(source), *base], env=env)
    assert json.loads(result.output)["provenance"]["options"] == {"flavour": "strict"}

    result = runner.invoke(cli, ["evaluate", str(source), *base, "--option", "flavour=strikt"])
    assert result.exit_code == 2
    assert "option 'flavour' cannot be 'strikt'" in result.output
    assert "did you mean 'strict'?" in result.output

    result = runner.invoke(cli, ["plugins", "list", *base], env=env)
    assert "option flavour = strict (plain|strict; default plain)" in result.output
    listed = json.loads(runner.invoke(cli, ["plugins", "list", "--json", *base]).output)
    assert listed[0]["options"][0]["values"] == ["plain", "strict"]

    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["batch", str(tmp_path), "-o", str(out), *base, "--option", "flavour=strict"]
    )
    written = json.loads((out / "a.plan.json").read_text(encoding="utf-8"))
    assert written["provenance"]["options"] == {"flavour": "strict"}
    result = runner.invoke(
        cli, ["batch", str(tmp_path), "-o", str(out), *base, "--option", "flavor=strict"]
    )
    assert result.exit_code == 2
    assert "did you mean 'flavour'?" in result.output
