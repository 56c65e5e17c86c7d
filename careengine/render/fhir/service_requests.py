"""The ServiceRequests of the FHIR plan (docs/fhir.md): one per plan item (dosage, timing, the
rules behind it, the patient instruction), per referral and per excluded intervention
(``doNotPerform``); :mod:`careengine.render.fhir.plan_bundle` builds the CarePlans around them."""

from __future__ import annotations

from typing import Any

from careengine.io.fhir import codes as c
from careengine.model import (
    Because,
    Dosage,
    Exclusion,
    InterventionKind,
    Plan,
    PlanItem,
    Referral,
    StagePlan,
    TermKind,
)
from careengine.plugins.registry import Catalog
from careengine.render.fhir.narrative import patient_instruction


class RequestBuilder:
    """The ids every resource of one plan's bundle shares, and the plan's ServiceRequests."""

    def __init__(self, plan: Plan, catalog: Catalog) -> None:
        self.plan = plan
        self.catalog = catalog
        self.patient = c.resource_id("Patient", plan.patient_id)
        prov = plan.provenance
        self.device = c.resource_id("Device", prov.engine_version, prov.fingerprint, prov.backend)
        self.careplan = self.id("CarePlan")

    def id(self, *parts: str) -> str:
        """An id unique to this plan (patient and assessment date) and ``parts``."""
        return c.resource_id(*parts[:1], self.plan.patient_id, self.plan.assessed_on, *parts[1:])

    def subject(self) -> dict[str, Any]:
        return c.reference(self.patient, self.plan.patient_id)

    def intervention_code(self, intervention_id: str, name: str) -> dict[str, Any]:
        intervention = self.catalog.interventions.get(intervention_id)
        kind = intervention.kind if intervention else None
        codings: list[Any] = [c.KIND_CODE[kind]] if kind in c.KIND_CODE else []
        codings.append((c.INTERVENTION, intervention_id, name))
        if intervention:
            codings += [(x.system, x.code, x.display) for x in intervention.codings]
        return c.concept(codings, text=name)

    def request(self, rid: str, kind: InterventionKind | None, based_on: str) -> dict[str, Any]:
        resource: dict[str, Any] = {"resourceType": "ServiceRequest", "id": rid}
        resource["status"] = "draft"
        resource["intent"] = "proposal"
        if kind is not None:
            resource["category"] = [c.concept([c.KIND_CATEGORY[kind]])]
        resource["subject"] = self.subject()
        resource["basedOn"] = [c.reference(based_on)]
        resource["requester"] = c.reference(self.device, "careengine")
        return resource

    def item(self, stage_plan: str, stage: StagePlan, item: PlanItem) -> dict[str, Any]:
        rid = self.id("ServiceRequest", "item", stage.id, item.intervention)
        resource = self.request(rid, item.kind, stage_plan)
        dosed = _dosage_fields(item.dosage) or item.dosage.setting is not None
        extensions = [_dosage_extension(item.dosage)] if dosed else []
        extensions += [_because_extension(b) for b in item.because]
        if item.progressed_from:
            extensions.append({"url": c.EXT_PROGRESSED_FROM, "valueCode": item.progressed_from})
        if extensions:
            resource["extension"] = extensions
        if item.kind is InterventionKind.REFERRAL:
            resource["priority"] = "routine"  # a plan item carries no urgency of its own
        resource["code"] = self.intervention_code(item.intervention, item.name)
        timing = _timing(item.dosage)
        if timing:
            resource["occurrenceTiming"] = timing
        if item.kind is InterventionKind.EXERCISE:
            resource["performer"] = [self.subject()]
        if item.addresses:
            resource["reasonCode"] = [
                c.concept([c.term_coding(TermKind.FINDING, code, self.catalog)])
                for code in item.addresses
            ]
        notes = [_because_note(b) for b in item.because]
        notes += [f"Precaution: {p.text}" for p in item.precautions]
        if item.progressed_from:
            notes.append(f"Progressed from {item.progressed_from}")
        if notes:
            resource["note"] = [{"text": n} for n in notes]
        resource["patientInstruction"] = patient_instruction(item, self.catalog)
        return _ordered(resource)

    def referral(self, index: int, referral: Referral) -> dict[str, Any]:
        rid = self.id("ServiceRequest", "referral", str(index), referral.to)
        resource = self.request(rid, InterventionKind.REFERRAL, self.careplan)
        resource["priority"] = c.PRIORITY_OF_URGENCY[referral.urgency]
        resource["code"] = {"text": f"Referral to {referral.to}"}
        resource["performerType"] = {"text": referral.to}
        resource["reasonCode"] = [{"text": referral.reason}]
        return _ordered(resource)

    def excluded(self, exclusion: Exclusion) -> dict[str, Any]:
        rid = self.id("ServiceRequest", "excluded", exclusion.intervention)
        intervention = self.catalog.interventions.get(exclusion.intervention)
        resource = self.request(rid, intervention.kind if intervention else None, self.careplan)
        resource["doNotPerform"] = True
        name = intervention.name if intervention else exclusion.intervention
        resource["code"] = self.intervention_code(exclusion.intervention, name)
        resource["reasonCode"] = [{"text": reason} for reason in exclusion.reasons]
        return _ordered(resource)


