"""The pure-Python backend: an indexed matcher with the semantics of the durable-rules adapter.

Used where durable-rules does not import (Python 3.13+, no C compiler), on request
(``backend="python"``), and as the oracle the differential tests hold durable-rules against.

Facts are indexed by (type, code); each pattern's single-fact tests are compiled once into a
predicate (:func:`careengine.rules.matching.compile_pattern`), so a join only enumerates facts
that already pass them. Like durable-rules, a rule fires once per combination of distinct facts
(refraction), including combinations completed by facts asserted later into the same session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import attrs

from careengine.rules.backend_protocol import Fact, RawMatch
from careengine.rules.compile import CompiledRule, FactKey, Shard
from careengine.rules.matching import Predicate, passes
from careengine.rules.matching import compile_pattern as _compile
from careengine.rules.model import Test


@attrs.frozen
class _Pattern:
    name: str
    key: FactKey
    first: str
    accepts: Predicate  # the tests on this fact alone
    joins: tuple[Test, ...]  # tests against the first pattern's fact


@attrs.frozen
class _Rule:
    key: str
    patterns: tuple[_Pattern, ...]


def _prepare(rule: CompiledRule) -> _Rule:
    patterns = []
    for p in rule.patterns:
        accepts, joins = _compile(p)
        patterns.append(
            _Pattern(name=p.name, key=p.key, first=p.first, accepts=accepts, joins=joins)
        )
    return _Rule(key=rule.key, patterns=tuple(patterns))


class PythonSession:
    def __init__(self, by_key: Mapping[FactKey, Sequence[_Rule]]) -> None:
        self._by_key = by_key
        self._facts: dict[FactKey, list[Fact]] = defaultdict(list)
        self._fired: set[tuple[str, tuple[str, ...]]] = set()

    def assert_facts(self, facts: Sequence[Fact]) -> list[RawMatch]:
        new_ids: set[str] = set()
        fresh: dict[FactKey, list[Fact]] = defaultdict(list)
        touched: dict[str, _Rule] = {}
        for fact in facts:
            key = (str(fact["type"]), str(fact["code"]))
            self._facts[key].append(fact)
            fresh[key].append(fact)
            new_ids.add(str(fact["id"]))
            for rule in self._by_key.get(key, ()):
                touched[rule.key] = rule
        out: list[RawMatch] = []
        fired = self._fired
        for rule in touched.values():
            if len(rule.patterns) == 1:
                # one pattern: every new match is a new fact that passes it
                (pattern,) = rule.patterns
                for fact in fresh.get(pattern.key, ()):
                    if pattern.accepts(fact) and (
                        not pattern.joins or self._joined(pattern, fact, None)
                    ):
                        ids: tuple[str, ...] = (str(fact["id"]),)
                        if (rule.key, ids) not in fired:
                            fired.add((rule.key, ids))
                            out.append((rule.key, {pattern.name: fact}))
                continue
            candidates = [
                [f for f in self._facts.get(p.key, ()) if p.accepts(f)] for p in rule.patterns
            ]
            if not all(candidates):
                continue
            for bound in self._combinations(rule, candidates, 0, {}, set()):
                ids = tuple(str(bound[p.name]["id"]) for p in rule.patterns)
                if not new_ids.intersection(ids) or (rule.key, ids) in fired:
                    continue
                fired.add((rule.key, ids))
                out.append((rule.key, dict(bound)))
        return out

    @staticmethod
    def _joined(pattern: _Pattern, fact: Fact, first: Mapping[str, Any] | None) -> bool:
        return all(passes(test, fact, first) for test in pattern.joins)

    def _combinations(
        self,
        rule: _Rule,
        candidates: list[list[Fact]],
        index: int,
        bound: dict[str, Fact],
        used: set[str],
    ) -> Iterator[dict[str, Fact]]:
        if index == len(rule.patterns):
            yield bound
            return
        pattern = rule.patterns[index]
        first: Mapping[str, Any] | None = bound.get(pattern.first)
        for fact in candidates[index]:
            fid = str(fact["id"])
            if fid in used or (pattern.joins and not self._joined(pattern, fact, first)):
                continue
            bound[pattern.name] = fact
            used.add(fid)
            yield from self._combinations(rule, candidates, index + 1, bound, used)
            used.discard(fid)
            del bound[pattern.name]


class PythonBackend:
    name = "python"

    def __init__(self, shards: Sequence[Shard]) -> None:
        self._shards: dict[str, dict[FactKey, tuple[_Rule, ...]]] = {}
        for shard in shards:
            by_key: dict[FactKey, list[_Rule]] = defaultdict(list)
            for rule in shard.rules:
                prepared = _prepare(rule)
                for key in sorted(rule.fact_keys):
                    by_key[key].append(prepared)
            self._shards[shard.name] = {k: tuple(v) for k, v in by_key.items()}

    @contextmanager
    def session(self, shard: Shard) -> Iterator[PythonSession]:
        yield PythonSession(self._shards[shard.name])

    def close(self) -> None:
        self._shards.clear()
