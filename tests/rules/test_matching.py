"""The python backend's compiled predicates (careengine.rules.matching.compile_test) decide exactly
what the reference definition ``passes`` decides, for every operator and odd operand types."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careengine.model import Severity
from careengine.rules.matching import compile_test, passes
from careengine.rules.model import Op
from careengine.rules.model import Test as RuleTest

FIELDS = ("side", "severity", "value", "present")
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["left", "right", "mild", "severe", "1", "", "True"]),
    st.sampled_from([1.0, 0.0, 2.5, -0.0, 10**20]),
)
facts = st.dictionaries(
    st.sampled_from([*FIELDS, "severity_rank"]),
    st.one_of(values, st.integers(0, 4)),
    max_size=5,
)


@st.composite
def rule_tests(draw: st.DrawFn) -> RuleTest:
    op = draw(st.sampled_from([op for op in Op if op is not Op.SAME_AS_FIRST]))
    field = draw(st.sampled_from(FIELDS))
    if op is Op.AT_LEAST:
        return RuleTest(
            field="severity", op=op, value=draw(st.sampled_from([s.value for s in Severity]))
        )
    if op is Op.EXISTS:
        return RuleTest(field=field, op=op, value=draw(st.booleans()))
    if op is Op.IN:
        return RuleTest(
            field=field, op=op, value=tuple(draw(st.lists(values, min_size=1, max_size=3)))
        )
    return RuleTest(field=field, op=op, value=draw(values))


@settings(max_examples=1000)
@given(test=rule_tests(), fact=facts)
def test_compiled_tests_agree_with_the_reference(test: RuleTest, fact: dict[str, Any]) -> None:
    assert outcome(compile_test(test), fact) == outcome(lambda f: passes(test, f, None), fact)


def outcome(decide: Any, fact: dict[str, Any]) -> object:
    """The decision, or the type of the error raised (a value of the wrong type may raise)."""
    try:
        return decide(fact)
    except TypeError as exc:
        return type(exc)


def test_same_as_first_is_not_compiled() -> None:
    with pytest.raises(ValueError, match="same_as_first"):
        compile_test(RuleTest(field="side", op=Op.SAME_AS_FIRST))
