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
    POSTPARTUM_NOT_PREGNANT,
    POSTPARTUM_WEEKS,
    PREGNANCY_CONDITION,
    PREGNANT_OR_POSTPARTUM,
)
from careengine.io.field_reader import FieldReader
from careengine.io.findings import read_findings
from careengine.io.json_text import display_name, parse_json, printable, read_bounded, read_input
from careengine.io.questionnaires import read_questionnaires
from careengine.io.schema_check import SchemaChecker, combine
from careengine.model import (
    Assessment,
    Episode,
    LegSymptoms,
    Pain,
    Patient,
    Pregnancy,
    Response,
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
    from careengine.io.schema_check import SchemaChecker  # it imports this module

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
    findings = read_findings(r, root.get("findings"))
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


def _measures(r: FieldReader, data: Any) -> dict[str, float]:
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
    name = display_name(p)
    data = parse_json(read_input(p, reader), file=name)
    return read_assessment(
        data, catalog, file=name, allow_unknown=allow_unknown, followup=followup, checker=checker
    )
