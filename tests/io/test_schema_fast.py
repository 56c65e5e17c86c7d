"""The jsonschema-rs validity fast path (careengine.io.schema_fast) answers as jsonschema does:
every keyword, pattern and format the assessment schemas use is one whose meaning was compared;
the two meanings that differ (``\\S`` and the year 0000 of ``format: date``) are mended; invalid
data that only such keywords catch gets the same located problems on both paths; and
``CAREENGINE_PURE_PYTHON=1`` (or jsonschema-rs missing) leaves the pure-Python path alone."""

from __future__ import annotations

import copy
import re
import sys
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine.io.schema_check import SchemaChecker, inline_refs
from careengine.io.schema_fast import FORMATS, KEYWORDS, PATTERNS, PY_SPACE, fast_validity, is_date
from careengine.speedups import PURE_PYTHON, active, optional
from tests.io.test_schema import ENGINE, EXAMPLES, FULL, PATHS, VALUES, put

rs = pytest.importorskip("jsonschema_rs")

FAST = SchemaChecker(ENGINE.catalog, fast=True)
PURE = SchemaChecker(ENGINE.catalog, fast=False)
VARIANTS = [(f, a) for f in (False, True) for a in (False, True)]


def keywords(node: Any, out: dict[str, set[Any]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            out.setdefault(key, set()).add(value if key in ("pattern", "format") else None)
            if key == "properties":
                for sub in value.values():
                    keywords(sub, out)
            elif key not in ("enum", "const", "required"):
                keywords(value, out)
    elif isinstance(node, list):
        for value in node:
            keywords(value, out)


@pytest.mark.parametrize(("followup", "allow_unknown"), VARIANTS)
def test_every_keyword_pattern_and_format_of_the_schemas_was_compared(
    followup: bool, allow_unknown: bool
) -> None:
    schema = inline_refs(FAST.schema(followup=followup, allow_unknown=allow_unknown))
    found: dict[str, set[Any]] = {}
    keywords(schema, found)
    assert set(found) <= KEYWORDS
    assert found["pattern"] <= set(PATTERNS)
    assert found["format"] <= FORMATS
    assert {"minContains", "contains", "propertyNames", "uniqueItems", "if", "not"} <= set(found)
    assert FAST._variant(followup, allow_unknown).is_valid is not None


def test_an_unknown_keyword_pattern_or_format_has_no_fast_path() -> None:
    assert fast_validity({"type": "string"}) is not None
    assert fast_validity({"type": "string", "pattern": "^a"}) is None
    assert fast_validity({"type": "string", "format": "email"}) is None
    assert fast_validity({"dependentRequired": {"a": ["b"]}}) is None


def test_pythons_whitespace_is_every_space_character() -> None:
    assert "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()) == PY_SPACE


def test_the_non_space_pattern_means_pythons_whitespace_at_every_code_point() -> None:
    check = rs.Draft202012Validator({"type": "string", "pattern": PATTERNS[r"\S"]})
    space = re.compile(r"\S")
    differ = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if not 0xD800 <= c < 0xE000 and check.is_valid(chr(c)) != bool(space.search(chr(c)))
    ]
    assert differ == []


DATES = [
    f"{y}-{m:02d}-{d:02d}"
    for y in ("0000", "0001", "0004", "0100", "1900", "2000", "2023", "2024", "9999")
    for m in range(14)
    for d in range(33)
] + [
    "2024-1-01",
    "20240101",
    "2024-01-01T00:00",
    "2024-01-01\n",
    "\uff12\uff10\uff12\uff14-01-01",
    "+2024-01-01",
]


def test_the_date_format_is_jsonschemas() -> None:
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    fast = fast_validity({"type": "string", "format": "date"})
    assert fast is not None
    for text in DATES:
        assert is_date(text) == checker.conforms(text, "date") == fast(text), text


ODI_ONE_OF_TEN = [2, *[None] * 9]
ONLY_SPECIAL_KEYWORDS_CATCH = [
    {"patient": {"id": "p"}, "questionnaires": {"odi": {"sections": ODI_ONE_OF_TEN}}},
    {"patient": {"id": "p"}, "questionnaires": {"axspa_features": ["buttock_pain"] * 2}},
    {"patient": {"id": "p"}, "measures": {"odi_percnt": 3}},
    {"patient": {"id": "p"}, "findings": [{"code": "straight_leg_raise", "unit": "cm"}]},
    {"patient": {"id": "p"}, "response": {}},
    {"patient": {"id": " "}},
    {"patient": {"id": "\x1c"}},
    {"patient": {"id": "\x85 "}},
    {"patient": {"id": "p"}, "assessed_on": "0000-01-01"},
    {"patient": {"id": "p"}, "assessed_on": "2023-02-29"},
    {"patient": {"id": "p"}, "schema": "x"},
    {"patient": {"id": "p", "age": 10**30}},
    {"patient": {"id": "p\ud800", "age": -1}},
]


@pytest.mark.parametrize("data", ONLY_SPECIAL_KEYWORDS_CATCH)
def test_invalid_data_gets_the_same_located_problems_on_both_paths(data: dict[str, Any]) -> None:
    problems = PURE.problems(data)
    assert problems
    assert FAST.problems(data) == problems
    is_valid = FAST._variant(False, False).is_valid
    assert is_valid is not None
    try:
        verdict: bool | None = is_valid(data)
    except Exception:  # data jsonschema-rs cannot take goes the pure way (an int beyond 64 bits)
        verdict = None
    assert verdict is not True


def test_the_odi_with_one_of_ten_sections_is_refused_by_jsonschema_rs_itself() -> None:
    is_valid = FAST._variant(False, False).is_valid
    assert is_valid is not None
    data = {"patient": {"id": "p"}, "questionnaires": {"odi": {"sections": ODI_ONE_OF_TEN}}}
    assert not is_valid(data)
    assert [(p.path, p.message) for p in FAST.problems(data)] == [
        ("questionnaires.odi.sections", "only 1 entries are answered; at least 8 are needed")
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from([FULL, *EXAMPLES.values()]),
    changes=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), max_size=3),
    followup=st.booleans(),
    allow_unknown=st.booleans(),
)
def test_both_paths_agree_on_mutated_assessments(
    base: dict[str, Any],
    changes: list[tuple[tuple[str | int, ...], Any]],
    followup: bool,
    allow_unknown: bool,
) -> None:
    data = copy.deepcopy(base)
    if followup:
        data["response"] = {"exercise_pain_max": 2, "settled_within_24h": True}
    for path, value in changes:
        put(data, path, value)
    options = {"followup": followup, "allow_unknown": allow_unknown}
    pure = PURE.problems(data, **options)
    is_valid = FAST._variant(followup, allow_unknown).is_valid
    assert is_valid is not None
    assert is_valid(data) == (not pure)
    assert FAST.problems(data, **options) == pure


def test_pure_python_is_forced_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PURE_PYTHON, "1")
    checker = SchemaChecker(ENGINE.catalog)
    assert checker._variant(False, False).is_valid is None
    assert optional("jsonschema_rs") is None
    assert active()["jsonschema-rs"] == f"off ({PURE_PYTHON})"
    monkeypatch.setenv(PURE_PYTHON, "0")
    assert SchemaChecker(ENGINE.catalog)._variant(False, False).is_valid is not None


def test_without_jsonschema_rs_the_pure_path_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PURE_PYTHON, raising=False)
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # import raises ImportError
    checker = SchemaChecker(ENGINE.catalog, fast=True)
    assert checker._variant(False, False).is_valid is None
    assert active()["jsonschema-rs"] == "not installed"
    data = {"patient": {"id": "p"}, "questionnaires": {"odi": {"sections": ODI_ONE_OF_TEN}}}
    assert checker.problems(data) == PURE.problems(data)
