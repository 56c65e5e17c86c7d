"""The plugin host (:mod:`~careengine.plugins.host`), the hook specifications plugins implement
(:mod:`~careengine.plugins.hookspecs`), the registries they fill
(:mod:`~careengine.plugins.registry`) and the catalog checks
(:mod:`~careengine.plugins.catalog_check`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from careengine.plugins.host import (
        ENTRY_POINT_GROUP,
        PluginHost,
        PluginInfo,
        default_plugins,
        get_plugin_manager,
        installed_plugins,
    )


def __getattr__(name: str) -> Any:
    """The host's names, imported when first used (PEP 562): importing a submodule such as
    :mod:`~careengine.plugins.registry` or :mod:`~careengine.plugins.hookspecs` runs this package
    first, and must not load the host (pluggy, the model, entry points) with it."""
    if name not in __all__:
        raise AttributeError(f"module 'careengine.plugins' has no attribute {name!r}")
    from careengine.plugins import host

    return getattr(host, name)


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginHost",
    "PluginInfo",
    "default_plugins",
    "get_plugin_manager",
    "installed_plugins",
]
