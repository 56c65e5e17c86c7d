"""A plan as CDS Hooks 2.0 cards (docs/cds-hooks.md, "Cards").

At most four cards, in this order, each keyed by its ``source.topic`` code:

* ``red-flags``: the emergency and urgent alerts and referrals; ``critical`` when any is an
  emergency, else ``warning``; no suggestion;
* ``treatment-withheld`` (``warning``): red flags withhold treatment; it lists what the rules
  proposed and what is not offered; no suggestion, so nothing that creates treatment;
* ``contraindications`` (``warning``): interventions left out because the patient has a
  condition that contraindicates them (the catalog's absolute contraindications);
* ``care-plan`` (``info``): the proposed plan, when treatment is not withheld, with ONE
  suggestion whose ``create`` actions carry the draft plan's resources
  (:func:`careengine.fhir.plan_bundle`) without the Patient, which the EHR holds (references
  to it become ``Patient/<patient id>``), and without careengine's Device (references to it keep
  only a ``display``; the card's ``source`` and ``detail`` carry the same provenance). The
  other references are ``urn:uuid:<id>`` of another created resource (docs/fhir.md
  section 1.5): a client applying the suggestion as one transaction gives each resource the
  ``fullUrl`` ``urn:uuid:<its id>``.

Every card offers the same override reasons (:class:`OverrideReason`), so feedback can be
counted per reason. Card and suggestion ``uuid`` are UUID v5 of ``hookInstance`` and the card's
key: the same plan and hookInstance give the same JSON.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from careengine.model import Alert, AlertLevel, Because, Plan, PlanStatus, Referral, Urgency
from careengine.plugins.registry import Catalog
from careengine.render.fhir.plan_bundle import plan_bundle
from careengine.render.serialize import dumps
from careengine.service import card_detail as d
from careengine.service.records import Indicator, IssuedCard

__all__ = [
    "CARD_NAMESPACE",
    "CONTRAINDICATION_RULE_PREFIX",
    "OVERRIDE_REASON_SYSTEM",
    "TOPIC_SYSTEM",
    "CardSet",
    "OverrideReason",
    "offered_suggestions",
    "plan_cards",
    "plan_sha256",
]

#: the namespace of card and suggestion uuids (UUID v5 of ``<hookInstance>/<card key>``)
CARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://careengine.dev/cds-hooks/card")
OVERRIDE_REASON_SYSTEM = "https://careengine.dev/fhir/CodeSystem/override-reason"
TOPIC_SYSTEM = "https://careengine.dev/fhir/CodeSystem/cds-card"

_TOPICS = {
    "red-flags": "Red flags",
    "treatment-withheld": "Treatment withheld",
    "contraindications": "Contraindicated interventions left out",
    "care-plan": "Proposed care plan",
}
_CONTRAINDICATED = "contraindicated: "
#: the pseudo rule id of a catalog contraindication (``catalog:contraindication/<condition>``):
#: the contraindications card has no rule behind it, and the feedback report counts per rule id
CONTRAINDICATION_RULE_PREFIX = "catalog:contraindication/"


class OverrideReason(enum.StrEnum):
    """Why a clinician overrode a card: the codes of :data:`OVERRIDE_REASON_SYSTEM`."""

    NOT_INDICATED = "not-indicated"
    PATIENT_DECLINED = "patient-declined"
    ALREADY_TREATED = "already-treated"
    CLINICAL_JUDGEMENT = "clinical-judgement"

    @property
    def display(self) -> str:
        return {
            "not-indicated": "Not indicated for this patient",
            "patient-declined": "Patient declined",
            "already-treated": "Already treated or referred",
            "clinical-judgement": "Clinical judgement differs",
        }[self.value]

    def coding(self) -> dict[str, str]:
        return {"system": OVERRIDE_REASON_SYSTEM, "code": self.value, "display": self.display}


@attrs.frozen(kw_only=True)
class CardSet:
    """The response's cards (``{"cards": list(cards)}``) and what the service keeps of each."""

    cards: tuple[dict[str, Any], ...]
    issued: tuple[IssuedCard, ...]


_DIGEST_KEY = '"content_sha256": "'


def plan_sha256(plan: Plan) -> str:
    """``provenance.content_sha256`` of the plan's JSON (docs/design.md section 6.3), read from
    the plan's JSON text, where the writer puts it last (no need to parse the whole text)."""
    text = dumps(plan)
    start = text.rindex(_DIGEST_KEY) + len(_DIGEST_KEY)
    return text[start : text.index('"', start)]


def _rules(becauses: Iterable[Because]) -> tuple[str, ...]:
    return tuple(sorted({b.rule for b in becauses}))


