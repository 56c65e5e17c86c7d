"""``careengine batch --dask ADDRESS``: the same batch as :func:`careengine.batch.run_batch`, its
inputs evaluated on a ``dask.distributed`` cluster (docs/batch.md).

:func:`run_dask_batch`, the client:

1. builds the engine once here (a broken spec fails as it does locally, before anything is
   written) for its :class:`~careengine.batch.dask_worker.EngineIdentity`;
2. connects to the scheduler (``timeout``), waits for a worker, and registers an
   :class:`~careengine.batch.dask_worker.EnginePlugin` under a name of this batch's own: each
   worker builds the engine once;
3. checks that every worker's engine is this client's (plugins, packs, options, versions): a
   worker whose engine differs or did not build stops the batch (exit code 1) before any plan is
   written; a worker that joins later refuses its chunks the same way;
4. checks that the workers share the output directory: it writes a probe file there that every
   worker must read (else exit code 2);
5. prepares the output directory as local batch does (:func:`careengine.batch.run.prepare_output`),
   submits the inputs in chunks with a bounded number in flight, and delivers one
   :class:`~careengine.batch.pool.Outcome` per input; the workers write the plans;
6. writes ``batch-report.json`` as local batch does (:func:`careengine.batch.run.write_report`).

Nothing is lost: a chunk whose task fails (its worker died as often as the scheduler allows,
``KilledWorker``) is split into single inputs and resubmitted; a single input that still fails is
reported for that input (exit code 1), its stale plan removed. Ctrl-C cancels the futures in
flight. The plugin is unregistered at the end (its engines closed).
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import attrs
import distributed
from distributed import KilledWorker

from careengine.batch.dask_worker import (
    EngineIdentity,
    EnginePlugin,
    Refusal,
    run_chunk,
    sees_probe,
    worker_refusal,
)
from careengine.batch.inputs import Task, collect_tasks
from careengine.batch.pool import EngineSpec, Outcome, Status, complete_task, without_stale_plan
from careengine.batch.run import BatchReport, make_output_dir, prepare_output, write_report
from careengine.batch.workers import WorkerError
from careengine.errors import ConfigurationError

#: the most inputs in one Dask task
CHUNK = 32
#: chunks in flight per worker thread
IN_FLIGHT_PER_THREAD = 2


def run_dask_batch(
    source: str | Path,
    outdir: str | Path,
    *,
    address: str,
    spec: EngineSpec | None = None,
    allow_unknown: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    tasks: Sequence[Task] | None = None,
    timeout: float = 10.0,
) -> BatchReport:
    """Evaluate every input of ``source`` on the Dask cluster whose scheduler is at ``address``;
    the plans and the report are those :func:`careengine.batch.run_batch` writes.

    ``outdir`` must be a directory every worker sees at the same path (a shared file system).

    :raises ConfigurationError: the scheduler cannot be reached or has no worker within
        ``timeout`` seconds, or a worker cannot see ``outdir`` (exit code 2).
    :raises WorkerError: a worker's engine is not this client's (exit code 1).
    :raises CareEngineError: the engine cannot be built here.
    """
    spec = _absolute(spec or EngineSpec())
    out = Path(outdir).absolute()
    todo = list(tasks) if tasks is not None else collect_tasks(Path(source))
    started = time.perf_counter()
    with spec.build() as engine:  # the same error as local batch for a broken spec
        identity = EngineIdentity.of(engine)
    outcomes: dict[int, Outcome] = {}

    def deliver(outcome: Outcome) -> None:
        outcomes[outcome.index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    client = connect(address, timeout)
    name = f"careengine-batch-{uuid.uuid4().hex}"
    try:
        client.register_plugin(EnginePlugin(spec), name=name)
        check_workers(client, name, identity)
        check_shared(client, out)
        prepare_output(out)
        for task in todo:
            if task.error:
                deliver(Outcome.of(task, complete_task(None, task, out)))
        remote = [t for t in todo if not t.error]
        _evaluate(client, (name, identity, str(out), allow_unknown), remote, out, deliver)
    finally:
        _close(client, name)
    missing = [t for t in todo if t.index not in outcomes]
    for task in missing:  # pragma: no cover - every chunk is accounted for above
        status = Status(task.index, 1, ("no result was received for this input",))
        deliver(Outcome.of(task, without_stale_plan(task, status, out)))
    return write_report(out, outcomes, started)


def _absolute(spec: EngineSpec) -> EngineSpec:
    """Rule directories and plugin files as absolute paths: the workers' working directory is not
    this one."""

    def absolute(value: str) -> str:
        return str(Path(value).absolute()) if Path(value).exists() else value

    return attrs.evolve(
        spec,
        rules=tuple(absolute(r) for r in spec.rules),
        plugins=tuple(absolute(p) if p.endswith(".py") else p for p in spec.plugins),
    )


def connect(address: str, timeout: float) -> Any:
    """A client of the scheduler at ``address`` with at least one worker, or a one-line
    :class:`ConfigurationError`."""
    try:
        client = cast(Any, distributed.Client)(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__})"
        ) from exc
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ConfigurationError(
            f"the Dask scheduler at {address} has no worker (waited {timeout:g} s)"
        ) from exc
    return client


def check_workers(client: Any, name: str, identity: EngineIdentity) -> None:
    """Every worker's engine built and is this client's, else :class:`WorkerError` (exit 1)."""
    answers: dict[str, Refusal | None] = client.run(worker_refusal, name, identity)
    lines = [
        f"Dask worker {worker}: {line}"
        for worker, refusal in sorted(answers.items())
        if refusal is not None
        for line in refusal.lines
    ]
    if lines:
        raise WorkerError(
            "a Dask worker's engine is not this client's",
            exit_code=1,
            lines=[
                *lines,
                "every worker needs the same careengine, plugins and rule packs as this client",
            ],
        )


def check_shared(client: Any, out: Path) -> None:
    """Every worker sees ``out`` (a probe file written here), else :class:`ConfigurationError`."""
    make_output_dir(out)
    token = uuid.uuid4().hex
    probe = out / f".careengine-probe-{token}"
    try:
        probe.write_text(token, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{out}: cannot write into it: {exc.strerror}") from exc
    try:
        seen: dict[str, bool] = client.run(sees_probe, str(probe), token)
    finally:
        probe.unlink(missing_ok=True)
    blind = sorted(worker for worker, ok in seen.items() if not ok)
    if blind:
        raise ConfigurationError(
            f"{out}: not visible to the Dask worker(s) {', '.join(blind)}; the output "
            "directory must be on a file system every worker shares, at the same path"
        )


def _chunks(tasks: Sequence[Task], threads: int) -> deque[list[Task]]:
    size = max(1, min(CHUNK, len(tasks) // (threads * 4)))
    return deque(list(tasks[i : i + size]) for i in range(0, len(tasks), size))


def _evaluate(
    client: Any,
    args: tuple[str, EngineIdentity, str, bool],
    tasks: Sequence[Task],
    out: Path,
    deliver: Callable[[Outcome], None],
) -> None:
    """Submit ``tasks`` in chunks, at most ``limit`` in flight. A chunk whose task fails comes
    back as single inputs; a single input that fails is a suspect, and the suspects are run last,
    each alone (nothing else in flight), so that the death of a worker is blamed on the input it
    was evaluating and on no input that merely waited on that worker."""
    threads = max(1, sum(client.nthreads().values()))
    todo = _chunks(tasks, threads)
    suspects: deque[Task] = deque()
    limit = threads * IN_FLIGHT_PER_THREAD
    running: dict[Any, tuple[list[Task], bool]] = {}  # future: (its inputs, submitted alone)
    finished = cast(Any, distributed.as_completed)(loop=client.loop)

    def submit(chunk: list[Task], alone: bool) -> None:
        future = client.submit(run_chunk, *args[:2], chunk, *args[2:], pure=False)
        running[future] = (chunk, alone)
        finished.add(future)

    def fill() -> None:
        while todo and len(running) < limit:
            submit(todo.popleft(), False)
        if not running and suspects:
            submit([suspects.popleft()], True)

    try:
        fill()
        for future in finished:
            chunk, alone = running.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # the task failed: find the input that fails it
                if alone:
                    deliver(_lost(chunk[0], exc, out))
                elif len(chunk) > 1:
                    todo.extendleft([task] for task in reversed(chunk))
                else:
                    suspects.append(chunk[0])
            else:
                if isinstance(result, Refusal):
                    raise WorkerError(
                        "a Dask worker's engine is not this client's",
                        exit_code=1,
                        lines=[f"Dask worker {result.worker}: {line}" for line in result.lines],
                    )
                for task, status in zip(chunk, result, strict=True):
                    deliver(Outcome.of(task, status))
            fill()
    except BaseException:  # Ctrl-C or a refusal: nothing more is evaluated
        client.cancel(list(running), force=True)
        raise


def _lost(task: Task, exc: BaseException, out: Path) -> Outcome:
    if isinstance(exc, KilledWorker):
        problem = (
            "the Dask worker evaluating this input died, also when it was the only input "
            "in flight (KilledWorker)"
        )
    else:
        problem = f"internal error on the Dask worker: {type(exc).__name__}: {exc}"
    return Outcome.of(task, without_stale_plan(task, Status(task.index, 1, (problem,)), out))


def _close(client: Any, name: str) -> None:
    try:
        client.unregister_worker_plugin(name)
    except Exception:  # the workers may be gone; closing the client is what matters
        pass
    finally:
        client.close()


def plugin_builds(client: Any) -> dict[str, dict[str, int]]:
    """Per worker, how many times each batch's :class:`EnginePlugin` built its engine (for the
    tests and for operators: one build per worker and batch)."""
    counts: dict[str, dict[str, int]] = client.run(_builds)
    return counts


def _builds(dask_worker: Any) -> dict[str, int]:
    return {
        name: plugin.builds
        for name, plugin in sorted(dask_worker.plugins.items())
        if isinstance(plugin, EnginePlugin)
    }
