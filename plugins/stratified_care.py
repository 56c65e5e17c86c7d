"""The STarT Back stratified care pathway (docs/design.md section 11; docs/clinical-basis.md
section 4.1), through ``careengine_review_plan``, switchable per clinic with the option
``startback_pathway``:

* ``stratified`` (the default): a **low-risk** patient gets advice, reassurance and
  self-management first (Hill 2011; NICE NG59 1.1.2-1.1.3). Education items
  (``activity_advice``, ``pain_neuroscience_education``, ``ergonomic_education``, any education
  item of a clinic's catalog) and the general activity of :data:`SELF_MANAGEMENT` (walking) stay
  active; every other placed item (exercise programme, manual therapy, modalities, procedures)
  moves to ``deferred`` with :data:`DEFERRED_REASON`. Nothing is lost and nothing about safety
  changes: alerts, referrals, exclusions and precautions are left alone, and a plan whose red
  flags withhold treatment is not touched. Medium and high risk keep the physiotherapy plan (high
  risk also gets ``psychologically_informed_care`` from pack ``lbp.education``); an unknown risk
  (no STarT Back given) keeps the full plan: nothing is guessed.
* ``full``: every patient gets the physiotherapy plan (the behaviour before the pathway).

**Step up at a reassessment.** A reassessment that starts from an advice-first plan (one with a
pathway deferral, or a low-risk plan without any physiotherapy item) keeps advice first while the
patient improves (the gates ``advance``); when the gates hold or regress, the physiotherapy plan
opens (the pathway's step up), and so it does when a repeated STarT Back now gives medium or high
risk. A reassessment never moves a patient already in physiotherapy back to advice first.
STarT Back is a first-contact tool (NICE NG59 1.1.2), so a follow-up without it continues the
stratum of the first visit rather than guessing a new one.

When the items left hold nothing in the current stage, the current stage becomes the first stage
that holds items; an impairment no active item addresses any longer is listed in
``unaddressed`` (docs/design.md section 5, point 8), as the merge does for deferred overflow.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from careengine.model import (
    Assessment,
    Decision,
    Deferred,
    InterventionKind,
    Plan,
    PlanItem,
    PlanStatus,
)
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import Catalog, CatalogRegistry

OPTION = "startback_pathway"
STRATIFIED = "stratified"
FULL = "full"
#: general activity a low-risk patient keeps as self-management (local choice: walking is the
#: concrete form of the advice to stay active)
SELF_MANAGEMENT = frozenset({"walking_program"})
DEFERRED_REASON = (
    "STarT Back low risk: advice and self-management first (stratified care, Hill 2011; NICE "
    "NG59 1.1.3); physiotherapy if not improving at review"
)


def startback_risk(plan: Plan) -> str | None:
    """The plan's STarT Back risk (``low``, ``medium``, ``high``), or ``None`` when unknown."""
    block = plan.classifications.get("startback")
    risk = block.get("risk") if isinstance(block, Mapping) else None
    return risk if isinstance(risk, str) else None


def advice_first_item(item: PlanItem) -> bool:
    """Whether a low-risk patient keeps this item active: education, or general activity."""
    return item.kind == InterventionKind.EDUCATION or item.intervention in SELF_MANAGEMENT


def on_advice_first(plan: Plan) -> bool:
    """Whether a (stored) plan was on advice first: a pathway deferral, or a low-risk plan whose
    placed items are all advice and self-management."""
    if any(d.reason == DEFERRED_REASON for d in plan.deferred):
        return True
    return startback_risk(plan) == "low" and all(advice_first_item(i) for _, i in plan.items())


def advice_first(plan: Plan, assessment: Assessment, catalog: Catalog) -> Plan:
    """The plan with every item but advice and self-management deferred (nothing lost)."""
    moved: list[Deferred] = []
    stages = []
    for stage in plan.stages:
        kept = tuple(i for i in stage.items if advice_first_item(i))
        moved += [
            Deferred(intervention=i.intervention, stage=stage.id, reason=DEFERRED_REASON)
            for i in stage.items
            if not advice_first_item(i)
        ]
        stages.append(attrs.evolve(stage, items=kept))
    if not moved:
        return plan
    current = plan.current_stage
    if not any(s.items for s in stages if s.id == current):
        current = next((s.id for s in stages if s.items), current)
    addressed = {a for s in stages for item in s.items for a in item.addresses}
    impairments = catalog.impairments()
    newly = {
        f.code
        for f in assessment.present_findings()
        if f.code in impairments and f.code not in addressed
    }
    return attrs.evolve(
        plan,
        stages=tuple(stages),
        current_stage=current,
        deferred=sorted((*plan.deferred, *moved), key=lambda d: (d.stage, d.intervention)),
        unaddressed=sorted(set(plan.unaddressed) | newly),
        not_used=tuple(n for n in plan.not_used if n.code != "startback"),  # the risk was used
    )


def _with_reason(plan: Plan, reason: str) -> Plan:
    """The plan with ``reason`` added to its stage decision's reasons; the item changes of
    items the pathway deferred are left out (they are not given at this visit)."""
    if plan.progression is None:
        return plan
    moved = {f"{d.stage}: {d.intervention} " for d in plan.deferred if d.reason == DEFERRED_REASON}
    changes = tuple(c for c in plan.progression.changes if not c.startswith(tuple(moved)))
    progression = attrs.evolve(
        plan.progression, reasons=(*plan.progression.reasons, reason), changes=changes
    )
    return attrs.evolve(plan, progression=progression)


def reviewed(
    plan: Plan, assessment: Assessment, previous: Plan | None, catalog: Catalog
) -> Plan | None:
    """The pathway applied to one plan under ``stratified`` (see the module docstring)."""
    if plan.status is PlanStatus.REFERRAL:
        return None
    risk = startback_risk(plan)
    if previous is None:
        return advice_first(plan, assessment, catalog) if risk == "low" else None
    if not on_advice_first(previous):
        return None
    if risk in ("medium", "high"):
        return _with_reason(
            plan,
            f"STarT Back risk is now {risk}: the physiotherapy plan is opened (stratified care).",
        )
    decision = plan.progression.decision if plan.progression is not None else None
    if decision is Decision.ADVANCE:
        return _with_reason(
            advice_first(plan, assessment, catalog),
            "STarT Back low risk and improving: advice and self-management continue; the "
            "physiotherapy items stay deferred.",
        )
    said = f" ({decision})" if decision is not None else ""
    return _with_reason(
        plan,
        f"STarT Back low risk, not improving on advice and self-management{said}: the "
        "physiotherapy plan is opened (stratified care's step up).",
    )


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    """Declare the option ``startback_pathway``."""
    registry.add_option(
        OPTION,
        values=(STRATIFIED, FULL),
        default=STRATIFIED,
        description="STarT Back low risk: advice and self-management first, physiotherapy "
        "deferred until a review shows no improvement (stratified), or the physiotherapy plan "
        "for every patient (full)",
    )


@hookimpl
def careengine_review_plan(
    plan: Plan,
    assessment: Assessment,
    options: Mapping[str, str],
    previous: Plan | None,
    catalog: Catalog,
) -> Plan | None:
    """Apply the pathway under ``startback_pathway = stratified``; leave the plan under ``full``."""
    if options.get(OPTION) != STRATIFIED:
        return None
    return reviewed(plan, assessment, previous, catalog)
