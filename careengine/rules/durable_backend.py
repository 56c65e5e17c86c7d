"""The durable-rules adapter: the only module that imports durable-rules.

It drives the C layer (``durable_rules_engine``) directly instead of ``durable.engine.Host``, which
neutralises the sharp edges listed in docs/design.md section 4.3:

1. background threads: no Host is created, so no dispatcher or timer thread ever runs and nothing
   can race with an evaluation or with the deletion of a session;
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
5. and 6. 32-bit session hashes and the 1,024-session limit: at most one session per ruleset is
   alive at a time (the engine serialises evaluations), so no two sessions can collide;
7. per-ruleset limits: the compiler shards rulesets far below them;
8. session-state loops: every pattern starts with a positive ``type`` and ``code`` test;
9. priorities: not used; the merge orders contributions explicitly;
10. which rule fired: rule keys are the ruleset's rule names, reported with the matched facts;
11. registration mutating dicts and leaking rulesets: definitions are built fresh, each ruleset
    gets a process-unique name, and handles are freed with ``delete_ruleset`` on close;
12. the ``durable.lang`` DSL is never imported.

**Sessions are isolated by default.** Every evaluation opens its own session (a sid never used
before) on each ruleset it reaches and deletes it when it ends, whatever happened. Creating a
session builds state over the whole rule network (about 1.4 ms for a 500-rule ruleset here),
which is most of the cost of an evaluation. An engine built with ``reuse_sessions=True`` (a
backend with ``keep_rules`` > 0) therefore keeps a session whose evaluation ended normally open,
with its facts retracted (by ``id``; retraction leaves no pending activation because rulesets
hold no negations), to serve the next evaluation on that ruleset. Kept sessions are bounded by
:data:`KEEP_RULES` (the rules of all rulesets that keep one: a live session holds 20 to 60 KiB
per rule); past it the least recently used is deleted.
A session is deleted instead of kept whenever anything went wrong during its evaluation or its
retraction. Every reported match is mapped back to the facts asserted *in the current
evaluation*; a match naming any other fact raises :class:`BackendError` (it would mean a fact
outlived its evaluation), so reuse cannot silently mix two patients.

One more edge, found here and not in the reference: ``createStateNode`` in the C engine leaves a
session's action context (``context.messages`` / ``context.stateFact``) uninitialised, and
``deleteStateNode`` frees those pointers. Deleting a session in which no action ever started
therefore frees garbage (valgrind shows the uninitialised reads; with a dirty heap it segfaults
every time). Every ruleset therefore carries a sentinel rule, and the first batch asserted into a
session carries its fact, so the sentinel fires (and the context is initialised and reset to
NULL) before anything can delete the session.

The C engine's ``update_state`` (which re-asserts the session state as a fact after every action)
is never called: actions do not change the state, and no rule can match it.

**Numbers.** durable-rules' JSON reader (``getNumber`` in ``json.c``) accepts an exponent only
after a fraction: ``1e+16`` (Python's spelling of ``1e16``) stops the parse, which makes it drop
that fact *and every fact after it in the batch* without an error, and in a session that already
exists it returns an uninitialised state offset that segfaults the next call (all found by the
differential tests). It also compares whole numbers as 64-bit integers, where the Python side
compares floats. So :func:`durable_json` writes such floats as ``1.0e+16`` and whole numbers past
2^53 as floats, and refuses non-finite numbers (validation keeps them out of facts and rules).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import durable_rules_engine as _dre

from careengine.errors import BackendError
from careengine.model import Severity
from careengine.rules.backend_protocol import Fact, RawMatch
from careengine.rules.compile import CompiledPattern, CompiledRule, Shard
from careengine.rules.model import Op, Test

#: Text in which durable-rules could misread a number: an exponent, a run of 16 digits (a whole
#: number past 2^53, or past its 64-bit integers), or a non-finite value. Matches elsewhere (in
#: strings, or an exponent after a fraction) only cost the careful path below, never correctness.
_RISKY = re.compile(r"[0-9][eE]|[0-9]{16}|NaN|Infinity")
_EXACT = 2**53


def durable_json(value: Any) -> str:
    """JSON text that durable-rules reads back as the same values (see the module docstring)."""
    text = json.dumps(value)
    if _RISKY.search(text) is None:
        return text
    return _careful(value)


def facts_json(facts: Sequence[Fact]) -> str:
    """:func:`durable_json` for flat fact records, checking the values instead of the text."""
    for fact in facts:
        for value in fact.values():
            kind = type(value)
            if kind is str or kind is bool or value is None:
                continue
            if kind is float and (1e-4 <= abs(value) < 1e16 or value == 0.0):
                continue  # Python writes these without an exponent
            if kind is int and -_EXACT < value < _EXACT:
                continue
            return _careful(list(facts))
    return json.dumps(facts)


def _careful(value: Any) -> str:
    if value is None or isinstance(value, bool | str):
        return json.dumps(value)
    if isinstance(value, int):
        if -_EXACT < value < _EXACT:
            return str(value)
        try:
            return _float_text(float(value))
        except OverflowError:
            raise BackendError(f"durable-rules cannot represent the number {value}") from None
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Mapping):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))}: {_careful(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_careful(v) for v in value) + "]"
    raise BackendError(f"durable-rules cannot represent {value!r}")


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        raise BackendError(f"durable-rules cannot represent the number {value!r}")
    text = repr(value)
    mantissa, exponent_mark, exponent = text.partition("e")
    if exponent_mark and "." not in mantissa:
        return f"{mantissa}.0e{exponent}"
    return text


def _test(test: Test, pattern: CompiledPattern) -> dict[str, Any]:
    field, value = test.field, test.value
    match test.op:
        case Op.EQ:
            return {field: value}
        case Op.NEQ:
            return {"$and": [{"$ex": {field: 1}}, {"$neq": {field: value}}]}
        case Op.IN:
            # one alternative per distinct value: a value listed twice would make durable-rules
            # match (and fire) the rule once per copy, where the python backend matches once
            options = [{field: v} for v in dict.fromkeys(value)]
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
SENTINEL_FACT: Fact = {"id": "__session", "type": "__session", "code": "open"}
_SENTINEL_PATTERN = {"$and": [{"type": "__session"}, {"code": "open"}]}

#: With session reuse, kept sessions hold at most this many rules' worth of state in all
#: (20-60 KiB a rule).
KEEP_RULES = 5000


def ruleset_definition(rules: Sequence[CompiledRule]) -> dict[str, Any]:
    """The durable-rules JSON for one shard, sentinel rule included (public so that benchmarks
    can run it raw)."""
    definition: dict[str, Any] = {SENTINEL_RULE: {"all": [{"m": _SENTINEL_PATTERN}]}}
    for rule in rules:
        definition[rule.key] = {"all": [{p.name: _pattern(p)} for p in rule.patterns]}
    return definition


def _free(handles: dict[str, int]) -> None:
    for handle in handles.values():
        with contextlib.suppress(Exception):  # best effort while freeing
            _dre.delete_ruleset(handle)
    handles.clear()


class DurableSession:
    """One durable-rules session (``sid``) on one ruleset, reusable across evaluations."""

    def __init__(self, handle: int, sid: str, rules: int) -> None:
        self.handle = handle
        self.sid = sid
        self.rules = rules
        self._started = False  # whether the sentinel has fired (the C state exists)
        #: facts asserted in the current evaluation, by id (the originals, as the runner gave them)
        self._live: dict[str, Fact] = {}

    def assert_facts(self, facts: Sequence[Fact]) -> list[RawMatch]:
        if not facts:
            return []
        sid = self.sid
        batch = [{**fact, "sid": sid} for fact in facts]
        if not self._started:
            batch.insert(0, {**SENTINEL_FACT, "sid": sid})
        live = self._live
        for fact in facts:
            live[str(fact["id"])] = fact
        try:
            code, state_offset = _dre.assert_facts(self.handle, facts_json(batch))
        except Exception as exc:
            raise BackendError(f"durable-rules refused the facts: {exc}") from exc
        if code not in (0, 1, 2, 3):  # pragma: no cover - the C layer raises on real errors
            raise BackendError(f"durable-rules returned code {code}")
        matches, opened = self._drain(state_offset)
        if opened != (not self._started):  # pragma: no cover - a C-level invariant
            raise BackendError(f"durable-rules did not open session {sid} cleanly")
        self._started = True
        return matches

    def _drain(self, state_offset: int) -> tuple[list[RawMatch], bool]:
        """Every match the assert queued, and whether the sentinel rule was among them."""
        matches: list[RawMatch] = []
        opened = False
        started = _dre.start_action_for_state(self.handle, state_offset)
        if not started:
            return matches, opened
        message = started[1]
        live = self._live
        handle = self.handle
        while message:
            for key, matched in json.loads(message).items():
                if key == SENTINEL_RULE:
                    opened = True
                    continue
                try:
                    bound = {name: live[str(fact["id"])] for name, fact in matched.items()}
                except KeyError as exc:
                    raise BackendError(
                        f"durable-rules matched fact {exc.args[0]!r}, which is not part of "
                        "this evaluation"
                    ) from None
                matches.append((key, bound))
            message = _dre.complete_and_start_action(handle, state_offset)
        return matches, opened

    def reset(self) -> bool:
        """Retract this evaluation's facts so the session can serve the next one."""
        if not self._live:
            return True
        payload = json.dumps([{"id": fid, "sid": self.sid} for fid in self._live])
        self._live = {}
        try:
            _dre.retract_facts(self.handle, payload)
        except Exception:  # the caller deletes the session instead
            return False
        return True

    def delete(self) -> None:
        self._live = {}
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):  # a session that no longer exists is fine
                _dre.delete_state(self.handle, self.sid)


