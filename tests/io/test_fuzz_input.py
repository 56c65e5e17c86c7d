"""Hostile input: whatever arrives, the loader returns an assessment or raises AssessmentError,
and the engine never crashes on an assessment that loaded (hypothesis fuzzing over arbitrary
JSON, arbitrary bytes and mutated valid assessments); huge and deeply nested inputs are refused
with a clear error, in bounded memory."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from careengine import AssessmentError, Engine
from careengine.io.assessment import TOP_KEYS
from careengine.io.assessment_format import MAX_FINDINGS
from careengine.io.json_text import MAX_BYTES, parse_json
from careengine.model import Assessment, Severity, Side, TermKind
from careengine.render.serialize import dumps

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
SEEDS = [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]
ENGINE = Engine(entry_points=False)
FORMATS = sorted(ENGINE.renderers)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- values that reach deep into the loader ----------------------------------------------------

VOCABULARY = [
    *ENGINE.catalog.codes(TermKind.FINDING)[:12],
    *ENGINE.catalog.codes(TermKind.CONDITION)[:6],
    *ENGINE.catalog.codes(TermKind.RED_FLAG)[:6],
    *ENGINE.catalog.codes(TermKind.MEASURE)[:6],
    *[s.value for s in Severity],
    *[s.value for s in Side],
    "extension",
    "below_knee",
    "very_much",
    "yes",
    "2026-02-29",
    "2025-02-29",
    "",
    " ",
    "\u0000",
    "\ud800",
    "é" * 3,
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([-1, 0, 1, 7, 10, 11, 24, 60, 100, 101, 120, 180, 36500, 36501, 10**18]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(VOCABULARY),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(sorted(TOP_KEYS))), children, max_size=5
        ),
    ),
    max_leaves=25,
)


def loads_or_refuses(data: Any) -> Assessment | None:
    """The loader's contract: an Assessment, or an AssessmentError (nothing else escapes)."""
    try:
        assessment = ENGINE.load_assessment(data) if isinstance(data, dict) else None
    except AssessmentError as exc:
        assert exc.lines(), "an AssessmentError without a message"
        return None
    if not isinstance(data, dict):
        with pytest.raises(AssessmentError):
            ENGINE.load_assessment({"patient": data})
        return None
    assert isinstance(assessment, Assessment)
    return assessment


def evaluates(assessment: Assessment) -> None:
    """The engine's contract on a loaded assessment: a plan in every format, or a clear
    AssessmentError (a score the assessment states that contradicts its own answers)."""
    try:
        plan = ENGINE.evaluate(assessment)
    except AssessmentError as exc:
        assert exc.lines()
        return
    text = dumps(plan)
    assert json.loads(text)["patient_id"] == assessment.patient.id
    for fmt in FORMATS:
        assert ENGINE.render(plan, fmt)


@SETTINGS
@given(data=json_values)
def test_arbitrary_json_values_load_or_are_refused(data: Any) -> None:
    loads_or_refuses(data)


@SETTINGS
@given(
    data=st.fixed_dictionaries(
        {"patient": st.one_of(json_values, st.fixed_dictionaries({"id": st.text(max_size=5)}))},
        optional={key: json_values for key in sorted(TOP_KEYS - {"patient"})},
    )
)
def test_arbitrary_top_level_blocks_load_or_are_refused(data: dict[str, Any]) -> None:
    assessment = loads_or_refuses(data)
    if assessment is not None:
        evaluates(assessment)


@SETTINGS
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_arbitrary_bytes_parse_or_are_refused(raw: bytes) -> None:
    try:
        data = parse_json(raw, file="fuzz.json")
    except AssessmentError as exc:
        assert exc.lines() and all(line.startswith("fuzz.json: ") for line in exc.lines())
        "\n".join(exc.lines()).encode("utf-8")  # every message can be printed
        return
    _all_text_is_unicode(data)
    loads_or_refuses(data)


def _all_text_is_unicode(data: Any) -> None:
    """Every key and string of parsed input can be written out as UTF-8."""
    if isinstance(data, dict):
        for key, value in data.items():
            key.encode("utf-8")
            _all_text_is_unicode(value)
    elif isinstance(data, list):
        for value in data:
            _all_text_is_unicode(value)
    elif isinstance(data, str):
        data.encode("utf-8")


