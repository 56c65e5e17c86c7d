"""The durable-rules adapter: the only module that imports durable-rules.

It drives the C layer (``durable_rules_engine``) directly instead of ``durable.engine.Host``, which
neutralises the sharp edges listed in shared/reference/durable-rules.md:

1. background threads: no Host is created, so no dispatcher or timer thread ever runs;
2. swallowed action exceptions: no Python action runs inside durable-rules at all; matches are
   collected here and actions run in :mod:`careengine.rules.runner`, which raises
   :class:`RuleExecutionError` naming the rule;
3. unmatched facts: the runner asserts only facts whose (type, code) some rule of the shard
   tests, and result codes 1 (unmatched) and 2 (duplicate) from the C layer are expected;
   negation: measured here, durable-rules lets a match fire when the fact that should block it
   comes *later in the same batch*, so the result would depend on fact order. Negated patterns
   are therefore not compiled into the ruleset; the runner checks them against the stratum's
   complete fact set, the same way for every backend;
4. duplicate facts: every fact carries a unique ``id``;
5. and 6. 32-bit session hashes and the 1,024-session limit: one live session per ruleset at a
   time (the engine serialises evaluations), deleted in a ``finally``;
7. per-ruleset limits: the compiler shards rulesets far below them;
8. session-state loops: every pattern starts with a positive ``type`` and ``code`` test;
9. priorities: not used; the merge orders contributions explicitly;
10. which rule fired: rule keys are the ruleset's rule names, reported with the matched facts;
11. registration mutating dicts and leaking rulesets: definitions are built fresh, each ruleset
    gets a process-unique name, and handles are freed with ``delete_ruleset`` on close;
12. the ``durable.lang`` DSL is never imported.

One more edge, found here and not in the reference: ``createStateNode`` in the C engine leaves a
session's action context (``context.messages`` / ``context.stateFact``) uninitialised, and
``deleteStateNode`` frees those pointers. Deleting a session in which no action ever started
therefore frees garbage (valgrind shows the uninitialised reads; with a dirty heap it segfaults
every time). Every ruleset therefore carries a sentinel rule, and every session fires it once when
it opens, so the context is initialised (and reset to NULL) before anything can delete it.
"""

from __future__ import annotations

import contextlib
import json
import uuid
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import durable_rules_engine as _dre

from careengine.errors import BackendError
from careengine.model import Severity
from careengine.rules.backend import Fact, RawMatch
from careengine.rules.compile import CompiledPattern, CompiledRule, Shard
from careengine.rules.model import Op, Test


def _test(test: Test, pattern: CompiledPattern) -> dict[str, Any]:
    field, value = test.field, test.value
    match test.op:
        case Op.EQ:
            return {field: value}
        case Op.NEQ:
            return {"$and": [{"$ex": {field: 1}}, {"$neq": {field: value}}]}
        case Op.IN:
            options = [{field: v} for v in value]
            return options[0] if len(options) == 1 else {"$or": options}
        case Op.GT | Op.GTE | Op.LT | Op.LTE:
            return {f"${test.op.value}": {field: value}}
        case Op.AT_LEAST:
            return {"$gte": {"severity_rank": Severity(value).rank}}
        case Op.EXISTS:
            return {"$ex" if value else "$nex": {field: 1}}
        case Op.SAME_AS_FIRST:
            return {field: {pattern.first: field}}
    raise BackendError(f"operator {test.op} has no durable-rules form")  # pragma: no cover


def _pattern(pattern: CompiledPattern) -> dict[str, Any]:
    tests = [{"type": pattern.fact.value}, {"code": pattern.code}]
    tests.extend(_test(t, pattern) for t in pattern.tests)
    return {"$and": tests}


SENTINEL_RULE = "__session_open"
_SENTINEL_PATTERN = {"$and": [{"type": "__session"}, {"code": "open"}]}


def ruleset_definition(rules: Sequence[CompiledRule], *, sentinel: bool = True) -> dict[str, Any]:
    """The durable-rules JSON for one shard (public so that benchmarks can run it raw)."""
    definition: dict[str, Any] = {}
    if sentinel:
        definition[SENTINEL_RULE] = {"all": [{"m": _SENTINEL_PATTERN}]}
    for rule in rules:
        definition[rule.key] = {"all": [{p.name: _pattern(p)} for p in rule.patterns]}
    return definition


def _free(handles: dict[str, int]) -> None:
    for handle in handles.values():
        with contextlib.suppress(Exception):  # best effort while freeing
            _dre.delete_ruleset(handle)
    handles.clear()


class DurableSession:
    def __init__(self, handle: int, sid: str) -> None:
        self._handle = handle
        self._sid = sid
        opened = self.assert_facts([{"id": "__session", "type": "__session", "code": "open"}])
        if [key for key, _ in opened] != [SENTINEL_RULE]:  # pragma: no cover - C-level invariant
            raise BackendError(f"durable-rules did not open session {sid} cleanly: {opened}")

    def assert_facts(self, facts: Sequence[Fact]) -> list[RawMatch]:
        if not facts:
            return []
        payload = [{**fact, "sid": self._sid} for fact in facts]
        try:
            code, state_offset = _dre.assert_facts(self._handle, json.dumps(payload))
        except Exception as exc:
            raise BackendError(f"durable-rules refused the facts: {exc}") from exc
        if code not in (0, 1, 2, 3):  # pragma: no cover - the C layer raises on real errors
            raise BackendError(f"durable-rules returned code {code}")
        return self._drain(state_offset)

    def _drain(self, state_offset: int) -> list[RawMatch]:
        matches: list[RawMatch] = []
        started = _dre.start_action_for_state(self._handle, state_offset)
        if not started:
            return matches
        state, message = started
        while message:
            for key, matched in json.loads(message).items():
                matches.append((key, {name: _strip(f) for name, f in matched.items()}))
            _dre.update_state(self._handle, state)
            message = _dre.complete_and_start_action(self._handle, state_offset)
        return matches

    def delete(self) -> None:
        _dre.delete_state(self._handle, self._sid)


def _strip(fact: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k != "sid"}


class DurableBackend:
    """One durable-rules ruleset per shard, owned by this backend and freed on close."""

    name = "durable"

    def __init__(self, shards: Sequence[Shard]) -> None:
        self._prefix = f"ce{uuid.uuid4().hex[:12]}"
        self._handles: dict[str, int] = {}
        self._finalizer = weakref.finalize(self, _free, self._handles)
        self._sessions = 0
        for shard in shards:
            name = f"{self._prefix}_{shard.name}"
            try:
                self._handles[shard.name] = _dre.create_ruleset(
                    name, json.dumps(ruleset_definition(shard.rules))
                )
            except Exception as exc:
                self.close()
                raise BackendError(
                    f"durable-rules refused ruleset {shard.name} ({len(shard.rules)} rules): {exc}"
                ) from exc

    @contextmanager
    def session(self, shard: Shard) -> Iterator[DurableSession]:
        self._sessions += 1
        handle = self._handles[shard.name]
        sid = f"{self._prefix}-{self._sessions}"
        try:
            session = DurableSession(handle, sid)
        except BaseException:
            _dre.delete_state(handle, sid)
            raise
        try:
            yield session
        finally:
            session.delete()

    def close(self) -> None:
        self._finalizer()
