"""A dosage in words, the one place that says it: for the clinician (terminal, markdown, explain,
FHIR notes, merge conflicts) and for the patient (the handout, FHIR ``patientInstruction``).

Clinician: ``1 x 10, 6x/day (every 2-3 h), daily, 6 wk, home programme``.
Patient: ``10 repetitions, 6 times a day (every 2-3 hours), every day, for 6 weeks, in your home
programme``; an education item: ``at every visit``.

The parts come in one order: how much in one bout (sets, repetitions, hold, minutes), how often
(times a day, days or sessions a week, or "at every visit"), for how long (weeks) and where (the
home programme, the therapist's sessions or both). ``times_per_day`` of four or more also gives
the spacing over a 16-hour waking day (six a day: every 2-3 hours), as the McKenzie home
programme is taught (docs/clinical-basis.md, "Dosage: frequency, duration and setting").
"""

from __future__ import annotations

import math
from typing import Literal

from careengine.model import Dosage, DosageSetting

__all__ = ["Audience", "clinician_dosage", "dosage_words", "patient_dosage", "spacing_hours"]

Audience = Literal["clinician", "patient"]

#: the waking day over which bouts a day are spread (local choice, docs/clinical-basis.md)
WAKING_HOURS = 16

_WHERE_CLINICIAN = {
    DosageSetting.HOME: "home programme",
    DosageSetting.SESSION: "in session",
    DosageSetting.HOME_AND_SESSION: "in session + home programme",
}
_WHERE_PATIENT = {
    DosageSetting.HOME: "in your home programme",
    DosageSetting.SESSION: "in your sessions with your therapist",
    DosageSetting.HOME_AND_SESSION: "with your therapist, then in your home programme",
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def spacing_hours(times_per_day: int) -> str | None:
    """How far apart the bouts fall over a waking day ("2-3"), from four bouts a day up."""
    if times_per_day < 4:
        return None
    exact = WAKING_HOURS / times_per_day
    lo, hi = math.floor(exact), math.ceil(exact)
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _amount(d: Dosage, patient: bool) -> list[str]:
    parts = []
    if patient:
        if d.sets and d.reps:
            reps = _count(d.reps, "repetition", "repetitions")
            parts.append(reps if d.sets == 1 else f"{_count(d.sets, 'set', 'sets')} of {reps}")
        elif d.sets:
            parts.append(_count(d.sets, "set", "sets"))
        elif d.reps:
            parts.append(_count(d.reps, "repetition", "repetitions"))
        if d.hold_seconds:
            parts.append(f"hold each for {_count(d.hold_seconds, 'second', 'seconds')}")
        if d.minutes:
            parts.append(_count(d.minutes, "minute", "minutes"))
        return parts
    if d.sets and d.reps:
        parts.append(f"{d.sets} x {d.reps}")
    elif d.sets:
        parts.append(f"{d.sets} sets")
    elif d.reps:
        parts.append(f"{d.reps} reps")
    if d.hold_seconds:
        parts.append(f"hold {d.hold_seconds} s")
    if d.minutes:
        parts.append(f"{d.minutes} min")
    return parts


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _how_often(d: Dosage, patient: bool) -> list[str]:
    parts = []
    if d.setting is DosageSetting.EVERY_VISIT:
        parts.append("at every visit" if patient else "every visit")
    if d.times_per_day:
        spacing = spacing_hours(d.times_per_day)
        if patient:
            text = f"{_times(d.times_per_day)} a day"
            parts.append(text + (f" (every {spacing} hours)" if spacing else ""))
        else:
            parts.append(f"{d.times_per_day}x/day" + (f" (every {spacing} h)" if spacing else ""))
    if d.per_week:
        if d.per_week == 7:
            parts.append("every day" if patient else "daily")
        elif d.times_per_day:
            days = _count(d.per_week, "day", "days")
            parts.append(f"on {days} a week" if patient else f"{days}/week")
        else:
            parts.append(f"{_times(d.per_week)} a week" if patient else f"{d.per_week}x/week")
    return parts


def dosage_words(d: Dosage, audience: Audience = "clinician") -> str:
    """The whole dosage in words for ``audience``; a dosage with nothing in it reads "as
    directed" (clinician) or "as your therapist shows you" (patient)."""
    patient = audience == "patient"
    parts = _amount(d, patient) + _how_often(d, patient)
    if d.weeks:
        weeks = _count(d.weeks, "week", "weeks")
        parts.append(f"for {weeks}" if patient else f"{d.weeks} wk")
    if d.setting is not None and d.setting in _WHERE_PATIENT:
        parts.append((_WHERE_PATIENT if patient else _WHERE_CLINICIAN)[d.setting])
    if not parts:
        return "as your therapist shows you" if patient else "as directed"
    return ", ".join(parts)


def clinician_dosage(d: Dosage) -> str:
    """The dosage in a clinician's shorthand: ``2 x 12, hold 5 s, 3x/week, home programme``."""
    return dosage_words(d, "clinician")


def patient_dosage(d: Dosage) -> str:
    """The dosage in plain words: ``2 sets of 12 repetitions, hold each for 5 seconds, 3 times a
    week, in your home programme``."""
    return dosage_words(d, "patient")
