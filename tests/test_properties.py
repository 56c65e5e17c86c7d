"""Properties of the whole pipeline over random assessments (hypothesis).

Assessments are drawn from the demo catalog plus the test vocabulary (tests.plugins.catalog);
the rules are the demo pack plus a pack that uses every operator and action
(tests.plugins.variety) and rules on derived facts (tests.plugins.scores). Engines are built once
per module; hypothesis only varies the assessments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine, RuleExecutionError
from careengine.model import Assessment, InterventionKind, Plan, PlanStatus
from careengine.pipeline.facts import assessment_facts, derived_facts
from careengine.pipeline.merge import DECLINED, WITHHELD
from careengine.render.serialize import dumps
from careengine.rules import Add, Call, Exclude, Match, Rule, When, condition, finding, measure
from careengine.rules.backend import durable_available
from careengine.testing.strategies import without_contradictions
from careengine_plugins import demo
from tests.plugins import catalog, scores, variety
from tests.plugins.packs import RulePackPlugin
from tests.support import excluded, make_engine, placed_ids, without_backend

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- random assessments --------------------------------------------------------------------------

FINDING_CODES = sorted({*demo.FINDINGS, *catalog.FINDINGS})
CONDITIONS = sorted({*demo.CONDITIONS, *catalog.CONDITIONS})
RED_FLAGS = sorted({*demo.RED_FLAGS, *catalog.RED_FLAGS})
EMERGENCY_FLAGS = ("saddle_anesthesia", "bladder_dysfunction")
SAFE_FLAGS = sorted(set(RED_FLAGS) - set(EMERGENCY_FLAGS) - {"history_of_cancer"})
DECLINABLE = ("dry_needling_referral", "joint_mobilization", "bird_dog", "tens")


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def findings(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(FINDING_CODES))
    out: dict[str, Any] = {"code": code}
    fields = {
        "side": optional(st.sampled_from(["left", "right", "bilateral"])),
        "severity": optional(st.sampled_from(["mild", "moderate", "severe"])),
        "present": st.sampled_from([None, None, None, True, False]),
    }
    if code == "centralization":
        fields["direction"] = optional(st.sampled_from(["extension", "flexion", "lateral"]))
    if code == "hip_internal_rotation":
        fields["value"] = optional(st.integers(0, 60))
    for key, strategy in fields.items():
        value = draw(strategy)
        if value is not None:
            out[key] = value
    return out


#: Combinations that reach the merge's rarer branches (exclusive groups, substitutes, dosage
#: conflicts, same-side joins): (findings, conditions).
BUNDLES: tuple[tuple[tuple[dict[str, Any], ...], tuple[str, ...]], ...] = (
    (
        (  # one direction per side: two for one side contradict each other
            {"code": "centralization", "side": "left", "direction": "extension"},
            {"code": "centralization", "side": "right", "direction": "flexion"},
        ),
        (),
    ),
    (({"code": "lumbar_hypomobility"},), ("osteoporosis",)),
    (
        (
            {"code": "hip_flexor_tightness", "side": "left"},
            {"code": "hip_flexor_tightness", "side": "bilateral"},
        ),
        (),
    ),
    (
        (
            {"code": "glute_weakness", "side": "right", "severity": "severe"},
            {"code": "hip_flexor_tightness", "side": "right"},
        ),
        (),
    ),
    (({"code": "myofascial_trigger_points", "severity": "severe"},), ("pregnancy",)),
)


@st.composite
def assessments(draw: st.DrawFn, red_flags: Sequence[str] = RED_FLAGS) -> dict[str, Any]:
    bundles = draw(st.lists(st.sampled_from(BUNDLES), max_size=3))
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True))
    conditions += [c for _, extra in bundles for c in extra if c not in conditions]
    patient: dict[str, Any] = {
        "id": "p-prop",
        "conditions": sorted(set(conditions), key=conditions.index),
        "declines": draw(st.lists(st.sampled_from(DECLINABLE), max_size=2, unique=True)),
    }
    age = draw(optional(st.integers(18, 90)))
    if age is not None:
        patient["age"] = age
    flags = draw(st.one_of(st.just([]), st.lists(st.sampled_from(list(red_flags)), max_size=2)))
    data: dict[str, Any] = {
        "patient": patient,
        # the bundles first, so that what contradicts them is what the loader-safe filter drops
        "findings": without_contradictions(
            [
                *(dict(f) for extra, _ in bundles for f in extra),
                *draw(st.lists(findings(), max_size=8)),
            ]
        ),
        "red_flags": sorted(set(flags), key=flags.index),
    }
    pain = draw(optional(st.integers(0, 10)))
    if pain is not None:
        data["pain"] = {"current": pain}
    odi = draw(optional(st.integers(0, 100)))
    if odi is not None:
        data["measures"] = {"odi_percent": odi}
    return data


# --- engines, built once -------------------------------------------------------------------------

PLUGINS = (catalog, variety, scores)
ENGINE = make_engine(*PLUGINS)
REVERSED = make_engine(*PLUGINS[::-1])
CAPPED = make_engine(*PLUGINS, max_items_per_stage=1)
FEW_EXERCISES = make_engine(*PLUGINS, max_exercises_per_stage=2)
PASSIVE = frozenset({InterventionKind.MANUAL_THERAPY, InterventionKind.MODALITY})


def proposals(engine: Engine, assessment: Assessment) -> set[tuple[str, str]]:
    """Every distinct (intervention, stage) the rules proposed, before the merge."""
    _, extra, _ = engine._derive(assessment)
    result = engine._runner.run(assessment_facts(assessment) + derived_facts(extra))
    return {
        (c.intervention, c.stage)
        for c in result.contributions
        if c.action == "add" and c.intervention and c.stage
    }


@SETTINGS
@given(data=assessments(), seed=st.randoms(use_true_random=False))
def test_finding_order_and_plugin_order_do_not_change_the_json(
    data: dict[str, Any], seed: Any
) -> None:
    expected = dumps(ENGINE.evaluate(ENGINE.load_assessment(data)))
    shuffled = dict(data, findings=list(data["findings"]), red_flags=list(data["red_flags"]))
    seed.shuffle(shuffled["findings"])
    seed.shuffle(shuffled["red_flags"])
    shuffled["patient"] = dict(data["patient"], conditions=data["patient"]["conditions"][::-1])
    assert dumps(REVERSED.evaluate(REVERSED.load_assessment(shuffled))) == expected
    assert dumps(ENGINE.evaluate(ENGINE.load_assessment(shuffled))) == expected


@SETTINGS
@given(data=assessments())
@pytest.mark.parametrize("engine", [CAPPED, FEW_EXERCISES], ids=["one item", "two exercises"])
def test_nothing_is_lost(engine: Engine, data: dict[str, Any]) -> None:
    assessment = engine.load_assessment(data)
    plan = engine.evaluate(assessment)
    # an item moved to another stage (active first) is at home under the stage it was proposed for
    placed = {(item.intervention, item.proposed_stage or stage) for stage, item in plan.items()}
    deferred = {(d.intervention, d.stage) for d in plan.deferred}
    losers = {
        i
        for c in plan.conflicts
        if c.kind == "exclusive_group"
        for i in c.interventions
        if i != c.winner
    }
    vetoed = excluded(plan)
    proposed = proposals(CAPPED, assessment)
    for intervention, stage in proposed:
        homes = [
            (intervention, stage) in placed,
            intervention in vetoed,
            (intervention, stage) in deferred,
            intervention in losers,
        ]
        assert homes.count(True) == 1, (intervention, stage, homes)
    for intervention, stage in placed | deferred:
        substitutes_for = {
            o
            for o, s in proposed
            if s == stage
            and o in vetoed
            and intervention in engine.catalog.interventions[o].alternatives
        }
        assert (intervention, stage) in proposed or substitutes_for
    addressed = {a for _, item in plan.items() for a in item.addresses}
    for f in assessment.present_findings():
        if f.code in engine.catalog.impairments():
            assert (f.code in addressed) != (f.code in plan.unaddressed), f.code
    if engine is CAPPED:
        assert all(len(stage.items) <= 1 for stage in plan.stages)


@SETTINGS
@given(data=assessments())
@pytest.mark.parametrize("engine", [ENGINE, CAPPED, FEW_EXERCISES], ids=["default", "one", "two"])
def test_what_a_stage_holds(engine: Engine, data: dict[str, Any]) -> None:
    """Active first, a current stage that holds items, the exercise cap, one level at a time."""
    plan = engine.evaluate(engine.load_assessment(data))
    current = plan.stage(plan.current_stage)
    exercises = {
        s.id: [i for i in s.items if i.kind is InterventionKind.EXERCISE] for s in plan.stages
    }
    if plan.items():
        assert current.items, plan.current_stage
    if any(exercises.values()):
        assert exercises[current.id], plan.current_stage
    for stage in plan.stages:
        if any(i.kind in PASSIVE for i in stage.items):
            assert exercises[stage.id], stage.id
        assert len(exercises[stage.id]) <= engine.options.max_exercises_per_stage
        ids = {i.intervention for i in exercises[stage.id]}
        for a, b in engine.programme.steps:
            assert not {a, b} <= ids, (stage.id, a, b)
        for item in stage.items:
            assert item.proposed_stage != stage.id
    assert plan.current_stage_reason


@SETTINGS
@given(data=assessments(), flag=st.sampled_from(EMERGENCY_FLAGS))
def test_an_emergency_red_flag_leaves_every_stage_empty(data: dict[str, Any], flag: str) -> None:
    data["red_flags"] = (
        [*data["red_flags"], flag] if flag not in data["red_flags"] else data["red_flags"]
    )
    assessment = ENGINE.load_assessment(data)
    plan = ENGINE.evaluate(assessment)
    assert plan.status is PlanStatus.REFERRAL
    assert plan.items() == ()
    assert plan.deferred == ()
    assert "cauda_equina_suspected" in {a.code for a in plan.alerts}
    for intervention, _ in proposals(ENGINE, assessment):
        assert WITHHELD in excluded(plan)[intervention]


# --- a veto beats an add at every priority -----------------------------------------------------


def add_at_measured_priority(match: Match) -> list[Add]:
    priority = int(match.facts["p0"]["value"])
    return [Add(intervention="dry_needling_referral", stage="relieve", priority=priority)]


PRIORITY_ENGINE = make_engine(
    catalog,
    RulePackPlugin(
        "priority",
        [
            Rule(
                id="add",
                because="adds at the priority the assessment gives",
                when=When(all=(measure("test_priority"),)),
                then=(Call(fn=add_at_measured_priority),),
            ),
            Rule(
                id="veto",
                because="vetoes at the default priority",
                when=When(all=(condition("spinal_stenosis"),)),
                then=(Exclude(intervention="dry_needling_referral", reason="excluded: rule"),),
            ),
        ],
    ),
)
VETO_FIELDS = {
    "none": ({}, None),
    "condition": ({"conditions": ["needle_phobia"]}, "contraindicated: needle_phobia"),
    "declines": ({"declines": ["dry_needling_referral"]}, DECLINED),
    "rule": ({"conditions": ["spinal_stenosis"]}, "excluded: rule"),
}


@SETTINGS
@given(priority=st.integers(0, 1000), veto=st.sampled_from(sorted(VETO_FIELDS)))
def test_a_veto_beats_an_add_at_every_priority(priority: int, veto: str) -> None:
    fields, reason = VETO_FIELDS[veto]
    plan = PRIORITY_ENGINE.evaluate(
        PRIORITY_ENGINE.load_assessment(
            {"patient": {"id": "p", **fields}, "measures": {"test_priority": priority}}
        )
    )
    if reason is None:
        (item,) = plan.stage("relieve").items
        assert (item.intervention, item.priority) == ("dry_needling_referral", priority)
    else:
        assert placed_ids(plan) == set()
        assert excluded(plan) == {"dry_needling_referral": (reason,)}


# --- independence and recovery ------------------------------------------------------------------

SMALL = make_engine(catalog)
SMALL_FRESH = make_engine(catalog)
LARGE_FRESH = make_engine(*PLUGINS)


@SETTINGS
@given(batch=st.lists(assessments(red_flags=SAFE_FLAGS), min_size=1, max_size=4))
def test_two_engines_in_one_process_stay_independent(batch: list[dict[str, Any]]) -> None:
    interleaved: list[tuple[str, str]] = []
    for data in batch:
        interleaved.append(
            (
                dumps(SMALL.evaluate(SMALL.load_assessment(data))),
                dumps(ENGINE.evaluate(ENGINE.load_assessment(data))),
            )
        )
    fresh_small = [dumps(SMALL_FRESH.evaluate(SMALL_FRESH.load_assessment(d))) for d in batch]
    fresh_large = [dumps(LARGE_FRESH.evaluate(LARGE_FRESH.load_assessment(d))) for d in batch]
    assert interleaved == list(zip(fresh_small, fresh_large, strict=True))
    for small_json in fresh_small:
        assert '"pack": "variety"' not in small_json


def explode(match: Match) -> list[Add]:
    raise RuntimeError("exploded")


EXPLODING = RulePackPlugin(
    "exploding",
    [
        Rule(
            id="boom",
            because="raises on purpose",
            when=When(all=(finding("core_facilitation_poor", side="left"),)),
            then=(Call(fn=explode),),
        )
    ],
)
RAISING = make_engine(*PLUGINS, EXPLODING)
RAISING_FRESH = make_engine(*PLUGINS, EXPLODING)
TRIGGER = RAISING.load_assessment(
    {"patient": {"id": "p"}, "findings": [{"code": "core_facilitation_poor", "side": "left"}]}
)


def outcome(engine: Engine, data: dict[str, Any]) -> str:
    try:
        return dumps(engine.evaluate(engine.load_assessment(data)))
    except RuleExecutionError as exc:
        return f"error: {exc}"


@SETTINGS
@given(data=assessments())
def test_an_action_that_raises_leaves_the_engine_correct(data: dict[str, Any]) -> None:
    with pytest.raises(RuleExecutionError) as info:
        RAISING.evaluate(TRIGGER)
    assert info.value.rule_id == "exploding.boom"
    assert outcome(RAISING, data) == outcome(RAISING_FRESH, data)


# --- the durable backend against the python oracle ----------------------------------------------

PYTHON = make_engine(*PLUGINS, backend="python")
DURABLE = make_engine(*PLUGINS, backend="durable") if durable_available() else PYTHON


@pytest.mark.skipif(not durable_available(), reason="durable-rules does not import here")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=assessments())
def test_durable_and_python_backends_give_the_same_plan(data: dict[str, Any]) -> None:
    plans: list[Plan] = []
    for engine in (DURABLE, PYTHON):
        plans.append(engine.evaluate(engine.load_assessment(data)))
    durable_plan, python_plan = plans
    assert (durable_plan.provenance.backend, python_plan.provenance.backend) == (
        "durable",
        "python",
    )
    assert without_backend(durable_plan) == without_backend(python_plan)
