"""A plugin function named like a hook that careengine would never call is reported when an
engine is built: a hook without ``@hookimpl``, and a misspelt hook name with or without it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from careengine import PluginError
from careengine.cli import cli
from careengine.plugins.hook_names import unmarked_hooks
from tests.plugins import misspelt, unmarked, unmarked_misspelt
from tests.support import make_engine


def test_a_hook_without_hookimpl_is_a_plugin_error_naming_the_function() -> None:
    with pytest.raises(PluginError) as info:
        make_engine(unmarked)
    assert info.value.plugin == "tests.plugins.unmarked"
    assert info.value.exit_code == 1
    assert str(info.value) == (
        "plugin tests.plugins.unmarked: function careengine_catalog is not marked @hookimpl, so "
        "it would never be called (decorate it with @careengine.hookimpl)"
    )


def test_a_misspelt_unmarked_hook_gets_a_did_you_mean() -> None:
    with pytest.raises(PluginError) as info:
        make_engine(unmarked_misspelt)
    assert info.value.plugin == "tests.plugins.unmarked_misspelt"
    assert str(info.value).startswith(
        "plugin tests.plugins.unmarked_misspelt: unknown hook 'careengine_renderer' in function "
        "careengine_renderer (did you mean careengine_renderers?), which is not marked @hookimpl"
    )


def test_a_misspelt_marked_hook_gets_a_did_you_mean() -> None:
    with pytest.raises(PluginError) as info:
        make_engine(misspelt)
    assert "in function careengine_catalogue (did you mean careengine_catalog?)" in str(info.value)


def test_every_such_function_of_a_plugin_is_listed_and_helpers_without_the_prefix_pass() -> None:
    class Plugin:
        def careengine_catalog(self) -> None: ...

        def careengine_derive_fact(self) -> None: ...

        def helper(self) -> None: ...

        careengine_note = "not a function: ignored"

    found = unmarked_hooks(Plugin())
    assert [p.split()[1] if p.startswith("function") else p.split()[2] for p in found] == [
        "careengine_catalog",
        "'careengine_derive_fact'",
    ]
    with pytest.raises(PluginError) as info:
        make_engine(Plugin())
    assert [line.split(": ", 1)[1].split(" ")[0:2] for line in info.value.lines()] == [
        ["function", "careengine_catalog"],
        ["unknown", "hook"],
    ]


def test_the_command_line_reports_it_on_one_line_with_exit_code_1() -> None:
    result = CliRunner().invoke(
        cli, ["catalog", "--plugin", "tests.plugins.unmarked"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "error: plugin tests.plugins.unmarked: function careengine_catalog is not marked "
        "@hookimpl, so it would never be called (decorate it with @careengine.hookimpl)"
    ]
