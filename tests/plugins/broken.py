"""Plugins that raise inside each hook, on purpose. ``RAISING[hook]`` raises in that hook."""

from __future__ import annotations

from collections.abc import Iterator

import click

from careengine.model import Assessment, DerivedFact, Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry, RendererRegistry, RulePackRegistry

MESSAGE = "broken on purpose"


class RaisesInCatalog:
    __name__ = "raises_in_catalog"

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        raise RuntimeError(MESSAGE)


class RaisesInRulePacks:
    __name__ = "raises_in_rule_packs"

    @hookimpl
    def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
        raise KeyError(MESSAGE)


class RaisesInDeriveFacts:
    __name__ = "raises_in_derive_facts"

    @hookimpl
    def careengine_derive_facts(self, assessment: Assessment) -> list[DerivedFact]:
        raise ZeroDivisionError(MESSAGE)


class RaisesWhileDerivingLazily:
    """A generator implementation: the error surfaces only while the result is consumed."""

    __name__ = "raises_while_deriving_lazily"

    @hookimpl
    def careengine_derive_facts(self, assessment: Assessment) -> Iterator[DerivedFact]:
        yield DerivedFact(code="first_is_fine")
        raise ValueError(MESSAGE)


class RaisesInReviewPlan:
    __name__ = "raises_in_review_plan"

    @hookimpl
    def careengine_review_plan(self, plan: Plan, assessment: Assessment) -> Plan:
        raise AttributeError(MESSAGE)


class RaisesInRenderers:
    __name__ = "raises_in_renderers"

    @hookimpl
    def careengine_renderers(self, registry: RendererRegistry) -> None:
        raise TypeError(MESSAGE)


class RaisesInCommands:
    __name__ = "raises_in_commands"

    @hookimpl
    def careengine_commands(self, cli: click.Group) -> None:
        raise RuntimeError(MESSAGE)


RAISING: dict[str, object] = {
    "careengine_catalog": RaisesInCatalog(),
    "careengine_rule_packs": RaisesInRulePacks(),
    "careengine_derive_facts": RaisesInDeriveFacts(),
    "careengine_review_plan": RaisesInReviewPlan(),
    "careengine_renderers": RaisesInRenderers(),
    "careengine_commands": RaisesInCommands(),
}
