"""Properties of the first-visit policy over random assessments (careengine.testing.strategies)."""

from __future__ import annotations

from typing import Any

from careengine.model import InterventionKind, Plan
from careengine.testing import isolated_engine
from careengine.testing.strategies import assessments
from hypothesis import HealthCheck, given, settings

from careengine_clinic_example import plugin, policy

BUILT_INS = isolated_engine()
CLINIC = isolated_engine(plugins=[plugin])
#: findings the clinic's and the built-in exercise rules match, so that plans are busy
BUSY = [
    "core_facilitation_poor",
    "lumbar_extensor_weakness",
    "glute_weakness",
    "thoracic_mobility_limited",
    "hip_flexor_tightness",
    "deconditioning",
    "lifting_mechanics_poor",
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exercises(plan: Plan) -> list[tuple[str, str]]:
    return [(s, i.intervention) for s, i in plan.items() if i.kind is InterventionKind.EXERCISE]


def by_policy(plan: Plan) -> list[tuple[str, str]]:
    return [(d.stage, d.intervention) for d in plan.deferred if d.reason == policy.REASON]


@SETTINGS
@given(data=assessments(CLINIC, finding_codes=BUSY, red_flags=[]))
def test_a_first_visit_never_has_more_than_five_exercises(data: dict[str, Any]) -> None:
    plan = CLINIC.evaluate(CLINIC.load_assessment(data))
    assert len(exercises(plan)) <= policy.MAX_FIRST_VISIT_EXERCISES
    if by_policy(plan):  # the policy defers only beyond the cap
        assert len(exercises(plan)) == policy.MAX_FIRST_VISIT_EXERCISES
    assert not set(by_policy(plan)) & set(exercises(plan))


@SETTINGS
@given(data=assessments(BUILT_INS, finding_codes=BUSY))
def test_the_policy_loses_nothing_and_touches_only_exercises(data: dict[str, Any]) -> None:
    assessment = BUILT_INS.load_assessment(data)
    before = BUILT_INS.evaluate(assessment)
    after = policy.limit_first_visit(before, assessment) or before
    assert sorted(exercises(after) + by_policy(after)) == sorted(exercises(before))
    kept = exercises(before)[: policy.MAX_FIRST_VISIT_EXERCISES]  # plan order, current stage on
    assert set(exercises(after)) <= set(exercises(before))
    assert len(exercises(after)) == len(kept)
    others = [(s, i) for s, i in before.items() if i.kind is not InterventionKind.EXERCISE]
    assert [(s, i) for s, i in after.items() if i.kind is not InterventionKind.EXERCISE] == others
    assert (after.excluded, after.alerts, after.status) == (
        before.excluded,
        before.alerts,
        before.status,
    )


@SETTINGS
@given(data=assessments(CLINIC, finding_codes=BUSY, red_flags=[], followup=True))
def test_follow_ups_are_left_alone(data: dict[str, Any]) -> None:
    plan = CLINIC.evaluate(CLINIC.load_assessment(data, followup=True))
    assert by_policy(plan) == []
