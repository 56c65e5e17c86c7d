"""careengine.render.indented_json writes exactly what ``json.dumps(value, indent=2, ensure_ascii=False)``
writes, for any JSON-like value, and fails where it fails."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careengine.render import indented_json


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.sampled_from(["é", '"quoted"', "back\\slash", "\n\t\u2028", "\ud83d\ude00", Colour.RED]),
    st.just(Level.HIGH),
)
keys = st.one_of(
    st.text(max_size=6), st.integers(), st.floats(), st.booleans(), st.none(), st.just(Colour.RED)
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=400)
@given(value=values)
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert indented_json.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, [b"bytes"], {(1, 2): "tuple key"}])
def test_what_json_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        indented_json.dumps(value)
