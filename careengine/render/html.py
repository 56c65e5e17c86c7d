"""A printable, self-contained patient handout (no external assets, no scripts).

Written for the patient: each exercise with its steps, dosage and safety tips, the referrals,
and a warning block that cannot be missed when treatment is withheld. Everything is escaped.
"""

from __future__ import annotations

from html import escape

from careengine.model import AlertLevel, Plan, PlanItem, PlanStatus
from careengine.registry import RenderContext
from careengine.render.text import dosage_line

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 48em; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #333; padding-bottom: 0.1em; margin-top: 1.6em; }
.meta { color: #444; }
.warning { border: 4px solid #b00000; background: #fff0f0; padding: 1em; margin: 1em 0; }
.warning h2 { color: #b00000; border: none; margin-top: 0; }
.alert { border-left: 6px solid #c60; padding: 0.3em 0.8em; margin: 0.5em 0; background: #fff8f0; }
.item { border: 1px solid #bbb; border-radius: 6px; padding: 0.6em 1em; margin: 0.8em 0;
        page-break-inside: avoid; }
.item h3 { margin: 0.2em 0; }
.dosage { font-weight: bold; }
.tips { background: #f4f8ff; padding: 0.4em 0.8em; border-radius: 4px; }
.current { background: #333; color: #fff; border-radius: 3px; padding: 0 0.4em; font-size: 0.8em; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def _item(item: PlanItem, context: RenderContext) -> str:
    intervention = context.catalog.interventions.get(item.intervention)
    steps = intervention.steps if intervention else ()
    tips = intervention.safety_tips if intervention else ()
    parts = [
        f'<section class="item" id="item-{escape(item.intervention)}">',
        f"<h3>{escape(item.name)}</h3>",
        f'<p class="dosage">How much: {escape(dosage_line(item.dosage))}</p>',
    ]
    if item.because:
        parts.append(f"<p>Why: {escape(item.because[0].rationale)}</p>")
    if steps:
        parts.append('<ol class="steps">')
        parts += [f"<li>{escape(step)}</li>" for step in steps]
        parts.append("</ol>")
    cautions = [*tips, *(p.text for p in item.precautions)]
    if cautions:
        parts.append('<div class="tips"><strong>Stay safe:</strong><ul class="safety">')
        parts += [f"<li>{escape(tip)}</li>" for tip in cautions]
        parts.append("</ul></div>")
    parts.append("</section>")
    return "\n".join(parts)


def render_html(plan: Plan, context: RenderContext) -> str:
    body: list[str] = [
        "<h1>Your back care plan</h1>",
        f'<p class="meta">Patient {escape(plan.patient_id)}'
        + (f" · assessed {escape(plan.assessed_on)}" if plan.assessed_on else "")
        + "</p>",
    ]
    if plan.status is PlanStatus.REFERRAL:
        body.append('<div class="warning" role="alert"><h2>Do not start these exercises yet</h2>')
        body.append(
            "<p>Your assessment found signs that need a doctor's review first. Please follow the "
            "referral below <strong>before</strong> starting any treatment.</p>"
        )
        for alert in plan.alerts:
            if alert.level in (AlertLevel.EMERGENCY, AlertLevel.URGENT):
                body.append(f"<p><strong>{escape(alert.message)}</strong></p>")
        body.append("</div>")
    else:
        for alert in plan.alerts:
            if alert.level is not AlertLevel.INFO:
                body.append(f'<div class="alert">{escape(alert.message)}</div>')
    if plan.referrals:
        body.append('<h2>Referrals</h2><ul class="referrals">')
        for r in plan.referrals:
            body.append(
                f"<li><strong>{escape(r.to)}</strong> ({escape(r.urgency.value)}): "
                f"{escape(r.reason)}</li>"
            )
        body.append("</ul>")
    if plan.status is not PlanStatus.REFERRAL:
        for stage in plan.stages:
            if not stage.items:
                continue
            marker = ' <span class="current">now</span>' if stage.id == plan.current_stage else ""
            body.append(f'<h2 id="stage-{escape(stage.id)}">{escape(stage.title)}{marker}</h2>')
            if stage.progress_when:
                body.append(
                    "<p><em>Move on when: " + escape("; ".join(stage.progress_when)) + "</em></p>"
                )
            body += [_item(item, context) for item in stage.items]
        body.append(
            "<h2>General safety</h2><p>Stop an exercise and contact your therapist if pain "
            "spreads down a leg, you feel numbness or weakness, or pain stays worse for more "
            "than a day. Seek urgent care for numbness around the groin or new bladder or bowel "
            "problems.</p>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Back care plan for {escape(plan.patient_id)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
