"""Plain-text plan for a terminal: alerts first and impossible to miss, then the stages.

Layout: the header; a box of ``!!`` lines holding the withheld-treatment banner, every alert and
every referral; each stage with its items (dosage on the item's line, a one-line why below it,
cautions marked ``!``); then what was excluded, deferred, in conflict or not addressed, and the
classifications (``?`` for a value that could not be decided).

Every piece of text from the plan goes through :func:`~careengine.render.safe_text.one_line`: no
terminal escape sequence or control character reaches the output, and a field holding a line
break cannot forge a line (a section, an alert, an item) of its own. Control characters are
removed whatever the output is (a terminal, a file or a pipe).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from careengine.model import Dosage, Plan, PlanItem, PlanStatus
from careengine.plugins.registry import RenderContext
from careengine.render.dosage_words import clinician_dosage
from careengine.render.safe_text import clean_output, one_line
from careengine.render.serialize import thaw
from careengine.render.shown_numbers import rounded, shown_json

WIDTH = 78
RULE = "!" * WIDTH


def dosage_line(d: Dosage) -> str:
    """The dosage in the clinician's shorthand (:mod:`careengine.render.dosage_words`)."""
    return clinician_dosage(d)


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
        lines += _boxed(
            f"{alert.level.value.upper()} ALERT {one_line(alert.code)}: {one_line(alert.message)}"
        )
    for referral in plan.referrals:
        lines += _boxed(
            f"REFER to {one_line(referral.to)} ({referral.urgency.value}): "
            f"{one_line(referral.reason)}",
            indent="",
        )
    return [*lines, RULE]


def why_line(item: PlanItem) -> str | None:
    if not item.because:
        return None
    line = f"why: {one_line(item.because[0].rationale)}"
    others = len(item.because) - 1
    if others:
        line += f" (and {others} more rule{'s' if others > 1 else ''}; see 'careengine explain')"
    return line


def _value(value: Any) -> str:
    """A classification value for reading: numbers rounded (:mod:`.shown_numbers`)."""
    if isinstance(value, Mapping | list | tuple):
        return one_line(shown_json(thaw(value)))
    return "?" if value is None else one_line(str(rounded(value)))


def render_text(plan: Plan, context: RenderContext) -> str:
    out: list[str] = []
    out.append(
        f"Care plan for {one_line(plan.patient_id)}"
        + (f" ({one_line(plan.assessed_on)})" if plan.assessed_on else "")
    )
    out.append(
        f"Status: {plan.status.value.upper()}   Current stage: {one_line(plan.current_stage)}"
    )
    box = alert_box(plan)
    if box:
        out += ["", *box]
    withheld = plan.status is PlanStatus.REFERRAL
    if plan.progression is not None:
        out += _progression_lines(plan)
    for stage in plan.stages:
        marker = "  <- current" if stage.id == plan.current_stage else ""
        out += ["", f"STAGE {one_line(stage.id)}: {one_line(stage.title)}{marker}"]
        if not stage.items:
            out.append("  (withheld: pending medical review)" if withheld else "  (no items)")
        for item in stage.items:
            out.append(
                f"  - {one_line(item.name)} [{one_line(item.intervention)}] "
                f"{dosage_line(item.dosage)}"
            )
            if item.progressed_from:
                regressed = plan.progression and plan.progression.decision.value == "regress"
                how = "regressed" if regressed else "progressed"
                out.append(f"      {how} from: {one_line(item.progressed_from)}")
            why = why_line(item)
            if why:
                out.append(f"      {why}")
            for p in item.precautions:
                out.append(f"    ! caution: {one_line(p.text)}")
    if plan.excluded:
        out += ["", "EXCLUDED"]
        for e in plan.excluded:
            out.append(f"  - {one_line(e.intervention)}: {one_line('; '.join(e.reasons))}")
    if plan.deferred:
        out += ["", "DEFERRED"]
        for d in plan.deferred:
            out.append(
                f"  - {one_line(d.intervention)} ({one_line(d.stage)}): {one_line(d.reason)}"
            )
    if plan.conflicts:
        out += ["", "CONFLICTS"]
        for c in plan.conflicts:
            out.append(
                f"  - {one_line(c.kind)} {one_line(', '.join(c.interventions))}: "
                f"{one_line(c.resolution)}"
            )
    if plan.unaddressed:
        out += ["", "UNADDRESSED FINDINGS", "  " + one_line(", ".join(plan.unaddressed))]
    if plan.unrecognized:
        out += ["", "UNRECOGNIZED CODES", "  " + one_line(", ".join(plan.unrecognized))]
    if plan.not_used:
        out += ["", "NOT USED (recorded, but changed nothing in this plan)"]
        for n in plan.not_used:
            out.append(f"  - {one_line(n.code)} ({n.kind.value}): {one_line(n.reason)}")
    if plan.classifications:
        out += ["", "CLASSIFICATIONS"]
        for name, values in plan.classifications.items():
            shown = ", ".join(
                f"{one_line(k)}={_value(v)}" for k, v in values.items() if k != "missing"
            )
            missing = len(values.get("missing", ()))
            if missing:
                shown += f" ({missing} input{'s' if missing > 1 else ''} missing)"
            out.append(f"  {one_line(name)}: {shown}")
    return clean_output("\n".join(out) + "\n")


def _progression_lines(plan: Plan) -> list[str]:
    p = plan.progression
    assert p is not None
    out = [
        "",
        f"REASSESSMENT: {p.decision.value.upper()} "
        f"({one_line(p.from_stage)} -> {one_line(p.to_stage)})",
    ]
    out += [f"  - {one_line(reason)}" for reason in p.reasons]
    if p.changes:
        out.append("  Changes:")
        out += [f"    * {one_line(change)}" for change in p.changes]
    if plan.history:
        earlier = [
            f"{h.assessed_on or '?'} {h.decision.value} {h.from_stage}->{h.to_stage}"
            for h in plan.history
        ]
        out.append("  Earlier decisions: " + one_line("; ".join(earlier)))
    return out
