"""Read assessments (docs/design.md section 6.1) and follow-ups (6.2) from JSON into the model.

Every problem is collected with its JSON path and reported at once in one
:class:`~careengine.errors.AssessmentError`; nothing is guessed. Codes are checked against the
catalog that plugins registered (the core knows no clinical vocabulary).
"""

from __future__ import annotations

import enum
import json
import math
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from careengine.errors import AssessmentError, Problem, kind_of, suggest
from careengine.model import (
    Assessment,
    Direction,
    Episode,
    Finding,
    LegSymptoms,
    Pain,
    Patient,
    Pregnancy,
    Response,
    Severity,
    Side,
    TermKind,
)
from careengine.registry import Catalog

if TYPE_CHECKING:
    from careengine.schema_check import SchemaChecker

ASSESSMENT_SCHEMA = "careengine.assessment/1"
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_BYTES = 5 * 1024 * 1024
MAX_FINDINGS = 500
MAX_LIST = 200
#: whole numbers beyond this are refused (every number must convert to a float exactly enough)
MAX_NUMBER = 10**15
NOT_UNICODE = "is not valid Unicode text (a lone surrogate or bytes that are not UTF-8)"
#: ``patient.pregnancy``: completed weeks of gestation, and whole weeks since delivery
GESTATIONAL_WEEKS = (1, 42)
POSTPARTUM_WEEKS = (0, 104)
#: the condition code a gestational week needs (and a post-partum status must not carry)
PREGNANCY_CONDITION = "pregnancy"
GESTATION_NEEDS_PREGNANCY = (
    f"a gestational week needs the condition {PREGNANCY_CONDITION!r} in patient.conditions"
)
POSTPARTUM_NOT_PREGNANT = (
    f"a post-partum status contradicts the condition {PREGNANCY_CONDITION!r} in patient.conditions"
)
PREGNANT_OR_POSTPARTUM = (
    "gives both gestational_week and postpartum_weeks: a patient is either pregnant or post-partum"
)

TOP_KEYS = {
    "schema",
    "patient",
    "assessed_on",
    "episode",
    "pain",
    "findings",
    "red_flags",
    "questionnaires",
    "measures",
    "response",
}


