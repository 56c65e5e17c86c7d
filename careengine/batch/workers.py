"""The worker processes of ``careengine batch --jobs N`` (N > 1).

Each worker builds its engine once, says ``ready`` (or why its engine cannot be built), then
evaluates chunks of inputs sent on its own pipe, writing each plan itself
(:func:`~careengine.batch.pool.complete_task`) and sending back one small
:class:`~careengine.batch.pool.Status` per input. The parent never builds an engine and never sees
a plan's text; it only hands out chunks and accounts for every input:

* a worker gets its next chunk once it has reported every input of the last one, so it is then
  reading its pipe and the parent never blocks on a worker that is itself blocked on the parent;
* a worker evaluates its chunk in order and reports each input as it finishes, so when a worker
  dies (its pipe reaches end of file) the first input of its chunk that it has not reported is
  the one it was evaluating: that input is reported as crashed and the rest of the chunk goes
  back to the other workers; inputs that no worker is left to evaluate are reported as crashed
  too. Nothing is lost silently;
* the output directory is prepared (``prepare``) only when the first worker's engine is ready, so
  that a broken spec (a plugin that fails to import, a broken rule pack) stops the batch with the
  same error as building the engine in this process would, before anything is written.

Start method: ``fork`` where it is safe and available (Linux, and this process runs no other
thread; careengine starts no thread and the parent builds no engine, so no durable-rules native
state or lock is copied in use); otherwise ``spawn``. ``fork`` saves each worker the interpreter
start and the imports this process has already done (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import attrs

from careengine.batch.inputs import Task
from careengine.batch.pool import EngineSpec, Outcome, Status, complete_task, without_stale_plan
from careengine.errors import CareEngineError

#: the most inputs sent to a worker at once (about 30 ms of work on the built-in knowledge base)
CHUNK = 32


class WorkerError(CareEngineError):
    """A worker process could not build its engine."""

    def __init__(self, message: str, *, exit_code: int, lines: Sequence[str]) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return self._lines


def start_method() -> str:
    """``fork`` on Linux when this process runs a single thread, else ``spawn``."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    try:
        threads = len(os.listdir("/proc/self/task"))  # native threads too
    except OSError:
        threads = threading.active_count()
    return "fork" if threads == 1 else "spawn"


def serve(spec: EngineSpec, allow_unknown: bool, out: str, link: Connection) -> None:
    """A worker process: build the engine once, then complete chunks of tasks until ``None``."""
    try:
        engine = spec.build()
    except CareEngineError as exc:
        link.send(("fatal", exc.exit_code, tuple(exc.lines())))
        return
    except Exception:
        link.send(("bug", traceback.format_exc()))
        return
    link.send(("ready",))
    directory = Path(out)
    try:
        while (chunk := link.recv()) is not None:
            for task in chunk:
                link.send(complete_task(engine, task, directory, allow_unknown=allow_unknown))
    except EOFError:  # the parent is gone
        pass
    finally:
        engine.close()
        link.close()


@attrs.define
class _Worker:
    process: Any
    ready: bool = False
    chunk: deque[Task] = attrs.Factory(deque)  # sent, not yet reported, in order


def _crashed(task: Task, exit_code: int | None, out: Path) -> Outcome:
    problem = "the worker process evaluating this input crashed" + (
        f" (exit code {exit_code})" if exit_code is not None else ""
    )
    return Outcome.of(task, without_stale_plan(task, Status(task.index, 1, (problem,)), out))


def _chunk_size(left: int, workers: int) -> int:
    """Guided: a chunk shrinks as the inputs run out, so that the workers finish together."""
    return max(1, min(CHUNK, left // (workers * 4)))


def run_parallel(
    spec: EngineSpec,
    tasks: Sequence[Task],
    jobs: int,
    allow_unknown: bool,
    out: Path,
    prepare: Callable[[], None],
    deliver: Callable[[Outcome], None],
    *,
    method: str | None = None,
) -> None:
    """Complete ``tasks`` in ``min(jobs, len(tasks))`` worker processes (see the module
    docstring); ``deliver`` is called once per task, in this process, in no particular order."""
    context: Any = multiprocessing.get_context(method or start_method())
    workers: dict[Connection, _Worker] = {}
    try:
        for _ in range(min(jobs, len(tasks))):
            link, remote = context.Pipe()
            process = context.Process(
                target=serve, args=(spec, allow_unknown, str(out), remote), daemon=True
            )
            process.start()
            remote.close()  # the worker holds the only other end: EOF when it exits
            workers[link] = _Worker(process)
        _drive(workers, tasks, out, prepare, deliver)
    finally:
        for link, worker in workers.items():
            with contextlib.suppress(OSError):
                link.send(None)
            worker.process.join(timeout=5)
            if worker.process.is_alive():  # pragma: no cover - only after an error here
                worker.process.terminate()
                worker.process.join()
            link.close()


def _drive(
    workers: dict[Connection, _Worker],
    tasks: Sequence[Task],
    out: Path,
    prepare: Callable[[], None],
    deliver: Callable[[Outcome], None],
) -> None:
    todo = deque(tasks)
    unfinished = len(tasks)
    prepared = False
    died: list[int | None] = []
    while unfinished and workers:
        for ready in wait(list(workers)):
            link: Connection = ready  # type: ignore[assignment]
            worker = workers[link]
            try:
                message = link.recv()
            except EOFError:  # the worker exited; if it had inputs left, it crashed
                del workers[link]
                worker.process.join()
                died.append(worker.process.exitcode)
                if worker.chunk:
                    deliver(_crashed(worker.chunk.popleft(), worker.process.exitcode, out))
                    unfinished -= 1
                    todo.extendleft(reversed(worker.chunk))
                continue
            if isinstance(message, Status):
                deliver(Outcome.of(worker.chunk.popleft(), message))
                unfinished -= 1
            elif message[0] == "ready":
                worker.ready = True
                if not prepared:
                    prepare()
                    prepared = True
                    for other_link, other in workers.items():
                        if other.ready and other is not worker:  # pragma: no cover - one at a time
                            _give(other_link, other, todo, len(workers))
            elif message[0] == "fatal":
                raise WorkerError(
                    "a worker could not build its engine", exit_code=message[1], lines=message[2]
                )
            else:
                raise RuntimeError(f"a batch worker failed to build its engine:\n{message[1]}")
            if worker.ready and not worker.chunk:
                _give(link, worker, todo, len(workers))
    if not prepared:
        codes = ", ".join(str(code) for code in died)
        raise WorkerError(
            "the worker processes exited before their engine was ready",
            exit_code=1,
            lines=[f"every batch worker process exited before its engine was ready ({codes})"],
        )
    for task in todo:  # every worker died before reaching these
        deliver(_crashed(task, None, out))


def _give(link: Connection, worker: _Worker, todo: deque[Task], workers: int) -> None:
    chunk = [todo.popleft() for _ in range(min(_chunk_size(len(todo), workers), len(todo)))]
    if not chunk:
        return
    try:
        link.send(chunk)
    except OSError:  # the worker has just died: its end of file is next, and blames nobody
        todo.extendleft(reversed(chunk))
        return
    worker.chunk.extend(chunk)
