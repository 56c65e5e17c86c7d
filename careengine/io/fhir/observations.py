"""Observations onto the assessment (docs/fhir.md): findings, red flags, measures, the
assessment-field codes and the LOINC codes careengine reads (pain, age, gestational age); part of
the FHIR input (:mod:`careengine.io.fhir.assessment` walks the Bundle)."""

from __future__ import annotations

import math
from typing import Any

from careengine.io.fhir import codes as c
from careengine.io.fhir.mapping_state import (
    MappingState,
    Resource,
    Skip,
    calendar_date,
    code_in,
    codes_of,
    shown,
    value_elements,
    value_path,
)
from careengine.plugins.registry import Catalog

#: Observation.status values whose result is used, and those that assert nothing.
USABLE_STATUS = {"final", "amended", "corrected", "preliminary"}
VOID_STATUS = {"entered-in-error", "cancelled"}
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


class ObservationReader(MappingState):
    """Reads Observations: each by the CodeSystem of its code, values checked for their unit and
    kind, red flags and findings with their negative results."""

    def __init__(self, catalog: Catalog, file: str | None, allow_unknown: bool) -> None:
        super().__init__(catalog, file, allow_unknown)
        #: red flag code -> (present, FHIR path of its code) of the first Observation naming it
        self.red_flags: dict[str, tuple[bool, str]] = {}

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

    def effective(self, path: str, obs: Resource) -> None:
        for key in ("effectiveDateTime", "effectiveInstant"):
            if key in obs:
                self.dates.append((calendar_date(obs[key]), f"{path}.{key}"))
        start = (obs.get("effectivePeriod") or {}).get("start")
        if start is not None:
            self.dates.append((calendar_date(start), f"{path}.effectivePeriod.start"))
