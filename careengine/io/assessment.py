"""Read assessments (docs/design.md section 6.1) and follow-ups (6.2) from JSON into the model.

Every problem is collected with its JSON path and reported at once in one
:class:`~careengine.errors.AssessmentError`; nothing is guessed. Codes are checked against the
catalog that plugins registered (the core knows no clinical vocabulary).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from careengine.errors import AssessmentError, kind_of, suggest
from careengine.io.assessment_format import (
    ASSESSMENT_SCHEMA,
    GESTATION_NEEDS_PREGNANCY,
    GESTATIONAL_WEEKS,
    MAX_FINDINGS,
    POSTPARTUM_NOT_PREGNANT,
    POSTPARTUM_WEEKS,
    PREGNANCY_CONDITION,
    PREGNANT_OR_POSTPARTUM,
)
from careengine.io.field_reader import FieldReader
from careengine.io.json_text import parse_json, read_bounded, read_input
from careengine.io.questionnaires import read_questionnaires
from careengine.io.schema_check import SchemaChecker, combine
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
from careengine.plugins.registry import Catalog

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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
    checker = checker or SchemaChecker(catalog)
    variant = {"followup": followup, "allow_unknown": allow_unknown}
    schema_problems = checker.problems(data, file=file, **variant)
    order = checker.order_key(data, **variant)
    r = FieldReader(file, catalog, allow_unknown)

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
    questionnaires = read_questionnaires(r, root.get("questionnaires"))
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


def _date(r: FieldReader, data: Any) -> str | None:
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


def _patient(r: FieldReader, data: Any) -> Patient | None:
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


def _pregnancy(r: FieldReader, data: Any, pregnant: bool) -> Pregnancy | None:
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


def _episode(r: FieldReader, data: Any) -> Episode:
    e = r.obj(data, "episode") or {}
    r.keys(e, {"duration_days", "leg_symptoms", "onset_age"}, "episode")
    return Episode(
        duration_days=r.integer(e.get("duration_days"), "episode.duration_days", 0, 36500),
        leg_symptoms=r.enum(e.get("leg_symptoms"), "episode.leg_symptoms", LegSymptoms),
        onset_age=r.integer(e.get("onset_age"), "episode.onset_age", 0, 120),
    )


def _pain(r: FieldReader, data: Any) -> Pain:
    p = r.obj(data, "pain") or {}
    r.keys(p, {"current", "worst", "best"}, "pain")
    return Pain(
        current=r.integer(p.get("current"), "pain.current", 0, 10),
        worst=r.integer(p.get("worst"), "pain.worst", 0, 10),
        best=r.integer(p.get("best"), "pain.best", 0, 10),
    )


FINDING_KEYS = {"code", "present", "side", "severity", "value", "unit", "direction"}


def _findings(r: FieldReader, data: Any) -> list[Finding]:
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


def _measures(r: FieldReader, data: Any) -> dict[str, float]:
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


def _response(r: FieldReader, data: Any) -> Response | None:
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
