"""Adds codes to the built-in vocabulary: a finding, a condition and a measure. The CLI tests use
it to show that ``catalog``, ``schema`` and input validation follow the loaded plugins."""

from __future__ import annotations

from careengine.model import TermKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry

FINDING = "sacroiliac_joint_pain"
CONDITION = "recent_abdominal_surgery"
MEASURE = "patient_specific_functional_scale"


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    registry.add_term(FINDING, TermKind.FINDING, "Sacroiliac joint pain", impairment=True)
    registry.add_term(CONDITION, TermKind.CONDITION, "Abdominal surgery in the last 6 weeks")
    registry.add_term(MEASURE, TermKind.MEASURE, "Patient-specific functional scale (0-10)")
