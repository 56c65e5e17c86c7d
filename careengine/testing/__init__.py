"""Testing helpers for plugin and rule-pack authors (needs pytest).

Registered as the pytest plugin ``careengine`` (fixtures ``careengine_engine`` and
``careengine_factory``, marker ``@pytest.mark.careengine(...)``: see
:mod:`careengine.testing.plugin`). Importable helpers:

* :func:`isolated_engine`: an engine with exactly the given plugins and packs, never the
  installed ones; :func:`backends` to run a test on every rule backend;
* :func:`assessment_data` builds assessment JSON; :func:`evaluate` loads and evaluates it;
* ``assert_*``: assertions on a plan that say what the plan holds instead when they fail;
* :func:`golden_cases` and :func:`assert_case`: the golden cases of ``careengine rules test``
  as pytest tests;
* :mod:`careengine.testing.strategies` (needs hypothesis): assessments valid for a catalog.

See docs/plugins.md.
"""

from __future__ import annotations

from careengine.testing.assertions import (
    assert_alert,
    assert_case,
    assert_deferred,
    assert_excluded,
    assert_in_stage,
    assert_no_alert,
    assert_not_in_stage,
    assert_plan,
    assert_referral,
    golden_cases,
)
from careengine.testing.engines import assessment_data, backends, evaluate, isolated_engine
from careengine.testing.plugin import EngineFactory

__all__ = [
    "EngineFactory",
    "assert_alert",
    "assert_case",
    "assert_deferred",
    "assert_excluded",
    "assert_in_stage",
    "assert_no_alert",
    "assert_not_in_stage",
    "assert_plan",
    "assert_referral",
    "assessment_data",
    "backends",
    "evaluate",
    "golden_cases",
    "isolated_engine",
]
