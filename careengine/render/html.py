"""A printable, self-contained patient handout (no external assets, no scripts).

Written for the patient, in the patient's words (:mod:`careengine.render.patient_words`: no
alert message, rationale, rule, pack or citation of the plan reaches the page). In order: a box
for the clinic's details; when red flags withhold treatment, a warning that cannot be missed in
place of every exercise; then what to do now, the current stage ("stage 2 of 4"): its home
exercises, each on a card with a small drawing (:mod:`careengine.render.illustrations`), how
much in plain words, the steps, the safety tips, the cautions for this patient and a week of tick
boxes, then the treatments and advice of the visits and when the stage moves on; the referrals;
what comes next, each later stage as small tiles; and when to get help. Everything is escaped
(:func:`~careengine.render.safe_text.html_text`); the CSS (:mod:`careengine.render.handout_css`)
is inline and prints a typical plan on at most four A4 or Letter pages.
"""

from __future__ import annotations

from careengine.model import (
    Dosage,
    InterventionKind,
    Plan,
    PlanItem,
    PlanStatus,
    Precaution,
    StagePlan,
    TermKind,
    Urgency,
)
from careengine.plugins.registry import RenderContext
from careengine.render.dosage_words import patient_dosage
from careengine.render.handout_css import STYLE
from careengine.render.illustrations import exercise_svg
from careengine.render.patient_words import (
    WHEN,
    alert_words,
    is_home_exercise,
    recipient,
    referral_reason,
    stage_numbers,
    who,
)
from careengine.render.safe_text import html_text as escape

