"""careengine's own test suite sees only the plugins each test names.

``make test`` installs the example clinic plugin (examples/clinic_plugin) into the same virtual
environment, and its entry point would otherwise load into every default engine and command the
in-process tests build. Tests of installed plugins use a subprocess, or re-enable discovery with
``monkeypatch.setattr(careengine.plugins.host, "installed_plugins", ...)``.
"""

from __future__ import annotations

import importlib.metadata

import pytest

import careengine.plugins.host

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hook(*names): the hooks this test exercises (tests/plugin_host/test_plugins.py checks that every "
        "hook has a test of its own)",
    )


@pytest.fixture(autouse=True)
def no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    def none() -> list[importlib.metadata.EntryPoint]:
        return []

    monkeypatch.setattr(careengine.plugins.host, "installed_plugins", none)
