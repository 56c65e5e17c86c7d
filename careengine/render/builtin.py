"""The core output formats, registered through the same hook a plugin would use."""

from __future__ import annotations

from careengine.model import Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RenderContext, RendererRegistry
from careengine.render.fhir.plan_bundle import render_fhir
from careengine.render.html import render_html
from careengine.render.markdown import render_markdown
from careengine.render.serialize import dumps
from careengine.render.text import render_text


def render_json(plan: Plan, context: RenderContext) -> str:
    return dumps(plan)


@hookimpl
def careengine_renderers(registry: RendererRegistry) -> None:
    registry.add("json", render_json, extension="json", media_type="application/json")
    registry.add("text", render_text, extension="txt", media_type="text/plain")
    registry.add("markdown", render_markdown, extension="md", media_type="text/markdown")
    registry.add("html", render_html, extension="html", media_type="text/html")
    registry.add("fhir", render_fhir, extension="fhir.json", media_type="application/fhir+json")
