"""The worker side of ``careengine batch --dask`` (:mod:`careengine.batch.dask_run`).

:class:`EnginePlugin` is a ``distributed`` worker plugin that the batch's client registers under a
name of its own: every worker, including one that joins or is restarted later, builds the engine
once from the :class:`~careengine.batch.pool.EngineSpec` in :meth:`EnginePlugin.setup` and keeps
it on the plugin instance (no module-level state). :func:`run_chunk`, the batch's task, finds it
with ``get_worker().plugins[name]``, refuses to evaluate when the worker's engine is not the
client's (:class:`EngineIdentity`), and otherwise completes each input of its chunk
(:func:`~careengine.batch.pool.complete_task`: the worker writes the plan itself) and returns one
small :class:`~careengine.batch.pool.Status` per input.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any, NamedTuple, cast

import attrs
from distributed import Worker, WorkerPlugin, get_worker

from careengine.batch.inputs import Task
from careengine.batch.pool import EngineSpec, Status, complete_task
from careengine.engine import Engine
from careengine.errors import CareEngineError
from careengine.version import __version__


@attrs.frozen(kw_only=True)
class EngineIdentity:
    """What makes an engine's plans what they are: the careengine version, the plugins and their
    versions, the rule packs (version and digest), the backend and the options. Two engines with
    equal identities give the same plan for the same input."""

    engine: str
    backend: str
    plugins: tuple[str, ...]  # "name version", sorted
    packs: tuple[str, ...]  # "id version sha256", sorted
    options: tuple[str, ...]  # "name=value" (merge options and clinic options), sorted

    @classmethod
    def of(cls, engine: Engine) -> EngineIdentity:
        merge = attrs.asdict(engine.options)
        return cls(
            engine=__version__,
            backend=engine.backend_name,
            plugins=tuple(sorted(f"{n} {i.version}" for n, i in engine.plugins.items())),
            packs=tuple(sorted(f"{p.id} {p.version} {p.sha256}" for p in engine.packs)),
            options=tuple(
                sorted(
                    [f"{k}={v}" for k, v in merge.items()]
                    + [f"{k}={v}" for k, v in engine.plugin_options.items()]
                )
            ),
        )

    def differences(self, other: EngineIdentity) -> list[str]:
        """What differs from ``other`` (this client's), one phrase per aspect, naming what only
        one side has."""
        found = []
        for field in ("engine", "backend"):
            mine, theirs = getattr(self, field), getattr(other, field)
            if mine != theirs:
                found.append(f"{field} {mine} (client: {theirs})")
        for field in ("plugins", "packs", "options"):
            mine_set, theirs_set = set(getattr(self, field)), set(getattr(other, field))
            if mine_set != theirs_set:
                only_here = ", ".join(sorted(mine_set - theirs_set)) or "-"
                only_there = ", ".join(sorted(theirs_set - mine_set)) or "-"
                found.append(f"{field}: worker only {only_here}; client only {only_there}")
        return found


class Refusal(NamedTuple):
    """A chunk a worker did not evaluate: its engine is not the client's, or did not build."""

    worker: str
    lines: tuple[str, ...]


class EnginePlugin(WorkerPlugin):
    """Builds the batch's engine once per worker (:meth:`setup`) and keeps it; ``builds`` counts
    the builds of this instance (one per worker process)."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.engine: Engine | None = None
        self.identity: EngineIdentity | None = None
        self.problems: tuple[str, ...] = ()  # why the engine did not build
        self.builds = 0

    def setup(self, worker: Worker) -> None:
        self.builds += 1
        try:
            self.engine = self.spec.build()
        except CareEngineError as exc:
            self.problems = tuple(exc.lines())
            return
        except Exception:
            last = traceback.format_exc().strip().splitlines()[-1]
            self.problems = (f"internal error while building the engine: {last}",)
            return
        self.identity = EngineIdentity.of(self.engine)

    def teardown(self, worker: Worker) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def refusal(self, worker: str, expected: EngineIdentity) -> Refusal | None:
        """Why this worker must not evaluate the batch's inputs, if it must not."""
        if self.problems:
            return Refusal(worker, self.problems)
        if self.identity is None:
            return Refusal(worker, ("its engine is not built",))
        if self.identity != expected:
            return Refusal(worker, tuple(self.identity.differences(expected)))
        return None


def worker_refusal(name: str, expected: EngineIdentity, *, dask_worker: Worker) -> Refusal | None:
    """For ``Client.run``: whether this worker's engine is ready and is the client's."""
    plugin = dask_worker.plugins.get(name)
    if not isinstance(plugin, EnginePlugin):
        return Refusal(dask_worker.address, ("the batch's worker plugin is not registered",))
    return plugin.refusal(dask_worker.address, expected)


def sees_probe(path: str, token: str) -> bool:
    """For ``Client.run``: whether this worker reads ``token`` in the file ``path``."""
    try:
        return Path(path).read_text(encoding="utf-8") == token
    except (OSError, UnicodeError):
        return False


def run_chunk(
    name: str, expected: EngineIdentity, tasks: list[Task], out: str, allow_unknown: bool
) -> list[Status] | Refusal:
    """The batch's task: complete each input of ``tasks`` with this worker's engine (plan files
    written into ``out``), or refuse them all if the engine is not the client's."""
    worker = get_worker()
    plugin = cast(Any, worker.plugins).get(name)
    if not isinstance(plugin, EnginePlugin):
        return Refusal(worker.address, ("the batch's worker plugin is not registered",))
    refused = plugin.refusal(worker.address, expected)
    if refused is not None:
        return refused
    directory = Path(out)
    return [
        complete_task(plugin.engine, task, directory, allow_unknown=allow_unknown) for task in tasks
    ]
