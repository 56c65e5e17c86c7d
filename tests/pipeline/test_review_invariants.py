"""The safety invariants re-checked after every reviewer (careengine/pipeline/safety.py; the list is in
docs/plugins.md under the review hook): one hostile reviewer per rule (tests/plugins/
hostile_reviewers.py), each refused with a PluginError naming the plugin and the hook and listing
every problem, and the changes a reviewer may make (deferring or excluding with a reason) still
allowed. These run the built-in knowledge base on the shipped examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

import careengine.engine
from careengine import Engine, PluginError, hookimpl
from careengine.cli import cli
from careengine.model import (
    Alert,
    AlertLevel,
    Exclusion,
    Plan,
    Precaution,
    Referral,
    Urgency,
)
from careengine.pipeline.safety import SafetyFacts
from tests.plugins import PLUGIN_DIR
from tests.plugins import hostile_reviewers as hostile

ROOT = Path(__file__).resolve().parents[2]
ASSESSMENTS = ROOT / "examples" / "assessments"
FOLLOWUPS = ROOT / "examples" / "followups"
CAUDA = ASSESSMENTS / "suspected-cauda-equina.json"  # emergency alert and referral, withheld
AXSPA = ASSESSMENTS / "suspected-axspa.json"  # routine alert and referral, items placed
DESK = ASSESSMENTS / "desk-worker.json"  # a precaution on spinal_thrust_manipulation
OSTEOPOROSIS = ASSESSMENTS / "osteoporosis.json"  # exclusions, a precaution
HOOK = "careengine_review_plan"


@pytest.fixture(scope="module")
def plain() -> Engine:
    return Engine(entry_points=False)


def refused(reviewer: object, source: Path, *more: object) -> list[str]:
    """The problems (without the plugin prefix) a reviewer's plan is refused with."""
    engine = Engine(entry_points=False, plugins=[*more, reviewer])
    with pytest.raises(PluginError) as info:
        engine.evaluate(engine.load_assessment(source))
    name = reviewer.__name__  # type: ignore[attr-defined]
    assert (info.value.plugin, info.value.hook) == (name, HOOK)
    prefix = f"plugin {name} in {HOOK}: "
    lines = info.value.lines()
    assert all(line.startswith(prefix) for line in lines), lines
    assert str(info.value) == prefix + "; ".join(line[len(prefix) :] for line in lines)
    return [line[len(prefix) :] for line in lines]


def reviewed(reviewer: object, source: Path) -> Plan:
    engine = Engine(entry_points=False, plugins=[reviewer])
    return engine.evaluate(engine.load_assessment(source))


# --- alerts and referrals -------------------------------------------------------------------------


def test_an_emergency_alert_lowered_to_info_is_refused() -> None:
    assert refused(hostile.LowersAlerts(), CAUDA) == [
        "lowered alert cauda_equina_suspected from emergency to info"
    ]


def test_an_alert_whose_code_is_changed_is_refused() -> None:
    assert refused(hostile.RenamesAlerts(), AXSPA) == ["removed alert axspa_suspected (routine)"]


def test_removed_referrals_are_refused() -> None:
    assert refused(hostile.DropsReferrals(), CAUDA) == [
        "removed referral to emergency department (emergency)"
    ]


def test_a_referral_made_less_urgent_is_refused() -> None:
    assert refused(hostile.LowersReferrals(), CAUDA) == [
        "lowered the referral to emergency department from emergency to routine"
    ]


def test_an_alert_that_withholds_treatment_added_to_a_ready_plan_must_withhold_it() -> None:
    problems = refused(hostile.EscalatesButKeepsTreating(), DESK)
    assert problems[0] == "changed the status of a plan whose red flags withhold treatment"
    assert "placed spinal_thrust_manipulation in relieve while treatment is withheld" in problems


# --- precautions and exclusions -------------------------------------------------------------------


def test_stripped_precautions_are_refused(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(DESK))
    (caution,) = next(i for _, i in plan.items() if i.precautions).precautions
    assert refused(hostile.StripsPrecautions(), DESK) == [
        f"removed precaution {caution.text!r} ({caution.source}) from spinal_thrust_manipulation "
        "in stage relieve",
        "placed spinal_thrust_manipulation in stage relieve without the precaution of its "
        "relative contraindication anticoagulant_therapy",
    ]


