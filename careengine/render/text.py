"""Plain-text plan for a terminal: alerts first and impossible to miss, then the stages."""

from __future__ import annotations

from careengine.model import Dosage, Plan, PlanStatus
from careengine.registry import RenderContext


def dosage_line(d: Dosage) -> str:
    parts = []
    if d.sets and d.reps:
        parts.append(f"{d.sets} x {d.reps}")
    elif d.sets:
        parts.append(f"{d.sets} sets")
    elif d.reps:
        parts.append(f"{d.reps} reps")
    if d.hold_seconds:
        parts.append(f"hold {d.hold_seconds} s")
    if d.minutes:
        parts.append(f"{d.minutes} min")
    if d.per_week:
        parts.append(f"{d.per_week}x/week")
    return ", ".join(parts) or "as directed"


def render_text(plan: Plan, context: RenderContext) -> str:
    out: list[str] = []
    out.append(
        f"Care plan for {plan.patient_id}" + (f" ({plan.assessed_on})" if plan.assessed_on else "")
    )
    out.append(f"Status: {plan.status.value.upper()}   Current stage: {plan.current_stage}")
    if plan.status is PlanStatus.REFERRAL:
        banner = "!" * 72
        out += ["", banner, "!! TREATMENT WITHHELD: PENDING MEDICAL REVIEW", banner]
    if plan.progression is not None:
        out += _progression_lines(plan)
    if plan.alerts:
        out += ["", "ALERTS"]
        for a in plan.alerts:
            out.append(f"  [{a.level.value.upper()}] {a.code}: {a.message}")
    if plan.referrals:
        out += ["", "REFERRALS"]
        for r in plan.referrals:
            out.append(f"  -> {r.to} ({r.urgency.value}): {r.reason}")
    for stage in plan.stages:
        marker = "  <- current" if stage.id == plan.current_stage else ""
        out += ["", f"STAGE {stage.id}: {stage.title}{marker}"]
        if not stage.items:
            out.append("  (no items)")
        for item in stage.items:
            out.append(f"  - {item.name} [{item.intervention}] {dosage_line(item.dosage)}")
            if item.progressed_from:
                regressed = plan.progression and plan.progression.decision.value == "regress"
                how = "regressed" if regressed else "progressed"
                out.append(f"      {how} from: {item.progressed_from}")
            if item.because:
                out.append(f"      why: {item.because[0].rationale}")
            for p in item.precautions:
                out.append(f"      caution: {p.text}")
    if plan.excluded:
        out += ["", "EXCLUDED"]
        for e in plan.excluded:
            out.append(f"  - {e.intervention}: {'; '.join(e.reasons)}")
    if plan.deferred:
        out += ["", "DEFERRED"]
        for d in plan.deferred:
            out.append(f"  - {d.intervention} ({d.stage}): {d.reason}")
    if plan.conflicts:
        out += ["", "CONFLICTS"]
        for c in plan.conflicts:
            out.append(f"  - {c.kind} {', '.join(c.interventions)}: {c.resolution}")
    if plan.unaddressed:
        out += ["", "UNADDRESSED FINDINGS", "  " + ", ".join(plan.unaddressed)]
    if plan.unrecognized:
        out += ["", "UNRECOGNIZED CODES", "  " + ", ".join(plan.unrecognized)]
    return "\n".join(out) + "\n"


def _progression_lines(plan: Plan) -> list[str]:
    p = plan.progression
    assert p is not None
    out = ["", f"REASSESSMENT: {p.decision.value.upper()} ({p.from_stage} -> {p.to_stage})"]
    out += [f"  - {reason}" for reason in p.reasons]
    if p.changes:
        out.append("  Changes:")
        out += [f"    * {change}" for change in p.changes]
    if plan.history:
        earlier = [
            f"{h.assessed_on or '?'} {h.decision.value} {h.from_stage}->{h.to_stage}"
            for h in plan.history
        ]
        out.append("  Earlier decisions: " + "; ".join(earlier))
    return out
