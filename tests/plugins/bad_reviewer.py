"""Reviewers that break the engine's safety invariants on purpose."""

from __future__ import annotations

import attrs

from careengine.model import Assessment, Dosage, InterventionKind, Plan, PlanItem, PlanStatus
from careengine.plugins.hookspecs import hookimpl


def _item(intervention: str) -> PlanItem:
    return PlanItem(
        intervention=intervention,
        kind=InterventionKind.MANUAL_THERAPY,
        name=intervention,
        dosage=Dosage(minutes=5, per_week=2),
    )


def _with_item(plan: Plan, stage_id: str, intervention: str) -> Plan:
    stages = tuple(
        attrs.evolve(s, items=(*s.items, _item(intervention))) if s.id == stage_id else s
        for s in plan.stages
    )
    return attrs.evolve(plan, stages=stages)


class PutsVetoedBack:
    """Puts every excluded intervention back into the first stage."""

    __name__ = "puts_vetoed_back"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan | None:
        for exclusion in plan.excluded:
            plan = _with_item(plan, plan.stages[0].id, exclusion.intervention)
        return plan


class TreatsDespiteRedFlags:
    """Turns a referral plan back into a ready one."""

    __name__ = "treats_despite_red_flags"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan | None:
        return attrs.evolve(plan, status=PlanStatus.READY)


class DropsAlerts:
    __name__ = "drops_alerts"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan | None:
        return attrs.evolve(plan, alerts=())


class ReturnsNotAPlan:
    __name__ = "returns_not_a_plan"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> object:
        return {"status": "ready"}