__all__ = ["plain_dosage", "render_html"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


def _cautions(item: PlanItem, context: RenderContext) -> list[str]:
    """The cautions for this patient: a rule's own words on a home exercise (written for the
    patient); on a treatment the therapist gives, the therapist's note stays with the therapist."""
    if not item.precautions:
        return []
    if is_home_exercise(item):
        lines = [_caution(p, context) for p in item.precautions]
    else:
        lines = [
            "Your therapist has your health details in mind and will adapt this treatment for "
            "you. Tell them about any new symptom."
        ]
    return [
        '<div class="care"><strong>Extra care for you:</strong><ul class="cautions">',
        *(f"<li>{escape(line)}</li>" for line in dict.fromkeys(lines)),
        "</ul></div>",
    ]


def _first_step(item: PlanItem, context: RenderContext) -> str:
    intervention = context.catalog.interventions.get(item.intervention)
    return intervention.steps[0] if intervention and intervention.steps else ""


def _figure(item: PlanItem, context: RenderContext) -> str:
    """The drawing of an exercise (every exercise has one); other items have none."""
    if item.kind is not InterventionKind.EXERCISE:
        return ""
    return exercise_svg(item.intervention, item.name, _first_step(item, context))


def _card(item: PlanItem, context: RenderContext) -> str:
    """A current-stage item: who, name, how much, steps, safety tips, cautions; a home exercise
    also gets its drawing and a week of tick boxes."""
    intervention = context.catalog.interventions.get(item.intervention)
    steps = intervention.steps if intervention else ()
    tips = intervention.safety_tips if intervention else ()
    home = is_home_exercise(item)
    parts = [f'<section class="card" id="item-{escape(item.intervention)}">']
    figure = _figure(item, context)
    if home or figure:
        parts += ['<div class="side">', figure]
        if home:
            cells = "".join(f"<td>{day}</td>" for day in DAYS)
            label = "Tick the days you did it"
            parts.append(f'<table class="week" aria-label="{label}"><tr>{cells}</tr></table>')
        parts.append("</div>")
    parts.append('<div class="body">')
    if not (home and item.kind is InterventionKind.EXERCISE):
        parts.append(f'<p class="who">{escape(who(item))}</p>')
    parts += [
        f"<h3>{escape(item.name)}</h3>",
        f'<p class="dosage">How much: {escape(plain_dosage(item.dosage))}</p>',
    ]
    if steps:
        parts.append('<ol class="steps">')
        parts += [f"<li>{escape(step)}</li>" for step in steps]
        parts.append("</ol>")
    if tips:
        parts.append('<div class="tips"><strong>Stay safe:</strong><ul class="safety">')
        parts += [f"<li>{escape(tip)}</li>" for tip in tips]
        parts.append("</ul></div>")
    parts += _cautions(item, context)
    parts.append("</div></section>")
    return "\n".join(parts)


def _tile(item: PlanItem, context: RenderContext) -> str:
    """A later stage's item: its drawing (for an exercise), name, who and how much."""
    figure = _figure(item, context)
    care = " Your therapist will adapt it for you." if item.precautions else ""
    return (
        f'<div class="tile" id="later-{escape(item.intervention)}">{figure}<div>'
        f'<span class="name">{escape(item.name)}</span><br>'
        f'<span class="how">{escape(who(item))}: {escape(plain_dosage(item.dosage))}.{care}</span>'
        "</div></div>"
    )


def _stage_title(stage: StagePlan, numbers: dict[str, tuple[int, int]]) -> str:
    number, count = numbers[stage.id]
    return f"Stage {number} of {count} · {escape(stage.title)}"


def _now(plan: Plan, context: RenderContext, numbers: dict[str, tuple[int, int]]) -> list[str]:
    """What to do now: the current stage, its home exercises first."""
    current = next((s for s in plan.stages if s.id == plan.current_stage), None)
    if current is None:
        return []
    number, count = numbers[current.id]
    out = [
        f'<h2 id="stage-{escape(current.id)}">What to do now: stage {number} of {count} · '
        f'{escape(current.title)} <span class="here">you are here</span></h2>'
    ]
    if current.goals:
        out.append("<p>What this stage is for: " + escape("; ".join(current.goals)) + ".</p>")
    home = [i for i in current.items if is_home_exercise(i)]
    visits = [i for i in current.items if not is_home_exercise(i)]
    if home:
        out.append(
            '<p class="start">Do these exercises at home, as much as each card says, and tick '
            "the days you did them. Bring this sheet to your next visit.</p>"
        )
    elif not current.items:
        out.append(
            '<p class="start">Your therapist will show you the exercises for this stage at '
            "your next visit.</p>"
        )
    out += [_card(i, context) for i in home]
    if visits:
        out.append('<h3>At your visits and to learn</h3><div class="visits">')
        out += [_card(i, context) for i in visits]
        out.append("</div>")
    if current.progress_when:
        later = [s for s in plan.stages if s.id in numbers and numbers[s.id][0] == number + 1]
        move = (
            f"Your therapist will move you on to stage {number + 1} of {count} when:"
            if later
            else "Your therapist will check with you that:"
        )
        out.append(
            f'<p><em>{move}</em></p><ul class="progress">'
            + "".join(f"<li>{escape(c)}</li>" for c in current.progress_when)
            + "</ul>"
        )
    return out


def _rest(plan: Plan, context: RenderContext, numbers: dict[str, tuple[int, int]]) -> list[str]:
    """What comes next (later stages as tiles), then any earlier stage that still holds items."""
    order = [s.id for s in plan.stages]
    here = order.index(plan.current_stage) if plan.current_stage in order else -1
    later = [s for i, s in enumerate(plan.stages) if i > here and s.items]
    earlier = [s for i, s in enumerate(plan.stages) if i < here and s.items]
    out: list[str] = []
    for heading, stages in (("What comes next", later), ("Earlier in your plan", earlier)):
        if not stages:
            continue
        out.append(f"<h2>{heading}</h2>")
        if heading == "What comes next":
            out.append(
                '<p class="later lead">Do not start these yet: your therapist will show you '
                "each one when you reach its stage.</p>"
            )
        for stage in stages:
            out.append(
                f'<div class="stage"><h3 id="stage-{escape(stage.id)}">'
                f"{_stage_title(stage, numbers)}</h3>"
            )
            if stage.goals:
                out.append(f'<p class="later">{escape("; ".join(stage.goals))}.</p>')
            out.append('<div class="tiles">')
            out += [_tile(i, context) for i in stage.items]
            out.append("</div></div>")
    return out


def _referrals(plan: Plan) -> list[str]:
    if not plan.referrals:
        return []
    out = ['<h2>Who you need to see</h2><ul class="referrals">']
    for r in plan.referrals:
        reason = referral_reason(r)
        out.append(
            f"<li><strong>{escape(recipient(r))}</strong>: "
            f"{escape(WHEN.get(r.urgency, 'as soon as you can'))}"
            + (f", {escape(reason)}" if reason else "")
            + ".</li>"
        )
    out.append("</ul>")
    return out


def _notes(plan: Plan) -> list[str]:
    """The alerts a patient should read, in the patient's words, each said once."""
    words = dict.fromkeys(w for a in plan.alerts if (w := alert_words(a)) is not None)
    return [
        f'<div class="note" role="note"><strong>Please note:</strong> {escape(w)}</div>'
        for w in words
    ]


def _withheld(plan: Plan) -> list[str]:
    out = [
        '<div class="warning" role="alert"><h2>Do not start these exercises yet</h2>',
        "<p>Your assessment found signs that a doctor must check first. Please follow the "
        "advice below <strong>before</strong> starting any exercise or treatment, and show "
        "this sheet to the doctor.</p>",
    ]
    withholding = [a for a in plan.alerts if a.level.withholds_treatment]
    words = dict.fromkeys(w for a in withholding if (w := alert_words(a)) is not None)
    out += [f"<p><strong>{escape(w)}</strong></p>" for w in words]
    if any(r.urgency is Urgency.EMERGENCY for r in plan.referrals):
        out.append(
            "<p><strong>Go to a hospital emergency department today. Do not wait for your "
            "next appointment.</strong></p>"
        )
    out.append("</div>")
    return out


def _help(*, withheld: bool) -> list[str]:
    """When to stop and call the therapist, and when to go to an emergency department."""
    out = ['<h2>When to get help</h2><p class="help">']
    if not withheld:
        out.append(
            "Stop an exercise and contact your therapist if pain spreads down a leg, you feel "
            "new numbness or weakness, or pain stays worse for more than a day. "
        )
    out.append(
        "<strong>Go to an emergency department at once</strong> if you notice numbness around "
        "the groin or buttocks, new problems passing or holding urine or stools, or weakness "
        "in both legs.</p>"
    )
    return out


def render_html(plan: Plan, context: RenderContext) -> str:
    withheld = plan.status is PlanStatus.REFERRAL
    body: list[str] = [
        "<h1>Your back care plan</h1>",
        f'<p class="meta">Patient {escape(plan.patient_id)}'
        + (f" · assessed {escape(plan.assessed_on)}" if plan.assessed_on else "")
        + "</p>",
        '<div class="clinic"><span>Therapist:</span><span>Phone:</span>'
        "<span>Next appointment:</span></div>",
    ]
    pressing = any(r.urgency is not Urgency.ROUTINE for r in plan.referrals)
    if withheld:
        body += _withheld(plan) + _referrals(plan) + _help(withheld=True)
    else:
        body += _notes(plan)
        if pressing:
            body += _referrals(plan)
        numbers = stage_numbers(plan)
        body += _now(plan, context, numbers)
        if not pressing:
            body += _referrals(plan)
        body += _help(withheld=False)
        body += _rest(plan, context, numbers)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Back care plan for {escape(plan.patient_id)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
