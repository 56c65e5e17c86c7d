"""Shared helpers for the engine-core tests: isolated engines and small assessments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from careengine import Engine
from careengine.io.stored_plan import plan_digest
from careengine.model import Assessment, Plan
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RulePackRegistry
from careengine.render.serialize import dumps, plan_to_dict
from careengine.rules import Add, Rule, When, derived
from careengine.rules.backend import durable_available
from careengine.testing import assessment_data, backends, isolated_engine

DEMO = "careengine_plugins.demo"

#: "python" always; "durable" where durable-rules imports.
BACKENDS = backends()

needs_durable = pytest.mark.skipif(
    not durable_available(), reason="durable-rules does not import here"
)


def make_engine(*plugins: object, backend: str = "auto", **options: Any) -> Engine:
    """An engine with the demo knowledge base and the given plugins, and nothing installed."""
    return isolated_engine(builtins=[DEMO], plugins=list(plugins), backend=backend, **options)


def assess(engine: Engine, **fields: Any) -> Assessment:
    return engine.load_assessment(assessment_data(**fields))


def evaluate(engine: Engine, **fields: Any) -> Plan:
    return engine.evaluate(assess(engine, **fields))


def placed(plan: Plan) -> dict[str, list[str]]:
    """stage id -> intervention ids in plan order."""
    return {s.id: [i.intervention for i in s.items] for s in plan.stages}


def placed_ids(plan: Plan) -> set[str]:
    return {item.intervention for _, item in plan.items()}


def excluded(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {e.intervention: e.reasons for e in plan.excluded}


def without_backend(plan: Plan) -> str:
    """The plan's JSON with provenance.backend blanked (for backend comparisons) and its
    content digest recomputed accordingly."""
    data = plan_to_dict(plan)
    data["provenance"]["backend"] = "-"
    return repr(resealed(data))


__all__ = [
    "BACKENDS",
    "DEMO",
    "assess",
    "assessment_data",
    "dumps",
    "evaluate",
    "excluded",
    "make_engine",
    "needs_durable",
    "placed",
    "placed_ids",
    "without_backend",
]


def resealed(plan_data: dict[str, Any]) -> dict[str, Any]:
    """A hand-edited stored plan with its ``provenance.content_sha256`` recomputed, as if
    careengine had written it so (tests that edit a plan to reach a later check use it)."""
    plan_data["provenance"]["content_sha256"] = plan_digest(plan_data)
    return plan_data


def with_backend(plan_text: str, backend: str) -> str:
    """A plan's JSON text as it would read with ``backend`` as its rule backend (the content
    digest recomputed): for comparing the plans of two backends."""
    data = json.loads(plan_text)
    data["provenance"]["backend"] = backend
    return json.dumps(resealed(data), indent=2, ensure_ascii=False) + "\n"


class Propose:
    """A test plugin whose one rule proposes ``interventions`` in ``stage`` for every assessment,
    so that what the merge does to them (vetoes, cautions, substitutes) can be checked."""

    def __init__(self, interventions: Sequence[str], stage: str = "relieve") -> None:
        self.interventions = tuple(interventions)
        self.stage = stage
        self.__name__ = f"propose_{stage}"

    @hookimpl
    def careengine_rule_packs(self, registry: RulePackRegistry) -> None:
        registry.add_pack(
            id=f"propose.{self.stage}",
            version="1",
            title="t",
            population="tests",
            sources=["tests"],
            rules=[
                Rule(
                    id="all",
                    because="test",
                    when=When(all=(derived("assessed"),)),
                    then=tuple(Add(intervention=i, stage=self.stage) for i in self.interventions),
                )
            ],
        )
