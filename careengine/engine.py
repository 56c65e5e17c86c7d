"""The :class:`Engine`: build once from plugins and packs, then evaluate many assessments.

Pipeline of :meth:`Engine.evaluate`: derive facts (hook) -> fire rules -> red-flag gate ->
vetoes and alternatives -> merge -> review hook (with the safety invariants re-checked after
every reviewer). The plan is a pure function of (assessment, loaded plugins and packs, options).
:meth:`Engine.reassess` runs the same pipeline on a follow-up and applies the stage decision and
exercise progression (:mod:`careengine.pipeline.reassess`) before the safety checks and the review
hook.

Each engine owns its plugin host and its backend (durable-rules rulesets are created per engine
and freed on :meth:`close`), so two engines in one process never see each other's rules. An engine
is safe to share between threads (see :class:`Engine`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from careengine.errors import (
    CareEngineError,
    ConfigurationError,
    PluginError,
    Problem,
    RuleExecutionError,
)
from careengine.io.assessment import read_assessment
from careengine.io.assessment_format import finite_value
from careengine.io.json_text import Source, input_data, source_file
from careengine.io.schema_check import SchemaChecker
from careengine.io.stored_plan import load_plan
from careengine.model import (
    Assessment,
    Classification,
    Contribution,
    DerivedFact,
    Plan,
)
from careengine.pipeline.facts import assessment_facts, derived_facts
from careengine.pipeline.gates import Gates
from careengine.pipeline.merge import MergeOptions, merge
from careengine.pipeline.programme import ProgrammeIndex, progression_reason
from careengine.pipeline.provenance import make_provenance
from careengine.pipeline.reassess import check_inputs, reassess_plan
from careengine.pipeline.safety import PlanGuard
from careengine.pipeline.usage import Inputs, UsageIndex
from careengine.plugins.host import PluginHost, PluginInfo, get_plugin_manager
from careengine.plugins.options import resolve_options
from careengine.plugins.registry import Catalog, RenderContext, Renderer
from careengine.rules.backend import make_backend, resolve_backend_name
from careengine.rules.compile import CompiledRule, Program, compile_packs
from careengine.rules.model import Action, Call, RaiseAlert, RulePack
from careengine.rules.runner import RuleRunner
from careengine.rules.toml_pack import load_paths
from careengine.rules.validate import action_problems, validate_packs
from careengine.settings import engine_settings


class Engine:
    """Build once, evaluate many times.

    **Threads.** One engine may be shared by any number of threads. Only the rule run touches
    shared mutable state (the backend's sessions: durable-rules keeps one session per ruleset
    open for reuse), and it runs under a lock held by :meth:`evaluate` and :meth:`close`; deriving
    facts, merging, reviewing and rendering work on per-call data (plugins' hooks must not keep
    mutable state either; the built-in ones are pure functions). The durable-rules C engine
    never releases the GIL, so the lock costs no parallelism; to use several cores run several
    processes (``careengine batch --jobs N``), each with its own engine. No thread is ever
    started (durable-rules' ``Host`` and its dispatcher threads are not used), so nothing runs
    behind an evaluation's back. See docs/performance.md.

    :param plugins: extra plugins (module names, ``.py`` paths or plugin objects).
    :param rules: extra directories or ``.toml`` files of rule packs.
    :param builtins: the built-in knowledge base (``True``), none (``False``), or module names.
    :param entry_points: load plugins installed under the ``careengine`` entry-point group.
    :param allow: only these entry-point/extra plugins (``CAREENGINE_PLUGINS``).
    :param block: never these plugins (``CAREENGINE_DISABLE_PLUGINS``).
    :param backend: ``auto`` (durable-rules where it imports), ``durable`` or ``python``.
    :param max_items_per_stage: the merge cap per stage; overflow is deferred.
    :param max_exercises_per_stage: the cap on exercises per stage (default 5); overflow deferred.
    :param allow_same_purpose: keep several exercises of one progression chain in a stage.
    :param reuse_sessions: durable-rules only. ``False`` (the default): every evaluation runs in
        sessions of its own, deleted when it ends. ``True``: a session whose evaluation ended
        normally has its facts retracted and serves the next evaluation on its ruleset, which
        saves building session state (about 1.4 ms per 500-rule ruleset; docs/performance.md).
    :param gates: the reassessment gates (:class:`~careengine.pipeline.gates.Gates`; docs/design.md
        section 8 defaults when ``None``).
    :param options: clinic options the plugins declare, ``{name: value}``
        (:mod:`careengine.plugins.options`); each one left out takes its default.
    """

    def __init__(
        self,
        *,
        plugins: Sequence[str | object] = (),
        rules: Sequence[str | Path] = (),
        builtins: bool | Sequence[str] = True,
        entry_points: bool = True,
        allow: Collection[str] | None = None,
        block: Collection[str] = (),
        backend: str = "auto",
        max_items_per_stage: int = 8,
        max_exercises_per_stage: int = 5,
        allow_same_purpose: bool = False,
        gates: Gates | None = None,
        reuse_sessions: bool = False,
        options: Mapping[str, object] | None = None,
    ) -> None:
        if gates is not None and not isinstance(gates, Gates):
            raise ConfigurationError(f"gates must be a Gates object, not {type(gates).__name__}")
        self.gates = gates or Gates()
        self.backend_name = resolve_backend_name(backend)
        self.options = MergeOptions(
            max_items_per_stage=max_items_per_stage,
            max_exercises_per_stage=max_exercises_per_stage,
            allow_same_purpose=allow_same_purpose,
        )
        self.host: PluginHost = get_plugin_manager(
            builtins=builtins, entry_points=entry_points, extra=plugins, allow=allow, block=block
        )
        self.catalog: Catalog = self.host.catalog()
        if not self.catalog.stages:
            raise PluginError("no plugin registered any plan stage", plugin="(all)")
        self.programme = ProgrammeIndex.of(self.catalog)
        self.plugin_options = resolve_options(self.catalog.options, options)
        registry = self.host.rule_packs()
        paths = list(registry.paths) + [(Path(p), "(--rules)") for p in rules]
        file_packs, problems = load_paths(paths)
        packs = list(registry.packs) + file_packs
        validate_packs(packs, self.catalog, problems)
        self.packs: tuple[RulePack, ...] = tuple(sorted(packs, key=lambda p: p.id))
        self.program: Program = compile_packs(self.packs)
        self.renderers: dict[str, Renderer] = self.host.renderers()
        self.schema_checker = SchemaChecker(self.catalog)
        self._render_context = RenderContext.of(self.catalog)  # orjson looked for once
        self._lock = threading.Lock()
        self._closed = False
        self._backend = make_backend(
            self.backend_name,
            [s for st in self.program.strata for s in st.shards],
            reuse_sessions=reuse_sessions,
        )
        self._runner = RuleRunner(self.program, self._backend, check=self._check_action)
        self._usage = UsageIndex(self.program, self.catalog)
        self._provenance = make_provenance(
            backend=self.backend_name,
            plugins={name: info.version for name, info in self.host.infos.items()},
            packs=self.packs,
            merge_options=attrs.asdict(self.options),
            options=self.plugin_options,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Engine:
        """An engine configured like the command line: the ``CAREENGINE_*`` settings of
        ``environ`` (``os.environ`` when ``None``; :mod:`careengine.settings` lists them) as
        ``allow`` and ``block``, then ``overrides`` (any :class:`Engine` keyword argument,
        these two included) on top; ``options`` add to the environment's, name by name.
        ``careengine`` builds its engines with it, so a service and the command line in the
        same environment give the same plan, byte for byte."""
        settings = engine_settings(environ)
        options = {**settings.pop("options"), **(overrides.pop("options", None) or {})}
        return cls(**{**settings, **overrides}, options=options)

    # --- public API --------------------------------------------------------------------------

    @property
    def plugins(self) -> Mapping[str, PluginInfo]:
        return dict(sorted(self.host.infos.items()))

    def load_assessment(
        self,
        source: Source,
        *,
        allow_unknown: bool = False,
        followup: bool = False,
    ) -> Assessment:
        """Read and validate an assessment: parsed JSON data (a mapping), JSON text (a ``str``
        whose first non-space character is ``{`` or ``[``), the bytes of a JSON document, or a
        file path (any other ``str``, or a :class:`~pathlib.Path`). Every form gives the same
        located :class:`~careengine.errors.AssessmentError`; a top-level value that is not an
        object is one too, at ``$``."""
        return read_assessment(
            input_data(source),
            self.catalog,
            file=source_file(source),
            allow_unknown=allow_unknown,
            followup=followup,
            checker=self.schema_checker,
        )

    def evaluate(self, assessment: Assessment) -> Plan:
        """The care plan for one assessment."""
        plan, _ = self._merge(assessment)
        check = self._review_check(plan, assessment)
        return self.host.review_plan(plan, assessment, check, **self._review_context)

    def load_plan(self, source: Source) -> Plan:
        """Read and check a stored plan (parsed JSON, JSON text, bytes or a file path, as for
        :meth:`load_assessment`): its content digest, and
        its stages, interventions, dosages and alert codes against this catalog and these packs."""
        return load_plan(source, self.catalog, alert_codes=self.alert_codes)

    @functools.cached_property
    def alert_codes(self) -> frozenset[str] | None:
        """Every alert code the loaded rules can raise; ``None`` when a rule runs Python code
        (whose alerts cannot be known before it runs). Worked out when a plan is first read."""
        codes = set()
        for pack in self.packs:
            for rule in pack.rules:
                for action in rule.then:
                    if isinstance(action, Call):
                        return None
                    if isinstance(action, RaiseAlert):
                        codes.add(action.code)
        return frozenset(codes)

    def reassess(
        self,
        previous_plan: Plan | Source,
        followup: Assessment | Source,
        *,
        allow_unknown: bool = False,
    ) -> Plan:
        """The next plan from the previous one and a follow-up (an assessment with a
        ``response`` block): the follow-up evaluated in full, the stage advanced, held or
        regressed by the gates, the exercises progressed; see
        :mod:`careengine.pipeline.reassess`."""
        plan_file = source_file(previous_plan)
        previous = (
            previous_plan if isinstance(previous_plan, Plan) else self.load_plan(previous_plan)
        )
        if not isinstance(followup, Assessment):
            followup = self.load_assessment(followup, allow_unknown=allow_unknown, followup=True)
        check_inputs(previous, followup, self.catalog, plan_file=plan_file)
        merged, contributions = self._merge(followup)
        plan = reassess_plan(
            previous=previous,
            followup=followup,
            fresh=merged,
            contributions=contributions,
            catalog=self.catalog,
            gates=self.gates,
        )
        plan = attrs.evolve(plan, current_stage_reason=progression_reason(plan))
        guard = self._guard(merged, followup)
        problems = guard.problems(plan, plan)
        if problems:  # a defect in the progression code, never the input's fault
            raise CareEngineError("reassessment broke a safety invariant: " + "; ".join(problems))
        check = self._review_check(merged, followup, guard)
        return self.host.review_plan(
            plan, followup, check, previous=previous, **self._review_context
        )

    def _merge(self, assessment: Assessment) -> tuple[Plan, tuple[Contribution, ...]]:
        """Rules and merge, before the review hook: the plan and the rules' contributions."""
        classifications, extra_facts, inputs = self._derive(assessment)
        facts = assessment_facts(assessment) + derived_facts(extra_facts)
        with self._lock:
            if self._closed:
                raise ConfigurationError("this engine is closed; build a new Engine")
            result = self._runner.run(facts)
        plan = merge(
            contributions=result.contributions,
            assessment=assessment,
            catalog=self.catalog,
            classifications=classifications,
            provenance=self._provenance,
            options=self.options,
            index=self.programme,
            not_used=lambda parts: self._usage.not_used(assessment, parts, result, inputs),
        )
        return plan, tuple(result.contributions)

    def classifications(self, assessment: Assessment) -> tuple[Classification, ...]:
        """The classifications of ``careengine_derive_facts`` with their inputs, criteria met
        and missing inputs (what ``careengine explain`` shows), sorted by name."""
        items = [c for _, c in self.host.derive_facts(assessment) if isinstance(c, Classification)]
        return tuple(sorted(items, key=lambda c: c.name))

    def render(self, plan: Plan, fmt: str = "json") -> str:
        renderer = self.renderers.get(fmt)
        if renderer is None:
            raise ConfigurationError(
                f"unknown format {fmt!r}; available: {', '.join(sorted(self.renderers))}"
            )
        try:
            return renderer.render(plan, self._render_context)
        except CareEngineError:
            raise
        except Exception as exc:  # a plugin's renderer failing is the plugin's error
            info = self.host.infos.get(renderer.plugin)
            raise PluginError(
                f"renderer {fmt!r} raised {type(exc).__name__}: {exc}",
                plugin=renderer.plugin,
                distribution=info.distribution if info else None,
                hook="careengine_renderers",
            ) from exc

    def close(self) -> None:
        """Free the backend's rulesets. The engine cannot evaluate afterwards."""
        with self._lock:
            self._closed = True
            self._backend.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ---------------------------------------------------------------------------

    def _derive(self, assessment: Assessment) -> tuple[dict[str, Any], list[DerivedFact], Inputs]:
        """Classifications (plan blocks), derived facts, and each classification's inputs."""
        classifications: dict[str, Any] = {}
        inputs: dict[str, Mapping[str, Any]] = {}
        owners: dict[str, str] = {}
        facts: list[DerivedFact] = []
        for plugin, item in self.host.derive_facts(assessment):
            if isinstance(item, DerivedFact):
                if not finite_value(item.value):
                    raise PluginError(
                        f"derived {item.code!r} = {item.value!r}, which is not a finite number",
                        plugin=plugin,
                        hook="careengine_derive_facts",
                    )
                facts.append(item)
                continue
            if item.name in owners:
                raise PluginError(
                    f"classification {item.name!r} is already produced by plugin "
                    f"{owners[item.name]}",
                    plugin=plugin,
                    hook="careengine_derive_facts",
                )
            owners[item.name] = plugin
            block: dict[str, Any] = dict(item.values)
            classifications[item.name] = block | (
                {"missing": sorted(item.missing)} if item.missing else {}
            )
            inputs[item.name] = item.inputs
            for key, value in item.values.items():
                if not finite_value(value):
                    raise PluginError(
                        f"classification {item.name!r} has {key} = {value!r}, which is not a "
                        "finite number",
                        plugin=plugin,
                        hook="careengine_derive_facts",
                    )
                if isinstance(value, bool | int | float | str):
                    facts.append(DerivedFact(code=f"{item.name}.{key}", value=value))
        return classifications, facts, inputs

    def _check_action(self, rule: CompiledRule, action: Action) -> None:
        """Actions produced by Python code at run time meet the same checks as declared ones."""
        for _, message, _ in action_problems(action, self.catalog):
            raise RuleExecutionError(message, rule_id=rule.rule.id)

    @property
    def _review_context(self) -> dict[str, Any]:
        return {"options": self.plugin_options, "catalog": self.catalog}

    def _guard(self, merged: Plan, assessment: Assessment) -> PlanGuard:
        """The safety invariants of one evaluation (:mod:`careengine.pipeline.safety`)."""
        return PlanGuard(merged=merged, assessment=assessment, catalog=self.catalog)

    def _review_check(
        self, merged: Plan, assessment: Assessment, guard: PlanGuard | None = None
    ) -> Callable[[Plan, Plan, str], None]:
        """The review hook's check of each reviewer's plan against the plan it was given and the
        merged plan; the invariants are worked out when a reviewer first returns a plan (most
        evaluations have none), unless the caller already has them."""

        def check(before: Plan, after: Plan, plugin: str) -> None:
            nonlocal guard
            if guard is None:
                guard = self._guard(merged, assessment)
            problems = guard.problems(before, after)
            if problems:
                info = self.host.infos.get(plugin)
                text = "; ".join(problems)
                error = PluginError(
                    text,
                    plugin=plugin,
                    distribution=info.distribution if info else None,
                    hook="careengine_review_plan",
                )
                # one line each on the command line, every line naming the plugin and the hook
                origin = error.message[: len(error.message) - len(text)]
                error.problems = tuple(Problem(message=origin + p) for p in problems)
                raise error

        return check
