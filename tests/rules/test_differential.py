"""The durable backend against the python backend on random packs and random assessments.

Hypothesis writes random TOML packs (every operator, ``any``/``none``, same-side joins, rule and
action priorities, every action, derived facts chained forwards and negated across strata,
positive derive cycles) and random assessments, loads the packs through the real TOML path on
both backends, and requires byte-identical plans (apart from the backend's name). A Python rule
reports what its action was given (``Match.facts``), so both backends must also hand actions
the same facts. Every disagreement found this way is a bug in one backend; each has a
regression test at the end of this file.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine, PluginError, RulePackError
from careengine.model import AlertLevel, DerivedFact
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry
from careengine.render.serialize import dumps
from careengine.rules import Call, Match, RaiseAlert, Rule, When, finding
from careengine.rules.backend import durable_available
from careengine.testing.strategies import without_contradictions
from careengine_plugins import demo
from tests.plugins import catalog
from tests.plugins.packs import RulePackPlugin
from tests.support import DEMO, with_backend

pytestmark = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import")

FINDINGS = (
    "glute_weakness",
    "hip_flexor_tightness",
    "core_facilitation_poor",
    "thoracic_mobility_limited",
    "centralization",
    "hip_internal_rotation",
    "lumbar_hypomobility",
    "fear_avoidance",
)
CONDITIONS = ("osteoporosis", "pregnancy", "needle_phobia", "spinal_stenosis")
RED_FLAGS = ("night_pain", "saddle_anesthesia", "minor_trauma")
INTERVENTIONS = tuple(sorted({i.id for i in (*demo.INTERVENTIONS, *catalog.INTERVENTIONS)}))
STAGES = ("relieve", "mobilize", "strengthen", "return")
SIDES = ("left", "right", "bilateral")
SEVERITIES = ("mild", "moderate", "severe")
#: derived codes in a fixed order: a rule deriving one may only look at (or negate) earlier ones,
#: so every pack is stratifiable; the ``loop`` codes are never negated and may form cycles
ORDERED = ("d1", "d2", "d3")
LOOPS = ("loop_a", "loop_b")


#: numbers Python writes with an exponent (durable-rules misread them; see the regressions)
EXTREMES = st.sampled_from([1e16, 1e-05, 2.5e-07, 1e300, 123456789.5, 0.1, 5e-324])
#: numbers both rules and assessments draw often, so that comparisons meet their boundary
#: (``gte`` against ``gt``) and not only values far on one side of it
BOUNDARIES = st.sampled_from([0, 5, 30, 45])


def toml(value: Any) -> str:
    return json.dumps(value)  # JSON strings, numbers, booleans and arrays are TOML too


# --- random packs ------------------------------------------------------------------------------


@st.composite
def finding_tests(draw: st.DrawFn, code: str, joinable: bool) -> list[str]:
    tests: list[str] = []
    present = draw(st.sampled_from([None] * 6 + [True, False]))
    if present is not None:
        tests.append(f"present = {toml(present)}")
    side = draw(st.sampled_from([""] * 7 + ["eq", "in", "neq", "exists", "absent"] + ["same"] * 3))
    if side == "same" and joinable:
        tests.append("same_side = true")
    elif side == "eq":
        tests.append(f"side = {toml(draw(st.sampled_from(SIDES)))}")
    elif side == "in":
        tests.append(
            f"side = {{ in = {toml(draw(st.lists(st.sampled_from(SIDES), min_size=1, max_size=2, unique=True)))} }}"
        )
    elif side == "neq":
        tests.append(f"side = {{ neq = {toml(draw(st.sampled_from(SIDES)))} }}")
    elif side in ("exists", "absent"):
        tests.append(f"side = {{ exists = {toml(side == 'exists')} }}")
    severity = draw(st.sampled_from([""] * 8 + ["at_least", "at_least", "eq", "in", "neq"]))
    if severity == "at_least":
        tests.append(f"severity = {{ at_least = {toml(draw(st.sampled_from(SEVERITIES)))} }}")
    elif severity == "eq":
        tests.append(f"severity = {toml(draw(st.sampled_from(SEVERITIES)))}")
    elif severity == "in":
        values = draw(st.lists(st.sampled_from(SEVERITIES), min_size=1, max_size=2, unique=True))
        tests.append(f"severity = {{ in = {toml(values)} }}")
    elif severity == "neq":
        tests.append(f"severity = {{ neq = {toml(draw(st.sampled_from(SEVERITIES)))} }}")
    if code == "hip_internal_rotation" and draw(st.integers(0, 2)) > 0:
        low = draw(st.one_of(BOUNDARIES, st.integers(0, 50)))
        op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "range", "eq"]))
        if op == "range":
            tests.append(f"value = {{ gte = {low}, lte = {low + draw(st.integers(0, 20))} }}")
        elif op == "eq":
            tests.append(f"value = {low}")
        else:
            tests.append(f"value = {{ {op} = {low} }}")
    if code == "centralization" and draw(st.booleans()):
        direction = draw(st.sampled_from(["extension", "flexion", "lateral"]))
        tests.append(
            f"direction = {toml(direction)}"
            if draw(st.booleans())
            else f"direction = {{ in = {toml([direction, 'flexion'])} }}"
        )
    return tests


@st.composite
def patterns(
    draw: st.DrawFn, derived_codes: Sequence[str], joinable: bool, kinds: Sequence[str]
) -> str:
    kind = draw(st.sampled_from(list(kinds)))
    if kind == "derived" and not derived_codes:
        kind = "finding"
    if kind == "finding":
        code = draw(st.sampled_from(FINDINGS))
        fields = [f"finding = {toml(code)}", *draw(finding_tests(code, joinable))]
    elif kind == "condition":
        fields = [f"condition = {toml(draw(st.sampled_from(CONDITIONS)))}"]
    elif kind == "red_flag":
        fields = [f"red_flag = {toml(draw(st.sampled_from(RED_FLAGS)))}"]
    elif kind == "declines":
        fields = [f"declines = {toml(draw(st.sampled_from(INTERVENTIONS[:6])))}"]
    elif kind == "measure":
        code = draw(st.sampled_from(["age", "nprs_current", "odi_percent", "leg_symptoms"]))
        fields = [f"measure = {toml(code)}"]
        if code == "leg_symptoms":
            fields.append(
                f"value = {toml(draw(st.sampled_from(['none', 'above_knee', 'below_knee'])))}"
            )
        elif draw(st.booleans()):
            op = draw(st.sampled_from(["gt", "gte", "lt", "lte", "neq"]))
            bound = draw(st.one_of(BOUNDARIES, st.integers(0, 90), EXTREMES))
            fields.append(f"value = {{ {op} = {bound!r} }}")
    else:
        code = draw(st.sampled_from(list(derived_codes)))
        fields = [f"derived = {toml(code)}"]
        if code != "assessed" and draw(st.integers(0, 3)) == 0:
            fields.append(f"value = {toml(draw(st.sampled_from([True, 2, 'x'])))}")
    return "{ " + ", ".join(fields) + " }"


@st.composite
def actions(draw: st.DrawFn, derives: Sequence[str]) -> str:
    verb = draw(
        st.sampled_from(
            ["add", "add", "add", "exclude", "precaution", "alert", "refer", "start_stage"]
            + (["derive", "derive"] if derives else [])
        )
    )
    intervention = toml(draw(st.sampled_from(INTERVENTIONS)))
    if verb == "add":
        extra = ""
        if draw(st.booleans()):
            extra += f", priority = {draw(st.integers(0, 100))}"
        if draw(st.booleans()):
            dosage = {"sets": draw(st.integers(1, 4)), "per_week": draw(st.integers(1, 7))}
            extra += f", dosage = {{ sets = {dosage['sets']}, per_week = {dosage['per_week']} }}"
        if draw(st.integers(0, 4)) == 0:
            extra += f", addresses = {toml(draw(st.lists(st.sampled_from(FINDINGS), max_size=2, unique=True)))}"
        return f"{{ add = {intervention}, stage = {toml(draw(st.sampled_from(STAGES)))}{extra} }}"
    if verb == "exclude":
        return f'{{ exclude = {intervention}, reason = "random veto" }}'
    if verb == "precaution":
        return f'{{ precaution = {intervention}, text = "random caution" }}'
    if verb == "alert":
        level = draw(st.sampled_from(["info", "routine", "routine", "urgent", "emergency"]))
        code = draw(st.sampled_from(["a1", "a2"]))
        return f'{{ alert = "{code}", level = "{level}", message = "alert {code} {level}" }}'
    if verb == "refer":
        urgency = draw(st.sampled_from(["routine", "urgent", "emergency"]))
        to = draw(st.sampled_from(["physician", "surgeon"]))
        return f'{{ refer = "{to}", urgency = "{urgency}", reason = "random {urgency}" }}'
    if verb == "start_stage":
        return f"{{ start_stage = {toml(draw(st.sampled_from(STAGES)))} }}"
    code = draw(st.sampled_from(list(derives)))
    value = draw(st.sampled_from([None, True, 2, "x"]))
    return (
        f"{{ derive = {toml(code)}" + ("" if value is None else f", value = {toml(value)}") + " }"
    )


KINDS = (
    ("finding",) * 12 + ("derived",) * 4 + ("measure",) * 2 + ("condition", "red_flag", "declines")
)


@st.composite
def rules(draw: st.DrawFn, n: int) -> str:
    # what this rule may derive, and so which derived codes it may look at
    role = draw(st.sampled_from(["plain", "plain", "ordered", "loop"]))
    if role == "ordered":
        k = draw(st.integers(0, len(ORDERED) - 1))
        derives, visible, negatable = [ORDERED[k]], ["assessed", *ORDERED[:k]], list(ORDERED[:k])
    elif role == "loop":
        derives, visible, negatable = list(LOOPS), ["assessed", *LOOPS], []
    else:
        derives, visible, negatable = [], ["assessed", *ORDERED, *LOOPS], list(ORDERED)
    all_ = [draw(patterns(visible, False, KINDS))]
    if draw(st.integers(0, 2)) == 0:
        all_ += draw(st.lists(patterns(visible, True, KINDS), min_size=1, max_size=2))
    any_ = []
    if draw(st.integers(0, 3)) == 0:
        any_ = draw(st.lists(patterns(visible, False, KINDS), min_size=1, max_size=2))
    if draw(st.integers(0, 7)) == 0:
        all_ = []  # `any` alone
        any_ = any_ or [draw(patterns(visible, False, KINDS))]
    none_kinds = [k for k in KINDS if k != "derived"] + (["derived"] if negatable else [])
    none = []
    if draw(st.integers(0, 2)) == 0:
        none = draw(st.lists(patterns(negatable, bool(all_), none_kinds), min_size=1, max_size=2))
    then = draw(st.lists(actions(derives), min_size=1, max_size=3))
    lines = [
        "[[rules]]",
        f'id = "r{n}"',
        f'because = "random rule {n}"',
    ]
    if draw(st.booleans()):
        lines.append(f"priority = {draw(st.integers(0, 100))}")
    if all_:
        lines.append(f"when.all = [{', '.join(all_)}]")
    if any_:
        lines.append(f"when.any = [{', '.join(any_)}]")
    if none:
        lines.append(f"when.none = [{', '.join(none)}]")
    lines.append(f"then = [{', '.join(then)}]")
    return "\n".join(lines)


@st.composite
def packs(draw: st.DrawFn) -> str:
    count = draw(st.integers(3, 14))
    header = (
        '[pack]\nid = "random"\nversion = "1.0.0"\ntitle = "random"\n'
        'population = "tests"\nsources = ["hypothesis"]\n\n'
    )
    return header + "\n\n".join(draw(rules(n)) for n in range(count)) + "\n"


# --- random assessments ------------------------------------------------------------------------


@st.composite
def findings(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(FINDINGS))
    out: dict[str, Any] = {"code": code}
    for key, strategy in (
        ("side", st.sampled_from(SIDES)),
        ("severity", st.sampled_from(SEVERITIES)),
        ("present", st.booleans()),
    ):
        if draw(st.integers(0, 3)) > (2 if key == "present" else 0):
            out[key] = draw(strategy)
    if code == "hip_internal_rotation" and draw(st.booleans()):
        out["value"] = draw(
            st.one_of(
                BOUNDARIES,
                st.integers(0, 60),
                st.floats(0, 60).map(lambda v: round(v, 1)),
                st.sampled_from([1e-05, 2.5e-07, 5e-324]),
            )
        )
    if code == "centralization" and draw(st.booleans()):
        out["direction"] = draw(st.sampled_from(["extension", "flexion", "lateral"]))
    return out


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "id": "p-diff",
        "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=2, unique=True)),
        "declines": draw(st.lists(st.sampled_from(INTERVENTIONS[:6]), max_size=2, unique=True)),
    }
    if draw(st.integers(0, 3)) > 0:
        patient["age"] = draw(st.integers(18, 90))
    data: dict[str, Any] = {
        "patient": patient,
        # the loader refuses contradictory findings
        "findings": without_contradictions(draw(st.lists(findings(), min_size=2, max_size=9))),
        "red_flags": draw(st.lists(st.sampled_from(RED_FLAGS), max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        data["pain"] = {"current": draw(st.integers(0, 10))}
    if draw(st.booleans()):
        data["measures"] = {
            "odi_percent": draw(st.one_of(BOUNDARIES, st.integers(0, 100), EXTREMES))
        }
    if draw(st.booleans()):
        data["episode"] = {
            "leg_symptoms": draw(st.sampled_from(["none", "above_knee", "below_knee"]))
        }
    return data


# --- the Python rule that shows what actions are given -----------------------------------------


def report_facts(match: Match) -> list[RaiseAlert]:
    facts = json.dumps(dict(match.facts), sort_keys=True)
    return [RaiseAlert(code="facts_seen", level=AlertLevel.INFO, message=facts)]


WITNESS = RulePackPlugin(
    "witness",
    [
        Rule(
            id="facts",
            because="reports the facts its action is given",
            when=When(
                all=(finding("glute_weakness"), finding("hip_flexor_tightness", same_side=True))
            ),
            then=(Call(fn=report_facts),),
        )
    ],
)


class DerivedCodes:
    """Declares the random packs' derived codes (any value), so that a pack may look at a code
    and a value that no rule of it derives: such a pattern must simply never match."""

    __name__ = "derived_codes"

    @hookimpl
    def careengine_catalog(self, registry: CatalogRegistry) -> None:
        for code in (*ORDERED, *LOOPS):
            registry.add_derived(code)


def engines_for(directory: Path) -> list[Engine]:
    return [
        Engine(
            builtins=[DEMO],
            entry_points=False,
            plugins=[catalog, WITNESS, DerivedCodes()],
            rules=[directory],
            backend=backend,
        )
        for backend in ("durable", "python")
    ]


def plan_text(engine: Engine, data: dict[str, Any]) -> str:
    return with_backend(dumps(engine.evaluate(engine.load_assessment(data))), "-")


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(pack=packs(), batch=st.lists(assessments(), min_size=1, max_size=5))
def test_random_packs_give_byte_identical_plans_on_both_backends(
    tmp_path_factory: pytest.TempPathFactory, pack: str, batch: list[dict[str, Any]]
) -> None:
    directory = tmp_path_factory.mktemp("pack")
    (directory / "random.toml").write_text(pack, encoding="utf-8")
    durable, python = engines_for(directory)
    try:
        for data in batch:
            assert plan_text(durable, data) == plan_text(python, data), pack
    finally:
        durable.close()
        python.close()


# --- regressions found by the differential test ------------------------------------------------


def _engines(pack_text: str, tmp_path: Path) -> list[Engine]:
    (tmp_path / "pack.toml").write_text(PACK_HEADER + pack_text, encoding="utf-8")
    return engines_for(tmp_path)


PACK_HEADER = (
    '[pack]\nid = "random"\nversion = "1.0.0"\ntitle = "regression"\n'
    'population = "tests"\nsources = ["tests"]\n\n'
)
EXPONENT_RULES = """
[[rules]]
id = "large"
because = "a large score"
when.all = [{ measure = "odi_percent", value = { gte = 1e16 } }]
then = [{ add = "bird_dog", stage = "strengthen" }]

