"""Validate assessment JSON against its published schema and report :class:`Problem` s.

The loader (:mod:`careengine.io.assessment`) runs this first, then its own checks. Both find
most structural problems; :func:`combine` reports each problem once:

* where both report a problem at the same JSON path, the loader's wording is kept (it knows the
  domain: "hip_internal_rotation is measured in 'deg', not 'cm'");
* a loader problem is dropped when the schema pinpoints the same problem further down
  (``patient: is required`` when the schema says ``patient.id: must be a string, not null``);
* everything else from either side is reported.

Problems are ordered as the schema lists the properties, unknown keys first at each level, then
array entries by index: the same order whatever the order of keys in the file.

jsonschema errors are translated into the loader's phrasing: ``must be a whole number, not a
string``, ``11 is out of range (0 to 10)``, ``unknown key 'sevrity' (did you mean 'severity'?)``,
``unknown finding 'glute_weaknes' (did you mean 'glute_weakness'?)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from careengine.errors import Problem, kind_of, suggest
from careengine.io.json_text import format_path, parse_path
from careengine.io.schema import assessment_schema
from careengine.io.schema_fast import fast_validity
from careengine.plugins.registry import Catalog

if TYPE_CHECKING:  # jsonschema is imported when a problem is looked for (cold start)
    import jsonschema

#: At most this many schema errors are translated per file (a huge file stays cheap).
MAX_SCHEMA_ERRORS = 200

_TYPE_NOUNS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "boolean": "true or false",
}
_PATTERN_MESSAGES = {r"\S": "must be a non-empty string"}


def _bounds(schema: Mapping[str, Any]) -> str:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        return f"{lo:g} to {hi:g}"
    return f"at least {lo:g}" if lo is not None else f"at most {hi:g}"


def _shown(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values if v is not None)


def _code_noun(schema: Mapping[str, Any]) -> str | None:
    title = schema.get("title")
    if isinstance(title, str) and title.endswith(" code"):
        return title.removesuffix(" code")
    return None


def translate(error: jsonschema.ValidationError) -> list[tuple[list[str | int], str, str | None]]:
    """One jsonschema error as (path segments, message, suggestion) triples."""
    path: list[str | int] = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    # always set on an error a validator produced (the stubs allow `Unset`): any JSON value
    instance: Any = error.instance
    value: Any = error.validator_value
    keyword = error.validator
    if keyword == "type":
        wanted = [t for t in ([value] if isinstance(value, str) else value) if t != "null"]
        if wanted == ["integer"] and isinstance(instance, float):
            return [(path, f"must be a whole number, not {instance!r}", None)]
        nouns = " or ".join(_TYPE_NOUNS.get(t, t) for t in wanted)
        return [(path, f"must be {nouns}, not {kind_of(instance)}", None)]
    if keyword == "enum":
        choices = [v for v in value if isinstance(v, str)]
        hint = suggest(instance, choices) if isinstance(instance, str) else None
        if "propertyNames" in error.absolute_schema_path:
            path = [*path, str(instance)]
        noun = _code_noun(schema)
        if noun is not None:
            return [(path, f"unknown {noun} {instance!r}", hint)]
        if len(choices) == 1:
            return [(path, f"must be {choices[0]!r}, not {instance!r}", None)]
        return [(path, f"{instance!r} is not one of {_shown(value)}", hint)]
    if keyword == "const":
        return [(path, f"must be {value!r}, not {instance!r}", None)]
    if keyword in ("minimum", "maximum"):
        return [(path, f"{instance!r} is out of range ({_bounds(schema)})", None)]
    if keyword == "required":
        return [([*path, key], "is required", None) for key in value if key not in instance]
    if keyword == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        return [
            ([*path, key], f"unknown key {key!r}", suggest(key, known))
            for key in instance
            if key not in schema.get("properties", {})
        ]
    if keyword in ("minItems", "maxItems"):
        lo, hi = schema.get("minItems"), schema.get("maxItems")
        if lo is not None and lo == hi:
            return [(path, f"must have exactly {lo} entries, not {len(instance)}", None)]
        if keyword == "maxItems":
            return [(path, f"has {len(instance)} entries; at most {value} are accepted", None)]
        return [(path, f"must have at least {value} entries, not {len(instance)}", None)]
    if keyword == "uniqueItems":
        seen: list[Any] = []
        out: list[tuple[list[str | int], str, str | None]] = []
        for i, item in enumerate(instance):
            if item in seen:
                label = f"{item!r}" if isinstance(item, str) else f"item {item}"
                out.append(([*path, i], f"{label} is listed more than once", None))
            seen.append(item)
        return out
    if keyword == "minContains":
        import jsonschema

        contains = jsonschema.Draft202012Validator(schema.get("contains", {}))
        count = sum(1 for item in instance if contains.is_valid(item))
        return [(path, f"only {count} entries are answered; at least {value} are needed", None)]
    if keyword == "format" and value == "date":
        return [(path, f"{instance!r} is not a date YYYY-MM-DD", None)]
    if keyword == "not":
        return [(path, str(schema.get("description", "is not allowed here")), None)]
    if keyword == "pattern":
        return [(path, _PATTERN_MESSAGES.get(value, f"{instance!r} does not match {value}"), None)]
    return [(path, error.message, None)]


@attrs.frozen(kw_only=True)
class _Variant:
    schema: Mapping[str, Any]
    inlined: Mapping[str, Any]
    #: ``jsonschema-rs``'s validity check (:mod:`careengine.io.schema_fast`), when available
    is_valid: Callable[[Any], bool] | None


class SchemaChecker:
    """The catalog's assessment schemas, compiled once (an :class:`Engine` keeps one)."""

    def __init__(self, catalog: Catalog, *, fast: bool | None = None) -> None:
        """``fast``: whether valid data is recognised by ``jsonschema-rs`` (when installed;
        :mod:`careengine.io.schema_fast`); ``None``: unless ``CAREENGINE_PURE_PYTHON`` is set.
        The problems reported are the same either way."""
        from careengine.speedups import (
            pure_python,
        )  # not at import: `python -m careengine.speedups`

        self.catalog = catalog
        self.fast = not pure_python() if fast is None else fast
        self._variants: dict[tuple[bool, bool], _Variant] = {}
        # jsonschema's validators, built when a variant first needs its problems (with the fast
        # check, only for invalid data): building one is the larger part of importing jsonschema
        self._validators: dict[tuple[bool, bool], jsonschema.Draft202012Validator] = {}

    def schema(self, *, followup: bool = False, allow_unknown: bool = False) -> Mapping[str, Any]:
        return self._variant(followup, allow_unknown).schema

    def _variant(self, followup: bool, allow_unknown: bool) -> _Variant:
        key = (followup, allow_unknown)
        if key not in self._variants:
            schema = assessment_schema(self.catalog, followup=followup, allow_unknown=allow_unknown)
            inlined = inline_refs(schema)
            fast = fast_validity(inlined) if self.fast else None
            self._variants[key] = _Variant(schema=schema, inlined=inlined, is_valid=fast)
        return self._variants[key]

    def _validator(self, followup: bool, allow_unknown: bool) -> jsonschema.Draft202012Validator:
        key = (followup, allow_unknown)
        if key not in self._validators:
            import jsonschema

            self._validators[key] = jsonschema.Draft202012Validator(
                self._variant(followup, allow_unknown).inlined,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[key]

    def problems(
        self,
        data: Any,
        *,
        file: str | None = None,
        followup: bool = False,
        allow_unknown: bool = False,
    ) -> list[Problem]:
        """Every schema problem of ``data``: one per JSON path, type errors first."""
        variant = self._variant(followup, allow_unknown)
        if variant.is_valid is not None and _valid(variant.is_valid, data):
            return []
        validator = self._validator(followup, allow_unknown)
        found: dict[str, list[Problem]] = {}
        typed: set[str] = set()
        for count, error in enumerate(validator.iter_errors(data)):
            if count >= MAX_SCHEMA_ERRORS:
                break
            for segments, message, hint in translate(error):
                path = format_path(segments)
                problem = Problem(file=file, path=path, message=message, suggestion=hint)
                if error.validator == "type" and path not in typed:
                    typed.add(path)
                    found[path] = [problem]
                elif path not in typed and problem not in found.setdefault(path, []):
                    found[path].append(problem)
        return [p for problems in found.values() for p in problems]

    def order_key(
        self, data: Any, *, followup: bool = False, allow_unknown: bool = False
    ) -> Callable[[Problem], tuple[tuple[int, int], ...]]:
        """A sort key for problems: the schema's property order, unknown keys first."""
        root = self._variant(followup, allow_unknown).schema

        def key(problem: Problem) -> tuple[tuple[int, int], ...]:
            out: list[tuple[int, int]] = []
            schema: Any = root
            instance: Any = data
            for seg in parse_path(problem.path):
                schema = _resolve(root, schema)
                if isinstance(seg, int):
                    out.append((seg, 0))
                    schema = schema.get("items", {}) if isinstance(schema, Mapping) else {}
                    instance = instance[seg] if _indexable(instance, seg) else None
                    continue
                props = list(schema.get("properties", {})) if isinstance(schema, Mapping) else []
                if seg in props:
                    out.append((props.index(seg), 0))
                    schema = schema["properties"][seg]
                else:  # an unknown key: first, in the order of the file
                    keys = list(instance) if isinstance(instance, dict) else []
                    out.append((-1, keys.index(seg) if seg in keys else len(keys)))
                    extra = schema.get("additionalProperties") if schema else None
                    schema = extra if isinstance(extra, Mapping) else {}
                instance = instance.get(seg) if isinstance(instance, dict) else None
            return tuple(out)

        return key


def inline_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with every local ``$ref`` replaced by its definition: the same meaning,
    validated about twice as fast (no reference lookups)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, Mapping):
            if "$ref" in node:
                target = walk(defs[node["$ref"].rsplit("/", 1)[-1]])
                rest = {k: walk(v) for k, v in node.items() if k != "$ref"}
                return {**target, **rest}
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)  # a mapping walks to a dict
    return inlined


