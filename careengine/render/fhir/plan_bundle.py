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
from careengine.model import Alert, Plan, PlanStatus, StagePlan
from careengine.plugins.registry import Catalog, RenderContext
from careengine.render.fhir.narrative import plan_narrative, stage_narrative
from careengine.render.fhir.service_requests import RequestBuilder, _because_extension
from careengine.render.shown_numbers import shown_json

#: "at or below 5/10" or "3/10 or less": an upper bound on the 0-10 pain scale.
_PAIN_BOUND = re.compile(r"\bat or below (\d+)/10\b|\b(\d+)/10 or less\b")


class _Builder(RequestBuilder):
    """The whole bundle: the CarePlans, the RequestGroup of stages, Goals, DetectedIssues, the
    Patient and the Device, around the ServiceRequests of :class:`RequestBuilder`."""

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
        notes += [
            f"Recorded but not used ({n.kind.value} {n.code}): {n.reason}" for n in plan.not_used
        ]
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


def _plain(value: Any) -> str:
    """A classification value in the narrative note, numbers rounded for reading."""
    return shown_json(value) if not isinstance(value, str) else value


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


def plan_bundle(plan: Plan, catalog: Catalog) -> dict[str, Any]:
    """The plan as a FHIR R4 collection Bundle (plain JSON data)."""
    return _Builder(plan, catalog).build()


def render_fhir(plan: Plan, context: RenderContext) -> str:
    """The ``fhir`` output format: the bundle as JSON, keys in a fixed order."""
    return json.dumps(plan_bundle(plan, context.catalog), indent=2, ensure_ascii=False) + "\n"
