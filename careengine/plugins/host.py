"""Plugin loading and a typed wrapper around pluggy with one method per hook.

There is no module-level plugin manager: every :class:`~careengine.engine.Engine` builds its own
with :func:`get_plugin_manager`. Sources, in this order:

1. core plugins (output renderers) and built-in plugins (the clinical knowledge base,
   ``careengine_plugins.DEFAULT_PLUGINS``), registered exactly like a clinic's plugin;
2. installed distributions' entry points in the ``careengine`` group;
3. extra plugins passed by the caller: importable module names, ``.py`` file paths, or objects.

``allow`` (``CAREENGINE_PLUGINS`` on the CLI) restricts entry-point and extra plugins to the named
ones; ``block`` (``CAREENGINE_DISABLE_PLUGINS``) skips any plugin, built-ins included.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import click
import pluggy

from careengine.errors import CareEngineError, PluginError, Problem
from careengine.model import Assessment, Classification, DerivedFact, Plan
from careengine.plugins import hookspecs
from careengine.plugins.hook_names import unmarked_hooks
from careengine.plugins.registry import (
    Catalog,
    CatalogRegistry,
    Renderer,
    RendererRegistry,
    RulePackRegistry,
)
from careengine.version import __version__

ENTRY_POINT_GROUP = "careengine"
CORE_PLUGINS: tuple[str, ...] = ("careengine.render.builtin",)


def installed_plugins() -> list[importlib.metadata.EntryPoint]:
    """The entry points of installed distributions in the ``careengine`` group, by name."""
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return sorted(found, key=lambda e: e.name)


def default_plugins() -> tuple[str, ...]:
    """The built-in knowledge base's plugin modules."""
    try:
        module = importlib.import_module("careengine_plugins")
    except ImportError as exc:  # pragma: no cover - shipped with the distribution
        raise PluginError(
            f"built-in plugins do not import: {exc}", plugin="careengine_plugins"
        ) from exc
    return tuple(module.DEFAULT_PLUGINS)


@attrs.frozen(kw_only=True)
class PluginInfo:
    name: str
    version: str
    distribution: str | None
    hooks: tuple[str, ...]
    builtin: bool
    source: str  # "core" | "builtin" | "entry_point" | "module" | "path" | "object"


def _load_path(path: Path) -> ModuleType:
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    module_name = f"careengine_local_{resolved.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _dist_of_module(module_name: str) -> tuple[str | None, str]:
    top = module_name.split(".")[0]
    for dist in importlib.metadata.packages_distributions().get(top, []):
        try:
            return dist, importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover
            continue
    return None, "unknown"