def _valid(is_valid: Callable[[Any], bool], data: Any) -> bool:
    """Whether the fast check says ``data`` is valid; data it cannot take (an integer beyond
    64 bits, a lone surrogate) goes the pure-Python way."""
    try:
        return is_valid(data)
    except Exception:  # its conversion errors are of several kinds; all mean "not known"
        return False


def _indexable(instance: Any, index: int) -> bool:
    return isinstance(instance, list) and 0 <= index < len(instance)


def _resolve(root: Mapping[str, Any], schema: Any) -> Any:
    """Follow a local ``$ref`` (``#/$defs/name``)."""
    while isinstance(schema, Mapping) and "$ref" in schema:
        ref = schema["$ref"]
        schema = root.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {})
    return schema


def _below(path: str, ancestor: str) -> bool:
    """Whether ``path`` lies strictly inside ``ancestor`` (``$`` holds everything)."""
    if ancestor == "$":
        return path != "$"
    return path.startswith(ancestor) and path[len(ancestor) : len(ancestor) + 1] in (".", "[")


def combine(
    schema_problems: Sequence[Problem],
    loader_problems: Sequence[Problem],
    order: Callable[[Problem], Any],
) -> list[Problem]:
    """Each problem once (see the module docstring), sorted by ``order``."""
    loader_paths = {p.path or "$" for p in loader_problems}
    schema_paths = {p.path or "$" for p in schema_problems}
    out = [p for p in schema_problems if (p.path or "$") not in loader_paths]
    for p in loader_problems:
        path = p.path or "$"
        if path not in schema_paths and any(_below(s, path) for s in schema_paths):
            continue  # the schema says more precisely what is wrong below this path
        out.append(p)
    unique = list(dict.fromkeys(out))
    return sorted(unique, key=order)
