"""A printable, self-contained patient handout (no external assets, no scripts).

Written for the patient: a box for the clinic's details; the stage the patient starts at; per
stage its purpose and when to move on; per item who does it (at home, with the therapist, ...),
how much in plain words, the steps, the safety tips and the cautions that apply to this patient,
and a week of tick boxes for home exercises; the referrals; and, when red flags withhold
treatment, a warning block that cannot be missed in place of every exercise. Everything is
escaped (:func:`~careengine.render.safe_text.html_text`: control characters removed, lone
surrogates replaced); the CSS is inline and prints on plain A4/Letter paper.
"""

from __future__ import annotations

from careengine.model import (
    AlertLevel,
    Dosage,
    InterventionKind,
    Plan,
    PlanItem,
    PlanStatus,
    Precaution,
    TermKind,
    Urgency,
)
from careengine.plugins.registry import RenderContext
from careengine.render.dosage_words import patient_dosage
from careengine.render.safe_text import html_text as escape

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 48em; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #333; padding-bottom: 0.1em; margin-top: 1.6em; }
.meta { color: #444; }
.clinic { width: 100%; border-collapse: collapse; margin: 0.8em 0; }
.clinic td { border: 1px solid #999; padding: 0.5em; width: 33%; vertical-align: top; }
.warning { border: 4px solid #b00000; background: #fff0f0; padding: 1em; margin: 1em 0; }
.warning h2 { color: #b00000; border: none; margin-top: 0; }
.alert { border-left: 6px solid #c60; padding: 0.3em 0.8em; margin: 0.5em 0; background: #fff8f0; }
.start { border: 2px solid #333; padding: 0.5em 1em; }
.item { border: 1px solid #bbb; border-radius: 6px; padding: 0.6em 1em; margin: 0.8em 0;
        page-break-inside: avoid; break-inside: avoid; }
.item h3 { margin: 0.2em 0; }
.who { font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.05em; color: #444; }
.dosage { font-weight: bold; }
.why { color: #444; font-size: 0.9em; }
.tips { background: #f4f8ff; padding: 0.4em 0.8em; border-radius: 4px; }
.care { background: #fff8e0; padding: 0.4em 0.8em; border-radius: 4px; margin-top: 0.4em; }
.week { border-collapse: collapse; margin-top: 0.5em; }
.week td { border: 1px solid #999; width: 2.6em; height: 1.6em; text-align: center;
           font-size: 0.8em; vertical-align: top; }
.current { background: #333; color: #fff; border-radius: 3px; padding: 0 0.4em; font-size: 0.8em; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""

WHO = {
    InterventionKind.EXERCISE: "Exercise to do at home",
    InterventionKind.MANUAL_THERAPY: "Treatment with your therapist",
    InterventionKind.MODALITY: "Treatment with your therapist",
    InterventionKind.PROCEDURE: "Treatment by a specialist",
    InterventionKind.REFERRAL: "Appointment with another professional",
    InterventionKind.EDUCATION: "Advice and learning",
}
WHEN = {
    Urgency.EMERGENCY: "go today: this is an emergency",
    Urgency.URGENT: "within the next few days",
    Urgency.ROUTINE: "a routine appointment",
}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def plain_dosage(d: Dosage) -> str:
    """The dosage in words: "2 sets of 12 repetitions, hold each for 5 seconds, 3 times a week,
    at home" (:func:`careengine.render.dosage_words.patient_dosage`)."""
    return patient_dosage(d)


def _caution(precaution: Precaution, context: RenderContext) -> str:
    term = context.catalog.term(TermKind.CONDITION, precaution.source)
    if term is not None:
        return (
            f"Because of your {term.label[:1].lower() + term.label[1:]}, your therapist will "
            "adapt this for you. Stop and tell them if it causes pain or any new symptom."
        )
    return precaution.text


def _item(item: PlanItem, context: RenderContext) -> str:
    intervention = context.catalog.interventions.get(item.intervention)
    steps = intervention.steps if intervention else ()
    tips = intervention.safety_tips if intervention else ()
    parts = [
        f'<section class="item" id="item-{escape(item.intervention)}">',
        f'<p class="who">{escape(WHO.get(item.kind, "Part of your plan"))}</p>',
        f"<h3>{escape(item.name)}</h3>",
        f'<p class="dosage">How much: {escape(plain_dosage(item.dosage))}</p>',
    ]
    if steps:
        parts.append('<p><strong>How to do it:</strong></p><ol class="steps">')
        parts += [f"<li>{escape(step)}</li>" for step in steps]
        parts.append("</ol>")
    if tips:
        parts.append('<div class="tips"><strong>Stay safe:</strong><ul class="safety">')
        parts += [f"<li>{escape(tip)}</li>" for tip in tips]
        parts.append("</ul></div>")
    if item.precautions:
        parts.append('<div class="care"><strong>Extra care for you:</strong><ul class="cautions">')
        parts += [f"<li>{escape(_caution(p, context))}</li>" for p in item.precautions]
        parts.append("</ul></div>")
    if item.because:
        parts.append(f'<p class="why">Why: {escape(item.because[0].rationale)}</p>')
    if item.kind is InterventionKind.EXERCISE:
        cells = "".join(f"<td>{day}</td>" for day in DAYS)
        parts.append(
            f'<table class="week" aria-label="Tick the days you did it"><tr>{cells}</tr></table>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def _referrals(plan: Plan) -> list[str]:
    if not plan.referrals:
        return []
    out = ['<h2>Who you need to see</h2><ul class="referrals">']
    for r in plan.referrals:
        out.append(
            f"<li><strong>{escape(r.to[:1].upper() + r.to[1:])}</strong>: "
            f"{escape(WHEN.get(r.urgency, r.urgency.value))}. Reason: {escape(r.reason)}.</li>"
        )
    out.append("</ul>")
    return out


def _withheld(plan: Plan) -> list[str]:
    out = [
        '<div class="warning" role="alert"><h2>Do not start these exercises yet</h2>',
        "<p>Your assessment found signs that a doctor must check first. Please follow the "
        "referral below <strong>before</strong> starting any exercise or treatment, and show "
        "this sheet to the doctor.</p>",
    ]
    for alert in plan.alerts:
        if alert.level.withholds_treatment:
            out.append(f"<p><strong>{escape(alert.message)}</strong></p>")
    for r in plan.referrals:
        if r.urgency is Urgency.EMERGENCY:
            out.append(
                f"<p><strong>Go to the {escape(r.to)} today. Do not wait for your next "
                "appointment.</strong></p>"
            )
    out.append("</div>")
    return out


def render_html(plan: Plan, context: RenderContext) -> str:
    withheld = plan.status is PlanStatus.REFERRAL
    body: list[str] = [
        "<h1>Your back care plan</h1>",
        f'<p class="meta">Patient {escape(plan.patient_id)}'
        + (f" · assessed {escape(plan.assessed_on)}" if plan.assessed_on else "")
        + "</p>",
        '<table class="clinic"><tr><td>Therapist:</td><td>Phone:</td>'
        "<td>Next appointment:</td></tr></table>",
    ]
    if withheld:
        body += _withheld(plan)
    else:
        for alert in plan.alerts:
            if alert.level is not AlertLevel.INFO:
                note = escape(alert.message)
                body.append(f'<div class="alert"><strong>Please note:</strong> {note}</div>')
    body += _referrals(plan)
    if not withheld:
        stages = [s for s in plan.stages if s.items]
        current = next((s for s in plan.stages if s.id == plan.current_stage), None)
        if current is not None:
            where = (
                f"stage {stages.index(current) + 1} of {len(stages)}: " if current in stages else ""
            )
            body.append(
                f'<p class="start">Start with {where}<strong>{escape(current.title)}</strong>. '
                "Your therapist will tell you when to move on to the next stage.</p>"
            )
        for number, stage in enumerate(stages, start=1):
            marker = ' <span class="current">start here</span>' if stage is current else ""
            body.append(
                f'<h2 id="stage-{escape(stage.id)}">Stage {number} of {len(stages)} · '
                f"{escape(stage.title)}{marker}</h2>"
            )
            if stage.goals:
                body.append("<p>What this stage is for: " + escape("; ".join(stage.goals)) + "</p>")
            if stage.progress_when:
                body.append(
                    '<p><em>Move on when:</em></p><ul class="progress">'
                    + "".join(f"<li>{escape(c)}</li>" for c in stage.progress_when)
                    + "</ul>"
                )
            body += [_item(item, context) for item in stage.items]
    body.append("<h2>When to get help</h2><p>")
    if not withheld:
        body.append(
            "Stop an exercise and contact your therapist if pain spreads down a leg, you feel "
            "new numbness or weakness, or pain stays worse for more than a day. "
        )
    body.append(
        "<strong>Go to an emergency department at once</strong> if you notice numbness around "
        "the groin or buttocks, new problems passing or holding urine or stools, or weakness "
        "in both legs.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Back care plan for {escape(plan.patient_id)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
