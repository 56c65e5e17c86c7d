"""Dosage arithmetic for reassessments: one step up within the catalog's ceilings, one step
down, the starting dosage of an easier exercise, and caps.

Raising changes the first field with room below the intervention's ``dosage_max`` in the order
repetitions, hold, minutes, sets, times a day (a field the ceiling leaves unset never rises);
lowering changes the first field that stays at one step or more in the order sets, repetitions,
hold, minutes, times a day. ``per_week`` is a prescription choice and never changes; ``weeks``
(how long the programme runs) and ``setting`` (where it is done) are not load and are never
stepped or capped. Each function also returns the change in words for the plan's
``progression.changes``.
"""

from __future__ import annotations

from typing import Any

import attrs

from careengine.model import DOSAGE_COUNTS, Dosage
from careengine.pipeline.gates import DosageSteps

UP_ORDER = ("reps", "hold_seconds", "minutes", "sets", "times_per_day")
DOWN_ORDER = ("sets", "reps", "hold_seconds", "minutes", "times_per_day")
#: the fields that make up a dosage's load: capped on a regress (``weeks`` is a duration)
LOAD_FIELDS = tuple(name for name in DOSAGE_COUNTS if name != "weeks")
_LABELS = {
    "sets": ("sets", ""),
    "reps": ("repetitions", ""),
    "hold_seconds": ("hold", " s"),
    "minutes": ("minutes", ""),
    "times_per_day": ("times a day", ""),
}


def _change(name: str, old: int, new: int) -> str:
    label, unit = _LABELS[name]
    return f"{label} {old} -> {new}{unit}"


def raise_dosage(
    dosage: Dosage, ceiling: Dosage | None, steps: DosageSteps
) -> tuple[Dosage, str | None]:
    """One step up in the first field with room below its ceiling; the change in words."""
    if ceiling is None:
        return dosage, None
    for name in UP_ORDER:
        value, top, step = getattr(dosage, name), getattr(ceiling, name), getattr(steps, name)
        if value is None or top is None or step <= 0 or value >= top:
            continue
        new = min(value + step, top)
        return attrs.evolve(dosage, **{name: new}), _change(name, value, new)
    return dosage, None


def lower_dosage(dosage: Dosage, steps: DosageSteps) -> tuple[Dosage, str | None]:
    """One step down in the first field that stays at one step or more; the change in words."""
    for name in DOWN_ORDER:
        value, step = getattr(dosage, name), getattr(steps, name)
        if value is None or step <= 0 or value - step < step:
            continue
        return attrs.evolve(dosage, **{name: value - step}), _change(name, value, value - step)
    return dosage, None


def regressed_dosage(default: Dosage, previous: Dosage) -> Dosage:
    """The easier exercise's catalog dosage, its load capped field by field at the previous
    dosage (its ``weeks`` and ``setting`` are the easier exercise's own)."""
    fields: dict[str, Any] = {}
    for name in LOAD_FIELDS:
        new, old = getattr(default, name), getattr(previous, name)
        fields[name] = new if new is None or old is None else min(new, old)
    return attrs.evolve(default, **fields)


def cap_dosage(dosage: Dosage, ceiling: Dosage) -> Dosage:
    """Its load field by field no higher than ``ceiling``; a load field ``ceiling`` leaves unset
    is unset. ``weeks`` and ``setting`` stay as they are."""
    fields: dict[str, Any] = {}
    for name in LOAD_FIELDS:
        new, top = getattr(dosage, name), getattr(ceiling, name)
        fields[name] = None if new is None or top is None else min(new, top)
    return attrs.evolve(dosage, **fields)
