"""careengine: turns a physical therapist's low back pain assessment into a staged care plan.

Typical use::

    from careengine import Engine

    engine = Engine()                       # built-in knowledge base + installed plugins
    assessment = engine.load_assessment("p-0001.json")
    plan = engine.evaluate(assessment)
    print(engine.render(plan, "text"))
"""

from __future__ import annotations

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
