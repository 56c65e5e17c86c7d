"""The rule model shared by TOML packs and Python rules.

A :class:`Rule` has a condition (:class:`When`: ``all`` patterns joined across facts, ``any``
alternatives, ``none`` negations) and a list of actions. Rules built in Python use the small
constructors at the bottom of this module, e.g.
``finding("glute_weakness", severity=at_least("moderate"))``; TOML packs are parsed into exactly
the same objects.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from careengine.model import AlertLevel, Dosage, Urgency, freeze

DEFAULT_PRIORITY = 50


# Converters typed per element (mypy's attrs plugin cannot type a field whose converter is the
# generic `tuple`): the constructors accept any iterable and type-check its items.
def _tuple_of_strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _tuple_of_tests(value: Iterable[Test]) -> tuple[Test, ...]:
    return tuple(value)


def _tuple_of_patterns(value: Iterable[Pattern]) -> tuple[Pattern, ...]:
    return tuple(value)


def _tuple_of_actions(value: Iterable[Action]) -> tuple[Action, ...]:
    return tuple(value)


def _tuple_of_rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


class FactType(enum.StrEnum):
    """The fact types of docs/design.md section 4.1. In a pattern, the key names the type."""

    FINDING = "finding"
    CONDITION = "condition"
    RED_FLAG = "red_flag"
    MEASURE = "measure"
    DERIVED = "derived"
    PREFERENCE = "preference"  # a pattern writes {declines = "<intervention id>"}


#: The key that names each fact type in a pattern.
PATTERN_KEYS: Mapping[str, FactType] = {
    "finding": FactType.FINDING,
    "condition": FactType.CONDITION,
    "red_flag": FactType.RED_FLAG,
    "measure": FactType.MEASURE,
    "derived": FactType.DERIVED,
    "declines": FactType.PREFERENCE,
}


#: Fields a pattern may test, per fact type.
FIELDS: Mapping[FactType, frozenset[str]] = {
    FactType.FINDING: frozenset(
        {"present", "side", "severity", "value", "unit", "direction", "same_side"}
    ),
    FactType.CONDITION: frozenset(),
    FactType.RED_FLAG: frozenset(),
    FactType.MEASURE: frozenset({"value"}),
    FactType.DERIVED: frozenset({"value"}),
    FactType.PREFERENCE: frozenset(),
}


class Op(enum.StrEnum):
    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    AT_LEAST = "at_least"  # ordered severities
    EXISTS = "exists"  # presence of a field (value true) or its absence (false)
    SAME_AS_FIRST = "same_as_first"  # equal to the same field of the first `all` pattern


@attrs.frozen(kw_only=True)
class Test:
    field: str
    op: Op
    value: Any = attrs.field(default=None, converter=freeze)


@attrs.frozen(kw_only=True)
class Pattern:
    """A test on one fact: its type, its code, and tests on its other fields."""

    fact: FactType
    code: str
    tests: tuple[Test, ...] = attrs.field(default=(), converter=_tuple_of_tests)

    def label(self) -> str:
        return f"{self.fact.value}:{self.code}"


@attrs.frozen(kw_only=True)
class When:
    all: tuple[Pattern, ...] = attrs.field(default=(), converter=_tuple_of_patterns)
    any: tuple[Pattern, ...] = attrs.field(default=(), converter=_tuple_of_patterns)
    none: tuple[Pattern, ...] = attrs.field(default=(), converter=_tuple_of_patterns)

    def positive(self) -> tuple[Pattern, ...]:
        return self.all + self.any


# --- actions -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Add:
    intervention: str
    stage: str
    dosage: Dosage | None = None
    priority: int | None = None
    addresses: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class Exclude:
    intervention: str
    reason: str


@attrs.frozen(kw_only=True)
class AddPrecaution:
    intervention: str
    text: str


@attrs.frozen(kw_only=True)
class RaiseAlert:
    code: str
    level: AlertLevel
    message: str


@attrs.frozen(kw_only=True)
class Refer:
    to: str
    urgency: Urgency
    reason: str


@attrs.frozen(kw_only=True)
class Derive:
    code: str
    value: bool | int | float | str = True


@attrs.frozen(kw_only=True)
class StartStage:
    stage: str


@attrs.frozen(kw_only=True)
class Match:
    """What a Python action sees: the rule that fired and the facts it matched."""

    rule_id: str
    facts: Mapping[str, Mapping[str, Any]]

    def codes(self, fact_type: str | None = None) -> tuple[str, ...]:
        return tuple(
            sorted(
                str(f["code"])
                for f in self.facts.values()
                if fact_type is None or f.get("type") == fact_type
            )
        )


@attrs.frozen(kw_only=True)
class Call:
    """Run Python code when the rule fires. ``fn(match)`` returns further actions (never Call).

    ``derives`` declares every derived code ``fn`` may return, so that rules negating those codes
    are ordered after this one; an undeclared ``Derive`` raises :class:`RuleExecutionError`.
    """

    fn: Callable[[Match], Sequence[Action]]
    derives: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_strings)
    name: str = attrs.field()

    @name.default
    def _name(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))


Action = Add | Exclude | AddPrecaution | RaiseAlert | Refer | Derive | StartStage | Call


@attrs.frozen(kw_only=True)
class Rule:
    """A rule. ``id`` is the full id ``<pack id>.<rule id>`` once it belongs to a pack."""

    id: str
    because: str
    when: When
    then: tuple[Action, ...] = attrs.field(converter=_tuple_of_actions)
    priority: int = DEFAULT_PRIORITY


@attrs.frozen(kw_only=True)
class RulePack:
    id: str
    version: str
    title: str
    population: str
    sources: tuple[str, ...] = attrs.field(converter=_tuple_of_strings)
    rules: tuple[Rule, ...] = attrs.field(converter=_tuple_of_rules)
    sha256: str = ""
    file: str | None = None
    plugin: str = "?"


# --- constructors for rules written in Python ---------------------------------------------------


def _tests(fields: Mapping[str, Any]) -> tuple[Test, ...]:
    tests = []
    for name, spec in sorted(fields.items()):
        if name == "same_side":
            if spec:
                tests.append(Test(field="side", op=Op.SAME_AS_FIRST))
        elif isinstance(spec, Test):
            tests.append(attrs.evolve(spec, field=name))
        else:
            tests.append(Test(field=name, op=Op.EQ, value=spec))
    return tuple(tests)


def finding(code: str, **fields: Any) -> Pattern:
    """A present finding (pass ``present=False`` for one recorded absent)."""
    fields.setdefault("present", True)
    return Pattern(fact=FactType.FINDING, code=code, tests=_tests(fields))


def condition(code: str) -> Pattern:
    return Pattern(fact=FactType.CONDITION, code=code)


def red_flag(code: str) -> Pattern:
    return Pattern(fact=FactType.RED_FLAG, code=code)


def measure(code: str, **fields: Any) -> Pattern:
    return Pattern(fact=FactType.MEASURE, code=code, tests=_tests(fields))


def derived(code: str, **fields: Any) -> Pattern:
    return Pattern(fact=FactType.DERIVED, code=code, tests=_tests(fields))


def declines(intervention: str) -> Pattern:
    return Pattern(fact=FactType.PREFERENCE, code=intervention)


def _op(op: Op) -> Callable[[Any], Test]:
    return lambda value: Test(field="", op=op, value=value)


at_least = _op(Op.AT_LEAST)
gt = _op(Op.GT)
gte = _op(Op.GTE)
lt = _op(Op.LT)
lte = _op(Op.LTE)
neq = _op(Op.NEQ)


def one_of(*values: Any) -> Test:
    return Test(field="", op=Op.IN, value=tuple(values))


def exists(flag: bool = True) -> Test:
    return Test(field="", op=Op.EXISTS, value=flag)
