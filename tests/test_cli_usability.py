"""Command-line conveniences: ``-h`` everywhere, ``--format`` naming its choices, and ``rules lint
--strict`` judging only the packs it is given (the built-in ones are context)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from careengine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CLINIC = ROOT / "examples" / "clinic_plugin"
FORMATS = ("fhir", "html", "json", "markdown", "text")


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


ALL = [(), *commands(cli)]


@pytest.mark.parametrize("words", ALL, ids=lambda w: " ".join(w) or "careengine")
def test_dash_h_is_help_on_every_command_and_group(words: tuple[str, ...]) -> None:
    runner = CliRunner()
    short = runner.invoke(cli, [*words, "-h"])
    long = runner.invoke(cli, [*words, "--help"])
    assert short.exit_code == 0, short.output
    assert short.output == long.output
    assert short.output.startswith("Usage: ")


def test_every_command_is_covered() -> None:
    assert {"evaluate", "reassess", "batch", "explain", "schema"} <= {w[0] for w in ALL if w}
    assert ("rules", "lint") in ALL and ("plugins", "list") in ALL


@pytest.mark.parametrize("command", ["evaluate", "reassess"])
def test_format_lists_its_choices_in_help_and_in_the_error(command: str) -> None:
    runner = CliRunner()
    help_text = " ".join(runner.invoke(cli, [command, "--help"]).output.split())
    assert "Output format: " + ", ".join(FORMATS) in help_text
    files = ["examples/assessments/desk-worker.json"] * (2 if command == "reassess" else 1)
    bad = runner.invoke(cli, [command, "--format", "pdf", *files])
    assert bad.exit_code == 2
    assert f"unknown format 'pdf'; available: {', '.join(FORMATS)}" in bad.output


def test_strict_lint_of_a_clinic_pack_ignores_warnings_about_the_built_in_packs() -> None:
    everything = CliRunner().invoke(cli, ["rules", "lint"])
    assert "warning [unused-intervention]" in everything.output  # the built-in catalog's
    result = CliRunner().invoke(cli, ["rules", "lint", "--strict", "examples/rules"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 error(s), 0 warning(s)"


def test_strict_lint_still_fails_on_a_warning_about_the_given_pack(tmp_path: Path) -> None:
    pack = (ROOT / "examples" / "rules" / "clinic-example.toml").read_text(encoding="utf-8")
    first = pack.index("[[rules]]")
    rule = pack[first : pack.index("[[rules]]", first + 1)]
    again = rule.replace('id = "', 'id = "again-', 1)
    (tmp_path / "mine.toml").write_text(pack + "\n" + again, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "lint", "--strict", str(tmp_path)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "0 error(s), 1 warning(s)"
    assert lines[0].startswith(f"warning [duplicate-rule] {tmp_path / 'mine.toml'}: ")


def test_lint_of_a_clinic_plugin_and_its_own_pack_lints_the_pack_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(CLINIC))
    for name in [m for m in sys.modules if m.startswith("careengine_clinic_example")]:
        monkeypatch.delitem(sys.modules, name)
    rules = CLINIC / "careengine_clinic_example" / "rules"
    result = CliRunner().invoke(
        cli,
        ["rules", "lint", "--strict", "--plugin", "careengine_clinic_example.plugin", str(rules)],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 error(s), 0 warning(s)"
