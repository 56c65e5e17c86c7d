"""Faults: a plugin raising in any hook is a PluginError naming it and leaves the engine usable; a
rule action raising is a RuleExecutionError naming the rule; a backend failing mid-evaluation is
a BackendError; after each, the same engine gives exactly the plans a fresh engine gives, on
both backends, with no durable-rules session left behind. (A batch with a poisoned file:
tests/test_faults_batch.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from careengine import BackendError, Engine, PluginError, RuleExecutionError
from careengine.cli import cli
from careengine.model import Assessment, DerivedFact, Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry, RendererRegistry, RulePackRegistry
from careengine.rules import Call, Derive, Match, Rule, When, derived, finding
from tests.plugins import catalog, variety
from tests.plugins.packs import RulePackPlugin
from tests.support import BACKENDS, assessment_data, dumps, make_engine, needs_durable

POISON = "p-poison"
HEALTHY = [
    assessment_data(findings=["thoracic_mobility_limited", "lumbar_hypomobility"], age=55),
    assessment_data(
        findings=[{"code": "glute_weakness", "side": "left", "severity": "severe"}],
        conditions=["pregnancy"],
    ),
    assessment_data(findings=["core_facilitation_poor"], red_flags=["saddle_anesthesia"]),
]


class Poisoned:
    """Raises in the evaluation-time hooks, but only for the poisoned patient."""

    __name__ = "poisoned"

    @hookimpl
    def careengine_derive_facts(self, assessment: Assessment) -> Iterator[DerivedFact]:
        if assessment.patient.id == POISON + "-derive":
            raise RuntimeError("derive exploded")
        yield DerivedFact(code="poisoned_checked")

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan | None:
        if assessment.patient.id == POISON + "-review":
            raise LookupError("review exploded")
        return None


class BrokenRenderer:
    __name__ = "broken_renderer"

    @hookimpl
    def careengine_renderers(self, registry: RendererRegistry) -> None:
        def render(plan: Plan, context: Any) -> str:
            raise ValueError(f"cannot render {plan.patient_id}")

        registry.add("broken", render, extension="txt", media_type="text/plain")


def plans(engine: Engine) -> list[str]:
    return [dumps(engine.evaluate(engine.load_assessment(data))) for data in HEALTHY]


def assert_clean(engine: Engine, *extra: object) -> None:
    """The engine still gives the plans of a fresh engine with the same plugins, and holds no
    session state."""
    fresh = make_engine(catalog, variety, Poisoned(), *extra, backend=engine.backend_name)
    assert plans(engine) == plans(fresh)
    if engine.backend_name == "durable":
        from tests.rules.test_durable_adapter import assert_no_live_session

        assert_no_live_session(engine)


# --- plugins raising while evaluating ------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("hook", "error"),
    [("derive", "RuntimeError: derive exploded"), ("review", "LookupError: review exploded")],
)
def test_a_plugin_raising_while_evaluating_names_it_and_the_engine_stays_usable(
    backend: str, hook: str, error: str
) -> None:
    engine = make_engine(catalog, variety, Poisoned(), backend=backend)
    before = plans(engine)
    poisoned = engine.load_assessment(
        assessment_data(patient_id=f"{POISON}-{hook}", findings=["glute_weakness"])
    )
    for _ in range(3):
        with pytest.raises(PluginError) as info:
            engine.evaluate(poisoned)
        hook_name = "careengine_derive_facts" if hook == "derive" else "careengine_review_plan"
        assert (info.value.plugin, info.value.hook) == ("poisoned", hook_name)
        assert str(info.value) == f"plugin poisoned in {hook_name}: raised {error}"
        assert info.value.exit_code == 1
        assert plans(engine) == before
    assert_clean(engine)


# --- plugins raising while the engine is built ----------------------------------------------


class RaisesInCatalog:
    __name__ = "raises_in_catalog"

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        raise RuntimeError("catalog exploded")


class RaisesInRulePacks:
    __name__ = "raises_in_rule_packs"

    @hookimpl
    def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
        raise RuntimeError("packs exploded")


class RaisesInRenderers:
    __name__ = "raises_in_renderers"

    @hookimpl
    def careengine_renderers(self, registry: RendererRegistry) -> None:
        raise RuntimeError("renderers exploded")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("plugin", "hook"),
    [
        (RaisesInCatalog(), "careengine_catalog"),
        (RaisesInRulePacks(), "careengine_rule_packs"),
        (RaisesInRenderers(), "careengine_renderers"),
    ],
    ids=["catalog", "rule_packs", "renderers"],
)
def test_a_plugin_raising_while_the_engine_is_built_names_it_and_harms_no_other_engine(
    backend: str, plugin: object, hook: str
) -> None:
    working = make_engine(catalog, variety, Poisoned(), backend=backend)
    before = plans(working)
    with pytest.raises(PluginError) as info:
        make_engine(catalog, variety, plugin, backend=backend)
    name = plugin.__name__  # type: ignore[attr-defined]
    assert (info.value.plugin, info.value.hook) == (name, hook)
    assert str(info.value).startswith(f"plugin {name} in {hook}: raised RuntimeError: ")
    assert plans(working) == before
    assert_clean(working)


def test_a_plugin_raising_in_the_commands_hook_exits_1_naming_it() -> None:
    class RaisesInCommands:
        __name__ = "raises_in_commands"

        @hookimpl
        def careengine_commands(self, cli: click.Group) -> None:
            raise RuntimeError("commands exploded")

    from careengine.plugins.host import get_plugin_manager

    host = get_plugin_manager(builtins=False, entry_points=False, extra=[RaisesInCommands()])
    with pytest.raises(PluginError) as info:
        host.commands(click.Group())
    assert str(info.value) == (
        "plugin raises_in_commands in careengine_commands: raised RuntimeError: commands exploded"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_renderer_raising_names_its_plugin_and_other_formats_still_render(backend: str) -> None:
    engine = make_engine(catalog, variety, Poisoned(), BrokenRenderer(), backend=backend)
    plan = engine.evaluate(engine.load_assessment(HEALTHY[0]))
    with pytest.raises(PluginError) as info:
        engine.render(plan, "broken")
    assert (info.value.plugin, info.value.hook) == ("broken_renderer", "careengine_renderers")
    assert str(info.value) == (
        "plugin broken_renderer in careengine_renderers: renderer 'broken' raised "
        "ValueError: cannot render p-test"
    )
    assert json.loads(engine.render(plan, "json"))["patient_id"] == "p-test"
    assert_clean(engine, BrokenRenderer())


def test_the_cli_reports_a_plugin_raising_in_one_line_with_exit_1(tmp_path: Path) -> None:
    plugin = tmp_path / "explodes.py"
    plugin.write_text(
        "from careengine.plugins.hookspecs import hookimpl\n"
        "@hookimpl\n"
        "def careengine_derive_facts(assessment):\n"
        "    raise RuntimeError('boom')\n",
        encoding="utf-8",
    )
    source = tmp_path / "a.json"
    source.write_text(json.dumps(HEALTHY[0]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(source), "--plugin", str(plugin)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "error: plugin explodes in careengine_derive_facts: raised RuntimeError: boom"
    ]


# --- rule actions raising --------------------------------------------------------------------


def explode_when_chained(match: Match) -> list[Derive]:
    raise ZeroDivisionError("chained action exploded")


CHAINED = RulePackPlugin(
    "chained",
    [
        Rule(
            id="first",
            because="derives a fact for the second round",
            when=When(all=(finding("glute_weakness", side="right"),)),
            then=(Derive(code="chain_step"),),
        ),
        Rule(
            id="second",
            because="raises in the second round of forward chaining",
            when=When(all=(derived("chain_step"),)),
            then=(Call(fn=explode_when_chained),),
        ),
    ],
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_action_raising_mid_chain_is_a_rule_execution_error_and_leaves_no_state(
    backend: str,
) -> None:
    engine = make_engine(catalog, variety, Poisoned(), CHAINED, backend=backend)
    before = plans(engine)
    trigger = engine.load_assessment(
        assessment_data(findings=[{"code": "glute_weakness", "side": "right"}, "fear_avoidance"])
    )
    for _ in range(3):
        with pytest.raises(RuleExecutionError) as info:
            engine.evaluate(trigger)
        assert info.value.rule_id == "chained.second"
        assert str(info.value) == (
            "rule chained.second: action explode_when_chained raised ZeroDivisionError: "
            "chained action exploded"
        )
        assert plans(engine) == before
    if backend == "durable":
        from tests.rules.test_durable_adapter import assert_no_live_session

        assert_no_live_session(engine)


# --- the backend failing mid-evaluation --------------------------------------------------------


@needs_durable
def test_durable_rules_failing_mid_evaluation_is_a_backend_error_and_the_engine_recovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from careengine.rules import durable_backend

    engine = make_engine(catalog, variety, Poisoned(), backend="durable")
    before = plans(engine)
    real = durable_backend._dre.assert_facts
    calls = {"n": 0}

    def flaky(handle: int, payload: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise durable_backend._dre.error("simulated failure")
        return real(handle, payload)

    monkeypatch.setattr(durable_backend._dre, "assert_facts", flaky)
    with pytest.raises(BackendError, match="durable-rules refused the facts: simulated failure"):
        for data in HEALTHY:
            engine.evaluate(engine.load_assessment(data))
    monkeypatch.setattr(durable_backend._dre, "assert_facts", real)
    assert plans(engine) == before
    assert_clean(engine)
