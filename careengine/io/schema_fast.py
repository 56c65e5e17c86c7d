"""A compiled validity check of an assessment schema (``jsonschema-rs``), the fast path of
:class:`careengine.io.schema_check.SchemaChecker`.

It answers one question, whether the data is valid, and only where it answers exactly as
``jsonschema`` would: invalid data goes through ``jsonschema``, whose errors are translated into
today's located messages, so both paths report the same problems. The check is built only for a
schema whose every keyword, pattern and format is known to mean the same in both libraries
(:data:`KEYWORDS`); for any other schema there is no fast path. Two meanings differ and are
mended here (``tests/io/test_schema_fast.py`` holds both libraries against each other):

* ``\\S`` in a ``pattern``: Python's whitespace (:meth:`str.isspace`) includes U+001C-U+001F and
  U+0085 and leaves out U+FEFF; ``jsonschema-rs`` (ECMA-262) the other way round. The pattern is
  handed over as an explicit class of Python's whitespace;
* ``format: date``: ``jsonschema-rs`` accepts the year 0000, which Python's calendar has not.
  The date format is checked by :func:`is_date`, ``jsonschema``'s own rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

#: the keywords whose meaning was compared (draft 2020-12); annotations are ignored by both
KEYWORDS = frozenset(
    {
        "$id",
        "$schema",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "contains",
        "description",
        "else",
        "enum",
        "format",
        "if",
        "items",
        "maxContains",
        "maxItems",
        "maximum",
        "minContains",
        "minItems",
        "minimum",
        "not",
        "oneOf",
        "pattern",
        "properties",
        "propertyNames",
        "required",
        "then",
        "title",
        "type",
        "uniqueItems",
    }
)
#: Python's whitespace, as ``re``'s ``\s`` (and :meth:`str.isspace`) has it (a test recomputes it)
PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: the patterns whose meaning is known, as they are handed to ``jsonschema-rs``
PATTERNS = {r"\S": "[^" + "".join(f"\\u{{{ord(c):04X}}}" for c in PY_SPACE) + "]"}
FORMATS = frozenset({"date"})
#: the keywords whose value is a schema or a list of schemas
_SUBSCHEMAS = frozenset(
    {"additionalProperties", "allOf", "anyOf", "contains", "else", "if", "items", "not", "oneOf"}
    | {"propertyNames", "then"}
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def is_date(instance: str) -> bool:
    """``jsonschema``'s ``date`` format: ``YYYY-MM-DD`` that is a day of Python's calendar."""
    if not _DATE.fullmatch(instance):
        return False
    try:
        date.fromisoformat(instance)
    except ValueError:
        return False
    return True


def _translated(node: Any) -> Any:
    """The schema as handed to ``jsonschema-rs``; raises KeyError on anything not compared."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in KEYWORDS:
                raise KeyError(key)
            if key == "pattern":
                out[key] = PATTERNS[value]
            elif key == "format":
                if value not in FORMATS:
                    raise KeyError(value)
                out[key] = value
            elif key == "properties":
                out[key] = {name: _translated(sub) for name, sub in value.items()}
            elif key in _SUBSCHEMAS:
                out[key] = _translated(value)
            else:  # a value, not a schema
                out[key] = value
        return out
    if isinstance(node, list):
        return [_translated(v) for v in node]
    return node


def fast_validity(inlined: Mapping[str, Any]) -> Callable[[Any], bool] | None:
    """``is_valid`` of a compiled ``jsonschema-rs`` validator of ``inlined`` (a schema without
    ``$ref``, :func:`careengine.io.schema_check.inline_refs`), or ``None``: ``jsonschema-rs``
    is not installed, or the schema uses something whose meaning was not compared. (The caller
    decides whether ``CAREENGINE_PURE_PYTHON`` applies.)"""
    from careengine.speedups import optional  # not at import: `python -m careengine.speedups`

    rs = optional("jsonschema_rs", {})
    if rs is None:
        return None
    try:
        schema = _translated(inlined)
    except KeyError:
        return None
    validator = rs.Draft202012Validator(schema, validate_formats=True, formats={"date": is_date})
    check: Callable[[Any], bool] = validator.is_valid
    return check
