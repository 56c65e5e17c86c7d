"""The small interface every rule backend implements, and backend selection.

A backend turns compiled shards into something that matches facts. It knows nothing of actions:
it only reports which rule (by key) matched which facts (pattern name -> fact). Actions, chaining
and strata are driven by :mod:`careengine.rules.runner`, identically for every backend.

Contract for implementations (the differential tests hold both backends to it):

* a pattern matches a fact when the fact has the pattern's type and code and passes every test;
  a test on a field the fact lacks fails (``exists=false`` excepted);
* ``all`` patterns join across distinct facts (one fact never fills two patterns of one match);
* negated (``none``) patterns are not the backend's business: the runner checks them;
* refraction: each combination of facts fires a rule at most once per session, including
  combinations completed by facts asserted later into the same session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from careengine.errors import BackendError, ConfigurationError
from careengine.rules.compile import Shard

Fact = Mapping[str, Any]
#: (rule key, {pattern name: fact}) for one firing
RawMatch = tuple[str, Mapping[str, Fact]]

BACKENDS = ("auto", "durable", "python")


class BackendSession(Protocol):
    def assert_facts(self, facts: Sequence[Fact]) -> list[RawMatch]:
        """Assert facts into this session and return every new match, in any order."""


class Backend(Protocol):
    name: str

    def session(self, shard: Shard) -> AbstractContextManager[BackendSession]:
        """A fresh, isolated session on one shard; its state is deleted on exit."""

    def close(self) -> None:
        """Free everything the backend holds (idempotent)."""


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
