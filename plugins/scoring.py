"""Built-in scores and classifications (docs/design.md section 11), through
``careengine_derive_facts``.

Classifications (plan keys of docs/design.md section 6.3):

* ``startback`` {total, psychosocial, risk}
* ``odi`` {percent, band}
* ``fabq`` {pa, work}
* ``cpr_manipulation`` {criteria_met, criteria_known, positive}
* ``cpr_manipulation_pragmatic`` {positive}
* ``stabilization`` {success_criteria_met, predicted_success, failure_criteria_met,
  predicted_failure}
* ``tbc`` {subgroups, overlap}
* ``axspa`` {eligible, features, refer}

Every one is always present; a value that cannot be decided is ``null`` and ``missing`` names
the inputs that would decide it (see :mod:`careengine_plugins.scoring_criteria` for the
three-valued rules). The engine turns every non-null scalar value into a derived fact
``<name>.<key>``; this plugin adds ``tbc.subgroup.<subgroup>`` = true for each TBC subgroup that
applies, so that a rule can match one subgroup. Alerts (``tbc_overlap``, ``axspa_suspected``)
and referrals are left to rule packs matching ``tbc.overlap`` and ``axspa.refer``.

Every derived code this plugin can produce is declared, with the values it can take, through
``careengine_catalog`` (:data:`DERIVED`), so that a rule matching a misspelt code or a value that
can never occur (``startback.risk = "hgih"``) is refused when the packs load.

Missing inputs are named by where they go in the assessment: ``patient.age``,
``episode.duration_days``, ``episode.leg_symptoms``, ``episode.onset_age``,
``finding:<code>``, ``questionnaires.axspa_features``, ``questionnaires.hla_b27``, and for a score
both ways of giving it, e.g. ``questionnaires.fabq or measures.fabq_work``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from careengine.model import Assessment, Classification, DerivedFact
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry
from careengine_plugins.scoring_rules import (
    axspa,
    cpr_manipulation,
    cpr_manipulation_pragmatic,
    stabilization,
    tbc,
)
from careengine_plugins.scoring_scores import (
    ODI_BANDS,
    SOURCES,
    Score,
    Scores,
    odi_band,
    resolve_scores,
    startback_risk,
)

_BOOL = (True, False)
#: The TBC subgroups, in the order of docs/design.md section 11.
TBC_SUBGROUPS = (
    "manipulation",
    "stabilization",
    "specific_exercise_extension",
    "specific_exercise_flexion",
    "specific_exercise_lateral_shift",
    "traction",
)
#: Every derived code this plugin produces -> the values it can take (``None``: any number).
DERIVED: Mapping[str, Sequence[bool | str] | None] = MappingProxyType(
    {
        "startback.total": None,
        "startback.psychosocial": None,
        "startback.risk": ("low", "medium", "high"),
        "odi.percent": None,
        "odi.band": (*(band for _, band in ODI_BANDS), "bed_bound"),
        "fabq.pa": None,
        "fabq.work": None,
        "cpr_manipulation.criteria_met": None,
        "cpr_manipulation.criteria_known": None,
        "cpr_manipulation.positive": _BOOL,
        "cpr_manipulation_pragmatic.positive": _BOOL,
        "stabilization.success_criteria_met": None,
        "stabilization.predicted_success": _BOOL,
        "stabilization.failure_criteria_met": None,
        "stabilization.predicted_failure": _BOOL,
        "tbc.overlap": _BOOL,
        **{f"tbc.subgroup.{name}": (True,) for name in TBC_SUBGROUPS},
        "axspa.eligible": _BOOL,
        "axspa.features": None,
        "axspa.refer": _BOOL,
    }
)


def _inputs(assessment: Assessment, *scores: tuple[str, Score]) -> dict[str, Any]:
    """The values a score was taken from: the raw answers, or the measure."""
    inputs: dict[str, Any] = {}
    for _code, score in scores:
        if score.source is None:
            continue
        if score.source.startswith("measures."):
            inputs[score.source] = score.value
        else:
            name = score.source.removeprefix("questionnaires.")
            for key, value in assessment.questionnaires[name].items():
                inputs[f"{score.source}.{key}"] = value
    return inputs


def _missing(*scores: tuple[str, Score]) -> tuple[str, ...]:
    return tuple(SOURCES[code] for code, score in scores if score.value is None)


def startback(assessment: Assessment, scores: Scores) -> Classification:
    total = ("startback_total", scores.startback_total)
    psych = ("startback_psychosocial", scores.startback_psychosocial)
    t, p = total[1].value, psych[1].value
    risk = startback_risk(t, p)  # type: ignore[arg-type]
    met: tuple[str, ...] = ()
    if risk == "low":
        met = ("total_at_most_3",)
    elif risk == "high":
        met = ("total_at_least_4", "psychosocial_at_least_4")
    elif risk == "medium":
        met = ("total_at_least_4", "psychosocial_at_most_3")
    return Classification(
        name="startback",
        values={"total": t, "psychosocial": p, "risk": risk},
        missing=_missing(total, psych),
        inputs=_inputs(assessment, total, psych),
        criteria_met=met,
    )


def odi(assessment: Assessment, scores: Scores) -> Classification:
    percent = ("odi_percent", scores.odi_percent)
    value = None if percent[1].value is None else float(percent[1].value)
    inputs = _inputs(assessment, percent)
    if scores.odi_answered is not None:
        inputs["sections_answered"] = scores.odi_answered
    return Classification(
        name="odi",
        values={"percent": value, "band": None if value is None else odi_band(value)},
        missing=_missing(percent),
        inputs=inputs,
    )


def fabq(assessment: Assessment, scores: Scores) -> Classification:
    pa = ("fabq_pa", scores.fabq_pa)
    work = ("fabq_work", scores.fabq_work)
    return Classification(
        name="fabq",
        values={"pa": pa[1].value, "work": work[1].value},
        missing=_missing(pa, work),
        inputs=_inputs(assessment, pa, work),
    )


def derive(assessment: Assessment) -> list[Classification | DerivedFact]:
    """Every classification of this plugin, and the per-subgroup TBC facts.

    :raises careengine.errors.AssessmentError: a score given in ``measures`` is out of range or
        disagrees with the raw answers.
    """
    scores = resolve_scores(assessment)
    cpr = cpr_manipulation(assessment, scores)
    pragmatic = cpr_manipulation_pragmatic(assessment)
    stab, stab_success = stabilization(assessment, scores)
    subgrouping, subgroups = tbc(assessment, cpr, pragmatic, stab, stab_success)
    out: list[Classification | DerivedFact] = [
        startback(assessment, scores),
        odi(assessment, scores),
        fabq(assessment, scores),
        cpr,
        pragmatic,
        stab,
        subgrouping,
        axspa(assessment),
    ]
    out += [DerivedFact(code=f"tbc.subgroup.{name}", value=True) for name in subgroups]
    return out


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    """Declare every derived code of :func:`derive` with its possible values."""
    for code, values in DERIVED.items():
        registry.add_derived(code, values=values)


@hookimpl
def careengine_derive_facts(assessment: Assessment) -> list[Classification | DerivedFact]:
    """Scores and classifications of docs/design.md section 11 (see the module docstring)."""
    return derive(assessment)
