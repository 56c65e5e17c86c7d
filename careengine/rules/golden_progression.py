"""Golden-case expectations for reassessments (see :mod:`careengine.rules.golden`)::

    [[cases]]
    name = "desk worker: better at two weeks, advance"
    assessment = "../assessments/desk-worker.json"          # the first visit, evaluated
    followup = ["../followups/desk-worker-2wk.json"]         # one path, or several: a chain
    decision = "advance"                                     # the last visit's decision
    decisions = ["advance"]                                  # every visit's, in order
    from_stage = "mobilize"
    to_stage = "strengthen"
    history = []                                             # decisions kept in plan.history
    reasons = ["Adherence 85 %"]                             # each appears in some reason
    changes = ["cat_cow dropped"]                            # each appears in some change
    progressed = [{ intervention = "yoga", from = "cat_cow", stage = "mobilize" }]
    dosage = [                                               # fields as in the plan JSON
      { intervention = "walking_program", stage = "relieve", minutes = 25 },
      { intervention = "activity_advice", setting = "every_visit", unset = ["minutes"] },
    ]

``dosage`` also works for a plain evaluation case; the other keys need a follow-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from careengine.model import DOSAGE_FIELDS, Plan

PROGRESSION_KEYS = (
    "decision",
    "decisions",
    "from_stage",
    "to_stage",
    "history",
    "reasons",
    "changes",
    "progressed",
    "dosage",
)


def _items(plan: Plan, intervention: str, stage: str | None) -> list[tuple[str, Any]]:
    return [
        (s, item)
        for s, item in plan.items()
        if item.intervention == intervention and (stage is None or s == stage)
    ]


def check_progression(plan: Plan, decisions: Sequence[str], expect: Mapping[str, Any]) -> list[str]:
    """Every progression expectation the plan does not meet, as a precise sentence."""
    failures: list[str] = []
    p = plan.progression
    wants_progression = [k for k in PROGRESSION_KEYS if k in expect and k != "dosage"]
    if wants_progression and p is None:
        return [f"{', '.join(wants_progression)}: the plan has no progression (no follow-up)"]
    if p is not None:
        for key, got in (
            ("decision", p.decision.value),
            ("from_stage", p.from_stage),
            ("to_stage", p.to_stage),
        ):
            if key in expect and expect[key] != got:
                failures.append(f"{key}: expected {expect[key]!r}, got {got!r}")
        if "decisions" in expect and list(expect["decisions"]) != list(decisions):
            failures.append(f"decisions: expected {list(expect['decisions'])}, got {decisions}")
        history = [h.decision.value for h in plan.history]
        if "history" in expect and list(expect["history"]) != history:
            failures.append(f"history: expected {list(expect['history'])}, got {history}")
        for key, texts in (("reasons", p.reasons), ("changes", p.changes)):
            for want in expect.get(key, ()):
                if not any(want in text for text in texts):
                    failures.append(f"{key}: none contains {want!r}; {key} are {list(texts)}")
        for want in expect.get("progressed", ()):
            found = _items(plan, want["intervention"], want.get("stage"))
            sources = [item.progressed_from for _, item in found]
            if want.get("from") not in sources:
                where = f" in {want['stage']}" if "stage" in want else ""
                failures.append(
                    f"progressed: expected {want['intervention']}{where} progressed from "
                    f"{want.get('from')!r}; "
                    + (f"it was from {sources}" if found else "it is not placed")
                )
    for want in expect.get("dosage", ()):
        found = _items(plan, want["intervention"], want.get("stage"))
        if not found:
            failures.append(f"dosage: {want['intervention']} is not placed")
            continue
        unknown = sorted(
            {*want, *want.get("unset", ())} - {*DOSAGE_FIELDS, "intervention", "stage", "unset"}
        )
        if unknown:  # a misspelt field would otherwise never be compared
            failures.append(
                f"dosage: {want['intervention']}: unknown dosage field(s) {', '.join(unknown)}; "
                f"fields: {', '.join(DOSAGE_FIELDS)}"
            )
            continue
        for stage, item in found:
            for field in DOSAGE_FIELDS:
                if field in want and getattr(item.dosage, field) != want[field]:
                    failures.append(
                        f"dosage: {want['intervention']} in {stage}: expected {field} "
                        f"{want[field]}, got {getattr(item.dosage, field)}"
                    )
            for field in want.get("unset", ()):
                if getattr(item.dosage, field) is not None:
                    failures.append(
                        f"dosage: {want['intervention']} in {stage}: expected {field} unset, "
                        f"got {getattr(item.dosage, field)}"
                    )
    return failures
