"""Evaluating the inputs of a batch: one :class:`Task` gives one :class:`Outcome`, in this process
or shared among ``spawn``-ed worker processes, each building its engine once from an
:class:`EngineSpec`."""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable, Iterable, Mapping, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, cast

import attrs

from careengine.batch.inputs import Task, problem_lines
from careengine.engine import Engine
from careengine.errors import CareEngineError
from careengine.io.assessment import read_assessment


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)  # a typed `tuple` (mypy's attrs plugin cannot type the generic one)


def _pairs(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), str(v)) for k, v in items))


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
    max_exercises_per_stage: int = 5
    allow_same_purpose: bool = False
    #: clinic options, ``(name, value)`` pairs (:mod:`careengine.plugins.options`)
    options: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)

    def build(self) -> Engine:
        return Engine(
            rules=list(self.rules),
            plugins=list(self.plugins),
            backend=self.backend,
            allow=self.allow,
            block=self.block,
            builtins=self.builtins,
            entry_points=self.entry_points,
            max_exercises_per_stage=self.max_exercises_per_stage,
            allow_same_purpose=self.allow_same_purpose,
            options=dict(self.options),
        )


@attrs.frozen(kw_only=True)
class Outcome:
    """The result for one input: the plan's JSON, or the problems (one line each)."""

    index: int
    label: str
    output: str | None
    plan_json: str | None = None
    errors: tuple[str, ...] = ()
    exit_code: int = 0


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
        return outcome(errors=problem_lines(exc, task.label), exit_code=exc.exit_code)
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


def run_parallel(
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
