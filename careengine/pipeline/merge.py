"""Contributions -> staged plan, following the merge semantics of docs/design.md section 5.

1. red flags first: an ``emergency`` or ``urgent`` alert withholds every item;
2. vetoes beat adds at every priority (catalog absolute contraindications matched by the
   patient's conditions, the patient's ``declines``, rules' ``exclude``), with the first
   allowed alternative substituted;
3. relative contraindications and ``precaution`` actions attach precautions;
4. duplicates (same intervention, same stage) merge; the highest-priority dosage wins, on a tie
   the lower weekly volume, and a disagreement is recorded in ``conflicts``;
5. exclusive groups: the higher priority wins, a tie places neither;
6. what each stage holds (:mod:`careengine.pipeline.programme`): passive treatments only with
   exercise, the current stage (never empty), active first, one exercise per purpose, the
   exercise and item caps, overflow deferred;
7. explicit ordering everywhere (priority descending, then id);
8. nothing lost: every proposal ends in a stage, ``excluded``, ``deferred`` or ``conflicts``, and
   every present impairment is addressed or listed in ``unaddressed``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import attrs

from careengine.errors import ConfigurationError
from careengine.model import (
    Alert,
    Assessment,
    Because,
    Conflict,
    Contribution,
    Dosage,
    Exclusion,
    NotUsed,
    Pain,
    Plan,
    PlanItem,
    PlanStatus,
    Precaution,
    Provenance,
    Referral,
    StagePlan,
)
from careengine.pipeline.exclusive_groups import _exclusive
from careengine.pipeline.programme import ProgrammeIndex, arrange, start_stage_contribution
from careengine.plugins.registry import Catalog
from careengine.render.dosage_words import clinician_dosage

WITHHELD = "withheld: pending medical review"
DECLINED = "declined by patient"
_NO_PAIN = Pain()  # an assessment without pain ratings (frozen)


@attrs.frozen(kw_only=True)
class MergeOptions:
    max_items_per_stage: int = 8
    #: exercises a stage holds at a time (a home programme of about 3-6); overflow is deferred
    max_exercises_per_stage: int = 5
    #: keep several exercises of one progression chain in one stage (normally the best only)
    allow_same_purpose: bool = False

    def __attrs_post_init__(self) -> None:
        for name in ("max_items_per_stage", "max_exercises_per_stage"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must be at least 1")


class MergedParts(NamedTuple):
    """What the merge decided, before the plan is built: what ``not_used`` is worked out from."""

    stages: tuple[StagePlan, ...]
    current_stage: str
    excluded: tuple[Exclusion, ...]


def merge_because(entries: Iterable[Because]) -> tuple[Because, ...]:
    """One entry per rule (matched facts united), sorted by rule id."""
    by_rule: dict[str, Because] = {}
    for entry in entries:
        seen = by_rule.get(entry.rule)
        if seen is None:
            by_rule[entry.rule] = entry
        else:
            by_rule[entry.rule] = attrs.evolve(
                seen, matched=tuple(sorted(set(seen.matched) | set(entry.matched)))
            )
    return tuple(by_rule[k] for k in sorted(by_rule))


def dosage_text(dosage: Dosage) -> str:
    """The dosage in the clinician's words (:mod:`careengine.render.dosage_words`)."""
    return clinician_dosage(dosage)


