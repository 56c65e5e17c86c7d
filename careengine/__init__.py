"""careengine: turns a physical therapist's low back pain assessment into a staged care plan.

Typical use::

    from careengine import Engine

    engine = Engine()                       # built-in knowledge base + installed plugins
    assessment = engine.load_assessment("p-0001.json")
    plan = engine.evaluate(assessment)
    print(engine.render(plan, "text"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from careengine.engine import Engine
    from careengine.errors import (
        AssessmentError,
        BackendError,
        CareEngineError,
        ConfigurationError,
        OutputError,
        PluginError,
        Problem,
        RuleExecutionError,
        RulePackError,
    )
    from careengine.plugins.hookspecs import hookimpl
    from careengine.version import __version__

#: where each lazily imported name lives: ``import careengine`` (and every ``careengine.*``
#: import, which runs this module first) loads none of the engine, the model or jsonschema until
#: a name is used (PEP 562)
_LAZY: dict[str, str] = {
    "Engine": "careengine.engine",
    "AssessmentError": "careengine.errors",
    "BackendError": "careengine.errors",
    "CareEngineError": "careengine.errors",
    "ConfigurationError": "careengine.errors",
    "OutputError": "careengine.errors",
    "PluginError": "careengine.errors",
    "Problem": "careengine.errors",
    "RuleExecutionError": "careengine.errors",
    "RulePackError": "careengine.errors",
    "hookimpl": "careengine.plugins.hookspecs",
    "__version__": "careengine.version",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'careengine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AssessmentError",
    "BackendError",
    "CareEngineError",
    "ConfigurationError",
    "Engine",
    "OutputError",
    "PluginError",
    "Problem",
    "RuleExecutionError",
    "RulePackError",
    "__version__",
    "hookimpl",
]
