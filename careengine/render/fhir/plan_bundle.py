"""The plan as a FHIR R4 ``Bundle`` (type ``collection``) of plain JSON dicts (docs/fhir.md).

Shape (docs/fhir.md explains the choice):

* a ``CarePlan`` for the whole plan: narrative, ``goal`` -> every Goal, ``supportingInfo`` ->
  the DetectedIssues, ``author`` -> a Device naming careengine and its rule set, and
  ``activity`` -> the RequestGroup, then the referrals and the do-not-perform requests;
* a ``RequestGroup`` with one action per stage, in order: action ``n+1`` has a
  ``relatedAction`` ``after-end`` of action ``n``, and its ``resource`` is the stage's CarePlan;
* per stage, a ``CarePlan`` (``partOf`` the whole plan) whose ``goal`` lists the stage's Goals
  and whose ``activity`` lists one ServiceRequest per item, in plan order.

Every id is a name-based UUID of the patient id, the assessment date and the resource's place in
the plan (:func:`careengine.io.fhir.codes.resource_id`), so the same plan gives the same bundle.
"""

from __future__ import annotations

import json
import re
from typing import Any

from careengine.io.fhir import codes as c
from careengine.model import (
    Alert,
    Because,
    Dosage,
    Exclusion,
    InterventionKind,
    Plan,
    PlanItem,
    PlanStatus,
    Referral,
    StagePlan,
    TermKind,
)
from careengine.plugins.registry import Catalog, RenderContext
from careengine.render.fhir.narrative import patient_instruction, plan_narrative, stage_narrative

#: "at or below 5/10" or "3/10 or less": an upper bound on the 0-10 pain scale.
_PAIN_BOUND = re.compile(r"\bat or below (\d+)/10\b|\b(\d+)/10 or less\b")