class Merger:
    def __init__(
        self,
        *,
        contributions: Sequence[Contribution],
        assessment: Assessment,
        catalog: Catalog,
    ) -> None:
        self.catalog = catalog
        self.assessment = assessment
        self.by_action: dict[str, list[Contribution]] = defaultdict(list)
        for c in contributions:
            self.by_action[c.action].append(c)
        for bucket in self.by_action.values():
            bucket.sort(key=lambda c: (-c.priority, c.because.rule, c.intervention or ""))
        self.conditions = frozenset(assessment.patient.conditions)
        self.declined = frozenset(assessment.patient.declines)
        #: what the patient's conditions contraindicate absolutely
        self.vetoed = catalog.absolutely_contraindicated(self.conditions)
        self.rule_excludes: dict[str, set[str]] = defaultdict(set)
        for c in self.by_action["exclude"]:
            assert c.intervention is not None
            self.rule_excludes[c.intervention].add(c.text or f"excluded by rule {c.because.rule}")
        #: intervention -> the precautions rules put on it
        self.rule_cautions: dict[str, set[Precaution]] = defaultdict(set)
        for c in self.by_action["precaution"]:
            if c.intervention is not None:
                self.rule_cautions[c.intervention].add(
                    Precaution(text=c.text or "", source=c.because.rule)
                )

    # --- vetoes ----------------------------------------------------------------------------

    def veto_reasons(self, intervention_id: str) -> set[str]:
        if (
            intervention_id not in self.rule_excludes
            and intervention_id not in self.declined
            and intervention_id not in self.vetoed
        ):
            return set()  # most proposals: nothing vetoes them
        reasons = set(self.rule_excludes.get(intervention_id, ()))
        intervention = self.catalog.interventions.get(intervention_id)
        if intervention is not None:
            for condition in intervention.contraindications_absolute:
                if condition in self.conditions:
                    reasons.add(f"contraindicated: {condition}")
        if intervention_id in self.declined:
            reasons.add(DECLINED)
        return reasons

    def precautions(self, intervention_id: str) -> tuple[Precaution, ...]:
        out = set(self.rule_cautions.get(intervention_id, ()))
        intervention = self.catalog.interventions[intervention_id]
        for condition in intervention.contraindications_relative:
            if condition in self.conditions:
                out.add(
                    Precaution(text=f"relative contraindication: {condition}", source=condition)
                )
        if not out:
            return ()
        return tuple(sorted(out, key=lambda p: (p.source, p.text)))

    # --- alerts and referrals ----------------------------------------------------------------

    def alerts(self) -> tuple[Alert, ...]:
        grouped: dict[str, list[Contribution]] = defaultdict(list)
        for c in self.by_action["alert"]:
            assert c.code is not None
            grouped[c.code].append(c)
        alerts = []
        for code, group in grouped.items():
            group.sort(key=lambda c: (c.level.rank if c.level else 9, -c.priority, c.because.rule))
            head = group[0]
            assert head.level is not None
            alerts.append(
                Alert(
                    code=code,
                    level=head.level,
                    message=head.text or "",
                    because=merge_because(c.because for c in group),
                )
            )
        return tuple(sorted(alerts, key=lambda a: (a.level.rank, a.code)))

    def referrals(self) -> tuple[Referral, ...]:
        grouped: dict[str, list[Contribution]] = defaultdict(list)
        for c in self.by_action["refer"]:
            assert c.to is not None
            grouped[c.to].append(c)
        out = []
        for to, group in grouped.items():
            group.sort(
                key=lambda c: (c.urgency.rank if c.urgency else 9, -c.priority, c.because.rule)
            )
            head = group[0]
            assert head.urgency is not None
            reasons = []
            for c in group:
                if c.text and c.text not in reasons:
                    reasons.append(c.text)
            out.append(Referral(to=to, urgency=head.urgency, reason="; ".join(reasons)))
        return tuple(sorted(out, key=lambda r: (r.urgency.rank, r.to)))

    # --- items -------------------------------------------------------------------------------

    def proposals(self) -> dict[tuple[str, str], list[Contribution]]:
        grouped: dict[tuple[str, str], list[Contribution]] = defaultdict(list)
        for c in self.by_action["add"]:
            assert c.intervention is not None and c.stage is not None
            grouped[(c.intervention, c.stage)].append(c)
        return grouped

    def substitute(
        self, original: str, group: list[Contribution], reasons: set[str]
    ) -> list[Contribution]:
        intervention = self.catalog.interventions.get(original)
        if intervention is None:
            return []
        for alternative in intervention.alternatives:
            if alternative in self.catalog.interventions and not self.veto_reasons(alternative):
                why = "; ".join(sorted(reasons))
                return [
                    attrs.evolve(
                        c,
                        intervention=alternative,
                        dosage=None,
                        because=attrs.evolve(
                            c.because,
                            rationale=f"Substitutes for {original}, which is excluded ({why}). "
                            + c.because.rationale,
                        ),
                    )
                    for c in group
                ]
        return []

    def merged_item(
        self, intervention_id: str, stage: str, group: list[Contribution]
    ) -> tuple[PlanItem, Conflict | None]:
        intervention = self.catalog.interventions[intervention_id]
        if len(group) == 1:  # most items: one proposal, nothing to reconcile
            (c,) = group
            return PlanItem(
                intervention=intervention_id,
                kind=intervention.kind,
                name=intervention.name,
                dosage=c.dosage or intervention.dosage,
                priority=c.priority,
                addresses=tuple(sorted(set(c.addresses))),
                precautions=self.precautions(intervention_id),
                because=(c.because,),
            ), None
        candidates = [(c.priority, c.dosage or intervention.dosage, c) for c in group]
        if len(candidates) > 1:
            candidates.sort(
                key=lambda t: (-t[0], t[1].weekly_volume(), dosage_text(t[1]), t[2].because.rule)
            )
        winner_priority, winner_dosage, winner = candidates[0]
        conflict = None
        if len(candidates) > 1 and len({dosage_text(d) for _, d, _ in candidates}) > 1:
            conflict = Conflict(
                kind="dosage",
                interventions=(intervention_id,),
                stage=stage,
                resolution=f"dosage of rule {winner.because.rule} used "
                f"(priority {winner_priority}, lower weekly volume on a tie)",
                winner=intervention_id,
                details=tuple(
                    sorted(
                        f"{c.because.rule}: {dosage_text(d)} (priority {p})"
                        for p, d, c in candidates
                    )
                ),
            )
        item = PlanItem(
            intervention=intervention_id,
            kind=intervention.kind,
            name=intervention.name,
            dosage=winner_dosage,
            priority=max(c.priority for c in group),
            addresses=tuple(sorted({a for c in group for a in c.addresses})),
            precautions=self.precautions(intervention_id),
            because=merge_because(c.because for c in group),
        )
        return item, conflict


