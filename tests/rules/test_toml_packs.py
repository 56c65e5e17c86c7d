"""TOML rule packs: every operator and action compiled and fired, every validation error."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from careengine import Engine, RulePackError
from careengine.model import Dosage, Intervention, InterventionKind, Plan, Stage, TermKind
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry
from careengine.rules.backend import durable_available
from careengine.rules.toml_pack import load_pack_file

BACKENDS = ["python"] + (["durable"] if durable_available() else [])

FINDINGS = {
    "glute_weakness": True,
    "hip_flexor_tightness": True,
    "thoracic_mobility_limited": True,
    "core_facilitation_poor": True,
    "centralization": False,
    "prone_instability_test_positive": False,
    "hip_internal_rotation": False,
    "muscle_guarding": True,
}
INTERVENTIONS = (
    "bridge",
    "half_kneeling_glute_activation",
    "hip_flexor_stretch",
    "open_book_rotation",
    "cobra",
    "dead_bug",
    "walking_program",
    "repeated_extension_in_lying",
    "superficial_heat",
    "soft_tissue_massage",
    "spinal_thrust_manipulation",
    "joint_mobilization",
)


class SmallCatalog:
    """A catalog just big enough for these tests (independent of the built-in one)."""

    __name__ = "small_catalog"

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        for order, stage in enumerate(("relieve", "mobilize", "strengthen", "return"), 1):
            registry.add(Stage(id=stage, title=stage.title(), order=order))
        for code, impairment in FINDINGS.items():
            unit = "deg" if code == "hip_internal_rotation" else None
            registry.add_term(code, TermKind.FINDING, code, impairment=impairment, unit=unit)
        for code in ("osteoporosis", "recent_hip_surgery", "spinal_stenosis"):
            registry.add_term(code, TermKind.CONDITION, code)
        registry.add_term("saddle_anesthesia", TermKind.RED_FLAG, "saddle anaesthesia")
        registry.add_term("odi_percent", TermKind.MEASURE, "ODI %")
        registry.add_derived("d1", values=(True,))  # a flag random packs may look at
        for iid in INTERVENTIONS:
            registry.add(
                Intervention(
                    id=iid,
                    kind=InterventionKind.EXERCISE,
                    name=iid.replace("_", " "),
                    steps=(f"Do the {iid.replace('_', ' ')} as shown.",),
                    dosage=Dosage(sets=3, reps=10, per_week=3),
                    contraindications_absolute=("spinal_stenosis",) if iid == "cobra" else (),
                )
            )


HEADER = """\
[pack]
id = "t"
version = "1.0.0"
title = "test"
population = "tests"
sources = ["tests"]
"""


def write(tmp_path: Path, body: str, name: str = "pack.toml", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def engine_for(tmp_path: Path, backend: str = "python", **kw: Any) -> Engine:
    return Engine(
        builtins=False,
        entry_points=False,
        plugins=[SmallCatalog()],
        rules=[tmp_path],
        backend=backend,
        **kw,
    )


def evaluate(engine: Engine, data: dict[str, Any]) -> Plan:
    data = {"patient": {"id": "t-1", **data.pop("patient", {})}, **data}
    return engine.evaluate(engine.load_assessment(data))


def placed(plan: Plan) -> set[tuple[str, str]]:
    return {(stage, item.intervention) for stage, item in plan.items()}


DESIGN_EXAMPLE = """\
[pack]
id = "lbp.hip"                  # rule ids are "<pack id>.<rule id>"
version = "1.0.0"
title = "Hip mobility and strength"
population = "adults with non-specific low back pain"
sources = ["George et al., JOSPT 2021 (LBP CPG)"]

