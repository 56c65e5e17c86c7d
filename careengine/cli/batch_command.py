"""``careengine batch``: many assessments in, a plan file each and ``batch-report.json``
(:mod:`careengine.batch`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from careengine.cli.app import (
    PlanChoice,
    allow_unknown_option,
    cli,
    engine_options,
    guarded,
    plan_options,
    plugin_filters,
)
from careengine.errors import ConfigurationError
from careengine.plugins.options import parse_options
from careengine.render.safe_text import one_line
from careengine.settings import engine_settings

if TYPE_CHECKING:
    from careengine.batch import BatchReport, EngineSpec


def engine_spec(
    rules: Sequence[Path], plugins: Sequence[str], backend: str, choice: PlanChoice | None = None
) -> EngineSpec:
    """What :func:`build_engine` builds, as a picklable spec for batch worker processes."""
    from careengine.batch import EngineSpec  # the batch machinery loads only for `batch`

    choice = choice or PlanChoice()
    options = {**engine_settings()["options"], **parse_options(choice.option_pairs)}
    return EngineSpec(
        rules=tuple(str(r) for r in rules),
        plugins=tuple(plugins),
        backend=backend,
        options=options,
        **plugin_filters(),
        **choice.programme(),
    )


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def _dask_runner(address: str, timeout: float) -> Callable[..., BatchReport]:
    """``run_batch`` on Dask, or exit 2 when the extra is missing."""
    try:
        from careengine.batch.dask_run import run_dask_batch
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] in {"dask", "distributed"}:
            raise ConfigurationError(
                "install careengine[dask] to run a batch on Dask (--dask)"
            ) from exc
        raise

    def run(source: Path, outdir: Path, *, jobs: int, **kwargs: Any) -> BatchReport:
        return run_dask_batch(source, outdir, address=address, timeout=timeout, **kwargs)

    return run


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
    help="Worker processes on this machine (not with --dask).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    default=None,
    help="Evaluate on the dask.distributed cluster whose scheduler is at ADDRESS "
    "(OUTDIR shared by every worker; docs/batch.md). Needs careengine[dask].",
)
@click.option(
    "--dask-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the Dask scheduler and its first worker.",
)
@allow_unknown_option
@plan_options
@engine_options
@guarded
def batch(
    source: Path,
    outdir: Path,
    jobs: int,
    dask_address: str | None,
    dask_timeout: float,
    allow_unknown: bool,
    choice: PlanChoice,
    rules: tuple[Path, ...],
    plugins: tuple[str, ...],
    backend: str,
) -> None:
    """Evaluate every assessment in INPUT (a directory of .json files or a .jsonl file).

    Writes OUTDIR/<stem>.plan.json per input (for JSONL: <patient id>.plan.json) and
    OUTDIR/batch-report.json. A bad input is reported and the rest are still processed.
    Runs here (--jobs N) or on a Dask cluster (--dask ADDRESS); see docs/batch.md.
    """
    from careengine.batch import collect_tasks, run_batch

    if dask_address is not None and jobs > 1:
        raise ConfigurationError("--dask and --jobs N (N > 1) cannot be combined")
    run = _dask_runner(dask_address, dask_timeout) if dask_address is not None else run_batch
    tasks = collect_tasks(source)
    progress = (
        click.progressbar(length=len(tasks), label="evaluating", file=sys.stderr)
        if _stderr_is_tty()
        else None
    )
    with progress or contextlib.nullcontext():
        report = run(
            source,
            outdir,
            spec=engine_spec(rules, plugins, backend, choice),
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