def test_an_item_added_without_its_relative_contraindication_precaution_is_refused(
    plain: Engine,
) -> None:
    needling = plain.catalog.interventions["dry_needling_referral"]
    assert "anticoagulant_therapy" in needling.contraindications_relative
    assert refused(hostile.AddsWithoutPrecaution(needling), DESK) == [
        "placed dry_needling_referral in stage relieve without the precaution of its relative "
        "contraindication anticoagulant_therapy"
    ]


def test_removed_exclusions_are_refused(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(OSTEOPOROSIS))
    ids = [e.intervention for e in plan.excluded]
    assert "seated_torso_twist" in ids
    assert refused(hostile.DropsExclusions(), OSTEOPOROSIS) == [
        *(f"removed the exclusion of {i}" for i in ids),
        *(f"lost {i}: it is in no stage and not deferred, excluded or in conflicts" for i in ids),
    ]


def test_an_exclusion_reason_replaced_is_refused(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(OSTEOPOROSIS))
    assert ("seated_torso_twist", ("contraindicated: osteoporosis",)) in {
        (e.intervention, e.reasons) for e in plan.excluded
    }
    assert refused(hostile.RewordsExclusions(), OSTEOPOROSIS) == [
        f"removed reason {r!r} from the exclusion of {e.intervention}"
        for e in plan.excluded
        for r in e.reasons
    ]


# --- nothing lost ---------------------------------------------------------------------------------


def test_items_deleted_without_deferring_them_are_refused(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(DESK))
    ids = sorted({item.intervention for _, item in plan.items()})
    assert len(ids) > 2
    assert refused(hostile.DeletesItems(), DESK) == [
        f"lost {i}: it is in no stage and not deferred, excluded or in conflicts" for i in ids
    ]


def test_items_deferred_without_a_reason_are_refused(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(DESK))
    problems = refused(hostile.DefersWithoutReason(), DESK)
    assert problems == [
        f"deferred {item.intervention} without a reason" for _, item in plan.items()
    ]


def test_items_moved_to_deferred_or_excluded_with_a_reason_are_allowed(plain: Engine) -> None:
    before = plain.evaluate(plain.load_assessment(DESK))
    plan = reviewed(hostile.DefersAndExcludesWithReasons(), DESK)
    assert not plan.items()
    moved = {d.intervention for d in plan.deferred} | {e.intervention for e in plan.excluded}
    assert moved == {item.intervention for _, item in before.items()} | {
        d.intervention for d in before.deferred
    }


def test_an_unaddressed_impairment_hidden_is_refused() -> None:
    assert refused(hostile.HidesUnaddressed(), CAUDA) == [
        "removed glute_weakness from unaddressed although no item addresses it",
        "removed radicular_signs from unaddressed although no item addresses it",
    ]


# --- identity and provenance ----------------------------------------------------------------------


def test_a_rewritten_patient_id_is_refused() -> None:
    assert refused(hostile.RewritesPatientId(), DESK) == [
        "changed patient_id (from 'p-desk-01' to 'someone-else')"
    ]


def test_a_rewritten_fingerprint_is_refused() -> None:
    (problem,) = refused(hostile.RewritesFingerprint(), DESK)
    assert problem.startswith("changed provenance.fingerprint (from 'sha256:")
    assert problem.endswith(f" to 'sha256:{'0' * 64}')")


def test_a_reviewer_hiding_itself_from_the_provenance_is_refused() -> None:
    (problem,) = refused(hostile.HidesItsPlugin(), DESK)
    assert problem.startswith("changed provenance.plugins (from ")


def test_a_changed_date_and_classifications_are_refused() -> None:
    problems = refused(hostile.RedatesAndReclassifies(), DESK)
    assert problems[0] == "changed assessed_on (from '2026-11-20' to '2001-01-01')"
    assert problems[1].startswith("changed classifications (") and "startback" in problems[1]
    assert len(problems) == 2


# --- vetoes, dosages, catalog ---------------------------------------------------------------------


def test_dosages_out_of_range_are_refused(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(DESK))
    exercises = [(s, i.intervention) for s, i in plan.items() if i.dosage.sets is not None]
    assert exercises
    problems = refused(hostile.HugeDosage(), DESK)
    assert problems == [
        f"set the dosage of {i} in stage {s} out of range: {what}"
        for s, i in exercises
        for what in ("sets = 1000000 is outside 1..10", "reps = -5 is outside 1..100")
    ]


