"""Three-valued criteria for the scoring plugin (docs/design.md section 11, "Three-valued
outcomes").

A :class:`Criterion` is met (``True``), failed (``False``) or unknown (``None``: its inputs were
not given). Unknown is never treated as failed:

* :func:`at_least` ("at least k of n criteria") is ``True`` when at least k are met, ``False``
  when k can no longer be reached even if every unknown criterion were met, else ``None``;
* :func:`all_of` (a conjunction) is ``True`` when every part is met, ``False`` when a known part
  fails, else ``None``;
* :func:`any_of` (a disjunction) is ``True`` when a part is met, ``False`` when every part fails,
  else ``None``.

Every undecided outcome carries ``missing``: the names of the inputs that would decide it.

Findings follow docs/design.md section 6.1: a finding listed with ``present`` true is present; one
listed only with ``"present": false`` was examined and not found; one not listed was not examined
(unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import attrs

from careengine.model import Direction, Finding, Side


@attrs.frozen(kw_only=True)
class Criterion:
    """One criterion of a rule: met, failed or unknown, and the inputs that decide it."""

    name: str
    met: bool | None
    #: without repeats: :func:`unknown_inputs` drops them when criteria are combined
    inputs: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Tally:
    """The outcome of a k-of-n rule."""

    met: int
    known: int
    value: bool | None
    missing: tuple[str, ...]
    met_names: tuple[str, ...]


def unknown_inputs(criteria: Sequence[Criterion]) -> tuple[str, ...]:
    """The inputs of the undecided criteria, in order, each once."""
    return tuple(dict.fromkeys(i for c in criteria if c.met is None for i in c.inputs))


def at_least(k: int, criteria: Sequence[Criterion]) -> Tally:
    """ "At least ``k`` of these criteria", three-valued."""
    met = sum(1 for c in criteria if c.met is True)
    unknown = sum(1 for c in criteria if c.met is None)
    value: bool | None
    if met >= k:
        value = True
    elif met + unknown < k:
        value = False
    else:
        value = None
    return Tally(
        met=met,
        known=len(criteria) - unknown,
        value=value,
        missing=unknown_inputs(criteria) if value is None else (),
        met_names=tuple(c.name for c in criteria if c.met is True),
    )


def all_of(name: str, parts: Sequence[Criterion]) -> Criterion:
    """A conjunction as one criterion; while undecided its inputs are those of the unknown parts."""
    if any(p.met is False for p in parts):
        return Criterion(name=name, met=False)
    if all(p.met is True for p in parts):
        return Criterion(name=name, met=True)
    return Criterion(name=name, met=None, inputs=unknown_inputs(parts))


def any_of(name: str, parts: Sequence[Criterion]) -> Criterion:
    """A disjunction as one criterion; while undecided its inputs are those of the unknown parts."""
    if any(p.met is True for p in parts):
        return Criterion(name=name, met=True)
    if all(p.met is False for p in parts):
        return Criterion(name=name, met=False)
    return Criterion(name=name, met=None, inputs=unknown_inputs(parts))


def compare(name: str, value: object, test: bool, source: str) -> Criterion:
    """A criterion on one input value: unknown when the value is, else the test's result."""
    if value is None:
        return Criterion(name=name, met=None, inputs=(source,))
    return Criterion(name=name, met=bool(test), inputs=(source,))


# --- findings ----------------------------------------------------------------------------------


def finding_label(code: str) -> str:
    """How a finding is named in ``missing`` (the same form as ``because[].matched``)."""
    return f"finding:{code}"


def finding_state(
    findings: Iterable[Finding], code: str, direction: Direction | None = None
) -> bool | None:
    """Whether a finding is present (``True``), recorded absent (``False``) or unknown (``None``).

    Present when any entry with that code (and that ``direction``, when one is asked for) is
    present. Recorded absent when no such entry is present and an entry says ``"present": false``
    (for a direction: an absent entry of that direction or of no stated direction).
    """
    entries = [f for f in findings if f.code == code]
    if any(f.present and (direction is None or f.direction == direction) for f in entries):
        return True
    if any(
        not f.present and (direction is None or f.direction in (None, direction)) for f in entries
    ):
        return False
    return None


def finding_criterion(name: str, code: str, state: bool | None) -> Criterion:
    """``code`` present, given its :func:`finding_state` (computed once by the caller, who also
    reports it among the inputs)."""
    return Criterion(name=name, met=state, inputs=(finding_label(code),))


def absent_criterion(name: str, code: str, state: bool | None) -> Criterion:
    """``code`` recorded absent, given its :func:`finding_state`: met when examined and not found,
    failed when present."""
    return Criterion(
        name=name, met=None if state is None else not state, inputs=(finding_label(code),)
    )


def measurements(findings: Iterable[Finding], code: str) -> list[Finding]:
    """The present entries of a measurement finding that carry a value."""
    return [f for f in findings if f.code == code and f.present and f.value is not None]


def sides(entries: Iterable[Finding]) -> set[Side]:
    """The sides these measurements cover (``bilateral`` covers both; no side covers none)."""
    covered: set[Side] = set()
    for f in entries:
        if f.side is Side.BILATERAL:
            covered |= {Side.LEFT, Side.RIGHT}
        elif f.side is not None:
            covered.add(f.side)
    return covered


def on_either_side(
    name: str, findings: Iterable[Finding], code: str, test: Callable[[float], bool]
) -> tuple[Criterion, dict[str, list[float]]]:
    """ "``test`` holds on at least one side" for a per-side measurement.

    Met when any measured value passes; failed when both sides were measured and none passes;
    unknown otherwise (a measurement without a side cannot rule out the other side).
    Returns the criterion and the values used, by side.
    """
    entries = measurements(findings, code)
    by_side: dict[str, list[float]] = {}
    passes = False
    for f in entries:
        value = float(f.value or 0.0)
        by_side.setdefault(f.side.value if f.side else "unspecified", []).append(value)
        passes = passes or test(value)
    met: bool | None
    if passes:
        met = True
    elif {Side.LEFT, Side.RIGHT} <= sides(entries):
        met = False
    else:
        met = None
    return Criterion(name=name, met=met, inputs=(finding_label(code),)), {
        k: by_side[k] for k in sorted(by_side)
    }
