"""Assertions on a plan, and golden cases as pytest tests.

Every helper states what the plan holds instead when it fails (the stage's items, where else the
intervention went, why it was excluded or deferred, which alerts were raised). The checks are the
ones ``careengine rules test`` runs on golden cases (:func:`careengine.rules.golden.check_plan`),
so a test and a case file mean the same thing by the same words.

A check naming an unknown intervention, stage or alert code is an error, not a pass
(``assert_not_in_stage(plan, "crunchh")`` would otherwise hold for every plan): the names are
checked against the catalog of the engine that made the plan, which these helpers know when the
engine was built by :func:`~careengine.testing.isolated_engine` or the fixtures, or used with
:func:`~careengine.testing.evaluate` or :func:`assert_case`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from careengine.engine import Engine
from careengine.model import Alert, Deferred, Exclusion, Plan, PlanItem, Referral
from careengine.rules.golden import EXPECT_KEYS, Case, case_files, check_plan, load_cases, run_case
from careengine.rules.golden_vocabulary import expectation_problems
from careengine.testing.engines import remember, vocabulary_of


def assert_plan(plan: Plan, **expect: Any) -> None:
    """Check every expectation at once, with the keys and shapes of a golden case:
    ``status``, ``current_stage``, ``in_stage``, ``not_in_stage``, ``excluded``, ``deferred``,
    ``alerts``, ``no_alerts``, ``referrals``, ``classifications``, ``unaddressed``,
    ``not_used``, ``used``."""
    __tracebackhide__ = True
    unknown = sorted(set(expect) - EXPECT_KEYS)
    if unknown:
        raise TypeError(f"unknown expectation(s) {unknown}; known: {sorted(EXPECT_KEYS)}")
    vocabulary = vocabulary_of(plan)
    if vocabulary is not None:
        names = expectation_problems(expect, vocabulary, plan)
        if names:
            raise AssertionError(
                f"plan for {plan.patient_id}: the check names what the engine does not know:\n  "
                + "\n  ".join(names)
            )
    failures = check_plan(plan, expect)
    if failures:
        raise AssertionError(f"plan for {plan.patient_id}:\n  " + "\n  ".join(failures))


def assert_in_stage(plan: Plan, intervention: str, stage: str) -> PlanItem:
    """The intervention is an item of that stage; returns the item (dosage, because, ...)."""
    __tracebackhide__ = True
    assert_plan(plan, in_stage=[{"intervention": intervention, "stage": stage}])
    return next(i for s, i in plan.items() if s == stage and i.intervention == intervention)


def assert_not_in_stage(plan: Plan, intervention: str, stage: str | None = None) -> None:
    """The intervention is not in that stage (without ``stage``: in no stage at all)."""
    __tracebackhide__ = True
    want = {"intervention": intervention} | ({"stage": stage} if stage else {})
    assert_plan(plan, not_in_stage=[want])


def assert_excluded(plan: Plan, intervention: str, reason: str | None = None) -> Exclusion:
    """The intervention is excluded, with a reason containing ``reason`` when given."""
    __tracebackhide__ = True
    want = {"intervention": intervention} | ({"reason": reason} if reason else {})
    assert_plan(plan, excluded=[want])
    return next(e for e in plan.excluded if e.intervention == intervention)


def assert_deferred(
    plan: Plan, intervention: str, stage: str | None = None, reason: str | None = None
) -> Deferred:
    """The intervention was deferred (from ``stage``, with a reason containing ``reason``)."""
    __tracebackhide__ = True
    want: dict[str, str] = {"intervention": intervention}
    want |= {"stage": stage} if stage else {}
    want |= {"reason": reason} if reason else {}
    assert_plan(plan, deferred=[want])
    return next(
        d
        for d in plan.deferred
        if d.intervention == intervention
        and (stage is None or d.stage == stage)
        and (reason is None or reason in d.reason)
    )


def assert_alert(plan: Plan, code: str, level: str | None = None) -> Alert:
    """The plan raises the alert (at ``level`` when given)."""
    __tracebackhide__ = True
    assert_plan(plan, alerts=[{"code": code} | ({"level": level} if level else {})])
    return next(a for a in plan.alerts if a.code == code)


def assert_no_alert(plan: Plan, code: str) -> None:
    __tracebackhide__ = True
    assert_plan(plan, no_alerts=[code])


def assert_referral(plan: Plan, to: str, urgency: str | None = None) -> Referral:
    """The plan refers the patient ``to`` someone (with ``urgency`` when given)."""
    __tracebackhide__ = True
    assert_plan(plan, referrals=[{"to": to} | ({"urgency": urgency} if urgency else {})])
    return next(r for r in plan.referrals if r.to == to)


# --- golden cases -------------------------------------------------------------------------------


def golden_cases(*paths: str | Path) -> list[Any]:
    """One ``pytest.param`` per golden case in the case files (or directories of
    ``*.case.toml``) at ``paths``, with the case's file and name as its id. Use with
    ``@pytest.mark.parametrize("case", golden_cases(...))`` and :func:`assert_case`.

    A path that holds no case is an error, so a mistyped path cannot pass silently.
    """
    params = []
    for file in case_files(paths):
        for case in load_cases(file):
            params.append(pytest.param(case, id=f"{Path(case.file).name}::{case.name}"))
    if not params:
        raise FileNotFoundError(f"no golden cases (*.case.toml) at {[str(p) for p in paths]}")
    return params


def assert_case(engine: Engine, case: Case) -> None:
    """Run one golden case as ``careengine rules test`` does; fail with every difference."""
    __tracebackhide__ = True
    result = run_case(remember(engine), case)
    if result.error is not None:
        raise AssertionError(f"{case.file}: {case.name}: error: {result.error}")
    if result.failures:
        raise AssertionError(f"{case.file}: {case.name}:\n  " + "\n  ".join(result.failures))
