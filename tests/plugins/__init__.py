"""Test-only plugins for careengine's own test suite.

Each module (or plugin object) here exercises one or more hooks; some are broken on purpose.
They are passed to engines explicitly (``Engine(builtins=[...], entry_points=False,
plugins=[...])``), never installed.
"""

from __future__ import annotations

from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent
