"""Choosing and building a rule backend: ``auto``, ``durable`` (durable-rules) or ``python``.

The interface every backend implements is in :mod:`careengine.rules.backend_protocol`; the
backends import it, never this module, so that this module can import them.
"""

from __future__ import annotations

from collections.abc import Sequence

from careengine.errors import BackendError, ConfigurationError
from careengine.rules.backend_protocol import Backend
from careengine.rules.compile import Shard

BACKENDS = ("auto", "durable", "python")


def durable_available() -> bool:
    """Whether durable-rules' C extension imports here (not on Python 3.13+, nor unbuilt)."""
    try:  # the adapter is the only module that imports durable-rules
        import careengine.rules.durable_backend  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_backend_name(name: str) -> str:
    if name not in BACKENDS:
        raise ConfigurationError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if name == "auto":
        return "durable" if durable_available() else "python"
    if name == "durable" and not durable_available():
        raise BackendError(
            "the durable backend was requested but durable-rules does not import here "
            "(it needs Python < 3.13 and a C compiler); use --backend python"
        )
    return name


def make_backend(name: str, shards: Sequence[Shard], *, reuse_sessions: bool = False) -> Backend:
    """Build the named backend (already resolved) over every shard of a program.

    :param reuse_sessions: durable-rules keeps a session per ruleset for the next evaluation
        instead of deleting it (the python backend has no sessions and ignores it).
    """
    if name == "durable":
        from careengine.rules.durable_backend import KEEP_RULES, DurableBackend

        return DurableBackend(shards, keep_rules=KEEP_RULES if reuse_sessions else 0)
    from careengine.rules.python_backend import PythonBackend

    return PythonBackend(shards)
