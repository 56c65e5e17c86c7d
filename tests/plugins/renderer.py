"""A custom output format (``careengine_renderers``): one line per placed item."""

from __future__ import annotations

from careengine.model import Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RenderContext, RendererRegistry

FORMAT = "summary"


def render_summary(plan: Plan, context: RenderContext) -> str:
    lines = [f"{plan.patient_id} {plan.status.value}"]
    for stage_id, item in plan.items():
        name = context.catalog.interventions[item.intervention].name
        lines.append(f"{stage_id}: {name}")
    return "\n".join(lines) + "\n"


@hookimpl
def careengine_renderers(registry: RendererRegistry) -> None:
    registry.add(FORMAT, render_summary, extension="summary.txt", media_type="text/plain")
