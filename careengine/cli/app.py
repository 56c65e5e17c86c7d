"""The ``careengine`` command group and what its commands share: engine and output options, the
error mapping (:func:`fail`, :func:`guarded`), the engine a command builds, and ``main``.

Exit codes: 0 success (a plan with status ``referral`` is a success), 1 rules or plugins broken,
2 invalid input or usage. Errors are printed one line per problem on stderr, never as a
traceback unless ``CAREENGINE_DEBUG=1``; a line break or control character inside a problem (from
a file name, say) is neutralised, so one problem is always one line.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import attrs
import click

from careengine import settings
from careengine.engine import Engine
from careengine.errors import CareEngineError, ConfigurationError
from careengine.plugins.host import get_plugin_manager
from careengine.plugins.options import parse_options
from careengine.plugins.registry import Renderer
from careengine.render.safe_text import one_line
from careengine.rules.backend import BACKENDS
from careengine.settings import debug
from careengine.version import __version__

F = TypeVar("F", bound=Callable[..., Any])


def plugin_filters() -> dict[str, Any]:
    """``allow`` and ``block`` of the plugin host, from CAREENGINE_PLUGINS and
    CAREENGINE_DISABLE_PLUGINS (comma-separated names; :mod:`careengine.settings`)."""
    return settings.plugin_filters()


def fail(exc: CareEngineError) -> None:
    """Print one line per problem and exit with the error's code."""
    if debug():
        raise exc
    for line in exc.lines():
        click.echo(f"error: {one_line(line)}", err=True)
    sys.exit(exc.exit_code)


