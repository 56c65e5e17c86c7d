"""Frozen containers for the model's fields: the converters its attrs classes share."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if value is not None else ()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def freeze(value: Any) -> Any:
    """Deep-freeze plain JSON-like data: dicts become read-only mappings, lists tuples."""
    kind = type(value)
    if kind in _SCALARS:  # the common cases first, without the (slow) abstract-class checks
        return value
    scalars = _SCALARS
    if kind is dict or kind is MappingProxyType:
        # scalar members are kept without a call: most members of a score's block are
        return MappingProxyType(
            {k: v if type(v) in scalars else freeze(v) for k, v in value.items()}
        )
    if kind is tuple or kind is list:
        frozen = [v if type(v) in scalars else freeze(v) for v in value]
        if kind is tuple:
            for a, b in zip(frozen, value, strict=True):
                if a is not b:
                    return tuple(frozen)
            return value  # already frozen: keep the same tuple
        return tuple(frozen)
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value
