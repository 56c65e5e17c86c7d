"""Registries the hooks fill: catalog, rule packs and renderers.

Each registry remembers which plugin registered what, so a duplicate is rejected with an error
that names both plugins. Nothing is ever overwritten silently.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from careengine.errors import PluginError, Problem, RulePackError
from careengine.model import Intervention, InterventionKind, Plan, Stage, Term, TermKind
from careengine.plugins.options import OptionSpec
from careengine.rules.model import Call, Rule, RulePack


class _Registry:
    """Base: tracks the plugin currently being called (set by the plugin host)."""

    def __init__(self) -> None:
        self.current_plugin = "?"
        self._owners: dict[tuple[str, str], str] = {}

    def _claim(self, kind: str, key: str, hook: str) -> None:
        owner = self._owners.get((kind, key))
        if owner is not None:
            raise PluginError(
                f"{kind} {key!r} is already registered by plugin {owner}",
                plugin=self.current_plugin,
                hook=hook,
            )
        self._owners[(kind, key)] = self.current_plugin

    def owner(self, kind: str, key: str) -> str | None:
        return self._owners.get((kind, key))


#: A derived fact's value: what ``careengine_derive_facts`` and ``derive`` actions assert.
DerivedValue = bool | int | float | str


def _values(values: Any) -> tuple[Any, ...] | None:
    if values is None:
        return None
    if isinstance(values, str | bool | int | float):  # one value, not a string of letters
        return (values,)
    return tuple(values)


@attrs.frozen(kw_only=True)
class DerivedCode:
    """A derived-fact code a plugin's ``careengine_derive_facts`` can produce.

    ``values`` lists every value it can take (a closed set such as ``("low", "medium",
    "high")``); ``None`` means any value (a score). Rules matching the code, or comparing it
    with a value outside ``values``, are checked against this declaration when they load.
    """

    code: str
    values: tuple[DerivedValue, ...] | None = attrs.field(default=None, converter=_values)
    label: str = ""


@attrs.frozen(kw_only=True)
class Catalog:
    """The merged, read-only catalog of every plugin."""

    terms: Mapping[tuple[TermKind, str], Term]
    interventions: Mapping[str, Intervention]
    stages: tuple[Stage, ...]
    owners: Mapping[tuple[str, str], str]
    #: derived-fact codes the plugins declared (``registry.add_derived``), by code
    derived: Mapping[str, DerivedCode] = attrs.field(factory=dict)
    #: clinic options the plugins declared (``registry.add_option``), by name
    options: Mapping[str, OptionSpec] = attrs.field(factory=dict)
    #: codes per kind, computed once (loading and validation ask for them constantly)
    _codes: Mapping[TermKind, tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False)
    _code_sets: Mapping[TermKind, frozenset[str]] = attrs.field(init=False, repr=False, eq=False)
    _impairments: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _vetoed_by: Mapping[str, frozenset[str]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_kind: dict[TermKind, list[str]] = {kind: [] for kind in TermKind}
        for kind, code in self.terms:
            by_kind[kind].append(code)
        object.__setattr__(self, "_codes", {k: tuple(sorted(v)) for k, v in by_kind.items()})
        object.__setattr__(self, "_code_sets", {k: frozenset(v) for k, v in by_kind.items()})
        impairments = frozenset(
            t.code for t in self.terms.values() if t.kind is TermKind.FINDING and t.impairment
        )
        object.__setattr__(self, "_impairments", impairments)
        vetoed_by: dict[str, set[str]] = {}
        for intervention in self.interventions.values():
            for condition in intervention.contraindications_absolute:
                vetoed_by.setdefault(condition, set()).add(intervention.id)
        object.__setattr__(self, "_vetoed_by", {k: frozenset(v) for k, v in vetoed_by.items()})

    def codes(self, kind: TermKind) -> tuple[str, ...]:
        """The codes of one kind, sorted."""
        return self._codes[kind]

    def code_set(self, kind: TermKind) -> frozenset[str]:
        """The codes of one kind, for membership tests."""
        return self._code_sets[kind]

    def term(self, kind: TermKind, code: str) -> Term | None:
        return self.terms.get((kind, code))

    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    def impairments(self) -> frozenset[str]:
        return self._impairments

    def absolutely_contraindicated(self, conditions: Iterable[str]) -> frozenset[str]:
        """The interventions an absolute contraindication rules out for these conditions."""
        return frozenset().union(*(self._vetoed_by.get(c, ()) for c in conditions))


class CatalogRegistry(_Registry):
    def __init__(self) -> None:
        super().__init__()
        self._terms: dict[tuple[TermKind, str], Term] = {}
        self._interventions: dict[str, Intervention] = {}
        self._stages: dict[str, Stage] = {}
        self._derived: dict[str, DerivedCode] = {}
        self._options: dict[str, OptionSpec] = {}

    def add_term(
        self,
        code: str,
        kind: TermKind | str,
        label: str,
        *,
        region: str | None = None,
        impairment: bool = False,
        unit: str | None = None,
    ) -> Term:
        term = Term(
            code=code,
            kind=TermKind(kind),
            label=label,
            region=region,
            impairment=impairment,
            unit=unit,
        )
        self.add(term)
        return term

    def add_derived(
        self,
        code: str,
        *,
        values: Iterable[DerivedValue] | None = None,
        label: str = "",
    ) -> DerivedCode:
        """Declare a derived-fact code this plugin's ``careengine_derive_facts`` produces, with
        every value it can take (``None``: any value, e.g. a score). A classification ``name``
        with a key ``key`` produces the code ``name.key``."""
        derived = DerivedCode(code=code, values=values, label=label)
        self.add(derived)
        return derived

    def add_option(
        self, name: str, *, values: Iterable[str], default: str, description: str
    ) -> OptionSpec:
        """Declare a clinic option (:mod:`careengine.plugins.options`): the ``values`` a caller
        may choose, the ``default`` and a one-line ``description``; the chosen value reaches
        ``careengine_review_plan`` as ``options[name]``."""
        option = OptionSpec(
            name=name, values=tuple(values), default=default, description=description
        )
        problems = option.problems()
        if problems:
            raise PluginError(
                "; ".join(problems), plugin=self.current_plugin, hook="careengine_catalog"
            )
        self._claim("option", name, "careengine_catalog")
        self._options[name] = attrs.evolve(option, plugin=self.current_plugin)
        return self._options[name]

    def add(self, item: Term | Intervention | Stage | DerivedCode) -> None:
        """Register a term, an intervention, a stage or a derived-fact code."""
        if isinstance(item, DerivedCode):
            self._claim("derived code", item.code, "careengine_catalog")
            self._derived[item.code] = item
        elif isinstance(item, Term):
            self._claim(f"{item.kind.value} code", item.code, "careengine_catalog")
            self._terms[(item.kind, item.code)] = item
        elif isinstance(item, Intervention):
            self._claim("intervention", item.id, "careengine_catalog")
            kind = item.kind
            if type(kind) is str and kind in {k.value for k in InterventionKind}:
                item = attrs.evolve(item, kind=InterventionKind(kind))  # a plain string
            self._interventions[item.id] = item
        elif isinstance(item, Stage):
            self._claim("stage", item.id, "careengine_catalog")
            self._stages[item.id] = item
        else:
            raise PluginError(
                f"cannot register {item!r} in the catalog", plugin=self.current_plugin
            )

    add_intervention = add
    add_stage = add

    def add_all(self, items: Iterable[Term | Intervention | Stage | DerivedCode]) -> None:
        for item in items:
            self.add(item)

    def build(self, *, check: bool = True) -> Catalog:
        """The merged catalog. With ``check`` (the default) every code in every entry is
        validated first (:func:`careengine.plugins.catalog_check.catalog_problems`): one
        :class:`~careengine.errors.PluginError` lists every problem, naming the plugin and the
        entry. ``check=False`` is for ``careengine rules lint``, which reports them itself."""
        catalog = Catalog(
            terms=dict(sorted(self._terms.items(), key=lambda kv: (kv[0][0].value, kv[0][1]))),
            interventions=dict(sorted(self._interventions.items())),
            stages=tuple(sorted(self._stages.values(), key=lambda s: (s.order, s.id))),
            owners=dict(self._owners),
            derived=dict(sorted(self._derived.items())),
            options=dict(sorted(self._options.items())),
        )
        if check:
            from careengine.plugins.catalog_check import raise_catalog_problems

            raise_catalog_problems(catalog)
        return catalog


def _describe(value: Any) -> Any:
    """A canonical, JSON-able description of rules (for a Python pack's sha256)."""
    if isinstance(value, Call):
        return {"call": value.name, "derives": list(value.derives)}
    if attrs.has(type(value)):
        return {
            "@": type(value).__name__,
            **{f.name: _describe(getattr(value, f.name)) for f in attrs.fields(type(value))},
        }
    if isinstance(value, Mapping):
        return {str(k): _describe(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_describe(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def rules_digest(rules: Sequence[Rule]) -> str:
    blob = json.dumps(_describe(list(rules)), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class RulePackRegistry(_Registry):
    def __init__(self) -> None:
        super().__init__()
        self.packs: list[RulePack] = []
        self.paths: list[tuple[Path, str]] = []

    def add_path(self, path: str | Path) -> None:
        """A ``.toml`` rule pack or a directory of them (loaded and validated by the engine)."""
        self.paths.append((Path(path), self.current_plugin))

    def add_pack(
        self,
        *,
        id: str,
        version: str,
        rules: Sequence[Rule],
        title: str = "",
        population: str = "",
        sources: Sequence[str] = (),
    ) -> RulePack:
        """A pack of Python rules; each rule's id is prefixed with ``<pack id>.``."""
        prefixed = tuple(attrs.evolve(r, id=f"{id}.{r.id}") for r in rules)
        pack = RulePack(
            id=id,
            version=version,
            title=title,
            population=population,
            sources=tuple(sources),
            rules=prefixed,
            sha256=rules_digest(prefixed),
            file=None,
            plugin=self.current_plugin,
        )
        self.add(pack)
        return pack

    def add(self, pack: RulePack) -> None:
        if not pack.plugin or pack.plugin == "?":
            pack = attrs.evolve(pack, plugin=self.current_plugin)
        self.packs.append(pack)


def check_unique(packs: Sequence[RulePack]) -> None:
    """Pack ids and rule ids must be unique across every pack."""
    problems: list[Problem] = []
    seen_packs: dict[str, RulePack] = {}
    seen_rules: dict[str, RulePack] = {}
    for pack in packs:
        where = pack.file or f"plugin {pack.plugin}"
        if pack.id in seen_packs:
            other = seen_packs[pack.id]
            problems.append(
                Problem(
                    file=pack.file,
                    path="pack.id",
                    # a file-less (Python) pack names its plugin here: the Problem has no file
                    message=f"duplicate pack id {pack.id!r}"
                    + ("" if pack.file else f" in {where}")
                    + f" (also in {other.file or 'plugin ' + other.plugin})",
                )
            )
            continue
        seen_packs[pack.id] = pack
        for rule in pack.rules:
            if rule.id in seen_rules:
                other = seen_rules[rule.id]
                problems.append(
                    Problem(
                        file=pack.file,
                        rule_id=rule.id,
                        message=f"duplicate rule id {rule.id!r} in {where} "
                        f"(also in {other.file or 'plugin ' + other.plugin})",
                    )
                )
            seen_rules[rule.id] = pack
    if problems:
        raise RulePackError("duplicate ids", problems=problems)


@attrs.frozen(kw_only=True)
class RenderContext:
    """What a renderer may use besides the plan."""

    catalog: Catalog
    #: whether the JSON plan writer uses ``orjson`` (:func:`careengine.render.plan_json.plan_json`
    #: ``fast``): decided once per engine by :meth:`of`; ``None``: decided at each call
    fast_json: bool | None = None

    @classmethod
    def of(cls, catalog: Catalog) -> RenderContext:
        """An engine's context: ``fast_json`` decided now (``CAREENGINE_PURE_PYTHON``, orjson
        installed), without importing orjson (imported when a plan is first written)."""
        from careengine.speedups import available  # not at import: `python -m careengine.speedups`

        return cls(catalog=catalog, fast_json=available("orjson"))


Render = Callable[[Plan, RenderContext], str]


@attrs.frozen(kw_only=True)
class Renderer:
    name: str
    render: Render
    extension: str
    media_type: str
    plugin: str


class RendererRegistry(_Registry):
    def __init__(self) -> None:
        super().__init__()
        self.renderers: dict[str, Renderer] = {}

    def add(self, name: str, render: Render, *, extension: str, media_type: str) -> None:
        self._claim("renderer", name, "careengine_renderers")
        self.renderers[name] = Renderer(
            name=name,
            render=render,
            extension=extension,
            media_type=media_type,
            plugin=self.current_plugin,
        )
