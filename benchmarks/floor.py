"""The floor contender: a minimal hand-written pipeline doing careengine's work per plan on the same
rules and inputs, so that ``make bench`` measures how far careengine is from plain Python.

Per plan, from the file's path: read the text, ``json.loads``, check the fields it reads by hand
(:func:`benchmarks.floor_scores.check`), build the fact records, score the questionnaires and
prediction rules the built-in rules test, match every rule (careengine's compiled program turned
into plain Python predicates once, at construction), then a merge: red-flag withholding, vetoes
(rules' ``exclude``, absolute contraindications, declines) with the first allowed alternative
substituted, precautions, duplicates merged at the highest priority, per stage ordered by priority
then id and capped (``max_exercises_per_stage`` exercises, ``max_items_per_stage`` items) with the
overflow deferred, not an item and its next level (``progresses_to``) in one stage (the next
level deferred), the start stage, STarT Back's low-risk pathway (advice first: only education
and walking stay placed); and ``json.dumps(plan, indent=2)``.

Left out, so the floor does *less* than careengine (and is a floor): the JSON Schema and the
catalog's code checks, three-valued scoring (unknown inputs count as "not met", and no
``missing``/``inputs``/``criteria_met`` per classification), the consistency checks between
given and computed scores, exclusive groups, progression purposes beyond ``progresses_to``,
active-first placement, passive items only with exercise, dosage conflicts, the rest of the
review hook (the safety invariants re-checked), ``not_used``, ``unaddressed``, provenance and its
digest. Its plan is not careengine's plan text; ``tests/test_bench_floor.py`` compares the
placed interventions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.floor_scores import SEVERITY_RANK, Fact, check, facts, scores
from careengine import Engine
from careengine.rules.model import (
    Add,
    AddPrecaution,
    Derive,
    Exclude,
    RaiseAlert,
    Refer,
    StartStage,
    Test,
)

Predicate = Callable[[Fact, Fact | None], bool]
WITHHOLDING = frozenset({"emergency", "urgent"})
#: kept with education for a STarT Back low-risk patient (``plugins/stratified_care.py``)
SELF_MANAGEMENT = frozenset({"walking_program"})
_MISSING = object()


def _predicate(test: Test) -> Predicate:
    """One pattern test as a closure over (fact, the fact of the rule's first pattern)."""
    field, op, value = test.field, test.op.value, test.value
    if op == "same_as_first":
        return lambda f, first: first is not None and f.get(field, _MISSING) == first.get(field)
    if op == "exists":
        return lambda f, first: (field in f) is bool(value)
    if op == "at_least":
        rank = SEVERITY_RANK[value]
        return lambda f, first: f.get("severity_rank", 0) >= rank
    if op == "eq":
        return lambda f, first: f.get(field, _MISSING) == value
    if op == "neq":
        return lambda f, first: field in f and f[field] != value
    if op == "in":
        options = frozenset(value)
        return lambda f, first: f.get(field, _MISSING) in options
    compare = {
        "gt": float.__gt__,
        "gte": float.__ge__,
        "lt": float.__lt__,
        "lte": float.__le__,
    }[op]
    bound = float(value)

    def ordered(f: Fact, first: Fact | None) -> bool:
        actual = f.get(field)
        return type(actual) in (int, float) and compare(float(actual), bound)  # type: ignore[arg-type]

    return ordered


class FloorRule:
    """One compiled rule as (fact key, predicates) per pattern, its negations and actions."""

    def __init__(self, compiled: Any) -> None:
        self.id: str = compiled.rule.id
        self.priority: int = compiled.rule.priority
        self.actions: tuple[Any, ...] = compiled.rule.then
        self.patterns = [
            ((p.fact.value, p.code), [_predicate(t) for t in p.tests]) for p in compiled.patterns
        ]
        self.negations = [
            ((p.fact.value, p.code), [_predicate(t) for t in p.tests]) for p in compiled.negations
        ]

    def matches(self, by_key: dict[tuple[str, str], list[Fact]]) -> bool:
        """Whether some combination of facts passes every pattern and no fact a negation."""
        first: Fact | None = None
        for index, (key, tests) in enumerate(self.patterns):
            passing = [f for f in by_key.get(key, ()) if all(t(f, first) for t in tests)]
            if not passing:
                return False
            if index == 0:
                first = passing[0]
        for key, tests in self.negations:
            if any(all(t(f, first) for t in tests) for f in by_key.get(key, ())):
                return False
        return True


class Floor:
    """Built once from an engine (its rules, catalog and merge caps), then :meth:`plan_text`."""

    def __init__(self, engine: Engine) -> None:
        self.strata = [
            [FloorRule(rule) for shard in stratum.shards for rule in shard.rules]
            for stratum in engine.program.strata
        ]
        catalog = engine.catalog
        self.stages = [(s.id, s.title) for s in catalog.stages]
        self.interventions: dict[str, dict[str, Any]] = {}
        for i in catalog.interventions.values():
            dosage = {k: v for k, v in _fields(i.dosage).items() if v is not None}
            self.interventions[i.id] = {
                "kind": i.kind.value,
                "name": i.name,
                "dosage": dosage,
                "absolute": frozenset(i.contraindications_absolute),
                "relative": tuple(i.contraindications_relative),
                "alternatives": tuple(i.alternatives),
                "next_level": i.progresses_to,
            }
        self.max_items = engine.options.max_items_per_stage
        self.max_exercises = engine.options.max_exercises_per_stage

    def plan_text(self, path: Path) -> str:
        return json.dumps(self.plan(json.loads(path.read_text(encoding="utf-8"))), indent=2)

    def plan(self, data: Any) -> dict[str, Any]:
        check(data)
        derived = scores(data)
        all_facts = facts(data)
        all_facts += [
            {"type": "derived", "code": code, "value": value}
            for code, value in sorted(derived.items())
            if value is not None
        ]
        fired = self.match(all_facts)
        return self.merge(data, derived, fired)

    def match(self, all_facts: list[Fact]) -> list[tuple[FloorRule, Any]]:
        """(rule, action) for every action of every rule that fires, stratum by stratum (a
        stratum's ``derive`` actions are asserted and its rules run again until nothing new)."""
        by_key: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for fact in all_facts:
            by_key[(fact["type"], fact["code"])].append(fact)
        out: list[tuple[FloorRule, Any]] = []
        done: set[str] = set()
        for stratum in self.strata:
            changed = True
            while changed:
                changed = False
                for rule in stratum:
                    if rule.id in done or not rule.matches(by_key):
                        continue
                    done.add(rule.id)
                    for action in rule.actions:
                        out.append((rule, action))
                        if isinstance(action, Derive):
                            fact = {"type": "derived", "code": action.code, "value": action.value}
                            by_key[("derived", action.code)].append(fact)
                            changed = True
        return out

    def merge(
        self, data: dict[str, Any], derived: dict[str, Any], fired: Sequence[tuple[FloorRule, Any]]
    ) -> dict[str, Any]:
        patient = data["patient"]
        conditions = frozenset(patient.get("conditions", ()))
        declined = frozenset(patient.get("declines", ()))
        excludes: dict[str, set[str]] = defaultdict(set)
        proposals: dict[tuple[str, str], tuple[int, list[str]]] = {}
        precautions: dict[str, set[str]] = defaultdict(set)
        alerts: dict[str, dict[str, Any]] = {}
        referrals: dict[str, dict[str, Any]] = {}
        start: tuple[int, int] | None = None
        order = {stage: n for n, (stage, _) in enumerate(self.stages)}
        for rule, action in fired:
            if isinstance(action, Add):
                key = (action.intervention, action.stage)
                priority = rule.priority if action.priority is None else action.priority
                best, rules = proposals.get(key, (priority, []))
                proposals[key] = (max(best, priority), [*rules, rule.id])
            elif isinstance(action, Exclude):
                excludes[action.intervention].add(action.reason)
            elif isinstance(action, AddPrecaution):
                precautions[action.intervention].add(action.text)
            elif isinstance(action, RaiseAlert):
                level = action.level.value
                if action.code not in alerts or action.level.rank < alerts[action.code]["rank"]:
                    alerts[action.code] = {
                        "level": level,
                        "rank": action.level.rank,
                        "message": action.message,
                    }
            elif isinstance(action, Refer):
                referrals.setdefault(
                    action.to,
                    {"to": action.to, "urgency": action.urgency.value, "reason": action.reason},
                )
            elif isinstance(action, StartStage):
                candidate = (-rule.priority, order[action.stage])
                start = candidate if start is None or candidate < start else start
        withhold = any(a["level"] in WITHHOLDING for a in alerts.values())

        def vetoes(intervention: str) -> set[str]:
            reasons = set(excludes.get(intervention, ()))
            known = self.interventions.get(intervention)
            if known is not None:
                reasons |= {f"contraindicated: {c}" for c in known["absolute"] & conditions}
            if intervention in declined:
                reasons.add("declined by patient")
            return reasons

        excluded: dict[str, set[str]] = defaultdict(set)
        placed: dict[tuple[str, str], int] = {}
        for (intervention, stage), (priority, _) in sorted(proposals.items()):
            reasons = vetoes(intervention)
            if withhold:
                excluded[intervention] |= reasons | {"withheld: pending medical review"}
                continue
            if reasons:
                excluded[intervention] |= reasons
                for alternative in self.interventions[intervention]["alternatives"]:
                    if alternative in self.interventions and not vetoes(alternative):
                        placed[(alternative, stage)] = priority
                        break
                continue
            placed[(intervention, stage)] = max(priority, placed.get((intervention, stage), 0))
        for intervention in set(excludes) | declined:
            excluded[intervention] |= vetoes(intervention)
        return self._plan(
            data,
            derived,
            alerts,
            referrals,
            placed,
            excluded,
            precautions,
            conditions,
            start,
            withhold,
        )

    def _next_levels(self, placed: list[str]) -> set[str]:
        """The items of one stage that are the next level of another item kept there (walking
        each progression chain from its lowest level: a deferred level frees the next one)."""
        previous = {}
        for intervention in placed:
            following = self.interventions[intervention]["next_level"]
            if following is not None:
                previous[following] = intervention
        deferred: set[str] = set()
        for intervention in placed:
            chain = [intervention]
            while chain[-1] in previous and previous[chain[-1]] not in chain:
                chain.append(previous[chain[-1]])
            # from the lowest level up, every other level is deferred
            if (len(chain) - 1) % 2 == 1:
                deferred.add(intervention)
        return deferred

    def _plan(
        self,
        data: dict[str, Any],
        derived: dict[str, Any],
        alerts: dict[str, dict[str, Any]],
        referrals: dict[str, dict[str, Any]],
        placed: dict[tuple[str, str], int],
        excluded: dict[str, set[str]],
        precautions: dict[str, set[str]],
        conditions: frozenset[str],
        start: tuple[int, int] | None,
        withhold: bool,
    ) -> dict[str, Any]:
        """The plan as JSON-ready data: stages ordered and capped, the overflow deferred."""
        by_stage: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for (intervention, stage), priority in placed.items():
            by_stage[stage].append((-priority, intervention))
        stages: list[dict[str, Any]] = []
        deferred: list[dict[str, str]] = []
        for stage, title in self.stages:
            items: list[dict[str, Any]] = []
            exercises = 0
            ranked = sorted(by_stage[stage])
            later = self._next_levels([i for _, i in ranked])
            for negative, intervention in ranked:
                known = self.interventions[intervention]
                if intervention in later:  # not an item and its next level together
                    deferred.append({"intervention": intervention, "stage": stage})
                    continue
                exercise = known["kind"] == "exercise"
                if len(items) >= self.max_items or (exercise and exercises >= self.max_exercises):
                    deferred.append({"intervention": intervention, "stage": stage})
                    continue
                exercises += exercise
                cautions = {
                    f"relative contraindication: {c}" for c in known["relative"] if c in conditions
                } | precautions.get(intervention, set())
                items.append(
                    {
                        "intervention": intervention,
                        "kind": known["kind"],
                        "name": known["name"],
                        "dosage": known["dosage"],
                        "priority": -negative,
                        "precautions": sorted(cautions),
                    }
                )
            stages.append({"id": stage, "title": title, "items": items})
        if derived.get("startback.risk") == "low" and not withhold:  # advice first (Hill 2011)
            for entry in stages:
                kept = [
                    i
                    for i in entry["items"]
                    if i["kind"] == "education" or i["intervention"] in SELF_MANAGEMENT
                ]
                deferred += [
                    {"intervention": i["intervention"], "stage": entry["id"]}
                    for i in entry["items"]
                    if i not in kept
                ]
                entry["items"] = kept
        holding = [entry["id"] for entry in stages if entry["items"]]
        current = self.stages[start[1]][0] if start else self.stages[0][0]
        if holding and current not in holding:
            current = holding[0]
        return {
            "patient_id": data["patient"]["id"],
            "assessed_on": data.get("assessed_on"),
            "status": "referral" if withhold else "ready",
            "current_stage": current,
            "alerts": [
                {"code": c, "level": a["level"], "message": a["message"]}
                for c, a in sorted(alerts.items(), key=lambda x: (x[1]["rank"], x[0]))
            ],
            "referrals": [referrals[k] for k in sorted(referrals)],
            "classifications": derived,
            "stages": stages,
            "excluded": [
                {"intervention": i, "reasons": sorted(r)} for i, r in sorted(excluded.items())
            ],
            "deferred": sorted(deferred, key=lambda d: (d["stage"], d["intervention"])),
        }


def _fields(value: Any) -> dict[str, Any]:
    import attrs

    return {k: (v.value if hasattr(v, "value") else v) for k, v in attrs.asdict(value).items()}
