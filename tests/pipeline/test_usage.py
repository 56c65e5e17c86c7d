"""The plan's ``not_used`` (careengine/pipeline/usage.py): every recorded finding, condition,
measure and questionnaire result either changed the plan or is listed, with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from careengine import Engine
from careengine.io.plan_schema import plan_schema
from careengine.model import NotUsed, Plan, UsageKind
from careengine.pipeline.usage import UsageIndex
from careengine.render.serialize import dumps

ROOT = Path(__file__).resolve().parents[2]
ASSESSMENTS = ROOT / "examples" / "assessments"

#: what each example assessment records that changes nothing (kind, code)
EXAMPLE_NOT_USED: dict[str, list[tuple[str, str]]] = {
    "acute-strain-cpr-positive": [],
    "anticoagulants-trigger-points": [],
    "desk-worker": [],
    "high-risk-fear-avoidance": [],
    "low-risk-acute": [],
    "older-adult-stenosis": [("condition", "diabetes")],
    "osteoporosis": [],
    "pregnancy": [],
    "stabilization-candidate": [],
    "suspected-axspa": [],
    "suspected-cauda-equina": [],
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(entry_points=False)


def plan_for(engine: Engine, data: dict[str, Any]) -> Plan:
    base: dict[str, Any] = {"patient": {"id": "p-usage", "age": 40}, "pain": {"current": 5}}
    return engine.evaluate(engine.load_assessment({**base, **data}))


def codes(plan: Plan) -> list[str]:
    return [n.code for n in plan.not_used]


def reason(plan: Plan, code: str) -> str:
    return next(n.reason for n in plan.not_used if n.code == code)


def test_every_example_assessment_has_exactly_the_expected_not_used(engine: Engine) -> None:
    assert sorted(p.stem for p in ASSESSMENTS.glob("*.json")) == sorted(EXAMPLE_NOT_USED)
    for stem, expected in EXAMPLE_NOT_USED.items():
        plan = engine.evaluate(engine.load_assessment(ASSESSMENTS / f"{stem}.json"))
        assert [(n.kind.value, n.code) for n in plan.not_used] == expected, stem
        again = engine.evaluate(engine.load_assessment(ASSESSMENTS / f"{stem}.json"))
        assert again.not_used == plan.not_used


def test_the_example_reason_names_what_diabetes_would_matter_for(engine: Engine) -> None:
    plan = engine.evaluate(engine.load_assessment(ASSESSMENTS / "older-adult-stenosis.json"))
    assert reason(plan, "diabetes").startswith(
        "a contraindication only of interventions this plan does not propose (cryotherapy, "
        "dry_needling_referral, superficial_heat and 1 more)"
    )


def test_a_finding_no_rule_uses_is_listed_and_one_that_drives_an_item_is_not() -> None:
    # the demo knowledge base has no rule on hip_internal_rotation; glute work needs moderate
    demo = Engine(entry_points=False, builtins=["careengine_plugins.demo"])
    rotation = {"code": "hip_internal_rotation", "side": "left", "value": 40, "unit": "deg"}
    plan = plan_for(
        demo, {"findings": [{"code": "glute_weakness", "severity": "severe"}, rotation]}
    )
    assert any(i.intervention == "bridge" for _, i in plan.items())
    assert plan.not_used == (
        NotUsed(
            code="hip_internal_rotation", kind=UsageKind.FINDING, reason="no loaded rule uses it"
        ),
    )
    mild = plan_for(demo, {"findings": [{"code": "glute_weakness", "severity": "mild"}]})
    assert mild.not_used == (
        NotUsed(
            code="glute_weakness",
            kind=UsageKind.FINDING,
            reason="the rules that use it did not apply: demo.weak-glutes",
        ),
    )


def test_the_issue_findings_change_the_plan(engine: Engine) -> None:
    """acute_disc_herniation, FABQ work > 34, the ODI band and hypermobility with a 110 degree
    straight-leg raise each change the plan (none of them did on main)."""
    plan = plan_for(
        engine,
        {
            "patient": {
                "id": "p-issue",
                "age": 29,
                "conditions": ["hypermobility_syndrome", "acute_disc_herniation"],
            },
            "findings": [
                {"code": "hamstring_tightness"},
                {"code": "straight_leg_raise", "side": "left", "value": 110, "unit": "deg"},
                {"code": "straight_leg_raise", "side": "right", "value": 110, "unit": "deg"},
                {"code": "lumbar_mobility_limited"},
            ],
            "measures": {"odi_percent": 66, "fabq_work": 38},
        },
    )
    assert plan.not_used == ()
    placed = {i.intervention for _, i in plan.items()}
    assert not placed & {"standing_hamstring_stretch", "seated_forward_bend", "seated_torso_twist"}
    assert {"psychologically_informed_care", "bird_dog", "balance_training"} <= placed
    alerts = {a.code for a in plan.alerts}
    assert {"disc_herniation_care", "work_fear_avoidance_high", "disability_very_high"} <= alerts
    assert plan.current_stage == "relieve"  # ODI over 40 % starts in relieve


def test_a_questionnaire_result_that_changes_nothing_is_listed_with_the_rules_it_missed(
    engine: Engine,
) -> None:
    plan = plan_for(engine, {"measures": {"odi_percent": 30}})
    assert [(n.kind, n.code) for n in plan.not_used] == [
        (UsageKind.MEASURE, "odi_percent"),
        (UsageKind.CLASSIFICATION, "odi"),
    ]
    assert reason(plan, "odi") == (
        "the rules that use it did not apply: lbp.questionnaires.odi-minimal, "
        "lbp.questionnaires.odi-severe, lbp.questionnaires.odi-very-high"
    )
    assert reason(plan, "odi_percent") == (
        "no loaded rule uses it; it feeds odi, which changed nothing either"
    )


def test_a_condition_that_blocks_a_rule_changed_the_plan(engine: Engine, tmp_path: Path) -> None:
    pack = tmp_path / "clinic.toml"
    pack.write_text(
        '[pack]\nid = "clinic.block"\nversion = "1.0.0"\ntitle = "t"\npopulation = "p"\n'
        'sources = ["s"]\n\n[[rules]]\nid = "walk"\nbecause = "b"\n'
        'when.all = [{ finding = "balance_impaired" }]\n'
        'when.none = [{ condition = "epilepsy" }]\n'
        'then = [{ add = "walking_program", stage = "return" }]\n',
        encoding="utf-8",
    )
    clinic = Engine(entry_points=False, rules=[pack])
    blocked = plan_for(
        clinic,
        {
            "patient": {"id": "p", "conditions": ["epilepsy"]},
            "findings": [{"code": "balance_impaired"}],
        },
    )
    assert "epilepsy" not in codes(blocked)
    alone = plan_for(clinic, {"patient": {"id": "p", "conditions": ["epilepsy"]}})
    assert "epilepsy" in codes(alone)
    assert "the rules that use it did not apply: clinic.block.walk" in reason(alone, "epilepsy")


def test_a_finding_used_only_through_a_classification_is_not_listed(engine: Engine) -> None:
    """The straight-leg raise feeds the stabilization rule, whose TBC subgroup adds items."""
    plan = engine.evaluate(engine.load_assessment(ASSESSMENTS / "stabilization-candidate.json"))
    assert "straight_leg_raise" not in codes(plan)
    assert "fabq" not in codes(plan)  # FABQ physical activity is a stabilization criterion


def test_not_used_round_trips_through_the_stored_plan_and_its_schema(
    engine: Engine, tmp_path: Path
) -> None:
    import jsonschema

    plan = plan_for(engine, {"measures": {"odi_percent": 30}})
    text = dumps(plan)
    data = json.loads(text)
    assert data["not_used"][1] == {
        "code": "odi",
        "kind": "classification",
        "reason": reason(plan, "odi"),
    }
    assert list(data)[list(data).index("unrecognized") + 1] == "not_used"
    jsonschema.validate(data, plan_schema(engine.catalog))
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    assert engine.load_plan(path).not_used == plan.not_used  # the content digest verifies
    del data["not_used"]  # a plan written before not_used existed still validates
    jsonschema.validate(data, plan_schema(engine.catalog))


def test_the_text_and_markdown_plans_list_what_changed_nothing(engine: Engine) -> None:
    plan = plan_for(engine, {"measures": {"odi_percent": 30}})
    text = engine.render(plan, "text")
    assert "NOT USED (recorded, but changed nothing in this plan)" in text
    assert "  - odi (classification): the rules that use it did not apply" in text
    assert "## Not used (recorded, but changed nothing in this plan)" in engine.render(
        plan, "markdown"
    )


def test_the_stratified_pathway_reports_that_it_used_the_startback_risk(engine: Engine) -> None:
    """The STarT Back pathway (a reviewer) acts on a low risk: startback is not listed."""
    plan = engine.evaluate(engine.load_assessment(ASSESSMENTS / "low-risk-acute.json"))
    assert any(d.reason.startswith("STarT Back low risk") for d in plan.deferred)
    assert "startback" not in codes(plan)
    merged, _ = engine._merge(engine.load_assessment(ASSESSMENTS / "low-risk-acute.json"))
    assert "startback" in codes(merged)  # no rule uses a low risk: only the reviewer does


def test_what_the_rules_can_use_is_worked_out_once_per_engine(engine: Engine) -> None:
    index = engine._usage
    assert isinstance(index, UsageIndex)
    assert "lbp.questionnaires.odi-severe" in index.classification_uses["odi"]
    assert "lbp.disc.course-and-recheck" in index.uses[("condition", "acute_disc_herniation")]
    assert "crunch" in index.contraindicates["acute_disc_herniation"]