#: JSON text pieces that make parsing hard: escapes of surrogates (paired and lone), raw
#: separators, repeated keys
_PIECES = st.sampled_from(
    ["\\ud800", "\\udfff", "\\ud83d\\ude00", "\\uD834", "\u2028", "\x85", "é", "a", "\\n"]
)


@SETTINGS
@given(
    members=st.lists(
        st.tuples(
            st.lists(_PIECES, max_size=3).map("".join), st.lists(_PIECES, max_size=3).map("".join)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_parsed_input_is_valid_unicode_without_duplicate_keys_or_refused_at_a_path(
    members: list[tuple[str, str]],
) -> None:
    body = ", ".join(f'"{k}": "{v}"' for k, v in members)
    text = f'{{"patient": {{"id": "p"}}, "measures": {{{body}}}}}'
    plain = json.loads(text)  # what a parser that lets the last key win makes of it
    keys = [json.loads(f'"{k}"') for k, _ in members]
    texts = keys + [json.loads(f'"{v}"') for _, v in members]
    unicode = all(not any(0xD800 <= ord(ch) <= 0xDFFF for ch in t) for t in texts)
    try:
        data = parse_json(text.encode("utf-8"), file="t.json")
    except AssessmentError as exc:
        assert len(set(keys)) < len(keys) or not unicode
        for line in exc.lines():
            line.encode("utf-8")
            assert line.startswith("t.json: measures"), line
        return
    assert len(set(keys)) == len(keys) and unicode
    assert data == plain
    _all_text_is_unicode(data)


def test_a_flood_of_duplicate_keys_is_reported_in_bounded_lines(tmp_path: Path) -> None:
    members = ", ".join(['"age": 1'] * 100_000)
    path = tmp_path / "flood.json"
    path.write_text(f'{{"patient": {{"id": "p", {members}}}, "measures": {{"a": 1, "a": 2}}}}')
    with pytest.raises(AssessmentError) as info:
        ENGINE.load_assessment(path)
    assert info.value.lines() == [
        "flood.json: patient.age: duplicate key 'age'",
        "flood.json: measures.a: duplicate key 'a'",
    ]
    many = ", ".join(f'"k{i}": 1, "k{i}": 2' for i in range(300))
    with pytest.raises(AssessmentError) as info:
        parse_json(f"{{{many}}}", file="many.json")
    lines = info.value.lines()
    assert len(lines) == 101 and lines[-1] == "many.json: $: has more such problems (not listed)"


# --- mutated valid assessments -----------------------------------------------------------------


def _slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key or index) for every value under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from _slots(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node, index
            yield from _slots(value)


def _like(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int | float):
        return st.one_of(
            st.sampled_from([-1, 0, 1, 3, 7, 10, 11, 35, 100, 101, 120, 10**9]),
            st.floats(min_value=-1, max_value=200),
        )
    if isinstance(value, str):
        for kind in TermKind:
            codes = ENGINE.catalog.codes(kind)
            if value in codes:  # another code of the same kind, or anything
                return st.one_of(st.sampled_from(codes), st.sampled_from(VOCABULARY))
        return st.sampled_from(VOCABULARY)
    return json_values


@st.composite
def mutated_assessments(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(data))
        container, key = draw(st.sampled_from(slots))
        action = draw(
            st.sampled_from(["tweak", "tweak", "tweak", "replace", "delete", "insert", "duplicate"])
        )
        if action == "tweak":  # same type, another value: gets past the type checks
            container[key] = draw(_like(container[key]))
        elif action == "replace":
            container[key] = draw(json_values)
        elif action == "delete":
            del container[key]
        elif action == "duplicate" and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        elif isinstance(container, dict):
            container[draw(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=6)))] = draw(
                json_values
            )
        else:
            container.insert(key, draw(json_values))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_assessments())
