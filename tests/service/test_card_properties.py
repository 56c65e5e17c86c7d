"""Properties of careengine/service/cards.py over many plans: every summary is under the spec's
140 characters whatever the texts say, every response satisfies the CDS Hooks 2.0 schema, and a
plan that withholds treatment never offers a suggestion."""

from __future__ import annotations

import json
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine.fhir import assessment_bundle
from careengine.model import PlanStatus
from careengine.service.card_detail import SUMMARY_LIMIT, fit
from careengine.service.cards import plan_cards
from careengine.service.prefetch import assessment_from_request
from careengine.testing.strategies import assessments
from tests.service.requests import prefetch_for
from tests.service.test_cards import engine, evaluated, schema_errors

TEXT = st.text(min_size=1, max_size=400)
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def check(cardset: Any, status: PlanStatus) -> None:
    assert schema_errors(json.loads(json.dumps({"cards": list(cardset.cards)}))) == []
    for card in cardset.cards:
        assert 0 < len(card["summary"]) <= SUMMARY_LIMIT
        assert "\n" not in card["summary"]
    if status is PlanStatus.REFERRAL:
        assert all("suggestions" not in card for card in cardset.cards)


@settings(max_examples=500)
@given(head=st.text(max_size=600), tail=st.text(max_size=120))
def test_fit_always_fits(head: str, tail: str) -> None:
    text = fit(head, tail)
    assert len(text) <= SUMMARY_LIMIT
    if len(head + tail) <= SUMMARY_LIMIT:  # it fits: nothing is cut, only spaces evened out
        assert "".join(text.split()) == "".join((head + tail).split())
    assert "\n" not in text


@SLOW
@given(message=TEXT, to=TEXT, reason=TEXT, title=TEXT, extra=st.integers(0, 3))
def test_summaries_fit_whatever_the_rules_and_catalog_say(
    message: str, to: str, reason: str, title: str, extra: int
) -> None:
    for stem in ("suspected-cauda-equina", "desk-worker", "osteoporosis"):
        _, plan = evaluated(stem)
        alerts = tuple(attrs.evolve(a, message=message) for a in plan.alerts) * (extra + 1)
        referrals = tuple(attrs.evolve(r, to=to, reason=reason) for r in plan.referrals)
        stages = tuple(attrs.evolve(s, title=title) for s in plan.stages)
        excluded = tuple(
            attrs.evolve(e, reasons=tuple(f"contraindicated: {title}" for _ in e.reasons))
            for e in plan.excluded
        )
        changed = attrs.evolve(
            plan, alerts=alerts, referrals=referrals, stages=stages, excluded=excluded
        )
        cardset = plan_cards(changed, engine().catalog, service_id="s", hook_instance="h")
        check(cardset, changed.status)


@SLOW
@given(data=assessments(engine()))
def test_any_assessment_sent_as_a_request_gives_valid_cards(data: dict[str, Any]) -> None:
    eng = engine()
    assessment = eng.load_assessment(data)
    bundle = json.loads(json.dumps(assessment_bundle(assessment, eng.catalog)))
    body = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": "p1"},
        "prefetch": prefetch_for(bundle, "p1"),
    }
    read = assessment_from_request(body, eng.catalog)
    # the date comes from the Observations and QuestionnaireResponses (no Encounter template):
    # an assessment with none of them arrives undated (docs/cds-hooks.md, "Prefetch")
    assert read.assessed_on in {assessment.assessed_on, None}
    plan = eng.evaluate(read)
    expected = eng.evaluate(attrs.evolve(assessment, assessed_on=read.assessed_on))
    assert plan.to_json() == expected.to_json()
    cardset = plan_cards(plan, eng.catalog, service_id="s", hook_instance=body["hookInstance"])
    check(cardset, plan.status)
    assert (plan.status is PlanStatus.REFERRAL) == any(
        c["source"]["topic"]["code"] == "treatment-withheld" for c in cardset.cards
    )
