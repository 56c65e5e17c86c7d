"""The built-in TOML rule packs (package ``careengine_rules``).

The packs are data files next to this module; a built-in plugin registers :func:`directory`
through the ``careengine_rule_packs`` hook, exactly as a clinic's plugin would.
"""

from __future__ import annotations

from pathlib import Path


def directory() -> Path:
    """The directory holding the built-in ``*.toml`` packs."""
    return Path(__file__).resolve().parent
