"""Registers the built-in TOML rule packs (package ``careengine_rules``) through the same hook a
clinic's plugin uses."""

from __future__ import annotations

import careengine_rules
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import RulePackRegistry


@hookimpl
def careengine_rule_packs(registry: RulePackRegistry) -> None:
    registry.add_path(careengine_rules.directory())
