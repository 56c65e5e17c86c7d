"""Reading one JSON value at a time, collecting every problem with its JSON path.

:class:`FieldReader` checks a field's type and range and records a
:class:`~careengine.errors.Problem` instead of raising, so that one pass reports everything.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from careengine.errors import Problem, kind_of, suggest
from careengine.io.assessment_format import MAX_LIST, MAX_NUMBER
from careengine.io.json_text import NOT_UNICODE, encodable, printable, shown
from careengine.plugins.registry import Catalog


class FieldReader:
    def __init__(self, file: str | None, catalog: Catalog, allow_unknown: bool) -> None:
        self.file = file
        self.catalog = catalog
        self.allow_unknown = allow_unknown
        self.problems: list[Problem] = []
        self.unrecognized: list[str] = []

    def problem(self, path: str, message: str, suggestion: str | None = None) -> None:
        self.problems.append(
            Problem(file=self.file, path=path, message=message, suggestion=suggestion)
        )

    def keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                shown = printable(str(key))
                self.problem(
                    f"{path}.{shown}" if path else shown,
                    f"unknown key {key!r}",
                    suggest(str(key), sorted(allowed)),
                )

    def obj(self, data: Any, path: str) -> Mapping[str, Any] | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problem(path, f"must be an object, not {kind_of(data)}")
            return None
        return data

    def integer(
        self, data: Any, path: str, lo: float | None = None, hi: float | None = None
    ) -> int | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer():
                data = int(data)
            else:
                shown = f"{data!r}" if isinstance(data, float) else kind_of(data)
                self.problem(path, f"must be a whole number, not {shown}")
                return None
        return int(self._range(data, path, lo, hi))

    def number(
        self, data: Any, path: str, lo: float | None = None, hi: float | None = None
    ) -> float | None:
        if data is None:
            return None
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.problem(path, f"must be a number, not {kind_of(data)}")
            return None
        if isinstance(data, int) and not -MAX_NUMBER <= data <= MAX_NUMBER:
            self.problem(path, f"{shown(data)} is too large: whole numbers must lie within ±10^15")
            return None
        if not math.isfinite(data):
            self.problem(path, f"must be a finite number, not {data!r}")
            return None
        return self._range(data, path, lo, hi)

    def _range(self, value: float, path: str, lo: float | None, hi: float | None) -> float:
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = (
                f"{lo:g} to {hi:g}"
                if lo is not None and hi is not None
                else (f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
            )
            self.problem(path, f"{shown(value)} is out of range ({bounds})")
        return value

    def string(self, data: Any, path: str) -> str | None:
        if data is None:
            return None
        if not isinstance(data, str) or not data.strip():
            self.problem(path, f"must be a non-empty string, not {kind_of(data)}")
            return None
        if not encodable(data):
            self.problem(path, f"{shown(data)} {NOT_UNICODE}")
            return None
        return data

    def enum(self, data: Any, path: str, enum: Any) -> Any:
        if data is None:
            return None
        values = [e.value for e in enum]
        if data not in values:
            self.problem(
                path,
                f"{data!r} is not one of {', '.join(values)}",
                suggest(str(data), values) if isinstance(data, str) else None,
            )
            return None
        return enum(data)

    def boolean(self, data: Any, path: str) -> bool | None:
        if data is None:
            return None
        if not isinstance(data, bool):
            self.problem(path, f"must be true or false, not {kind_of(data)}")
            return None
        return data

    def codes(self, data: Any, path: str, valid: Collection[str], what: str) -> list[str]:
        if data is None:
            return []
        if not isinstance(data, list):
            self.problem(path, f"must be a list, not {kind_of(data)}")
            return []
        if len(data) > MAX_LIST:
            self.problem(path, f"has {len(data)} entries; at most {MAX_LIST} are accepted")
            return []
        out = []
        for i, code in enumerate(data):
            if not isinstance(code, str):
                self.problem(f"{path}[{i}]", f"must be a string, not {kind_of(code)}")
            elif code not in valid:
                self.problem(f"{path}[{i}]", f"unknown {what} {code!r}", suggest(code, valid))
            else:
                out.append(code)
        return out
