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

import math
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
    value_elements,
    value_path,
)
from careengine.io.fhir.questionnaires import QuestionnaireReader
from careengine.io.json_text import parse_json, read_input
from careengine.model import Assessment
from careengine.plugins.registry import Catalog

if TYPE_CHECKING:
    from careengine.io.schema_check import SchemaChecker

#: Observation.status values whose result is used, and those that assert nothing.
USABLE_STATUS = {"final", "amended", "corrected", "preliminary"}
VOID_STATUS = {"entered-in-error", "cancelled"}
#: Condition.clinicalStatus values that make a condition current; the others assert nothing.
CURRENT_CONDITION = {"active", "recurrence", "relapse"}
NOT_CURRENT_CONDITION = {"inactive", "remission", "resolved"}
VOID_VERIFICATION = {"refuted", "entered-in-error"}
#: UCUM unit codes accepted for the fields measured in time.
FIELD_UNITS = {
    "patient.age": "a",
    "episode.onset_age": "a",
    "episode.duration_days": "d",
    "patient.pregnancy.gestational_week": "wk",
    "patient.pregnancy.postpartum_weeks": "wk",
}
#: Fields counted in completed whole units: a fraction is dropped (24.6 weeks of gestation is
#: gestational week 24, the obstetric convention).
COMPLETED_UNITS = {"patient.pregnancy.gestational_week", "patient.pregnancy.postpartum_weeks"}
#: Fields of the assessment-field CodeSystem and how their values are read.
FIELD_KINDS = {
    "patient.age": "number",
    "patient.pregnancy.gestational_week": "number",
    "patient.pregnancy.postpartum_weeks": "number",
    "episode.duration_days": "number",
    "episode.onset_age": "number",
    "episode.leg_symptoms": c.LEG_SYMPTOMS,
    "pain.current": "number",
    "pain.worst": "number",
    "pain.best": "number",
    "questionnaires.hla_b27": c.INTERPRETATION,
    "response.exercise_pain_max": "number",
    "response.settled_within_24h": "boolean",
    "response.adherence_percent": "number",
}
HLA_RESULTS = {"POS": "positive", "NEG": "negative"}


