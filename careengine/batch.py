"""Evaluate many assessments: a directory of ``*.json`` files or one ``.jsonl`` file.

:func:`run_batch` writes ``OUTDIR/<stem>.plan.json`` per input (for JSONL,
``OUTDIR/<patient id>.plan.json``) and ``OUTDIR/batch-report.json``
(``{"ok": N, "failed": [{"input": ..., "error": ...}]}``, failures in input order). A bad input
is reported and the rest are still processed. The files written are the same whatever ``jobs``
is: each plan is a pure function of its input.

Inputs:

* a directory: its ``*.json`` files (not recursive) in name order, except ``*.plan.json`` and
  ``batch-report.json`` (so a directory can hold its own plans);
* a ``.jsonl`` file: one assessment per non-blank line (lines end at ``\\n`` only, see
  :func:`jsonl_lines`), named ``<file>:<line>`` in messages.
  The plan is named after ``patient.id``, which must be usable as a file name (letters, digits,
  ``.``, ``_``, ``-``; not starting with ``.``). A patient id that an earlier line already used
  (compared case-insensitively, as some file systems do) is an error for the later line: its
  plan would overwrite the earlier one.

Every file is written atomically (:mod:`careengine.io.atomic_write`). A rerun never leaves a plan
of an earlier run looking current: the earlier report is removed before the first plan is
written, and the plan file of an input that fails (including a plan that cannot be written) is
removed; files no input of this run names are left alone (docs/cli.md).

With ``jobs`` > 1 the work is shared by that many worker processes (started with ``spawn``);
each builds its :class:`~careengine.engine.Engine` once, from an :class:`EngineSpec`, and keeps
it in a local variable of its loop, so no module-level state is involved.
"""

from __future__ import annotations

import codecs
import functools
import json
import multiprocessing
import re
import time
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, cast

import attrs

from careengine.engine import Engine
from careengine.errors import CareEngineError, ConfigurationError
from careengine.io.assessment import read_assessment
from careengine.io.atomic_write import OutputError, remove_stale, write_atomic
from careengine.io.json_text import display_name, parse_json

REPORT_NAME = "batch-report.json"
PLAN_SUFFIX = ".plan.json"
_SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)  # a typed `tuple` (mypy's attrs plugin cannot type the generic one)


@attrs.frozen(kw_only=True)
class EngineSpec:
    """How to build the engine (picklable, so that worker processes can build their own)."""

    rules: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    plugins: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    backend: str = "auto"
    allow: tuple[str, ...] | None = None
    block: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    builtins: bool | tuple[str, ...] = True
    entry_points: bool = True

    def build(self) -> Engine:
        return Engine(
            rules=list(self.rules),
            plugins=list(self.plugins),
            backend=self.backend,
            allow=self.allow,
            block=self.block,
            builtins=self.builtins,
            entry_points=self.entry_points,
        )


@attrs.frozen(kw_only=True)
class Task:
    """One input: read from ``path``, or already parsed (``data``, a JSONL line)."""

    index: int
    label: str
    output: str | None
    path: str | None = None
    data: Any = None
    error: tuple[str, ...] = ()  # found before evaluation (unreadable line, duplicate id)


@attrs.frozen(kw_only=True)
class Outcome:
    """The result for one input: the plan's JSON, or the problems (one line each)."""

    index: int
    label: str
    output: str | None
    plan_json: str | None = None
    errors: tuple[str, ...] = ()
    exit_code: int = 0


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


# --- finding the inputs ------------------------------------------------------------------------


def _lines_of(exc: CareEngineError, label: str) -> tuple[str, ...]:
    """The problems without the input's name (the report names the input once)."""
    if exc.problems:
        return tuple(str(attrs.evolve(p, file=None)) for p in exc.problems)
    return (str(exc).removeprefix(f"{label}: "),)


