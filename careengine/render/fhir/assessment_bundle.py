"""An assessment as a FHIR R4 ``Bundle``: the inverse of :mod:`careengine.io.fhir.assessment`.

It writes exactly the shapes of the mapping table in docs/fhir.md, so that
``read_bundle(assessment_bundle(a))`` gives back ``a``. Clinic software can use it to see what
careengine expects, and the tests use it to check that FHIR input and JSON input give the same
plan. It invents nothing: an answer or date the assessment does not hold is not written.
"""

from __future__ import annotations

from typing import Any

from careengine.io.fhir import codes as c
from careengine.model import Assessment, Finding, TermKind
from careengine.plugins.registry import Catalog


class _Writer:
    def __init__(self, assessment: Assessment, catalog: Catalog) -> None:
        self.a = assessment
        self.catalog = catalog
        self.pid = assessment.patient.id
        self.patient = c.resource_id("Patient", self.pid)
        self.encounter = (
            c.resource_id("Encounter", self.pid, assessment.assessed_on)
            if assessment.assessed_on
            else None
        )
        self.resources: list[dict[str, Any]] = []
        self.count = 0

    def id(self, kind: str) -> str:
        self.count += 1
        return c.resource_id(kind, self.pid, self.a.assessed_on, str(self.count))

    def subject(self) -> dict[str, Any]:
        return c.reference(self.patient)

    def observation(
        self, codings: list[Any], value: dict[str, Any], *, category: str = "exam"
    ) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": self.id("Observation"),
            "status": "final",
            "category": [
                c.concept([(c.OBSERVATION_CATEGORY, category, None)]),
            ],
            "code": c.concept(codings),
            "subject": self.subject(),
        }
        if self.encounter:
            resource["encounter"] = c.reference(self.encounter)
            resource["effectiveDateTime"] = self.a.assessed_on
        resource |= value
        self.resources.append(resource)
        return resource

    def field(self, path: str, value: dict[str, Any], *extra: Any, category: str = "exam") -> None:
        self.observation([*extra, (c.FIELD, path, None)], value, category=category)

    # --- the parts ---------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        a = self.a
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "id": self.patient,
            "identifier": [{"system": c.PATIENT_ID, "value": self.pid}],
        }
        if a.patient.sex:
            patient["gender"] = a.patient.sex
        self.resources.append(patient)
        if self.encounter:
            self.resources.append(
                {
                    "resourceType": "Encounter",
                    "id": self.encounter,
                    "status": "finished",
                    "class": c.coding(c.ACT_CODE, "AMB", "ambulatory"),
                    "subject": self.subject(),
                    "period": {"start": a.assessed_on},
                }
            )
        if a.patient.age is not None:
            self.field("patient.age", _quantity(a.patient.age, "a"), c.AGE)
        pregnancy = a.patient.pregnancy
        if pregnancy is not None and pregnancy.gestational_week is not None:
            week = _quantity(pregnancy.gestational_week, "wk")
            self.field("patient.pregnancy.gestational_week", week, c.GESTATIONAL_AGE)
        if pregnancy is not None and pregnancy.postpartum_weeks is not None:
            weeks = _quantity(pregnancy.postpartum_weeks, "wk")
            self.field("patient.pregnancy.postpartum_weeks", weeks)
        self.episode_and_pain()
        for finding in a.findings:
            self.finding(finding)
        for code in a.unrecognized:
            self.observation([(c.FINDING, code, None)], {"valueBoolean": True})
        for code in a.red_flags:
            self.observation(
                [c.term_coding(TermKind.RED_FLAG, code, self.catalog)],
                {"valueBoolean": True},
                category="survey",
            )
        for code, value in a.measures.items():
            self.observation(
                [c.term_coding(TermKind.MEASURE, code, self.catalog)],
                {"valueQuantity": {"value": value}},
                category="survey",
            )
        hla = a.questionnaires.get("hla_b27")
        if hla is not None:
            result = c.POSITIVE if hla == "positive" else c.NEGATIVE
            self.field("questionnaires.hla_b27", {"valueCodeableConcept": c.concept([result])})
        self.response()
        for code in a.patient.conditions:
            self.condition(code)
        for code in a.patient.declines:
            self.decline(code)
        self.questionnaires()
        return {
            "resourceType": "Bundle",
            "id": c.resource_id("Bundle", self.pid, a.assessed_on, "assessment"),
            "type": "collection",
            "entry": [{"fullUrl": c.full_url(r["id"]), "resource": r} for r in self.resources],
        }

    def episode_and_pain(self) -> None:
        episode, pain = self.a.episode, self.a.pain
        if episode.duration_days is not None:
            self.field("episode.duration_days", _quantity(episode.duration_days, "d"))
        if episode.leg_symptoms is not None:
            value = c.concept([(c.LEG_SYMPTOMS, episode.leg_symptoms.value, None)])
            self.field("episode.leg_symptoms", {"valueCodeableConcept": value})
        if episode.onset_age is not None:
            self.field("episode.onset_age", _quantity(episode.onset_age, "a"))
        for name in ("current", "worst", "best"):
            value = getattr(pain, name)
            if value is not None:
                self.field(f"pain.{name}", {"valueInteger": value}, c.NPRS, category="survey")

    def finding(self, finding: Finding) -> None:
        value: dict[str, Any] = {}
        if finding.side is not None:
            value["bodySite"] = c.concept([(c.SIDE, finding.side.value, None)])
        if finding.value is not None or finding.unit is not None:
            quantity: dict[str, Any] = {}
            if finding.value is not None:
                quantity["value"] = finding.value
            if finding.unit is not None:
                quantity |= {"unit": finding.unit, "system": c.UCUM, "code": finding.unit}
            value["valueQuantity"] = quantity
            if not finding.present:
                value["interpretation"] = [c.concept([c.NEGATIVE])]
        else:
            value["valueBoolean"] = finding.present
        components = []
        if finding.severity is not None:
            components.append(
                {
                    "code": c.concept([(c.FIELD, "findings.severity", None)]),
                    "valueCodeableConcept": c.concept([(c.SEVERITY, finding.severity.value, None)]),
                }
            )
        if finding.direction is not None:
            components.append(
                {
                    "code": c.concept([(c.FIELD, "findings.direction", None)]),
                    "valueCodeableConcept": c.concept(
                        [(c.DIRECTION, finding.direction.value, None)]
                    ),
                }
            )
        if components:
            value["component"] = components
        self.observation([c.term_coding(TermKind.FINDING, finding.code, self.catalog)], value)

    def response(self) -> None:
        response = self.a.response
        if response is None:
            return
        self.field(
            "response.exercise_pain_max", {"valueInteger": response.exercise_pain_max}, c.NPRS
        )
        self.field("response.settled_within_24h", {"valueBoolean": response.settled_within_24h})
        self.field("response.adherence_percent", _quantity(response.adherence_percent, "%"))

    def condition(self, code: str) -> None:
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "id": self.id("Condition"),
            "clinicalStatus": c.concept([(c.CONDITION_CLINICAL, "active", "Active")]),
            "code": c.concept([c.term_coding(TermKind.CONDITION, code, self.catalog)]),
            "subject": self.subject(),
        }
        self.resources.append(resource)

    def decline(self, intervention_id: str) -> None:
        intervention = self.catalog.interventions.get(intervention_id)
        name = intervention.name if intervention else None
        self.resources.append(
            {
                "resourceType": "ServiceRequest",
                "id": self.id("ServiceRequest"),
                "status": "active",
                "intent": "directive",
                "doNotPerform": True,
                "code": c.concept([(c.INTERVENTION, intervention_id, name)], text=name),
                "subject": self.subject(),
                "requester": self.subject(),
            }
        )

    def questionnaires(self) -> None:
        q = self.a.questionnaires
        if "startback" in q:
            items = [_answer(str(n), {"valueBoolean": True}) for n in q["startback"]["agree"]]
            bother = q["startback"]["bothersomeness"]
            items.append(_answer("9", {"valueCoding": c.coding(c.BOTHERSOMENESS, bother)}))
            self.questionnaire("startback", items)
        for key, field in (("odi", "sections"), ("fabq", "answers")):
            if key in q:
                self.questionnaire(
                    key,
                    [
                        _answer(str(n), None if v is None else {"valueInteger": v})
                        for n, v in enumerate(q[key][field], 1)
                    ],
                )
        if "axspa_features" in q:
            self.questionnaire(
                "axspa_features",
                [_answer(f, {"valueBoolean": True}) for f in q["axspa_features"]],
            )

    def questionnaire(self, key: str, items: list[dict[str, Any]]) -> None:
        resource: dict[str, Any] = {
            "resourceType": "QuestionnaireResponse",
            "id": self.id("QuestionnaireResponse"),
            "questionnaire": c.QUESTIONNAIRES[key],
            "status": "completed",
            "subject": self.subject(),
        }
        if self.encounter:
            resource["encounter"] = c.reference(self.encounter)
            resource["authored"] = self.a.assessed_on
        if items:
            resource["item"] = items
        self.resources.append(resource)


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit, "system": c.UCUM, "code": unit}}


def _answer(link_id: str, value: dict[str, Any] | None) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": link_id}
    if value is not None:
        item["answer"] = [value]
    return item


def assessment_bundle(assessment: Assessment, catalog: Catalog) -> dict[str, Any]:
    """The assessment as a FHIR R4 collection Bundle of plain JSON data (docs/fhir.md)."""
    return _Writer(assessment, catalog).build()
