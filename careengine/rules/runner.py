"""Drive a compiled :class:`Program` over facts: strata, shards, chaining, negation, actions.

The same driver runs over every backend, so both give the same contributions:

* strata run in order; every fact a stratum's negations can refer to is known before it starts;
* within a stratum each shard gets its own session (opened only when some fact concerns it) and
  facts derived by rules are fed back into every shard that can match them until nothing new
  is derived (forward chaining to a fixpoint);
* negated patterns are checked here against the complete fact set;
* actions run here, after matching, so an exception in a Python action surfaces as
  :class:`RuleExecutionError` naming the rule, and all sessions are still deleted;
* chaining is bounded: a stratum may feed derived facts back at most :data:`MAX_DERIVE_ROUNDS`
  times (or once per ``derive`` action of the stratum, if it has more), and one evaluation may
  derive at most :data:`MAX_DERIVED_FACTS` facts. Rules whose derives only name fixed values
  (every TOML rule) cannot reach either limit; a Python action that keeps deriving new values
  (``n + 1`` from ``n``) stops with a :class:`RuleExecutionError` naming it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import attrs

from careengine.errors import CareEngineError, RuleExecutionError
from careengine.model import Because, Contribution, DerivedFact
from careengine.pipeline.facts import Fact, derived_fact
from careengine.rules.backend_protocol import Backend, BackendSession, RawMatch
from careengine.rules.backend_protocol import Fact as BoundFact  # read-only: what a backend matched
from careengine.rules.compile import CompiledRule, FactKey, Program, Stratum
from careengine.rules.contributions import _ACTION_TYPES, _NO_BECAUSE, _contribution, _findings
from careengine.rules.matching import matches
from careengine.rules.model import (
    Action,
    Add,
    Call,
    Derive,
    FactType,
    Match,
)

#: Rounds of chaining (derived facts fed back into the sessions) allowed per stratum; a stratum
#: with more ``derive`` actions than this is allowed one round per ``derive`` action instead.
MAX_DERIVE_ROUNDS = 100
#: Derived facts one evaluation may produce.
MAX_DERIVED_FACTS = 10_000

#: Called with (rule, action) for actions produced at run time by Python code; raises
#: CareEngineError when an action names something the catalog does not know.
ActionCheck = Callable[[CompiledRule, Action], None]


@attrs.frozen(kw_only=True)
class RunResult:
    contributions: tuple[Contribution, ...]
    derived: tuple[Fact, ...]
    fired: tuple[str, ...]  # rule ids that fired, sorted
    #: labels (``type:code``) of the facts that kept a rule from firing through its ``none``
    #: although its positive patterns matched, sorted (what ``not_used`` counts as used)
    blocked: tuple[str, ...] = ()


def _key(fact: Mapping[str, Any]) -> FactKey:
    return (str(fact["type"]), str(fact["code"]))


def _match_order(match: RawMatch) -> tuple[str, list[tuple[str, str]]]:
    bound = match[1]
    if len(bound) == 1:  # most rules have one pattern
        for name, fact in bound.items():
            return (match[0], [(name, str(fact["id"]))])
    return (match[0], sorted([(n, str(f["id"])) for n, f in bound.items()]))


@attrs.frozen(kw_only=True)
class _Step:
    """One action of a rule, prepared once: a contribution's fields, a derived fact or a call."""

    fields: Mapping[str, Any] | None = None  # Contribution fields but ``because``
    wants_findings: bool = False  # an ``add`` without ``addresses``: the matched findings
    derived: Fact | None = None
    derive_code: str | None = None
    call: Call | None = None


@attrs.frozen(kw_only=True)
class _Prepared:
    """What firing a rule needs that does not depend on the match."""

    rule_id: str
    because: Mapping[str, Any]  # Because fields but ``matched``
    steps: tuple[_Step, ...]


def _prepare(rule: CompiledRule) -> _Prepared:
    steps = []
    for action in rule.rule.then:
        if isinstance(action, Call):
            steps.append(_Step(call=action))
        elif isinstance(action, Derive):
            steps.append(
                _Step(
                    derived=derived_fact(DerivedFact(code=action.code, value=action.value)),
                    derive_code=action.code,
                )
            )
        else:
            wants = isinstance(action, Add) and action.addresses is None
            template = _contribution(action, rule, _NO_BECAUSE, ())
            fields = {
                f.name: getattr(template, f.name)
                for f in attrs.fields(Contribution)
                if f.name not in ("because", "addresses")
            }
            if not wants:
                fields["addresses"] = template.addresses
            steps.append(_Step(fields=fields, wants_findings=wants))
    return _Prepared(
        rule_id=rule.rule.id,
        because={
            "rule": rule.rule.id,
            "pack": rule.pack.id,
            "pack_version": rule.pack.version,
            "plugin": rule.pack.plugin,
            "rationale": rule.rule.because,
        },
        steps=tuple(steps),
    )