[[rules]]
id = "tiny"
because = "a tiny positive score"
when.all = [{ measure = "odi_percent", value = { gt = 0, lt = 1e-04 } }]
then = [{ add = "plank", stage = "strengthen" }]

[[rules]]
id = "any-rotation"
because = "a rotation was measured"
when.all = [{ finding = "hip_internal_rotation", value = { gte = 0 } }]
then = [{ add = "dead_bug", stage = "strengthen" }]
"""


def _fired(engine: Engine, data: dict[str, Any]) -> set[str]:
    plan = engine.evaluate(engine.load_assessment(data))
    return {b.rule for _, item in plan.items() for b in item.because}


@pytest.mark.parametrize(
    ("score", "expected"),
    [(1e16, {"random.large"}), (1e300, {"random.large"}), (1e-05, {"random.tiny"}), (40, set())],
)
def test_numbers_python_writes_with_an_exponent_reach_durable_rules_intact(
    tmp_path: Path, score: float, expected: set[str]
) -> None:
    """Regression: ``1e+16`` stopped durable-rules' JSON reader, which then dropped that fact and
    every later fact of the batch (here the rotation finding) without an error, and segfaulted
    when the session already existed (the second evaluation of a reused session)."""
    data = {
        "patient": {"id": "p"},
        "measures": {"odi_percent": score},
        "findings": [{"code": "hip_internal_rotation", "value": 2.5e-07}],
    }

    def check() -> None:
        durable, python = _engines(EXPONENT_RULES, tmp_path)
        for _ in range(3):  # sessions are reused from the second evaluation on
            fired = _fired(durable, data) - {"demo.stay-active"}
            assert fired == expected | {"random.any-rotation"}
            assert plan_text(durable, data) == plan_text(python, data)

    in_child(check)  # a segfault fails this test instead of ending the run


def in_child(check: Callable[[], None]) -> None:
    """Run ``check`` in a forked child: a crash of the C engine fails the test, not the run."""
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        check()
        return
    child = multiprocessing.get_context("fork").Process(target=check)
    child.start()
    child.join(120)
    assert child.exitcode == 0, f"the check failed in the child (exit code {child.exitcode})"


def test_the_adapter_writes_numbers_durable_rules_reads_back_unchanged() -> None:
    import durable_rules_engine

    from careengine.rules.durable_backend import durable_json, facts_json

    values = [1e16, 1e-05, 1e300, -2.5e-08, 5e-324, 0.1, 123.0, 7, -3, 2**53 - 1, 10**15]
    values += [2**53 + 1, -(2**60)]  # read back as the floats Python compares them as
    ruleset = {"r": {"all": [{"m": {"type": "probe"}}]}}
    handle = durable_rules_engine.create_ruleset("number_probe", json.dumps(ruleset))
    try:
        for n, encode in enumerate((durable_json, facts_json)):
            sid = f"s{n}"
            facts = [
                {"id": f"f{i}", "sid": sid, "type": "probe", "v": v} for i, v in enumerate(values)
            ]
            durable_rules_engine.assert_facts(handle, encode(facts))
            stored = json.loads(durable_rules_engine.get_facts(handle, sid))
            assert {f["id"]: f["v"] for f in stored} == {
                f"f{i}": float(v) if abs(v) > 2**53 else v for i, v in enumerate(values)
            }
    finally:
        durable_rules_engine.delete_ruleset(handle)


@pytest.mark.parametrize("bound", ["inf", "-inf", "nan", "1" + "0" * 20])
def test_numbers_neither_backend_can_compare_are_validation_errors(
    tmp_path: Path, bound: str
) -> None:
    """TOML allows ``inf``, ``nan`` and huge integers; durable-rules cannot read them and Python
    compares them differently, so the pack is refused on both backends, naming the rule."""
    rules = f"""