def test_mutated_assessments_load_or_are_refused_and_never_crash_the_engine(
    data: dict[str, Any],
) -> None:
    assessment = loads_or_refuses(data)
    if assessment is not None:
        evaluates(assessment)
    # the same through the file path: JSON text, parsed by the loader
    try:
        text = json.dumps(data)
    except (ValueError, TypeError):  # pragma: no cover - every generated value is JSON-able
        return
    try:
        reparsed = parse_json(text, file="mutated.json")
    except AssessmentError:
        return
    assume(not _has_nan(reparsed))
    again = loads_or_refuses(reparsed)
    assert (again is None) == (assessment is None)


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


# --- huge and deeply nested inputs -------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREENGINE_")}
    return subprocess.run(
        [sys.executable, "-c", "from careengine.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_50_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # valid JSON, mostly one long string
        handle.write(b'{"patient": {"id": "p"}, "padding": "')
        handle.seek(50 * 1024 * 1024)
        handle.write(b'"}')
    tracemalloc.start()
    try:
        with pytest.raises(AssessmentError) as info:
            ENGINE.load_assessment(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.lines() == [f"big.json: $: is larger than {MAX_BYTES} bytes"]
    assert peak < 2 * MAX_BYTES  # at most MAX_BYTES + 1 bytes were read, not 50 MB


def test_the_cli_refuses_a_50_mb_file_with_exit_2_and_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.seek(50 * 1024 * 1024)
        handle.write(b"{}")
    result = _cli("evaluate", str(big))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: big.json: $: is larger than {MAX_BYTES} bytes"]
    assert result.stdout == ""


def test_100000_findings_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    data = {"patient": {"id": "p"}, "findings": [{"code": "glute_weakness"}] * 100_000}
    path = tmp_path / "many.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert path.stat().st_size < MAX_BYTES  # refused for its findings, not its size
    expected = f"many.json: findings: has 100000 entries; at most {MAX_FINDINGS} are accepted"
    with pytest.raises(AssessmentError) as info:
        ENGINE.load_assessment(path)
    assert info.value.lines() == [expected]
    result = _cli("evaluate", str(path))
    assert (result.returncode, result.stderr.splitlines()) == (2, [f"error: {expected}"])


def test_the_largest_accepted_assessment_evaluates() -> None:
    codes = ENGINE.catalog.codes(TermKind.FINDING)
    findings = [
        {"code": codes[i % len(codes)], "side": ["left", "right", "bilateral"][i % 3]}
        for i in range(MAX_FINDINGS)
    ]
    plan = ENGINE.evaluate(ENGINE.load_assessment({"patient": {"id": "p"}, "findings": findings}))
    assert json.loads(dumps(plan))["patient_id"] == "p"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 50_000 + "1" + "}" * 50_000,
        '{"patient": {"id": "p"}, "findings": [' + "[" * 60_000 + "]" * 60_000 + "]}",
    ],
    ids=["arrays", "objects", "inside-a-valid-assessment"],
)
def test_deep_nesting_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssessmentError) as info:
        ENGINE.load_assessment(path)
    assert info.value.lines() == ["deep.json: $: is nested too deeply"]
    result = _cli("evaluate", str(path))
    assert (result.returncode, result.stderr.splitlines()) == (
        2,
        ["error: deep.json: $: is nested too deeply"],
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"patient": {"id": "p", "age": ' + b"9" * 5000 + b"}}", "is not readable JSON"),
        (b'{"patient": {"id": "p"}, "x": \xff\xfe}', "malformed JSON"),
        (b"\x00\x01\x02", "malformed JSON"),
    ],
    ids=["5000-digit-number", "not-utf-8", "binary"],
)
def test_unreadable_json_is_a_clear_error(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(raw)
    with pytest.raises(AssessmentError) as info:
        ENGINE.load_assessment(path)
    (line,) = info.value.lines()
    assert line.startswith("odd.json: $: ") and message in line


@pytest.mark.parametrize(
    "value",
    [10**300, 1e308, 1e-300, 2**63, -0.0, 123456789.123456789],
)
def test_extreme_numbers_load_or_are_refused_and_evaluate(value: float) -> None:
    data = {
        "patient": {"id": "p", "age": 40},
        "findings": [{"code": "hip_internal_rotation", "value": value, "unit": "deg"}],
        "measures": {"odi_percent": value},
        "pain": {"current": 3},
    }
    assessment = loads_or_refuses(data)
    if assessment is not None:
        evaluates(assessment)