def jsonl_lines(data: bytes) -> list[tuple[int, bytes]]:
    """The numbered non-blank lines of JSONL bytes. Lines end at ``\\n`` only (``\\r\\n`` too,
    the ``\\r`` is dropped); U+2028, U+0085, a lone ``\\r`` and the other characters that
    ``str.splitlines`` also breaks at are part of the line. A UTF-8 byte order mark at the start
    of the file is dropped, as for a ``.json`` file. Each line is decoded on its own, so that
    bytes that are not UTF-8 spoil only their line."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.removesuffix(b"\r")
        if line.strip(b" \t\r"):
            lines.append((number, line))
    return lines


def _jsonl_tasks(source: Path) -> list[Task]:
    name = display_name(source)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{name}: cannot read: {exc.strerror}") from exc
    tasks: list[Task] = []
    first_line: dict[str, int] = {}
    for number, line in jsonl_lines(raw):
        label = f"{name}:{number}"
        index = len(tasks)
        try:
            data = parse_json(line, file=label)
        except CareEngineError as exc:
            tasks.append(Task(index=index, label=label, output=None, error=_lines_of(exc, label)))
            continue
        patient = data.get("patient") if isinstance(data, dict) else None
        pid = patient.get("id") if isinstance(patient, dict) else None
        problem: str | None = None
        if isinstance(pid, str) and pid.strip():
            if not _SAFE_ID.fullmatch(pid):
                problem = (
                    f"patient.id: {pid!r} cannot name a plan file "
                    "(letters, digits, '.', '_' and '-' only, not starting with '.')"
                )
            elif pid.casefold() in first_line:
                problem = (
                    f"patient.id: duplicate patient id {pid!r} "
                    f"(also on line {first_line[pid.casefold()]}); "
                    "its plan would overwrite that one"
                )
            else:
                first_line[pid.casefold()] = number
        output = f"{pid}{PLAN_SUFFIX}" if problem is None and isinstance(pid, str) else None
        error = (problem,) if problem else ()
        tasks.append(Task(index=index, label=label, output=output, data=data, error=error))
    return tasks


def collect_tasks(source: Path) -> list[Task]:
    """The inputs of a batch, in order (see the module docstring)."""
    if source.is_dir():
        files = sorted(
            p
            for p in source.iterdir()
            if p.suffix == ".json"
            and p.is_file()
            and not p.name.endswith(PLAN_SUFFIX)
            and p.name != REPORT_NAME
        )
        return [
            Task(index=i, label=display_name(p), output=f"{p.stem}{PLAN_SUFFIX}", path=str(p))
            for i, p in enumerate(files)
        ]
    if source.is_file() and source.suffix == ".jsonl":
        return _jsonl_tasks(source)
    if not source.exists():
        raise ConfigurationError(f"{source}: no such file or directory")
    raise ConfigurationError(
        f"{source}: a batch reads a directory of .json files or one .jsonl file"
    )


# --- evaluating --------------------------------------------------------------------------------


def evaluate_task(engine: Engine, task: Task, *, allow_unknown: bool = False) -> Outcome:
    """Evaluate one input; any error becomes the outcome's problems, never an exception."""
    outcome = functools.partial(Outcome, index=task.index, label=task.label, output=task.output)
    if task.error:
        return outcome(errors=task.error, exit_code=2)
    try:
        if task.path is not None:
            assessment = engine.load_assessment(task.path, allow_unknown=allow_unknown)
        else:
            assessment = read_assessment(
                task.data,
                engine.catalog,
                file=task.label,
                allow_unknown=allow_unknown,
                checker=engine.schema_checker,
            )
        plan = engine.evaluate(assessment)
        return outcome(plan_json=engine.render(plan, "json"))
    except CareEngineError as exc:
        return outcome(errors=_lines_of(exc, task.label), exit_code=exc.exit_code)
    except Exception as exc:  # a bug must not stop the rest of the batch
        return outcome(errors=(f"internal error: {type(exc).__name__}: {exc}",), exit_code=1)


def _worker(spec: EngineSpec, allow_unknown: bool, tasks: Any, results: Connection) -> None:
    """A worker process: build the engine once, then evaluate tasks until ``None`` arrives.

    Each task is announced (``start``) before it is evaluated, so that the parent knows which
    input a crashed worker was evaluating; messages are sent synchronously on the worker's own
    pipe, so a crash never leaves half a message behind.
    """
    try:
        engine = spec.build()
    except CareEngineError as exc:
        results.send(("fatal", exc.exit_code, tuple(exc.lines())))
        return
    try:
        while (task := tasks.get()) is not None:
            results.send(("start", task.index))
            results.send(("done", evaluate_task(engine, task, allow_unknown=allow_unknown)))
    finally:
        engine.close()
        results.close()


class WorkerError(CareEngineError):
    """A worker process could not build its engine."""

    def __init__(self, message: str, *, exit_code: int, lines: Sequence[str]) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return self._lines