[[rules]]
id = "odd"
because = "an odd bound"
when.all = [{{ measure = "age", value = {{ gte = {bound} }} }}]
then = [{{ derive = "odd", value = {bound} }}]
"""
    for backend in ("durable", "python"):
        (tmp_path / "pack.toml").write_text(PACK_HEADER + rules, encoding="utf-8")
        with pytest.raises(RulePackError) as info:
            Engine(builtins=[DEMO], entry_points=False, rules=[tmp_path], backend=backend)
        assert [(p.rule_id, p.path) for p in info.value.problems] == [
            ("random.odd", "when.all[0].value"),
            ("random.odd", "then[0].value"),
        ]


class HugeDerivation:
    __name__ = "huge_derivation"

    @hookimpl
    def careengine_derive_facts(self, assessment: Any) -> list[DerivedFact]:
        return [DerivedFact(code="huge", value=float("nan"))]


@pytest.mark.parametrize("backend", ["durable", "python"])
def test_a_plugin_deriving_a_non_finite_number_is_a_plugin_error(backend: str) -> None:
    engine = Engine(
        builtins=[DEMO], entry_points=False, plugins=[HugeDerivation()], backend=backend
    )
    with pytest.raises(PluginError) as info:
        engine.evaluate(engine.load_assessment({"patient": {"id": "p"}}))
    assert (info.value.plugin, info.value.hook) == ("huge_derivation", "careengine_derive_facts")
    assert "'huge' = nan, which is not a finite number" in str(info.value)


def test_a_value_listed_twice_in_an_in_test_fires_the_rule_once_on_both_backends(
    tmp_path: Path,
) -> None:
    """Found by the random-pack property: durable-rules fanned ``in = ["flexion", "flexion"]``
    out into two alternatives and fired the rule twice (a doubled dosage line in ``conflicts``)."""
    (tmp_path / "random.toml").write_text(
        """[pack]
id = "twice"
version = "1.0.0"
title = "twice"
population = "tests"
sources = ["regression"]

[[rules]]
id = "low"
because = "a low-priority add"
priority = 0
when.any = [{ finding = "glute_weakness" }]
then = [{ add = "abdominal_bracing", stage = "relieve" }]

[[rules]]
id = "listed-twice"
because = "the same value twice"
priority = 25
when.all = [{ finding = "centralization", direction = { in = ["flexion", "flexion"] } }]
then = [{ add = "abdominal_bracing", stage = "relieve", priority = 92, dosage = { sets = 4, per_week = 3 } }]
""",
        encoding="utf-8",
    )
    data = {
        "patient": {"id": "p-twice"},
        "findings": [
            {"code": "centralization", "direction": "flexion"},
            {"code": "glute_weakness"},
        ],
    }
    durable, python = engines_for(tmp_path)
    try:
        text = plan_text(durable, data)
        assert text == plan_text(python, data)
        assert text.count("twice.listed-twice: 4 sets") == 1
    finally:
        durable.close()
        python.close()