[[rules]]
id = "weak-glutes"
because = "Gluteal weakness reduces hip stability and shifts load to the lumbar spine."
when.all = [{ finding = "glute_weakness", severity = { at_least = "moderate" } }]
when.none = [{ condition = "recent_hip_surgery" }]
then = [
  { add = "bridge", stage = "strengthen" },
  { add = "half_kneeling_glute_activation", stage = "strengthen", dosage = { sets = 2, reps = 10, per_week = 3 } },
]
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_design_example_loads_and_fires_as_written(tmp_path: Path, backend: str) -> None:
    (tmp_path / "hip.toml").write_text(DESIGN_EXAMPLE)
    engine = engine_for(tmp_path, backend)
    plan = evaluate(engine, {"findings": [{"code": "glute_weakness", "severity": "moderate"}]})
    assert placed(plan) == {
        ("strengthen", "bridge"),
        ("strengthen", "half_kneeling_glute_activation"),
    }
    item = dict((i.intervention, i) for _, i in plan.items())["half_kneeling_glute_activation"]
    assert item.dosage == Dosage(sets=2, reps=10, per_week=3)
    assert item.because[0].rule == "lbp.hip.weak-glutes"
    assert item.because[0].pack_version == "1.0.0"
    assert item.addresses == ("glute_weakness",)
    assert plan.provenance.packs["lbp.hip"].version == "1.0.0"
    # mild does not reach at_least moderate; recent hip surgery blocks the rule
    assert not placed(
        evaluate(engine, {"findings": [{"code": "glute_weakness", "severity": "mild"}]})
    )
    blocked = evaluate(
        engine,
        {
            "patient": {"conditions": ["recent_hip_surgery"]},
            "findings": [{"code": "glute_weakness", "severity": "severe"}],
        },
    )
    assert not placed(blocked)


