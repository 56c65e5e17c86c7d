"""FHIR R4 interoperability (docs/fhir.md): the plan as a Bundle, assessments from a Bundle.

Plain JSON data in and out; no FHIR library is needed at run time.
"""

from __future__ import annotations

from careengine.io.fhir.assessment import load_bundle, read_bundle
from careengine.render.fhir.assessment_bundle import assessment_bundle
from careengine.render.fhir.plan_bundle import plan_bundle, render_fhir

__all__ = ["assessment_bundle", "load_bundle", "plan_bundle", "read_bundle", "render_fhir"]
