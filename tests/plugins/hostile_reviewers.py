"""Reviewers (``careengine_review_plan``) that each break one safety invariant on purpose
(careengine/pipeline/safety.py, docs/plugins.md "What a reviewer may not change"). Every one of them
returned its plan with exit 0 before the invariants were re-checked after each reviewer."""

from __future__ import annotations

import attrs

from careengine.model import (
    Alert,
    AlertLevel,
    Assessment,
    Deferred,
    Dosage,
    Exclusion,
    Intervention,
    Plan,
    PlanItem,
    StagePlan,
    Urgency,
)
from careengine.plugins.hookspecs import hookimpl


class Reviewer:
    """A plugin object whose reviewer applies :meth:`change` to every plan."""

    __name__ = "hostile"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan | None:
        return self.change(plan)

    def change(self, plan: Plan) -> Plan:
        raise NotImplementedError


def _items(plan: Plan, **changes: object) -> Plan:
    """Every placed item changed with ``attrs.evolve(item, **changes)``."""
    stages = tuple(
        attrs.evolve(s, items=tuple(attrs.evolve(i, **changes) for i in s.items))
        for s in plan.stages
    )
    return attrs.evolve(plan, stages=stages)


def _emptied(plan: Plan) -> tuple[StagePlan, ...]:
    return tuple(attrs.evolve(s, items=()) for s in plan.stages)


class LowersAlerts(Reviewer):
    __name__ = "lowers_alerts"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(
            plan, alerts=tuple(attrs.evolve(a, level=AlertLevel.INFO) for a in plan.alerts)
        )


class RenamesAlerts(Reviewer):
    __name__ = "renames_alerts"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(
            plan, alerts=tuple(attrs.evolve(a, code=f"{a.code}_reviewed") for a in plan.alerts)
        )


class DropsReferrals(Reviewer):
    __name__ = "drops_referrals"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(plan, referrals=())


class LowersReferrals(Reviewer):
    __name__ = "lowers_referrals"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(
            plan,
            referrals=tuple(attrs.evolve(r, urgency=Urgency.ROUTINE) for r in plan.referrals),
        )


class StripsPrecautions(Reviewer):
    __name__ = "strips_precautions"

    def change(self, plan: Plan) -> Plan:
        return _items(plan, precautions=())


class DropsExclusions(Reviewer):
    __name__ = "drops_exclusions"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(plan, excluded=())


class RewordsExclusions(Reviewer):
    """Replaces every exclusion's reasons with a milder one of its own."""

    __name__ = "rewords_exclusions"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(
            plan,
            excluded=tuple(attrs.evolve(e, reasons=("clinic preference",)) for e in plan.excluded),
        )


class DeletesItems(Reviewer):
    """Empties every stage without deferring anything."""

    __name__ = "deletes_items"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(plan, stages=_emptied(plan))


class DefersWithoutReason(Reviewer):
    __name__ = "defers_without_reason"

    def change(self, plan: Plan) -> Plan:
        deferred = tuple(
            Deferred(intervention=item.intervention, stage=stage, reason=" ")
            for stage, item in plan.items()
        )
        return attrs.evolve(plan, stages=_emptied(plan), deferred=plan.deferred + deferred)


class DefersAndExcludesWithReasons(Reviewer):
    """Allowed: moves the first stage's items to ``deferred`` and the others' to ``excluded``,
    each with a reason."""

    __name__ = "defers_and_excludes"

    def change(self, plan: Plan) -> Plan:
        first = plan.stages[0].id
        deferred = tuple(
            Deferred(intervention=item.intervention, stage=stage, reason="clinic: next visit")
            for stage, item in plan.items()
            if stage == first
        )
        excluded = tuple(
            Exclusion(intervention=item.intervention, reasons=("clinic: not offered here",))
            for stage, item in plan.items()
            if stage != first
        )
        return attrs.evolve(
            plan,
            stages=_emptied(plan),
            deferred=plan.deferred + deferred,
            excluded=plan.excluded + excluded,
        )


class HidesUnaddressed(Reviewer):
    __name__ = "hides_unaddressed"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(plan, unaddressed=())


class RewritesPatientId(Reviewer):
    __name__ = "rewrites_patient_id"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(plan, patient_id="someone-else")


class RewritesFingerprint(Reviewer):
    __name__ = "rewrites_fingerprint"

    def change(self, plan: Plan) -> Plan:
        provenance = attrs.evolve(plan.provenance, fingerprint="sha256:" + "0" * 64)
        return attrs.evolve(plan, provenance=provenance)


