"""Questionnaire scores (docs/design.md section 11): STarT Back, ODI, FABQ, and their reconciliation
with scores given directly in ``measures``.

A score comes from the raw answers in ``questionnaires`` when they are given, else from
``measures``. When both are given and disagree the assessment is inconsistent:
:class:`~careengine.errors.AssessmentError` names the measure and both values. A percent given in
``measures.odi_percent`` agrees when it is the computed percent itself or the computed percent
rounded (either way at a half) to a whole number or to one or two decimals. Integer scores must be
equal. Scores given in ``measures`` are also checked against their ranges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from careengine.errors import AssessmentError, Problem
from careengine.model import Assessment

# --- STarT Back (Keele form numbering) -----------------------------------------------------------

STARTBACK_ITEMS = range(1, 9)
STARTBACK_PSYCHOSOCIAL_ITEMS = range(5, 9)  # with item 9 (bothersomeness): items 5-9
STARTBACK_BOTHERSOME = frozenset({"very_much", "extremely"})


def startback_scores(agree: Sequence[int], bothersomeness: str) -> tuple[int, int]:
    """(total, psychosocial): items 1-8 answered agree plus 1 for a bothersome item 9; the
    psychosocial subscale counts items 5-9 the same way."""
    items = set(agree)
    bother = 1 if bothersomeness in STARTBACK_BOTHERSOME else 0
    total = sum(1 for i in STARTBACK_ITEMS if i in items) + bother
    psychosocial = sum(1 for i in STARTBACK_PSYCHOSOCIAL_ITEMS if i in items) + bother
    return total, psychosocial


def startback_risk(total: int | None, psychosocial: int | None) -> str | None:
    """``low`` if total <= 3; else ``high`` if psychosocial >= 4; else ``medium``.

    Decided from partial scores where every possible value of the unknown one gives the same
    answer: a psychosocial score of 4 or more is high risk whatever the total (its items are part
    of the total, so the total is then at least 4).
    """
    if total is not None and total <= 3:
        return "low"
    if psychosocial is not None and psychosocial >= 4:
        return "high"
    if total is not None and psychosocial is not None:
        return "medium"
    return None


# --- ODI -----------------------------------------------------------------------------------------

ODI_BANDS = ((20, "minimal"), (40, "moderate"), (60, "severe"), (80, "crippling"))


def odi_percent(sections: Sequence[int | None]) -> float:
    """Sum of the answered sections / (5 x answered sections) x 100 (exact at whole percents)."""
    answered = [s for s in sections if s is not None]
    return sum(answered) * 100 / (5 * len(answered))


def odi_band(percent: float) -> str:
    """<= 20 minimal, <= 40 moderate, <= 60 severe, <= 80 crippling, else bed_bound."""
    for edge, band in ODI_BANDS:
        if percent <= edge:
            return band
    return "bed_bound"


# --- FABQ ----------------------------------------------------------------------------------------

FABQ_PA_ITEMS = (2, 3, 4, 5)
FABQ_WORK_ITEMS = (6, 7, 9, 10, 11, 12, 15)


def fabq_subscales(answers: Sequence[int]) -> tuple[int, int]:
    """(physical activity, work) from the 16 answers (items numbered from 1)."""
    pa = sum(answers[i - 1] for i in FABQ_PA_ITEMS)
    work = sum(answers[i - 1] for i in FABQ_WORK_ITEMS)
    return pa, work


# --- reconciliation ------------------------------------------------------------------------------

#: Per measure code: (largest value, whole numbers only).
MEASURE_RANGES: Mapping[str, tuple[int, bool]] = {
    "startback_total": (9, True),
    "startback_psychosocial": (5, True),
    "odi_percent": (100, False),
    "fabq_pa": (24, True),
    "fabq_work": (42, True),
}

#: How an undecided score is named in ``missing``: the two ways of giving it.
SOURCES: Mapping[str, str] = {
    "startback_total": "questionnaires.startback or measures.startback_total",
    "startback_psychosocial": "questionnaires.startback or measures.startback_psychosocial",
    "odi_percent": "questionnaires.odi or measures.odi_percent",
    "fabq_pa": "questionnaires.fabq or measures.fabq_pa",
    "fabq_work": "questionnaires.fabq or measures.fabq_work",
}


@attrs.frozen(kw_only=True)
class Score:
    """A score's value (``None`` when not given) and where it came from."""

    value: int | float | None = None
    source: str | None = None


