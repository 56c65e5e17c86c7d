"""Hypothesis strategies for assessments that are valid for a loaded catalog.

Every code an assessment uses is drawn from the engine's catalog (built-in codes and those the
engine's plugins registered), every number from its valid range, and the questionnaires in the
shapes of docs/design.md section 6.1, so ``engine.load_assessment(data)`` accepts every example.
Importing this module needs hypothesis (``pip install 'careengine[test]'``)::

    from hypothesis import given
    from careengine.testing import isolated_engine
    from careengine.testing.strategies import assessments

    ENGINE = isolated_engine(plugins=[my_plugin])

    @given(assessments(ENGINE))
    def test_my_policy_never_drops_an_item(data):
        plan = ENGINE.evaluate(ENGINE.load_assessment(data))
        ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st

from careengine.assessment_io import (
    ASSESSMENT_SCHEMA,
    AXSPA_FEATURES,
    FABQ_ANSWER_RANGE,
    FABQ_ITEMS,
    HLA_B27,
    ODI_MIN_ANSWERED,
    ODI_SECTION_RANGE,
    ODI_SECTIONS,
    STARTBACK_BOTHERSOMENESS,
    STARTBACK_ITEMS,
    contradicts,
)
from careengine.engine import Engine
from careengine.model import Direction, Finding, LegSymptoms, Severity, Side, TermKind
from careengine.registry import Catalog

__all__ = ["assessments", "findings", "questionnaires", "responses", "without_contradictions"]

SEXES = ("female", "male", "other", "unknown")
MIN_DATE, MAX_DATE = date(2000, 1, 1), date(2099, 12, 31)
DEGREES = "deg"


def _catalog(source: Engine | Catalog) -> Catalog:
    return source.catalog if isinstance(source, Engine) else source


def _codes(catalog: Catalog, kind: TermKind, chosen: Sequence[str] | None) -> list[str]:
    known = catalog.codes(kind)
    if chosen is None:
        return list(known)
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"unknown {kind.value} code(s) {unknown} for this catalog")
    return sorted(set(chosen))


def _subset(codes: Sequence[str], max_size: int) -> st.SearchStrategy[list[str]]:
    if not codes:
        return st.just([])
    return st.lists(st.sampled_from(list(codes)), unique=True, max_size=max_size)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """None (left out of the JSON) or a value."""
    return st.none() | strategy


def _drop_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def findings(
    source: Engine | Catalog, codes: Sequence[str] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """One finding of the catalog: present, recorded absent, or with side, severity, direction,
    and a value in the finding's unit when the catalog gives it one."""
    catalog = _catalog(source)
    known = _codes(catalog, TermKind.FINDING, codes)
    if not known:
        raise ValueError("the catalog has no finding codes to draw from")

    @st.composite
    def finding(draw: st.DrawFn) -> dict[str, Any]:
        code = draw(st.sampled_from(known))
        term = catalog.term(TermKind.FINDING, code)
        data: dict[str, Any] = {
            "code": code,
            "present": draw(st.sampled_from([None, None, None, True, False])),
            "side": draw(_optional(st.sampled_from([s.value for s in Side]))),
            "severity": draw(_optional(st.sampled_from([s.value for s in Severity]))),
            "direction": draw(_optional(st.sampled_from([d.value for d in Direction]))),
        }
        if term is not None and term.unit is not None and draw(st.booleans()):
            high = 180 if term.unit == DEGREES else 100
            data["value"] = draw(st.integers(0, high))
            data["unit"] = term.unit
        return _drop_none(data)

    return finding()


