"""Which recorded findings, conditions, measures and classifications changed nothing in the plan
(the plan's ``not_used``, docs/design.md sections 5 and 6.3).

A recorded code **changed the plan** when:

* a rule matched it (``because.matched``) and that rule contributed something the plan shows: an
  item proposal (placed, deferred, excluded or in conflict: all are in the plan), an exclusion,
  an alert or a referral; a precaution that sits on a placed item; the start stage the plan
  uses;
* it kept a rule from firing through the rule's ``none`` (the plan would differ without it);
* it fed a rule-derived fact or a classification that changed the plan (followed through the
  derive rules that fired and through each classification's ``inputs``: ``finding:<code>``,
  ``measures.<code>``, ``patient.conditions.<code>`` and ``<classification>.<key>``);
* it is a condition that is a catalog contraindication of an intervention the plan proposed (a
  precaution on an item, or a veto in ``excluded``).

Everything else recorded is listed, with a reason a clinician can read. What the loaded rules
and the catalog *can* use is worked out once per engine (:class:`UsageIndex`), so an evaluation
only takes set differences over its own facts and contributions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol

from careengine.model import (
    Assessment,
    Contribution,
    Exclusion,
    NotUsed,
    StagePlan,
    UsageKind,
)
from careengine.plugins.registry import Catalog
from careengine.rules.compile import Program, derives_of
from careengine.rules.model import FactType
from careengine.rules.runner import RunResult

#: each classification's ``inputs``, by classification name
Inputs = Mapping[str, Mapping[str, Any]]


class PlanParts(Protocol):
    """What ``not_used`` reads of a merged plan (a :class:`~careengine.model.Plan` has it)."""

    @property
    def stages(self) -> Sequence[StagePlan]: ...
    @property
    def current_stage(self) -> str: ...
    @property
    def excluded(self) -> Sequence[Exclusion]: ...


#: the order of the kinds in ``not_used`` (their order of declaration)
_KIND_ORDER: Mapping[UsageKind, int] = MappingProxyType({k: i for i, k in enumerate(UsageKind)})

#: how many rule or intervention ids a reason names before "and N more"
SHOWN = 3

#: the fact type behind each kind (a classification is matched through its derived facts)
_FACT_TYPE = {
    UsageKind.FINDING: FactType.FINDING.value,
    UsageKind.CONDITION: FactType.CONDITION.value,
    UsageKind.MEASURE: FactType.MEASURE.value,
}


def _names(ids: Iterable[str]) -> str:
    ordered = sorted(ids)
    shown = ", ".join(ordered[:SHOWN])
    more = len(ordered) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def classification_of(derived_code: str) -> str:
    """The classification a derived code belongs to: the part before its first dot
    (``odi.band`` -> ``odi``, ``tbc.subgroup.traction`` -> ``tbc``)."""
    return derived_code.split(".", 1)[0]


class UsageIndex:
    """What the loaded rules and the catalog can use, worked out once per engine.

    :param program: the compiled rules (every pattern, positive and negated, names its fact).
    :param catalog: the merged catalog (contraindications name conditions).
    """

    def __init__(self, program: Program, catalog: Catalog) -> None:
        uses: dict[tuple[str, str], set[str]] = defaultdict(set)
        classification_uses: dict[str, set[str]] = defaultdict(set)
        derivers: dict[str, set[str]] = defaultdict(set)
        inputs: dict[str, set[str]] = defaultdict(set)
        for compiled in program.rules.values():
            rule_id = compiled.rule.id
            for pattern in (*compiled.patterns, *compiled.negations):
                uses[pattern.key].add(rule_id)
                if pattern.fact is FactType.DERIVED:
                    classification_uses[classification_of(pattern.code)].add(rule_id)
            inputs[rule_id].update(f"{p.fact.value}:{p.code}" for p in compiled.patterns)
            for code in derives_of(compiled.rule):
                derivers[code].add(rule_id)
        self.uses: Mapping[tuple[str, str], frozenset[str]] = {
            k: frozenset(v) for k, v in uses.items()
        }
        self.classification_uses: Mapping[str, frozenset[str]] = {
            k: frozenset(v) for k, v in classification_uses.items()
        }
        #: derived code -> the rules that derive it; rule id -> the facts its patterns name
        self.derivers: Mapping[str, frozenset[str]] = {k: frozenset(v) for k, v in derivers.items()}
        self.rule_inputs: Mapping[str, frozenset[str]] = {
            k: frozenset(v) for k, v in inputs.items()
        }
        contraindicates: dict[str, set[str]] = defaultdict(set)
        for intervention in catalog.interventions.values():
            for condition in (
                *intervention.contraindications_absolute,
                *intervention.contraindications_relative,
            ):
                contraindicates[condition].add(intervention.id)
        #: condition -> the interventions it is a contraindication (absolute or relative) of
        self.contraindicates: Mapping[str, frozenset[str]] = {
            k: frozenset(v) for k, v in contraindicates.items()
        }
        self.absolute: Mapping[str, frozenset[str]] = {
            i.id: frozenset(i.contraindications_absolute) for i in catalog.interventions.values()
        }

    def not_used(
        self,
        assessment: Assessment,
        plan: PlanParts,
        result: RunResult,
        inputs: Inputs,
    ) -> tuple[NotUsed, ...]:
        """The plan's ``not_used`` entries, sorted by kind, then code.

        :param assessment: what was recorded.
        :param plan: the merged plan (before reviewers): its stages, current stage and
            exclusions, before the plan itself is built.
        :param result: the rule run: its contributions, the rules that fired, and the facts
            that blocked a rule through its ``none``.
        :param inputs: each classification's ``inputs`` (by classification name).
        """
        fired = frozenset(result.fired)
        labels = {name: _input_labels(given, inputs) for name, given in inputs.items()}
        used, changed = _used_labels(plan, result.contributions)
        used |= set(result.blocked)
        used_classifications: set[str] = set()
        pending = [label for label in used if label.startswith("derived:")]
        while pending:
            code = pending.pop().removeprefix("derived:")
            for rule_id in self.derivers.get(code, frozenset()) & fired:
                for label in self.rule_inputs.get(rule_id, frozenset()) - used:
                    used.add(label)
                    if label.startswith("derived:"):
                        pending.append(label)
            name = classification_of(code)
            if name in inputs and name not in used_classifications:
                used_classifications.add(name)
                for label in labels[name]:
                    if label not in used:
                        used.add(label)
                        if label.startswith("derived:"):
                            pending.append(label)
        used_conditions = _contraindication_sources(plan, self.absolute, assessment)

        feeds: dict[str, set[str]] = defaultdict(set)  # label -> classifications it feeds
        for name in inputs:
            for label in labels[name]:
                if label.startswith("derived:"):
                    label = "classification:" + classification_of(label.removeprefix("derived:"))
                feeds[label].add(name)

        out: list[NotUsed] = []
        for kind, code in _recorded(assessment, inputs):
            if kind is UsageKind.CLASSIFICATION:
                if code in used_classifications:
                    continue
                label = f"classification:{code}"
                rules = self.classification_uses.get(code, frozenset())
            else:
                label = f"{_FACT_TYPE[kind]}:{code}"
                if label in used or (kind is UsageKind.CONDITION and code in used_conditions):
                    continue
                rules = self.uses.get((_FACT_TYPE[kind], code), frozenset())
            contraindication = kind is UsageKind.CONDITION and code in self.contraindicates
            parts = []
            if rules or not contraindication:
                parts.append(self._rules_reason(rules, fired, changed))
            if contraindication:
                parts.append(
                    "a contraindication only of interventions this plan does not propose ("
                    + _names(self.contraindicates[code])
                    + ")"
                )
            unused_feeds = sorted(feeds.get(label, set()) - used_classifications)
            if unused_feeds:
                parts.append(
                    "it feeds " + ", ".join(unused_feeds) + ", which changed nothing either"
                )
            out.append(NotUsed(code=code, kind=kind, reason="; ".join(parts)))
        return tuple(out)

    @staticmethod
    def _rules_reason(rules: frozenset[str], fired: frozenset[str], changed: set[str]) -> str:
        if not rules:
            return "no loaded rule uses it"
        applied = sorted((rules & fired) - changed)
        idle = sorted(rules - fired)
        parts = []
        if idle:
            parts.append("the rules that use it did not apply: " + _names(idle))
        if applied:
            parts.append("applied without changing the plan: " + _names(applied))
        return "; ".join(parts) or "the rules that use it changed nothing in this plan"


def _used_labels(
    plan: PlanParts, contributions: Sequence[Contribution]
) -> tuple[set[str], set[str]]:
    """The facts matched by contributions that changed the plan, and those rules' ids."""
    cautions = {p.source for s in plan.stages for item in s.items for p in item.precautions}
    labels: set[str] = set()
    rules: set[str] = set()
    for c in contributions:
        if c.action == "precaution" and c.because.rule not in cautions:
            continue  # a caution for an intervention the plan does not hold
        if c.action == "start_stage" and c.stage != plan.current_stage:
            continue  # another rule decided where the plan starts
        labels.update(c.because.matched)
        rules.add(c.because.rule)
    return labels, rules


