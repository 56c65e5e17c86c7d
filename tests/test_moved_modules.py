"""Old module paths a third party could import still work, with a DeprecationWarning naming the new
path (docs/design.md section 2.1)."""

from __future__ import annotations

import importlib

import pytest

MOVED = [
    ("careengine.registry", "CatalogRegistry", "careengine.plugins.registry"),
    ("careengine.hookspecs", "hookimpl", "careengine.plugins.hookspecs"),
    ("careengine.serialize", "plan_to_dict", "careengine.render.serialize"),
    ("careengine.progression", "Gates", "careengine.pipeline.gates"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED)
def test_old_path_forwards_with_a_warning(old, name, new):
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"import {name} from {new}"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)


def test_old_path_refuses_unknown_names():
    module = importlib.import_module("careengine.registry")
    with pytest.warns(DeprecationWarning), pytest.raises(AttributeError):
        module.NoSuchThing  # noqa: B018


def test_plugins_package_keeps_its_names():
    from careengine.plugins import PluginHost, PluginInfo, get_plugin_manager
    from careengine.plugins.host import PluginHost as Host

    assert PluginHost is Host
    assert callable(get_plugin_manager)
    assert PluginInfo.__module__ == "careengine.plugins.host"
