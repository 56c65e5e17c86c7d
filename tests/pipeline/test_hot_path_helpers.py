"""The evaluation hot path's shortcuts give what the long way gives (issue 16)."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from careengine.model import freeze
from careengine.pipeline.facts import value_text

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(SCALARS | st.lists(st.integers(), max_size=3))
def test_a_derived_fact_value_is_spelt_as_json_dumps_spells_it(value: Any) -> None:
    assert value_text(value) == json.dumps(value)


def _thawed(value: Any) -> Any:
    if isinstance(value, MappingProxyType):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


def _is_frozen(value: Any) -> bool:
    if isinstance(value, dict | list):
        return False
    if isinstance(value, MappingProxyType):
        return all(_is_frozen(v) for v in value.values())
    if isinstance(value, tuple):
        return all(_is_frozen(v) for v in value)
    return True


@given(JSON)
def test_freeze_keeps_every_value_and_leaves_nothing_mutable(value: Any) -> None:
    frozen = freeze(value)
    assert _is_frozen(frozen)
    assert _thawed(frozen) == _thawed(freeze(_thawed(frozen)))
    assert json.dumps(_thawed(frozen), sort_keys=True) == json.dumps(value, sort_keys=True)


def test_freeze_keeps_a_frozen_tuple_and_copies_one_holding_a_list() -> None:
    done = (1, "a", (2.0, None))
    assert freeze(done) is done
    mixed = (1, [2, 3])
    assert freeze(mixed) == (1, (2, 3)) and freeze(mixed) is not mixed
    proxy = freeze({"a": [1, {"b": 2}], "c": True})
    assert proxy == MappingProxyType({"a": (1, MappingProxyType({"b": 2})), "c": True})
