"""Plain-text plan for a terminal: alerts first and impossible to miss, then the stages.

Layout: the header; a box of ``!!`` lines holding the withheld-treatment banner, every alert and
every referral; each stage with its items (dosage on the item's line, a one-line why below it,
cautions marked ``!``); then what was excluded, deferred, in conflict or not addressed, and the
classifications (``?`` for a value that could not be decided).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any

from careengine.model import Dosage, Plan, PlanItem, PlanStatus
from careengine.registry import RenderContext
from careengine.serialize import thaw

WIDTH = 78
RULE = "!" * WIDTH


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


def _boxed(text: str, indent: str = "") -> list[str]:
    """Wrapped lines inside the alert box, each starting with ``!!``."""
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent="!! " + indent,
        subsequent_indent="!! " + indent + "   ",
        break_on_hyphens=False,
    )


def alert_box(plan: Plan) -> list[str]:
    """The box with the banner, alerts and referrals (empty when there are none)."""
    if not plan.alerts and not plan.referrals and plan.status is not PlanStatus.REFERRAL:
        return []
    lines = [RULE]
    if plan.status is PlanStatus.REFERRAL:
        lines += [
            "!! TREATMENT WITHHELD: PENDING MEDICAL REVIEW",
            "!! No exercise or treatment until the referral below has been acted on.",
            "!!",
        ]
    for alert in plan.alerts:
        lines += _boxed(f"{alert.level.value.upper()} ALERT {alert.code}: {alert.message}")
    for referral in plan.referrals:
        lines += _boxed(
            f"REFER to {referral.to} ({referral.urgency.value}): {referral.reason}", indent=""
        )
    return [*lines, RULE]


def why_line(item: PlanItem) -> str | None:
    if not item.because:
        return None
    line = f"why: {item.because[0].rationale}"
    others = len(item.because) - 1
    if others:
        line += f" (and {others} more rule{'s' if others > 1 else ''}; see 'careengine explain')"
    return line


def _value(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(thaw(value), ensure_ascii=False)
    return "?" if value is None else str(value)


def render_text(plan: Plan, context: RenderContext) -> str:
    out: list[str] = []
    out.append(
        f"Care plan for {plan.patient_id}" + (f" ({plan.assessed_on})" if plan.assessed_on else "")
    )
    out.append(f"Status: {plan.status.value.upper()}   Current stage: {plan.current_stage}")
    box = alert_box(plan)
    if box:
        out += ["", *box]
    withheld = plan.status is PlanStatus.REFERRAL
    if plan.progression is not None:
        out += _progression_lines(plan)
    for stage in plan.stages:
        marker = "  <- current" if stage.id == plan.current_stage else ""
        out += ["", f"STAGE {stage.id}: {stage.title}{marker}"]
        if not stage.items:
            out.append("  (withheld: pending medical review)" if withheld else "  (no items)")
        for item in stage.items:
            out.append(f"  - {item.name} [{item.intervention}] {dosage_line(item.dosage)}")
            if item.progressed_from:
                regressed = plan.progression and plan.progression.decision.value == "regress"
                how = "regressed" if regressed else "progressed"
                out.append(f"      {how} from: {item.progressed_from}")
            why = why_line(item)
            if why:
                out.append(f"      {why}")
            for p in item.precautions:
                out.append(f"    ! caution: {p.text}")
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
    if plan.classifications:
        out += ["", "CLASSIFICATIONS"]
        for name, values in plan.classifications.items():
            shown = ", ".join(f"{k}={_value(v)}" for k, v in values.items() if k != "missing")
            missing = len(values.get("missing", ()))
            if missing:
                shown += f" ({missing} input{'s' if missing > 1 else ''} missing)"
            out.append(f"  {name}: {shown}")
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