def _input_labels(given: Mapping[str, Any], classifications: Mapping[str, Any]) -> set[str]:
    """The fact labels a classification's known inputs name (``finding:<code>``,
    ``measures.<code>``, ``patient.conditions.<code>``, ``<classification>.<key>``)."""
    labels = set()
    for key, value in given.items():
        if value is None or value is False or value == {}:
            continue
        if key.startswith("finding:"):
            labels.add(key)
        elif key.startswith("measures."):
            labels.add("measure:" + key.removeprefix("measures."))
        elif key.startswith("patient.conditions."):
            labels.add("condition:" + key.removeprefix("patient.conditions."))
        elif classification_of(key) in classifications:
            labels.add("derived:" + key)
    return labels


def _contraindication_sources(
    plan: PlanParts, absolute: Mapping[str, frozenset[str]], assessment: Assessment
) -> set[str]:
    """Conditions that put a precaution on an item or vetoed an excluded intervention."""
    conditions = frozenset(assessment.patient.conditions)
    found = {p.source for s in plan.stages for item in s.items for p in item.precautions}
    found &= conditions
    for exclusion in plan.excluded:
        found |= absolute.get(exclusion.intervention, frozenset()) & conditions
    return found


def _recorded(
    assessment: Assessment, inputs: Mapping[str, Mapping[str, Any]]
) -> list[tuple[UsageKind, str]]:
    """What was recorded, sorted by kind, then code: present findings, conditions, the
    ``measures`` block, and the questionnaire results: classifications taken from a
    questionnaire or a measure that was given (the prediction rules built from findings are
    accounted for by those findings)."""
    recorded = [(UsageKind.FINDING, f.code) for f in assessment.present_findings()]
    recorded += [(UsageKind.CONDITION, c) for c in assessment.patient.conditions]
    recorded += [(UsageKind.MEASURE, m) for m in assessment.measures]
    for name, given in inputs.items():
        if any(
            value is not None and key.startswith(("questionnaires.", "measures."))
            for key, value in given.items()
        ):
            recorded.append((UsageKind.CLASSIFICATION, name))
    return sorted(set(recorded), key=lambda t: (_KIND_ORDER[t[0]], t[1]))