class HidesItsPlugin(Reviewer):
    """Removes its own name from the provenance's plugins."""

    __name__ = "hides_its_plugin"

    def change(self, plan: Plan) -> Plan:
        plugins = {k: v for k, v in plan.provenance.plugins.items() if k != self.__name__}
        return attrs.evolve(plan, provenance=attrs.evolve(plan.provenance, plugins=plugins))


class RedatesAndReclassifies(Reviewer):
    __name__ = "redates_and_reclassifies"

    def change(self, plan: Plan) -> Plan:
        return attrs.evolve(plan, assessed_on="2001-01-01", classifications={})


class EscalatesButKeepsTreating(Reviewer):
    """Adds an emergency alert but leaves the plan ready, with its items."""

    __name__ = "escalates_but_keeps_treating"

    def change(self, plan: Plan) -> Plan:
        alert = Alert(code="clinic_emergency", level=AlertLevel.EMERGENCY, message="Call 911.")
        return attrs.evolve(plan, alerts=(alert, *plan.alerts))


class HugeDosage(Reviewer):
    """Sets 10^6 sets and -5 reps on every exercise."""

    __name__ = "huge_dosage"

    def change(self, plan: Plan) -> Plan:
        stages = tuple(
            attrs.evolve(
                s,
                items=tuple(
                    attrs.evolve(i, dosage=attrs.evolve(i.dosage, sets=10**6, reps=-5))
                    if i.dosage.sets is not None
                    else i
                    for i in s.items
                ),
            )
            for s in plan.stages
        )
        return attrs.evolve(plan, stages=stages)


class AboveCatalogMaximum(Reviewer):
    """Sets every dosage to one above the catalog's ``dosage_max`` (in range otherwise)."""

    __name__ = "above_catalog_maximum"

    def __init__(self, maxima: dict[str, Dosage]) -> None:
        self.maxima = maxima

    def change(self, plan: Plan) -> Plan:
        stages = []
        for s in plan.stages:
            items = []
            for i in s.items:
                top = self.maxima.get(i.intervention)
                if top is not None and top.sets is not None:
                    i = attrs.evolve(i, dosage=attrs.evolve(i.dosage, sets=top.sets + 1))
                items.append(i)
            stages.append(attrs.evolve(s, items=tuple(items)))
        return attrs.evolve(plan, stages=tuple(stages))


class RenamesStage(Reviewer):
    __name__ = "renames_stage"

    def change(self, plan: Plan) -> Plan:
        first = attrs.evolve(plan.stages[0], id="warmup")
        return attrs.evolve(plan, stages=(first, *plan.stages[1:]), current_stage="warmup")


class ExcludesThrust(Reviewer):
    """A clinic policy (allowed): thrust manipulation is not offered; moved to ``excluded``."""

    __name__ = "a_excludes_thrust"

    def change(self, plan: Plan) -> Plan:
        thrust = "spinal_thrust_manipulation"
        stages = tuple(
            attrs.evolve(s, items=tuple(i for i in s.items if i.intervention != thrust))
            for s in plan.stages
        )
        exclusion = Exclusion(intervention=thrust, reasons=("clinic: not offered here",))
        return attrs.evolve(plan, stages=stages, excluded=(*plan.excluded, exclusion))


class PutsThrustBack(Reviewer):
    """Runs after :class:`ExcludesThrust` (plugin name order) and undoes its exclusion."""

    __name__ = "b_puts_thrust_back"

    def __init__(self, item: object) -> None:
        self.item = item

    def change(self, plan: Plan) -> Plan:
        thrust = "spinal_thrust_manipulation"
        excluded = tuple(e for e in plan.excluded if e.intervention != thrust)
        first = plan.stages[0]
        stages = (attrs.evolve(first, items=(*first.items, self.item)), *plan.stages[1:])
        return attrs.evolve(plan, stages=stages, excluded=excluded)


class DoesEverything(Reviewer):
    """Lowers the alerts, drops the referrals, deletes the items and rewrites the patient id."""

    __name__ = "does_everything"

    def change(self, plan: Plan) -> Plan:
        plan = LowersAlerts().change(plan)
        plan = attrs.evolve(plan, referrals=(), stages=_emptied(plan))
        return attrs.evolve(plan, patient_id="someone-else")


class AddsWithoutPrecaution(Reviewer):
    """Adds an item (catalog dosage) to the first stage without any precaution."""

    __name__ = "adds_without_precaution"

    def __init__(self, intervention: Intervention) -> None:
        self.intervention = intervention

    def change(self, plan: Plan) -> Plan:
        item = PlanItem(
            intervention=self.intervention.id,
            kind=self.intervention.kind,
            name=self.intervention.name,
            dosage=self.intervention.dosage,
        )
        first = plan.stages[0]
        return attrs.evolve(
            plan, stages=(attrs.evolve(first, items=(*first.items, item)), *plan.stages[1:])
        )
