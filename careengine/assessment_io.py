"""Read assessments (docs/design.md section 6.1) and follow-ups (6.2) from JSON into the model.

Every problem is collected with its JSON path and reported at once in one
:class:`~careengine.errors.AssessmentError`; nothing is guessed. Codes are checked against the
catalog that plugins registered (the core knows no clinical vocabulary).
"""

from __future__ import annotations

import json
import math
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
                self.problem(
                    f"{path}.{key}" if path else key,
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
    out = []
    for i, raw in enumerate(data):
        path = f"findings[{i}]"
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
            if r.allow_unknown:
                r.unrecognized.append(code)
            else:
                r.problem(f"{path}.code", f"unknown finding {code!r}", suggest(code, known))
            continue
        term = r.catalog.term(TermKind.FINDING, code)
        unit = f.get("unit")
        if unit is not None and not isinstance(unit, str):
            r.problem(f"{path}.unit", f"must be a string, not {kind_of(unit)}")
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
            Finding(
                code=code,
                present=True if present is None else present,
                side=r.enum(f.get("side"), f"{path}.side", Side),
                severity=r.enum(f.get("severity"), f"{path}.severity", Severity),
                value=value,
                unit=unit,
                direction=r.enum(f.get("direction"), f"{path}.direction", Direction),
            )
        )
    return out


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
        path = f"measures.{key}"
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


def parse_json(text: str | bytes, *, file: str | None = None) -> Any:
    if len(text) > MAX_BYTES:
        raise AssessmentError(
            "input too large",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    try:
        return json.loads(text)
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
    except ValueError as exc:  # not UTF-8, or a number too long to convert
        raise AssessmentError(
            "unreadable JSON",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is not readable JSON: {exc}")],
        ) from exc


def read_bounded(path: Path) -> bytes:
    """The bytes of a file, refusing (without reading it all) one larger than ``MAX_BYTES``."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        name = path.name
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
            file=path.name,
            problems=[Problem(file=path.name, path="$", message=f"cannot read: {exc.strerror}")],
        ) from exc


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
    name = p.name
    data = parse_json(read_input(p, reader), file=name)
    return read_assessment(
        data, catalog, file=name, allow_unknown=allow_unknown, followup=followup, checker=checker
    )
