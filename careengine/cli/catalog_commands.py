"""``careengine catalog`` and ``careengine schema``: the loaded vocabulary and the JSON Schemas of
the formats."""

from __future__ import annotations

import json
from pathlib import Path

import click

from careengine.cli.app import (
    build_engine,
    cli,
    engine_options,
    guarded,
    json_option,
)
from careengine.io.schema import assessment_schema, plan_schema
from careengine.render.catalog_listing import KINDS, catalog_entries, entry_line
from careengine.render.safe_text import one_line


@cli.command("catalog")
@click.argument("kind", required=False)
@json_option
@engine_options
@guarded
def catalog_command(
    kind: str | None,
    as_json: bool,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """List the loaded vocabulary of one KIND, or count every kind.

    KIND: stages, findings, conditions, red_flags, measures, interventions or alerts."""
    engine = build_engine(rules, plugins, backend)
    if kind is None:
        everything = {k: catalog_entries(engine, k) for k in KINDS}
        if as_json:
            click.echo(json.dumps(everything, indent=2, ensure_ascii=False))
        else:
            for name, entries in everything.items():
                click.echo(f"{name}: {len(entries)}")
        return
    entries = catalog_entries(engine, kind)
    if as_json:
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
    else:
        for entry in entries:
            click.echo(one_line(entry_line(kind, entry)))


@cli.command("schema")
@click.argument("which", type=click.Choice(["assessment", "followup", "plan"]))
@click.option(
    "--allow-unknown", is_flag=True, help="The assessment variant that accepts any finding code."
)
@engine_options
@guarded
def schema_command(
    which: str,
    allow_unknown: bool,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Print the JSON Schema (draft 2020-12) of an assessment, a follow-up or a plan,
    with the loaded catalog's codes as enums."""
    engine = build_engine(rules, plugins, backend)
    schema = (
        plan_schema(engine.catalog)
        if which == "plan"
        else assessment_schema(
            engine.catalog, followup=which == "followup", allow_unknown=allow_unknown
        )
    )
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))
