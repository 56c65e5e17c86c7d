"""The pytest plugin ``careengine`` (registered through the ``pytest11`` entry point).

It adds two fixtures and one marker to every pytest run once careengine is installed:

* ``careengine_engine``: an isolated engine (no installed plugins) configured by the nearest
  ``@pytest.mark.careengine(...)`` marker (test, class or module ``pytestmark``); without a
  marker it has the built-in knowledge base only;
* ``careengine_factory``: builds more isolated engines inside one test, with the same keyword
  arguments as the marker;
* ``@pytest.mark.careengine(plugins=[...], rules=[...], builtins=True, backend="auto", ...)``.

Engines made by the fixtures are closed when the test ends. Switch the plugin off with
``pytest -p no:careengine``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from careengine.engine import Engine
from careengine.testing.engines import isolated_engine

MARKER = "careengine"

#: ``careengine_factory(**options) -> Engine``
EngineFactory = Callable[..., Engine]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(plugins=[...], rules=[...], builtins=True, backend='auto', **options): "
        "how the careengine_engine fixture builds its isolated engine",
    )


@pytest.fixture
def careengine_factory() -> Iterator[EngineFactory]:
    """Build isolated engines: ``careengine_factory(plugins=[...], rules=[...], builtins=...,
    backend=..., max_items_per_stage=...)``. Installed plugins are never loaded."""
    engines: list[Engine] = []

    def make(**options: Any) -> Engine:
        engine = isolated_engine(**options)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def careengine_engine(request: pytest.FixtureRequest, careengine_factory: EngineFactory) -> Engine:
    """An isolated engine configured by the nearest ``@pytest.mark.careengine(...)``."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return careengine_factory()
    if marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} takes keyword arguments only "
            "(plugins=[...], rules=[...], builtins=..., backend=...)"
        )
    return careengine_factory(**marker.kwargs)
