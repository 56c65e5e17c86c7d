"""Markdown plan: for clinic notes and wikis. Alerts first, then stages, then what was left out.

Every piece of text from the plan is escaped (:mod:`careengine.render.safe_text`): Markdown and
HTML specials are backslash-escaped, line breaks become spaces and control characters are
removed, so a patient id or a pack's text can neither inject HTML nor forge a heading, a list
item or a table row. Codes are shown as code spans when they are plain codes, as escaped text
otherwise.
"""

from __future__ import annotations

from careengine.model import Plan, PlanStatus
from careengine.plugins.registry import RenderContext
from careengine.render.safe_text import markdown_code as code
from careengine.render.safe_text import markdown_inline as md
from careengine.render.text import dosage_line


def _joined(texts: tuple[str, ...] | list[str], sep: str = "; ") -> str:
    return sep.join(md(t) for t in texts)


def render_markdown(plan: Plan, context: RenderContext) -> str:
    out = [f"# Care plan for {md(plan.patient_id)}", ""]
    meta = f"**Status:** {plan.status.value} · **Current stage:** {md(plan.current_stage)}"
    if plan.assessed_on:
        meta += f" · **Assessed:** {md(plan.assessed_on)}"
    out += [meta, ""]
    if plan.status is PlanStatus.REFERRAL:
        out += ["> **TREATMENT WITHHELD: pending medical review.**", ""]
    if plan.alerts:
        out += ["## Alerts", ""]
        out += [
            f"- **{a.level.value.upper()}** {code(a.code)}: {md(a.message)}" for a in plan.alerts
        ]
        out.append("")
    if plan.referrals:
        out += ["## Referrals", ""]
        out += [f"- **{md(r.to)}** ({r.urgency.value}): {md(r.reason)}" for r in plan.referrals]
        out.append("")
    for stage in plan.stages:
        current = " (current)" if stage.id == plan.current_stage else ""
        out += [f"## {md(stage.title)}{current}", ""]
        if stage.goals:
            out += [f"Goals: {_joined(stage.goals)}", ""]
        if not stage.items:
            out += ["_No items._", ""]
            continue
        out += ["| Intervention | Dosage | Why | Precautions |", "|---|---|---|---|"]
        for item in stage.items:
            why = item.because[0].rationale if item.because else ""
            cautions = _joined([p.text for p in item.precautions])
            out.append(
                f"| {md(item.name)} ({code(item.intervention)}) | {dosage_line(item.dosage)} "
                f"| {md(why)} | {cautions} |"
            )
        out.append("")
        if stage.progress_when:
            out += [f"Move on when: {_joined(stage.progress_when)}", ""]
    sections = [
        ("Excluded", [f"{code(e.intervention)}: {_joined(e.reasons)}" for e in plan.excluded]),
        (
            "Deferred",
            [f"{code(d.intervention)} ({md(d.stage)}): {md(d.reason)}" for d in plan.deferred],
        ),
        (
            "Conflicts",
            [
                f"{md(c.kind)} {_joined(c.interventions, ', ')}: {md(c.resolution)}"
                for c in plan.conflicts
            ],
        ),
        ("Unaddressed findings", [code(c) for c in plan.unaddressed]),
        ("Unrecognized codes", [code(c) for c in plan.unrecognized]),
        (
            "Not used (recorded, but changed nothing in this plan)",
            [f"{code(n.code)} ({md(n.kind.value)}): {md(n.reason)}" for n in plan.not_used],
        ),
    ]
    for title, lines in sections:
        if lines:
            out += [f"## {title}", ""] + [f"- {line}" for line in lines] + [""]
    out.append(
        f"_Provenance: careengine {md(plan.provenance.engine_version)}, "
        f"{md(plan.provenance.fingerprint)}_"
    )
    return "\n".join(out) + "\n"