def _run_parallel(
    spec: EngineSpec,
    tasks: Sequence[Task],
    jobs: int,
    allow_unknown: bool,
    deliver: Callable[[Outcome], None],
) -> None:
    context = multiprocessing.get_context("spawn")
    inbox: Any = context.Queue()
    links: dict[Connection, Any] = {}  # the result pipe of each worker -> its process
    for _ in range(min(jobs, len(tasks))):
        reader, writer = context.Pipe(duplex=False)
        worker = context.Process(
            target=_worker, args=(spec, allow_unknown, inbox, writer), daemon=True
        )
        worker.start()
        writer.close()  # the worker holds the only writing end: EOF when it exits
        links[reader] = worker
    for task in tasks:
        inbox.put(task)
    for _ in links:
        inbox.put(None)
    pending = {t.index: t for t in tasks}
    running: dict[Connection, int] = {}  # the input each worker is evaluating
    try:
        while pending and links:
            for ready in wait(list(links)):
                reader = cast(Connection, ready)
                try:
                    message = reader.recv()
                except EOFError:  # the worker exited; if it was evaluating, it crashed
                    worker = links.pop(reader)
                    worker.join()
                    index = running.pop(reader, None)
                    if index is not None and index in pending:
                        deliver(_crashed(pending.pop(index), worker.exitcode))
                    continue
                if message[0] == "fatal":
                    _, exit_code, lines = message
                    raise WorkerError(
                        "a worker could not build its engine", exit_code=exit_code, lines=lines
                    )
                if message[0] == "start":
                    running[reader] = message[1]
                    continue
                outcome: Outcome = message[1]
                running.pop(reader, None)
                pending.pop(outcome.index, None)
                deliver(outcome)
        for task in list(pending.values()):  # every worker died before reaching these
            deliver(_crashed(task, None))
    finally:
        inbox.cancel_join_thread()  # tasks nobody will read must not block this process's exit
        inbox.close()
        for reader, worker in links.items():
            worker.join(timeout=5)
            if worker.is_alive():  # pragma: no cover - only after a fatal error
                worker.terminate()
                worker.join()
            reader.close()


def _crashed(task: Task, exit_code: int | None) -> Outcome:
    return Outcome(
        index=task.index,
        label=task.label,
        output=task.output,
        errors=(
            "the worker process evaluating this input crashed"
            + (f" (exit code {exit_code})" if exit_code is not None else ""),
        ),
        exit_code=1,
    )


def run_batch(
    source: str | Path,
    outdir: str | Path,
    *,
    spec: EngineSpec | None = None,
    jobs: int = 1,
    allow_unknown: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    tasks: Sequence[Task] | None = None,
) -> BatchReport:
    """Evaluate every input of ``source`` and write the plans and the report into ``outdir``.

    :param spec: how to build the engine (default: the built-ins and installed plugins).
    :param jobs: worker processes; 1 evaluates in this process.
    :param on_outcome: called in this process after each input (for a progress bar).
    :param tasks: the inputs, when already collected with :func:`collect_tasks`.
    :raises ConfigurationError: ``source`` is neither a directory nor a ``.jsonl`` file.
    :raises CareEngineError: the engine cannot be built (broken plugin or rule pack).
    """
    if jobs < 1:
        raise ConfigurationError(f"jobs must be at least 1, not {jobs}")
    spec = spec or EngineSpec()
    out = Path(outdir)
    todo = list(tasks) if tasks is not None else collect_tasks(Path(source))
    started = time.perf_counter()
    engine = spec.build()  # also checks the spec before any worker starts
    outcomes: dict[int, Outcome] = {}

    def deliver(outcome: Outcome) -> None:
        if outcome.plan_json is not None:
            error = None
            if outcome.output is None:  # pragma: no cover - the loader requires patient.id
                error = "no patient id to name the plan file"
            else:
                try:
                    write_atomic(out / outcome.output, outcome.plan_json)
                except OutputError as exc:
                    error = f"cannot write {outcome.output}: {exc.reason}"
            if error is not None:
                outcome = attrs.evolve(outcome, plan_json=None, errors=(error,), exit_code=2)
        if outcome.plan_json is None and outcome.output is not None:
            outcome = _without_stale_plan(out, outcome)
        outcomes[outcome.index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        engine.close()
        raise ConfigurationError(
            f"{out}: cannot create the output directory: {exc.strerror}"
        ) from exc
    # the report of an earlier run must not describe this run's plans while they are written
    stale_report = remove_stale(out / REPORT_NAME)
    if stale_report is not None:
        engine.close()
        raise OutputError(f"cannot remove the earlier {out / REPORT_NAME}: {stale_report}")
    try:
        local = [t for t in todo if t.error or jobs == 1]
        remote = [t for t in todo if not t.error and jobs > 1]
        for task in local:
            deliver(evaluate_task(engine, task, allow_unknown=allow_unknown))
    finally:
        engine.close()
    if remote:
        _run_parallel(spec, remote, jobs, allow_unknown, deliver)
    failed = tuple(
        Failure(input=o.label, errors=o.errors, exit_code=o.exit_code)
        for _, o in sorted(outcomes.items())
        if o.plan_json is None
    )
    report = BatchReport(
        ok=len(outcomes) - len(failed), failed=failed, seconds=time.perf_counter() - started
    )
    text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(out / REPORT_NAME, text)
    return report


def _without_stale_plan(out: Path, outcome: Outcome) -> Outcome:
    """Remove the plan an earlier run wrote for this (now failed) input, so that no plan file
    looks like this run's result; a plan that cannot be removed is one more problem."""
    assert outcome.output is not None
    reason = remove_stale(out / outcome.output)
    if reason is None:
        return outcome
    problem = f"the plan {outcome.output} of an earlier run could not be removed: {reason}"
    return attrs.evolve(outcome, errors=(*outcome.errors, problem))