@attrs.frozen(kw_only=True)
class _Context:
    plan: Plan
    catalog: Catalog
    service_id: str
    hook_instance: str
    patient_id: str
    sha256: str

    def uuid(self, key: str) -> str:
        return str(uuid.uuid5(CARD_NAMESPACE, f"{self.hook_instance}/{key}"))

    def source(self, key: str) -> dict[str, Any]:
        prov = self.plan.provenance
        packs = ", ".join(f"{name} {info.version}" for name, info in sorted(prov.packs.items()))
        label = f"careengine {prov.engine_version}" + (f" (rule packs: {packs})" if packs else "")
        topic = {"system": TOPIC_SYSTEM, "code": key, "display": _TOPICS[key]}
        return {"label": label, "topic": topic}

    def card(
        self,
        key: str,
        indicator: Indicator,
        summary: str,
        detail: str,
        rule_ids: Sequence[str],
        suggestion: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], IssuedCard]:
        card: dict[str, Any] = {
            "uuid": self.uuid(key),
            "summary": summary,
            "detail": detail,
            "indicator": indicator.value,
            "source": self.source(key),
        }
        if suggestion is not None:
            card["suggestions"] = [suggestion]
            card["selectionBehavior"] = "at-most-one"
        card["overrideReasons"] = [r.coding() for r in OverrideReason]
        issued = IssuedCard(
            uuid=card["uuid"],
            service_id=self.service_id,
            hook_instance=self.hook_instance,
            indicator=indicator,
            summary=summary,
            plan_sha256=self.sha256,
            ruleset_fingerprint=self.plan.provenance.fingerprint,
            rule_ids=tuple(sorted(set(rule_ids))),
        )
        return card, issued


# --- the cards -------------------------------------------------------------------------------


def _red_flags(ctx: _Context) -> tuple[dict[str, Any], IssuedCard] | None:
    plan = ctx.plan
    alerts = [a for a in plan.alerts if a.level in (AlertLevel.EMERGENCY, AlertLevel.URGENT)]
    referrals = [r for r in plan.referrals if r.urgency in (Urgency.EMERGENCY, Urgency.URGENT)]
    if not alerts and not referrals:
        return None
    emergency = any(a.level is AlertLevel.EMERGENCY for a in alerts) or any(
        r.urgency is Urgency.EMERGENCY for r in referrals
    )
    lead = "Emergency" if emergency else "Urgent"
    first: Alert | Referral = alerts[0] if alerts else referrals[0]
    message = first.message if isinstance(first, Alert) else first.reason
    to = next((r.to for r in referrals if (r.urgency is Urgency.EMERGENCY) == emergency), None)
    head = f"{lead} referral to {to}: {message}" if to else f"{lead}: {message}"
    more = len(alerts) - 1 if alerts else len(referrals) - 1
    summary = d.fit(head, f" (+{more} more)" if more > 0 else "")
    detail = d.red_flag_detail(plan, alerts, referrals, ctx.sha256)
    indicator = Indicator.CRITICAL if emergency else Indicator.WARNING
    return ctx.card(
        "red-flags", indicator, summary, detail, _rules(b for a in alerts for b in a.because)
    )


def _withheld(ctx: _Context) -> tuple[dict[str, Any], IssuedCard]:
    plan = ctx.plan
    count = len(plan.excluded)
    noun = "intervention" if count == 1 else "interventions"
    # what to do now comes first: the most urgent referral (emergency before urgent)
    order = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1}
    first = min(
        (r for r in plan.referrals if r.urgency in order),
        key=lambda r: order[r.urgency],
        default=None,
    )
    action = f": {first.urgency.value} referral to {first.to} first" if first else ""
    summary = d.fit(
        f"Treatment withheld{action}",
        f"; {count} proposed {noun} not offered until medical review",
    )
    detail = d.exclusion_detail(
        plan, ctx.catalog, "Not offered until reviewed", plan.excluded, ctx.sha256
    )
    rules = _rules(b for a in plan.alerts if a.level.withholds_treatment for b in a.because)
    return ctx.card("treatment-withheld", Indicator.WARNING, summary, detail, rules)


def _contraindications(ctx: _Context) -> tuple[dict[str, Any], IssuedCard] | None:
    plan = ctx.plan
    vetoed = [e for e in plan.excluded if any(r.startswith(_CONTRAINDICATED) for r in e.reasons)]
    if not vetoed:
        return None
    conditions = sorted(
        {
            r[len(_CONTRAINDICATED) :]
            for e in vetoed
            for r in e.reasons
            if r.startswith(_CONTRAINDICATED)
        }
    )
    noun = "intervention" if len(vetoed) == 1 else "interventions"
    summary = d.fit(f"{len(vetoed)} {noun} left out as contraindicated by {', '.join(conditions)}")
    detail = d.exclusion_detail(plan, ctx.catalog, "Contraindicated", vetoed, ctx.sha256)
    rules = [f"{CONTRAINDICATION_RULE_PREFIX}{c}" for c in conditions]
    return ctx.card("contraindications", Indicator.WARNING, summary, detail, rules)


