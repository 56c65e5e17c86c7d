"""The pure-Python backend: an indexed matcher with the semantics of the durable-rules adapter.

Used where durable-rules does not import (Python 3.13+, no C compiler), on request
(``backend="python"``), and as the oracle the differential tests hold durable-rules against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from careengine.rules.backend import Fact, RawMatch
from careengine.rules.compile import CompiledRule, FactKey, Shard
from careengine.rules.matching import matches


class PythonSession:
    def __init__(self, rules: Sequence[CompiledRule], by_key: Mapping[FactKey, list[CompiledRule]]):
        self._rules = rules
        self._by_key = by_key
        self._facts: dict[FactKey, list[Fact]] = defaultdict(list)
        self._fired: set[tuple[str, tuple[str, ...]]] = set()

    def assert_facts(self, facts: Sequence[Fact]) -> list[RawMatch]:
        new_ids: set[str] = set()
        touched: dict[str, CompiledRule] = {}
        for fact in facts:
            key = (str(fact["type"]), str(fact["code"]))
            self._facts[key].append(fact)
            new_ids.add(str(fact["id"]))
            for rule in self._by_key.get(key, ()):
                touched[rule.key] = rule
        out: list[RawMatch] = []
        for rule in touched.values():
            for bound in self._combinations(rule, 0, {}, set()):
                ids = tuple(str(bound[p.name]["id"]) for p in rule.patterns)
                if not new_ids.intersection(ids) or (rule.key, ids) in self._fired:
                    continue
                self._fired.add((rule.key, ids))
                out.append((rule.key, dict(bound)))
        return out

    def _combinations(
        self, rule: CompiledRule, index: int, bound: dict[str, Fact], used: set[str]
    ) -> Iterator[dict[str, Fact]]:
        if index == len(rule.patterns):
            yield bound
            return
        pattern = rule.patterns[index]
        first: Mapping[str, Any] | None = bound.get(pattern.first)
        for fact in self._facts.get(pattern.key, ()):
            fid = str(fact["id"])
            if fid in used or not matches(pattern, fact, first):
                continue
            bound[pattern.name] = fact
            used.add(fid)
            yield from self._combinations(rule, index + 1, bound, used)
            used.discard(fid)
            del bound[pattern.name]


class PythonBackend:
    name = "python"

    def __init__(self, shards: Sequence[Shard]) -> None:
        self._shards: dict[str, tuple[Sequence[CompiledRule], dict[FactKey, list[CompiledRule]]]]
        self._shards = {}
        for shard in shards:
            by_key: dict[FactKey, list[CompiledRule]] = defaultdict(list)
            for rule in shard.rules:
                for key in sorted(rule.keys()):
                    by_key[key].append(rule)
            self._shards[shard.name] = (shard.rules, dict(by_key))

    @contextmanager
    def session(self, shard: Shard) -> Iterator[PythonSession]:
        rules, by_key = self._shards[shard.name]
        yield PythonSession(rules, by_key)

    def close(self) -> None:
        self._shards.clear()
