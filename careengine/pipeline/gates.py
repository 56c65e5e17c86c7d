"""Reassessment gates: advance, hold or regress the stage (docs/design.md section 8).

:class:`Gates` holds the thresholds; the defaults are the gates of docs/design.md section 8, local
design choices built on published anchors (docs/clinical-basis.md section 8): the
pain-monitoring model (pain during exercise up to 5/10, settled within 24 hours; Silbernagel 2007,
Thomee 1997) and the NPRS minimal important change of 2 points (Childs 2005, Ostelo 2008).
A clinic sets its own with ``Engine(gates=Gates(...))`` or a TOML file (:func:`load_gates`,
``careengine reassess --gates FILE``); docs/reassessment.md describes every key.

:func:`decide` applies the gates, in this order:

1. **regress** when any of: pain during exercise above ``regress_exercise_pain_above``; pain not
   settled within 24 hours (``regress_when_not_settled``); current pain risen by
   ``regress_pain_rise`` points or more since the previous visit;
2. **advance** when all of: pain during exercise at most ``advance_exercise_pain_at_most``;
   settled within 24 hours (``advance_requires_settled``); adherence at least
   ``advance_adherence_at_least`` %; current pain fallen by ``advance_pain_drop`` points or more,
   or at most ``advance_pain_at_most``;
3. otherwise **hold**.

The stage moves one step from the previous plan's current stage (never past the first or the last
stage). With ``hold_below_findings_stage`` an advance becomes a hold when the follow-up's own
staging rules would start a new plan in a stage below the current one (today's findings show an
irritable back, e.g. muscle guarding or severe pain). Every decision says why in plain words.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs

from careengine.errors import ConfigurationError, Problem, suggest
from careengine.io.regular_files import NotRegularFile, read_regular_file
from careengine.model import Decision, Response
from careengine.pipeline.evidence import (
    FINDINGS_KEEP,
    adherence_line,
    function_line,
    pain_line,
    pts,
    worsening_signs,
)

_T = TypeVar("_T", bound=attrs.AttrsInstance)


def _between(lo: float, hi: float | None = None) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigurationError(f"{attribute.name} must be a number, not {value!r}")
        if value < lo or (hi is not None and value > hi):
            bounds = f"{lo:g} to {hi:g}" if hi is not None else f"at least {lo:g}"
            raise ConfigurationError(f"{attribute.name} must be {bounds}, not {value!r}")

    return check


def _flag(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{attribute.name} must be true or false, not {value!r}")


def _steps(_instance: object, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, DosageSteps):
        raise ConfigurationError(f"steps must be a DosageSteps object, not {value!r}")


@attrs.frozen(kw_only=True)
class DosageSteps:
    """How much one progression step changes each dosage field (0: never change it)."""

    sets: int = attrs.field(default=1, validator=_between(0, 10))
    reps: int = attrs.field(default=2, validator=_between(0, 50))
    hold_seconds: int = attrs.field(default=5, validator=_between(0, 300))
    minutes: int = attrs.field(default=5, validator=_between(0, 120))
    times_per_day: int = attrs.field(default=1, validator=_between(0, 12))


@attrs.frozen(kw_only=True)
class Gates:
    """The reassessment policy: stage gates, dosage steps and how much history a plan keeps."""

    regress_exercise_pain_above: int = attrs.field(default=5, validator=_between(0, 10))
    regress_when_not_settled: bool = attrs.field(default=True, validator=_flag)
    regress_pain_rise: int = attrs.field(default=2, validator=_between(1, 10))
    advance_exercise_pain_at_most: int = attrs.field(default=5, validator=_between(0, 10))
    advance_requires_settled: bool = attrs.field(default=True, validator=_flag)
    advance_adherence_at_least: float = attrs.field(default=70, validator=_between(0, 100))
    advance_pain_drop: int = attrs.field(default=2, validator=_between(1, 10))
    advance_pain_at_most: int = attrs.field(default=3, validator=_between(0, 10))
    hold_below_findings_stage: bool = attrs.field(default=True, validator=_flag)
    history_length: int = attrs.field(default=10, validator=_between(0, 100))
    steps: DosageSteps = attrs.field(default=DosageSteps(), validator=_steps)


def load_gates(path: str | Path) -> Gates:
    """Read gates from a TOML file: any :class:`Gates` key at the top, a ``[steps]`` table.

    Keys left out keep their defaults; an unknown key or a bad value is a ConfigurationError
    naming the file and the key.
    """
    p = Path(path)
    try:
        data = tomllib.loads(read_regular_file(p).decode("utf-8"))
    except NotRegularFile as exc:
        raise ConfigurationError(
            "cannot read gates",
            problems=[Problem(file=p.name, path="$", message=f"not a regular file ({exc})")],
        ) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            "cannot read gates",
            problems=[Problem(file=p.name, path="$", message=f"cannot read gates: {exc}")],
        ) from exc
    return gates_from_dict(data, file=p.name)


def gates_from_dict(data: Mapping[str, Any], *, file: str | None = None) -> Gates:
    problems: list[Problem] = []

    def build(cls: type[_T], table: Mapping[str, Any], where: str) -> _T | None:
        names = [f.name for f in attrs.fields(cls)]
        kwargs: dict[str, Any] = {}
        for key, value in table.items():
            path = f"{where}{key}"
            if key not in names:
                problems.append(
                    Problem(
                        file=file,
                        path=path,
                        message=f"unknown key {key!r}",
                        suggestion=suggest(key, names),
                    )
                )
            elif key == "steps":
                if isinstance(value, Mapping):
                    kwargs[key] = build(DosageSteps, value, "steps.")
                else:
                    problems.append(Problem(file=file, path=path, message="must be a table"))
            else:
                try:
                    field = attrs.fields_dict(cls)[key]
                    assert field.validator is not None
                    field.validator(None, field, value)
                    kwargs[key] = value
                except ConfigurationError as exc:
                    problems.append(Problem(file=file, path=path, message=exc.message))
        return cls(**kwargs) if not problems else None

    gates = build(Gates, data, "")
    if problems or gates is None:
        raise ConfigurationError("invalid gates", problems=problems)
    return gates


@attrs.frozen(kw_only=True)
class StageDecision:
    """What :func:`decide` found; ``dosage`` is ``up``, ``keep`` or ``down``."""

    decision: Decision
    from_stage: str
    to_stage: str
    reasons: tuple[str, ...]
    dosage: str
    dosage_note: str | None = None


def decide(
    *,
    gates: Gates,
    stages: Sequence[str],
    from_stage: str,
    response: Response,
    previous_pain: int,
    current_pain: int,
    findings_stage: str | None = None,
    findings_reason: str | None = None,
    adherence_counts: bool = True,
    function: tuple[float, float] | None = None,
) -> StageDecision:
    """Apply the gates to one follow-up. ``stages`` are the catalog's stage ids in order;
    ``findings_stage`` is where the follow-up's staging rules would start a new plan (``None``
    when no staging rule fired) and ``findings_reason`` their rationale. ``adherence_counts`` is
    false when the stages up to ``from_stage`` held no exercise to do at home: there was
    nothing to adhere to, so the adherence gate does not count. ``function`` is the disability
    score (ODI %) at the previous visit and today, when both are known."""
    g = gates
    pain_max = response.exercise_pain_max
    change = current_pain - previous_pain
    from_pain = f"from {previous_pain}/10 to {current_pain}/10"
    adherence = adherence_line(response.adherence_percent, g, adherence_counts, from_stage)
    evidence = tuple(e for e in (function_line(function),) if e)

    regress: list[str] = []
    if pain_max > g.regress_exercise_pain_above:
        regress.append(
            f"Pain during exercise reached {pain_max}/10, above the "
            f"{g.regress_exercise_pain_above}/10 ceiling."
        )
    if g.regress_when_not_settled and not response.settled_within_24h:
        regress.append("Pain after exercise did not settle within 24 hours.")
    if change >= g.regress_pain_rise:
        regress.append(
            f"Current pain rose {from_pain} ({pts(change)}; a rise of "
            f"{g.regress_pain_rise} or more means the load was too much)."
        )
    index = stages.index(from_stage)
    if regress:
        to = stages[max(index - 1, 0)]
        if change < g.regress_pain_rise:
            regress.append(pain_line(previous_pain, current_pain))
        edge: tuple[str, ...] = ()
        if to == from_stage:
            edge = (
                f"Already in the first stage ({from_stage}): the stage stays and the "
                "exercises are made easier.",
            )
        return StageDecision(
            decision=Decision.REGRESS,
            from_stage=from_stage,
            to_stage=to,
            reasons=(*regress, *evidence, adherence.fact, *edge),
            dosage="down",
        )

    met: list[str] = []
    unmet: list[str] = []
    if pain_max <= g.advance_exercise_pain_at_most:
        met.append(
            f"Pain during exercise stayed at or below {g.advance_exercise_pain_at_most}/10 "
            f"(highest {pain_max}/10)."
        )
    else:
        unmet.append(
            f"Pain during exercise reached {pain_max}/10; advancing needs "
            f"{g.advance_exercise_pain_at_most}/10 or less."
        )
    if response.settled_within_24h:
        met.append("Pain after exercise settled within 24 hours.")
    elif g.advance_requires_settled:
        unmet.append("Pain after exercise did not settle within 24 hours; advancing needs it to.")
    (met if adherence.passed else unmet).append(adherence.text)
    # a hold names the pain change and adherence even when those gates passed
    also = [adherence.text] if adherence.passed else []
    if -change >= g.advance_pain_drop:
        met.append(f"Current pain fell {from_pain} ({pts(-change)}).")
        also.insert(0, met[-1])
    elif current_pain <= g.advance_pain_at_most:
        was = "" if change == 0 else f" ({from_pain})"
        met.append(
            f"Current pain is {current_pain}/10{was}, at or below {g.advance_pain_at_most}/10."
        )
        also.insert(0, met[-1])
    else:
        moved = (
            f"fell by only {pts(-change)}" if change < 0 else "did not fall"
        ) + f" ({from_pain})"
        unmet.append(
            f"Current pain {moved}; advancing needs a fall of {g.advance_pain_drop} points or "
            f"pain of {g.advance_pain_at_most}/10 or less."
        )

    if unmet:
        worse = worsening_signs(g, response, previous_pain, current_pain, function)
        note: str | None
        if worse:
            note = (
                "Dosages kept, not raised: "
                + "; ".join(w[0].lower() + w[1:].rstrip(".") for w in worse)
                + ". A hold raises the dosage only when nothing got worse."
            )
            status = "Worse since the last visit, though not enough to regress: the stage is held."
        else:
            note = adherence.keep_note
            status = (
                f"No sign of overload: pain during exercise stayed at or below "
                f"{g.regress_exercise_pain_above}/10"
                + (", settled within 24 hours" if g.regress_when_not_settled else "")
                + f" and did not rise by {g.regress_pain_rise} points."
            )
        return StageDecision(
            decision=Decision.HOLD,
            from_stage=from_stage,
            to_stage=from_stage,
            reasons=(*unmet, status, *also, *evidence, *((note,) if note else ())),
            dosage="keep" if note else "up",
            dosage_note=note,
        )

    order = {stage: i for i, stage in enumerate(stages)}
    if (
        g.hold_below_findings_stage
        and findings_stage is not None
        and order.get(findings_stage, index) < index
    ):
        why = f" ({findings_reason.rstrip('.')})" if findings_reason else ""
        return StageDecision(
            decision=Decision.HOLD,
            from_stage=from_stage,
            to_stage=from_stage,
            reasons=(
                *met,
                *evidence,
                f"But today's findings would start a new plan in {findings_stage}{why}, below "
                f"the current stage {from_stage}: the stage is held, not advanced.",
            ),
            dosage="keep",
            dosage_note=FINDINGS_KEEP,
        )
    to = stages[min(index + 1, len(stages) - 1)]
    edge = ()
    if to == from_stage:
        edge = (
            f"Already in the last stage ({from_stage}): the stage stays and the exercises "
            "progress.",
        )
    return StageDecision(
        decision=Decision.ADVANCE,
        from_stage=from_stage,
        to_stage=to,
        reasons=(*met, *evidence, *edge),
        dosage="up",
    )
