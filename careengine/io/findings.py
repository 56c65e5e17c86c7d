"""Reading the ``findings`` list of an assessment: each finding, then the contradictions between
them (docs/design.md section 6.1).
"""

from __future__ import annotations

import enum
from typing import Any

from careengine.errors import kind_of, suggest
from careengine.io.assessment_format import MAX_FINDINGS
from careengine.io.field_reader import FieldReader
from careengine.io.json_text import NOT_UNICODE, encodable, shown
from careengine.model import Direction, Finding, Severity, Side, TermKind

FINDING_KEYS = {"code", "present", "side", "severity", "value", "unit", "direction"}


def read_findings(r: FieldReader, data: Any) -> list[Finding]:
    if data is None:
        return []
    if not isinstance(data, list):
        r.problem("findings", f"must be a list, not {kind_of(data)}")
        return []
    if len(data) > MAX_FINDINGS:
        r.problem("findings", f"has {len(data)} entries; at most {MAX_FINDINGS} are accepted")
        return []
    known = r.catalog.code_set(TermKind.FINDING)
    out: list[tuple[int, Finding, bool]] = []  # (index, finding, valid)
    for i, raw in enumerate(data):
        path = f"findings[{i}]"
        before = len(r.problems)
        f = r.obj(raw, path)
        if f is None:
            if raw is None:
                r.problem(path, "must be an object, not null")
            continue
        r.keys(f, FINDING_KEYS, path)
        code = f.get("code")
        if not isinstance(code, str):
            r.problem(
                f"{path}.code",
                "is required" if code is None else f"must be a string, not {kind_of(code)}",
            )
            continue
        if code not in known:
            if not encodable(code):  # it would be written into the plan as it is
                r.problem(f"{path}.code", f"{shown(code)} {NOT_UNICODE}")
            elif r.allow_unknown:
                r.unrecognized.append(code)
            else:
                r.problem(f"{path}.code", f"unknown finding {code!r}", suggest(code, known))
            continue
        term = r.catalog.term(TermKind.FINDING, code)
        unit = f.get("unit")
        if unit is not None and not isinstance(unit, str):
            r.problem(f"{path}.unit", f"must be a string, not {kind_of(unit)}")
            unit = None
        elif unit is not None and not encodable(unit):
            r.problem(f"{path}.unit", f"{shown(unit)} {NOT_UNICODE}")
            unit = None
        if term is not None and term.unit is not None and unit is not None and unit != term.unit:
            r.problem(f"{path}.unit", f"{code} is measured in {term.unit!r}, not {unit!r}")
        if term is not None and term.unit is not None and unit is None and "value" in f:
            unit = term.unit
        low, high = (
            (0.0, 180.0) if (unit or (term.unit if term else None)) == "deg" else (None, None)
        )
        value = r.number(f.get("value"), f"{path}.value", low, high)
        present = r.boolean(f.get("present"), f"{path}.present")
        out.append(
            (
                i,
                Finding(
                    code=code,
                    present=True if present is None else present,
                    side=r.enum(f.get("side"), f"{path}.side", Side),
                    severity=r.enum(f.get("severity"), f"{path}.severity", Severity),
                    value=value,
                    unit=unit,
                    direction=r.enum(f.get("direction"), f"{path}.direction", Direction),
                ),
                len(r.problems) == before,
            )
        )
    return _consistent(r, out)


#: The finding fields that must agree between two entries speaking for the same side.
_FINDING_VALUES = ("severity", "value", "unit")


def sides_overlap(a: Side | None, b: Side | None) -> bool:
    """Whether two entries may speak for a common side: ``bilateral`` is left and right
    together, and an entry without a side may concern either."""
    return a is None or b is None or a == b or Side.BILATERAL in (a, b)


def _same_side(a: Side | None, b: Side | None) -> bool:
    """Whether two entries certainly speak for one side: the same side (or both without one),
    or ``bilateral`` with a side. An entry without a side may concern the other side."""
    return a == b or (a is not None and b is not None and Side.BILATERAL in (a, b))


def _rules_out(absent: Finding, present: Finding) -> bool:
    """Whether ``absent`` (examined and not found) denies what ``present`` records. An absent
    entry without a side (or ``bilateral``) covers both sides, one without a direction every
    direction; a present entry without a side or direction says only that the finding is there
    somewhere, so only an absent entry covering everything denies it."""
    if present.side is None:
        sides = absent.side in (None, Side.BILATERAL)
    else:
        sides = sides_overlap(absent.side, present.side)
    if present.direction is None:
        directions = absent.direction is None
    else:
        directions = absent.direction in (None, present.direction)
    return sides and directions


def _qualified(finding: Finding, *, direction: bool = True) -> str:
    parts = [finding.side.value if finding.side else "no side given"]
    if direction and finding.direction is not None:
        parts.append(finding.direction.value)
    return f"({', '.join(parts)})"


def _contradiction(finding: Finding, other: Finding, i: int, j: int) -> tuple[str, str] | None:
    """The path and message when two entries of one code contradict each other, else None."""
    if not sides_overlap(finding.side, other.side):
        return None
    if finding.present != other.present:
        present, absent = (finding, other) if finding.present else (other, finding)
        if not _rules_out(absent, present):
            return None
        state = "present" if finding.present else "absent"
        was = "present" if other.present else "absent"
        return (
            f"findings[{i}].present",
            f"{finding.code} {_qualified(finding)} is recorded {state} here but {was} in "
            f"findings[{j}] {_qualified(other)}",
        )
    if not _same_side(finding.side, other.side):
        return None
    names = list(_FINDING_VALUES)
    if finding.present:  # one finding cannot be present in two different directions
        names.append("direction")
    elif finding.direction != other.direction:  # absent in one direction, and in another
        return None
    for name in names:
        mine, theirs = getattr(finding, name), getattr(other, name)
        if mine is not None and theirs is not None and mine != theirs:
            return (
                f"findings[{i}].{name}",
                f"{finding.code} {_qualified(finding, direction=False)} has {name} "
                f"{_shown_value(mine)} here but {_shown_value(theirs)} in findings[{j}] "
                f"{_qualified(other, direction=False)}",
            )
    return None


def contradicts(finding: Finding, other: Finding) -> bool:
    """Whether two findings contradict each other (the rules of :func:`read_assessment`)."""
    return finding.code == other.code and _contradiction(finding, other, 0, 0) is not None


def _consistent(r: FieldReader, findings: list[tuple[int, Finding, bool]]) -> list[Finding]:
    """The findings, all kept in order; a contradiction between two of them is a problem (see
    :func:`read_assessment`), reported once per entry. An entry that is already invalid
    (``valid`` false) is not compared: its own problems are reported instead."""
    kept: dict[str, list[tuple[int, Finding]]] = {}
    out: list[Finding] = []
    for i, finding, valid in findings:
        out.append(finding)
        if not valid:
            continue
        earlier = kept.setdefault(finding.code, [])
        if all(finding != other for _, other in earlier):  # an exact duplicate adds nothing
            for j, other in earlier:
                found = _contradiction(finding, other, i, j)
                if found is not None:
                    r.problem(*found)
                    break
        earlier.append((i, finding))
    return out


def _shown_value(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return shown(value)


# --- questionnaires (docs/design.md section 6.1: the contract's questionnaire shapes) -------------
