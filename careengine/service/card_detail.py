"""The words on a card: its one-line ``summary`` and its Markdown ``detail``.

``summary`` is cut by :func:`fit` so that it is always under the spec's 140 characters, whatever
the catalog's names and the rules' messages say. ``detail`` is GitHub Flavored Markdown: why each
part of the card is there (the rules, their packs and rationale, docs/design.md section 6.3
``because``) and the plan's provenance. Text from the catalog and the rules is escaped, so a
name with ``*`` or ``_`` in it shows as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from careengine.model import Alert, Because, Exclusion, Plan, PlanItem, Referral
from careengine.plugins.registry import Catalog

#: the spec's limit: a summary is shorter than 140 characters
SUMMARY_LIMIT = 139

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_SPACE = re.compile(r"\s+")


def fit(head: str, tail: str = "") -> str:
    """``head`` + ``tail`` on one line in at most :data:`SUMMARY_LIMIT` characters: ``head`` is
    cut at a word (ending in "...") when the two do not fit; ``tail`` is kept whole when it
    fits on its own."""
    head = _SPACE.sub(" ", head).strip()
    tail = _SPACE.sub(" ", tail).rstrip()
    if len(head) + len(tail) <= SUMMARY_LIMIT:
        return head + tail
    if len(tail) > SUMMARY_LIMIT // 2:
        tail = ""
    room = SUMMARY_LIMIT - len(tail)
    if len(head) > room:
        cut = head[: room - 3]
        if " " in cut[room // 2 :]:
            cut = cut[: cut.rindex(" ")]
        head = cut.rstrip(" ,;:-") + "..."
    return head + tail


def md(text: str) -> str:
    """Catalog or rule text made safe for Markdown (one line, special characters escaped)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text).strip())


def _because(entries: Iterable[Because]) -> list[str]:
    lines = []
    for b in entries:
        line = (
            f"  - rule `{b.rule}` (pack {md(b.pack)} {md(b.pack_version)}, plugin {md(b.plugin)})"
        )
        if b.rationale:
            line += f": {md(b.rationale)}"
        if b.matched:
            line += " - matched " + ", ".join(f"`{m}`" for m in b.matched)
        lines.append(line)
    return lines


def provenance(plan: Plan, plan_sha256: str) -> list[str]:
    """The "Provenance" section: what made the plan, enough to reproduce it."""
    prov = plan.provenance
    lines = [
        "### Provenance",
        "",
        f"- careengine {md(prov.engine_version)}, rule backend {md(prov.backend)}",
        f"- rule-set fingerprint `{prov.fingerprint}`",
        f"- plan `{plan_sha256}` (`provenance.content_sha256` of the plan JSON)",
    ]
    lines += [
        f"- rule pack {md(name)} {md(info.version)} (`sha256:{info.sha256}`)"
        for name, info in sorted(prov.packs.items())
    ]
    lines += [
        f"- plugin {md(name)} {md(version)}" for name, version in sorted(prov.plugins.items())
    ]
    if prov.options:
        shown = ", ".join(f"`{k}={v}`" for k, v in sorted(prov.options.items()))
        lines.append(f"- clinic options: {shown}")
    return lines


def _alerts(alerts: Sequence[Alert], referrals: Sequence[Referral]) -> list[str]:
    lines: list[str] = []
    for alert in alerts:
        lines.append(f"- **{alert.level.value}**: {md(alert.message)} (`{alert.code}`)")
        lines += _because(alert.because)
    for referral in referrals:
        lines.append(
            f"- refer to **{md(referral.to)}** ({referral.urgency.value}): {md(referral.reason)}"
        )
    return lines


def red_flag_detail(
    plan: Plan, alerts: Sequence[Alert], referrals: Sequence[Referral], plan_sha256: str
) -> str:
    lines = ["### Red flags", "", *_alerts(alerts, referrals), ""]
    if plan.excluded and any(a.level.withholds_treatment for a in alerts):
        lines += ["Treatment is withheld until a medical review has taken place.", ""]
    return "\n".join([*lines, *provenance(plan, plan_sha256)])


def _name(catalog: Catalog, intervention: str) -> str:
    found = catalog.interventions.get(intervention)
    return md(found.name) if found is not None else f"`{intervention}`"


def exclusion_detail(
    plan: Plan, catalog: Catalog, title: str, excluded: Sequence[Exclusion], plan_sha256: str
) -> str:
    lines = [f"### {title}", ""]
    lines += [
        f"- {_name(catalog, e.intervention)} (`{e.intervention}`): "
        + "; ".join(md(r) for r in e.reasons)
        for e in excluded
    ]
    return "\n".join([*lines, "", *provenance(plan, plan_sha256)])


def _item(item: PlanItem) -> list[str]:
    lines = [f"- **{md(item.name)}** (`{item.intervention}`, {item.kind.value})"]
    if item.addresses:
        lines.append("  - addresses " + ", ".join(f"`{a}`" for a in item.addresses))
    lines += [f"  - precaution: {md(p.text)}" for p in item.precautions]
    return lines + _because(item.because)


def plan_detail(plan: Plan, catalog: Catalog, plan_sha256: str) -> str:
    """The plan card's detail: the precautions, the current stage, the other stages (each item
    and why it is there), the routine alerts and referrals, what was left out or deferred, then
    the provenance."""
    lines: list[str] = []
    cautious = [item for _, item in plan.items() if item.precautions]
    if cautious:
        lines += ["### Precautions", ""]
        lines += [
            f"- **{md(item.name)}**: " + "; ".join(md(p.text) for p in item.precautions)
            for item in cautious
        ]
        lines.append("")
    numbered = list(enumerate(plan.stages, 1))
    # the current stage first (the therapist starts there), then the others in plan order
    numbered.sort(key=lambda pair: pair[1].id != plan.current_stage)
    for number, stage in numbered:
        current = " (current stage)" if stage.id == plan.current_stage else ""
        lines += [f"### Stage {number}: {md(stage.title)}{current}", ""]
        if current and plan.current_stage_reason:
            lines += [f"Why this stage: {md(plan.current_stage_reason)}", ""]
        lines += [f"Goal: {md(g)}  " for g in stage.goals]
        lines += [f"Move on when: {md(p)}  " for p in stage.progress_when]
        if stage.goals or stage.progress_when:
            lines.append("")
        for item in stage.items:
            lines += _item(item)
        if not stage.items:
            lines.append("No items in this stage.")
        lines.append("")
    if plan.alerts or plan.referrals:
        lines += ["### Alerts and referrals", "", *_alerts(plan.alerts, plan.referrals), ""]
    if plan.excluded:
        lines += ["### Left out", ""]
        lines += [
            f"- {_name(catalog, e.intervention)}: " + "; ".join(md(r) for r in e.reasons)
            for e in plan.excluded
        ]
        lines.append("")
    if plan.deferred:
        lines += ["### Deferred", ""]
        lines += [f"- {_name(catalog, d.intervention)}: {md(d.reason)}" for d in plan.deferred]
        lines.append("")
    if plan.unaddressed:
        lines += [
            "Findings no item addresses: " + ", ".join(f"`{u}`" for u in plan.unaddressed),
            "",
        ]
    return "\n".join([*lines, *provenance(plan, plan_sha256)])
