"""Pattern tests evaluated in Python, with the value semantics of durable-rules.

Used by the pure-Python backend for every pattern and by the runner for negated patterns, so
both backends share one definition of "this fact passes this test". Numbers compare as numbers
(``True`` equals ``1``, as in durable-rules); a test on a field the fact lacks fails, except
``exists=false``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careengine.model import Severity
from careengine.rules.compile import CompiledPattern
from careengine.rules.model import Op, Test

_MISSING = object()


def _number(value: Any) -> float | None:
    if isinstance(value, bool | int | float):
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
