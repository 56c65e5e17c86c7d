"""Plugin objects built in tests: a rule pack of Python rules, and a generated catalog.

Each instance carries its own ``__name__``, which the plugin host uses as the plugin's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from careengine.model import Intervention, Stage, TermKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry, RulePackRegistry
from careengine.rules import Rule


class RulePackPlugin:
    """Registers one pack of Python rules through ``careengine_rule_packs``."""

    def __init__(
        self,
        name: str,
        rules: Sequence[Rule],
        *,
        pack_id: str | None = None,
        version: str = "1.0.0",
    ) -> None:
        self.__name__ = name
        self.pack_id = pack_id or name
        self.version = version
        self.rules = tuple(rules)

    @hookimpl
    def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
        registry.add_pack(
            id=self.pack_id,
            version=self.version,
            rules=self.rules,
            title=f"test pack {self.pack_id}",
            population="tests",
            sources=("tests",),
        )


class CatalogPlugin:
    """Registers generated vocabulary through ``careengine_catalog``."""

    def __init__(
        self,
        name: str,
        *,
        findings: Iterable[str] = (),
        impairment: bool = True,
        interventions: Iterable[Intervention] = (),
        stages: Iterable[Stage] = (),
    ) -> None:
        self.__name__ = name
        self.findings = tuple(findings)
        self.impairment = impairment
        self.interventions = tuple(interventions)
        self.stages = tuple(stages)

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        registry.add_all(self.stages)
        for code in self.findings:
            registry.add_term(code, TermKind.FINDING, code, impairment=self.impairment)
        registry.add_all(self.interventions)
