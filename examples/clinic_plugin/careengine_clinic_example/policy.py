"""The clinic's first-visit policy: at most five exercises, so that a patient can learn them.

The engine already holds each stage to five exercises (``max_exercises_per_stage``); this policy
holds the whole first-visit plan, all stages together, to five. Exercises are kept from the
current stage onwards, in plan order (priority first), then from earlier stages; the others are
deferred with a reason, never dropped. A follow-up visit (an assessment with a ``response``
block) is not a first visit and is left alone.

Built-in reviewers run before a clinic's, so the policy sees the plan after the STarT Back
pathway: on a low risk the pathway has already deferred the exercise programme (advice first)
and the policy finds nothing to cap.
"""

from __future__ import annotations

import attrs
from careengine.model import Assessment, Deferred, InterventionKind, Plan

MAX_FIRST_VISIT_EXERCISES = 5
REASON = f"clinic policy: at most {MAX_FIRST_VISIT_EXERCISES} exercises on a first visit"


def limit_first_visit(plan: Plan, assessment: Assessment) -> Plan | None:
    """The plan with at most five exercises in its stages, or ``None`` when it already has."""
    if assessment.response is not None:
        return None
    ids = [stage.id for stage in plan.stages]
    start = ids.index(plan.current_stage) if plan.current_stage in ids else 0
    exercises = [
        (stage.id, item.intervention)
        for stage in plan.stages[start:] + plan.stages[:start]
        for item in stage.items
        if item.kind is InterventionKind.EXERCISE
    ]
    overflow = exercises[MAX_FIRST_VISIT_EXERCISES:]
    if not overflow:
        return None
    moved = set(overflow)
    stages = tuple(
        attrs.evolve(
            stage, items=tuple(i for i in stage.items if (stage.id, i.intervention) not in moved)
        )
        for stage in plan.stages
    )
    deferred = plan.deferred + tuple(
        Deferred(intervention=intervention, stage=stage, reason=REASON)
        for stage, intervention in overflow
    )
    return attrs.evolve(plan, stages=stages, deferred=deferred)
