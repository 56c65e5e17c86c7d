"""A module plugin (for the command line) whose reviewer breaks several invariants at once."""

from __future__ import annotations

from careengine.model import Assessment, Plan
from careengine.plugins.hookspecs import hookimpl
from tests.plugins.hostile_reviewers import DoesEverything


@hookimpl
def careengine_review_plan(plan: Plan, assessment: Assessment) -> Plan | None:
    return DoesEverything().change(plan)
