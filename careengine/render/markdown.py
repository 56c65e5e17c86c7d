"""Markdown plan: for clinic notes and wikis. Alerts first, then stages, then what was left out."""

from __future__ import annotations

from careengine.model import Plan, PlanStatus
from careengine.registry import RenderContext
from careengine.render.text import dosage_line


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan, context: RenderContext) -> str:
    out = [f"# Care plan for {plan.patient_id}", ""]
    meta = f"**Status:** {plan.status.value} · **Current stage:** {plan.current_stage}"
    if plan.assessed_on:
        meta += f" · **Assessed:** {plan.assessed_on}"
    out += [meta, ""]
    if plan.status is PlanStatus.REFERRAL:
        out += ["> **TREATMENT WITHHELD: pending medical review.**", ""]
    if plan.alerts:
        out += ["## Alerts", ""]
        out += [f"- **{a.level.value.upper()}** `{a.code}`: {a.message}" for a in plan.alerts]
        out.append("")
    if plan.referrals:
        out += ["## Referrals", ""]
        out += [f"- **{r.to}** ({r.urgency.value}): {r.reason}" for r in plan.referrals]
        out.append("")
    for stage in plan.stages:
        current = " (current)" if stage.id == plan.current_stage else ""
        out += [f"## {stage.title}{current}", ""]
        if stage.goals:
            out += [f"Goals: {'; '.join(stage.goals)}", ""]
        if not stage.items:
            out += ["_No items._", ""]
            continue
        out += ["| Intervention | Dosage | Why | Precautions |", "|---|---|---|---|"]
        for item in stage.items:
            why = item.because[0].rationale if item.because else ""
            cautions = "; ".join(p.text for p in item.precautions)
            out.append(
                f"| {_escape(item.name)} (`{item.intervention}`) | {dosage_line(item.dosage)} "
                f"| {_escape(why)} | {_escape(cautions)} |"
            )
        out.append("")
        if stage.progress_when:
            out += [f"Move on when: {'; '.join(stage.progress_when)}", ""]
    sections = [
        ("Excluded", [f"`{e.intervention}`: {'; '.join(e.reasons)}" for e in plan.excluded]),
        ("Deferred", [f"`{d.intervention}` ({d.stage}): {d.reason}" for d in plan.deferred]),
        (
            "Conflicts",
            [f"{c.kind} {', '.join(c.interventions)}: {c.resolution}" for c in plan.conflicts],
        ),
        ("Unaddressed findings", [f"`{code}`" for code in plan.unaddressed]),
        ("Unrecognized codes", [f"`{code}`" for code in plan.unrecognized]),
    ]
    for title, lines in sections:
        if lines:
            out += [f"## {title}", ""] + [f"- {line}" for line in lines] + [""]
    out.append(
        f"_Provenance: careengine {plan.provenance.engine_version}, {plan.provenance.fingerprint}_"
    )
    return "\n".join(out) + "\n"
