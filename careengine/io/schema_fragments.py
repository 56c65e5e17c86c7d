"""Building blocks of the JSON Schemas (:mod:`careengine.io.schema`,
:mod:`careengine.io.plan_schema`): nullable values, integer ranges, enums of codes, lists and
closed objects."""

from __future__ import annotations

from typing import Any

from careengine.io.assessment_format import MAX_LIST

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Also accept ``null`` (the loader reads ``null`` as "not given")."""
    out = dict(schema)
    if "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _int(lo: int, hi: int, description: str | None = None, nullable: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": lo, "maximum": hi}
    if description:
        schema["description"] = description
    return _nullable(schema) if nullable else schema


def _choice(values: Any, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"enum": [str(v) for v in values]}
    if description:
        schema["description"] = description
    return _nullable(schema)


def _codes(title: str, codes: Any) -> dict[str, Any]:
    return {"title": title, "type": "string", "enum": sorted(codes)}


def _list_of(item: dict[str, Any], max_items: int = MAX_LIST, **extra: Any) -> dict[str, Any]:
    return {"type": ["array", "null"], "maxItems": max_items, "items": item, **extra}


def _object(
    properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}
