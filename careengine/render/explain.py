"""Why the plan is what it is (``careengine explain``).

:func:`explain` evaluates an assessment and gathers, for each placed item, the rules that proposed
it with the facts they matched and their rationale; for each exclusion every reason; for each
alert the rules that raised it; for each classification its values, the inputs it was computed
from, the criteria met and the inputs that are missing. :func:`explanation_to_dict` gives the
JSON form (``--json``), :func:`render_explanation` the text form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from careengine.engine import Engine
from careengine.model import Assessment, Because, Classification, Plan, PlanItem
from careengine.render.plan_fast import because_dict, dosage_dict
from careengine.render.serialize import classification_dict, plan_to_dict, thaw
from careengine.render.shown_numbers import shown_json
from careengine.render.text import dosage_line


def _classifications(value: Iterable[Classification]) -> tuple[Classification, ...]:
    return tuple(value)  # a typed `tuple` (mypy's attrs plugin cannot type the generic one)


@attrs.frozen(kw_only=True)
class Explanation:
    """A plan together with the classifications it was built from."""

    plan: Plan
    classifications: tuple[Classification, ...] = attrs.field(converter=_classifications)


def explain(engine: Engine, assessment: Assessment) -> Explanation:
    return Explanation(
        plan=engine.evaluate(assessment), classifications=engine.classifications(assessment)
    )


def _item_dict(stage: str, item: PlanItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stage": stage,
        "intervention": item.intervention,
        "name": item.name,
        "dosage": dosage_dict(item.dosage),
        "priority": item.priority,
        "addresses": list(item.addresses),
        "proposed_by": [because_dict(b) for b in item.because],
        "precautions": [{"text": p.text, "source": p.source} for p in item.precautions],
    }
    if item.progressed_from is not None:
        out["progressed_from"] = item.progressed_from
    if item.proposed_stage is not None:
        out["proposed_stage"] = item.proposed_stage
    return out


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    plan = explanation.plan
    contract = plan_to_dict(plan)  # exclusions, deferrals and conflicts as the plan JSON has them
    return {
        "patient_id": plan.patient_id,
        "status": plan.status.value,
        "current_stage": plan.current_stage,
        "current_stage_reason": plan.current_stage_reason,
        "alerts": [
            {
                "code": a.code,
                "level": a.level.value,
                "message": a.message,
                "raised_by": [because_dict(b) for b in a.because],
            }
            for a in plan.alerts
        ],
        "referrals": [
            {"to": r.to, "urgency": r.urgency.value, "reason": r.reason} for r in plan.referrals
        ],
        "items": [_item_dict(stage, item) for stage, item in plan.items()],
        **{key: contract[key] for key in ("excluded", "deferred", "conflicts")},
        "classifications": {c.name: classification_dict(c) for c in explanation.classifications},
        "unaddressed": list(plan.unaddressed),
        "unrecognized": list(plan.unrecognized),
        "not_used": contract.get("not_used", []),
    }


def _value(value: Any) -> str:
    """A value in JSON notation, numbers rounded for reading (:mod:`.shown_numbers`)."""
    return shown_json(thaw(value))


def _because_lines(because: Because, verb: str) -> list[str]:
    return [
        f"      {verb} rule {because.rule} (pack {because.pack} {because.pack_version}, "
        f"plugin {because.plugin})",
        f"        matched: {', '.join(because.matched) or '(no facts)'}",
        f"        because: {because.rationale}",
    ]


def _mapping_line(label: str, values: Mapping[str, Any]) -> str:
    return f"      {label}: " + ", ".join(f"{k}={_value(v)}" for k, v in values.items())


def render_explanation(explanation: Explanation) -> str:
    plan = explanation.plan
    out = [
        f"Why the plan for {plan.patient_id} is what it is",
        f"Status: {plan.status.value.upper()}   Current stage: {plan.current_stage}",
    ]
    if plan.current_stage_reason:
        out.append(f"  current because: {plan.current_stage_reason}")
    if plan.alerts:
        out += ["", "ALERTS"]
        for alert in plan.alerts:
            out.append(f"  [{alert.level.value.upper()}] {alert.code}: {alert.message}")
            for b in alert.because:
                out += _because_lines(b, "raised by")
    if plan.referrals:
        out += ["", "REFERRALS"]
        out += [f"  -> {r.to} ({r.urgency.value}): {r.reason}" for r in plan.referrals]
    out += ["", "ITEMS"]
    if not plan.items():
        out.append("  (none)")
    for stage, item in plan.items():
        out.append(f"  {stage}: {item.name} [{item.intervention}] {dosage_line(item.dosage)}")
        if item.progressed_from:
            out.append(f"      progressed from {item.progressed_from}")
        if item.proposed_stage:
            out.append(f"      proposed for stage {item.proposed_stage}, placed here (see because)")
        if item.addresses:
            out.append(f"      addresses: {', '.join(item.addresses)}")
        for b in item.because:
            out += _because_lines(b, "proposed by")
        for p in item.precautions:
            out.append(f"      caution: {p.text} (from {p.source})")
    if plan.excluded:
        out += ["", "EXCLUDED"]
        for e in plan.excluded:
            out.append(f"  {e.intervention}")
            out += [f"      - {reason}" for reason in e.reasons]
    if plan.deferred:
        out += ["", "DEFERRED"]
        out += [f"  {d.intervention} ({d.stage}): {d.reason}" for d in plan.deferred]
    if plan.conflicts:
        out += ["", "CONFLICTS"]
        for conflict in plan.conflicts:
            where = f" in {conflict.stage}" if conflict.stage else ""
            out.append(
                f"  {conflict.kind}{where}: {', '.join(conflict.interventions)}: "
                f"{conflict.resolution}"
            )
            out += [f"      - {detail}" for detail in conflict.details]
    if explanation.classifications:
        out += ["", "CLASSIFICATIONS"]
        for c in explanation.classifications:
            out.append(f"  {c.name}: " + ", ".join(f"{k}={_value(v)}" for k, v in c.values.items()))
            if c.inputs:
                out.append(_mapping_line("inputs", c.inputs))
            out.append(f"      criteria met: {', '.join(c.criteria_met) or '(none)'}")
            if c.missing:
                out.append(f"      missing: {', '.join(c.missing)}")
    if plan.unaddressed:
        out += ["", "UNADDRESSED FINDINGS", "  " + ", ".join(plan.unaddressed)]
    if plan.unrecognized:
        out += ["", "UNRECOGNIZED CODES", "  " + ", ".join(plan.unrecognized)]
    if plan.not_used:
        out += ["", "NOT USED (recorded, but changed nothing in this plan)"]
        out += [f"  {n.code} ({n.kind.value}): {n.reason}" for n in plan.not_used]
    return "\n".join(out) + "\n"