class DurableBackend:
    """One durable-rules ruleset per shard, owned by this backend and freed on close.

    Not thread-safe on its own: :class:`~careengine.engine.Engine` serialises all calls.
    """

    name = "durable"

    def __init__(self, shards: Sequence[Shard], *, keep_rules: int = 0) -> None:
        self._prefix = f"ce{uuid.uuid4().hex[:12]}"
        self._handles: dict[str, int] = {}
        self._keep_rules = keep_rules
        #: idle sessions kept for reuse, least recently used first
        self._idle: OrderedDict[str, DurableSession] = OrderedDict()
        self._finalizer = weakref.finalize(self, _free, self._handles)
        self._sessions = 0
        for shard in shards:
            name = f"{self._prefix}_{shard.name}"
            try:
                self._handles[shard.name] = _dre.create_ruleset(
                    name, durable_json(ruleset_definition(shard.rules))
                )
            except Exception as exc:
                self.close()
                raise BackendError(
                    f"durable-rules refused ruleset {shard.name} ({len(shard.rules)} rules): {exc}"
                ) from exc

    def _open(self, shard: Shard) -> DurableSession:
        self._sessions += 1
        return DurableSession(
            self._handles[shard.name], f"{self._prefix}-{self._sessions}", len(shard.rules)
        )

    @contextmanager
    def session(self, shard: Shard) -> Iterator[DurableSession]:
        session = self._idle.pop(shard.name, None) or self._open(shard)
        kept = False
        try:
            yield session
            kept = self._keep_rules > 0 and session.reset()
        finally:
            if kept:
                self._keep(shard.name, session)
            else:
                session.delete()

    def _keep(self, name: str, session: DurableSession) -> None:
        self._idle[name] = session
        total = sum(s.rules for s in self._idle.values())
        while self._idle and total > self._keep_rules:
            _, oldest = self._idle.popitem(last=False)
            total -= oldest.rules
            oldest.delete()

    def live_sessions(self) -> list[tuple[int, str]]:
        """(ruleset handle, sid) of every session kept open for reuse."""
        return [(s.handle, s.sid) for s in self._idle.values()]

    def close(self) -> None:
        while self._idle:
            self._idle.popitem()[1].delete()
        self._finalizer()