OPERATOR_CASES = [
    # (pattern TOML, matching finding, non-matching finding)
    (
        '{ finding = "centralization", direction = "extension" }',
        {"code": "centralization", "direction": "extension"},
        {"code": "centralization", "direction": "flexion"},
    ),
    (
        '{ finding = "glute_weakness", severity = { neq = "mild" } }',
        {"code": "glute_weakness", "severity": "severe"},
        {"code": "glute_weakness", "severity": "mild"},
    ),
    (
        '{ finding = "glute_weakness", side = { in = ["left", "bilateral"] } }',
        {"code": "glute_weakness", "side": "bilateral"},
        {"code": "glute_weakness", "side": "right"},
    ),
    (
        '{ finding = "hip_internal_rotation", value = { gt = 35 } }',
        {"code": "hip_internal_rotation", "value": 36},
        {"code": "hip_internal_rotation", "value": 35},
    ),
    (
        '{ finding = "hip_internal_rotation", value = { gte = 35 } }',
        {"code": "hip_internal_rotation", "value": 35},
        {"code": "hip_internal_rotation", "value": 34.5},
    ),
    (
        '{ finding = "hip_internal_rotation", value = { lt = 20 } }',
        {"code": "hip_internal_rotation", "value": 19},
        {"code": "hip_internal_rotation", "value": 20},
    ),
    (
        '{ finding = "hip_internal_rotation", value = { lte = 20 } }',
        {"code": "hip_internal_rotation", "value": 20},
        {"code": "hip_internal_rotation", "value": 21},
    ),
    (
        '{ finding = "glute_weakness", severity = { at_least = "moderate" } }',
        {"code": "glute_weakness", "severity": "severe"},
        {"code": "glute_weakness"},
    ),
    (
        '{ finding = "glute_weakness", side = { exists = true } }',
        {"code": "glute_weakness", "side": "left"},
        {"code": "glute_weakness"},
    ),
    (
        '{ finding = "glute_weakness", side = { exists = false } }',
        {"code": "glute_weakness"},
        {"code": "glute_weakness", "side": "left"},
    ),
    (
        '{ finding = "prone_instability_test_positive", present = false }',
        {"code": "prone_instability_test_positive", "present": False},
        {"code": "prone_instability_test_positive"},
    ),
    (
        '{ finding = "prone_instability_test_positive" }',
        {"code": "prone_instability_test_positive"},
        {"code": "prone_instability_test_positive", "present": False},
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("pattern", "hit", "miss"), OPERATOR_CASES)
def test_every_operator_compiles_and_fires(
    tmp_path: Path, backend: str, pattern: str, hit: dict[str, Any], miss: dict[str, Any]
) -> None:
    write(
        tmp_path,
        f"""
        [[rules]]
        id = "op"
        because = "operator test"
        when.all = [{pattern}]
        then = [{{ add = "bridge", stage = "strengthen" }}]
    """,
    )
    engine = engine_for(tmp_path, backend)
    assert placed(evaluate(engine, {"findings": [hit]})) == {("strengthen", "bridge")}
    assert placed(evaluate(engine, {"findings": [miss]})) == set()


@pytest.mark.parametrize("backend", BACKENDS)
def test_measures_any_none_and_same_side(tmp_path: Path, backend: str) -> None:
    write(
        tmp_path,
        """
        [[rules]]
        id = "same-side"
        because = "same side"
        when.all = [{ finding = "glute_weakness" }, { finding = "hip_flexor_tightness", same_side = true }]
        then = [{ add = "hip_flexor_stretch", stage = "mobilize" }]

        [[rules]]
        id = "either"
        because = "any"
        when.any = [{ finding = "thoracic_mobility_limited" }, { measure = "odi_percent", value = { gte = 40 } }]
        when.none = [{ condition = "osteoporosis" }]
        then = [{ add = "open_book_rotation", stage = "mobilize" }]

        [[rules]]
        id = "age"
        because = "measure from the patient block"
        when.all = [{ measure = "age", value = { lt = 40 } }, { measure = "nprs_current", value = { gte = 7 } }]
        then = [{ add = "superficial_heat", stage = "relieve" }]
    """,
    )
    engine = engine_for(tmp_path, backend)
    same = evaluate(
        engine,
        {
            "findings": [
                {"code": "glute_weakness", "side": "left"},
                {"code": "hip_flexor_tightness", "side": "left"},
            ]
        },
    )
    assert ("mobilize", "hip_flexor_stretch") in placed(same)
    other = evaluate(
        engine,
        {
            "findings": [
                {"code": "glute_weakness", "side": "left"},
                {"code": "hip_flexor_tightness", "side": "right"},
            ]
        },
    )
    assert ("mobilize", "hip_flexor_stretch") not in placed(other)
    assert ("mobilize", "open_book_rotation") in placed(
        evaluate(engine, {"measures": {"odi_percent": 42}})
    )
    assert not placed(evaluate(engine, {"measures": {"odi_percent": 38}}))
    assert not placed(
        evaluate(
            engine,
            {
                "patient": {"conditions": ["osteoporosis"]},
                "findings": [{"code": "thoracic_mobility_limited"}],
            },
        )
    )
    assert placed(evaluate(engine, {"patient": {"age": 39}, "pain": {"current": 7}})) == {
        ("relieve", "superficial_heat")
    }
    assert not placed(evaluate(engine, {"patient": {"age": 40}, "pain": {"current": 7}}))


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_action(tmp_path: Path, backend: str) -> None:
    write(
        tmp_path,
        """
        [[rules]]
        id = "guarded"
        because = "guarding derives irritable"
        when.all = [{ finding = "muscle_guarding" }]
        then = [{ derive = "irritable" }, { derive = "irritability", value = 3 }]

        [[rules]]
        id = "irritable"
        because = "irritable care"
        priority = 70
        when.all = [{ derived = "irritable", value = true }, { derived = "irritability", value = { gte = 2 } }]
        then = [
          { add = "soft_tissue_massage", stage = "relieve", priority = 80, dosage = { minutes = 15, per_week = 2 }, addresses = ["muscle_guarding"] },
          { exclude = "spinal_thrust_manipulation", reason = "irritable: no thrust" },
          { precaution = "soft_tissue_massage", text = "light pressure" },
          { alert = "irritable_back", level = "info", message = "irritable presentation" },
          { refer = "general practitioner", urgency = "routine", reason = "pain medication review" },
          { start_stage = "relieve" },
        ]

        [[rules]]
        id = "thrust"
        because = "thrust"
        when.all = [{ finding = "muscle_guarding" }]
        then = [{ add = "spinal_thrust_manipulation", stage = "relieve", priority = 99 }]
    """,
    )
    plan = evaluate(engine_for(tmp_path, backend), {"findings": [{"code": "muscle_guarding"}]})
    ((stage, item),) = plan.items()
    assert (stage, item.intervention) == ("relieve", "soft_tissue_massage")
    assert item.priority == 80
    assert item.dosage == Dosage(minutes=15, per_week=2)
    assert item.addresses == ("muscle_guarding",)
    assert [p.text for p in item.precautions] == ["light pressure"]
    assert item.because[0].matched == ("derived:irritability", "derived:irritable")
    assert {e.intervention: e.reasons for e in plan.excluded} == {
        "spinal_thrust_manipulation": ("irritable: no thrust",)
    }
    assert [(a.code, a.level.value) for a in plan.alerts] == [("irritable_back", "info")]
    assert [(r.to, r.urgency.value) for r in plan.referrals] == [
        ("general practitioner", "routine")
    ]
    assert plan.current_stage == "relieve"
    assert plan.status.value == "ready"


@pytest.mark.parametrize("backend", BACKENDS)
def test_negating_a_derived_fact_is_stratified(tmp_path: Path, backend: str) -> None:
    # "later" negates what "derive" derives; whatever the order of rules, it must not fire
    write(
        tmp_path,
        """
        [[rules]]
        id = "a-later"
        because = "only when not irritable"
        when.all = [{ finding = "muscle_guarding" }]
        when.none = [{ derived = "irritable" }]
        then = [{ add = "bridge", stage = "strengthen" }]

        [[rules]]
        id = "z-derive"
        because = "derive"
        when.all = [{ finding = "muscle_guarding" }]
        then = [{ derive = "irritable" }]
    """,
    )
    engine = engine_for(tmp_path, backend)
    assert [s.level for s in engine.program.strata] == [0, 1]
    assert not placed(evaluate(engine, {"findings": [{"code": "muscle_guarding"}]}))


def test_cycle_through_negation_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        [[rules]]
        id = "a"
        because = "a"
        when.all = [{ finding = "muscle_guarding" }]
        when.none = [{ derived = "y" }]
        then = [{ derive = "x" }]

        [[rules]]
        id = "b"
        because = "b"
        when.all = [{ finding = "muscle_guarding" }]
        when.none = [{ derived = "x" }]
        then = [{ derive = "y" }]
    """,
    )
    with pytest.raises(RulePackError) as info:
        engine_for(tmp_path)
    assert {p.rule_id for p in info.value.problems} == {"t.a", "t.b"}
    assert "cycle through negation" in info.value.problems[0].message


def problems(tmp_path: Path) -> list[str]:
    with pytest.raises(RulePackError) as info:
        engine_for(tmp_path)
    return [str(p) for p in info.value.problems]


def test_validation_reports_every_problem_with_exact_messages(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        colour = 1

        [[rules]]
        id = "r1"
        because = "b"
        priorty = 3
        when.all = [
          { finding = "glute_weaknes", severity = { at_least = 2 } },
          { finding = "glute_weakness", sevrity = "mild" },
          { finding = "hip_internal_rotation", value = { gtt = 3 } },
          { finding = "hip_internal_rotation", value = { gt = "high" } },
          { condition = "osteoporsis" },
          { red_flag = "saddle_anaesthesia" },
          { finding = "glute_weakness", severity = "strong" },
        ]
        then = [
          { add = "brige", stage = "strenghten" },
          { alrt = "x" },
          { alert = "x", level = "loud", message = "m" },
          { add = "bridge", stage = "strengthen", dosage = { sets = "three", rep = 2 } },
        ]

        [[rules]]
        id = "r1"
        because = "duplicate id"
        when.all = [{ finding = "glute_weakness" }]
        then = [{ exclude = "bridge" }]
    """,
        header=HEADER.replace('version = "1.0.0"\n', "").replace(
            "[pack]\n", '[pack]\nauthor = "x"\n'
        ),
    )
    f = str(path)
    assert problems(tmp_path) == [
        f"{f}: pack.author: unknown key 'author'",
        f"{f}: pack.colour: unknown key 'colour'",
        f"{f}: pack.version: is required",
        f"{f}: t.r1: priorty: unknown key 'priorty' (did you mean 'priority'?)",
        f"{f}: t.r1: when.all[0].severity.at_least: a severity must be one of mild, moderate, "
        "severe, not 2",
        f"{f}: t.r1: when.all[1].sevrity: unknown key 'sevrity' for a finding pattern "
        "(did you mean 'severity'?)",
        f"{f}: t.r1: when.all[2].value.gtt: unknown operator 'gtt' (did you mean 'gt'?)",
        f"{f}: t.r1: when.all[3].value.gt: gt needs a number, not a string",
        f"{f}: t.r1: when.all[6].severity: a severity must be one of mild, moderate, severe, "
        "not 'strong'",
        f"{f}: t.r1: then[1]: an action names exactly one verb: add, alert, derive, exclude, "
        "precaution, refer, start_stage (did you mean 'alert'?)",
        f"{f}: t.r1: then[2].level: must be one of emergency, urgent, routine, info, not 'loud'",
        f"{f}: t.r1: then[3].dosage.rep: unknown key 'rep' (did you mean 'reps'?)",
        f"{f}: t.r1: then[3].dosage.sets: must be an integer, not a string",
        f"{f}: t.r1: then[0].reason: is required for exclude",
        f"{f}: t.r1: duplicate rule id 't.r1' in {f} (also in {f})",
        f"{f}: t.r1: when.all[0].finding: unknown finding 'glute_weaknes' "
        "(did you mean 'glute_weakness'?)",
        f"{f}: t.r1: when.all[4].condition: unknown condition 'osteoporsis' "
        "(did you mean 'osteoporosis'?)",
        f"{f}: t.r1: when.all[5].red_flag: unknown red flag 'saddle_anaesthesia' "
        "(did you mean 'saddle_anesthesia'?)",
        f"{f}: t.r1: then[0].add: unknown intervention 'brige' (did you mean 'bridge'?)",
        f"{f}: t.r1: then[0].stage: unknown stage 'strenghten' (stages: relieve, mobilize, "
        "strengthen, return) (did you mean 'strengthen'?)",
    ]