def merge(
    *,
    contributions: Sequence[Contribution],
    assessment: Assessment,
    catalog: Catalog,
    classifications: Mapping[str, Any],
    provenance: Provenance,
    options: MergeOptions = MergeOptions(),
    index: ProgrammeIndex | None = None,
    not_used: Callable[[MergedParts], Sequence[NotUsed]] | None = None,
) -> Plan:
    """The plan. ``index`` is the catalog's :class:`ProgrammeIndex`, built once per engine
    (built here when ``None``); ``not_used`` gives the plan's ``not_used`` from the merged
    stages, current stage and exclusions (:mod:`careengine.pipeline.usage`; none when
    ``None``), so that the plan is built once."""
    m = Merger(contributions=contributions, assessment=assessment, catalog=catalog)
    alerts = m.alerts()
    withhold = any(a.level.withholds_treatment for a in alerts)
    excluded: dict[str, set[str]] = defaultdict(set)
    for intervention_id in set(m.rule_excludes) | m.declined:
        excluded[intervention_id] |= m.veto_reasons(intervention_id)

    placed: dict[tuple[str, str], list[Contribution]] = {}
    proposals = m.proposals()
    for (intervention_id, stage_id), group in sorted(proposals.items()):
        reasons = m.veto_reasons(intervention_id)
        if reasons:
            excluded[intervention_id] |= reasons
            if not withhold:
                for sub in m.substitute(intervention_id, group, reasons):
                    key = (sub.intervention or "", stage_id)
                    placed.setdefault(key, []).append(sub)
            continue
        if withhold:
            excluded[intervention_id].add(WITHHELD)
            continue
        placed.setdefault((intervention_id, stage_id), []).extend(group)
    if withhold:
        for intervention_id, _ in proposals:
            excluded[intervention_id].add(WITHHELD)

    conflicts: list[Conflict] = []
    items: dict[tuple[str, str], PlanItem] = {}
    for (intervention_id, stage_id), group in sorted(placed.items()):
        item, conflict = m.merged_item(intervention_id, stage_id, group)
        items[(intervention_id, stage_id)] = item
        if conflict is not None:
            conflicts.append(conflict)
    items, group_conflicts = _exclusive(items, catalog)
    conflicts.extend(group_conflicts)

    by_stage: dict[str, list[PlanItem]] = defaultdict(list)
    for (_, stage_id), item in sorted(items.items()):
        by_stage[stage_id].append(item)
    arranged = arrange(
        stage_ids=[stage.id for stage in catalog.stages],
        items=by_stage,
        start=start_stage_contribution(m.by_action["start_stage"], catalog),
        index=index if index is not None else ProgrammeIndex.of(catalog),
        max_items_per_stage=options.max_items_per_stage,
        max_exercises_per_stage=options.max_exercises_per_stage,
        allow_same_purpose=options.allow_same_purpose,
    )
    stages = [
        StagePlan(
            id=stage.id,
            title=stage.title,
            goals=stage.goals,
            progress_when=stage.progress_when,
            items=arranged.items[stage.id],
        )
        for stage in catalog.stages
    ]
    reason = arranged.current_stage_reason
    if withhold:
        reason = f"treatment is withheld pending medical review; {reason}"

    addressed = {a for s in stages for item in s.items for a in item.addresses}
    impairments = catalog.impairments()
    unaddressed = sorted(
        {f.code for f in assessment.present_findings() if f.code in impairments} - addressed
    )
    excluded_items = tuple(
        Exclusion(intervention=i, reasons=tuple(sorted(r))) for i, r in sorted(excluded.items())
    )
    parts = MergedParts(tuple(stages), arranged.current_stage, excluded_items)
    return Plan(
        patient_id=assessment.patient.id,
        assessed_on=assessment.assessed_on,
        status=PlanStatus.REFERRAL if withhold else PlanStatus.READY,
        current_stage=arranged.current_stage,
        current_stage_reason=reason,
        alerts=alerts,
        referrals=m.referrals(),
        classifications=dict(sorted(classifications.items())),
        stages=parts.stages,
        excluded=excluded_items,
        deferred=arranged.deferred,
        conflicts=tuple(sorted(conflicts, key=lambda c: (c.kind, c.interventions, c.stage or ""))),
        unaddressed=tuple(unaddressed),
        unrecognized=tuple(sorted(set(assessment.unrecognized))),
        provenance=provenance,
        not_used=() if not_used is None else not_used(parts),
        pain=None if assessment.pain == _NO_PAIN else assessment.pain,
    )
