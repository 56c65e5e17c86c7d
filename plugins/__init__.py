"""careengine's built-in plugins (package ``careengine_plugins``).

They reach the engine only through the hooks a clinic's plugin would use. ``DEFAULT_PLUGINS``
lists the modules an :class:`~careengine.engine.Engine` registers unless told otherwise.
``careengine_plugins.demo`` is not among them: it is a small, self-contained demonstration
knowledge base (its own stages, codes, interventions and rules) that tests and examples load
explicitly.
"""

from __future__ import annotations

DEFAULT_PLUGINS: tuple[str, ...] = (
    "careengine_plugins.vocabulary",
    "careengine_plugins.interventions",
    "careengine_plugins.packs",
    "careengine_plugins.scoring",
    "careengine_plugins.stratified_care",
)
