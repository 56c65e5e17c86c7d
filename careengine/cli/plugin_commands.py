"""``careengine plugins list``: the loaded plugins, their versions, hooks and clinic options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from careengine.cli.app import (
    build_engine,
    cli,
    engine_options,
    guarded,
    json_option,
)
from careengine.engine import Engine
from careengine.plugins.host import PluginInfo


@cli.group()
def plugins() -> None:
    """Inspect plugins."""


def _options(engine: Engine, info: PluginInfo) -> list[dict[str, Any]]:
    """The clinic options a plugin declares, with the engine's value of each."""
    return [
        {
            "name": o.name,
            "values": list(o.values),
            "default": o.default,
            "value": engine.plugin_options[o.name],
            "description": o.description,
        }
        for o in engine.catalog.options.values()
        if o.plugin == info.name
    ]


def _info_dict(engine: Engine, info: PluginInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "version": info.version,
        "distribution": info.distribution,
        "hooks": list(info.hooks),
        "builtin": info.builtin,
        "options": _options(engine, info),
    }


@plugins.command("list")
@json_option
@click.option("--all", "show_all", is_flag=True, help="Include built-in plugins.")
@engine_options
@guarded
def plugins_list(
    as_json: bool,
    show_all: bool,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """List loaded plugins with their versions, hooks and clinic options (each option with its
    allowed values, its default and the value CAREENGINE_OPTIONS gives it)."""
    engine = build_engine(rules, plugins, backend)
    infos = [i for i in engine.plugins.values() if show_all or not i.builtin]
    if as_json:
        click.echo(json.dumps([_info_dict(engine, i) for i in infos], indent=2))
        return
    if not infos:
        click.echo("no plugins installed (use --all to include the built-in ones)")
    for info in infos:
        dist = f" [{info.distribution}]" if info.distribution else ""
        click.echo(f"{info.name} {info.version}{dist}: {', '.join(info.hooks)}")
        for o in _options(engine, info):
            click.echo(
                f"  option {o['name']} = {o['value']} ({'|'.join(o['values'])}; default "
                f"{o['default']}): {o['description']}"
            )
