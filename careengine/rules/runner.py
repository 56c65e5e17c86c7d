"""Drive a compiled :class:`Program` over facts: strata, shards, chaining, negation, actions.

The same driver runs over every backend, so both give the same contributions:

* strata run in order; every fact a stratum's negations can refer to is known before it starts;
* within a stratum each shard gets its own session (opened only when some fact concerns it) and
  facts derived by rules are fed back into every shard that can match them until nothing new
  is derived (forward chaining to a fixpoint);
* negated patterns are checked here against the complete fact set;
* actions run here, after matching, so an exception in a Python action surfaces as
  :class:`RuleExecutionError` naming the rule, and all sessions are still deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import attrs

from careengine.errors import CareEngineError, RuleExecutionError
from careengine.facts import Fact, derived_fact, label
from careengine.model import Because, Contribution, DerivedFact
from careengine.rules.backend import Backend, BackendSession, RawMatch
from careengine.rules.compile import CompiledRule, FactKey, Program, Stratum
from careengine.rules.matching import matches
from careengine.rules.model import (
    Action,
    Add,
    AddPrecaution,
    Call,
    Derive,
    Exclude,
    FactType,
    Match,
    RaiseAlert,
    Refer,
    StartStage,
)

#: Called with (rule, action) for actions produced at run time by Python code; raises
#: CareEngineError when an action names something the catalog does not know.
ActionCheck = Callable[[CompiledRule, Action], None]


@attrs.frozen(kw_only=True)
class RunResult:
    contributions: tuple[Contribution, ...]
    derived: tuple[Fact, ...]
    fired: tuple[str, ...]  # rule ids that fired, sorted


def _key(fact: Mapping[str, Any]) -> FactKey:
    return (str(fact["type"]), str(fact["code"]))


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

    def run(self, facts: Sequence[Fact]) -> RunResult:
        known: dict[str, Fact] = {str(f["id"]): f for f in facts}
        by_key: dict[FactKey, list[Fact]] = defaultdict(list)
        for fact in known.values():
            by_key[_key(fact)].append(fact)
        contributions: list[Contribution] = []
        derived: list[Fact] = []
        fired: set[str] = set()
        for stratum in self.program.strata:
            self._run_stratum(stratum, known, by_key, contributions, derived, fired)
        return RunResult(
            contributions=tuple(contributions),
            derived=tuple(sorted(derived, key=lambda f: str(f["id"]))),
            fired=tuple(sorted(fired)),
        )

    def _run_stratum(
        self,
        stratum: Stratum,
        known: dict[str, Fact],
        by_key: dict[FactKey, list[Fact]],
        contributions: list[Contribution],
        derived: list[Fact],
        fired: set[str],
    ) -> None:
        with ExitStack() as stack:
            sessions: dict[str, BackendSession] = {}
            pending = sorted(known.values(), key=lambda f: str(f["id"]))
            while pending:
                raw: list[RawMatch] = []
                for shard in stratum.shards:
                    relevant = [f for f in pending if _key(f) in shard.keys]
                    if not relevant:
                        continue
                    if shard.name not in sessions:
                        sessions[shard.name] = stack.enter_context(self.backend.session(shard))
                    raw.extend(sessions[shard.name].assert_facts(relevant))
                pending = []
                raw.sort(key=lambda m: (m[0], sorted((n, str(f["id"])) for n, f in m[1].items())))
                for rule_key, bound in raw:
                    rule = self.program.rules[rule_key]
                    if self._blocked(rule, bound, by_key):
                        continue
                    fired.add(rule.rule.id)
                    for fact in self._fire(rule, bound, stratum.level, contributions):
                        if fact["id"] not in known:
                            known[fact["id"]] = fact
                            by_key[_key(fact)].append(fact)
                            derived.append(fact)
                            pending.append(fact)

    @staticmethod
    def _blocked(
        rule: CompiledRule, bound: Mapping[str, Fact], by_key: Mapping[FactKey, list[Fact]]
    ) -> bool:
        first = bound.get("p0")
        return any(
            matches(negation, fact, first)
            for negation in rule.negations
            for fact in by_key.get(negation.key, ())
        )

    def _fire(
        self,
        rule: CompiledRule,
        bound: Mapping[str, Fact],
        level: int,
        contributions: list[Contribution],
    ) -> list[Fact]:
        matched = sorted({label(f) for f in bound.values()})
        because = Because(
            rule=rule.rule.id,
            pack=rule.pack.id,
            pack_version=rule.pack.version,
            plugin=rule.pack.plugin,
            matched=matched,
            rationale=rule.rule.because,
        )
        findings = sorted(
            {
                str(f["code"])
                for f in bound.values()
                if f["type"] == "finding" and f.get("present", True) is True
            }
        )
        new_facts: list[Fact] = []
        for action in self._expand(rule, bound):
            if isinstance(action, Derive):
                record = derived_fact(DerivedFact(code=action.code, value=action.value))
                if record is not None:
                    if self._negated_at.get(action.code, level + 1) <= level:
                        raise RuleExecutionError(
                            f"derives {action.code!r}, which a rule negates in the same or an "
                            "earlier stratum; declare it in Call(derives=...)",
                            rule_id=rule.rule.id,
                        )
                    new_facts.append(record)
                continue
            contributions.append(_contribution(action, rule, because, findings))
        return new_facts

    def _expand(self, rule: CompiledRule, bound: Mapping[str, Fact]) -> list[Action]:
        out: list[Action] = []
        for action in rule.rule.then:
            if not isinstance(action, Call):
                out.append(action)
                continue
            try:
                produced = list(action.fn(Match(rule_id=rule.rule.id, facts=dict(bound))) or ())
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
                out.append(item)
        return out


_ACTION_TYPES = (Add, Exclude, AddPrecaution, RaiseAlert, Refer, Derive, StartStage)


def _contribution(
    action: Action, rule: CompiledRule, because: Because, findings: Sequence[str]
) -> Contribution:
    priority = rule.rule.priority
    match action:
        case Add():
            return Contribution(
                action="add",
                because=because,
                priority=action.priority if action.priority is not None else priority,
                intervention=action.intervention,
                stage=action.stage,
                dosage=action.dosage,
                addresses=action.addresses if action.addresses is not None else findings,
            )
        case Exclude():
            return Contribution(
                action="exclude",
                because=because,
                priority=priority,
                intervention=action.intervention,
                text=action.reason,
            )
        case AddPrecaution():
            return Contribution(
                action="precaution",
                because=because,
                priority=priority,
                intervention=action.intervention,
                text=action.text,
            )
        case RaiseAlert():
            return Contribution(
                action="alert",
                because=because,
                priority=priority,
                code=action.code,
                level=action.level,
                text=action.message,
            )
        case Refer():
            return Contribution(
                action="refer",
                because=because,
                priority=priority,
                to=action.to,
                urgency=action.urgency,
                text=action.reason,
            )
        case StartStage():
            return Contribution(
                action="start_stage", because=because, priority=priority, stage=action.stage
            )
    raise RuleExecutionError(f"unknown action {action!r}", rule_id=rule.rule.id)
