"""A plugin with a misspelt hook name and no ``@hookimpl`` (``careengine_renderer``)."""

from __future__ import annotations

from typing import Any


def careengine_renderer(registry: Any) -> None:
    """Never called: no such hook, and not marked either."""
