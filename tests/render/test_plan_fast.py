"""The orjson plan writer (careengine.render.plan_fast) gives the pure writer's text byte for byte:
on every example plan, on plans of random assessments, and on plans holding random values
(floats of every magnitude, NaN and the infinities, integers beyond 64 bits, text with control
characters, lone surrogates and non-ASCII letters), where it hands over to the pure writer;
``CAREENGINE_PURE_PYTHON=1`` (or orjson missing) leaves the pure writer alone."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine
from careengine.model import Plan
from careengine.plugins.registry import RenderContext
from careengine.render import plan_json as plan_json_module
from careengine.render.plan_fast import fast_plan_json, plain
from careengine.render.plan_json import plan_json, with_content_digest
from careengine.render.serialize import PLAN_SCHEMA, dumps, thaw
from careengine.speedups import PURE_PYTHON, active, available, optional
from tests.support import BACKENDS
from tests.test_properties import ENGINE, assessments

orjson = pytest.importorskip("orjson")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))


def both(plan: Plan) -> tuple[str, str]:
    """The text of ``plan_json(fast=True)`` and of the pure writer; where orjson writes the plan,
    its own text (before the digest is added) is held against the pure writer's here too, so a
    ``plan_json`` that stopped using orjson could not hide a difference."""
    options: dict[str, Any] = {
        "schema": PLAN_SCHEMA,
        "classifications": thaw(plan.classifications),
    }
    pure = plan_json(plan, fast=False, **options)
    by_orjson = fast_plan_json(plan, orjson=orjson, **options)
    if by_orjson is not None:
        assert with_content_digest(by_orjson) == pure
    return plan_json(plan, fast=True, **options), pure


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_example_plan_is_written_by_orjson_as_by_the_pure_writer(backend: str) -> None:
    engine = Engine(entry_points=False, backend=backend)
    for path in EXAMPLES:
        plan = engine.evaluate(engine.load_assessment(path))
        fast = fast_plan_json(
            plan, schema=PLAN_SCHEMA, classifications=thaw(plan.classifications), orjson=orjson
        )
        assert fast is not None, path.name  # orjson wrote it, not the fallback
        first, second = both(plan)
        assert first == second, path.name


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=assessments())
def test_random_assessments(data: dict[str, Any]) -> None:
    first, second = both(ENGINE.evaluate(ENGINE.load_assessment(data)))
    assert first == second


TEXT = st.text(
    st.characters(codec=None, blacklist_categories=()) | st.sampled_from("\x00\x1f\x7f\x85\u2028")
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(-1e-3, 1e-3)
    | st.floats(1e15, 1e17)
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
BUILTIN = Engine(entry_points=False)
BASE = BUILTIN.evaluate(BUILTIN.load_assessment(ROOT / "examples/assessments/desk-worker.json"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, text=TEXT, number=SCALARS)
def test_generated_values_are_written_alike(value: Any, text: str, number: Any) -> None:
    pain = attrs.evolve(BASE.pain, current=number) if BASE.pain is not None else None
    plan = attrs.evolve(BASE, classifications={"x": {"v": value}}, patient_id=text, pain=pain)
    first, second = both(plan)
    assert first == second


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        (0.5, True),
        (1e-4, True),
        (9.9e-5, False),
        (1e16, False),
        (float("nan"), False),
        (float("inf"), False),
        (2**63, False),
        (-(2**63), True),
        ({1: "a"}, False),
        ("\ud800", True),  # plain, but orjson refuses it: the pure writer writes it
        (("a", ["b"]), True),
    ],
)
def test_what_orjson_may_write(value: Any, fast: bool) -> None:
    assert plain(value) is fast
    plan = attrs.evolve(BASE, classifications={"x": value})
    written = fast_plan_json(
        plan, schema=PLAN_SCHEMA, classifications=thaw(plan.classifications), orjson=orjson
    )
    assert (written is not None) is (fast and value != "\ud800")
    first, second = both(plan)
    assert first == second


def test_pure_python_is_forced_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PURE_PYTHON, "1")
    assert optional("orjson") is None
    assert active()["orjson"] == f"off ({PURE_PYTHON})"
    monkeypatch.delenv(PURE_PYTHON)
    assert optional("orjson") is orjson
    assert active()["orjson"] == orjson.__version__


def _orjson_calls(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """What each call of the orjson writer by ``plan_json`` returned, from now on."""
    calls: list[str | None] = []
    real = plan_json_module.fast_plan_json

    def spy(*args: Any, **kwargs: Any) -> str | None:
        calls.append(real(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(plan_json_module, "fast_plan_json", spy)
    return calls


def _write(**options: Any) -> str:
    return plan_json(
        BASE, schema=PLAN_SCHEMA, classifications=thaw(BASE.classifications), **options
    )


def test_plan_json_writes_by_orjson_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PURE_PYTHON, raising=False)
    calls = _orjson_calls(monkeypatch)
    pure = _write(fast=False)
    assert calls == []
    assert _write() == pure  # the default: orjson, as it is installed
    assert _write(fast=True) == pure
    assert len(calls) == 2
    assert all(text is not None for text in calls)
    monkeypatch.setenv(PURE_PYTHON, "1")
    assert _write() == pure
    assert len(calls) == 2  # the environment turned orjson off


def test_without_orjson_the_pure_writer_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PURE_PYTHON, raising=False)
    monkeypatch.setitem(sys.modules, "orjson", None)  # import raises ImportError
    assert optional("orjson") is None
    assert active()["orjson"] == "not installed"
    calls = _orjson_calls(monkeypatch)
    first, second = both(BASE)
    assert first == second
    assert _write() == second
    assert calls == []


def test_an_engine_looks_for_orjson_once_and_its_json_plans_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = ENGINE.catalog
    monkeypatch.setenv(PURE_PYTHON, "1")
    assert RenderContext.of(catalog).fast_json is False
    monkeypatch.delenv(PURE_PYTHON)
    assert RenderContext.of(catalog).fast_json is True
    monkeypatch.setitem(sys.modules, "orjson", None)
    assert available("orjson") is False
    assert RenderContext.of(catalog).fast_json is False
    monkeypatch.undo()
    expected = dumps(BASE, fast=False)
    calls: list[str] = []
    real = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda n, *a: calls.append(n) or real(n, *a))
    context = ENGINE._render_context
    for fast in (True, False):
        monkeypatch.setattr(ENGINE, "_render_context", attrs.evolve(context, fast_json=fast))
        assert ENGINE.render(BASE, "json") == expected
    assert calls == ["orjson"]  # only the fast writer imports it; the pure one never looks
