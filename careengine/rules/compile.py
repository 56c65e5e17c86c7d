"""Compile validated rule packs into a backend-neutral :class:`Program`.

The program is what both backends consume:

* every ``any`` alternative becomes its own :class:`CompiledRule` (one rule id, several keys);
* rules are ordered into **strata** so that a rule negating a derived code runs only after every
  rule that can derive it (stratified negation: the result never depends on firing order);
* within a stratum, rules are split into **shards** that stay well below durable-rules' per-ruleset
  limits (rule count, rules sharing one identical pattern, distinct values under one test node)
  and that group rules by the facts they test, so an evaluation touches only shards that can match.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

import attrs

from careengine.errors import Problem, RulePackError
from careengine.rules.model import Call, Derive, FactType, Op, Pattern, Rule, RulePack, Test

#: Shard limits, well inside durable-rules' hard limits (4,096 rules, 256 rules sharing an
#: identical test, 512 distinct values under one node, and a fixed 64-entry stack when a fact
#: walks the alpha network: more than 64 distinct tests one fact can pass under the same code
#: fail with error 303, so distinct pattern variants per code are bounded too).
MAX_RULES_PER_SHARD = 500
MAX_IDENTICAL_PATTERNS = 200
MAX_CODES_PER_TYPE = 300
MAX_VARIANTS_PER_CODE = 40
#: An ``in`` list becomes one alternative per value below a single node, and durable-rules hangs
#: past 512 of them, so validation caps the list (a rule with a long list gets a shard alone).
MAX_IN_VALUES = 256

FactKey = tuple[str, str]  # (fact type, code)


@attrs.frozen(kw_only=True)
class CompiledPattern:
    name: str
    fact: FactType
    code: str
    tests: tuple[Test, ...]
    #: name of the first positive pattern, for ``same_as_first`` tests
    first: str
    #: (fact type, code): the facts this pattern can match
    key: FactKey = attrs.field(init=False)

    @key.default
    def _key(self) -> FactKey:
        return (self.fact.value, self.code)

    def signature(self) -> tuple[object, ...]:
        return (self.fact.value, self.code, self.tests)


@attrs.frozen(kw_only=True)
class CompiledRule:
    key: str
    rule: Rule
    pack: RulePack
    patterns: tuple[CompiledPattern, ...]
    negations: tuple[CompiledPattern, ...]
    #: the facts this rule's positive patterns can match (what a backend must see)
    fact_keys: frozenset[FactKey] = attrs.field(init=False)

    @fact_keys.default
    def _fact_keys(self) -> frozenset[FactKey]:
        return frozenset(p.key for p in self.patterns)


@attrs.frozen(kw_only=True)
class Shard:
    name: str
    rules: tuple[CompiledRule, ...]
    keys: frozenset[FactKey]


@attrs.frozen(kw_only=True)
class Stratum:
    level: int
    shards: tuple[Shard, ...]


@attrs.frozen(kw_only=True)
class Program:
    strata: tuple[Stratum, ...]
    rules: Mapping[str, CompiledRule]  # by key

    @property
    def rule_count(self) -> int:
        return len({r.rule.id for r in self.rules.values()})


def _expand(rule: Rule, pack: RulePack, first_key: int) -> list[CompiledRule]:
    alternatives: Sequence[Pattern | None] = rule.when.any or (None,)
    compiled = []
    for offset, alternative in enumerate(alternatives):
        positives = list(rule.when.all) + ([alternative] if alternative is not None else [])
        first = "p0"
        patterns = tuple(
            CompiledPattern(name=f"p{i}", fact=p.fact, code=p.code, tests=p.tests, first=first)
            for i, p in enumerate(positives)
        )
        negations = tuple(
            CompiledPattern(name=f"n{i}", fact=p.fact, code=p.code, tests=p.tests, first=first)
            for i, p in enumerate(rule.when.none)
        )
        compiled.append(
            CompiledRule(
                key=f"r{first_key + offset}",
                rule=rule,
                pack=pack,
                patterns=patterns,
                negations=negations,
            )
        )
    return compiled


def derives_of(rule: Rule) -> set[str]:
    codes: set[str] = set()
    for action in rule.then:
        if isinstance(action, Derive):
            codes.add(action.code)
        elif isinstance(action, Call):
            codes.update(action.derives)
    return codes


def stratify(rules: Sequence[Rule]) -> dict[str, int]:
    """Level of every rule id; raises RulePackError on a cycle through negation."""
    producers: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        for code in derives_of(rule):
            producers[code].append(rule.id)
    level = {rule.id: 0 for rule in rules}
    for _ in range(len(rules) + 1):
        changed = False
        for rule in rules:
            needed = level[rule.id]
            for p in rule.when.positive():
                if p.fact is FactType.DERIVED:
                    needed = max([needed, *(level[r] for r in producers.get(p.code, ()))])
            for p in rule.when.none:
                if p.fact is FactType.DERIVED:
                    needed = max([needed, *(level[r] + 1 for r in producers.get(p.code, ()))])
            if needed != level[rule.id]:
                level[rule.id] = needed
                changed = True
        if not changed:
            return level
    cyclic = sorted(r for r, lv in level.items() if lv >= len(rules))
    raise RulePackError(
        "rules cannot be ordered",
        problems=[
            Problem(
                rule_id=rule_id,
                message="cycle through negation: this rule negates a derived fact that depends "
                "on its own outcome",
            )
            for rule_id in cyclic
        ],
    )


def _variants(rule: CompiledRule, pattern: CompiledPattern) -> set[object]:
    """The test chains a pattern adds below its code in durable-rules' network.

    An ``in`` test fans out into one chain per value, and the tests after it hang below a node
    of the pattern's own (never shared, and each such node is another entry in durable-rules'
    128-entry list and 64-entry stack), so every value counts, and the pattern once more.
    """
    for i, test in enumerate(pattern.tests):
        if test.op is Op.IN and len(test.value) > 1:
            head = pattern.tests[:i]
            chains: set[object] = {
                (*head, attrs.evolve(test, op=Op.EQ, value=v)) for v in test.value
            }
            return chains | {(rule.key, pattern.name)}
    return {pattern.tests}


def _shard(rules: Sequence[CompiledRule], level: int) -> list[Shard]:
    """Greedy split that keeps each shard inside the limits, grouping rules by fact keys.

    Rules are grouped by their most widely used fact key: a fact then reaches few shards (an
    evaluation opens sessions only on shards some fact concerns), because the rules that test a
    popular code sit together instead of being spread over every shard.
    """
    popularity: Counter[FactKey] = Counter(k for r in rules for k in r.fact_keys)

    def group(rule: CompiledRule) -> tuple[int, FactKey, str]:
        if not rule.fact_keys:
            return (0, ("", ""), rule.key)
        top = max(rule.fact_keys, key=lambda k: (popularity[k], k))
        return (-popularity[top], top, rule.key)

    ordered = sorted(rules, key=group)
    shards: list[list[CompiledRule]] = []
    current: list[CompiledRule] = []
    signatures: Counter[tuple[object, ...]] = Counter()
    codes: dict[str, set[str]] = defaultdict(set)
    variants: dict[FactKey, set[object]] = defaultdict(set)
    pattern_variants = {(r.key, p.name): _variants(r, p) for r in ordered for p in r.patterns}

    def fits(rule: CompiledRule) -> bool:
        if len(current) >= MAX_RULES_PER_SHARD:
            return False
        for p in rule.patterns:
            if signatures[p.signature()] + 1 > MAX_IDENTICAL_PATTERNS:
                return False
            known = codes[p.fact.value]
            if p.code not in known and len(known) + 1 > MAX_CODES_PER_TYPE:
                return False
            seen = variants[p.key]
            added = pattern_variants[(rule.key, p.name)] - seen
            if len(seen) + len(added) > MAX_VARIANTS_PER_CODE:
                return False
        return True

    for rule in ordered:
        if current and not fits(rule):
            shards.append(current)
            current, signatures, codes, variants = [], Counter(), defaultdict(set), defaultdict(set)
        current.append(rule)
        for p in rule.patterns:
            signatures[p.signature()] += 1
            codes[p.fact.value].add(p.code)
            variants[p.key] |= pattern_variants[(rule.key, p.name)]
    if current:
        shards.append(current)
    return [
        Shard(
            name=f"s{level}_{i}",
            rules=tuple(shard),
            keys=frozenset().union(*(r.fact_keys for r in shard)),
        )
        for i, shard in enumerate(shards)
    ]


def compile_packs(packs: Iterable[RulePack]) -> Program:
    """Compile packs (already validated) into a :class:`Program`."""
    pairs = sorted(((rule, pack) for pack in packs for rule in pack.rules), key=lambda p: p[0].id)
    levels = stratify([rule for rule, _ in pairs])
    by_level: dict[int, list[CompiledRule]] = defaultdict(list)
    next_key = 0
    for rule, pack in pairs:
        expanded = _expand(rule, pack, next_key)
        next_key += len(expanded)
        by_level[levels[rule.id]].extend(expanded)
    strata = tuple(
        Stratum(level=level, shards=tuple(_shard(by_level[level], level)))
        for level in sorted(by_level)
    )
    rules = {r.key: r for stratum in strata for shard in stratum.shards for r in shard.rules}
    return Program(strata=strata, rules=rules)
