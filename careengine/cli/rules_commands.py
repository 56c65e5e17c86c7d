"""``careengine rules lint`` and ``careengine rules test``: check rule packs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from careengine.cli.app import (
    build_engine,
    cli,
    engine_options,
    guarded,
    json_option,
    plugin_filters,
)


@cli.group()
def rules() -> None:
    """Check rule packs: lint them, run golden cases."""


@rules.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@json_option
@click.option("--strict", is_flag=True, help="Fail on warnings (about the PATH(s) given) too.")
@click.option("--plugin", "plugins", multiple=True, metavar="MODULE_OR_PATH", help="Extra plugin.")
@guarded
def rules_lint(
    paths: tuple[Path, ...], as_json: bool, strict: bool, plugins: tuple[str, ...]
) -> None:
    """Lint the packs at PATH(s) together with every installed pack.

    With PATH(s), the installed packs are context only: every error is reported (an engine
    would refuse it) but warnings only about the files given, so --strict judges your packs.
    Without PATH(s), everything installed is linted."""
    from careengine.rules.lint import lint_installed

    findings = lint_installed(list(paths), plugins=list(plugins), **plugin_filters())
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if as_json:
        click.echo(
            json.dumps(
                {
                    "errors": errors,
                    "warnings": warnings,
                    "findings": [f.as_dict() for f in findings],
                },
                indent=2,
            )
        )
    else:
        for f in findings:
            click.echo(str(f))
        click.echo(f"{errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        sys.exit(1)


@rules.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@engine_options
@guarded
def rules_test(
    paths: tuple[Path, ...], rules: tuple[Path, ...], plugins: tuple[str, ...], backend: str
) -> None:
    """Run the golden cases in PATH(s) (case files, or directories of *.case.toml)."""
    from careengine.rules.golden import run_case_files

    engine = build_engine(rules, plugins, backend)
    results = run_case_files(engine, list(paths))
    failed = 0
    for result in results:
        label = f"{result.case.file}: {result.case.name}"
        if result.passed:
            click.echo(f"PASS {label}")
            continue
        failed += 1
        click.echo(f"FAIL {label}")
        if result.error:
            click.echo(f"    error: {result.error}")
        for failure in result.failures:
            click.echo(f"    {failure}")
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed or not results:
        sys.exit(1)