def test_dosages_above_the_catalogs_maximum_are_refused(plain: Engine) -> None:
    maxima = {
        k: v.dosage_max
        for k, v in plain.catalog.interventions.items()
        if v.dosage_max is not None and v.dosage_max.sets is not None and v.dosage_max.sets < 10
    }
    plan = plain.evaluate(plain.load_assessment(DESK))
    capped = [(s, i.intervention) for s, i in plan.items() if i.intervention in maxima]
    assert capped
    problems = refused(hostile.AboveCatalogMaximum(maxima), DESK)
    assert problems == [
        f"set the dosage of {i} in stage {s} out of range: sets = {maxima[i].sets + 1} is "
        f"above the catalog's maximum {maxima[i].sets}"
        for s, i in capped
    ]


def test_an_unknown_stage_is_refused() -> None:
    problems = refused(hostile.RenamesStage(), DESK)
    assert problems[0].startswith("changed the stages to warmup, mobilize")
    assert problems[1] == "set the current stage to unknown stage 'warmup'"


def test_each_reviewer_is_checked_against_the_plan_it_was_given(plain: Engine) -> None:
    """The first reviewer excludes thrust manipulation (allowed); the second undoes it, which
    the merged plan alone would not show."""
    plan = plain.evaluate(plain.load_assessment(DESK))
    thrust = next(i for _, i in plan.items() if i.intervention == "spinal_thrust_manipulation")
    assert thrust.precautions
    allowed = reviewed(hostile.ExcludesThrust(), DESK)
    assert "spinal_thrust_manipulation" not in {i.intervention for _, i in allowed.items()}
    back = hostile.PutsThrustBack(thrust)
    assert refused(back, DESK, hostile.ExcludesThrust()) == [
        "placed vetoed intervention spinal_thrust_manipulation in stage relieve",
        "removed the exclusion of spinal_thrust_manipulation",
    ]


def test_the_safety_facts_of_a_plan_keep_the_strictest_level_and_every_reason(
    plain: Engine,
) -> None:
    """The same alert code or referral given twice counts at its stricter level (whichever
    comes first); an intervention excluded twice keeps the reasons of both."""
    plan = plain.evaluate(plain.load_assessment(AXSPA))
    alert = Alert(code="twice", level=AlertLevel.URGENT, message="")
    referral = Referral(to="twice", urgency=Urgency.URGENT, reason="")
    plan = attrs.evolve(
        plan,
        alerts=(
            attrs.evolve(alert, level=AlertLevel.INFO),
            alert,
            attrs.evolve(alert, level=AlertLevel.ROUTINE),
        ),
        referrals=(attrs.evolve(referral, urgency=Urgency.ROUTINE), referral),
        excluded=(
            Exclusion(intervention="x", reasons=("a",)),
            Exclusion(intervention="x", reasons=("b",)),
        ),
    )
    facts = SafetyFacts.of(plan)
    assert facts.alerts == {"twice": AlertLevel.URGENT}
    assert facts.referrals == {"twice": Urgency.URGENT}
    assert facts.exclusions == {"x": frozenset({"a", "b"})}


def test_the_union_of_safety_facts_is_the_stricter_of_both() -> None:
    """What a later reviewer must keep: the merged plan's and the plan it was given."""
    p, q = Precaution(text="p", source="s"), Precaution(text="q", source="s")
    one = SafetyFacts(
        alerts={"a": AlertLevel.INFO, "b": AlertLevel.URGENT},
        referrals={"gp": Urgency.ROUTINE},
        exclusions={"x": frozenset({"r1"})},
        precautions={"x": frozenset({p})},
        accounted=frozenset({"x"}),
    )
    other = SafetyFacts(
        alerts={"a": AlertLevel.EMERGENCY, "b": AlertLevel.INFO},
        referrals={"gp": Urgency.URGENT, "ed": Urgency.EMERGENCY},
        exclusions={"x": frozenset({"r2"}), "y": frozenset()},
        precautions={"x": frozenset({q})},
        accounted=frozenset({"y"}),
    )
    both = SafetyFacts(
        alerts={"a": AlertLevel.EMERGENCY, "b": AlertLevel.URGENT},
        referrals={"gp": Urgency.URGENT, "ed": Urgency.EMERGENCY},
        exclusions={"x": frozenset({"r1", "r2"}), "y": frozenset()},
        precautions={"x": frozenset({p, q})},
        accounted=frozenset({"x", "y"}),
    )
    assert one.union(other) == both
    assert other.union(one) == both


