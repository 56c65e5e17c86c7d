"""The batch itself (:func:`run_batch`): the output directory, the plan files, the stale files of an
earlier run, and ``batch-report.json``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from careengine.batch.inputs import REPORT_NAME, Task, collect_tasks
from careengine.batch.pool import EngineSpec, Outcome, complete_task
from careengine.batch.workers import run_parallel
from careengine.errors import ConfigurationError
from careengine.io.atomic_write import OutputError, remove_stale, write_atomic


@attrs.frozen(kw_only=True)
class Failure:
    input: str
    errors: tuple[str, ...]
    exit_code: int

    @property
    def error(self) -> str:
        return "; ".join(self.errors)


@attrs.frozen(kw_only=True)
class BatchReport:
    ok: int
    failed: tuple[Failure, ...]
    seconds: float

    @property
    def exit_code(self) -> int:
        """0 when every input gave a plan; 1 when rules or plugins broke on an input; else 2."""
        if not self.failed:
            return 0
        return 1 if any(f.exit_code == 1 for f in self.failed) else 2

    @property
    def plans_per_second(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "failed": [{"input": f.input, "error": f.error} for f in self.failed],
        }


def run_batch(
    source: str | Path,
    outdir: str | Path,
    *,
    spec: EngineSpec | None = None,
    jobs: int = 1,
    allow_unknown: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    tasks: Sequence[Task] | None = None,
    start_method: str | None = None,
) -> BatchReport:
    """Evaluate every input of ``source`` and write the plans and the report into ``outdir``.

    :param spec: how to build the engine (default: the built-ins and installed plugins).
    :param jobs: worker processes; 1 evaluates in this process.
    :param on_outcome: called in this process after each input (for a progress bar).
    :param tasks: the inputs, when already collected with :func:`collect_tasks`.
    :param start_method: how worker processes start (``fork``, ``spawn``, ``forkserver``);
        default :func:`careengine.batch.workers.start_method`.
    :raises ConfigurationError: ``source`` is neither a directory nor a ``.jsonl`` file.
    :raises CareEngineError: the engine cannot be built (broken plugin or rule pack).
    """
    if jobs < 1:
        raise ConfigurationError(f"jobs must be at least 1, not {jobs}")
    spec = spec or EngineSpec()
    out = Path(outdir)
    todo = list(tasks) if tasks is not None else collect_tasks(Path(source))
    started = time.perf_counter()
    outcomes: dict[int, Outcome] = {}

    def deliver(outcome: Outcome) -> None:
        outcomes[outcome.index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    remote = [t for t in todo if not t.error] if jobs > 1 else []
    if remote:  # the workers check the spec: the first to be ready calls prepare()
        run_parallel(
            spec,
            remote,
            jobs,
            allow_unknown,
            out,
            lambda: prepare_output(out),
            deliver,
            method=start_method,
        )
        for task in todo:
            if task.error:
                deliver(Outcome.of(task, complete_task(None, task, out)))
    else:
        with spec.build() as engine:  # also checks the spec before anything is written
            prepare_output(out)
            for task in todo:
                status = complete_task(engine, task, out, allow_unknown=allow_unknown)
                deliver(Outcome.of(task, status))
    return write_report(out, outcomes, started)


def prepare_output(out: Path) -> None:
    """The output directory, without the report of an earlier run (called once the spec is known
    to build, before the first plan is written)."""
    make_output_dir(out)
    # the report of an earlier run must not describe this run's plans while they are written
    stale_report = remove_stale(out / REPORT_NAME)
    if stale_report is not None:
        raise OutputError(f"cannot remove the earlier {out / REPORT_NAME}: {stale_report}")


def make_output_dir(out: Path) -> None:
    """Create ``out`` (and its parents) when missing, else :class:`ConfigurationError`."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"{out}: cannot create the output directory: {exc.strerror}"
        ) from exc


def write_report(out: Path, outcomes: Mapping[int, Outcome], started: float) -> BatchReport:
    """Write ``batch-report.json`` (failures in input order) once every input is done;
    ``started`` is the :func:`time.perf_counter` of the batch's start."""
    failed = tuple(
        Failure(input=o.label, errors=o.errors, exit_code=o.exit_code)
        for _, o in sorted(outcomes.items())
        if not o.ok
    )
    report = BatchReport(
        ok=len(outcomes) - len(failed), failed=failed, seconds=time.perf_counter() - started
    )
    text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(out / REPORT_NAME, text)
    return report