class PluginHost:
    """A typed wrapper around a pluggy manager: one method per hook."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        #: hook name -> (its implementations as pluggy lists them, in calling order): the order
        #: is worked out again only when the implementations change
        self._ordered: dict[str, tuple[tuple[pluggy.HookImpl, ...], tuple[pluggy.HookImpl, ...]]]
        self._ordered = {}

    # --- registration -----------------------------------------------------------------------

    def register(
        self,
        plugin: object,
        *,
        name: str,
        version: str,
        distribution: str | None,
        source: str,
    ) -> None:
        if name in self.infos:
            raise PluginError(
                f"a plugin named {name!r} is already registered "
                f"(from {self.infos[name].distribution or self.infos[name].source})",
                plugin=name,
                distribution=distribution,
            )
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc), plugin=name, distribution=distribution) from exc
        hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
        self.infos[name] = PluginInfo(
            name=name,
            version=version,
            distribution=distribution,
            hooks=hooks,
            builtin=source in ("core", "builtin"),
            source=source,
        )

    def check_pending(self) -> None:
        """Fail on a function named like a hook that careengine would never call: one marked
        ``@hookimpl`` whose name is no hook (a misspelling), or a ``careengine_*`` function not
        marked ``@hookimpl`` at all (pluggy ignores it silently). Names the plugin and the
        function, with the closest hook name for a misspelling."""
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda np: np[0]):
            problems = unmarked_hooks(plugin)
            if problems:
                info = self.infos.get(name)
                error = PluginError(
                    problems[0], plugin=name, distribution=info.distribution if info else None
                )
                if len(problems) > 1:  # one line each, every line naming the plugin
                    origin = error.message[: len(error.message) - len(problems[0])]
                    error.problems = tuple(Problem(message=origin + p) for p in problems)
                raise error
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:  # pragma: no cover - covered above
            raise PluginError(str(exc), plugin=getattr(exc.plugin, "__name__", None)) from exc

    # --- calling ------------------------------------------------------------------------------

    def _impls(self, hook: str) -> tuple[pluggy.HookImpl, ...]:
        caller = getattr(self.pm.hook, hook)
        impls = tuple(caller.get_hookimpls())
        known = self._ordered.get(hook)
        if known is not None and known[0] == impls:
            return known[1]

        def order(impl: pluggy.HookImpl) -> tuple[int, bool, str]:
            # built-ins before a clinic's plugins, whatever their names: a clinic's reviewer
            # takes its last look at the plan the built-in pathways made
            rank = 0 if impl.tryfirst else 2 if impl.trylast else 1
            info = self.infos.get(impl.plugin_name)
            return (rank, not (info is not None and info.builtin), impl.plugin_name)

        ordered = tuple(sorted(impls, key=order))
        self._ordered[hook] = (impls, ordered)
        return ordered

    def _call(
        self, hook: str, impl: pluggy.HookImpl, *, consume: bool = False, **kwargs: Any
    ) -> Any:
        """Call one implementation; ``consume`` lists an iterable result inside the guard, so that
        a generator raising while it is consumed also becomes a PluginError."""
        args = {name: kwargs[name] for name in impl.argnames}
        try:
            result: Any = impl.function(**args)  # whatever the hook returns
            return list(result) if consume and result is not None else result
        except CareEngineError:
            raise
        except Exception as exc:
            info = self.infos.get(impl.plugin_name)
            raise PluginError(
                f"raised {type(exc).__name__}: {exc}",
                plugin=impl.plugin_name,
                distribution=info.distribution if info else None,
                hook=hook,
            ) from exc

    def _each(self, hook: str, registry: Any) -> None:
        for impl in self._impls(hook):
            registry.current_plugin = impl.plugin_name
            self._call(hook, impl, registry=registry)
        registry.current_plugin = "?"

    def catalog(self, *, check: bool = True) -> Catalog:
        """The merged catalog; ``check``: validate every entry
        (:mod:`careengine.plugins.catalog_check`)."""
        registry = CatalogRegistry()
        self._each("careengine_catalog", registry)
        return registry.build(check=check)

    def rule_packs(self) -> RulePackRegistry:
        registry = RulePackRegistry()
        self._each("careengine_rule_packs", registry)
        return registry

    def renderers(self) -> dict[str, Renderer]:
        registry = RendererRegistry()
        self._each("careengine_renderers", registry)
        return dict(sorted(registry.renderers.items()))

    def derive_facts(
        self, assessment: Assessment
    ) -> list[tuple[str, DerivedFact | Classification]]:
        out: list[tuple[str, DerivedFact | Classification]] = []
        for impl in self._impls("careengine_derive_facts"):
            result = self._call(
                "careengine_derive_facts", impl, consume=True, assessment=assessment
            )
            for item in result or ():
                if not isinstance(item, DerivedFact | Classification):
                    raise PluginError(
                        f"returned {item!r}; expected DerivedFact or Classification",
                        plugin=impl.plugin_name,
                        hook="careengine_derive_facts",
                    )
                out.append((impl.plugin_name, item))
        return out

    def review_plan(
        self,
        plan: Plan,
        assessment: Assessment,
        check: Callable[[Plan, Plan, str], None],
        *,
        options: Mapping[str, str],
        catalog: Catalog,
        previous: Plan | None = None,
    ) -> Plan:
        """Run every reviewer in turn; ``check(before, after, plugin)`` raises when a reviewer's
        plan breaks a safety invariant of the plan it was given
        (:mod:`careengine.pipeline.safety`). ``options``, ``catalog`` and ``previous`` (the
        plan a reassessment started from) reach the reviewers that name them."""
        context: dict[str, Any] = {"options": options, "catalog": catalog, "previous": previous}
        for impl in self._impls("careengine_review_plan"):
            result = self._call(
                "careengine_review_plan", impl, plan=plan, assessment=assessment, **context
            )
            if result is None:
                continue
            if not isinstance(result, Plan):
                raise PluginError(
                    f"returned {type(result).__name__}; expected a Plan or None",
                    plugin=impl.plugin_name,
                    hook="careengine_review_plan",
                )
            check(plan, result, impl.plugin_name)
            plan = result
        return plan

    def commands(self, cli: click.Group) -> None:
        for impl in self._impls("careengine_commands"):
            before = dict(cli.commands)
            self._call("careengine_commands", impl, cli=cli)
            for name, command in before.items():
                if cli.commands.get(name) is not command:
                    raise PluginError(
                        f"replaced the existing command {name!r}",
                        plugin=impl.plugin_name,
                        hook="careengine_commands",
                    )


def _resolve(
    spec: str | object,
) -> tuple[object, str, str, str | None, str]:
    """(plugin object, name, version, distribution, source) for an extra plugin."""
    if isinstance(spec, str):
        if spec.endswith(".py") or "/" in spec or "\\" in spec:
            path = Path(spec)
            if not path.is_file():
                raise PluginError(f"no plugin file at {spec}", plugin=spec)
            try:
                module = _load_path(path)
            except Exception as exc:
                raise PluginError(
                    f"failed to import: {type(exc).__name__}: {exc}", plugin=path.stem
                ) from exc
            return module, path.stem, "local", None, "path"
        try:
            module = importlib.import_module(spec)
        except Exception as exc:
            raise PluginError(
                f"failed to import: {type(exc).__name__}: {exc}", plugin=spec
            ) from exc
        dist, version = _dist_of_module(spec)
        return module, spec, version, dist, "module"
    name = getattr(spec, "__name__", None) or type(spec).__name__
    return spec, name, "local", None, "object"


def get_plugin_manager(
    *,
    builtins: bool | Sequence[str] = True,
    core: bool = True,
    entry_points: bool = True,
    extra: Iterable[str | object] = (),
    allow: Collection[str] | None = None,
    block: Collection[str] = (),
) -> PluginHost:
    """Build a fresh :class:`PluginHost`.

    :param builtins: ``True`` for the built-in knowledge base, ``False`` for none, or a list of
        module names to use instead.
    :param core: the core plugins (the output renderers, :data:`CORE_PLUGINS`).
    :param entry_points: load installed plugins from the ``careengine`` entry-point group.
    :param extra: more plugins: module names, ``.py`` paths or plugin objects.
    :param allow: when given, only these entry-point/extra plugins load (by plugin or
        distribution name).
    :param block: plugins never to load (by plugin or distribution name), built-ins included.
    """
    host = PluginHost()
    blocked = set(block)

    def wanted(name: str, dist: str | None, restricted: bool) -> bool:
        if name in blocked or (dist is not None and dist in blocked):
            return False
        if restricted and allow is not None:
            return name in allow or (dist is not None and dist in allow)
        return True

    modules = list(CORE_PLUGINS) if core else []
    if builtins is True:
        modules += default_plugins()
    elif builtins:
        modules += list(builtins)
    for module_name in modules:
        if not wanted(module_name, "careengine", restricted=False):
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise PluginError(
                f"failed to import: {type(exc).__name__}: {exc}",
                plugin=module_name,
                distribution="careengine",
            ) from exc
        source = "core" if module_name in CORE_PLUGINS else "builtin"
        host.register(
            module, name=module_name, version=__version__, distribution="careengine", source=source
        )

    if entry_points:
        for ep in installed_plugins():
            dist = ep.dist.name if ep.dist is not None else None
            version = ep.dist.version if ep.dist is not None else "unknown"
            if not wanted(ep.name, dist, restricted=True):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"failed to import: {type(exc).__name__}: {exc}",
                    plugin=ep.name,
                    distribution=dist,
                ) from exc
            host.register(
                plugin, name=ep.name, version=version, distribution=dist, source="entry_point"
            )

    for spec in extra:
        plugin, name, version, dist, source = _resolve(spec)
        if not wanted(name, dist, restricted=True):
            continue
        host.register(plugin, name=name, version=version, distribution=dist, source=source)

    host.check_pending()
    return host
