"""Plugins installed as distributions (the ``careengine`` entry-point group), in-process: a fake
distribution is written to a temporary directory and discovered like an installed one. What
``plugins list`` shows, what a default engine records, what happens when an installed plugin
breaks, and how to switch it off."""

from __future__ import annotations

import importlib.metadata
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import careengine.plugins.host
from careengine import Engine, PluginError, __version__
from careengine.cli import cli
from careengine.render.serialize import dumps
from tests.support import DEMO, assessment_data

MODULE = "fake_clinic_plugin"
WORKS = """
from careengine import hookimpl

@hookimpl
def careengine_renderers(registry):
    registry.add("fake", lambda plan, context: f"fake {plan.patient_id}\\n",
                 extension="fake.txt", media_type="text/plain")

@hookimpl
def careengine_review_plan(plan):
    return None
"""
FAILS_TO_IMPORT = "raise RuntimeError('the clinic server is unreachable')\n"
RAISES_IN_A_HOOK = """
from careengine import hookimpl

@hookimpl
def careengine_review_plan(plan):
    return plan.no_such_attribute
"""

Install = Callable[[str], None]


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Install:
    """Install a distribution ``fake-clinic`` 2.3.4 whose entry point ``fake_clinic`` is a module
    with the given source; built-ins are the demo knowledge base."""
    monkeypatch.setattr(careengine.plugins.host, "default_plugins", lambda: (DEMO,))
    monkeypatch.setattr(careengine.cli.cli, "commands", dict(careengine.cli.cli.commands))
    monkeypatch.setattr(careengine.cli.cli, "_plugins_loaded", False)
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)

    def write(source: str) -> None:
        info = tmp_path / "fake_clinic-2.3.4.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: fake-clinic\nVersion: 2.3.4\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(
            f"[careengine]\nfake_clinic = {MODULE}\n", encoding="utf-8"
        )
        (tmp_path / f"{MODULE}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, MODULE, raising=False)

        def discovered() -> list[importlib.metadata.EntryPoint]:
            dists = importlib.metadata.distributions(path=[str(tmp_path)])
            return [ep for d in dists for ep in d.entry_points if ep.group == "careengine"]

        monkeypatch.setattr(careengine.plugins.host, "installed_plugins", discovered)

    return write


def write_assessment(directory: Path, data: dict[str, object]) -> Path:
    path = directory / "a.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_plugins_list_shows_name_version_distribution_and_hooks(install: Install) -> None:
    install(WORKS)
    result = run("plugins", "list")
    assert (result.exit_code, result.stdout) == (
        0,
        "fake_clinic 2.3.4 [fake-clinic]: careengine_renderers, careengine_review_plan\n",
    )
    assert json.loads(run("plugins", "list", "--json").stdout) == [
        {
            "name": "fake_clinic",
            "version": "2.3.4",
            "distribution": "fake-clinic",
            "hooks": ["careengine_renderers", "careengine_review_plan"],
            "builtin": False,
            "options": [],
        }
    ]
    listed = run("plugins", "list", "--all").stdout.splitlines()
    assert listed == [
        f"careengine.render.builtin {__version__} [careengine]: careengine_renderers",
        f"{DEMO} {__version__} [careengine]: careengine_catalog, careengine_rule_packs",
        "fake_clinic 2.3.4 [fake-clinic]: careengine_renderers, careengine_review_plan",
    ]


def test_a_default_engine_loads_it_and_every_plan_records_its_version(install: Install) -> None:
    install(WORKS)
    engine = Engine()
    info = engine.plugins["fake_clinic"]
    assert (info.source, info.version, info.distribution) == ("entry_point", "2.3.4", "fake-clinic")
    plan = engine.evaluate(engine.load_assessment(assessment_data(patient_id="p-ep")))
    assert plan.provenance.plugins["fake_clinic"] == "2.3.4"
    assert engine.render(plan, "fake") == "fake p-ep\n"
    plain = Engine(entry_points=False)
    assert "fake_clinic" not in plain.plugins
    without = plain.evaluate(plain.load_assessment(assessment_data(patient_id="p-ep")))
    assert plan.provenance.fingerprint != without.provenance.fingerprint


def test_a_plugin_that_fails_to_import_stops_every_command_naming_it(
    install: Install, tmp_path: Path
) -> None:
    install(FAILS_TO_IMPORT)
    source = write_assessment(tmp_path, assessment_data())
    message = (
        "error: plugin fake_clinic (distribution fake-clinic): failed to import: "
        "RuntimeError: the clinic server is unreachable\n"
    )
    for args in (["evaluate", str(source)], ["plugins", "list"]):
        result = run(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    with pytest.raises(PluginError) as info:
        Engine()
    assert (info.value.plugin, info.value.distribution) == ("fake_clinic", "fake-clinic")


def test_a_plugin_that_raises_in_a_hook_fails_the_evaluation_naming_it(
    install: Install, tmp_path: Path
) -> None:
    install(RAISES_IN_A_HOOK)
    source = write_assessment(tmp_path, assessment_data())
    result = run("evaluate", str(source))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: plugin fake_clinic (distribution fake-clinic) in careengine_review_plan: "
        "raised AttributeError: 'Plan' object has no attribute 'no_such_attribute'\n"
    )


@pytest.mark.parametrize(
    "env",
    [
        {"CAREENGINE_DISABLE_PLUGINS": "fake-clinic"},  # by distribution
        {"CAREENGINE_DISABLE_PLUGINS": "fake_clinic"},  # by plugin name
        {"CAREENGINE_PLUGINS": "someone_else"},  # an allow-list without it
    ],
)
def test_a_broken_plugin_can_be_switched_off(
    install: Install, tmp_path: Path, env: dict[str, str]
) -> None:
    install(FAILS_TO_IMPORT)
    data = assessment_data(patient_id="p-off", findings=["glute_weakness"])
    source = write_assessment(tmp_path, data)
    result = run("evaluate", str(source), env=env)
    assert result.exit_code == 0, result.stderr
    expected = Engine(entry_points=False)
    assert result.stdout == dumps(expected.evaluate(expected.load_assessment(data)))
    assert "fake_clinic" not in Engine(block=["fake-clinic"]).plugins
