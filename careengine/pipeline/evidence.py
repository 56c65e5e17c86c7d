"""The evidence behind a reassessment decision, in plain words (docs/reassessment.md).

:func:`careengine.pipeline.gates.decide` names, in every decision's ``reasons``, the evidence it
weighed: the change in current pain (:func:`pain_line`), the change in function when a
disability score was recorded at both visits (:func:`function_line`), adherence and whether it
counts (:func:`adherence_line`), and on a hold any sign that something got worse
(:func:`worsening_signs`: a hold never raises a dosage while the patient is worse).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from careengine.model import Response

if TYPE_CHECKING:
    from careengine.pipeline.gates import Gates

#: A rise in the Oswestry Disability Index of this many percentage points is a worse function:
#: the ODI's minimal important change (Ostelo et al., Spine 2008;33:90-94).
ODI_WORSE_POINTS = 10

FINDINGS_KEEP = "Dosages kept: today's findings show an irritable back."


def pts(n: float) -> str:
    return f"{n:g} point" + ("" if abs(n) == 1 else "s")


def pain_line(previous: int, current: int) -> str:
    """The change in current pain, for a decision whose gates did not already name it."""
    change = current - previous
    if change == 0:
        return f"Current pain is unchanged at {current}/10."
    verb = "rose" if change > 0 else "fell"
    return f"Current pain {verb} from {previous}/10 to {current}/10 ({pts(abs(change))})."


def function_line(function: tuple[float, float] | None) -> str | None:
    """The change in disability (ODI %) between the visits; ``None`` when not known at both."""
    if function is None:
        return None
    before, now = (round(v) for v in function)
    if now == before:
        return f"Disability (ODI) is unchanged at {now} %."
    verb = "improved" if now < before else "worsened"
    return f"Disability (ODI) {verb} from {before} % to {now} % ({pts(abs(now - before))})."


def odi_percent(classifications: Mapping[str, Any]) -> float | None:
    """The ODI percentage of a plan's ``classifications`` block, when it was scored."""
    odi = classifications.get("odi")
    value = odi.get("percent") if isinstance(odi, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@attrs.frozen(kw_only=True)
class Adherence:
    """The adherence gate's outcome: passed, its reason, and the note when dosages are kept."""

    passed: bool
    text: str
    #: the same as a plain fact, for a regress (where adherence decides nothing)
    fact: str
    keep_note: str | None = None


def adherence_line(percent: float, gates: Gates, counts: bool, stage: str) -> Adherence:
    """Adherence as evidence. It only counts when the stages worked through so far held an
    exercise to do at home: in a stage of advice and hands-on care there was nothing to adhere
    to, and a low figure says nothing about how the programme was tolerated."""
    need = gates.advance_adherence_at_least
    if not counts:
        text = (
            f"Adherence ({percent:g} %) is not counted: up to the current stage ({stage}) "
            "the plan held no exercise to do at home, so there was nothing to adhere to."
        )
        return Adherence(passed=True, text=text, fact=text)
    fact = f"Adherence was {percent:g} %."
    if percent >= need:
        return Adherence(
            passed=True, text=f"Adherence {percent:g} % reached the {need:g} % needed.", fact=fact
        )
    return Adherence(
        passed=False,
        text=f"Adherence {percent:g} % is below the {need:g} % needed to advance.",
        fact=fact,
        keep_note=(
            f"Dosages kept: with adherence below {need:g} % the current dosage has not yet been "
            "tried enough to raise it."
        ),
    )


def worsening_signs(
    gates: Gates,
    response: Response,
    previous_pain: int,
    current_pain: int,
    function: tuple[float, float] | None,
) -> list[str]:
    """Every sign that the patient is worse, though not enough to regress: on a hold none of
    them may go with a higher dosage."""
    out = []
    if current_pain > previous_pain:
        out.append(
            f"Current pain rose from {previous_pain}/10 to {current_pain}/10 "
            f"({pts(current_pain - previous_pain)})."
        )
    if response.exercise_pain_max > gates.advance_exercise_pain_at_most:
        out.append(f"Pain during exercise reached {response.exercise_pain_max}/10.")
    if not response.settled_within_24h:
        out.append("Pain after exercise did not settle within 24 hours.")
    if function is not None and function[1] - function[0] >= ODI_WORSE_POINTS:
        out.append(
            f"Disability (ODI) worsened by {pts(round(function[1] - function[0]))} "
            f"(a change of {ODI_WORSE_POINTS} or more matters)."
        )
    return out