def _care_plan(ctx: _Context) -> tuple[dict[str, Any], IssuedCard]:
    plan = ctx.plan
    items = plan.items()
    stages = [s for s in plan.stages if s.items]
    current = next((s for s in plan.stages if s.id == plan.current_stage), None)
    start = f", starting with {current.title}" if current is not None else ""
    noun = "item" if len(items) == 1 else "items"
    staged = f"{len(stages)} stage" + ("" if len(stages) == 1 else "s")
    cautious = sum(1 for _, item in items if item.precautions)
    notes = [f"{cautious} with precautions"] if cautious else []
    notes += sorted({f"refer to {r.to}" for r in plan.referrals})
    tail = "; " + "; ".join(notes) if notes else ""
    summary = d.fit(f"Proposed low back pain plan: {len(items)} {noun} in {staged}{start}", tail)
    detail = d.plan_detail(plan, ctx.catalog, ctx.sha256)
    rules = _rules(
        [b for _, item in items for b in item.because] + [b for a in plan.alerts for b in a.because]
    )
    suggestion = {
        "label": "Add the proposed care plan as a draft",
        "uuid": ctx.uuid("care-plan/suggestion"),
        "isRecommended": True,
        "actions": _create_actions(ctx),
    }
    return ctx.card("care-plan", Indicator.INFO, summary, detail, rules, suggestion)


# --- the suggestion's resources --------------------------------------------------------------


def _relink(node: Any, patient: str, device: str, patient_id: str, device_name: str) -> None:
    """Point the references to the Patient at the EHR's and replace those to careengine's Device
    by its name, in place (the bundle is built for this call and nothing else holds it)."""
    if isinstance(node, dict):
        target = node.get("reference")
        if target == patient:
            node["reference"] = f"Patient/{patient_id}"
        elif target == device:
            del node["reference"]
            node["display"] = device_name
        else:
            for value in node.values():
                if isinstance(value, dict | list):
                    _relink(value, patient, device, patient_id, device_name)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, dict | list):
                _relink(value, patient, device, patient_id, device_name)


def _described(resource: dict[str, Any]) -> str:
    kind = resource["resourceType"]
    text: Any = None
    if kind == "CarePlan":
        text = resource.get("title") or resource.get("description")
    elif kind == "Goal":
        text = resource["description"].get("text")
    elif kind in {"ServiceRequest", "DetectedIssue"}:
        text = resource["code"].get("text")
    elif kind == "RequestGroup":
        text = "the stages, in order"
    verb = "Record that the patient should not have" if resource.get("doNotPerform") else "Create"
    return f"{verb} {kind}: {text}" if isinstance(text, str) and text else f"{verb} {kind}"


def _create_actions(ctx: _Context) -> list[dict[str, Any]]:
    bundle = plan_bundle(ctx.plan, ctx.catalog)
    kinds = {e["resource"]["resourceType"]: e["fullUrl"] for e in bundle["entry"]}
    prov = ctx.plan.provenance
    device_name = f"careengine {prov.engine_version} (rule set {prov.fingerprint})"
    actions = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in {"Patient", "Device"}:
            continue
        _relink(resource, kinds["Patient"], kinds["Device"], ctx.patient_id, device_name)
        actions.append(
            {"type": "create", "description": _described(resource), "resource": resource}
        )
    return actions


def plan_cards(
    plan: Plan,
    catalog: Catalog,
    *,
    service_id: str,
    hook_instance: str,
    patient_id: str | None = None,
) -> CardSet:
    """The cards for ``plan`` (module docstring). ``patient_id``: the FHIR id of the Patient the
    EHR holds (the request's ``context.patientId``), which the suggested resources refer to;
    ``plan.patient_id`` when not given."""
    ctx = _Context(
        plan=plan,
        catalog=catalog,
        service_id=service_id,
        hook_instance=hook_instance,
        patient_id=plan.patient_id if patient_id is None else patient_id,
        sha256=plan_sha256(plan),
    )
    made: list[tuple[dict[str, Any], IssuedCard] | None] = [_red_flags(ctx)]
    if plan.status is PlanStatus.REFERRAL:
        made.append(_withheld(ctx))
    else:
        made += [_contraindications(ctx), _care_plan(ctx)]
    pairs = [m for m in made if m is not None]
    return CardSet(
        cards=tuple(card for card, _ in pairs), issued=tuple(issued for _, issued in pairs)
    )


def offered_suggestions(card: IssuedCard) -> frozenset[str]:
    """The ``uuid`` of each suggestion ``card`` offered: the care-plan card's one, no other's
    (the ids that feedback may name in ``acceptedSuggestions``)."""
    hook_instance = card.hook_instance
    if card.uuid != str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}/care-plan")):
        return frozenset()
    return frozenset({str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}/care-plan/suggestion"))})
