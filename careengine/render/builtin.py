"""The core output formats, registered through the same hook a plugin would use.

Each format's module is imported the first time that format renders, so that an engine (and a
cold ``careengine evaluate``, which renders JSON) never loads the HTML, Markdown or FHIR writers
it does not use."""

from __future__ import annotations

from careengine.model import Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RenderContext, RendererRegistry
from careengine.render.serialize import dumps


def render_json(plan: Plan, context: RenderContext) -> str:
    return dumps(plan, fast=context.fast_json)


def render_text(plan: Plan, context: RenderContext) -> str:
    from careengine.render.text import render_text as render

    return render(plan, context)


def render_markdown(plan: Plan, context: RenderContext) -> str:
    from careengine.render.markdown import render_markdown as render

    return render(plan, context)


def render_html(plan: Plan, context: RenderContext) -> str:
    from careengine.render.html import render_html as render

    return render(plan, context)


def render_fhir(plan: Plan, context: RenderContext) -> str:
    from careengine.render.fhir.plan_bundle import render_fhir as render

    return render(plan, context)


@hookimpl
def careengine_renderers(registry: RendererRegistry) -> None:
    registry.add("json", render_json, extension="json", media_type="application/json")
    registry.add("text", render_text, extension="txt", media_type="text/plain")
    registry.add("markdown", render_markdown, extension="md", media_type="text/markdown")
    registry.add("html", render_html, extension="html", media_type="text/html")
    registry.add("fhir", render_fhir, extension="fhir.json", media_type="application/fhir+json")
