"""A CLI command added by a plugin (``careengine_commands``)."""

from __future__ import annotations

import click

from careengine.plugins.hookspecs import hookimpl


@click.command("hello")
@click.option("--name", default="clinic")
def hello(name: str) -> None:
    """Say hello (a command contributed by a test plugin)."""
    click.echo(f"hello from a plugin, {name}")


@hookimpl
def careengine_commands(cli: click.Group) -> None:
    cli.add_command(hello)
