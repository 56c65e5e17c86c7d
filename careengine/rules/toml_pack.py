"""TOML rule packs (docs/design.md section 4.2): one file is one pack, parsed into the same
:class:`Rule` objects Python plugins build.

Parsing reports *every* structural problem of every file at once (unknown keys with a
suggestion, bad operators, type errors, missing metadata); catalog checks (unknown codes and
stages) follow in :func:`careengine.rules.validate.validate_packs`. The format is documented in
docs/rule-packs.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from careengine.errors import Problem, RulePackError, suggest
from careengine.model import AlertLevel, Dosage, Severity, Urgency
from careengine.rules.model import (
    DEFAULT_PRIORITY,
    FIELDS,
    PATTERN_KEYS,
    Action,
    Add,
    AddPrecaution,
    Derive,
    Exclude,
    FactType,
    Op,
    Pattern,
    RaiseAlert,
    Refer,
    Rule,
    RulePack,
    StartStage,
    Test,
    When,
)

PACK_KEYS = {"id", "version", "title", "population", "sources", "notes"}
RULE_KEYS = {"id", "because", "priority", "when", "then"}
WHEN_KEYS = {"all", "any", "none"}
OPERATORS = {op.value for op in Op if op is not Op.SAME_AS_FIRST}
DOSAGE_KEYS = {"sets", "reps", "hold_seconds", "minutes", "per_week"}
#: action verb -> (allowed keys, required keys)
ACTIONS: Mapping[str, tuple[set[str], set[str]]] = {
    "add": ({"add", "stage", "dosage", "priority", "addresses"}, {"stage"}),
    "exclude": ({"exclude", "reason"}, {"reason"}),
    "precaution": ({"precaution", "text"}, {"text"}),
    "alert": ({"alert", "level", "message"}, {"level", "message"}),
    "refer": ({"refer", "urgency", "reason"}, {"urgency", "reason"}),
    "derive": ({"derive", "value"}, set()),
    "start_stage": ({"start_stage"}, set()),
}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


class _PackParser:
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

    # --- actions ------------------------------------------------------------------------------

    def action(self, raw: Any, path: str) -> Action | None:
        if not isinstance(raw, dict):
            self.problem(path, f"an action must be a table, not {_type_name(raw)}")
            return None
        verbs = [k for k in raw if k in ACTIONS]
        if len(verbs) != 1:
            first = next(iter(raw), "")
            self.problem(
                path,
                "an action names exactly one verb: "
                + ", ".join(sorted(ACTIONS))
                + (f" (found {', '.join(verbs)})" if verbs else ""),
                suggest(first, ACTIONS) if not verbs and raw else None,
            )
            return None
        verb = verbs[0]
        allowed, required = ACTIONS[verb]
        self.keys(raw, allowed, path)
        for key in sorted(required):
            if key not in raw:
                self.problem(f"{path}.{key}", f"is required for {verb}")
        target = raw[verb]
        if verb != "derive" and not isinstance(target, str):
            self.problem(f"{path}.{verb}", f"must be a string, not {_type_name(target)}")
            return None
        try:
            return self._build(verb, target, raw, path)
        except _Skip:
            return None

    def _enum(self, raw: Mapping[str, Any], key: str, enum: Any, path: str) -> Any:
        value = raw.get(key)
        options = [e.value for e in enum]
        if value not in options:
            if key in raw:
                self.problem(
                    f"{path}.{key}",
                    f"must be one of {', '.join(options)}, not {value!r}",
                    suggest(str(value), options),
                )
            raise _Skip
        return enum(value)

    def _text(self, raw: Mapping[str, Any], key: str, path: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            if key in raw:
                self.problem(
                    f"{path}.{key}", f"must be a non-empty string, not {_type_name(value)}"
                )
            raise _Skip
        return value

    def _build(self, verb: str, target: Any, raw: Mapping[str, Any], path: str) -> Action:
        if verb == "add":
            stage = self._text(raw, "stage", path)
            priority = self.integer(raw.get("priority"), f"{path}.priority")
            addresses = raw.get("addresses")
            if addresses is not None and (
                not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses)
            ):
                self.problem(f"{path}.addresses", "must be a list of finding codes")
                addresses = None
            return Add(
                intervention=target,
                stage=stage,
                dosage=self.dosage(raw.get("dosage"), f"{path}.dosage"),
                priority=priority,
                addresses=tuple(addresses) if addresses is not None else None,
            )
        if verb == "exclude":
            return Exclude(intervention=target, reason=self._text(raw, "reason", path))
        if verb == "precaution":
            return AddPrecaution(intervention=target, text=self._text(raw, "text", path))
        if verb == "alert":
            return RaiseAlert(
                code=target,
                level=self._enum(raw, "level", AlertLevel, path),
                message=self._text(raw, "message", path),
            )
        if verb == "refer":
            return Refer(
                to=target,
                urgency=self._enum(raw, "urgency", Urgency, path),
                reason=self._text(raw, "reason", path),
            )
        if verb == "derive":
            if not isinstance(target, str):
                self.problem(f"{path}.derive", f"must be a code (string), not {_type_name(target)}")
                raise _Skip
            value = raw.get("value", True)
            if not isinstance(value, bool | int | float | str):
                self.problem(
                    f"{path}.value", f"must be a string, number or boolean, not {_type_name(value)}"
                )
                raise _Skip
            return Derive(code=target, value=value)
        return StartStage(stage=target)

    def dosage(self, raw: Any, path: str) -> Dosage | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.problem(path, f"must be a table, not {_type_name(raw)}")
            return None
        self.keys(raw, DOSAGE_KEYS, path)
        values = {}
        for key in sorted(DOSAGE_KEYS & set(raw)):
            value = self.integer(raw[key], f"{path}.{key}")
            if value is not None and value < 0:
                self.problem(f"{path}.{key}", "must not be negative")
                value = None
            values[key] = value
        return Dosage(**values)

    # --- rules and packs ----------------------------------------------------------------------

    def rule(self, raw: Any, index: int, pack_id: str) -> Rule | None:
        path = f"rules[{index}]"
        if not isinstance(raw, dict):
            self.problem(path, f"a rule must be a table, not {_type_name(raw)}")
            return None
        local = raw.get("id")
        if not isinstance(local, str) or not ID_RE.match(local):
            self.problem(f"{path}.id", "is required: lowercase letters, digits, '-', '_' or '.'")
            return None
        self.rule_id = f"{pack_id}.{local}"
        try:
            self.keys(raw, RULE_KEYS, "")
            because = self.string(raw, "because", "")
            priority = self.integer(raw.get("priority", DEFAULT_PRIORITY), "priority")
            when_raw = raw.get("when")
            if not isinstance(when_raw, dict):
                self.problem("when", "is required: a table with all, any and/or none")
                when_raw = {}
            self.keys(when_raw, WHEN_KEYS, "when")
            when = When(
                all=self.patterns(when_raw.get("all"), "when.all"),
                any=self.patterns(when_raw.get("any"), "when.any"),
                none=self.patterns(when_raw.get("none"), "when.none"),
            )
            then_raw = raw.get("then")
            if not isinstance(then_raw, list) or not then_raw:
                self.problem("then", "is required: a list of actions")
                then_raw = []
            actions = [self.action(a, f"then[{i}]") for i, a in enumerate(then_raw)]
            return Rule(
                id=self.rule_id,
                because=because,
                when=when,
                then=tuple(a for a in actions if a is not None),
                priority=priority if priority is not None else DEFAULT_PRIORITY,
            )
        finally:
            self.rule_id = None

    def pack(self, data: Mapping[str, Any], sha256: str, plugin: str) -> RulePack | None:
        self.keys(data, {"pack", "rules"}, "")
        meta = data.get("pack")
        if not isinstance(meta, dict):
            self.problem(
                "pack",
                "is required: a [pack] table with id, version, title, population and sources",
            )
            return None
        self.keys(meta, PACK_KEYS, "pack")
        pack_id = self.string(meta, "id", "pack")
        if pack_id and not ID_RE.match(pack_id):
            self.problem("pack.id", f"{pack_id!r} is not a valid id (lowercase, digits, '.-_')")
        version = self.string(meta, "version", "pack")
        title = self.string(meta, "title", "pack")
        population = self.string(meta, "population", "pack")
        sources = meta.get("sources")
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(s, str) for s in sources)
        ):
            self.problem("pack.sources", "is required: a non-empty list of strings")
            sources = []
        raw_rules = data.get("rules", [])
        if not isinstance(raw_rules, list):
            self.problem("rules", "must be an array of tables ([[rules]])")
            raw_rules = []
        rules = [self.rule(r, i, pack_id or "?") for i, r in enumerate(raw_rules)]
        return RulePack(
            id=pack_id,
            version=version,
            title=title,
            population=population,
            sources=tuple(sources),
            rules=tuple(r for r in rules if r is not None),
            sha256=sha256,
            file=self.file,
            plugin=plugin,
        )


class _Skip(Exception):
    """An action whose problems are already recorded."""


def _test_key(test: Test) -> tuple[str, str]:
    return (test.field, test.op.value)


def parse_pack(
    text: bytes, *, file: str, plugin: str = "(--rules)"
) -> tuple[RulePack | None, list[Problem]]:
    """Parse one pack; returns the pack (or None) and the structural problems found."""
    parser = _PackParser(file)
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        parser.problem("$", "is not UTF-8 text")
        return None, parser.problems
    except tomllib.TOMLDecodeError as exc:
        parser.problem("$", f"malformed TOML: {exc}")
        return None, parser.problems
    pack = parser.pack(data, hashlib.sha256(text).hexdigest(), plugin)
    return pack, parser.problems


def expand(paths: Iterable[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """Directories become their ``*.toml`` files (recursively, sorted)."""
    out: list[tuple[Path, str]] = []
    for path, plugin in paths:
        if path.is_dir():
            out.extend((p, plugin) for p in sorted(path.rglob("*.toml")))
        else:
            out.append((path, plugin))
    return out


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a directory where a file was expected."""


