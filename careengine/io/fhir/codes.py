"""Code systems, URIs and value mappings shared by the FHIR output and input (docs/fhir.md).

careengine's own vocabulary (finding, condition, red-flag, measure and intervention codes, stage
ids, alert codes) travels in careengine CodeSystems under :data:`BASE`; the code is the catalog
code unchanged. Outside codes are used only where they were verified (docs/fhir.md lists them with
how sure each is) or where a catalog plugin supplies them
(:attr:`careengine.model.Intervention.codings`).

Resource ids are name-based UUIDs (:func:`resource_id`), so the same input always gives the same
ids; a bundle's ``fullUrl`` is ``urn:uuid:<id>`` and every reference uses that ``fullUrl``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from careengine.model import AlertLevel, InterventionKind, TermKind, Urgency
from careengine.plugins.registry import Catalog

#: The canonical base of careengine's FHIR artefacts (a stable identifier, not a web address
#: that must resolve).
BASE = "https://careengine.dev/fhir"


def code_system(name: str) -> str:
    return f"{BASE}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


def questionnaire_url(name: str) -> str:
    return f"{BASE}/Questionnaire/{name}"


# --- careengine code systems ---------------------------------------------------------------------

FINDING = code_system("finding")
CONDITION = code_system("condition")
RED_FLAG = code_system("red-flag")
MEASURE = code_system("measure")
INTERVENTION = code_system("intervention")
STAGE = code_system("stage")
ALERT = code_system("alert")
#: an assessment field that has no standard code: the code is its JSON path (``pain.worst``)
FIELD = code_system("assessment-field")
SIDE = code_system("side")
SEVERITY = code_system("severity")
DIRECTION = code_system("direction")
LEG_SYMPTOMS = code_system("leg-symptoms")
BOTHERSOMENESS = code_system("startback-bothersomeness")
GOAL_KIND = code_system("goal-kind")
#: a fact a rule matched that is not a vocabulary code (``derived:tbc.subgroup.manipulation``)
FACT = code_system("fact")
PATIENT_ID = f"{BASE}/patient-id"

TERM_SYSTEMS: dict[TermKind, str] = {
    TermKind.FINDING: FINDING,
    TermKind.CONDITION: CONDITION,
    TermKind.RED_FLAG: RED_FLAG,
    TermKind.MEASURE: MEASURE,
}

#: Questionnaire canonicals by the key of the assessment's ``questionnaires`` block.
QUESTIONNAIRES: dict[str, str] = {
    "startback": questionnaire_url("startback"),
    "odi": questionnaire_url("odi"),
    "fabq": questionnaire_url("fabq"),
    "axspa_features": questionnaire_url("axspa-features"),
}

# extensions
EXT_DOSAGE = extension_url("dosage")
EXT_BECAUSE = extension_url("because")
EXT_ALERT_LEVEL = extension_url("alert-level")
EXT_CURRENT_STAGE = extension_url("current-stage")
EXT_PROGRESSED_FROM = extension_url("progressed-from")

# --- outside code systems ------------------------------------------------------------------------

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
US_CORE_CAREPLAN_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GOAL_CATEGORY = "http://terminology.hl7.org/CodeSystem/goal-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"

NPRS = (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
AGE = (LOINC, "30525-0", "Age")
GESTATIONAL_AGE = (LOINC, "49051-6", "Gestational age in weeks")
EXERCISE_THERAPY = (SNOMED, "229065009", "Exercise therapy (regime/therapy)")
PT_PROCEDURE = (SNOMED, "91251008", "Physical therapy procedure")
REFERRAL_TO_SERVICE = (SNOMED, "306206005", "Referral to service")
EDUCATION = (SNOMED, "409073007", "Education")
ASSESS_PLAN = (US_CORE_CAREPLAN_CATEGORY, "assess-plan", "Assessment and Plan of Treatment")
POSITIVE = (INTERPRETATION, "POS", "Positive")
NEGATIVE = (INTERPRETATION, "NEG", "Negative")

#: ServiceRequest.category by intervention kind.
KIND_CATEGORY: dict[InterventionKind, tuple[str, str, str]] = {
    InterventionKind.EXERCISE: PT_PROCEDURE,
    InterventionKind.MANUAL_THERAPY: PT_PROCEDURE,
    InterventionKind.PROCEDURE: PT_PROCEDURE,
    InterventionKind.MODALITY: PT_PROCEDURE,
    InterventionKind.EDUCATION: EDUCATION,
    InterventionKind.REFERRAL: REFERRAL_TO_SERVICE,
}

#: A generic code placed before the careengine intervention code, by kind.
KIND_CODE: dict[InterventionKind, tuple[str, str, str]] = {
    InterventionKind.EXERCISE: EXERCISE_THERAPY,
}

#: DetectedIssue.severity (high | moderate | low) by alert level; the exact level is kept in the
#: alert-level extension, since emergency and urgent both map to high.
SEVERITY_OF_LEVEL: dict[AlertLevel, str] = {
    AlertLevel.EMERGENCY: "high",
    AlertLevel.URGENT: "high",
    AlertLevel.ROUTINE: "moderate",
    AlertLevel.INFO: "low",
}

#: ServiceRequest.priority by referral urgency.
PRIORITY_OF_URGENCY: dict[Urgency, str] = {
    Urgency.EMERGENCY: "stat",
    Urgency.URGENT: "urgent",
    Urgency.ROUTINE: "routine",
}

# --- small builders ------------------------------------------------------------------------------

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def resource_id(*parts: str | None) -> str:
    """A name-based UUID: the same parts always give the same id."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(p or "" for p in parts)))


def full_url(rid: str) -> str:
    return f"urn:uuid:{rid}"


def reference(rid: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": full_url(rid)}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(
    codings: Iterable[tuple[str, str, str | None] | dict[str, Any]], text: str | None = None
) -> dict[str, Any]:
    """A CodeableConcept from ``(system, code, display)`` triples or ready codings."""
    out: dict[str, Any] = {
        "coding": [c if isinstance(c, dict) else coding(*c) for c in codings],
    }
    if not out["coding"]:
        del out["coding"]
    if text:
        out["text"] = text
    return out


def term_coding(kind: TermKind, code: str, catalog: Catalog) -> dict[str, Any]:
    """A vocabulary code in its careengine CodeSystem, with the catalog's label as display."""
    term = catalog.term(kind, code)
    return coding(TERM_SYSTEMS[kind], code, term.label if term else None)


def fact_coding(matched: str, catalog: Catalog) -> dict[str, Any]:
    """The coding of a fact a rule matched (``finding:glute_weakness``, ``red_flag:fever``)."""
    kind, _, code = matched.partition(":")
    if kind in {k.value for k in TERM_SYSTEMS} and code:
        return term_coding(TermKind(kind), code, catalog)
    return coding(FACT, matched)
