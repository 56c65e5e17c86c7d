"""The ``careengine`` command line. Thin: it parses, calls the library, renders, maps errors.

Exit codes: 0 success (a plan with status ``referral`` is a success), 1 rules or plugins broken,
2 invalid input or usage. Errors are printed one line per problem on stderr, never as a
traceback unless ``CAREENGINE_DEBUG=1``; a line break or control character inside a problem (from
a file name, say) is neutralised, so one problem is always one line. Every output file is written
atomically (:mod:`careengine.atomic_write`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from careengine.atomic_write import output_error, write_atomic
from careengine.batch import EngineSpec, collect_tasks, run_batch
from careengine.catalog_listing import KINDS, catalog_entries, entry_line
from careengine.engine import Engine
from careengine.errors import CareEngineError, ConfigurationError
from careengine.explain import explain, explanation_to_dict, render_explanation
from careengine.plugins import PluginInfo, get_plugin_manager
from careengine.registry import Renderer
from careengine.render.safe_text import clean_output, one_line
from careengine.rules.backend import BACKENDS
from careengine.schema import assessment_schema, plan_schema
from careengine.settings import debug, engine_settings
from careengine.version import __version__

F = TypeVar("F", bound=Callable[..., Any])


def plugin_filters() -> dict[str, Any]:
    """``allow`` and ``block`` of the plugin host, from CAREENGINE_PLUGINS and
    CAREENGINE_DISABLE_PLUGINS (comma-separated names; :mod:`careengine.settings`)."""
    return engine_settings()


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
    rules: Sequence[Path] = (), plugins: Sequence[str] = (), backend: str = "auto", **extra: Any
) -> Engine:
    """The command's engine: :meth:`Engine.from_env` (the CAREENGINE_* settings) with the
    command's options, exactly as a service calling ``Engine.from_env`` builds it."""
    return Engine.from_env(rules=list(rules), plugins=list(plugins), backend=backend, **extra)


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
    or looked up, so that a plugin's command appears in ``--help`` and runs like a built-in."""

    _plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        try:
            get_plugin_manager(**plugin_filters()).commands(self)
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


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (or directory).")
@allow_unknown_option
@click.option(
    "--input-format",
    type=click.Choice(["json", "fhir"]),
    default="json",
    show_default=True,
    help="Assessment JSON, or a FHIR R4 Bundle (docs/fhir.md).",
)
@engine_options
@guarded
def evaluate(
    files: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    allow_unknown: bool,
    input_format: str,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Evaluate assessment FILE(s) and print (or write) the plan."""
    engine = build_engine(rules, plugins, backend)
    renderer = renderer_for(engine, fmt)
    to_dir = output is not None and (len(files) > 1 or output.is_dir())
    if to_dir and output is not None:
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(output, exc) from exc
    for path in files:
        if input_format == "fhir":
            from careengine.fhir import load_bundle

            assessment = load_bundle(
                path, engine.catalog, allow_unknown=allow_unknown, checker=engine.schema_checker
            )
        else:
            assessment = engine.load_assessment(path, allow_unknown=allow_unknown)
        plan = engine.evaluate(assessment)
        text = engine.render(plan, fmt)
        if output is None:
            click.echo(text, nl=False)
        elif to_dir:
            write_atomic(output / f"{path.stem}.plan.{renderer.extension}", text)
        else:
            write_atomic(output, text)


def engine_spec(rules: Sequence[Path], plugins: Sequence[str], backend: str) -> EngineSpec:
    """What :func:`build_engine` builds, as a picklable spec for batch worker processes."""
    return EngineSpec(
        rules=tuple(str(r) for r in rules),
        plugins=tuple(plugins),
        backend=backend,
        **plugin_filters(),
    )


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


@cli.command()
@click.argument("source", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    metavar="OUTDIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the plans and batch-report.json.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes.",
)
@allow_unknown_option
@engine_options
@guarded
def batch(
    source: Path,
    outdir: Path,
    jobs: int,
    allow_unknown: bool,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Evaluate every assessment in INPUT (a directory of .json files or a .jsonl file).

    Writes OUTDIR/<stem>.plan.json per input (for JSONL: <patient id>.plan.json) and
    OUTDIR/batch-report.json. A bad input is reported and the rest are still processed.
    """
    tasks = collect_tasks(source)
    progress = (
        click.progressbar(length=len(tasks), label="evaluating", file=sys.stderr)
        if _stderr_is_tty()
        else None
    )
    with progress or contextlib.nullcontext():
        report = run_batch(
            source,
            outdir,
            spec=engine_spec(rules, plugins, backend),
            jobs=jobs,
            allow_unknown=allow_unknown,
            tasks=tasks,
            on_outcome=(lambda _: progress.update(1)) if progress is not None else None,
        )
    for failure in report.failed:
        for line in failure.errors:
            click.echo(f"error: {one_line(f'{failure.input}: {line}')}", err=True)
    click.echo(
        f"batch: {report.ok} plans, {len(report.failed)} failed, "
        f"{report.plans_per_second:.1f} plans/s",
        err=True,
    )
    sys.exit(report.exit_code)


@cli.command("explain")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@allow_unknown_option
@engine_options
@guarded
def explain_command(
    file: Path,
    as_json: bool,
    allow_unknown: bool,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Why each item of FILE's plan is there, and what was excluded and why."""
    engine = build_engine(rules, plugins, backend)
    explanation = explain(engine, engine.load_assessment(file, allow_unknown=allow_unknown))
    if as_json:
        click.echo(json.dumps(explanation_to_dict(explanation), indent=2, ensure_ascii=False))
    else:
        click.echo(clean_output(render_explanation(explanation)), nl=False)


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


@cli.group()
def plugins() -> None:
    """Inspect plugins."""


def _info_dict(info: PluginInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "version": info.version,
        "distribution": info.distribution,
        "hooks": list(info.hooks),
        "builtin": info.builtin,
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
    """List loaded plugins with their versions and hooks."""
    engine = build_engine(rules, plugins, backend)
    infos = [i for i in engine.plugins.values() if show_all or not i.builtin]
    if as_json:
        click.echo(json.dumps([_info_dict(i) for i in infos], indent=2))
        return
    if not infos:
        click.echo("no plugins installed (use --all to include the built-in ones)")
    for info in infos:
        dist = f" [{info.distribution}]" if info.distribution else ""
        click.echo(f"{info.name} {info.version}{dist}: {', '.join(info.hooks)}")


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


@cli.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.argument("followup", type=click.Path(path_type=Path))
@format_option
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
@click.option(
    "--gates",
    "gates_file",
    type=click.Path(path_type=Path),
    metavar="FILE.toml",
    help="Reassessment gates (docs/reassessment.md); docs/design.md section 8 defaults otherwise.",
)
@allow_unknown_option
@engine_options
@guarded
def reassess(
    plan: Path,
    followup: Path,
    fmt: str,
    output: Path | None,
    gates_file: Path | None,
    allow_unknown: bool,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Reassess: the previous PLAN and a FOLLOWUP assessment give the next plan."""
    from careengine.progression import load_gates

    gates = load_gates(gates_file) if gates_file is not None else None
    engine = build_engine(rules, plugins, backend, gates=gates)
    renderer_for(engine, fmt)  # an unknown format fails before any input is read
    text = engine.render(engine.reassess(plan, followup, allow_unknown=allow_unknown), fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="careengine")