@attrs.frozen(kw_only=True)
class Scores:
    startback_total: Score = Score()
    startback_psychosocial: Score = Score()
    odi_percent: Score = Score()
    odi_answered: int | None = None
    fabq_pa: Score = Score()
    fabq_work: Score = Score()


def _odi_agrees(given: float, computed: float) -> bool:
    if abs(given - computed) < 1e-9:
        return True
    for decimals in (0, 1, 2):
        scaled = given * 10**decimals
        if (
            abs(scaled - round(scaled)) < 1e-6
            and abs(given - computed) <= 0.5 / 10**decimals + 1e-9
        ):
            return True
    return False


def _show(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value!r}"


def resolve_scores(assessment: Assessment) -> Scores:
    """Every questionnaire score, from raw answers or ``measures``; raises AssessmentError listing
    every out-of-range measure and every disagreement between a measure and the raw answers."""
    file = assessment.source
    problems: list[Problem] = []
    measures = assessment.measures
    q = assessment.questionnaires

    def given(code: str) -> float | int | None:
        value = measures.get(code)
        if value is None:
            return None
        hi, whole = MEASURE_RANGES[code]
        if whole and not float(value).is_integer():
            problems.append(
                Problem(
                    file=file,
                    path=f"measures.{code}",
                    message=f"must be a whole number, not {value!r}",
                )
            )
            return None
        if not 0 <= value <= hi:
            problems.append(
                Problem(
                    file=file,
                    path=f"measures.{code}",
                    message=f"{value!r} is out of range (0 to {hi})",
                )
            )
            return None
        return int(value) if whole else float(value)

    def pick(code: str, computed: float | None, origin: str) -> Score:
        measure = given(code)
        if computed is None:
            return Score(value=measure, source=None if measure is None else f"measures.{code}")
        if measure is not None:
            agrees = (
                _odi_agrees(measure, computed) if code == "odi_percent" else measure == computed
            )
            if not agrees:
                problems.append(
                    Problem(
                        file=file,
                        path=f"measures.{code}",
                        message=(
                            f"{_show(measure)} disagrees with {_show(computed)} "
                            f"computed from {origin}"
                        ),
                    )
                )
        return Score(value=computed, source=origin)

    sb_total = sb_psych = None
    startback: Mapping[str, Any] | None = q.get("startback")
    if startback is not None:
        sb_total, sb_psych = startback_scores(startback["agree"], startback["bothersomeness"])
    odi_value = answered = None
    odi: Mapping[str, Any] | None = q.get("odi")
    if odi is not None:
        odi_value = odi_percent(odi["sections"])
        answered = sum(1 for s in odi["sections"] if s is not None)
    pa = work = None
    fabq: Mapping[str, Any] | None = q.get("fabq")
    if fabq is not None:
        pa, work = fabq_subscales(fabq["answers"])

    scores = Scores(
        startback_total=pick("startback_total", sb_total, "questionnaires.startback"),
        startback_psychosocial=pick("startback_psychosocial", sb_psych, "questionnaires.startback"),
        odi_percent=pick("odi_percent", odi_value, "questionnaires.odi"),
        odi_answered=answered,
        fabq_pa=pick("fabq_pa", pa, "questionnaires.fabq"),
        fabq_work=pick("fabq_work", work, "questionnaires.fabq"),
    )
    total, psych = scores.startback_total.value, scores.startback_psychosocial.value
    if startback is None and total is not None and psych is not None and psych > total:
        problems.append(
            Problem(
                file=file,
                path="measures.startback_psychosocial",
                message=(
                    f"{_show(psych)} is more than the total score {_show(total)} "
                    "(the psychosocial items are part of the total)"
                ),
            )
        )
    if startback is None and total is not None and psych is not None and total - psych > 4:
        problems.append(
            Problem(
                file=file,
                path="measures.startback_total",
                message=(
                    f"{_show(total)} is more than the psychosocial score {_show(psych)} plus 4 "
                    "(only items 1-4 lie outside the psychosocial subscale)"
                ),
            )
        )
    if problems:
        raise AssessmentError("inconsistent scores", file=file, problems=problems)
    return scores
