"""The plugin host (:mod:`~careengine.plugins.host`), the hook specifications plugins implement
(:mod:`~careengine.plugins.hookspecs`), the registries they fill
(:mod:`~careengine.plugins.registry`) and the catalog checks
(:mod:`~careengine.plugins.catalog_check`).
"""

from __future__ import annotations

from careengine.plugins.host import (
    ENTRY_POINT_GROUP,
    PluginHost,
    PluginInfo,
    default_plugins,
    get_plugin_manager,
    installed_plugins,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginHost",
    "PluginInfo",
    "default_plugins",
    "get_plugin_manager",
    "installed_plugins",
]