#: Whole-number dosage field -> sub-extension url of the dosage extension (``setting`` is a code).
_DOSAGE_FIELDS = {
    "sets": "sets",
    "reps": "reps",
    "hold_seconds": "holdSeconds",
    "minutes": "minutes",
    "per_week": "perWeek",
    "times_per_day": "timesPerDay",
    "weeks": "weeks",
}
_RESOURCE_ORDER = (
    "resourceType",
    "id",
    "extension",
    "status",
    "intent",
    "category",
    "priority",
    "doNotPerform",
    "code",
    "subject",
    "basedOn",
    "occurrenceTiming",
    "requester",
    "performerType",
    "performer",
    "reasonCode",
    "note",
    "patientInstruction",
)


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    """A request's keys in one fixed order (the order of the FHIR element definitions)."""
    return {k: resource[k] for k in _RESOURCE_ORDER if k in resource}


def _dosage_fields(dosage: Dosage) -> list[tuple[str, int]]:
    return [(f, getattr(dosage, f)) for f in _DOSAGE_FIELDS if getattr(dosage, f) is not None]


def _dosage_extension(dosage: Dosage) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": _DOSAGE_FIELDS[name], "valueInteger": value}
        for name, value in _dosage_fields(dosage)
    ]
    if dosage.setting is not None:
        parts.append({"url": "setting", "valueCode": dosage.setting.value})
    return {"url": c.EXT_DOSAGE, "extension": parts}


def _timing(dosage: Dosage) -> dict[str, Any] | None:
    """``Timing.repeat``: bouts a day as a frequency per ``d`` (on every day, or the week's total
    per ``wk`` when the days a week are fewer than seven; the dosage extension keeps the split),
    else sessions per ``wk``; minutes as the duration; weeks as ``boundsDuration``."""
    repeat: dict[str, Any] = {}
    if dosage.weeks:
        repeat["boundsDuration"] = {
            "value": dosage.weeks,
            "unit": "wk",
            "system": c.UCUM,
            "code": "wk",
        }
    if dosage.minutes:
        repeat |= {"duration": dosage.minutes, "durationUnit": "min"}
    if dosage.times_per_day and dosage.per_week not in (None, 7):
        repeat |= {"frequency": dosage.times_per_day * dosage.per_week, "period": 1}
        repeat["periodUnit"] = "wk"
    elif dosage.times_per_day:
        repeat |= {"frequency": dosage.times_per_day, "period": 1, "periodUnit": "d"}
    elif dosage.per_week:
        repeat |= {"frequency": dosage.per_week, "period": 1, "periodUnit": "wk"}
    return {"repeat": repeat} if repeat else None


def _because_extension(because: Because) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "rule", "valueString": because.rule},
        {"url": "pack", "valueString": because.pack},
        {"url": "packVersion", "valueString": because.pack_version},
        {"url": "plugin", "valueString": because.plugin},
    ]
    parts += [{"url": "matched", "valueString": m} for m in because.matched]
    if because.rationale:
        parts.append({"url": "rationale", "valueString": because.rationale})
    return {"url": c.EXT_BECAUSE, "extension": parts}


def _because_note(because: Because) -> str:
    text = (
        f"Rule {because.rule} (pack {because.pack} {because.pack_version}, plugin {because.plugin})"
    )
    if because.matched:
        text += f" matched {', '.join(because.matched)}"
    return text + (f": {because.rationale}" if because.rationale else "")
