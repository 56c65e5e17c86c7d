"""Derived facts: a classification and a plain derived fact, with rules that match both
(``<classification name>.<key>`` and the derived code), each declared through the catalog hook.
Needs tests.plugins.catalog."""

from __future__ import annotations

from collections.abc import Iterable

from careengine.model import Assessment, Classification, DerivedFact
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry, RulePackRegistry
from careengine.rules import Add, Rule, When, derived

NAME = "test_risk"


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    registry.add_derived(f"{NAME}.score")
    registry.add_derived(f"{NAME}.band", values=("low", "high"))
    registry.add_derived("older_adult", values=(True,))


@hookimpl
def careengine_derive_facts(assessment: Assessment) -> Iterable[DerivedFact | Classification]:
    pain = assessment.pain.current
    if pain is None:
        yield Classification(name=NAME, values={"score": None, "band": None}, missing=("pain",))
    else:
        score = pain + len(assessment.present_findings())
        yield Classification(
            name=NAME, values={"score": score, "band": "high" if score >= 8 else "low"}
        )
    if assessment.patient.age is not None and assessment.patient.age >= 65:
        yield DerivedFact(code="older_adult")


@hookimpl
def careengine_rule_packs(registry: RulePackRegistry) -> None:
    registry.add_pack(
        id="scores",
        version="1.0.0",
        title="test: rules on derived facts",
        population="tests",
        sources=("tests",),
        rules=[
            Rule(
                id="high-risk",
                because="A high test risk score calls for education first.",
                when=When(all=(derived(f"{NAME}.band", value="high"),)),
                then=(Add(intervention="pain_neuroscience_education", stage="relieve"),),
            ),
            Rule(
                id="older-adult",
                because="Older adults start with gentle mobility.",
                when=When(all=(derived("older_adult"),)),
                then=(Add(intervention="cat_cow", stage="relieve"),),
            ),
        ],
    )
