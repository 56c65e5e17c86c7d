"""The cards' cheaper paths change nothing: the plan digest read from the plan's text, and the
suggestion's resources relinked in place in a bundle built for the call."""

from __future__ import annotations

import json

import pytest

from careengine.render.fhir.plan_bundle import plan_bundle
from careengine.render.serialize import plan_to_dict
from careengine.service.cards import plan_cards, plan_sha256
from tests.service.test_cards import EXAMPLE, engine, evaluated


@pytest.mark.parametrize("stem", sorted(EXAMPLE))
def test_the_plan_digest_is_the_one_in_the_plan_json(stem: str) -> None:
    _body, plan = evaluated(stem)
    assert plan_sha256(plan) == plan_to_dict(plan)["provenance"]["content_sha256"]


@pytest.mark.parametrize("stem", sorted(EXAMPLE))
def test_cards_leave_the_plan_and_catalog_as_they_were(stem: str) -> None:
    body, plan = evaluated(stem)
    catalog = engine().catalog
    before = json.dumps(plan_bundle(plan, catalog), sort_keys=True)
    made = [
        json.dumps(
            list(
                plan_cards(
                    plan,
                    catalog,
                    service_id="s",
                    hook_instance=body["hookInstance"],
                    patient_id=patient,
                ).cards
            )
        )
        for patient in ("ehr-1", "ehr-2", "ehr-1")
    ]
    assert json.dumps(plan_bundle(plan, catalog), sort_keys=True) == before
    assert made[0] == made[2]
    # each call's suggestions name that call's patient, and only it (a plan that withholds
    # treatment offers none)
    offers = any("suggestions" in card for card in json.loads(made[0]))
    assert ("Patient/ehr-1" in made[0]) == ("Patient/ehr-2" in made[1]) == offers
    assert "ehr-1" not in made[1]
    # no reference to the bundle's own Patient or Device is left in the cards
    kinds = {
        e["resource"]["resourceType"]: e["fullUrl"] for e in plan_bundle(plan, catalog)["entry"]
    }
    assert kinds["Patient"] not in made[0]
    assert kinds["Device"] not in made[0]
