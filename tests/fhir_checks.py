"""Checks of FHIR bundles beyond what ``fhir.resources`` enforces (it parses structure only).

* required bindings: the code values of every required-binding element careengine emits;
* references: every reference resolves to a ``fullUrl`` of the bundle, and to a resource type
  the element allows;
* invariants: CarePlan cpl-3 ("Provide a reference or detail, not both"), RequestGroup rqg-1
  ("Must have resource or action but not both"), ext-1 (an extension has a value or nested
  extensions, not both), relatedAction targets that exist;
* ids: unique, and ``fullUrl`` = ``urn:uuid:<id>``;
* narratives: well-formed XHTML ``div`` in the XHTML namespace.

:func:`problems` returns a list of readable problems (empty when the bundle passes).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle

REQUEST_STATUS = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
REQUEST_INTENT = {
    "proposal",
    "plan",
    "directive",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
}
REQUEST_PRIORITY = {"routine", "urgent", "asap", "stat"}
OBSERVATION_STATUS = {
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
}

#: (resource type, element path) -> the codes its required binding allows.
REQUIRED_BINDINGS: dict[tuple[str, str], set[str]] = {
    ("Bundle", "type"): {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    },
    ("CarePlan", "status"): REQUEST_STATUS,
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("ServiceRequest", "status"): REQUEST_STATUS,
    ("ServiceRequest", "intent"): REQUEST_INTENT,
    ("ServiceRequest", "priority"): REQUEST_PRIORITY,
    ("ServiceRequest", "occurrenceTiming.repeat.periodUnit"): {
        "s",
        "min",
        "h",
        "d",
        "wk",
        "mo",
        "a",
    },
    ("ServiceRequest", "occurrenceTiming.repeat.durationUnit"): {
        "s",
        "min",
        "h",
        "d",
        "wk",
        "mo",
        "a",
    },
    ("RequestGroup", "status"): REQUEST_STATUS,
    ("RequestGroup", "intent"): REQUEST_INTENT,
    ("RequestGroup", "priority"): REQUEST_PRIORITY,
    ("RequestGroup", "action.relatedAction.relationship"): {
        "before-start",
        "before",
        "before-end",
        "concurrent-with-start",
        "concurrent",
        "concurrent-with-end",
        "after-start",
        "after",
        "after-end",
    },
    ("RequestGroup", "action.groupingBehavior"): {
        "visual-group",
        "logical-group",
        "sentence-group",
    },
    ("RequestGroup", "action.selectionBehavior"): {
        "any",
        "all",
        "all-or-none",
        "exactly-one",
        "at-most-one",
        "one-or-more",
    },
    ("DetectedIssue", "status"): OBSERVATION_STATUS,
    ("DetectedIssue", "severity"): {"high", "moderate", "low"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("Goal", "target.detailQuantity.comparator"): {"<", "<=", ">=", ">"},
    ("Device", "deviceName.type"): {
        "udi-label-name",
        "user-friendly-name",
        "patient-reported-name",
        "manufacturer-name",
        "model-name",
        "other",
    },
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("Observation", "status"): OBSERVATION_STATUS,
    ("Encounter", "status"): {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress",
        "completed",
        "amended",
        "entered-in-error",
        "stopped",
    },
    ("Condition", "clinicalStatus.coding.code"): {
        "active",
        "recurrence",
        "relapse",
        "inactive",
        "remission",
        "resolved",
    },
}
NARRATIVE_STATUS = {"generated", "extensions", "additional", "empty"}

#: (resource type, element path) -> the resource types a reference there may point at
#: (R4; None: any resource).
REFERENCE_TARGETS: dict[tuple[str, str], set[str] | None] = {
    ("CarePlan", "subject"): {"Patient", "Group"},
    ("CarePlan", "partOf"): {"CarePlan"},
    ("CarePlan", "basedOn"): {"CarePlan"},
    ("CarePlan", "author"): {
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Device",
        "RelatedPerson",
        "Organization",
        "CareTeam",
    },
    ("CarePlan", "goal"): {"Goal"},
    ("CarePlan", "supportingInfo"): None,
    ("CarePlan", "activity.reference"): {
        "Appointment",
        "CommunicationRequest",
        "DeviceRequest",
        "MedicationRequest",
        "NutritionOrder",
        "Task",
        "ServiceRequest",
        "VisionPrescription",
        "RequestGroup",
    },
    ("RequestGroup", "basedOn"): None,
    ("RequestGroup", "subject"): {"Patient", "Group"},
    ("RequestGroup", "author"): {"Device", "Practitioner", "PractitionerRole"},
    ("RequestGroup", "action.resource"): None,
    ("ServiceRequest", "subject"): {"Patient", "Group", "Location", "Device"},
    ("ServiceRequest", "basedOn"): {"CarePlan", "ServiceRequest", "MedicationRequest"},
    ("ServiceRequest", "requester"): {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Patient",
        "RelatedPerson",
        "Device",
    },
    ("ServiceRequest", "performer"): {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "CareTeam",
        "HealthcareService",
        "Patient",
        "Device",
        "RelatedPerson",
    },
    ("Goal", "subject"): {"Patient", "Group", "Organization"},
    ("DetectedIssue", "patient"): {"Patient"},
    ("DetectedIssue", "author"): {"Practitioner", "PractitionerRole", "Device"},
    ("Observation", "subject"): {"Patient", "Group", "Device", "Location"},
    ("Observation", "encounter"): {"Encounter"},
    ("Condition", "subject"): {"Patient", "Group"},
    ("Encounter", "subject"): {"Patient", "Group"},
    ("QuestionnaireResponse", "subject"): None,
    ("QuestionnaireResponse", "encounter"): {"Encounter"},
}


def parse(bundle: dict[str, Any]) -> Bundle:
    """Parse with the fhir.resources R4B models; raises on any structural error."""
    return Bundle.model_validate(bundle)


def values(node: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted element path, walking through lists."""
    if isinstance(node, list):
        for item in node:
            yield from values(item, path)
        return
    if not path:
        yield node
        return
    head, _, rest = path.partition(".")
    if isinstance(node, dict) and head in node:
        yield from values(node[head], rest)


