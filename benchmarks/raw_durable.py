"""The same compiled rulesets on raw durable-rules, with no careengine around them.

This is the baseline the benchmark holds careengine against: what an embedder gets by registering
careengine's compiled rulesets (``durable_backend.ruleset_definition``) on a
``durable.engine.Host`` and asserting each assessment's facts directly. Per evaluation and
ruleset: one batch assert of every fact (``durable_rules_engine.assert_facts``: the Host's own
``assert_facts`` raises before running actions when one fact matches no rule), durable-rules'
own action loop (``Ruleset.do_actions``, which runs one Python closure per match), then the
session state is deleted. Only what durable-rules itself needs to run safely is added:

* the Host's background dispatcher threads are switched off (they race with state deletion);
* every ruleset keeps careengine's sentinel rule and every batch carries its fact, because
  durable-rules frees uninitialised pointers when it deletes a session in which no action ran.

Negated (``none``) patterns are checked by careengine outside durable-rules, so they are not in
the compiled rulesets and the raw baseline does not evaluate them: it does slightly *less* work
than careengine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import durable_rules_engine
from durable.engine import Host

from careengine.rules.compile import Shard
from careengine.rules.durable_backend import SENTINEL_FACT, SENTINEL_RULE, ruleset_definition


class QuietHost(Host):
    """A Host without its dispatcher and timer threads."""

    def _run(self) -> None:
        return None


def _recorder(key: str, sink: list[str]) -> Callable[[Any], None]:
    def run(c: Any) -> None:  # exactly one argument: durable-rules breaks on defaults
        sink.append(key)

    return run


class RawDurable:
    """Every shard of a compiled program as one raw durable-rules ruleset."""

    def __init__(self, shards: Sequence[Shard], prefix: str = "raw") -> None:
        self.fired: list[str] = []
        self.host = QuietHost()
        definitions: dict[str, Any] = {}
        for shard in shards:
            definition = ruleset_definition(shard.rules)
            for key, rule in definition.items():
                rule["run"] = _recorder(key, self.fired)
            definitions[f"{prefix}_{shard.name}"] = definition
        self.host.register_rulesets(definitions)
        self.rulesets = [self.host.get_ruleset(name) for name in definitions]
        self._sessions = 0

    def evaluate(self, facts: Sequence[dict[str, Any]]) -> list[str]:
        """Assert the facts into every ruleset; the keys of the rules that fired."""
        self.fired.clear()
        self._sessions += 1
        sid = f"raw-{self._sessions}"
        payload = json.dumps([{**f, "sid": sid} for f in (SENTINEL_FACT, *facts)])
        errors: list[BaseException] = []

        def complete(error: BaseException | None, _state: Any) -> None:
            if error:
                errors.append(error)

        for ruleset in self.rulesets:
            handle = ruleset._handle
            _code, state_offset = durable_rules_engine.assert_facts(handle, payload)
            ruleset.do_actions(state_offset, complete)
            durable_rules_engine.delete_state(handle, sid)
        if errors:
            raise RuntimeError(f"raw durable-rules action failed: {errors[0]}")
        return sorted(k for k in self.fired if k != SENTINEL_RULE)

    def close(self) -> None:
        for ruleset in self.rulesets:
            durable_rules_engine.delete_ruleset(ruleset._handle)
        self.rulesets = []