class _BundleReader(QuestionnaireReader):
    def __init__(self, catalog: Catalog, file: str | None, allow_unknown: bool) -> None:
        super().__init__(catalog, file, allow_unknown)
        self.patient_refs: set[str] = set()
        self.birth_date: tuple[str, str] | None = None
        #: red flag code -> (present, FHIR path of its code) of the first Observation naming it
        self.red_flags: dict[str, tuple[bool, str]] = {}

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

    # --- resources ---------------------------------------------------------------------------

    def observation(self, path: str, obs: Resource) -> None:
        status = obs.get("status")
        if status in VOID_STATUS:
            raise Skip
        if "dataAbsentReason" in obs:
            if value_elements(obs):
                self.problem(
                    f"{path}.dataAbsentReason",
                    "violates FHIR invariant obs-6: an Observation with a value must not carry "
                    "a dataAbsentReason (careengine cannot tell whether the value holds)",
                )
                return
            raise Skip
        if status not in USABLE_STATUS:
            self.problem(f"{path}.status", f"{status!r} has no usable result")
            return
        codes = codes_of(obs.get("code"))
        systems = {s for s, _ in codes}
        ours = systems & {c.FINDING, c.RED_FLAG, c.MEASURE, c.FIELD}
        if len(ours) > 1:
            self.problem(f"{path}.code", "has codes from more than one careengine CodeSystem")
            return
        standard = [k for s, k in codes if (s, k) in {(c.LOINC, c.NPRS[1]), (c.LOINC, c.AGE[1])}]
        if (standard and not self.agrees(ours, codes, standard[0])) or len(set(standard)) > 1:
            self.problem(
                f"{path}.code",
                f"has codings that name different things ({shown(codes)}); careengine cannot "
                "tell which one is meant",
            )
            return
        self.effective(path, obs)
        code_path = f"{path}.code"
        if c.FINDING in ours:
            finding_code = code_in(codes, c.FINDING)
            assert finding_code is not None  # its system is one of the codes' systems
            self.finding(path, obs, finding_code)
        elif c.RED_FLAG in ours:
            if value_elements(obs) - {"valueBoolean"}:
                self.problem(path, "a red flag's value must be valueBoolean (or none)")
            else:
                self.red_flag(code_path, str(code_in(codes, c.RED_FLAG)), self.present(path, obs))
        elif c.MEASURE in ours:
            value = self.number(path, obs, None)
            if value is not None:
                self.put(f"measures.{code_in(codes, c.MEASURE)}", value, value_path(path, obs))
        elif c.FIELD in ours:
            field_name = code_in(codes, c.FIELD)
            assert field_name is not None  # its system is one of the codes' systems
            self.field(path, obs, field_name)
        elif (c.LOINC, c.NPRS[1]) in codes:
            self.field(path, obs, "pain.current")
        elif (c.LOINC, c.AGE[1]) in codes:
            self.field(path, obs, "patient.age")
        elif (c.LOINC, c.GESTATIONAL_AGE[1]) in codes:
            self.field(path, obs, "patient.pregnancy.gestational_week")
        else:
            self.unmappable(path, obs, f"with code {shown(codes)}")

    @staticmethod
    def agrees(ours: set[str], codes: list[tuple[str, str]], loinc: str) -> bool:
        """Whether a LOINC code read by careengine names what the careengine code does (LOINC
        72514-3, a 0-10 pain score, goes with ``pain.*`` and ``response.exercise_pain_max``;
        30525-0 with ``patient.age``)."""
        if not ours:
            return True
        field = code_in(codes, c.FIELD) if ours == {c.FIELD} else None
        if field is None:
            return False
        if loinc == c.NPRS[1]:
            return field.startswith("pain.") or field == "response.exercise_pain_max"
        return field == "patient.age"

    def red_flag(self, code_path: str, code: str, present: bool) -> None:
        """A red flag present (listed) or screened negative (left out); two Observations that
        disagree are a problem, one that repeats another adds nothing."""
        seen = self.red_flags.get(code)
        if seen is None:
            self.red_flags[code] = (present, code_path)
            if present:
                self.append("red_flags", code, code_path)
        elif seen[0] != present:
            state = "present" if present else "screened negative"
            other = "present" if seen[0] else "screened negative"
            self.problem(
                code_path,
                f"red flag {code!r} is recorded {state} here but {other} at {seen[1]}",
            )

    def field(self, path: str, obs: Resource, name: str) -> None:
        kind = FIELD_KINDS.get(name)
        if kind is None:
            self.problem(f"{path}.code", f"unknown careengine assessment field {name!r}")
            return
        value: Any
        if kind == "number":
            value = self.number(path, obs, FIELD_UNITS.get(name))
            if name in COMPLETED_UNITS and isinstance(value, float) and value >= 0:
                value = math.floor(value) if math.isfinite(value) else value
        elif kind == "boolean":
            value = obs.get("valueBoolean")
            if not isinstance(value, bool):
                self.problem(path, f"{name} needs valueBoolean")
                return
        else:
            value = code_in(codes_of(obs.get("valueCodeableConcept")), kind)
            if value is None:
                self.problem(path, f"{name} needs valueCodeableConcept with a code from {kind}")
                return
            if name == "questionnaires.hla_b27":
                value = HLA_RESULTS.get(value, value)
        if value is not None:
            self.put(name, value, value_path(path, obs))

    def number(self, path: str, obs: Resource, unit: str | None) -> Any:
        if "valueInteger" in obs:
            return obs["valueInteger"]
        quantity = obs.get("valueQuantity")
        if not isinstance(quantity, dict) or "value" not in quantity:
            self.problem(path, "needs valueInteger or valueQuantity with a value")
            return None
        given = quantity.get("code", quantity.get("unit"))
        if unit is not None and given != unit:
            self.problem(f"{path}.valueQuantity", f"unit must be UCUM {unit!r}, not {given!r}")
            return None
        return quantity["value"]

    def present(self, path: str, obs: Resource) -> bool:
        """Whether the observation says "present": valueBoolean and interpretation POS/NEG
        (neither: present, since the Observation records the code)."""
        codes = [x for i in obs.get("interpretation") or () for x in codes_of(i)]
        known = {(c.POSITIVE[0], c.POSITIVE[1]), (c.NEGATIVE[0], c.NEGATIVE[1])}
        for system, code in codes:
            if (system, code) not in known:
                self.problem(
                    f"{path}.interpretation",
                    f"only {c.INTERPRETATION} POS or NEG is understood, not {system}|{code}",
                )
        negative = (c.NEGATIVE[0], c.NEGATIVE[1]) in codes
        positive = (c.POSITIVE[0], c.POSITIVE[1]) in codes
        value = obs.get("valueBoolean")
        if (positive and negative) or (value is True and negative) or (value is False and positive):
            self.problem(f"{path}.interpretation", "contradicts itself or valueBoolean")
        return value is not False and not negative

    def finding(self, path: str, obs: Resource, code: str) -> None:
        finding: dict[str, Any] = {"code": code}
        where = {"code": f"{path}.code"}
        if "bodySite" in obs:
            side = code_in(codes_of(obs["bodySite"]), c.SIDE)
            if side is None:
                self.problem(f"{path}.bodySite", f"needs a side code from {c.SIDE}")
                return
            finding["side"] = side
            where["side"] = f"{path}.bodySite"
        quantity = obs.get("valueQuantity")
        if isinstance(quantity, dict):
            if "value" in quantity:
                finding["value"] = quantity["value"]
                where["value"] = f"{path}.valueQuantity.value"
            if "code" in quantity or "unit" in quantity:
                finding["unit"] = quantity.get("code", quantity.get("unit"))
                where["unit"] = f"{path}.valueQuantity"
        elif value_elements(obs) - {"valueBoolean"}:
            self.problem(path, "a finding's value must be valueBoolean or valueQuantity")
        if not self.present(path, obs):
            finding["present"] = False
            where["present"] = path
        for i, component in enumerate(obs.get("component") or ()):
            if "dataAbsentReason" in component and value_elements(component):
                self.problem(
                    f"{path}.component[{i}].dataAbsentReason",
                    "a component with a value must not carry a dataAbsentReason (as obs-6 "
                    "requires of the Observation)",
                )
                return
            name = code_in(codes_of(component.get("code")), c.FIELD)
            system = {"findings.severity": c.SEVERITY, "findings.direction": c.DIRECTION}.get(
                name or ""
            )
            if system is None:
                listed = shown(codes_of(component.get("code")))
                self.unmappable(f"{path}.component[{i}]", obs, f"component {listed}")
                continue
            key = str(name).split(".")[1]
            finding[key] = code_in(codes_of(component.get("valueCodeableConcept")), system)
            where[key] = f"{path}.component[{i}]"
            if finding[key] is None:
                self.problem(where[key], f"needs a valueCodeableConcept from {system}")
        index = len(self.data.get("findings", []))
        self.append("findings", finding, path)
        for key, fhir_path in where.items():
            self.where[f"findings[{index}].{key}"] = fhir_path

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

    def effective(self, path: str, obs: Resource) -> None:
        for key in ("effectiveDateTime", "effectiveInstant"):
            if key in obs:
                self.dates.append((calendar_date(obs[key]), f"{path}.{key}"))
        start = (obs.get("effectivePeriod") or {}).get("start")
        if start is not None:
            self.dates.append((calendar_date(start), f"{path}.effectivePeriod.start"))

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
