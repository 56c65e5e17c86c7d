"""A reassessment: the previous plan + today's follow-up, evaluated in full -> the next plan.

:meth:`Engine.reassess <careengine.engine.Engine.reassess>` evaluates the follow-up with the same
pipeline as a first visit (rules, red-flag gate, vetoes, merge), then :func:`reassess_plan`

1. checks that the two belong together and that nothing the gates need is missing (an input
   error, never a guess): the follow-up's ``response`` and current pain, the previous plan's
   recorded pain (the plan's ``pain`` block), the same patient, dates in order, and a previous
   plan that did not withhold treatment;
2. when today's red flags withhold treatment, keeps the plan withheld and holds the stage;
3. otherwise decides the stage (:func:`careengine.pipeline.gates.decide`) from the previous plan's
   current stage and progresses the exercises (:mod:`careengine.pipeline.exercise_progression`);
4. records the decision in ``progression`` and carries a short ``history`` of earlier decisions.

The engine then re-checks its safety invariants and runs the review hook on the result, so a
progression can never place a vetoed intervention or treat a withheld plan.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from careengine.errors import AssessmentError, Problem
from careengine.model import (
    Assessment,
    Contribution,
    Decision,
    InterventionKind,
    Plan,
    PlanStatus,
    Progression,
    StagePlan,
)
from careengine.pipeline.evidence import odi_percent
from careengine.pipeline.exercise_progression import ItemProgression
from careengine.pipeline.gates import Gates, decide
from careengine.pipeline.merge import Merger
from careengine.pipeline.programme import start_stage_contribution
from careengine.plugins.registry import Catalog


def check_inputs(
    previous: Plan,
    followup: Assessment,
    catalog: Catalog,
    *,
    plan_file: str | None = None,
    followup_file: str | None = None,
) -> None:
    """Raise AssessmentError listing every reason the two cannot be reassessed together."""
    plan_file = plan_file or "previous plan"
    followup_file = followup_file or followup.source or "follow-up"
    problems: list[Problem] = []

    def plan_problem(path: str, message: str) -> None:
        problems.append(Problem(file=plan_file, path=path, message=message))

    def followup_problem(path: str, message: str) -> None:
        problems.append(Problem(file=followup_file, path=path, message=message))

    if followup.response is None:
        followup_problem(
            "response",
            "a follow-up needs a response block (exercise_pain_max, settled_within_24h, "
            "adherence_percent)",
        )
    if followup.pain.current is None:
        followup_problem(
            "pain.current",
            "is required for a reassessment: the gates compare it with the previous visit",
        )
    if previous.pain is None or previous.pain.current is None:
        plan_problem(
            "pain.current",
            "the previous plan records no current pain, which the gates compare against; "
            "evaluate the previous assessment again with its current pain recorded",
        )
    if previous.patient_id != followup.patient.id:
        followup_problem(
            "patient.id",
            f"is {followup.patient.id!r}, but the previous plan is for {previous.patient_id!r}",
        )
    if (
        previous.assessed_on
        and followup.assessed_on
        and followup.assessed_on < previous.assessed_on
    ):
        followup_problem(
            "assessed_on",
            f"{followup.assessed_on} is before the previous plan's date {previous.assessed_on}",
        )
    if previous.status is PlanStatus.REFERRAL:
        plan_problem(
            "status",
            "the previous plan withheld treatment pending medical review, so there is no "
            "programme to progress; once the patient is cleared, evaluate the follow-up as a "
            "new assessment",
        )
    if previous.current_stage not in catalog.stage_ids():
        plan_problem("current_stage", f"unknown stage {previous.current_stage!r}")
    for stage_id, item in previous.items():
        if item.intervention not in catalog.interventions:
            plan_problem(
                f"stages[{stage_id}]", f"unknown intervention {item.intervention!r} in the plan"
            )
    if problems:
        raise AssessmentError("cannot reassess", problems=problems)


def has_home_exercise(previous: Plan, catalog: Catalog) -> bool:
    """Whether the previous plan gave the patient an exercise to do, in its current stage or
    an earlier one: only then does adherence count at the follow-up."""
    order = {stage.id: stage.order for stage in catalog.stages}
    current = order[previous.current_stage]
    return any(
        order.get(stage_id, current + 1) <= current
        and catalog.interventions[item.intervention].kind is InterventionKind.EXERCISE
        for stage_id, item in previous.items()
    )


def landing_stage(
    stages: Sequence[StagePlan], target: str, decision: Decision
) -> tuple[str, str | None]:
    """The stage the next plan works in: ``target`` when it holds items; otherwise the nearest
    stage that does, looked for first in the direction of the decision (onwards for an advance
    or a hold, back for a regress), with the reason in plain words."""
    ids = [stage.id for stage in stages]
    filled = [stage.id for stage in stages if stage.items]
    if target not in ids or target in filled or not filled:
        return target, None
    at = ids.index(target)
    later = [s for s in ids[at + 1 :] if s in filled]
    earlier = [s for s in reversed(ids[:at]) if s in filled]
    first, second = (earlier, later) if decision is Decision.REGRESS else (later, earlier)
    if first:
        how = "on to" if first is later else "back to"
        where = "the next stage" if first is later else "the nearest earlier stage"
        return first[0], (
            f"{target} holds nothing in today's plan, so the plan moves {how} {first[0]}, "
            f"{where} with something to do."
        )
    where = "no later stage" if first is later else "no earlier stage"
    return second[0], (
        f"{target} holds nothing in today's plan and {where} holds anything, so the plan "
        f"works in {second[0]}."
    )


def carried_history(previous: Plan, limit: int) -> tuple[Progression, ...]:
    """The previous plan's decisions, oldest first, without their item changes, at most
    ``limit`` of them."""
    earlier = (*previous.history, *((previous.progression,) if previous.progression else ()))
    trimmed = tuple(attrs.evolve(p, changes=()) for p in earlier)
    return trimmed[-limit:] if limit else ()


def reassess_plan(
    *,
    previous: Plan,
    followup: Assessment,
    fresh: Plan,
    contributions: Sequence[Contribution],
    catalog: Catalog,
    gates: Gates,
) -> Plan:
    """The next plan. ``fresh`` is the follow-up's merged plan, ``contributions`` its rules'
    actions; the inputs must have passed :func:`check_inputs`."""
    assert followup.response is not None and followup.pain.current is not None
    assert previous.pain is not None and previous.pain.current is not None
    history = carried_history(previous, gates.history_length)
    if fresh.status is PlanStatus.REFERRAL:
        alerts = ", ".join(a.code for a in fresh.alerts if a.level.withholds_treatment)
        progression = Progression(
            from_stage=previous.current_stage,
            to_stage=previous.current_stage,
            decision=Decision.HOLD,
            reasons=(
                f"Treatment is withheld pending medical review ({alerts}): the stage is held "
                "and no exercise is progressed.",
            ),
            assessed_on=followup.assessed_on,
        )
        return attrs.evolve(
            fresh, current_stage=previous.current_stage, progression=progression, history=history
        )
    start = start_stage_contribution(contributions, catalog)
    before, today = odi_percent(previous.classifications), odi_percent(fresh.classifications)
    decision = decide(
        gates=gates,
        stages=catalog.stage_ids(),
        from_stage=previous.current_stage,
        response=followup.response,
        previous_pain=previous.pain.current,
        current_pain=followup.pain.current,
        findings_stage=start.stage if start else None,
        findings_reason=start.because.rationale if start else None,
        adherence_counts=has_home_exercise(previous, catalog),
        function=(before, today) if before is not None and today is not None else None,
    )
    items = ItemProgression(
        catalog=catalog,
        merger=Merger(contributions=contributions, assessment=followup, catalog=catalog),
        fresh=fresh,
        previous=previous,
        decision=decision,
        steps=gates.steps,
    )
    stages = items.run()
    to_stage, moved = landing_stage(stages, decision.to_stage, decision.decision)
    return attrs.evolve(
        fresh,
        stages=stages,
        deferred=items.deferred,
        current_stage=to_stage,
        progression=Progression(
            from_stage=decision.from_stage,
            to_stage=to_stage,
            decision=decision.decision,
            reasons=(*decision.reasons, *((moved,) if moved else ())),
            assessed_on=followup.assessed_on,
            changes=tuple(items.changes),
        ),
        history=history,
    )
