"""JSON text in: the size limit, parsing with located errors, and reading input files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from careengine.errors import AssessmentError, Problem

MAX_BYTES = 5 * 1024 * 1024


def parse_json(text: str | bytes, *, file: str | None = None) -> Any:
    if len(text) > MAX_BYTES:
        raise AssessmentError(
            "input too large",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssessmentError(
            "malformed JSON",
            file=file,
            problems=[
                Problem(
                    file=file,
                    path="$",
                    message=f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                )
            ],
        ) from exc
    except RecursionError as exc:
        raise AssessmentError(
            "input nested too deeply",
            file=file,
            problems=[Problem(file=file, path="$", message="is nested too deeply")],
        ) from exc
    except ValueError as exc:  # not UTF-8, or a number too long to convert
        raise AssessmentError(
            "unreadable JSON",
            file=file,
            problems=[Problem(file=file, path="$", message=f"is not readable JSON: {exc}")],
        ) from exc


def read_bounded(path: Path) -> bytes:
    """The bytes of a file, refusing (without reading it all) one larger than ``MAX_BYTES``."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        name = path.name
        raise AssessmentError(
            "input too large",
            file=name,
            problems=[Problem(file=name, path="$", message=f"is larger than {MAX_BYTES} bytes")],
        )
    return data


def read_input(path: Path, reader: Callable[[Path], bytes] = read_bounded) -> bytes:
    """The bytes of an input file (at most ``MAX_BYTES``); an unreadable file is an input error."""
    try:
        return reader(path)
    except OSError as exc:
        raise AssessmentError(
            "cannot read",
            file=path.name,
            problems=[Problem(file=path.name, path="$", message=f"cannot read: {exc.strerror}")],
        ) from exc
