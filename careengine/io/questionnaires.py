"""Reading the ``questionnaires`` block of an assessment: STarT Back, ODI, FABQ and the axial
spondyloarthritis screen (docs/design.md section 6.1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from careengine.errors import kind_of, suggest
from careengine.io.assessment_format import (
    AXSPA_FEATURES,
    FABQ_ANSWER_RANGE,
    FABQ_ITEMS,
    HLA_B27,
    MAX_LIST,
    ODI_MIN_ANSWERED,
    ODI_SECTION_RANGE,
    ODI_SECTIONS,
    QUESTIONNAIRE_KEYS,
    STARTBACK_BOTHERSOMENESS,
    STARTBACK_ITEMS,
)
from careengine.io.field_reader import FieldReader


def read_questionnaires(r: FieldReader, data: Any) -> dict[str, Any]:
    """The validated questionnaire block as plain data; a ``null`` entry counts as absent."""
    q = r.obj(data, "questionnaires")
    if q is None:
        return {}
    r.keys(q, QUESTIONNAIRE_KEYS, "questionnaires")
    out: dict[str, Any] = {}
    readers: dict[str, Callable[[FieldReader, Any, str], Any]] = {
        "startback": _startback,
        "odi": _odi,
        "fabq": _fabq,
        "axspa_features": _axspa_features,
        "hla_b27": _hla_b27,
    }
    for key, read in readers.items():
        if q.get(key) is not None:
            value = read(r, q[key], f"questionnaires.{key}")
            if value is not None:
                out[key] = value
    return out


def _required(r: FieldReader, data: Mapping[str, Any], key: str, path: str) -> Any:
    if data.get(key) is None:
        r.problem(f"{path}.{key}", "is required")
    return data.get(key)


def _answers(
    r: FieldReader, data: Any, path: str, lo: int, hi: int, *, length: int | None, nulls: bool
) -> list[int | None] | None:
    """A list of whole numbers in ``lo..hi`` (``null`` entries only where ``nulls``)."""
    if data is None:
        return None
    if not isinstance(data, list):
        r.problem(path, f"must be a list, not {kind_of(data)}")
        return None
    if length is not None and len(data) != length:
        r.problem(path, f"must have exactly {length} entries, not {len(data)}")
    if len(data) > MAX_LIST:
        r.problem(path, f"has {len(data)} entries; at most {MAX_LIST} are accepted")
        return None
    out: list[int | None] = []
    for i, item in enumerate(data):
        if item is None:
            if not nulls:
                r.problem(f"{path}[{i}]", "must be a whole number, not null")
            out.append(None)
            continue
        out.append(r.integer(item, f"{path}[{i}]", lo, hi))
    return out


def _startback(r: FieldReader, data: Any, path: str) -> dict[str, Any] | None:
    sb = r.obj(data, path)
    if sb is None:
        return None
    r.keys(sb, {"agree", "bothersomeness"}, path)
    lo, hi = STARTBACK_ITEMS
    agree = _answers(
        r, _required(r, sb, "agree", path), f"{path}.agree", lo, hi, length=None, nulls=False
    )
    seen: set[int] = set()
    for i, item in enumerate(agree or ()):
        if item is not None and item in seen:
            r.problem(f"{path}.agree[{i}]", f"item {item} is listed more than once")
        if item is not None:
            seen.add(item)
    bother = _choice(
        r,
        _required(r, sb, "bothersomeness", path),
        f"{path}.bothersomeness",
        STARTBACK_BOTHERSOMENESS,
    )
    if agree is None or bother is None:
        return None
    return {"agree": agree, "bothersomeness": bother}


def _answer_block(
    r: FieldReader,
    data: Any,
    path: str,
    key: str,
    bounds: tuple[int, int],
    *,
    length: int,
    nulls: bool,
) -> list[int | None] | None:
    """The answer list of a one-key questionnaire object (``{"sections": [...]}``)."""
    block = r.obj(data, path)
    if block is None:
        return None
    r.keys(block, {key}, path)
    lo, hi = bounds
    return _answers(
        r, _required(r, block, key, path), f"{path}.{key}", lo, hi, length=length, nulls=nulls
    )


def _odi(r: FieldReader, data: Any, path: str) -> dict[str, Any] | None:
    sections = _answer_block(
        r, data, path, "sections", ODI_SECTION_RANGE, length=ODI_SECTIONS, nulls=True
    )
    if sections is None:
        return None
    answered = sum(1 for s in sections if s is not None)
    if answered < ODI_MIN_ANSWERED:
        r.problem(
            f"{path}.sections",
            f"only {answered} sections are answered; at least {ODI_MIN_ANSWERED} are needed",
        )
    return {"sections": sections}


def _fabq(r: FieldReader, data: Any, path: str) -> dict[str, Any] | None:
    answers = _answer_block(
        r, data, path, "answers", FABQ_ANSWER_RANGE, length=FABQ_ITEMS, nulls=False
    )
    return None if answers is None else {"answers": answers}


def _axspa_features(r: FieldReader, data: Any, path: str) -> list[str] | None:
    if not isinstance(data, list):
        r.problem(path, f"must be a list, not {kind_of(data)}")
        return None
    features = r.codes(data, path, AXSPA_FEATURES, "axSpA feature")
    seen: set[str] = set()
    for i, item in enumerate(data):
        if isinstance(item, str) and item in seen:
            r.problem(f"{path}[{i}]", f"{item!r} is listed more than once")
        if isinstance(item, str):
            seen.add(item)
    return features


def _hla_b27(r: FieldReader, data: Any, path: str) -> str | None:
    return _choice(r, data, path, HLA_B27)


def _choice(r: FieldReader, data: Any, path: str, values: Sequence[str]) -> str | None:
    if data is None:
        return None
    if not isinstance(data, str) or data not in values:
        r.problem(
            path,
            f"{data!r} is not one of {', '.join(values)}",
            suggest(data, values) if isinstance(data, str) else None,
        )
        return None
    return data
