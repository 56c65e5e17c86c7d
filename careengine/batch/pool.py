"""Evaluating the inputs of a batch: one :class:`Task` gives one plan file and one small
:class:`Status`, in this process or in a worker process (:mod:`careengine.batch.workers`), each
building its engine once from an :class:`EngineSpec`.

Whoever evaluates an input also writes its plan (atomically) or removes the plan an earlier run
left for it, so that the plan text never travels between processes: a worker reports only the
input's :class:`Status` (its index, an exit code and the problems, one line each).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import attrs

from careengine.batch.inputs import Task, problem_lines
from careengine.engine import Engine
from careengine.errors import CareEngineError
from careengine.io.assessment import read_assessment
from careengine.io.atomic_write import OutputError, remove_stale, write_atomic


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


class Status(NamedTuple):
    """What a worker reports for one input: no plan text, only whether its plan was written."""

    task: int  # the task's index
    exit_code: int  # 0: the plan is written
    errors: tuple[str, ...]  # the problems, one line each (empty when the plan is written)


@attrs.frozen(kw_only=True)
class Outcome:
    """The result for one input: its plan was written (``ok``), or the problems (one line each)."""

    index: int
    label: str
    output: str | None
    errors: tuple[str, ...] = ()
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def of(cls, task: Task, status: Status) -> Outcome:
        if status.task != task.index:  # pragma: no cover - a worker answers in order
            raise RuntimeError(f"status of input {status.task} given for input {task.index}")
        return cls(
            index=task.index,
            label=task.label,
            output=task.output,
            errors=status.errors,
            exit_code=status.exit_code,
        )


def _plan_text(engine: Engine, task: Task, allow_unknown: bool) -> str:
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
    return engine.render(engine.evaluate(assessment), "json")


def _evaluated(engine: Engine | None, task: Task, out: Path, allow_unknown: bool) -> Status:
    if task.error:
        return Status(task.index, 2, task.error)
    assert engine is not None, "an input without a known error needs an engine"
    try:
        text = _plan_text(engine, task, allow_unknown)
    except CareEngineError as exc:
        return Status(task.index, exc.exit_code, problem_lines(exc, task.label))
    except Exception as exc:  # a bug must not stop the rest of the batch
        return Status(task.index, 1, (f"internal error: {type(exc).__name__}: {exc}",))
    if task.output is None:  # pragma: no cover - the loader requires patient.id
        return Status(task.index, 2, ("no patient id to name the plan file",))
    try:
        write_atomic(out / task.output, text)
    except OutputError as exc:
        return Status(task.index, 2, (f"cannot write {task.output}: {exc.reason}",))
    return Status(task.index, 0, ())


def complete_task(
    engine: Engine | None, task: Task, out: Path, *, allow_unknown: bool = False
) -> Status:
    """Evaluate one input and write its plan to ``out``; any error becomes the status's
    problems, never an exception. An input that fails has no plan in ``out`` afterwards: the plan
    an earlier run wrote for it is removed (one more problem if it cannot be). ``engine`` may be
    None only for an input whose error is already known (``task.error``)."""
    return without_stale_plan(task, _evaluated(engine, task, out, allow_unknown), out)


def without_stale_plan(task: Task, status: Status, out: Path) -> Status:
    """For an input that failed, remove the plan an earlier run wrote for it, so that no plan
    file looks like this run's result; a plan that cannot be removed is one more problem."""
    if not status.errors or task.output is None:
        return status
    reason = remove_stale(out / task.output)
    if reason is None:
        return status
    problem = f"the plan {task.output} of an earlier run could not be removed: {reason}"
    return status._replace(errors=(*status.errors, problem))