def _file_kind(mode: int) -> str | None:
    """What a non-regular file is, for messages; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def read_regular_file(path: Path) -> bytes:
    """The bytes of a pack (or gates, or case) file, which must be a regular file.

    A FIFO, a device or a socket is refused before it is opened for reading (a FIFO would block
    until some writer appears, a device may never end); the file is opened without blocking and
    checked again, so a path swapped for a FIFO in between is refused as well.

    :raises NotRegularFile: the path is not a regular file (the message says what it is).
    :raises OSError: the file cannot be read.
    """
    kind = _file_kind(os.stat(path).st_mode)
    if kind is not None:
        raise NotRegularFile(kind)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as stream:
        kind = _file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(kind)
        return stream.read()


def load_paths(paths: Iterable[tuple[Path, str]]) -> tuple[list[RulePack], list[Problem]]:
    """Parse every pack under the paths; all problems are returned, none raised."""
    packs: list[RulePack] = []
    problems: list[Problem] = []
    for path, plugin in expand(paths):
        name = str(path)
        try:
            text = read_regular_file(path)
        except NotRegularFile as exc:
            problems.append(
                Problem(file=name, path="$", message=f"cannot read: not a regular file ({exc})")
            )
            continue
        except OSError as exc:
            reason = exc.strerror or str(exc)
            problems.append(Problem(file=name, path="$", message=f"cannot read: {reason}"))
            continue
        pack, found = parse_pack(text, file=name, plugin=plugin)
        problems.extend(found)
        if pack is not None:
            packs.append(pack)
    return packs, problems


def load_pack_file(path: str | Path) -> RulePack:
    """Parse one file; raise RulePackError on any structural problem."""
    packs, problems = load_paths([(Path(path), "(file)")])
    if problems:
        raise RulePackError(f"{len(problems)} problem(s) in {path}", problems=problems)
    return packs[0]
