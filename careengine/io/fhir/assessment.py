"""Read an assessment from a FHIR R4 ``Bundle`` (``evaluate --input-format fhir``).

Each resource is mapped through the table of docs/fhir.md onto the careengine assessment JSON
(docs/design.md section 6.1), which then goes through the same validation as a JSON file
(:func:`careengine.io.assessment.read_assessment`). Problems are reported with the FHIR path they
come from (``entry[3].resource.code``), all at once.

Nothing is dropped silently. A resource that maps onto nothing is an error; with
``allow_unknown`` it becomes an entry of the plan's ``unrecognized`` list instead. Only resources
that by FHIR's own rules assert nothing current are passed over (documented in docs/fhir.md):
``entered-in-error`` and cancelled records, refuted or resolved conditions, revoked requests,
Observations carrying a ``dataAbsentReason`` (and no value: both at once violate obs-6 and are
refused), and "no" answers (which careengine records by leaving the code out). Every coding of a
concept is read; codings that name different things, and values from different resources that
disagree, are problems at both places, never resolved by their order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from careengine.errors import AssessmentError
from careengine.io.assessment import read_assessment
from careengine.io.fhir import codes as c
from careengine.io.fhir.mapping_state import (
    Ambiguous,
    Resource,
    Skip,
    age_on,
    calendar_date,
    code_in,
    codes_of,
    remap,
    shown,
)
from careengine.io.fhir.observations import (
    COMPLETED_UNITS,
    FIELD_KINDS,
    FIELD_UNITS,
    HLA_RESULTS,
    USABLE_STATUS,
    VOID_STATUS,
    ObservationReader,
)
from careengine.io.fhir.questionnaires import QuestionnaireReader
from careengine.io.json_text import parse_json, read_input
from careengine.model import Assessment
from careengine.plugins.registry import Catalog

if TYPE_CHECKING:
    from careengine.io.schema_check import SchemaChecker

#: Condition.clinicalStatus values that make a condition current; the others assert nothing.
CURRENT_CONDITION = {"active", "recurrence", "relapse"}
NOT_CURRENT_CONDITION = {"inactive", "remission", "resolved"}
VOID_VERIFICATION = {"refuted", "entered-in-error"}


class _BundleReader(ObservationReader, QuestionnaireReader):
    def __init__(self, catalog: Catalog, file: str | None, allow_unknown: bool) -> None:
        super().__init__(catalog, file, allow_unknown)
        self.patient_refs: set[str] = set()
        self.birth_date: tuple[str, str] | None = None

    # --- the bundle --------------------------------------------------------------------------

    def read(self, root: Any) -> dict[str, Any]:
        if not isinstance(root, dict) or root.get("resourceType") != "Bundle":
            self.problem("$", "is not a FHIR Bundle (resourceType must be 'Bundle')")
            return self.data
        entries = root.get("entry", [])
        if not isinstance(entries, list):
            self.problem("entry", "must be a list")
            return self.data
        resources: list[tuple[str, Resource]] = []
        full_urls: dict[str, Any] = {}
        for i, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                self.problem(f"entry[{i}]", "has no resource with a resourceType")
                continue
            resources.append((f"entry[{i}].resource", resource))
            full_urls[f"entry[{i}].resource"] = entry.get("fullUrl")
        patients = [(p, r) for p, r in resources if r["resourceType"] == "Patient"]
        if len(patients) != 1:
            self.problem("entry", f"needs exactly one Patient resource, not {len(patients)}")
            return self.data
        path, patient = patients[0]
        if not self.guarded(path, self.patient, path, patient, full_urls[path]):
            return self.data
        for path, resource in resources:
            if resource["resourceType"] != "Patient":
                self.guarded(path, self.resource, path, resource)
        self.guarded("entry", self.assessed_on)
        return self.data

    def guarded(self, path: str, read: Callable[..., None], *args: Any) -> bool:
        """Run one reader; a shape it cannot walk (a list where an object belongs, ...) is a
        problem at ``path``, never a crash. False when the reader failed."""
        try:
            read(*args)
        except Skip:
            pass
        except Ambiguous as exc:
            self.problem(path, str(exc))
            return False
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            self.problem(path, f"is malformed ({type(exc).__name__}: {exc})")
            return False
        return True

    def patient(self, path: str, resource: Resource, full_url: Any) -> None:
        rid = resource.get("id")
        if isinstance(full_url, str):
            self.patient_refs.add(full_url)
        if isinstance(rid, str):
            self.patient_refs.add(f"Patient/{rid}")
        pid = None
        for i, ident in enumerate(resource.get("identifier") or ()):
            if isinstance(ident, dict) and ident.get("system") == c.PATIENT_ID:
                here = f"{path}.identifier[{i}].value"
                if pid is not None and ident.get("value") != pid:
                    other = self.where["patient.id"]
                    self.problem(here, f"gives a second patient id, which contradicts {other}")
                    continue
                pid = ident.get("value")
                self.where.setdefault("patient.id", here)
        if pid is None:
            pid = rid
            self.where["patient.id"] = f"{path}.id"
        self.where["patient"] = path
        self.data["patient"] = {} if pid is None else {"id": pid}
        if "gender" in resource:
            self.put("patient.sex", resource["gender"], f"{path}.gender")
        if "birthDate" in resource:
            self.birth_date = (resource["birthDate"], f"{path}.birthDate")
        self.modifiers(path, resource)

    def modifiers(self, path: str, resource: Resource) -> None:
        if resource.get("modifierExtension"):
            self.problem(
                f"{path}.modifierExtension",
                "careengine cannot interpret modifier extensions, so it cannot use this resource",
            )
            raise Skip

    def is_patient(self, ref: Any) -> bool:
        target = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(target, str):
            return False
        return target in self.patient_refs or any(
            target.endswith("/" + r) for r in self.patient_refs if r.startswith("Patient/")
        )

    def resource(self, path: str, resource: Resource) -> None:
        kind = resource["resourceType"]
        readers: dict[str, Callable[[str, Resource], None]] = {
            "Observation": self.observation,
            "Condition": self.condition,
            "QuestionnaireResponse": self.questionnaire_response,
            "ServiceRequest": self.service_request,
            "Encounter": self.encounter,
        }
        reader = readers.get(kind)
        if reader is None:
            self.unmappable(path, resource)
            return
        self.modifiers(path, resource)
        if not self.is_patient(resource.get("subject")):
            self.problem(f"{path}.subject", "must refer to the bundle's Patient")
            return
        reader(path, resource)

    def condition(self, path: str, condition: Resource) -> None:
        clinical = code_in(codes_of(condition.get("clinicalStatus")), c.CONDITION_CLINICAL)
        verification = {code for _, code in codes_of(condition.get("verificationStatus"))}
        if clinical in NOT_CURRENT_CONDITION or verification & VOID_VERIFICATION:
            raise Skip
        if clinical is not None and clinical not in CURRENT_CONDITION:
            self.problem(f"{path}.clinicalStatus", f"unknown clinical status {clinical!r}")
            return
        codes = codes_of(condition.get("code"))
        code = code_in(codes, c.CONDITION)
        if code is None:
            self.unmappable(path, condition, f"with code {shown(codes)}")
            return
        self.append("patient.conditions", code, f"{path}.code")

    def service_request(self, path: str, request: Resource) -> None:
        if request.get("status") in {"entered-in-error", "revoked"}:
            raise Skip
        codes = codes_of(request.get("code"))
        code = code_in(codes, c.INTERVENTION)
        if request.get("doNotPerform") is not True or code is None:
            what = "other than a do-not-perform request for a careengine intervention"
            self.unmappable(path, request, what)
            return
        self.append("patient.declines", code, f"{path}.code")

    def encounter(self, path: str, encounter: Resource) -> None:
        if encounter.get("status") in VOID_STATUS:
            raise Skip
        start = (encounter.get("period") or {}).get("start")
        if start is not None:
            self.dates.append((calendar_date(start), f"{path}.period.start"))

    # --- dates -------------------------------------------------------------------------------

    def assessed_on(self) -> None:
        found = sorted({d for d, _ in self.dates})
        if len(found) > 1:
            paths = ", ".join(f"{p} = {d}" for d, p in self.dates)
            self.problem("entry", f"the assessment dates disagree ({paths})")
        elif found:
            first = next(p for d, p in self.dates if d == found[0])
            self.put("assessed_on", found[0], first)
        if self.birth_date is None:
            return
        birth, path = self.birth_date
        age = age_on(birth, found[0] if len(found) == 1 else None)
        if age is None:
            if "patient.age" not in self.where:
                self.problem(
                    path,
                    "cannot give an age: needs a full birth date and one assessment date "
                    "(or give an age Observation)",
                )
        elif "patient.age" in self.where:
            if self.data["patient"].get("age") != age:
                other = self.where["patient.age"]
                self.problem(path, f"gives age {age}, which contradicts {other}")
        else:
            self.put("patient.age", age, path)


def read_bundle(
    data: Any,
    catalog: Catalog,
    *,
    file: str | None = None,
    allow_unknown: bool = False,
    followup: bool = False,
    checker: SchemaChecker | None = None,
) -> Assessment:
    """An :class:`Assessment` from a parsed FHIR Bundle, or an AssessmentError naming each
    problem by its FHIR path. ``checker``: the engine's compiled schemas (as for
    :func:`~careengine.io.assessment.read_assessment`; built per call when not given)."""
    reader = _BundleReader(catalog, file, allow_unknown)
    assessment_data = reader.read(data)
    problems = list(reader.problems)
    assessment = None
    if "patient" in assessment_data:
        try:
            assessment = read_assessment(
                assessment_data,
                catalog,
                file=file,
                allow_unknown=allow_unknown,
                followup=followup,
                checker=checker,
            )
        except AssessmentError as exc:
            problems += [remap(p, reader.where) for p in exc.problems]
    if problems or assessment is None:
        raise AssessmentError("invalid FHIR assessment bundle", file=file, problems=problems)
    if reader.unmapped:
        assessment = attrs.evolve(
            assessment, unrecognized=(*assessment.unrecognized, *reader.unmapped)
        )
    return assessment


def load_bundle(
    path: str | Path,
    catalog: Catalog,
    *,
    allow_unknown: bool = False,
    followup: bool = False,
    checker: SchemaChecker | None = None,
) -> Assessment:
    """Read a FHIR Bundle file (JSON) and map it onto an assessment."""
    p = Path(path)
    raw = read_input(p)
    return read_bundle(
        parse_json(raw, file=p.name),
        catalog,
        file=p.name,
        allow_unknown=allow_unknown,
        followup=followup,
        checker=checker,
    )


#: re-exported: the Observation tables lived here before the Observation reader had its module
__all__ = [
    "COMPLETED_UNITS",
    "FIELD_KINDS",
    "FIELD_UNITS",
    "HLA_RESULTS",
    "USABLE_STATUS",
    "VOID_STATUS",
    "load_bundle",
    "read_bundle",
]
