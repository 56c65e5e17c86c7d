"""Property (hypothesis) of the plan's ``not_used`` over random assessments of the built-in
knowledge base: every present finding and condition, and every measure given, is either
referenced by the plan (a matched fact of a rule that changed it, a precaution's or an exclusion's
source condition, an input of a classification, a fact that blocked a rule) or listed in
``not_used``; and nothing a contributing rule matched is ever listed."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine
from careengine.model import TermKind
from careengine.pipeline.facts import assessment_facts, derived_facts
from careengine.testing.strategies import without_contradictions

ENGINE = Engine(entry_points=False)
FINDINGS = sorted(ENGINE.catalog.code_set(TermKind.FINDING))
CONDITIONS = sorted(ENGINE.catalog.code_set(TermKind.CONDITION) - {"pregnancy"})
MEASUREMENTS = {"hip_internal_rotation", "straight_leg_raise"}
DIRECTED = {"centralization", "peripheralization"}

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def finding(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(FINDINGS))
    out: dict[str, Any] = {"code": code}
    if code in MEASUREMENTS:
        out.update(side=draw(st.sampled_from(["left", "right"])), unit="deg")
        out["value"] = draw(st.integers(0, 130))
    if code in DIRECTED:
        out["direction"] = draw(st.sampled_from(["extension", "flexion", "lateral"]))
    if draw(st.integers(0, 5)) == 0:
        out["present"] = False
    return out


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {
            "id": "p-usage",
            "age": draw(st.integers(18, 90)),
            "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True)),
        },
        "episode": {
            "duration_days": draw(st.integers(1, 400)),
            "leg_symptoms": draw(st.sampled_from(["none", "above_knee", "below_knee"])),
        },
        "pain": {"current": draw(st.integers(0, 10))},
        "findings": without_contradictions(draw(st.lists(finding(), max_size=8))),
    }
    measures = {}
    for code, top in (("odi_percent", 100), ("fabq_work", 42), ("fabq_pa", 24)):
        value = draw(st.one_of(st.none(), st.integers(0, top)))
        if value is not None:
            measures[code] = value
    if measures:
        data["measures"] = measures
    return data


@SETTINGS
@given(data=assessments())
def test_every_recorded_code_changes_the_plan_or_is_listed(data: dict[str, Any]) -> None:
    assessment = ENGINE.load_assessment(data)
    plan = ENGINE.evaluate(assessment)
    listed = {(n.kind.value, n.code) for n in plan.not_used}
    assert len(listed) == len(plan.not_used)
    assert list(plan.not_used) == sorted(
        plan.not_used, key=lambda n: (list(type(n.kind)).index(n.kind), n.code)
    )

    classifications, extra, inputs = ENGINE._derive(assessment)
    result = ENGINE._runner.run(assessment_facts(assessment) + derived_facts(extra))
    cautions = {p.source for _, item in plan.items() for p in item.precautions}
    matched: set[str] = set()  # what rules that changed the plan matched
    for c in result.contributions:
        if c.action == "precaution" and c.because.rule not in cautions:
            continue
        if c.action == "start_stage" and c.stage != plan.current_stage:
            continue
        matched.update(c.because.matched)
    conditions = set(assessment.patient.conditions)
    sources = cautions & conditions
    for exclusion in plan.excluded:
        intervention = ENGINE.catalog.interventions[exclusion.intervention]
        sources |= set(intervention.contraindications_absolute) & conditions
    fed = {key for given in inputs.values() for key in given}

    # nothing a contributing rule matched, and no contraindication source, is listed
    for kind, code in listed:
        if kind == "finding":
            assert f"finding:{code}" not in matched, code
        elif kind == "condition":
            assert f"condition:{code}" not in matched and code not in sources, code
        elif kind == "measure":
            assert f"measure:{code}" not in matched, code

    # every recorded code is referenced by the plan or listed
    referenced = matched | set(result.blocked)
    for f in assessment.present_findings():
        assert (
            f"finding:{f.code}" in referenced
            or f"finding:{f.code}" in fed
            or ("finding", f.code) in listed
        ), f.code
    for code in conditions:
        assert (
            f"condition:{code}" in referenced
            or code in sources
            or f"patient.conditions.{code}" in fed
            or ("condition", code) in listed
        ), code
    for code in assessment.measures:
        assert (
            f"measure:{code}" in referenced
            or f"measures.{code}" in fed
            or ("measure", code) in listed
        ), code
    assert classifications.keys() >= {code for kind, code in listed if kind == "classification"}


@SETTINGS
@given(data=assessments(), seed=st.randoms(use_true_random=False))
def test_not_used_does_not_depend_on_the_order_of_the_findings(
    data: dict[str, Any], seed: Any
) -> None:
    expected = ENGINE.evaluate(ENGINE.load_assessment(data)).not_used
    shuffled = dict(data, findings=list(data["findings"]))
    seed.shuffle(shuffled["findings"])
    shuffled["patient"] = dict(data["patient"], conditions=data["patient"]["conditions"][::-1])
    assert ENGINE.evaluate(ENGINE.load_assessment(shuffled)).not_used == expected
