"""Clinic options: switches a plugin declares and a caller sets per engine.

A plugin declares an option in ``careengine_catalog`` with
``registry.add_option(name, values=(...), default=..., description=...)``; the caller chooses a
value with ``Engine(options={name: value})``, ``CAREENGINE_OPTIONS="name=value,..."``
(:mod:`careengine.settings`) or ``careengine evaluate --option name=value``. Every declared option
has a value (its default unless chosen); an unknown name or value is a
:class:`~careengine.errors.ConfigurationError` with a "did you mean". The resolved options reach
``careengine_review_plan`` as its ``options`` argument and are recorded in the plan's
``provenance.options`` (and its fingerprint), so two plans made under different options can be
told apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from careengine.errors import ConfigurationError, Problem, suggest

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _strings(values: Iterable[str] | str) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)


@attrs.frozen(kw_only=True)
class OptionSpec:
    """One declared option: its ``values`` (a closed set of strings), the ``default`` used when
    the caller chooses none, a one-line ``description``, and the ``plugin`` that declared it."""

    name: str
    values: tuple[str, ...] = attrs.field(converter=_strings)
    default: str
    description: str
    plugin: str = "?"

    def problems(self) -> list[str]:
        """What is wrong with the declaration itself (empty when it is sound)."""
        out = []
        if not _NAME.match(self.name):
            out.append(f"option name {self.name!r} must be lower-case letters, digits and _")
        if not self.values or not all(isinstance(v, str) and v for v in self.values):
            out.append(f"option {self.name!r} needs one or more non-empty string values")
        elif len(set(self.values)) != len(self.values):
            out.append(f"option {self.name!r} lists a value twice")
        elif self.default not in self.values:
            out.append(f"option {self.name!r}: default {self.default!r} is not among its values")
        if not isinstance(self.description, str) or not self.description.strip():
            out.append(f"option {self.name!r} needs a description")
        return out


def resolve_options(
    declared: Mapping[str, OptionSpec], chosen: Mapping[str, object] | None
) -> Mapping[str, str]:
    """Every declared option's value: the chosen one or its default, sorted by name.

    :raises ConfigurationError: listing every unknown option name and every value an option
        does not allow, each with the closest known one.
    """
    chosen = dict(chosen or {})
    problems: list[Problem] = []
    for name, value in sorted(chosen.items(), key=lambda kv: str(kv[0])):
        spec = declared.get(name)
        if spec is None:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(
                Problem(
                    message=f"unknown option {name!r} (declared options: {known})",
                    suggestion=suggest(str(name), declared),
                )
            )
        elif not isinstance(value, str) or value not in spec.values:
            problems.append(
                Problem(
                    message=f"option {name!r} cannot be {value!r} "
                    f"(allowed: {', '.join(spec.values)})",
                    suggestion=suggest(str(value), spec.values),
                )
            )
    if problems:
        raise ConfigurationError("invalid options", problems=problems)
    return MappingProxyType(
        {name: str(chosen.get(name, spec.default)) for name, spec in sorted(declared.items())}
    )


def parse_options(pairs: Iterable[str], *, where: str = "--option") -> dict[str, str]:
    """``NAME=VALUE`` texts as a dict (a later pair wins over an earlier one for the same name).

    :raises ConfigurationError: a text without ``=`` or with an empty name.
    """
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError(f"{where}: expected NAME=VALUE, not {pair!r}")
        out[name.strip()] = value.strip()
    return out
