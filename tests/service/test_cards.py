"""careengine/service/cards.py: every example, from a patient-view request to cards that satisfy
a JSON Schema of the CDS Hooks 2.0 response (written from the spec's tables), with suggested
resources that fhir.resources (R4B) accepts and whose references resolve."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from fhir.resources.R4B import get_fhir_model_class

from careengine import Engine
from careengine.model import AlertLevel, Plan, Urgency
from careengine.service.cards import (
    OVERRIDE_REASON_SYSTEM,
    CardSet,
    OverrideReason,
    plan_cards,
    plan_sha256,
)
from careengine.service.prefetch import assessment_from_request
from careengine.service.records import Indicator
from tests import fhir_checks
from tests.service.requests import EXAMPLES, ROOT, patient_view_request

SCHEMA_PATH = Path(__file__).parent / "schemas" / "cds-hooks-2.0-response.schema.json"
SERVICE = "careengine-patient-view"
EXAMPLE = {p.stem: p for p in EXAMPLES}


@cache
def engine() -> Engine:
    # built-ins only: this engine can be built at collection time (a hypothesis strategy needs
    # its catalog), before tests/conftest.py's fixture hides installed plugins
    return Engine(entry_points=False)


@cache
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def schema_errors(response: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(response)]


@cache
def evaluated(stem: str) -> tuple[dict[str, Any], Plan]:
    body = patient_view_request(EXAMPLE[stem])
    return body, engine().evaluate(assessment_from_request(body, engine().catalog))


def cards_for(stem: str, hook_instance: str | None = None) -> CardSet:
    body, plan = evaluated(stem)
    return plan_cards(
        plan,
        engine().catalog,
        service_id=SERVICE,
        hook_instance=hook_instance or body["hookInstance"],
        patient_id=body["context"]["patientId"],
    )


def creates(cardset: CardSet) -> list[dict[str, Any]]:
    return [
        action["resource"]
        for card in cardset.cards
        for suggestion in card.get("suggestions", ())
        for action in suggestion["actions"]
        if action["type"] == "create"
    ]


@pytest.mark.parametrize("stem", sorted(EXAMPLE))
def test_every_example_gives_schema_valid_cards(stem: str) -> None:
    cardset = cards_for(stem)
    response = {"cards": list(cardset.cards)}
    assert schema_errors(json.loads(json.dumps(response))) == []
    assert cardset.cards
    assert [c["uuid"] for c in cardset.cards] == [i.uuid for i in cardset.issued]


@pytest.mark.parametrize("stem", sorted(EXAMPLE))
def test_suggested_resources_are_valid_r4_and_their_references_resolve(stem: str) -> None:
    body, _ = evaluated(stem)
    patient_id = body["context"]["patientId"]
    resources = creates(cards_for(stem))
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert resource["resourceType"] not in {"Patient", "Device"}
    # as a transaction would hold them: each at urn:uuid:<id>, the EHR's Patient beside them
    stand_in = "00000000-0000-5000-8000-000000000000"
    text = json.dumps(resources).replace(f'"Patient/{patient_id}"', f'"urn:uuid:{stand_in}"')
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in json.loads(text)]
    entries.append(
        {"fullUrl": f"urn:uuid:{stand_in}", "resource": {"resourceType": "Patient", "id": stand_in}}
    )
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    fhir_checks.parse(bundle)
    assert fhir_checks.problems(bundle) == []


def test_subjects_refer_to_the_context_patient() -> None:
    body, _ = evaluated("desk-worker")
    resources = creates(cards_for("desk-worker"))
    subjects = {r["subject"]["reference"] for r in resources if "subject" in r}
    assert subjects == {f"Patient/{body['context']['patientId']}"}
    assert '"display": "careengine ' in json.dumps(resources)  # the Device, named only


def test_the_plan_card_creates_the_whole_draft_plan() -> None:
    (card,) = cards_for("desk-worker").cards
    assert card["indicator"] == "info"
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    assert suggestion["isRecommended"] is True
    kinds = [a["resource"]["resourceType"] for a in suggestion["actions"]]
    _, plan = evaluated("desk-worker")
    assert kinds.count("ServiceRequest") == len(plan.items())
    assert kinds[:2] == ["CarePlan", "RequestGroup"]
    assert {
        (
            a["resource"]["resourceType"],
            a["resource"].get("status", a["resource"].get("lifecycleStatus")),
        )
        for a in suggestion["actions"]
    } <= {
        ("CarePlan", "draft"),
        ("RequestGroup", "draft"),
        ("Goal", "proposed"),
        ("ServiceRequest", "draft"),
        ("DetectedIssue", "preliminary"),
    }


def test_cauda_equina_is_critical_and_creates_no_treatment() -> None:
    cardset = cards_for("suspected-cauda-equina")
    indicators = [c["indicator"] for c in cardset.cards]
    assert indicators == ["critical", "warning"]
    assert creates(cardset) == []
    assert all("suggestions" not in c for c in cardset.cards)
    red = cardset.cards[0]
    assert "emergency department" in red["summary"]
    assert cardset.issued[0].rule_ids == ("lbp.red_flags.cauda-equina",)
    assert cardset.issued[0].indicator is Indicator.CRITICAL


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("desk-worker", ["info"]),
        ("suspected-axspa", ["info"]),  # a routine referral is in the plan card
        ("osteoporosis", ["warning", "info"]),  # contraindications removed proposed items
        ("pregnancy", ["warning", "info"]),
        ("suspected-cauda-equina", ["critical", "warning"]),
    ],
)
def test_indicators_per_example(stem: str, expected: list[str]) -> None:
    assert [c["indicator"] for c in cards_for(stem).cards] == expected


def test_an_urgent_red_flag_is_a_warning() -> None:
    _, plan = evaluated("suspected-cauda-equina")
    alert = attrs.evolve(plan.alerts[0], level=AlertLevel.URGENT)
    referral = attrs.evolve(plan.referrals[0], urgency=Urgency.URGENT)
    urgent = attrs.evolve(plan, alerts=(alert,), referrals=(referral,))
    cardset = plan_cards(urgent, engine().catalog, service_id=SERVICE, hook_instance="h")
    assert [c["indicator"] for c in cardset.cards] == ["warning", "warning"]
    assert cardset.cards[0]["summary"].startswith("Urgent referral to emergency department")


def test_issued_cards_carry_the_plan_digest_and_sorted_rules() -> None:
    _, plan = evaluated("osteoporosis")
    cardset = cards_for("osteoporosis")
    digest = json.loads(plan.to_json())["provenance"]["content_sha256"]
    assert plan_sha256(plan) == digest
    for card, issued in zip(cardset.cards, cardset.issued, strict=True):
        assert issued.plan_sha256 == digest
        assert issued.ruleset_fingerprint == plan.provenance.fingerprint
        assert issued.summary == card["summary"]
        assert issued.indicator.value == card["indicator"]
        assert issued.service_id == SERVICE
        assert list(issued.rule_ids) == sorted(set(issued.rule_ids))
        assert digest in card["detail"]
        assert plan.provenance.fingerprint in card["detail"]
    plan_rules = {b.rule for _, item in plan.items() for b in item.because}
    assert set(cardset.issued[-1].rule_ids) == plan_rules


def test_override_reasons_are_careengine_codings_with_a_display() -> None:
    (card,) = cards_for("desk-worker").cards
    assert card["overrideReasons"] == [
        {"system": OVERRIDE_REASON_SYSTEM, "code": r.value, "display": r.display}
        for r in OverrideReason
    ]
    assert {r.value for r in OverrideReason} >= {
        "not-indicated",
        "patient-declined",
        "already-treated",
        "clinical-judgement",
    }


def test_source_names_careengine_and_its_packs() -> None:
    _, plan = evaluated("desk-worker")
    (card,) = cards_for("desk-worker").cards
    label = card["source"]["label"]
    assert label.startswith(f"careengine {plan.provenance.engine_version}")
    for name, info in plan.provenance.packs.items():
        assert f"{name} {info.version}" in label
    assert card["source"]["topic"]["code"] == "care-plan"


def test_detail_says_why_each_item_is_there() -> None:
    _, plan = evaluated("desk-worker")
    (card,) = cards_for("desk-worker").cards
    for _, item in plan.items():
        for because in item.because:
            assert f"`{because.rule}`" in card["detail"]


def test_same_plan_and_hook_instance_give_the_same_json() -> None:
    first = json.dumps(list(cards_for("osteoporosis").cards))
    engine.cache_clear()
    evaluated.cache_clear()
    again = json.dumps(list(cards_for("osteoporosis").cards))
    assert first == again
    other = cards_for("osteoporosis", hook_instance="2c1e8a47-0d7b-4f43-9d0c-5f6b7f1f2a10")
    assert [c["uuid"] for c in other.cards] != [c["uuid"] for c in cards_for("osteoporosis").cards]
    assert len({c["uuid"] for c in other.cards}) == len(other.cards)


# --- the schema is strict where the spec is -------------------------------------------------


def good_card() -> dict[str, Any]:
    return copy.deepcopy(cards_for("low-risk-acute").cards[0])


@pytest.mark.parametrize(
    "breaks",
    [
        lambda c: c.update(indicator="hard-stop"),
        lambda c: c.pop("selectionBehavior"),
        lambda c: c.update(summary="x" * 140),
        lambda c: c.pop("source"),
        lambda c: c["source"].pop("label"),
        lambda c: c.update(uuid="card-1"),
        lambda c: c["suggestions"][0]["actions"][0].pop("resource"),
        lambda c: c["suggestions"][0]["actions"][0].update(type="replace"),
        lambda c: c["overrideReasons"][0].pop("display"),
        lambda c: c.update(selectionBehavior="all"),
    ],
)
def test_the_schema_rejects_what_the_spec_forbids(breaks: Any) -> None:
    card = good_card()
    assert schema_errors({"cards": [card]}) == []
    breaks(card)
    assert schema_errors({"cards": [card]}) != []


def test_the_schema_accepts_the_spec_example_response() -> None:
    example = {
        "cards": [
            {
                "uuid": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "summary": "Example Card",
                "indicator": "info",
                "detail": "This is an example card.",
                "source": {"label": "Static CDS Service Example", "url": "https://example.com"},
                "links": [
                    {
                        "label": "App",
                        "url": "https://smart.example.com/launch",
                        "type": "smart",
                        "appContext": "{}",
                    }
                ],
            },
            {"summary": "Another card", "indicator": "warning", "source": {"label": "Static"}},
        ]
    }
    assert schema_errors(example) == []
    assert schema_errors({"cards": []}) == []
    assert schema_errors({}) != []


def test_request_helper_matches_the_spec_example_shape() -> None:
    body = patient_view_request(ROOT / "examples" / "assessments" / "desk-worker.json")
    assert set(body) == {"hookInstance", "fhirServer", "hook", "context", "prefetch"}
    assert body["hook"] == "patient-view"
    assert set(body["context"]) == {"userId", "patientId"}
