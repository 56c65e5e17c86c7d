"""TOML rule packs (docs/design.md section 4.2): one file is one pack, parsed into the same
:class:`Rule` objects Python plugins build.

Parsing reports *every* structural problem of every file at once (unknown keys with a
suggestion, bad operators, type errors, missing metadata); catalog checks (unknown codes and
stages) follow in :func:`careengine.rules.validate.validate_packs`. The format is documented in
docs/rule-packs.md.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from careengine.errors import Problem, RulePackError, suggest
from careengine.io.regular_files import NotRegularFile, read_regular_file
from careengine.model import (
    DOSAGE_COUNTS,
    DOSAGE_FIELDS,
    AlertLevel,
    Dosage,
    DosageSetting,
    Urgency,
)
from careengine.rules import pack_cache
from careengine.rules.model import (
    DEFAULT_PRIORITY,
    Action,
    Add,
    AddPrecaution,
    Derive,
    Exclude,
    RaiseAlert,
    Refer,
    Rule,
    RulePack,
    StartStage,
    When,
)
from careengine.rules.pack_files import expand
from careengine.rules.toml_conditions import WHEN_KEYS, _ConditionParser, _type_name

__all__ = [
    "expand",
    "load_pack_file",
    "load_paths",
    "parse_pack",
]

PACK_KEYS = {"id", "version", "title", "population", "sources", "notes"}
RULE_KEYS = {"id", "because", "priority", "when", "then"}
DOSAGE_KEYS = set(DOSAGE_FIELDS)
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


class _PackParser(_ConditionParser):
    """A whole pack: the conditions (inherited), the actions, the rules and the pack's metadata."""

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
        for key in sorted(set(DOSAGE_COUNTS) & set(raw)):
            value = self.integer(raw[key], f"{path}.{key}")
            if value is not None and value < 0:
                self.problem(f"{path}.{key}", "must not be negative")
                value = None
            values[key] = value
        setting = self._enum(raw, "setting", DosageSetting, path) if "setting" in raw else None
        return Dosage(**values, setting=setting)

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


def parse_pack(
    text: bytes, *, file: str, plugin: str = "(--rules)", cache: Path | None = None
) -> tuple[RulePack | None, list[Problem]]:
    """Parse one pack; returns the pack (or None) and the structural problems found.

    ``cache``: where the parsed TOML of this text may be kept (:mod:`careengine.rules.pack_cache`);
    the pack is checked in full either way."""
    parser = _PackParser(file)
    digest = hashlib.sha256(text).hexdigest()
    data = pack_cache.load(cache, digest)
    if data is None:
        try:
            data = tomllib.loads(text.decode("utf-8"))
        except UnicodeDecodeError:
            parser.problem("$", "is not UTF-8 text")
            return None, parser.problems
        except tomllib.TOMLDecodeError as exc:
            parser.problem("$", f"malformed TOML: {exc}")
            return None, parser.problems
        pack_cache.store(cache, digest, data)
    pack = parser.pack(data, digest, plugin)
    return pack, parser.problems


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
        pack, found = parse_pack(text, file=name, plugin=plugin, cache=pack_cache.cache_file(path))
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