class _Reader:
    def __init__(self, file: str | None, catalog: Catalog, allow_unknown: bool) -> None:
        self.file = file
        self.catalog = catalog
        self.allow_unknown = allow_unknown
        self.problems: list[Problem] = []
        self.unrecognized: list[str] = []

    def problem(self, path: str, message: str, suggestion: str | None = None) -> None:
        self.problems.append(
            Problem(file=self.file, path=path, message=message, suggestion=suggestion)
        )

    def keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                shown = printable(str(key))
                self.problem(
                    f"{path}.{shown}" if path else shown,
                    f"unknown key {key!r}",
                    suggest(str(key), sorted(allowed)),
                )

    def obj(self, data: Any, path: str) -> Mapping[str, Any] | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problem(path, f"must be an object, not {kind_of(data)}")
            return None
        return data

    def integer(
        self, data: Any, path: str, lo: float | None = None, hi: float | None = None
    ) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer():
                data = int(data)
            else:
                shown = f"{data!r}" if isinstance(data, float) else kind_of(data)
                self.problem(path, f"must be a whole number, not {shown}")
                return None
        return int(self._range(data, path, lo, hi))

    def number(
        self, data: Any, path: str, lo: float | None = None, hi: float | None = None
    ) -> float | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.problem(path, f"must be a number, not {kind_of(data)}")
            return None
        if isinstance(data, int) and not -MAX_NUMBER <= data <= MAX_NUMBER:
            self.problem(path, f"{_shown(data)} is too large: whole numbers must lie within ±10^15")
            return None
        if not math.isfinite(data):
            self.problem(path, f"must be a finite number, not {data!r}")
            return None
        return self._range(data, path, lo, hi)

    def _range(self, value: float, path: str, lo: float | None, hi: float | None) -> float:
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = (
                f"{lo:g} to {hi:g}"
                if lo is not None and hi is not None
                else (f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
            )
            self.problem(path, f"{_shown(value)} is out of range ({bounds})")
        return value

    def string(self, data: Any, path: str) -> str | None:
        if data is None:
            return None
        if not isinstance(data, str) or not data.strip():
            self.problem(path, f"must be a non-empty string, not {kind_of(data)}")
            return None
        if not encodable(data):
            self.problem(path, f"{_shown(data)} {NOT_UNICODE}")
            return None
        return data

    def enum(self, data: Any, path: str, enum: Any) -> Any:
        if data is None:
            return None
        values = [e.value for e in enum]
        if data not in values:
            self.problem(
                path,
                f"{data!r} is not one of {', '.join(values)}",
                suggest(str(data), values) if isinstance(data, str) else None,
            )
            return None
        return enum(data)

    def boolean(self, data: Any, path: str) -> bool | None:
        if data is None:
            return None
        if not isinstance(data, bool):
            self.problem(path, f"must be true or false, not {kind_of(data)}")
            return None
        return data

    def codes(self, data: Any, path: str, valid: Collection[str], what: str) -> list[str]:
        if data is None:
            return []
        if not isinstance(data, list):
            self.problem(path, f"must be a list, not {kind_of(data)}")
            return []
        if len(data) > MAX_LIST:
            self.problem(path, f"has {len(data)} entries; at most {MAX_LIST} are accepted")
            return []
        out = []
        for i, code in enumerate(data):
            if not isinstance(code, str):
                self.problem(f"{path}[{i}]", f"must be a string, not {kind_of(code)}")
            elif code not in valid:
                self.problem(f"{path}[{i}]", f"unknown {what} {code!r}", suggest(code, valid))
            else:
                out.append(code)
        return out


def _shown(value: Any) -> str:
    """A value for a message, shortened when it is very long."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def read_assessment(
    data: Any,
    catalog: Catalog,
    *,
    file: str | None = None,
    allow_unknown: bool = False,
    followup: bool = False,
    checker: SchemaChecker | None = None,
) -> Assessment:
    """Validate plain JSON data and build an :class:`Assessment`, or raise AssessmentError.

    The data is checked against the catalog's JSON Schema first (``checker``; built here when
    not given), then by the loader; every problem is reported once, all at once.

    Findings must not contradict each other (two entries of one code):

    * present and absent: an absent entry denies a present one when it covers it. An absent
      entry without a side, or ``bilateral``, covers both sides, one without a direction every
      direction; a present entry without a side (or direction) only says that the finding is
      there somewhere, so it is denied only by an absent entry that covers everything. So
      ``left`` absent and ``bilateral`` present contradict, while ``left`` absent with a present
      entry without a side, or centralization present with ``extension`` and absent with
      ``flexion``, do not.
    * two values for one side: entries for the same side (the same side, both without a side,
      or ``bilateral`` with ``left`` or ``right``) that are both present (or both absent in the
      same direction) must agree on each of ``severity``, ``value`` and ``unit`` that both give;
      two present entries must not give different directions. An entry without a side next to
      one with a side may concern the other side, so their values are not compared.

    An exact duplicate (every field equal, after the catalog's unit is filled in) is accepted
    silently and kept as given, like overlapping entries that agree without being identical
    (``bilateral`` and ``left`` alike, or one with a severity and one without): nothing is
    dropped, each entry stays a fact of its own (as the engine has always kept them), and a
    rule that asks whether the finding is present matches either way.
    """
    from careengine.schema_check import SchemaChecker, combine  # it imports this module

    checker = checker or SchemaChecker(catalog)
    variant = {"followup": followup, "allow_unknown": allow_unknown}
    schema_problems = checker.problems(data, file=file, **variant)
    order = checker.order_key(data, **variant)
    r = _Reader(file, catalog, allow_unknown)

    def fail() -> AssessmentError:
        problems = combine(schema_problems, r.problems, order)
        return AssessmentError("invalid assessment", file=file, problems=problems)

    root = r.obj(data, "$")
    if root is None:
        raise fail()
    r.keys(root, TOP_KEYS, "")
    schema = root.get("schema")
    if schema is not None and schema != ASSESSMENT_SCHEMA:
        r.problem("schema", f"must be {ASSESSMENT_SCHEMA!r}, not {schema!r}")

    patient = _patient(r, root.get("patient"))
    assessed_on = _date(r, root.get("assessed_on"))
    episode = _episode(r, root.get("episode"))
    pain = _pain(r, root.get("pain"))
    findings = _findings(r, root.get("findings"))
    red_flags = r.codes(
        root.get("red_flags"), "red_flags", catalog.code_set(TermKind.RED_FLAG), "red flag"
    )
    questionnaires = _questionnaires(r, root.get("questionnaires"))
    measures = _measures(r, root.get("measures"))
    response = None
    if followup:
        response = _response(r, root.get("response"))
    elif "response" in root:
        r.problem("response", "only a follow-up assessment may carry a response block")

    if r.problems or schema_problems or patient is None:
        if patient is None and not any(p.path and p.path.startswith("patient") for p in r.problems):
            r.problem("patient", "is required")
        raise fail()
    return Assessment(
        patient=patient,
        assessed_on=assessed_on,
        episode=episode,
        pain=pain,
        findings=findings,
        red_flags=red_flags,
        questionnaires=questionnaires,
        measures=measures,
        response=response,
        unrecognized=r.unrecognized,
        source=file,
    )


def _date(r: _Reader, data: Any) -> str | None:
    if data is None:
        return None
    import datetime

    if not isinstance(data, str):
        r.problem("assessed_on", f"must be a date YYYY-MM-DD, not {kind_of(data)}")
        return None
    try:
        if not DATE.fullmatch(data):  # fromisoformat also takes 20261120 and 2026-W47-5
            raise ValueError(data)
        return datetime.date.fromisoformat(data).isoformat()
    except ValueError:
        r.problem("assessed_on", f"{data!r} is not a date YYYY-MM-DD")
        return None


def _patient(r: _Reader, data: Any) -> Patient | None:
    p = r.obj(data, "patient")
    if p is None:
        return None
    r.keys(p, {"id", "age", "sex", "conditions", "declines", "pregnancy"}, "patient")
    pid = r.string(p.get("id"), "patient.id")
    if "id" not in p:
        r.problem("patient.id", "is required")
    age = r.integer(p.get("age"), "patient.age", 0, 120)
    sex = p.get("sex")
    if sex is not None and sex not in ("female", "male", "other", "unknown"):
        r.problem("patient.sex", f"{sex!r} is not one of female, male, other, unknown")
    conditions = r.codes(
        p.get("conditions"),
        "patient.conditions",
        r.catalog.code_set(TermKind.CONDITION),
        "condition",
    )
    declines = r.codes(
        p.get("declines"), "patient.declines", r.catalog.interventions.keys(), "intervention"
    )
    pregnancy = _pregnancy(r, p.get("pregnancy"), PREGNANCY_CONDITION in conditions)
    if pid is None:
        return None
    return Patient(
        id=pid, age=age, sex=sex, conditions=conditions, declines=declines, pregnancy=pregnancy
    )


def _pregnancy(r: _Reader, data: Any, pregnant: bool) -> Pregnancy | None:
    """``patient.pregnancy``: a gestational week (with the condition ``pregnancy``) or the
    weeks since delivery (without it), never both; ``None`` when neither is given."""
    path = "patient.pregnancy"
    p = r.obj(data, path)
    if p is None:
        return None
    r.keys(p, {"gestational_week", "postpartum_weeks"}, path)
    week = r.integer(p.get("gestational_week"), f"{path}.gestational_week", *GESTATIONAL_WEEKS)
    after = r.integer(p.get("postpartum_weeks"), f"{path}.postpartum_weeks", *POSTPARTUM_WEEKS)
    if week is not None and after is not None:
        r.problem(path, PREGNANT_OR_POSTPARTUM)
    if week is not None and not pregnant:
        r.problem(f"{path}.gestational_week", GESTATION_NEEDS_PREGNANCY)
    if after is not None and pregnant:
        r.problem(f"{path}.postpartum_weeks", POSTPARTUM_NOT_PREGNANT)
    if week is None and after is None:
        return None
    return Pregnancy(gestational_week=week, postpartum_weeks=after)


def _episode(r: _Reader, data: Any) -> Episode:
    e = r.obj(data, "episode") or {}
    r.keys(e, {"duration_days", "leg_symptoms", "onset_age"}, "episode")
    return Episode(
        duration_days=r.integer(e.get("duration_days"), "episode.duration_days", 0, 36500),
        leg_symptoms=r.enum(e.get("leg_symptoms"), "episode.leg_symptoms", LegSymptoms),
        onset_age=r.integer(e.get("onset_age"), "episode.onset_age", 0, 120),
    )


def _pain(r: _Reader, data: Any) -> Pain:
    p = r.obj(data, "pain") or {}
    r.keys(p, {"current", "worst", "best"}, "pain")
    return Pain(
        current=r.integer(p.get("current"), "pain.current", 0, 10),
        worst=r.integer(p.get("worst"), "pain.worst", 0, 10),
        best=r.integer(p.get("best"), "pain.best", 0, 10),
    )


FINDING_KEYS = {"code", "present", "side", "severity", "value", "unit", "direction"}


def _findings(r: _Reader, data: Any) -> list[Finding]:
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
                r.problem(f"{path}.code", f"{_shown(code)} {NOT_UNICODE}")
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
            r.problem(f"{path}.unit", f"{_shown(unit)} {NOT_UNICODE}")
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


def _consistent(r: _Reader, findings: list[tuple[int, Finding, bool]]) -> list[Finding]:
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
    return _shown(value)


# --- questionnaires (docs/design.md section 6.1: the contract's questionnaire shapes) -------------

QUESTIONNAIRE_KEYS = {"startback", "odi", "fabq", "axspa_features", "hla_b27"}
STARTBACK_ITEMS = (1, 8)  # Keele form items answered agree/disagree; item 9 is bothersomeness
STARTBACK_BOTHERSOMENESS = ("not_at_all", "slightly", "moderately", "very_much", "extremely")
ODI_SECTIONS = 10
ODI_MIN_ANSWERED = 8
ODI_SECTION_RANGE = (0, 5)
FABQ_ITEMS = 16
FABQ_ANSWER_RANGE = (0, 6)
AXSPA_FEATURES = (
    "onset_before_35",
    "night_waking_second_half",
    "buttock_pain",
    "better_with_movement",
    "nsaid_response_48h",
    "family_history_spa",
    "arthritis_history",
    "enthesitis_history",
    "psoriasis_history",
)
HLA_B27 = ("positive", "negative")


def _questionnaires(r: _Reader, data: Any) -> dict[str, Any]:
    """The validated questionnaire block as plain data; a ``null`` entry counts as absent."""
    q = r.obj(data, "questionnaires")
    if q is None:
        return {}
    r.keys(q, QUESTIONNAIRE_KEYS, "questionnaires")
    out: dict[str, Any] = {}
    readers: dict[str, Callable[[_Reader, Any, str], Any]] = {
        "startback": _startback,
        "odi": _odi,
        "fabq": _fabq,
        "axspa_features": _axspa_features,
        "hla_b27": _hla_b27,
    }
    for key, read in readers.items():
        if q.get(key) is not None:
            value = read(r, q[key], f"questionnaires.{key}")
            if value is not None:
                out[key] = value
    return out


def _required(r: _Reader, data: Mapping[str, Any], key: str, path: str) -> Any:
    if data.get(key) is None:
        r.problem(f"{path}.{key}", "is required")
    return data.get(key)


def _answers(
    r: _Reader, data: Any, path: str, lo: int, hi: int, *, length: int | None, nulls: bool
) -> list[int | None] | None:
    """A list of whole numbers in ``lo..hi`` (``null`` entries only where ``nulls``)."""
    if data is None:
        return None
    if not isinstance(data, list):
        r.problem(path, f"must be a list, not {kind_of(data)}")
        return None
    if length is not None and len(data) != length:
        r.problem(path, f"must have exactly {length} entries, not {len(data)}")
    if len(data) > MAX_LIST:
        r.problem(path, f"has {len(data)} entries; at most {MAX_LIST} are accepted")
        return None
    out: list[int | None] = []
    for i, item in enumerate(data):
        if item is None:
            if not nulls:
                r.problem(f"{path}[{i}]", "must be a whole number, not null")
            out.append(None)
            continue
        out.append(r.integer(item, f"{path}[{i}]", lo, hi))
    return out


def _startback(r: _Reader, data: Any, path: str) -> dict[str, Any] | None:
    sb = r.obj(data, path)
    if sb is None:
        return None
    r.keys(sb, {"agree", "bothersomeness"}, path)
    lo, hi = STARTBACK_ITEMS
    agree = _answers(
        r, _required(r, sb, "agree", path), f"{path}.agree", lo, hi, length=None, nulls=False
    )
    seen: set[int] = set()
    for i, item in enumerate(agree or ()):
        if item is not None and item in seen:
            r.problem(f"{path}.agree[{i}]", f"item {item} is listed more than once")
        if item is not None:
            seen.add(item)
    bother = _choice(
        r,
        _required(r, sb, "bothersomeness", path),
        f"{path}.bothersomeness",
        STARTBACK_BOTHERSOMENESS,
    )
    if agree is None or bother is None:
        return None
    return {"agree": agree, "bothersomeness": bother}


def _odi(r: _Reader, data: Any, path: str) -> dict[str, Any] | None:
    odi = r.obj(data, path)
    if odi is None:
        return None
    r.keys(odi, {"sections"}, path)
    lo, hi = ODI_SECTION_RANGE
    sections = _answers(
        r,
        _required(r, odi, "sections", path),
        f"{path}.sections",
        lo,
        hi,
        length=ODI_SECTIONS,
        nulls=True,
    )
    if sections is None:
        return None
    answered = sum(1 for s in sections if s is not None)
    if answered < ODI_MIN_ANSWERED:
        r.problem(
            f"{path}.sections",
            f"only {answered} sections are answered; at least {ODI_MIN_ANSWERED} are needed",
        )
    return {"sections": sections}


def _fabq(r: _Reader, data: Any, path: str) -> dict[str, Any] | None:
    fabq = r.obj(data, path)
    if fabq is None:
        return None
    r.keys(fabq, {"answers"}, path)
    lo, hi = FABQ_ANSWER_RANGE
    answers = _answers(
        r,
        _required(r, fabq, "answers", path),
        f"{path}.answers",
        lo,
        hi,
        length=FABQ_ITEMS,
        nulls=False,
    )
    return None if answers is None else {"answers": answers}


def _axspa_features(r: _Reader, data: Any, path: str) -> list[str] | None:
    if not isinstance(data, list):
        r.problem(path, f"must be a list, not {kind_of(data)}")
        return None
    features = r.codes(data, path, AXSPA_FEATURES, "axSpA feature")
    seen: set[str] = set()
    for i, item in enumerate(data):
        if isinstance(item, str) and item in seen:
            r.problem(f"{path}[{i}]", f"{item!r} is listed more than once")
        if isinstance(item, str):
            seen.add(item)
    return features


def _hla_b27(r: _Reader, data: Any, path: str) -> str | None:
    return _choice(r, data, path, HLA_B27)


def _choice(r: _Reader, data: Any, path: str, values: Sequence[str]) -> str | None:
    if data is None:
        return None
    if not isinstance(data, str) or data not in values:
        r.problem(
            path,
            f"{data!r} is not one of {', '.join(values)}",
            suggest(data, values) if isinstance(data, str) else None,
        )
        return None
    return data


def _measures(r: _Reader, data: Any) -> dict[str, float]:
    m = r.obj(data, "measures") or {}
    known = r.catalog.code_set(TermKind.MEASURE)
    out = {}
    for key, value in m.items():
        path = f"measures.{printable(str(key))}"
        if key not in known:
            r.problem(path, f"unknown measure {key!r}", suggest(key, known))
            continue
        number = r.number(value, path, 0)
        if number is not None:
            out[key] = number
    return out


def _response(r: _Reader, data: Any) -> Response | None:
    resp = r.obj(data, "response")
    if resp is None:
        r.problem(
            "response",
            "a follow-up needs a response block (exercise_pain_max, "
            "settled_within_24h, adherence_percent)",
        )
        return None
    r.keys(resp, {"exercise_pain_max", "settled_within_24h", "adherence_percent"}, "response")
    for key in ("exercise_pain_max", "settled_within_24h", "adherence_percent"):
        if resp.get(key) is None:
            r.problem(f"response.{key}", "is required")
    pain = r.integer(resp.get("exercise_pain_max"), "response.exercise_pain_max", 0, 10)
    settled = r.boolean(resp.get("settled_within_24h"), "response.settled_within_24h")
    adherence = r.number(resp.get("adherence_percent"), "response.adherence_percent", 0, 100)
    if pain is None or settled is None or adherence is None:
        return None
    return Response(exercise_pain_max=pain, settled_within_24h=settled, adherence_percent=adherence)


#: At most this many duplicate-key and bad-text problems are listed for one document.
MAX_TEXT_PROBLEMS = 100
#: a JSON ``\\u`` escape of a UTF-16 surrogate (``\\ud800``): only then can a str hold one
_SURROGATE_ESCAPES = ("\\ud", "\\uD")


class _Duplicates(dict):  # type: ignore[type-arg]
    """A JSON object that named a key more than once (only built on the error path)."""

    duplicates: list[str]


def encodable(text: str) -> bool:
    """Whether ``text`` is valid Unicode that UTF-8 can encode (no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` safe to print and to write as UTF-8: a lone surrogate becomes ``\\udXXX``."""
    return text if encodable(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def display_name(path: Path) -> str:
    """A file's name for messages and reports (a name that is not UTF-8 is shown escaped)."""
    name = path.name
    if encodable(name):
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _decode(data: bytes, file: str | None) -> tuple[str, bool]:
    """JSON bytes as text (UTF-8, or UTF-16/32 as RFC 8259's detection finds them; a leading
    BOM is dropped), and whether some bytes did not decode: those are kept as lone surrogates
    (``surrogateescape``) so that the text around them can still be parsed and located."""
    encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError as strict:
        try:
            return data.decode(encoding, "surrogateescape"), True
        except UnicodeDecodeError:
            raise AssessmentError(
                "unreadable JSON",
                file=file,
                problems=[
                    Problem(
                        file=file,
                        path="$",
                        message=f"is not {encoding.upper()} text: byte {strict.start} "
                        f"({strict.reason})",
                    )
                ],
            ) from strict


def _text_problems(data: Any, file: str | None) -> list[Problem]:
    """Duplicate keys and text that is not valid Unicode, each at its JSON path, in document
    order (a walk over the parsed document, only made when the parse saw such a thing)."""
    from careengine.schema_check import format_path  # it imports this module

    problems: list[Problem] = []
    # (value, path, is_key): a key is visited just before its value, so problems come in
    # document order
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(data, (), False)]
    while stack and len(problems) <= MAX_TEXT_PROBLEMS:
        node, where, is_key = stack.pop()
        children: list[tuple[Any, tuple[str | int, ...], bool]] = []
        if is_key:
            problems.append(
                Problem(
                    file=file,
                    path=format_path(where),
                    message=f"the key {_shown(node)} {NOT_UNICODE}",
                )
            )
        elif isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                at = format_path((*where, printable(key)))
                problems.append(Problem(file=file, path=at, message=f"duplicate key {_shown(key)}"))
            for key, value in node.items():
                at_key = (*where, printable(key))
                if not encodable(key):
                    children.append((key, at_key, True))
                children.append((value, at_key, False))
        elif isinstance(node, list):
            children = [(value, (*where, i), False) for i, value in enumerate(node)]
        elif isinstance(node, str) and not encodable(node):
            problems.append(
                Problem(file=file, path=format_path(where), message=f"{_shown(node)} {NOT_UNICODE}")
            )
        stack.extend(reversed(children))
    if len(problems) > MAX_TEXT_PROBLEMS:
        problems[MAX_TEXT_PROBLEMS:] = [
            Problem(file=file, path="$", message="has more such problems (not listed)")
        ]
    return problems


def parse_json(text: str | bytes, *, file: str | None = None) -> Any:
    """Parse JSON input (a file's bytes, or text), refusing what would lose or garble data.

    Besides malformed JSON, a document is refused when an object names a key twice (JSON
    parsers disagree on which value wins, so careengine takes neither) or when a string or key
    is not valid Unicode text (a ``\\ud800`` escape without its pair, bytes that are not
    UTF-8): each such problem is reported at its JSON path. A UTF-8 byte order mark at the start
    of the bytes is accepted.
    """
    if len(text) > MAX_BYTES:
        raise AssessmentError(
            "input too large",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    if isinstance(text, bytes):
        text, suspect = _decode(text, file)
    else:
        suspect = not encodable(text)
    suspect = suspect or any(escape in text for escape in _SURROGATE_ESCAPES)
    duplicated: list[bool] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        duplicated.append(True)
        seen: set[str] = set()
        marked = _Duplicates(obj)
        marked.duplicates = []
        for key, _ in pairs:
            if key in seen and key not in marked.duplicates:
                marked.duplicates.append(key)
            seen.add(key)
        return marked

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as exc:
        raise AssessmentError(
            "malformed JSON",
            file=file,
            problems=[
                Problem(
                    file=file,
                    path="$",
                    message=f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                )
            ],
        ) from exc
    except RecursionError as exc:
        raise AssessmentError(
            "input nested too deeply",
            file=file,
            problems=[Problem(file=file, path="$", message="is nested too deeply")],
        ) from exc
    except ValueError as exc:  # a number too long to convert
        raise AssessmentError(
            "unreadable JSON",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is not readable JSON: {exc}")],
        ) from exc
    if duplicated or suspect:
        problems = _text_problems(data, file)
        if problems:
            raise AssessmentError("invalid JSON text", file=file, problems=problems)
    return data


def read_bounded(path: Path) -> bytes:
    """The bytes of a file, refusing (without reading it all) one larger than ``MAX_BYTES``."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        name = display_name(path)
        raise AssessmentError(
            "input too large",
            file=name,
            problems=[Problem(file=name, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    return data


def read_input(path: Path, reader: Callable[[Path], bytes] = read_bounded) -> bytes:
    """The bytes of an input file (at most ``MAX_BYTES``); an unreadable file is an input error."""
    try:
        return reader(path)
    except OSError as exc:
        raise AssessmentError(
            "cannot read",
            file=display_name(path),
            problems=[
                Problem(file=display_name(path), path="$", message=f"cannot read: {exc.strerror}")
            ],
        ) from exc


#: what a library caller may pass as an input (docs/embedding.md): parsed JSON data, JSON text
#: (a ``str`` that starts with ``{`` or ``[``), the bytes of a JSON document, or a file path
Source = Mapping[str, Any] | str | bytes | bytearray | os.PathLike[str]


def is_json_text(source: object) -> bool:
    """Whether a ``str`` input is JSON text rather than a file path: its first character other
    than white space is ``{`` or ``[`` (no file path given to careengine starts so; pass a
    :class:`~pathlib.Path` for one that does)."""
    return isinstance(source, str) and source.lstrip()[:1] in ("{", "[")


def source_file(source: object) -> str | None:
    """The file name an input's problems are reported under: a path's name, else ``None``."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not is_json_text(source)):
        return display_name(Path(source))
    return None


def input_data(source: object, reader: Callable[[Path], bytes] = read_bounded) -> Any:
    """The JSON data of an input given in any of the forms of :data:`Source`: a mapping as it is,
    JSON text or bytes parsed, a path read (at most ``MAX_BYTES``) and parsed. Any other value is
    returned unchanged, for the reader to report at ``$`` (a list, a number, ``None``)."""
    if isinstance(source, dict):
        return source
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, bytes | bytearray):
        return parse_json(bytes(source))
    if is_json_text(source):
        return parse_json(str(source))
    if isinstance(source, str | os.PathLike):
        p = Path(source)
        name = display_name(p)
        try:
            return parse_json(read_input(p, reader), file=name)
        except ValueError as exc:  # a path the system refuses (an embedded NUL byte)
            raise AssessmentError(
                "cannot read",
                file=name,
                problems=[Problem(file=name, path="$", message=f"cannot read: {exc}")],
            ) from exc
    return source


def load_assessment(
    path: str | Path,
    catalog: Catalog,
    *,
    allow_unknown: bool = False,
    followup: bool = False,
    reader: Callable[[Path], bytes] = read_bounded,
    checker: SchemaChecker | None = None,
) -> Assessment:
    """Read and validate an assessment file (at most ``MAX_BYTES`` of it are ever read)."""
    p = Path(path)
    name = display_name(p)
    data = parse_json(read_input(p, reader), file=name)
    return read_assessment(
        data, catalog, file=name, allow_unknown=allow_unknown, followup=followup, checker=checker
    )