# --- every problem at once, on the command line ---------------------------------------------------


def test_every_problem_of_a_reviewer_is_reported_at_once(plain: Engine) -> None:
    plan = plain.evaluate(plain.load_assessment(AXSPA))
    ids = sorted({item.intervention for _, item in plan.items()})
    assert refused(hostile.DoesEverything(), AXSPA) == [
        "changed patient_id (from 'p-axspa-10' to 'someone-else')",
        "lowered alert axspa_suspected from routine to info",
        "removed referral to rheumatology (routine)",
        *(f"lost {i}: it is in no stage and not deferred, excluded or in conflicts" for i in ids),
    ]


def test_the_command_line_prints_one_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    plugin = PLUGIN_DIR / "tampering_reviewer.py"
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(cli, ["evaluate", str(AXSPA), "--plugin", str(plugin), "-o", out])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) > 4
    assert all(
        line.startswith("error: plugin ") and " in careengine_review_plan: " in line
        for line in lines
    )
    assert any(
        line.endswith("lowered alert axspa_suspected from routine to info") for line in lines
    )
    assert any(line.endswith("removed referral to rheumatology (routine)") for line in lines)
    assert not out.exists()


# --- reassessment ---------------------------------------------------------------------------------


def test_a_reviewer_of_a_reassessment_is_checked_too(plain: Engine) -> None:
    previous = plain.evaluate(plain.load_assessment(DESK))
    engine = Engine(entry_points=False, plugins=[hostile.DeletesItems()])
    with pytest.raises(PluginError, match=r"deletes_items in careengine_review_plan: lost "):
        engine.reassess(previous, FOLLOWUPS / "desk-worker-2wk-advance.json")


def test_the_allowed_review_of_a_reassessment_passes(plain: Engine) -> None:
    previous = plain.evaluate(plain.load_assessment(DESK))
    engine = Engine(entry_points=False, plugins=[hostile.DefersAndExcludesWithReasons()])
    plan = engine.reassess(previous, FOLLOWUPS / "desk-worker-2wk-advance.json")
    assert plan.progression is not None and not plan.items()


# --- cost -----------------------------------------------------------------------------------------


class LeavesAlone:
    __name__ = "leaves_alone"

    @hookimpl
    def careengine_review_plan(self, plan: Plan) -> None:
        return None


def test_the_invariants_are_worked_out_only_when_a_reviewer_returns_a_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**_: object) -> None:
        raise AssertionError("the safety invariants were worked out")

    engine = Engine(entry_points=False, plugins=[LeavesAlone()])
    monkeypatch.setattr(careengine.engine, "PlanGuard", refuse)
    assert engine.evaluate(engine.load_assessment(DESK)).items()
    engine = Engine(entry_points=False, plugins=[hostile.LowersAlerts()])
    with pytest.raises(AssertionError, match="worked out"):
        engine.evaluate(engine.load_assessment(CAUDA))


def test_the_invariants_are_worked_out_once_per_evaluation(
    monkeypatch: pytest.MonkeyPatch, plain: Engine
) -> None:
    """However many reviewers return a plan, and in a reassessment too (whose own check of the
    progression and its reviewers share one guard)."""
    built = []
    real = careengine.engine.PlanGuard

    def counted(**kwargs: Any) -> Any:
        built.append(kwargs["merged"])
        return real(**kwargs)

    previous = plain.evaluate(plain.load_assessment(DESK))
    monkeypatch.setattr(careengine.engine, "PlanGuard", counted)
    reviewers = [hostile.ExcludesThrust(), hostile.DefersAndExcludesWithReasons()]
    engine = Engine(entry_points=False, plugins=reviewers)
    assert not engine.evaluate(engine.load_assessment(DESK)).items()
    assert len(built) == 1
    engine.reassess(previous, FOLLOWUPS / "desk-worker-2wk-advance.json")
    assert len(built) == 2