def test_malformed_toml_and_missing_metadata(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[pack\nid = 1\n")
    (tmp_path / "meta.toml").write_text('[pack]\nid = "Bad Id"\nversion = 2\n')
    found = problems(tmp_path)
    assert found[0].startswith(f"{tmp_path / 'broken.toml'}: $: malformed TOML: ")
    meta = str(tmp_path / "meta.toml")
    assert found[1:] == [
        f"{meta}: pack.id: 'Bad Id' is not a valid id (lowercase, digits, '.-_')",
        f"{meta}: pack.version: must be a string, not an integer",
        f"{meta}: pack.title: is required",
        f"{meta}: pack.population: is required",
        f"{meta}: pack.sources: is required: a non-empty list of strings",
    ]


def test_duplicate_rule_ids_across_packs_name_both_files(tmp_path: Path) -> None:
    body = """
        [[rules]]
        id = "same"
        because = "b"
        when.all = [{ finding = "glute_weakness" }]
        then = [{ add = "bridge", stage = "strengthen" }]
    """
    write(tmp_path, body, "a.toml")
    write(tmp_path, body, "b.toml")
    assert problems(tmp_path) == [
        f"{tmp_path / 'b.toml'}: pack.id: duplicate pack id 't' (also in {tmp_path / 'a.toml'})"
    ]
    (tmp_path / "b.toml").unlink()
    other = tmp_path / "sub"
    other.mkdir()
    write(other, body, "b.toml", header=HEADER.replace('id = "t"', 'id = "u"'))
    # distinct packs, same local rule id: fine (ids are prefixed)
    assert engine_for(tmp_path).program.rule_count == 2


def test_load_pack_file_and_sha256(tmp_path: Path) -> None:
    path = tmp_path / "hip.toml"
    path.write_text(DESIGN_EXAMPLE)
    pack = load_pack_file(path)
    import hashlib

    assert pack.sha256 == hashlib.sha256(DESIGN_EXAMPLE.encode()).hexdigest()
    assert [r.id for r in pack.rules] == ["lbp.hip.weak-glutes"]
    assert pack.sources == ("George et al., JOSPT 2021 (LBP CPG)",)