class RuleRunner:
    def __init__(self, program: Program, backend: Backend, check: ActionCheck | None = None):
        self.program = program
        self.backend = backend
        self._check = check
        # the lowest stratum that negates each derived code: a derive at or above it is unsound
        self._negated_at: dict[str, int] = {}
        for stratum in program.strata:
            for shard in stratum.shards:
                for rule in shard.rules:
                    for p in rule.negations:
                        if p.fact is FactType.DERIVED:
                            level = min(self._negated_at.get(p.code, stratum.level), stratum.level)
                            self._negated_at[p.code] = level
        self._prepared = {key: _prepare(rule) for key, rule in program.rules.items()}
        # per stratum: fact key -> indices of the shards whose rules test it
        self._routes: list[dict[FactKey, tuple[int, ...]]] = []
        for stratum in program.strata:
            routes: dict[FactKey, list[int]] = defaultdict(list)
            for index, shard in enumerate(stratum.shards):
                for key in shard.keys:
                    routes[key].append(index)
            self._routes.append({k: tuple(v) for k, v in routes.items()})
        # per stratum: the rounds of chaining allowed (facts with fixed values never exceed it)
        self._max_rounds = [
            max(
                MAX_DERIVE_ROUNDS,
                sum(
                    isinstance(action, Derive)
                    for shard in stratum.shards
                    for rule in shard.rules
                    for action in rule.rule.then
                ),
            )
            for stratum in program.strata
        ]

    def run(self, facts: Sequence[Fact]) -> RunResult:
        known: dict[str, Fact] = {str(f["id"]): f for f in facts}
        by_key: dict[FactKey, list[Fact]] = defaultdict(list)
        for fact in known.values():
            by_key[_key(fact)].append(fact)
        contributions: list[Contribution] = []
        derived: list[Fact] = []
        fired: set[str] = set()
        blocked: set[str] = set()
        for stratum, routes, max_rounds in zip(
            self.program.strata, self._routes, self._max_rounds, strict=True
        ):
            self._run_stratum(
                stratum, routes, max_rounds, known, by_key, contributions, derived, fired, blocked
            )
        return RunResult(
            contributions=tuple(contributions),
            derived=tuple(sorted(derived, key=lambda f: str(f["id"]))),
            fired=tuple(sorted(fired)),
            blocked=tuple(sorted(blocked)),
        )

    def _run_stratum(
        self,
        stratum: Stratum,
        routes: Mapping[FactKey, tuple[int, ...]],
        max_rounds: int,
        known: dict[str, Fact],
        by_key: dict[FactKey, list[Fact]],
        contributions: list[Contribution],
        derived: list[Fact],
        fired: set[str],
        blocked: set[str],
    ) -> None:
        shards = stratum.shards
        rules = self.program.rules
        with ExitStack() as stack:
            sessions: dict[int, BackendSession] = {}
            pending = [known[fid] for fid in sorted(known)]  # known is keyed by str(id)
            derivers: set[str] = set()  # the rules that derived the pending facts
            rounds = 0  # rounds of chaining: derived facts fed back
            while pending:
                if derivers:
                    rounds += 1
                    if rounds > max_rounds:
                        raise _cycle(derivers, pending, max_rounds)
                    derivers = set()
                routed: dict[int, list[Fact]] = defaultdict(list)
                for fact in pending:  # the fact's key inline: one call less for every fact
                    for index in routes.get((str(fact["type"]), str(fact["code"])), ()):
                        routed[index].append(fact)
                raw: list[RawMatch] = []
                for index in sorted(routed):
                    session = sessions.get(index)
                    if session is None:
                        session = stack.enter_context(self.backend.session(shards[index]))
                        sessions[index] = session
                    raw.extend(session.assert_facts(routed[index]))
                pending = []
                if len(raw) > 1:
                    raw.sort(key=_match_order)
                for rule_key, bound in raw:
                    rule = rules[rule_key]
                    if rule.negations:
                        blockers = self._blockers(rule, bound, by_key)
                        if blockers:
                            blocked.update(blockers)
                            continue
                    fired.add(rule.rule.id)
                    for fact in self._fire(rule, bound, stratum.level, contributions):
                        if fact["id"] not in known:
                            known[fact["id"]] = fact
                            by_key[_key(fact)].append(fact)
                            derived.append(fact)
                            pending.append(fact)
                            derivers.add(rule.rule.id)
                            if len(derived) > MAX_DERIVED_FACTS:
                                raise RuleExecutionError(
                                    f"derived more than {MAX_DERIVED_FACTS} facts in one "
                                    f"evaluation (the last: {_shown(fact)}); a rule that keeps "
                                    "deriving new values never finishes",
                                    rule_id=rule.rule.id,
                                )

    @staticmethod
    def _blockers(
        rule: CompiledRule, bound: Mapping[str, BoundFact], by_key: Mapping[FactKey, list[Fact]]
    ) -> set[str]:
        """The labels of the facts matching one of the rule's negations (empty: not blocked)."""
        first = bound.get("p0")
        return {
            f"{fact['type']}:{fact['code']}"
            for negation in rule.negations
            for fact in by_key.get(negation.key, ())
            if matches(negation, fact, first)
        }

    def _fire(
        self,
        rule: CompiledRule,
        bound: Mapping[str, BoundFact],
        level: int,
        contributions: list[Contribution],
    ) -> list[Fact]:
        prepared = self._prepared[rule.key]
        facts = bound.values()
        because = Because(
            **prepared.because, matched=sorted({f"{f['type']}:{f['code']}" for f in facts})
        )
        findings: list[str] | None = None
        new_facts: list[Fact] = []
        for step in prepared.steps:
            if step.fields is not None:
                if step.wants_findings:
                    if findings is None:
                        findings = _findings(facts)
                    contributions.append(
                        Contribution(**step.fields, because=because, addresses=findings)
                    )
                else:
                    contributions.append(Contribution(**step.fields, because=because))
            elif step.derive_code is not None:
                self._derive(rule, step.derive_code, step.derived, level, new_facts)
            elif step.call is not None:
                if findings is None:
                    findings = _findings(facts)
                for action in self._call(rule, step.call, bound):
                    if isinstance(action, Derive):
                        record = derived_fact(DerivedFact(code=action.code, value=action.value))
                        self._derive(rule, action.code, record, level, new_facts)
                    else:
                        contributions.append(_contribution(action, rule, because, findings))
        return new_facts

    def _derive(
        self, rule: CompiledRule, code: str, record: Fact | None, level: int, out: list[Fact]
    ) -> None:
        if record is None:
            return
        if self._negated_at.get(code, level + 1) <= level:
            raise RuleExecutionError(
                f"derives {code!r}, which a rule negates in the same or an "
                "earlier stratum; declare it in Call(derives=...)",
                rule_id=rule.rule.id,
            )
        out.append(dict(record))

    def _call(
        self, rule: CompiledRule, action: Call, bound: Mapping[str, BoundFact]
    ) -> list[Action]:
        try:
            # copies: an action that changes what it was given cannot change the evaluation
            facts = {name: dict(fact) for name, fact in bound.items()}
            produced = list(action.fn(Match(rule_id=rule.rule.id, facts=facts)) or ())
        except CareEngineError:
            raise
        except Exception as exc:
            raise RuleExecutionError(
                f"action {action.name} raised {type(exc).__name__}: {exc}",
                rule_id=rule.rule.id,
            ) from exc
        for item in produced:
            if isinstance(item, Call) or not isinstance(item, _ACTION_TYPES):
                raise RuleExecutionError(
                    f"action {action.name} returned {item!r}, which is not an action",
                    rule_id=rule.rule.id,
                )
            if isinstance(item, Derive) and item.code not in action.derives:
                raise RuleExecutionError(
                    f"action {action.name} derived {item.code!r} without declaring it "
                    "in Call(derives=...)",
                    rule_id=rule.rule.id,
                )
            if self._check is not None:
                self._check(rule, item)
        return produced


def _shown(fact: Fact) -> str:
    return f"{fact['code']} = {json.dumps(fact.get('value'), ensure_ascii=False)[:60]}"


def _cycle(derivers: set[str], pending: Sequence[Fact], rounds: int) -> RuleExecutionError:
    """The error for a stratum still deriving new facts after ``rounds`` rounds of chaining."""
    first, *others = sorted(derivers)
    also = f" (with {', '.join(others)})" if others else ""
    return RuleExecutionError(
        f"derive cycle{also}: still deriving new facts after {rounds} rounds of chaining "
        f"(the last: {_shown(pending[-1])}); a rule that keeps deriving new values never finishes",
        rule_id=first,
    )
