"""A plugin module that raises while it is imported."""

from __future__ import annotations

raise RuntimeError("this plugin fails to import on purpose")