def references(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(element path, reference) for every Reference in a resource."""
    if isinstance(node, list):
        for item in node:
            yield from references(item, path)
    elif isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield path, node["reference"]
        for key, value in node.items():
            if key not in ("reference",) or isinstance(value, dict):
                yield from references(value, f"{path}.{key}" if path else key)


def problems(bundle: dict[str, Any]) -> list[str]:
    out: list[str] = []
    entries = bundle.get("entry", [])
    by_url: dict[str, str] = {}
    ids: set[tuple[str, str]] = set()
    for i, entry in enumerate(entries):
        resource = entry["resource"]
        kind, rid = resource["resourceType"], resource.get("id")
        if entry.get("fullUrl") != f"urn:uuid:{rid}":
            out.append(f"entry[{i}]: fullUrl {entry.get('fullUrl')!r} is not urn:uuid:{rid}")
        if entry.get("fullUrl") in by_url:
            out.append(f"entry[{i}]: fullUrl {entry.get('fullUrl')} is used twice")
        by_url[entry.get("fullUrl")] = kind
        if (kind, rid) in ids:
            out.append(f"entry[{i}]: {kind}/{rid} is used twice")
        ids.add((kind, rid))
    for (kind, path), allowed in REQUIRED_BINDINGS.items():
        resources = [bundle] if kind == "Bundle" else [e["resource"] for e in entries]
        for resource in resources:
            if resource.get("resourceType") != kind:
                continue
            for value in values(resource, path):
                if value not in allowed:
                    out.append(f"{kind}.{path}: {value!r} is not in its required binding")
    for i, entry in enumerate(entries):
        resource = entry["resource"]
        kind = resource["resourceType"]
        where = f"entry[{i}] {kind}"
        for path, target in references(resource):
            if target not in by_url:
                out.append(f"{where}.{path}: reference {target} does not resolve in the bundle")
                continue
            allowed = REFERENCE_TARGETS.get((kind, path), set())
            if allowed is not None and by_url[target] not in allowed:
                out.append(f"{where}.{path}: may not refer to a {by_url[target]}")
        for activity in resource.get("activity", []) if kind == "CarePlan" else []:
            if "detail" in activity and "reference" in activity:
                out.append(f"{where}: cpl-3: an activity has both a reference and a detail")
        if kind == "RequestGroup":
            out += _request_group(where, resource)
        out += _extensions(where, resource)
        if "text" in resource:
            out += _narrative(where, resource["text"])
    return out


def _request_group(where: str, group: dict[str, Any]) -> list[str]:
    out = []
    ids = set(values(group, "action.id")) | set(values(group, "action.action.id"))
    for action in values(group, "action"):
        if ("resource" in action) == ("action" in action):
            out.append(f"{where}: rqg-1: an action must have a resource or actions, not both")
    for target in values(group, "action.relatedAction.actionId"):
        if target not in ids:
            out.append(f"{where}: relatedAction names unknown action {target!r}")
    return out


def _extensions(where: str, node: Any) -> list[str]:
    out = []
    if isinstance(node, list):
        for item in node:
            out += _extensions(where, item)
    elif isinstance(node, dict):
        for ext in node.get("extension", []):
            has_value = any(k.startswith("value") for k in ext)
            if not ext.get("url") or has_value == ("extension" in ext):
                out.append(f"{where}: ext-1: extension {ext.get('url')!r} is malformed")
        for value in node.values():
            out += _extensions(where, value)
    return out


def _narrative(where: str, text: dict[str, Any]) -> list[str]:
    out = []
    if text.get("status") not in NARRATIVE_STATUS:
        out.append(f"{where}.text.status: {text.get('status')!r} is not in its required binding")
    div = text.get("div", "")
    try:
        root = ET.fromstring(div)
    except ET.ParseError as exc:
        return [*out, f"{where}.text.div: not well-formed XHTML ({exc})"]
    if root.tag != "{http://www.w3.org/1999/xhtml}div":
        out.append(f"{where}.text.div: must be an XHTML div, not {root.tag}")
    return out
