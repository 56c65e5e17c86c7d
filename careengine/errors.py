"""One error hierarchy, rooted at :class:`CareEngineError`.

Every error carries structured fields (file, JSON path, rule id, plugin) so that a caller can
report it precisely, and a one-line ``str()`` that the CLI prints as is. ``exit_code`` is the CLI
exit status the error maps to: 1 when rules or plugins are broken, 2 when the input is invalid.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = [
    "AssessmentError",
    "BackendError",
    "CareEngineError",
    "ConfigurationError",
    "PluginError",
    "Problem",
    "RuleExecutionError",
    "RulePackError",
    "kind_of",
    "suggest",
]


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest known code, for a "did you mean" (ties are broken alphabetically)."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


@attrs.frozen(kw_only=True)
class Problem:
    """One precise problem: where it is and what is wrong."""

    message: str
    file: str | None = None
    path: str | None = None
    rule_id: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.rule_id, self.path) if part)
        text = self.message
        if self.suggestion:
            text += f" (did you mean '{self.suggestion}'?)"
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, str | None]:
        """The problem as plain data: ``file``, ``path``, ``rule``, ``message``, ``suggestion``."""
        return {
            "file": self.file,
            "path": self.path,
            "rule": self.rule_id,
            "message": self.message,
            "suggestion": self.suggestion,
        }

    as_dict = to_dict  # the older name


class CareEngineError(Exception):
    """Base class of every error careengine raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        json_path: str | None = None,
        rule_id: str | None = None,
        plugin: str | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.json_path = json_path
        self.rule_id = rule_id
        self.plugin = plugin
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(message)

    def lines(self) -> list[str]:
        """One line per problem, as the CLI prints them."""
        if self.problems:
            return [str(p) for p in self.problems]
        return [str(self)]

    def __str__(self) -> str:
        if self.problems:
            return "; ".join(str(p) for p in self.problems)
        where = ": ".join(part for part in (self.file, self.rule_id, self.json_path) if part)
        return f"{where}: {self.message}" if where else self.message


class AssessmentError(CareEngineError):
    """The assessment (or follow-up) is invalid. ``problems`` lists all of them at once."""

    exit_code = 2


class ConfigurationError(CareEngineError):
    """An engine option or a usage error (unknown backend, unknown stage in options, ...)."""

    exit_code = 2


class RulePackError(CareEngineError):
    """A rule pack does not load or validate. ``problems`` lists all problems at once."""

    exit_code = 1


class PluginError(CareEngineError):
    """A plugin failed to import, has an unknown hook, raised in a hook or broke a contract."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        hook: str | None = None,
        **kwargs: object,
    ) -> None:
        self.distribution = distribution
        self.hook = hook
        origin = plugin or "?"
        if distribution:
            origin += f" (distribution {distribution})"
        if hook:
            origin += f" in {hook}"
        super().__init__(f"plugin {origin}: {message}", plugin=plugin, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.message


class RuleExecutionError(CareEngineError):
    """A rule's action raised while the rules were firing."""

    exit_code = 1

    def __init__(self, message: str, *, rule_id: str, **kwargs: object) -> None:
        super().__init__(f"rule {rule_id}: {message}", rule_id=rule_id, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.message


class OutputError(CareEngineError):
    """An output file could not be written (its previous content, if any, is unchanged);
    ``reason`` is the system's word for why (e.g. "No space left on device")."""

    exit_code = 2

    def __init__(self, message: str, *, reason: str = "", file: str | None = None) -> None:
        super().__init__(message, file=file)
        self.reason = reason or message


class BackendError(CareEngineError):
    """The rule backend is unavailable or refused the compiled rules."""

    exit_code = 1


def kind_of(value: Any) -> str:
    """How a JSON value is named in messages ("a string", "a list", "null", ...)."""
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)
