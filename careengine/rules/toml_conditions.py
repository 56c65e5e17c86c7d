"""Conditions of TOML rule packs (docs/design.md section 4.2): the ``when`` patterns and their
field tests, read by the pack parser of :mod:`careengine.rules.toml_pack` (which extends
:class:`_ConditionParser` with the actions, rules and pack metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from careengine.errors import Problem, suggest
from careengine.model import Severity
from careengine.rules.model import (
    FIELDS,
    PATTERN_KEYS,
    FactType,
    Op,
    Pattern,
    Test,
)

WHEN_KEYS = {"all", "any", "none"}
OPERATORS = {op.value for op in Op if op is not Op.SAME_AS_FIRST}


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _test_key(test: Test) -> tuple[str, str]:
    return (test.field, test.op.value)


class _ConditionParser:
    """Problems with their paths, the basic values, and the ``when`` patterns."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.rule_id: str | None = None

    def problem(self, path: str, message: str, suggestion: str | None = None) -> None:
        self.problems.append(
            Problem(
                file=self.file,
                rule_id=self.rule_id,
                path=path,
                message=message,
                suggestion=suggestion,
            )
        )

    def keys(self, table: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    f"{path}.{key}" if path else key, f"unknown key {key!r}", suggest(key, allowed)
                )

    def string(self, table: Mapping[str, Any], key: str, path: str, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(f"{path}.{key}" if path else key, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(
                f"{path}.{key}" if path else key, f"must be a string, not {_type_name(value)}"
            )
            return ""
        return value

    def integer(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"must be an integer, not {_type_name(value)}")
            return None
        return value

    # --- patterns -----------------------------------------------------------------------------

    def pattern(self, raw: Any, path: str) -> Pattern | None:
        if not isinstance(raw, dict):
            self.problem(path, f"a pattern must be a table, not {_type_name(raw)}")
            return None
        kinds = [k for k in raw if k in PATTERN_KEYS]
        if len(kinds) != 1:
            self.problem(
                path,
                "a pattern names exactly one fact type: "
                + ", ".join(sorted(PATTERN_KEYS))
                + (f" (found {', '.join(kinds)})" if kinds else ""),
                suggest(next(iter(raw), ""), PATTERN_KEYS) if not kinds and raw else None,
            )
            return None
        kind = kinds[0]
        fact = PATTERN_KEYS[kind]
        code = raw[kind]
        if not isinstance(code, str):
            self.problem(f"{path}.{kind}", f"must be a code (string), not {_type_name(code)}")
            return None
        tests: list[Test] = []
        allowed = set(FIELDS[fact])
        for name, spec in raw.items():
            if name == kind:
                continue
            fpath = f"{path}.{name}"
            if name not in allowed:
                self.problem(
                    fpath,
                    f"unknown key {name!r} for a {kind} pattern",
                    suggest(name, allowed | {kind}),
                )
                continue
            if name == "same_side":
                if spec is True:
                    tests.append(Test(field="side", op=Op.SAME_AS_FIRST))
                elif spec is not False:
                    self.problem(fpath, f"must be true or false, not {_type_name(spec)}")
                continue
            tests.extend(self.tests(name, spec, fpath))
        if fact is FactType.FINDING and not any(t.field == "present" for t in tests):
            tests.append(Test(field="present", op=Op.EQ, value=True))
        return Pattern(fact=fact, code=code, tests=tuple(sorted(tests, key=_test_key)))

    def tests(self, field: str, spec: Any, path: str) -> list[Test]:
        """A plain value (equality) or an operator table; several operators in one table all
        apply (``value = { gte = 4, lte = 6 }`` is a range)."""
        if not isinstance(spec, dict):
            if isinstance(spec, list):
                self.problem(path, "a list is not a value: use { in = [...] }")
                return []
            test = self._checked(Test(field=field, op=Op.EQ, value=spec), path)
            return [test] if test is not None else []
        if not spec:
            self.problem(path, "an operator table needs at least one operator")
        out = []
        for op_name, value in spec.items():
            if op_name not in OPERATORS:
                self.problem(
                    f"{path}.{op_name}",
                    f"unknown operator {op_name!r}",
                    suggest(op_name, OPERATORS),
                )
                continue
            op = Op(op_name)
            if op is Op.IN:
                if not isinstance(value, list) or not value:
                    self.problem(f"{path}.in", "must be a non-empty list")
                    continue
                value = tuple(value)
            test = self._checked(Test(field=field, op=op, value=value), f"{path}.{op_name}")
            if test is not None:
                out.append(test)
        return out

    def _checked(self, test: Test, path: str) -> Test | None:
        """Type checks that depend on the field."""
        values = test.value if test.op is Op.IN else (test.value,)
        severities = [s.value for s in Severity]
        if test.field == "severity" and test.op is not Op.EXISTS:
            for v in values:
                if v not in severities:
                    self.problem(
                        path,
                        f"a severity must be one of {', '.join(severities)}, not {v!r}",
                        suggest(str(v), severities) if isinstance(v, str) else None,
                    )
                    return None
        elif test.op is Op.AT_LEAST:
            self.problem(path, "at_least applies to severity only")
            return None
        if test.field == "present" and test.op is Op.EQ and not isinstance(test.value, bool):
            self.problem(path, f"must be true or false, not {_type_name(test.value)}")
            return None
        if test.op in (Op.GT, Op.GTE, Op.LT, Op.LTE) and (
            isinstance(test.value, bool) or not isinstance(test.value, int | float)
        ):
            self.problem(path, f"{test.op.value} needs a number, not {_type_name(test.value)}")
            return None
        if test.op is Op.EXISTS and not isinstance(test.value, bool):
            self.problem(path, f"exists needs true or false, not {_type_name(test.value)}")
            return None
        for v in values:
            if isinstance(v, dict | list):
                self.problem(
                    path, f"a value must be a string, number or boolean, not {_type_name(v)}"
                )
                return None
        return test

    def patterns(self, raw: Any, path: str) -> tuple[Pattern, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(path, f"must be a list of patterns, not {_type_name(raw)}")
            return ()
        out = []
        for i, item in enumerate(raw):
            pattern = self.pattern(item, f"{path}[{i}]")
            if pattern is not None:
                out.append(pattern)
        return tuple(out)
