"""The cards as a physical therapist reads them and as an EHR integrator applies them
(docs/cds-hooks.md, "Cards"): what to do now in the summaries, precautions in sight, the current
stage first, feedback on the contraindications card counted, references that resolve."""

from __future__ import annotations

import re

import pytest

from careengine.service.store import Store
from tests.service.store_records import call, overridden
from tests.service.test_cards import EXAMPLE, cards_for, creates, evaluated


def card(stem: str, topic: str) -> dict[str, object]:
    return next(c for c in cards_for(stem).cards if c["source"]["topic"]["code"] == topic)


def test_the_withheld_card_says_what_to_do_now() -> None:
    cardset = cards_for("suspected-cauda-equina")
    assert cardset.cards[0]["indicator"] == "critical"  # the critical card first
    withheld = card("suspected-cauda-equina", "treatment-withheld")
    summary = str(withheld["summary"])
    assert summary.startswith("Treatment withheld: emergency referral to emergency department")
    assert len(summary) < 140
    assert creates(cardset) == []


@pytest.mark.parametrize("stem", ["anticoagulants-trigger-points", "osteoporosis", "pregnancy"])
def test_the_plan_card_shows_its_precautions_first(stem: str) -> None:
    _, plan = evaluated(stem)
    cautious = [item for _, item in plan.items() if item.precautions]
    assert cautious
    plan_card = card(stem, "care-plan")
    assert f"; {len(cautious)} with precautions" in str(plan_card["summary"])
    detail = str(plan_card["detail"])
    assert detail.startswith("### Precautions\n")
    section = detail.split("\n### ", 2)[0]
    for item in cautious:
        assert item.precautions[0].text.split(":")[0] in section


def test_a_routine_referral_is_in_the_plan_summary() -> None:
    assert "refer to rheumatology" in str(card("suspected-axspa", "care-plan")["summary"])


@pytest.mark.parametrize("stem", sorted(EXAMPLE))
def test_the_current_stage_comes_first_in_the_plan_detail(stem: str) -> None:
    _, plan = evaluated(stem)
    cards = [c for c in cards_for(stem).cards if c["source"]["topic"]["code"] == "care-plan"]
    if not cards or plan.current_stage is None:
        return
    headings = re.findall(r"^### Stage \d+: .*$", cards[0]["detail"], flags=re.M)
    assert headings[0].endswith("(current stage)")
    assert sum("(current stage)" in h for h in headings) == 1


def test_the_contraindications_card_has_catalog_pseudo_rules() -> None:
    cardset = cards_for("osteoporosis")
    (issued,) = [
        i
        for c, i in zip(cardset.cards, cardset.issued, strict=True)
        if c["source"]["topic"]["code"] == "contraindications"
    ]
    assert issued.rule_ids == ("catalog:contraindication/osteoporosis",)


def test_overrides_of_the_contraindications_card_are_counted(store: Store) -> None:
    cardset = cards_for("pregnancy")
    contra = next(i for i in cardset.issued if i.rule_ids and i.rule_ids[0].startswith("catalog:"))
    store.record_call(call(contra))
    store.record_feedback(overridden(contra.uuid, "clinical-judgement"))
    report = store.feedback_report()
    (line,) = [r for r in report.rules if r.rule_id == "catalog:contraindication/pregnancy"]
    assert (line.cards_issued, line.overridden) == (1, 1)


@pytest.mark.parametrize("stem", sorted(EXAMPLE))
def test_every_urn_uuid_reference_is_a_created_resource_id(stem: str) -> None:
    resources = creates(cards_for(stem))
    ids = [r["id"] for r in resources]
    assert len(ids) == len(set(ids))
    text = str(resources)
    for target in re.findall(r"urn:uuid:([0-9a-f-]{36})", text):
        assert target in ids
