"""A clinic policy (``careengine_review_plan``): at most one item per stage; the rest is deferred,
never dropped."""

from __future__ import annotations

import attrs

from careengine.model import Assessment, Deferred, Plan
from careengine.plugins.hookspecs import hookimpl

REASON = "clinic policy: one item per stage"


@hookimpl
def careengine_review_plan(plan: Plan, assessment: Assessment) -> Plan | None:
    deferred = list(plan.deferred)
    stages = []
    for stage in plan.stages:
        for item in stage.items[1:]:
            deferred.append(Deferred(intervention=item.intervention, stage=stage.id, reason=REASON))
        stages.append(attrs.evolve(stage, items=stage.items[:1]))
    if len(deferred) == len(plan.deferred):
        return None
    return attrs.evolve(plan, stages=tuple(stages), deferred=tuple(deferred))