def guarded(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CareEngineError as exc:
            fail(exc)
        except Exception:
            if debug():
                raise
            click.echo("error: internal error (set CAREENGINE_DEBUG=1 for the traceback)", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def engine_options(fn: F) -> F:
    """--rules, --plugin and --backend for every command that builds an engine."""
    fn = click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        default="auto",
        show_default=True,
        help="Rule backend.",
    )(fn)
    fn = click.option(
        "--plugin",
        "plugins",
        multiple=True,
        metavar="MODULE_OR_PATH",
        help="Load an extra plugin (module name or .py file). Repeatable.",
    )(fn)
    fn = click.option(
        "--rules",
        "rules",
        multiple=True,
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="Load rule packs from a directory or .toml file. Repeatable.",
    )(fn)
    return fn


def programme_options(fn: F) -> F:
    """--max-exercises-per-stage and --allow-same-purpose: what a stage holds
    (docs/design.md section 5); every command that makes a plan takes them."""
    fn = click.option(
        "--allow-same-purpose",
        is_flag=True,
        help="Keep two levels of one exercise (one progresses to the other) in one stage.",
    )(fn)
    fn = click.option(
        "--max-exercises-per-stage",
        type=click.IntRange(min=1),
        default=5,
        show_default=True,
        help="Exercises a stage holds at a time; the rest are deferred.",
    )(fn)
    return fn


def clinic_options(fn: F) -> F:
    """``--option NAME=VALUE`` (repeatable) for the commands that make plans: the value of a
    clinic option a plugin declares (:mod:`careengine.plugins.options`)."""
    return click.option(
        "--option",
        "option_pairs",
        multiple=True,
        metavar="NAME=VALUE",
        help="Set a clinic option a plugin declares (`careengine plugins list` shows them), "
        "e.g. startback_pathway=full. Repeatable; adds to CAREENGINE_OPTIONS.",
    )(fn)


@attrs.frozen(kw_only=True)
class PlanChoice:
    """What a plan-making command's ``--option``, ``--max-exercises-per-stage`` and
    ``--allow-same-purpose`` chose, as one value (:func:`plan_options`)."""

    option_pairs: tuple[str, ...] = ()
    max_exercises_per_stage: int = 5
    allow_same_purpose: bool = False

    def programme(self) -> dict[str, Any]:
        """The :class:`Engine` keywords of what a stage holds."""
        return {
            "max_exercises_per_stage": self.max_exercises_per_stage,
            "allow_same_purpose": self.allow_same_purpose,
        }


def plan_options(fn: F) -> F:
    """:func:`programme_options` and :func:`clinic_options` for a command that makes plans,
    handed to it as one ``choice: PlanChoice`` argument."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        option_pairs: tuple[str, ...],
        max_exercises_per_stage: int,
        allow_same_purpose: bool,
        **kwargs: Any,
    ) -> Any:
        choice = PlanChoice(
            option_pairs=option_pairs,
            max_exercises_per_stage=max_exercises_per_stage,
            allow_same_purpose=allow_same_purpose,
        )
        return fn(*args, choice=choice, **kwargs)

    return programme_options(clinic_options(cast(F, wrapper)))


allow_unknown_option = click.option(
    "--allow-unknown", is_flag=True, help="List unknown finding codes instead of failing."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


class FormatOption(click.Option):
    """``--format``: its help lists the formats of the built-in and installed renderers (a
    ``--plugin`` may add more; an unknown format's error lists the loaded engine's)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        try:
            names = sorted(get_plugin_manager(**plugin_filters()).renderers())
        except CareEngineError:
            names = []
        if names:
            self.help = f"Output format: {', '.join(names)} (a --plugin may add more)."
        return super().get_help_record(ctx)


format_option = click.option(
    "--format",
    "fmt",
    cls=FormatOption,
    default="json",
    show_default=True,
    metavar="FORMAT",
    help="Output format.",
)


def build_engine(
    rules: Sequence[Path] = (),
    plugins: Sequence[str] = (),
    backend: str = "auto",
    option_pairs: Sequence[str] = (),
    *,
    choice: PlanChoice | None = None,
    **extra: Any,
) -> Engine:
    """The command's engine: :meth:`Engine.from_env` (the CAREENGINE_* settings) with the
    command's options (``option_pairs``: ``--option NAME=VALUE`` texts, the documented argument
    of plugin commands) and, for the built-in plan commands, their ``choice`` (its option texts
    follow ``option_pairs``, and its stage options), exactly as a service calling
    ``Engine.from_env`` builds it."""
    choice = choice or PlanChoice()
    return Engine.from_env(
        rules=list(rules),
        plugins=list(plugins),
        backend=backend,
        options=parse_options([*option_pairs, *choice.option_pairs]),
        **choice.programme(),
        **extra,
    )


def renderer_for(engine: Engine, fmt: str) -> Renderer:
    """The renderer of ``fmt``, looked up before any input is read."""
    renderer = engine.renderers.get(fmt)
    if renderer is None:
        raise ConfigurationError(
            f"unknown format {fmt!r}; available: {', '.join(sorted(engine.renderers))}"
        )
    return renderer


def _version_callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"careengine {__version__}")
    try:
        engine = build_engine()
    except CareEngineError as exc:
        fail(exc)
    click.echo(f"backend: {engine.backend_name}")
    for info in engine.plugins.values():
        click.echo(f"plugin {info.name} {info.version}")
    for pack in engine.packs:
        click.echo(f"pack {pack.id} {pack.version}")
    ctx.exit(0)


class CareEngineGroup(click.Group):
    """Adds the plugins' commands (``careengine_commands``) the first time commands are listed
    or looked up, so that a plugin's command appears in ``--help`` and runs like a built-in.

    The built-in commands are registered on the group directly, and neither the core nor the
    built-in plugins implement ``careengine_commands`` (a test keeps it so): the commands come
    from a host of the installed entry points only (``CAREENGINE_PLUGINS`` and
    ``CAREENGINE_DISABLE_PLUGINS`` applied), without importing the knowledge base a second
    time."""

    _plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        try:
            get_plugin_manager(builtins=False, core=False, **plugin_filters()).commands(self)
        except CareEngineError as exc:
            fail(exc)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugin_commands()
        return super().get_command(ctx, cmd_name)


@click.group(cls=CareEngineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version_callback,
    help="Show the version, the loaded plugins and rule packs, and exit.",
)
def cli() -> None:
    """Turn a physical therapist's low back pain assessment into a staged care plan."""


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="careengine")
