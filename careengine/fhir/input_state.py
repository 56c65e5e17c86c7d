"""Bookkeeping shared by the FHIR input readers, and helpers for reading FHIR datatypes.

:class:`MappingState` builds the careengine assessment JSON while remembering, for every field,
the FHIR path it came from (``where``), so that a problem found later in the JSON can be reported
at its FHIR path (:func:`remap`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

import attrs

from careengine.assessment_io import NOT_UNICODE, encodable
from careengine.errors import Problem
from careengine.registry import Catalog

Resource = Mapping[str, Any]


class Skip(Exception):
    """The resource asserts nothing current (a documented pass-over, not a problem)."""


class MappingState:
    """The assessment JSON being built, where each part came from, and what went wrong."""

    def __init__(self, catalog: Catalog, file: str | None, allow_unknown: bool) -> None:
        self.catalog = catalog
        self.file = file
        self.allow_unknown = allow_unknown
        self.problems: list[Problem] = []
        self.unmapped: list[str] = []
        self.data: dict[str, Any] = {}
        self.where: dict[str, str] = {}  # assessment JSON path -> FHIR path
        self.dates: list[tuple[str, str]] = []  # (date, FHIR path) of every dated resource

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(file=self.file, path=path, message=message))

    def unmappable(self, path: str, resource: Resource, detail: str = "") -> None:
        """A resource (or part) that maps onto nothing: an error, or listed as unrecognized."""
        what = " ".join(p for p in (str(resource.get("resourceType", "resource")), detail) if p)
        if not encodable(what):  # it would be written into the plan or a message as it is
            self.problem(path, f"{what!r} {NOT_UNICODE}")
            return
        if self.allow_unknown:
            self.unmapped.append(f"{path}: {what}")
        else:
            self.problem(path, f"cannot map {what} onto the assessment (see docs/fhir.md)")

    def locate(self, dotted: str, fhir_path: str) -> None:
        """Remember where ``dotted`` (and each enclosing block, first seen) came from."""
        parts = dotted.split(".")
        resource = fhir_path.split(".resource")[0] + ".resource"
        for n in range(1, len(parts)):
            self.where.setdefault(".".join(parts[:n]), resource)
        self.where[dotted] = fhir_path

    def put(self, dotted: str, value: Any, fhir_path: str) -> None:
        """Set a single-valued field of the assessment JSON, refusing a second value."""
        if dotted in self.where:
            self.problem(fhir_path, f"{dotted} is given twice (also at {self.where[dotted]})")
            return
        node = self.data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
        self.locate(dotted, fhir_path)

    def append(self, dotted: str, value: Any, fhir_path: str) -> None:
        node = self.data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        items = node.setdefault(leaf, [])
        self.locate(f"{dotted}[{len(items)}]", fhir_path)
        items.append(value)


def codes_of(concept: Any) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [
        (str(x.get("system")), str(x.get("code")))
        for x in concept.get("coding") or ()
        if isinstance(x, dict)
    ]


def value_path(path: str, obs: Resource) -> str:
    """The path of an Observation's value element (``...valueQuantity.value``)."""
    if "valueQuantity" in obs:
        return f"{path}.valueQuantity.value"
    return next((f"{path}.{k}" for k in sorted(value_elements(obs))), path)


def value_elements(resource: Resource) -> set[str]:
    """The value[x] elements a resource carries."""
    return {k for k in resource if k.startswith("value") and k[5:6].isupper()}


def code_in(codes: list[tuple[str, str]], system: str) -> str | None:
    """The code from ``system`` among ``codes`` (every coding is read), or None. Two different
    codes from one system cannot both be meant: :class:`Ambiguous`."""
    found = list(dict.fromkeys(code for s, code in codes if s == system))
    if len(found) > 1:
        raise Ambiguous(system, found)
    return found[0] if found else None


class Ambiguous(ValueError):
    """A CodeableConcept with two different codes from one careengine-read system."""

    def __init__(self, system: str, codes: list[str]) -> None:
        super().__init__(
            f"has {len(codes)} different codes from {system} ({', '.join(codes)}); "
            "careengine cannot tell which one is meant"
        )


def shown(codes: list[tuple[str, str]]) -> str:
    return ", ".join(f"{s}|{code}" for s, code in codes) or "(none)"


def calendar_date(value: Any) -> str:
    """The calendar date of a FHIR date or dateTime (``2026-11-20T09:30:00+01:00`` -> date)."""
    text = str(value)
    return text[:10] if len(text) > 10 and text[10] == "T" else text


def age_on(birth: Any, on: str | None) -> int | None:
    try:
        born = datetime.date.fromisoformat(str(birth))
        day = datetime.date.fromisoformat(on) if on else None
    except ValueError:
        return None
    if day is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


_FINDING_REFERENCE = re.compile(r"\bfindings\[\d+\]")


def remap(problem: Problem, where: Mapping[str, str]) -> Problem:
    """A problem found in the mapped assessment JSON, given the FHIR path of the element (or
    else the resource) it came from; a path nothing maps to is left as the assessment path.
    A finding the message refers to (``... in findings[0]``) is named by its resource too."""

    def fhir(path: str) -> str:
        best = ""
        for key in where:
            if (path == key or path.startswith((key + ".", key + "["))) and len(key) > len(best):
                best = key
        return where[best] if best else path

    message = _FINDING_REFERENCE.sub(lambda m: fhir(m[0]), problem.message)
    return attrs.evolve(problem, path=fhir(problem.path or "$"), message=message)
