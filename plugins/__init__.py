"""careengine's built-in plugins (package ``careengine_plugins``).

They reach the engine only through the hooks a clinic's plugin would use. ``DEFAULT_PLUGINS``
lists the modules an :class:`~careengine.engine.Engine` registers unless told otherwise.
"""

from __future__ import annotations

DEFAULT_PLUGINS: tuple[str, ...] = ("careengine_plugins.demo",)
