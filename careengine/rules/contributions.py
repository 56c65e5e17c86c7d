"""A fired rule's actions as :class:`Contribution` records (before the merge), for the runner of
:mod:`careengine.rules.runner`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from careengine.errors import RuleExecutionError
from careengine.model import Because, Contribution
from careengine.rules.backend_protocol import Fact as BoundFact  # read-only: what a backend matched
from careengine.rules.compile import CompiledRule
from careengine.rules.model import (
    Action,
    Add,
    AddPrecaution,
    Derive,
    Exclude,
    RaiseAlert,
    Refer,
    StartStage,
)


def _findings(facts: Iterable[BoundFact]) -> list[str]:
    """The present findings a match names: what an ``add`` addresses by default."""
    return sorted(
        {str(f["code"]) for f in facts if f["type"] == "finding" and f.get("present", True) is True}
    )


_NO_BECAUSE = Because(rule="", pack="", pack_version="", plugin="")
_ACTION_TYPES = (Add, Exclude, AddPrecaution, RaiseAlert, Refer, Derive, StartStage)


def _contribution(
    action: Action, rule: CompiledRule, because: Because, findings: Sequence[str]
) -> Contribution:
    priority = rule.rule.priority
    match action:
        case Add():
            return Contribution(
                action="add",
                because=because,
                priority=action.priority if action.priority is not None else priority,
                intervention=action.intervention,
                stage=action.stage,
                dosage=action.dosage,
                addresses=action.addresses if action.addresses is not None else findings,
            )
        case Exclude():
            return Contribution(
                action="exclude",
                because=because,
                priority=priority,
                intervention=action.intervention,
                text=action.reason,
            )
        case AddPrecaution():
            return Contribution(
                action="precaution",
                because=because,
                priority=priority,
                intervention=action.intervention,
                text=action.text,
            )
        case RaiseAlert():
            return Contribution(
                action="alert",
                because=because,
                priority=priority,
                code=action.code,
                level=action.level,
                text=action.message,
            )
        case Refer():
            return Contribution(
                action="refer",
                because=because,
                priority=priority,
                to=action.to,
                urgency=action.urgency,
                text=action.reason,
            )
        case StartStage():
            return Contribution(
                action="start_stage", because=because, priority=priority, stage=action.stage
            )
    raise RuleExecutionError(f"unknown action {action!r}", rule_id=rule.rule.id)
