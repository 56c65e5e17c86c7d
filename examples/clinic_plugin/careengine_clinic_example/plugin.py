"""The module careengine loads: one function per hook this plugin implements."""

from __future__ import annotations

from pathlib import Path

from careengine import hookimpl
from careengine.model import Assessment, Plan
from careengine.plugins.registry import CatalogRegistry, RulePackRegistry

from careengine_clinic_example import flare, policy
from careengine_clinic_example.interventions import MODIFIED_CURL_UP

RULES_DIR = Path(__file__).resolve().parent / "rules"


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    registry.add_intervention(MODIFIED_CURL_UP)


@hookimpl
def careengine_rule_packs(registry: RulePackRegistry) -> None:
    registry.add_path(RULES_DIR)
    registry.add_pack(
        id=flare.PACK_ID,
        version=flare.PACK_VERSION,
        title="Flare-up care (example clinic)",
        population="adults with low back pain seen at the example clinic",
        sources=["Example clinic protocol, 2026"],
        rules=flare.RULES,
    )


@hookimpl
def careengine_review_plan(plan: Plan, assessment: Assessment) -> Plan | None:
    return policy.limit_first_visit(plan, assessment)
