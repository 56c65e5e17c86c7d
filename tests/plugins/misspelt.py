"""A plugin whose hook name is misspelt (``catalogue``): check_pending must reject it."""

from __future__ import annotations

from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry


@hookimpl
def careengine_catalogue(registry: CatalogRegistry) -> None:
    """Never called: there is no such hook."""
