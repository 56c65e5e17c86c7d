"""Pattern tests evaluated in Python, with the value semantics of durable-rules.

Used by the pure-Python backend for every pattern and by the runner for negated patterns, so
both backends share one definition of "this fact passes this test". Numbers compare as numbers
(``True`` equals ``1``, as in durable-rules); a test on a field the fact lacks fails, except
``exists=false``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from careengine.model import Severity
from careengine.rules.compile import CompiledPattern
from careengine.rules.model import Op, Test

_MISSING = object()


_NUMBERS = frozenset({bool, int, float})


def _number(value: Any) -> float | None:
    if type(value) in _NUMBERS or isinstance(value, bool | int | float):
        return float(value)
    return None


def same(a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    return bool(a == b)


def _ordered(op: Op, a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    if na is None or nb is None:
        return False
    if op is Op.GT:
        return na > nb
    if op is Op.GTE:
        return na >= nb
    if op is Op.LT:
        return na < nb
    return na <= nb


def passes(test: Test, fact: Mapping[str, Any], first: Mapping[str, Any] | None) -> bool:
    if test.op is Op.EXISTS:
        return (fact.get(test.field, _MISSING) is not _MISSING) == bool(test.value)
    if test.op is Op.AT_LEAST:
        rank = fact.get("severity_rank")
        return rank is not None and rank >= Severity(test.value).rank
    actual = fact.get(test.field, _MISSING)
    if actual is _MISSING:
        return False
    match test.op:
        case Op.EQ:
            return same(actual, test.value)
        case Op.NEQ:
            return not same(actual, test.value)
        case Op.IN:
            return any(same(actual, v) for v in test.value)
        case Op.SAME_AS_FIRST:
            if first is None:
                return False
            other = first.get(test.field, _MISSING)
            return other is not _MISSING and same(actual, other)
        case _:
            return _ordered(test.op, actual, test.value)


def matches(
    pattern: CompiledPattern, fact: Mapping[str, Any], first: Mapping[str, Any] | None
) -> bool:
    return (
        fact.get("type") == pattern.fact.value
        and fact.get("code") == pattern.code
        and all(passes(t, fact, first) for t in pattern.tests)
    )


# --- compiled predicates (the pure-Python backend's hot path) ----------------------------------

Predicate = Callable[[Mapping[str, Any]], bool]


def compile_test(test: Test) -> Predicate:
    """``passes(test, fact, None)`` as one closure, for every test but ``same_as_first``.

    Specialised for the common operand types; anything else falls back to :func:`passes`, and
    ``tests/rules/test_matching.py`` holds every compiled test against :func:`passes`.
    """
    field, value, op = test.field, test.value, test.op
    if op is Op.SAME_AS_FIRST:
        raise ValueError("same_as_first depends on the match; use passes()")
    if op is Op.EXISTS:
        wanted = bool(value)
        return lambda fact: (field in fact) is wanted
    if op is Op.AT_LEAST:
        least = Severity(value).rank

        def at_least(fact: Mapping[str, Any]) -> bool:
            rank = fact.get("severity_rank")
            return rank is not None and rank >= least

        return at_least
    if op is Op.EQ and type(value) is str:
        return lambda fact: bool(fact.get(field, _MISSING) == value)
    if op is Op.NEQ and type(value) is str:

        def differs(fact: Mapping[str, Any]) -> bool:
            actual = fact.get(field, _MISSING)
            return actual is not _MISSING and not bool(actual == value)

        return differs
    bound = _number(value)
    if op is Op.EQ and bound is not None:

        def equal(fact: Mapping[str, Any]) -> bool:
            actual = fact.get(field, _MISSING)
            number = _number(actual)
            if number is not None:
                return number == bound
            return actual is not _MISSING and bool(actual == value)

        return equal
    if op is Op.IN and value and all(type(v) is str for v in value):
        options = frozenset(value)

        def among(fact: Mapping[str, Any]) -> bool:
            actual = fact.get(field, _MISSING)
            return isinstance(actual, str) and actual in options

        return among
    if op in (Op.GT, Op.GTE, Op.LT, Op.LTE) and bound is not None:
        compare = {
            Op.GT: float.__gt__,
            Op.GTE: float.__ge__,
            Op.LT: float.__lt__,
            Op.LTE: float.__le__,
        }[op]

        def ordered(fact: Mapping[str, Any]) -> bool:
            number = _number(fact.get(field, _MISSING))
            return number is not None and compare(number, bound)

        return ordered
    return lambda fact: passes(test, fact, None)


def compile_pattern(pattern: CompiledPattern) -> tuple[Predicate, tuple[Test, ...]]:
    """(the tests of a pattern that look at one fact only, as one predicate; its join tests).

    The predicate assumes the fact already has the pattern's type and code.
    """
    tests = [compile_test(t) for t in pattern.tests if t.op is not Op.SAME_AS_FIRST]
    joins = tuple(t for t in pattern.tests if t.op is Op.SAME_AS_FIRST)
    if not tests:
        return (lambda fact: True), joins
    if len(tests) == 1:
        return tests[0], joins
    return (lambda fact: all(test(fact) for test in tests)), joins
