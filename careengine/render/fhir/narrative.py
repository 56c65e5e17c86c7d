"""Human-readable parts of the FHIR output: CarePlan narratives and patient instructions.

Narratives are XHTML ``div`` elements in the XHTML namespace, using only elements FHIR allows in
a narrative (``div``, ``p``, ``b``, ``ul``, ``li``); every piece of text is escaped with
:func:`~careengine.render.safe_text.xml_text`, which also removes the characters XML 1.0 does not
allow (control characters, lone surrogates, U+FFFE, U+FFFF), so the ``div`` always parses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from careengine.model import Plan, PlanItem, PlanStatus, StagePlan
from careengine.plugins.registry import Catalog
from careengine.render.dosage_words import patient_dosage
from careengine.render.safe_text import xml_text as escape
from careengine.render.text import dosage_line

XHTML = "http://www.w3.org/1999/xhtml"


def narrative(parts: Iterable[str]) -> dict[str, Any]:
    """A generated Narrative from already-escaped XHTML fragments."""
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">' + "".join(parts) + "</div>"}


def _list(lines: Iterable[str]) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f"<ul>{items}</ul>" if items else ""


def stage_lines(stage: StagePlan) -> list[str]:
    return [f"{item.name}: {dosage_line(item.dosage)}" for item in stage.items]


def plan_narrative(plan: Plan) -> dict[str, Any]:
    """The whole plan at a glance: status, alerts, referrals, stages, exclusions."""
    head = f"Care plan for {plan.patient_id}"
    if plan.assessed_on:
        head += f", assessed {plan.assessed_on}"
    parts = [f"<p><b>{escape(head)}</b></p>"]
    current = next((s for s in plan.stages if s.id == plan.current_stage), None)
    if current is not None:
        parts.append(f"<p>Current stage: {escape(current.title)}</p>")
    if plan.status is PlanStatus.REFERRAL:
        parts.append("<p><b>Treatment is withheld pending medical review.</b></p>")
    if plan.alerts:
        parts.append("<p>Alerts:</p>")
        parts.append(_list(f"{a.level.value.upper()}: {a.message}" for a in plan.alerts))
    if plan.referrals:
        parts.append("<p>Referrals:</p>")
        parts.append(_list(f"{r.to} ({r.urgency.value}): {r.reason}" for r in plan.referrals))
    for number, stage in enumerate(plan.stages, 1):
        parts.append(f"<p><b>Stage {number}: {escape(stage.title)}</b></p>")
        parts.append(_list(stage_lines(stage)) or "<p>No items.</p>")
    if plan.excluded:
        parts.append("<p>Not to be done:</p>")
        parts.append(_list(f"{e.intervention}: {'; '.join(e.reasons)}" for e in plan.excluded))
    return narrative(parts)


def stage_narrative(number: int, stage: StagePlan) -> dict[str, Any]:
    parts = [f"<p><b>Stage {number}: {escape(stage.title)}</b></p>"]
    parts.append(_list(stage_lines(stage)) or "<p>No items.</p>")
    if stage.goals:
        parts.append("<p>Goals:</p>" + _list(stage.goals))
    if stage.progress_when:
        parts.append("<p>Move on when:</p>" + _list(stage.progress_when))
    return narrative(parts)


def patient_instruction(item: PlanItem, catalog: Catalog) -> str:
    """The item for the patient: how much, how to do it, how to stay safe (plain text)."""
    intervention = catalog.interventions.get(item.intervention)
    lines = [f"{item.name}. How much: {patient_dosage(item.dosage)}."]
    steps = intervention.steps if intervention else ()
    if steps:
        lines.append("How to do it:")
        lines += [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    tips = intervention.safety_tips if intervention else ()
    if tips:
        lines.append("Stay safe:")
        lines += [f"- {tip}" for tip in tips]
    return "\n".join(lines)
