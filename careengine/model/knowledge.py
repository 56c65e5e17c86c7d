"""The knowledge side of the model: what the catalog knows (interventions, dosages, stages,
vocabulary terms)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

from careengine.model.frozen import _tuple
from careengine.model.vocabulary import DosageSetting, InterventionKind, TermKind


@attrs.frozen(kw_only=True)
class Term:
    """A vocabulary code registered by a catalog plugin."""

    code: str
    kind: TermKind
    label: str
    region: str | None = None
    impairment: bool = False
    unit: str | None = None


@attrs.frozen(kw_only=True)
class Dosage:
    """How much of an item, how often, for how long and where.

    ``sets``, ``reps``, ``hold_seconds`` and ``minutes`` describe one bout; ``times_per_day``
    is how many bouts a day (McKenzie repeated movements: 10 repetitions every 2-3 hours);
    ``per_week`` is how many sessions a week, or, with ``times_per_day``, how many days a week;
    ``weeks`` is how long the programme runs; ``setting`` says where it is done (the home
    programme, the therapist's sessions, both, or every visit for advice and education).
    """

    sets: int | None = None
    reps: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None
    per_week: int | None = None
    times_per_day: int | None = None
    weeks: int | None = None
    setting: DosageSetting | None = None

    def weekly_volume(self) -> float:
        """A comparable load figure: sets x reps (or hold or minutes) x bouts a day x sessions
        (or days) a week. ``weeks`` and ``setting`` do not change a week's load."""
        per_session = float(self.sets or 1) * float(self.reps or 1)
        per_session *= float(self.hold_seconds or 1) * float(self.minutes or 1)
        return per_session * float(self.times_per_day or 1) * float(self.per_week or 1)


#: the dosage fields in the contract's order (docs/design.md section 6.3)
DOSAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in attrs.fields(Dosage))

#: the whole-number dosage fields (every field but ``setting``), in the contract's order
DOSAGE_COUNTS: tuple[str, ...] = tuple(name for name in DOSAGE_FIELDS if name != "setting")

#: The plausible range of every whole-number dosage field, whatever the intervention: a value
#: outside it is a defect (a catalog entry, a rule, a reviewer or a stored plan), never a
#: prescription. The catalog's per-exercise ``dosage_max`` narrows the upper end further where
#: it is given.
DOSAGE_BOUNDS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "sets": (1, 10),
        "reps": (1, 100),
        "hold_seconds": (1, 600),
        "minutes": (1, 180),
        "per_week": (1, 56),
        "times_per_day": (1, 24),
        "weeks": (1, 104),
    }
)

#: fields an ``every_visit`` item may not carry: the visit itself sets how often it happens
_NOT_EVERY_VISIT = ("sets", "reps", "hold_seconds", "per_week", "times_per_day")


def dosage_problems(dosage: Dosage, ceiling: Dosage | None = None) -> list[str]:
    """How ``dosage`` leaves :data:`DOSAGE_BOUNDS` or the intervention's ``ceiling``, or
    contradicts its own ``setting``, in words."""
    problems = []
    for name in DOSAGE_COUNTS:
        value = getattr(dosage, name)
        if value is None:
            continue
        lo, hi = DOSAGE_BOUNDS[name]
        if type(value) is not int:
            problems.append(f"{name} = {value!r} is not a whole number")
        elif not lo <= value <= hi:
            problems.append(f"{name} = {value} is outside {lo}..{hi}")
        elif ceiling is not None and (top := getattr(ceiling, name)) is not None and value > top:
            problems.append(f"{name} = {value} is above the catalog's maximum {top}")
    setting = dosage.setting
    if setting is not None and not isinstance(setting, DosageSetting):
        problems.append(
            f"setting = {setting!r} is not one of {', '.join(s.value for s in DosageSetting)}"
        )
    elif setting is DosageSetting.EVERY_VISIT:
        given = [name for name in _NOT_EVERY_VISIT if getattr(dosage, name) is not None]
        if given:
            problems.append(
                f"setting = every_visit takes no {', '.join(given)}: the visit sets how often"
            )
    elif setting is DosageSetting.SESSION and dosage.times_per_day is not None:
        problems.append("times_per_day is for a home programme, not for what is done in a session")
    return problems


@attrs.frozen(kw_only=True)
class Stage:
    id: str
    title: str
    order: int
    goals: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    progress_when: tuple[str, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class Coding:
    """A code in an outside terminology (e.g. a billing code) that a catalog entry maps to."""

    system: str
    code: str
    display: str | None = None


@attrs.frozen(kw_only=True)
class Intervention:
    id: str
    kind: InterventionKind
    name: str
    steps: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    dosage: Dosage = Dosage()
    safety_tips: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    contraindications_absolute: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    contraindications_relative: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    progresses_to: str | None = None
    regresses_to: str | None = None
    alternatives: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    exclusive_group: str | None = None
    evidence: str | None = None
    #: The highest dosage a reassessment may progress this intervention to, field by field; a
    #: field left ``None`` is never progressed. ``None`` altogether: the dosage is not progressed.
    dosage_max: Dosage | None = None
    #: equivalent codes in outside terminologies, emitted by the FHIR renderer
    codings: tuple[Coding, ...] = attrs.field(default=(), converter=_tuple)
