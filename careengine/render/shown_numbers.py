"""Numbers as a person reads them: a computed value such as an ODI of 23/45 shows as ``51.1``,
not ``51.111111111111114``.

The rule (docs/design.md section 6.3): whole numbers show as whole numbers (``32.0`` as ``32``);
a number written with at most two decimals shows as written (a measured ``37.25`` degrees stays
``37.25``); anything longer, which only arithmetic produces, is rounded to one decimal. Only the
display rounds: the plan JSON and every threshold keep the unrounded value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["rounded", "shown_json", "shown_number"]

#: decimals a number may carry and still show as written
_AS_GIVEN = 2


def rounded(value: Any) -> Any:
    """``value`` with every float (also inside lists, tuples and mappings) made presentable;
    anything else unchanged."""
    if isinstance(value, float) and not isinstance(value, bool):
        if not math.isfinite(value):
            return value
        text = repr(value)
        if "e" in text or len(text.partition(".")[2]) > _AS_GIVEN:
            value = round(value, 1)
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def shown_number(value: float) -> str:
    """One number for a person: ``51.1``, ``32``, ``37.25``."""
    return str(rounded(value))


def shown_json(value: Any) -> str:
    """``value`` in JSON notation with its numbers rounded for reading (``[51.1, null]``)."""
    return json.dumps(rounded(value), ensure_ascii=False)
