"""A CDS Hooks 2.0 request to an :class:`Assessment`: the envelope checked, the prefetch read.

The service asks the CDS client to prefetch :data:`PREFETCH_TEMPLATES` (one read of the Patient
and one search per resource type the FHIR input reads, docs/fhir.md section 2.1) and never
fetches anything from ``fhirServer`` itself. So:

* a prefetch key the client left out (it could not or would not satisfy the query), a key
  holding an OperationOutcome (the client's query failed), a ``null`` Patient (no such patient)
  and a searchset carrying a ``next`` link (only the first page) are data the plan needs and
  does not have: :class:`PrefetchMissing` (HTTP 412);
* a ``null`` search key is a query that found nothing: no resources of that type;
* anything malformed is an :class:`~careengine.errors.AssessmentError` (HTTP 400) whose
  problems name JSON paths into the request body (``context.patientId``,
  ``prefetch.observations.entry[2].resource.code``).

The prefetched resources are put into one Bundle (the Patient first, then each search's entries
in key order) and read by :func:`careengine.fhir.read_bundle`; the reader's ``entry[i]`` paths,
in problems and in the assessment's ``unrecognized`` list, are mapped back to where each
resource sits in the request. The assessment date is the reader's: the one calendar date that
``Observation.effective[x]`` and ``QuestionnaireResponse.authored`` give (never the clock).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from careengine.errors import AssessmentError, CareEngineError, Problem, kind_of
from careengine.io.fhir.assessment import read_bundle
from careengine.model import Assessment
from careengine.plugins.registry import Catalog

__all__ = [
    "PREFETCH_TEMPLATES",
    "SEARCH_TYPES",
    "PrefetchMissing",
    "assessment_from_request",
]

#: key -> FHIR query the CDS client runs before calling (discovery's ``prefetch``)
PREFETCH_TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
        "observations": "Observation?patient={{context.patientId}}",
        "questionnaireResponses": "QuestionnaireResponse?patient={{context.patientId}}",
        "serviceRequests": "ServiceRequest?patient={{context.patientId}}&intent=directive",
    }
)

#: search key -> the one resource type its searchset may hold
SEARCH_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "conditions": "Condition",
        "observations": "Observation",
        "questionnaireResponses": "QuestionnaireResponse",
        "serviceRequests": "ServiceRequest",
    }
)

#: the context fields each hook requires (CDS Hooks hook definitions); others: ``patientId``
_REQUIRED_CONTEXT: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"patient-view": ("userId", "patientId")}
)

_ENTRY = re.compile(r"\bentry\[(\d+)\](\.resource)?")


class PrefetchMissing(CareEngineError):
    """Prefetch data the plan needs is not in the request (HTTP 412). ``missing``: the keys,
    sorted; ``problems``: one per key, at ``prefetch.<key>``, saying why."""

    exit_code = 2

    def __init__(self, reasons: Mapping[str, str]) -> None:
        self.missing: tuple[str, ...] = tuple(sorted(reasons))
        problems = [Problem(path=f"prefetch.{k}", message=reasons[k]) for k in self.missing]
        super().__init__("prefetch data missing: " + ", ".join(self.missing), problems=problems)


@attrs.frozen(kw_only=True)
class _Envelope:
    hook: str
    patient_id: str
    prefetch: Mapping[str, Any] | None


def _text(body: Mapping[str, Any], key: str, where: str, problems: list[Problem]) -> str | None:
    value = body.get(key)
    if value is None:
        problems.append(Problem(path=where, message="is required"))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(
            Problem(path=where, message=f"must be a non-empty string, not {kind_of(value)}")
        )
        return None
    return value


def _envelope(body: Any) -> _Envelope:
    """The request's envelope checked against the spec's request table (CDS Hooks 2.0,
    "Calling a CDS Service"); every problem at once."""
    if not isinstance(body, dict):
        raise AssessmentError(
            "invalid CDS Hooks request",
            problems=[Problem(path="$", message=f"must be a JSON object, not {kind_of(body)}")],
        )
    problems: list[Problem] = []
    hook = _text(body, "hook", "hook", problems)
    instance = _text(body, "hookInstance", "hookInstance", problems)
    if instance is not None:
        try:
            uuid.UUID(instance)
        except ValueError:
            problems.append(Problem(path="hookInstance", message="must be a UUID"))
    server = body.get("fhirServer")
    if server is not None and not (
        isinstance(server, str) and server.startswith(("https://", "http://"))
    ):
        problems.append(Problem(path="fhirServer", message="must be an http(s) URL"))
    authorization = body.get("fhirAuthorization")
    if authorization is not None:
        if not isinstance(authorization, dict):
            problems.append(Problem(path="fhirAuthorization", message="must be an object"))
        elif server is None:
            problems.append(
                Problem(path="fhirServer", message="is required when fhirAuthorization is sent")
            )
    context = body.get("context")
    patient_id = None
    if not isinstance(context, dict):
        message = "is required" if context is None else f"must be an object, not {kind_of(context)}"
        problems.append(Problem(path="context", message=message))
    else:
        for field in _REQUIRED_CONTEXT.get(hook or "", ("patientId",)):
            value = _text(context, field, f"context.{field}", problems)
            if field == "patientId":
                patient_id = value
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        problems.append(
            Problem(path="prefetch", message=f"must be an object, not {kind_of(prefetch)}")
        )
    if problems or hook is None or patient_id is None:
        raise AssessmentError("invalid CDS Hooks request", problems=problems)
    return _Envelope(hook=hook, patient_id=patient_id, prefetch=prefetch)


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def _missing(prefetch: Mapping[str, Any] | None) -> dict[str, str]:
    """Why each key the plan needs is not usable (empty when all are)."""
    if prefetch is None:
        return {k: "not sent (the request has no prefetch)" for k in PREFETCH_TEMPLATES}
    reasons: dict[str, str] = {}
    for key in PREFETCH_TEMPLATES:
        if key not in prefetch:
            reasons[key] = "not sent (the client did not satisfy this prefetch query)"
            continue
        value = prefetch[key]
        if _is_outcome(value):
            reasons[key] = "the client's query failed (an OperationOutcome came instead)"
        elif value is None and key == "patient":
            reasons[key] = "null: the client has no such Patient"
        elif isinstance(value, dict) and any(
            isinstance(link, dict) and link.get("relation") == "next"
            for link in value.get("link") or ()
        ):
            reasons[key] = "holds only the first page of results (a 'next' link)"
    return reasons


def _patient(value: Any, patient_id: str, problems: list[Problem]) -> dict[str, Any] | None:
    if not isinstance(value, dict) or value.get("resourceType") != "Patient":
        shape = value.get("resourceType") if isinstance(value, dict) else kind_of(value)
        problems.append(
            Problem(path="prefetch.patient", message=f"must be a Patient resource, not {shape}")
        )
        return None
    if value.get("id") != patient_id:
        problems.append(
            Problem(
                path="prefetch.patient.id",
                message=f"is {value.get('id')!r}, not the context's patientId {patient_id!r}",
            )
        )
        return None
    return value


def _search(key: str, value: Any, problems: list[Problem]) -> list[tuple[str, dict[str, Any]]]:
    """(request path, resource) of each entry of one searchset (none for ``null``)."""
    where = f"prefetch.{key}"
    if value is None:
        return []
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        shape = value.get("resourceType") if isinstance(value, dict) else kind_of(value)
        problems.append(
            Problem(path=where, message=f"must be a searchset Bundle or null, not {shape}")
        )
        return []
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        problems.append(Problem(path=f"{where}.entry", message="must be a list"))
        return []
    wanted = SEARCH_TYPES[key]
    found: list[tuple[str, dict[str, Any]]] = []
    for j, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        search = entry.get("search") if isinstance(entry, dict) else None
        if isinstance(search, dict) and search.get("mode") == "outcome" and _is_outcome(resource):
            continue  # the server's remarks about the search itself, not patient data
        here = f"{where}.entry[{j}].resource"
        if not isinstance(resource, dict):
            problems.append(Problem(path=f"{where}.entry[{j}]", message="has no resource"))
        elif resource.get("resourceType") != wanted:
            problems.append(
                Problem(
                    path=f"{here}.resourceType",
                    message=f"is {resource.get('resourceType')!r}: this search holds {wanted} only",
                )
            )
        else:
            found.append((here, resource))
    return found


def _relocate(text: str, origins: Sequence[str]) -> str:
    """``entry[i].resource`` / ``entry[i]`` of the combined Bundle -> the request path."""

    def where(match: re.Match[str]) -> str:
        index = int(match[1])
        return origins[index] if index < len(origins) else match[0]

    return _ENTRY.sub(where, text)


def _request_problem(problem: Problem, origins: Sequence[str]) -> Problem:
    path = problem.path or "$"
    if path in {"$", "entry"}:
        new_path = "prefetch"
    elif _ENTRY.match(path):
        new_path = _relocate(path, origins)
    else:  # a field of the mapped assessment that no resource gave (e.g. a required one)
        return attrs.evolve(
            problem,
            file=None,
            path="prefetch",
            message=f"{path}: {_relocate(problem.message, origins)}",
        )
    return attrs.evolve(
        problem, file=None, path=new_path, message=_relocate(problem.message, origins)
    )


_DATES_DISAGREE = "the assessment dates disagree"
_GIVEN_TWICE = " is given twice "
_SEARCH_KEY = re.compile(r"\bprefetch\.(\w+)\.entry\[")


def _several_visits(problems: Sequence[Problem], origins: Sequence[str]) -> dict[str, str]:
    """The 412 reasons (key -> why) when the reader's problem is that the searches hold more than
    one assessment date: a whole-record search answered as the template says (the spec wants the
    data the query gives) brings earlier visits, and which visit is meant cannot be known."""
    reasons: dict[str, str] = {}
    for problem in problems:
        if problem.path == "entry" and problem.message.startswith(_DATES_DISAGREE):
            where = _relocate(problem.message[len(_DATES_DISAGREE) :].strip(), origins)
            for key in sorted(set(_SEARCH_KEY.findall(where))):
                reasons[key] = (
                    "holds more than one visit (the assessment dates disagree: "
                    f"{where.strip('()')}): which visit the plan is for cannot be known, "
                    "so no plan is made"
                )
    return reasons


def assessment_from_request(
    body: Any, catalog: Catalog, *, allow_unknown: bool = False
) -> Assessment:
    """The assessment a CDS Hooks request's prefetch describes.

    Raises :class:`~careengine.errors.AssessmentError` (HTTP 400) with every problem at its JSON
    path in the request body, or :class:`PrefetchMissing` (HTTP 412) naming the prefetch keys
    that are absent or failed. ``allow_unknown``: resources careengine cannot map (an EHR's
    search returns vital signs, labs, other diagnoses) are listed in the plan's
    ``unrecognized`` instead of being problems (docs/fhir.md section 2.2).
    """
    envelope = _envelope(body)
    prefetch = envelope.prefetch
    missing = _missing(prefetch)
    problems: list[Problem] = []
    origins: list[str] = []
    entries: list[dict[str, Any]] = []
    if prefetch is not None and "patient" not in missing:
        patient = _patient(prefetch["patient"], envelope.patient_id, problems)
        if patient is not None:
            origins.append("prefetch.patient")
            entries.append({"resource": patient})
    for key in SEARCH_TYPES:
        if prefetch is None or key in missing:
            continue
        for here, resource in _search(key, prefetch[key], problems):
            origins.append(here)
            entries.append({"resource": resource})
    if problems:
        raise AssessmentError("invalid CDS Hooks prefetch", problems=problems)
    if missing:
        raise PrefetchMissing(missing)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    try:
        assessment = read_bundle(bundle, catalog, allow_unknown=allow_unknown)
    except AssessmentError as exc:
        located = [_request_problem(p, origins) for p in exc.problems]
        visits = _several_visits(exc.problems, origins)
        # several visits also give the same field twice; anything else is a malformed request
        if visits and all(
            p.message.startswith(_DATES_DISAGREE) or _GIVEN_TWICE in p.message for p in exc.problems
        ):
            raise PrefetchMissing(visits) from None
        raise AssessmentError("invalid CDS Hooks prefetch", problems=located) from None
    if assessment.unrecognized:
        assessment = attrs.evolve(
            assessment,
            unrecognized=tuple(_relocate(u, origins) for u in assessment.unrecognized),
        )
    return assessment
