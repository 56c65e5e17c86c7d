"""The plan's safety invariants, re-checked after every reviewer (``careengine_review_plan``) and
after a reassessment's progression.

A :class:`PlanGuard` is built from the merged plan (the rules' plan before any reviewer) and the
assessment, once per evaluation and only when needed (most evaluations have no reviewer that
returns a plan). :meth:`PlanGuard.problems` compares a reviewed plan with the plan the reviewer
was given *and* with the merged plan's safety facts, and lists every broken invariant, one
sentence each (docs/plugins.md lists them):

* alerts and referrals are never removed or weakened (a lower level or urgency);
* precautions stay on their items, exclusions and their reasons stay in ``excluded``;
* nothing is lost (docs/design.md section 5, point 8): every intervention of the plan the
  reviewer was given is still in a stage, ``deferred``, ``excluded`` or ``conflicts``; new
  deferrals and exclusions give a reason; an impairment listed in ``unaddressed`` stays there
  until an item addresses it;
* identity and provenance never change (patient id, date, pain baseline, classifications,
  unrecognized codes, provenance);
* a plan whose red flags withhold treatment stays a referral plan with empty stages; a vetoed
  intervention is never placed;
* every placed intervention and every stage is one the catalog knows, and a changed dosage stays
  within :func:`careengine.model.dosage_problems` (the plausible range and the catalog's
  ``dosage_max``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

import attrs

from careengine.model import (
    AlertLevel,
    Assessment,
    Dosage,
    Plan,
    PlanStatus,
    Precaution,
    Provenance,
    Urgency,
    dosage_problems,
)
from careengine.pipeline.merge import WITHHELD
from careengine.plugins.registry import Catalog

#: the plan fields a reviewer may never change, in the order the problems are reported
IDENTITY = ("patient_id", "assessed_on", "pain", "classifications", "unrecognized", "provenance")


@attrs.frozen(kw_only=True)
class SafetyFacts:
    """What a plan promises the patient, in a form that is cheap to compare."""

    alerts: Mapping[str, AlertLevel]
    referrals: Mapping[str, Urgency]
    exclusions: Mapping[str, frozenset[str]]
    precautions: Mapping[str, frozenset[Precaution]]
    accounted: frozenset[str]

    @classmethod
    def of(cls, plan: Plan) -> SafetyFacts:
        exclusions = _joined((e.intervention, e.reasons) for e in plan.excluded)
        placed = {item.intervention for _, item in plan.items()}
        accounted = placed | {d.intervention for d in plan.deferred} | set(exclusions)
        accounted |= {i for c in plan.conflicts for i in c.interventions}
        return cls(
            alerts=_strictest((a.code, a.level) for a in plan.alerts),
            referrals=_strictest((r.to, r.urgency) for r in plan.referrals),
            exclusions=exclusions,
            precautions=_joined(
                (item.intervention, item.precautions)
                for _, item in plan.items()
                if item.precautions
            ),
            accounted=frozenset(accounted),
        )

    def union(self, other: SafetyFacts) -> SafetyFacts:
        """The stricter of the two: every alert, referral, exclusion and precaution of both."""
        return SafetyFacts(
            alerts=_strictest([*self.alerts.items(), *other.alerts.items()]),
            referrals=_strictest([*self.referrals.items(), *other.referrals.items()]),
            exclusions=_joined([*self.exclusions.items(), *other.exclusions.items()]),
            precautions=_joined([*self.precautions.items(), *other.precautions.items()]),
            accounted=self.accounted | other.accounted,
        )


_Level = TypeVar("_Level", AlertLevel, Urgency)
_T = TypeVar("_T")


def _strictest(pairs: Iterable[tuple[str, _Level]]) -> dict[str, _Level]:
    """The strictest level (lowest rank) given for each key."""
    out: dict[str, _Level] = {}
    for key, level in pairs:
        if key not in out or level.rank < out[key].rank:
            out[key] = level
    return out


def _joined(pairs: Iterable[tuple[str, Iterable[_T]]]) -> dict[str, frozenset[_T]]:
    """Every value given for each key (a key given only empty values maps to the empty set)."""
    out: dict[str, frozenset[_T]] = {}
    for key, values in pairs:
        out[key] = out.get(key, frozenset()).union(values)
    return out


class PlanGuard:
    """The safety invariants of one evaluation, worked out once from its merged plan."""

    def __init__(self, *, merged: Plan, assessment: Assessment, catalog: Catalog) -> None:
        self.catalog = catalog
        self.merged = merged
        self.facts = SafetyFacts.of(merged)
        vetoed = {e.intervention for e in merged.excluded if any(r != WITHHELD for r in e.reasons)}
        conditions = assessment.patient.conditions
        self.forbidden = frozenset(
            vetoed
            | set(assessment.patient.declines)
            | catalog.absolutely_contraindicated(conditions)
        )
        self.conditions = frozenset(conditions)
        self.withheld = merged.status is PlanStatus.REFERRAL
        self.stage_ids = catalog.stage_ids()

    def problems(self, before: Plan, after: Plan) -> list[str]:
        """Every way ``after`` (a reviewer's plan) breaks an invariant of ``before`` (the plan
        the reviewer was given) or of the merged plan; empty when it keeps them all."""
        if before is self.merged:
            was, required = self.facts, self.facts
        else:
            was = SafetyFacts.of(before)
            required = self.facts.union(was)
        now = was if after is before else SafetyFacts.of(after)  # a reassessment's own check
        problems = self._identity(after)
        problems += self._status_and_stages(before, after)
        problems += self._items(before, after, required)
        problems += _kept(required, now)
        problems += self._accounting(before, after, was.accounted - now.accounted)
        return problems

    def _identity(self, after: Plan) -> list[str]:
        problems = []
        for name in IDENTITY:
            was, now = getattr(self.merged, name), getattr(after, name)
            if now == was:
                continue
            if name == "provenance" and isinstance(now, Provenance):
                fields = [f.name for f in attrs.fields(Provenance)]
                changed = [f for f in fields if getattr(now, f) != getattr(was, f)]
                problems += [
                    f"changed provenance.{f} (from {_short(getattr(was, f))} to "
                    f"{_short(getattr(now, f))})"
                    for f in changed
                ]
            elif name == "classifications" and isinstance(now, Mapping):
                keys = sorted({*was, *now} - {k for k in was if k in now and now[k] == was[k]})
                problems.append(f"changed classifications ({', '.join(keys)})")
            else:
                problems.append(f"changed {name} (from {_short(was)} to {_short(now)})")
        return problems

    def _status_and_stages(self, before: Plan, after: Plan) -> list[str]:
        problems = []
        withholding = [a.code for a in after.alerts if a.level.withholds_treatment]
        if (self.withheld or before.status is PlanStatus.REFERRAL or withholding) and (
            after.status is not PlanStatus.REFERRAL
        ):
            problems.append("changed the status of a plan whose red flags withhold treatment")
        stages = tuple(s.id for s in after.stages)
        if stages != self.stage_ids:
            problems.append(
                f"changed the stages to {', '.join(stages) or 'none'} (the catalog's are "
                f"{', '.join(self.stage_ids)})"
            )
        if after.current_stage not in self.stage_ids:
            problems.append(f"set the current stage to unknown stage {after.current_stage!r}")
        return problems

    def _items(self, before: Plan, after: Plan, required: SafetyFacts) -> list[str]:
        problems = []
        withheld = self.withheld or PlanStatus.REFERRAL in (before.status, after.status)
        withheld = withheld or any(a.level.withholds_treatment for a in after.alerts)
        # vetoed: by the merge, the patient or the catalog, or by an exclusion of this plan or
        # of the plan the reviewer was given (an earlier reviewer's)
        excluded = {e.intervention for e in after.excluded if any(r != WITHHELD for r in e.reasons)}
        excluded |= {i for i, reasons in required.exclusions.items() if reasons - {WITHHELD}}
        dosages = {(s, item.intervention): item.dosage for s, item in before.items()}
        for stage_id, item in after.items():
            what = item.intervention
            intervention = self.catalog.interventions.get(what)
            if intervention is None:
                problems.append(f"placed unknown intervention {what!r} in stage {stage_id}")
            if withheld:
                problems.append(f"placed {what} in {stage_id} while treatment is withheld")
            if what in self.forbidden or what in excluded:
                problems.append(f"placed vetoed intervention {what} in stage {stage_id}")
            needed = required.precautions.get(what, frozenset()) - set(item.precautions)
            for p in sorted(needed, key=lambda p: (p.source, p.text)):
                problems.append(
                    f"removed precaution {p.text!r} ({p.source}) from {what} in stage {stage_id}"
                )
            if intervention is not None:  # a relative contraindication's precaution, any text
                sources = {p.source for p in item.precautions}
                problems += [
                    f"placed {what} in stage {stage_id} without the precaution of its relative "
                    f"contraindication {c}"
                    for c in sorted(set(intervention.contraindications_relative) & self.conditions)
                    if c not in sources
                ]
            if dosages.get((stage_id, what)) != item.dosage:
                ceiling = intervention.dosage_max if intervention is not None else None
                problems += [
                    f"set the dosage of {what} in stage {stage_id} out of range: {p}"
                    for p in dosage_problems(item.dosage, ceiling)
                ]
        return problems

    def _accounting(self, before: Plan, after: Plan, lost: frozenset[str]) -> list[str]:
        problems = []
        for what in sorted(lost):
            problems.append(
                f"lost {what}: it is in no stage and not deferred, excluded or in conflicts"
            )
        old_deferred = {(d.intervention, d.stage, d.reason) for d in before.deferred}
        for d in after.deferred:
            if (d.intervention, d.stage, d.reason) in old_deferred:
                continue
            if not d.reason.strip():
                problems.append(f"deferred {d.intervention} without a reason")
            if d.stage not in self.stage_ids:
                problems.append(f"deferred {d.intervention} to unknown stage {d.stage!r}")
            if d.intervention not in self.catalog.interventions:
                problems.append(f"deferred unknown intervention {d.intervention!r}")
        for e in after.excluded:
            if not e.reasons or not all(r.strip() for r in e.reasons):
                problems.append(f"excluded {e.intervention} without a reason")
        addressed = {a for _, item in after.items() for a in item.addresses}
        hidden = set(before.unaddressed) - set(after.unaddressed) - addressed
        problems += [
            f"removed {code} from unaddressed although no item addresses it"
            for code in sorted(hidden)
        ]
        return problems


def _kept(required: SafetyFacts, now: SafetyFacts) -> list[str]:
    """The alerts, referrals and exclusions of ``required`` that ``now`` removed or weakened."""
    problems = []
    for code, level in sorted(required.alerts.items()):
        got = now.alerts.get(code)
        if got is None:
            problems.append(f"removed alert {code} ({level})")
        elif got.rank > level.rank:
            problems.append(f"lowered alert {code} from {level} to {got}")
    for to, urgency in sorted(required.referrals.items()):
        got_urgency = now.referrals.get(to)
        if got_urgency is None:
            problems.append(f"removed referral to {to} ({urgency})")
        elif got_urgency.rank > urgency.rank:
            problems.append(f"lowered the referral to {to} from {urgency} to {got_urgency}")
    for what, reasons in sorted(required.exclusions.items()):
        kept = now.exclusions.get(what)
        if kept is None:
            problems.append(f"removed the exclusion of {what}")
            continue
        problems += [
            f"removed reason {r!r} from the exclusion of {what}" for r in sorted(reasons - kept)
        ]
    return problems


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def stored_plan_problems(
    plan: Plan, catalog: Catalog, alert_codes: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """(JSON path, message) for what a stored plan may not hold: unknown stages, interventions
    or (when ``alert_codes`` is given) alert codes, and dosages outside their limits."""
    problems: list[tuple[str, str]] = []
    known_alerts = None if alert_codes is None else frozenset(alert_codes)
    for i, alert in enumerate(plan.alerts):
        if known_alerts is not None and alert.code not in known_alerts:
            problems.append(
                (f"alerts[{i}].code", f"unknown alert {alert.code!r}: no loaded rule raises it")
            )
    for i, stage in enumerate(plan.stages):
        for j, item in enumerate(stage.items):
            intervention = catalog.interventions.get(item.intervention)
            ceiling: Dosage | None = intervention.dosage_max if intervention else None
            for message in dosage_problems(item.dosage, ceiling):
                field = message.split(" ", 1)[0]  # each message starts with its field's name
                problems.append((f"stages[{i}].items[{j}].dosage.{field}", message))
    return problems