def without_contradictions(drawn: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Finding entries (assessment JSON) less each one that contradicts an earlier one kept
    (the loader refuses two such entries: present and absent, or two values for one side), so
    that a strategy drawing findings freely still gives assessments the loader accepts."""
    kept: list[dict[str, Any]] = []
    models: list[Finding] = []
    for data in drawn:
        model = _finding_model(data)
        if not any(contradicts(model, other) for other in models):
            kept.append(dict(data))
            models.append(model)
    return kept


def _finding_model(data: Mapping[str, Any]) -> Finding:
    def enum(kind: Any, key: str) -> Any:
        return kind(data[key]) if data.get(key) is not None else None

    value = data.get("value")
    return Finding(
        code=str(data["code"]),
        present=data.get("present") is not False,
        side=enum(Side, "side"),
        severity=enum(Severity, "severity"),
        value=float(value) if isinstance(value, int | float) else None,
        unit=data.get("unit"),
        direction=enum(Direction, "direction"),
    )


def questionnaires() -> st.SearchStrategy[dict[str, Any]]:
    """Questionnaires in the shapes the loader accepts: STarT Back, ODI (at least 8 of 10
    sections answered), FABQ (16 answers), axSpA features and HLA-B27; each may be absent."""
    lo, hi = STARTBACK_ITEMS
    startback = st.fixed_dictionaries(
        {
            "agree": st.lists(st.integers(lo, hi), unique=True, max_size=hi - lo + 1).map(sorted),
            "bothersomeness": st.sampled_from(STARTBACK_BOTHERSOMENESS),
        }
    )
    section = st.integers(*ODI_SECTION_RANGE)
    odi = st.tuples(
        st.lists(section, min_size=ODI_SECTIONS, max_size=ODI_SECTIONS),
        st.lists(
            st.integers(0, ODI_SECTIONS - 1),
            unique=True,
            max_size=ODI_SECTIONS - ODI_MIN_ANSWERED,
        ),
    ).map(lambda t: {"sections": [None if i in t[1] else v for i, v in enumerate(t[0])]})
    fabq = st.fixed_dictionaries(
        {
            "answers": st.lists(
                st.integers(*FABQ_ANSWER_RANGE), min_size=FABQ_ITEMS, max_size=FABQ_ITEMS
            )
        }
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "startback": startback,
            "odi": odi,
            "fabq": fabq,
            "axspa_features": st.lists(
                st.sampled_from(AXSPA_FEATURES), unique=True, max_size=len(AXSPA_FEATURES)
            ),
            "hla_b27": st.sampled_from(HLA_B27),
        },
    )


def responses() -> st.SearchStrategy[dict[str, Any]]:
    """The ``response`` block of a follow-up (docs/design.md section 6.2)."""
    return st.fixed_dictionaries(
        {
            "exercise_pain_max": st.integers(0, 10),
            "settled_within_24h": st.booleans(),
            "adherence_percent": st.integers(0, 100),
        }
    )


def assessments(
    source: Engine | Catalog,
    *,
    finding_codes: Sequence[str] | None = None,
    conditions: Sequence[str] | None = None,
    red_flags: Sequence[str] | None = None,
    declines: Sequence[str] | None = None,
    max_findings: int = 8,
    with_questionnaires: bool = True,
    measures: Mapping[str, st.SearchStrategy[float]] | None = None,
    followup: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Assessment JSON data that ``engine.load_assessment`` accepts (with ``followup=True`` when
    ``followup``).

    :param source: the engine (or its catalog) whose codes to draw from.
    :param finding_codes: draw findings from these codes only (default: every finding code).
        Narrowing to the codes your rules match makes them fire more often.
    :param conditions: condition codes to draw from (default: all; ``[]`` for none).
    :param red_flags: red-flag codes to draw from (default: all; ``[]`` for none, which keeps
        plans out of the red-flag referral path).
    :param declines: intervention ids a patient may decline (default: all; ``[]`` for none).
    :param max_findings: at most this many findings.
    :param with_questionnaires: draw questionnaires (their scores come from the raw answers).
    :param measures: strategies for ``measures`` entries by measure code (numbers of at least
        0, as the loader requires). No measures are
        drawn by default: plugins may hold a score given in ``measures`` against its range and
        against the raw answers, which only the plugin knows.
    :param followup: add a ``response`` block (a follow-up visit).
    """
    catalog = _catalog(source)
    finding = findings(catalog, finding_codes)
    condition_codes = _codes(catalog, TermKind.CONDITION, conditions)
    flag_codes = _codes(catalog, TermKind.RED_FLAG, red_flags)
    declinable = sorted(catalog.interventions) if declines is None else sorted(set(declines))
    unknown = sorted(set(declinable) - set(catalog.interventions))
    if unknown:
        raise ValueError(f"unknown intervention(s) {unknown} for this catalog")
    measure_strategies = dict(measures or {})
    _codes(catalog, TermKind.MEASURE, sorted(measure_strategies))

    @st.composite
    def assessment(draw: st.DrawFn) -> dict[str, Any]:
        age = draw(_optional(st.integers(16, 95)))
        patient = _drop_none(
            {
                "id": draw(st.integers(1, 9999).map("p-{:04d}".format)),
                "age": age,
                "sex": draw(_optional(st.sampled_from(SEXES))),
                "conditions": draw(_subset(condition_codes, 3)),
                "declines": draw(_subset(declinable, 2)),
            }
        )
        worst = draw(_optional(st.integers(0, 10)))
        current = draw(_optional(st.integers(0, worst if worst is not None else 10)))
        best = draw(_optional(st.integers(0, current if current is not None else 10)))
        episode = _drop_none(
            {
                "duration_days": draw(_optional(st.integers(0, 3650))),
                "leg_symptoms": draw(_optional(st.sampled_from([v.value for v in LegSymptoms]))),
                "onset_age": draw(_optional(st.integers(10, age if age is not None else 95))),
            }
        )
        data: dict[str, Any] = {
            "schema": draw(_optional(st.just(ASSESSMENT_SCHEMA))),
            "patient": patient,
            "assessed_on": draw(_optional(st.dates(MIN_DATE, MAX_DATE).map(date.isoformat))),
            "episode": episode,
            "pain": _drop_none({"current": current, "worst": worst, "best": best}),
            "findings": without_contradictions(draw(st.lists(finding, max_size=max_findings))),
            "red_flags": draw(_subset(flag_codes, 2)),
            "questionnaires": draw(questionnaires()) if with_questionnaires else None,
            "measures": {
                code: value
                for code, strategy in sorted(measure_strategies.items())
                if (value := draw(_optional(strategy))) is not None
            },
            "response": draw(responses()) if followup else None,
        }
        return {k: v for k, v in data.items() if v is not None and v != {}}

    return assessment()
