"""A plugin whose hook implementation lacks ``@hookimpl``: pluggy would ignore it silently, so
building an engine must fail and name the function."""

from __future__ import annotations

from careengine.registry import CatalogRegistry


def careengine_catalog(registry: CatalogRegistry) -> None:
    """Never called: not marked as a hook implementation."""
