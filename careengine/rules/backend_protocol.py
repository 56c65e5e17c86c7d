"""The small interface every rule backend implements.

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

from careengine.rules.compile import Shard

Fact = Mapping[str, Any]
#: (rule key, {pattern name: fact}) for one firing
RawMatch = tuple[str, Mapping[str, Fact]]


class BackendSession(Protocol):
    def assert_facts(self, facts: Sequence[Fact]) -> list[RawMatch]:
        """Assert facts into this session and return every new match, in any order."""


class Backend(Protocol):
    name: str

    def session(self, shard: Shard) -> AbstractContextManager[BackendSession]:
        """A fresh, isolated session on one shard; its state is deleted on exit."""

    def close(self) -> None:
        """Free everything the backend holds (idempotent)."""