class _Builder:
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

    # --- the parts ---------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        plan = self.plan
        issues = [self.detected_issue(i, alert) for i, alert in enumerate(plan.alerts)]
        requests = [self.referral(i, r) for i, r in enumerate(plan.referrals)]
        requests += [self.excluded(e) for e in plan.excluded]
        group = self.id("RequestGroup")
        staged: list[dict[str, Any]] = []
        stage_plans: list[str] = []
        for number, stage in enumerate(plan.stages, 1):
            resources = self.stage(number, stage)
            stage_plans.append(resources[0]["id"])
            staged += resources
        goals = [r["id"] for r in staged if r["resourceType"] == "Goal"]
        resources = [
            self.whole_plan(group, goals, [r["id"] for r in issues], [r["id"] for r in requests]),
            self.request_group(group, stage_plans),
            *staged,
            *requests,
            *issues,
            self.patient_resource(),
            self.device_resource(),
        ]
        return {
            "resourceType": "Bundle",
            "id": self.id("Bundle"),
            "type": "collection",
            "entry": [{"fullUrl": c.full_url(r["id"]), "resource": r} for r in resources],
        }

    def whole_plan(
        self, group: str, goals: list[str], issues: list[str], requests: list[str]
    ) -> dict[str, Any]:
        plan = self.plan
        resource: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": self.careplan,
            "extension": [{"url": c.EXT_CURRENT_STAGE, "valueCode": plan.current_stage}],
            "text": plan_narrative(plan),
            "status": "draft",
            "intent": "proposal",
            "category": [c.concept([c.ASSESS_PLAN])],
            "title": f"Care plan for {plan.patient_id}",
            "description": self.description(),
            "subject": self.subject(),
        }
        if plan.assessed_on:
            resource["period"] = {"start": plan.assessed_on}
        resource["author"] = c.reference(self.device, "careengine")
        if issues:
            resource["supportingInfo"] = [c.reference(i) for i in issues]
        if goals:
            resource["goal"] = [c.reference(g) for g in goals]
        resource["activity"] = [{"reference": c.reference(group)}] + [
            {"reference": c.reference(r)} for r in requests
        ]
        notes = self.notes()
        if notes:
            resource["note"] = [{"text": n} for n in notes]
        return resource

    def description(self) -> str:
        plan = self.plan
        stages = [s.id for s in plan.stages]
        text = "Staged care plan proposed by careengine for a clinician to review."
        if plan.current_stage in stages:
            current = plan.stages[stages.index(plan.current_stage)]
            text += (
                f" Current stage: {current.title} "
                f"(stage {stages.index(plan.current_stage) + 1} of {len(stages)})."
            )
        if plan.status is PlanStatus.REFERRAL:
            text += " Treatment is withheld pending medical review."
        return text

    def notes(self) -> list[str]:
        plan = self.plan
        notes = [
            f"Reassessment: {p.decision.value} from {p.from_stage} to {p.to_stage}"
            + (f" ({'; '.join(p.reasons)})" if p.reasons else "")
            for p in (*plan.history, *((plan.progression,) if plan.progression else ()))
        ]
        notes += [f"Deferred {d.intervention} ({d.stage}): {d.reason}" for d in plan.deferred]
        notes += [
            f"Conflict ({k.kind}) between {', '.join(k.interventions)}: {k.resolution}"
            for k in plan.conflicts
        ]
        if plan.unaddressed:
            notes.append("Findings no item addresses: " + ", ".join(plan.unaddressed))
        if plan.unrecognized:
            notes.append("Unrecognized input: " + "; ".join(plan.unrecognized))
        for name in sorted(plan.classifications):
            block = plan.classifications[name]
            values = ", ".join(f"{k} {_plain(v)}" for k, v in block.items() if k != "missing")
            notes.append(f"Classification {name}: {values}")
        return notes

    def request_group(self, group: str, stage_plans: list[str]) -> dict[str, Any]:
        actions = []
        pairs = zip(self.plan.stages, stage_plans, strict=True)
        for number, (stage, stage_plan) in enumerate(pairs, 1):
            action: dict[str, Any] = {
                "id": f"stage-{number}",
                "prefix": f"Stage {number}",
                "title": stage.title,
                "code": [c.concept([(c.STAGE, stage.id, stage.title)])],
            }
            if stage.progress_when:
                action["description"] = "Move on when: " + "; ".join(stage.progress_when)
            if number > 1:
                action["relatedAction"] = [
                    {"actionId": f"stage-{number - 1}", "relationship": "after-end"}
                ]
            action["resource"] = c.reference(stage_plan, stage.title)
            actions.append(action)
        return {
            "resourceType": "RequestGroup",
            "id": group,
            "basedOn": [c.reference(self.careplan)],
            "status": "draft",
            "intent": "proposal",
            "subject": self.subject(),
            "author": c.reference(self.device, "careengine"),
            "action": actions,
        }

    def stage(self, number: int, stage: StagePlan) -> list[dict[str, Any]]:
        """The stage's CarePlan, then its Goals and its item requests."""
        rid = self.id("CarePlan", "stage", stage.id)
        goals = [self.goal(stage, "stage-goal", i, text) for i, text in enumerate(stage.goals)]
        goals += [
            self.goal(stage, "progression-criterion", i, text)
            for i, text in enumerate(stage.progress_when)
        ]
        items = [self.item(rid, stage, item) for item in stage.items]
        resource: dict[str, Any] = {
            "resourceType": "CarePlan",
            "id": rid,
            "text": stage_narrative(number, stage),
            "status": "draft",
            "intent": "proposal",
            "category": [c.concept([c.ASSESS_PLAN])],
            "title": f"Stage {number}: {stage.title}",
            "partOf": [c.reference(self.careplan)],
            "subject": self.subject(),
            "author": c.reference(self.device, "careengine"),
        }
        if goals:
            resource["goal"] = [c.reference(g["id"]) for g in goals]
        if items:
            resource["activity"] = [{"reference": c.reference(i["id"])} for i in items]
        return [resource, *goals, *items]

    def goal(self, stage: StagePlan, kind: str, index: int, text: str) -> dict[str, Any]:
        rid = self.id("Goal", stage.id, kind, str(index))
        resource: dict[str, Any] = {
            "resourceType": "Goal",
            "id": rid,
            "lifecycleStatus": "proposed",
            "category": [
                c.concept([(c.GOAL_CATEGORY, "physiotherapy", "Physiotherapy")]),
                c.concept([(c.GOAL_KIND, kind, kind.replace("-", " "))]),
            ],
            "description": {"text": text},
            "subject": self.subject(),
        }
        bound = pain_bound(text) if kind == "progression-criterion" else None
        if bound is not None:
            resource["target"] = [
                {
                    "measure": c.concept([c.NPRS]),
                    "detailQuantity": {
                        "value": bound,
                        "comparator": "<=",
                        "unit": "score",
                        "system": c.UCUM,
                        "code": "{score}",
                    },
                }
            ]
        resource["note"] = [{"text": f"Stage: {stage.title}"}]
        return resource

    # --- requests ----------------------------------------------------------------------------

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
        extensions = [_dosage_extension(item.dosage)] if _dosage_fields(item.dosage) else []
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

    def detected_issue(self, index: int, alert: Alert) -> dict[str, Any]:
        rid = self.id("DetectedIssue", str(index), alert.code)
        resource: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": rid,
            "extension": [{"url": c.EXT_ALERT_LEVEL, "valueCode": alert.level.value}]
            + [_because_extension(b) for b in alert.because],
            "status": "preliminary",
            "code": c.concept([(c.ALERT, alert.code, None)], text=alert.message),
            "severity": c.SEVERITY_OF_LEVEL[alert.level],
            "patient": self.subject(),
        }
        if self.plan.assessed_on:
            resource["identifiedDateTime"] = self.plan.assessed_on
        resource["author"] = c.reference(self.device, "careengine")
        matched = sorted({m for b in alert.because for m in b.matched})
        if matched:
            resource["evidence"] = [
                {"code": [c.concept([c.fact_coding(m, self.catalog)]) for m in matched]}
            ]
        resource["detail"] = alert.message
        return resource

    # --- who ---------------------------------------------------------------------------------

    def patient_resource(self) -> dict[str, Any]:
        return {
            "resourceType": "Patient",
            "id": self.patient,
            "identifier": [{"system": c.PATIENT_ID, "value": self.plan.patient_id}],
        }

    def device_resource(self) -> dict[str, Any]:
        prov = self.plan.provenance
        versions: list[dict[str, Any]] = [
            {"type": {"text": "engine"}, "value": prov.engine_version},
            {"type": {"text": "rule set fingerprint"}, "value": prov.fingerprint},
            {"type": {"text": "rule backend"}, "value": prov.backend},
        ]
        versions += [
            {"type": {"text": f"plugin {name}"}, "value": version}
            for name, version in prov.plugins.items()
        ]
        versions += [
            {"type": {"text": f"rule pack {pack}"}, "value": f"{info.version} sha256:{info.sha256}"}
            for pack, info in prov.packs.items()
        ]
        return {
            "resourceType": "Device",
            "id": self.device,
            "deviceName": [{"name": "careengine", "type": "user-friendly-name"}],
            "version": versions,
        }


