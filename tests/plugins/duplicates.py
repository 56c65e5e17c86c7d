"""Pairs of plugins that register the same thing: a finding code, an intervention id, a
renderer name. Each instance is a plugin named by its ``__name__``."""

from __future__ import annotations

from careengine.model import Intervention, InterventionKind, Plan, TermKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry, RenderContext, RendererRegistry


class FindingOwner:
    def __init__(self, name: str, code: str = "duplicate_finding") -> None:
        self.__name__ = name
        self.code = code

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        registry.add_term(self.code, TermKind.FINDING, self.code, impairment=True)


class InterventionOwner:
    def __init__(self, name: str, intervention: str = "duplicate_intervention") -> None:
        self.__name__ = name
        self.intervention = intervention

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        registry.add(
            Intervention(
                id=self.intervention,
                kind=InterventionKind.EXERCISE,
                name=self.__name__,
                steps=("Move gently.",),
            )
        )


def _render(plan: Plan, context: RenderContext) -> str:
    return plan.patient_id


class RendererOwner:
    def __init__(self, name: str, fmt: str = "duplicate_format") -> None:
        self.__name__ = name
        self.fmt = fmt

    @hookimpl
    def careengine_renderers(self, registry: RendererRegistry) -> None:
        registry.add(self.fmt, _render, extension="txt", media_type="text/plain")
