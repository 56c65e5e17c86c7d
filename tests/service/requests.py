"""CDS Hooks request bodies built from the example assessments (shared by the service tests).

An example assessment is written as FHIR (:func:`careengine.fhir.assessment_bundle`) and split
the way an EHR would answer :data:`~careengine.service.prefetch.PREFETCH_TEMPLATES`: the Patient
read on its own (its FHIR id = ``context.patientId``), each resource type as a ``searchset``
Bundle (``null`` when the search found nothing), references to the Patient written
``Patient/<id>``. The Encounter has no template and is left out (the Observations carry the
date). The envelope is shaped like the spec's patient-view example request.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from careengine import Engine
from careengine.fhir import assessment_bundle
from careengine.service.prefetch import PREFETCH_TEMPLATES, SEARCH_TYPES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
#: a fixed namespace, so that each example's hookInstance is the same on every run
_HOOK_NS = uuid.UUID("6f1f1d2e-3b1c-4c0e-9a55-2f7c3f0e8d41")


@cache
def _engine() -> Engine:
    # built-ins only: this engine can be built at collection time (a hypothesis strategy needs
    # its catalog), before tests/conftest.py's fixture hides installed plugins
    return Engine(entry_points=False)


def _rewrite(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        if node.get("reference") == old:
            return {**node, "reference": new}
        return {k: _rewrite(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, old, new) for v in node]
    return node


def prefetch_for(bundle: dict[str, Any], patient_id: str) -> dict[str, Any]:
    """The prefetch an EHR holding ``bundle`` would send for ``patient_id``."""
    entries = bundle["entry"]
    patient_entry = next(e for e in entries if e["resource"]["resourceType"] == "Patient")
    old_ref = patient_entry["fullUrl"]
    patient = {**patient_entry["resource"], "id": patient_id}
    prefetch: dict[str, Any] = {"patient": patient}
    for key, kind in SEARCH_TYPES.items():
        found = [
            {
                "fullUrl": f"https://ehr.example.org/fhir/{kind}/{e['resource']['id']}",
                "resource": _rewrite(e["resource"], old_ref, f"Patient/{patient_id}"),
                "search": {"mode": "match"},
            }
            for e in entries
            if e["resource"]["resourceType"] == kind
        ]
        prefetch[key] = (
            {"resourceType": "Bundle", "type": "searchset", "total": len(found), "entry": found}
            if found
            else None
        )
    assert set(prefetch) == set(PREFETCH_TEMPLATES)
    return prefetch


def patient_view_request(assessment_path: str | Path) -> dict[str, Any]:
    """A patient-view request body (as the spec's example request) whose prefetch holds the
    example assessment at ``assessment_path``; deterministic (its hookInstance too)."""
    path = Path(assessment_path)
    engine = _engine()
    assessment = engine.load_assessment(path)
    bundle = json.loads(json.dumps(assessment_bundle(assessment, engine.catalog)))
    patient_id = f"ehr-{assessment.patient.id}"
    return {
        "hookInstance": str(uuid.uuid5(_HOOK_NS, path.name)),
        "fhirServer": "https://ehr.example.org/fhir",
        "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": patient_id},
        "prefetch": prefetch_for(bundle, patient_id),
    }