# --- helpers -------------------------------------------------------------------------------------

#: Dosage field -> sub-extension url of the dosage extension.
_DOSAGE_FIELDS = {
    "sets": "sets",
    "reps": "reps",
    "hold_seconds": "holdSeconds",
    "minutes": "minutes",
    "per_week": "perWeek",
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


def _plain(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def pain_bound(text: str) -> int | None:
    """The 0-10 pain bound a criterion states, when it is one plain upper bound on pain.

    A criterion with another alternative ("..., or is 3/10 or less") has no single target and
    gives ``None``, as does any criterion that is not about pain.
    """
    matches = list(_PAIN_BOUND.finditer(text))
    if len(matches) != 1 or "pain" not in text.lower():
        return None
    rest = text[: matches[0].start()] + text[matches[0].end() :]
    if re.search(r"\bor\b", rest):
        return None
    value = int(matches[0].group(1) or matches[0].group(2))
    return value if 0 <= value <= 10 else None


def _dosage_fields(dosage: Dosage) -> list[tuple[str, int]]:
    return [(f, getattr(dosage, f)) for f in _DOSAGE_FIELDS if getattr(dosage, f) is not None]


def _dosage_extension(dosage: Dosage) -> dict[str, Any]:
    return {
        "url": c.EXT_DOSAGE,
        "extension": [
            {"url": _DOSAGE_FIELDS[name], "valueInteger": value}
            for name, value in _dosage_fields(dosage)
        ],
    }


def _timing(dosage: Dosage) -> dict[str, Any] | None:
    repeat: dict[str, Any] = {}
    if dosage.minutes:
        repeat |= {"duration": dosage.minutes, "durationUnit": "min"}
    if dosage.per_week:
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


def plan_bundle(plan: Plan, catalog: Catalog) -> dict[str, Any]:
    """The plan as a FHIR R4 collection Bundle (plain JSON data)."""
    return _Builder(plan, catalog).build()


def render_fhir(plan: Plan, context: RenderContext) -> str:
    """The ``fhir`` output format: the bundle as JSON, keys in a fixed order."""
    return json.dumps(plan_bundle(plan, context.catalog), indent=2, ensure_ascii=False) + "\n"
