"""Every hook careengine calls, with its contract.

A plugin is a module (or object) with functions named like these hooks and decorated with
:data:`hookimpl`. An implementation may accept any subset of a hook's arguments. Built-in
behaviour is registered exactly the same way as a clinic's plugin.

Hooks are called once per implementation in a fixed order: ``tryfirst`` implementations, then
ordinary ones, then ``trylast``, each group sorted by plugin name. Registration order never
matters. An exception raised inside a hook becomes :class:`~careengine.errors.PluginError`
naming the plugin and its distribution (a :class:`~careengine.errors.CareEngineError` raised on
purpose passes through unchanged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from careengine.model import Assessment, Classification, DerivedFact, Plan
    from careengine.plugins.registry import (
        Catalog,
        CatalogRegistry,
        RendererRegistry,
        RulePackRegistry,
    )

PROJECT = "careengine"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

HOOK_NAMES = (
    "careengine_catalog",
    "careengine_rule_packs",
    "careengine_derive_facts",
    "careengine_review_plan",
    "careengine_renderers",
    "careengine_commands",
)


@hookspec
def careengine_catalog(registry: CatalogRegistry) -> None:
    """Register vocabulary, interventions and stages.

    Called once when an :class:`~careengine.engine.Engine` is built. Register finding,
    condition, red-flag and measure codes with ``registry.add_term(...)``, interventions (with
    dosage, steps, safety tips, contraindications, progressions, alternatives, evidence) with
    ``registry.add_intervention(...)``, plan stages with ``registry.add_stage(...)`` and the
    derived facts this plugin's ``careengine_derive_facts`` produces, with the values they can
    take, with ``registry.add_derived(code, values=...)``, and the clinic options its
    ``careengine_review_plan`` reads with ``registry.add_option(name, values=..., default=...,
    description=...)`` (:mod:`careengine.plugins.options`). The merged catalog is validated
    before anything runs (unknown condition or intervention codes in an entry, a lone
    exclusive group, empty steps, implausible dosages, ...): one
    :class:`~careengine.errors.PluginError` lists every problem.

    :param registry: The catalog being built. Registering a code, intervention id or stage id
        that another plugin (or this one) already registered raises
        :class:`~careengine.errors.PluginError` naming both plugins; nothing is overwritten.
    """


@hookspec
def careengine_rule_packs(registry: RulePackRegistry) -> None:
    """Register rule packs: TOML files or directories, or :class:`~careengine.rules.Rule`
    objects built in Python.

    Called once per engine, after the catalog is complete. Every pack is validated against the
    catalog before anything runs.

    :param registry: Collects packs. ``registry.add_path(path)`` takes a ``.toml`` file or a
        directory of them; ``registry.add_pack(id=..., version=..., rules=[...])`` takes Python
        rules. A rule id already registered (``<pack id>.<rule id>``) raises
        :class:`~careengine.errors.RulePackError` naming both packs.
    """


@hookspec
def careengine_derive_facts(
    assessment: Assessment,
) -> Iterable[DerivedFact | Classification] | None:
    """Return facts computed from the assessment before any rule runs.

    Scores and classifications (STarT Back, ODI band, prediction rules) belong here. A
    :class:`~careengine.model.Classification` appears in the plan's ``classifications`` block and
    each of its non-null values becomes a derived fact ``<name>.<key>`` that rules can match; a
    :class:`~careengine.model.DerivedFact` only becomes a fact. A value of ``None`` is never
    asserted: rules fire only on known values. Raise
    :class:`~careengine.errors.AssessmentError` when the input is inconsistent (raw answers that
    disagree with a given score).

    :param assessment: The validated assessment, read-only.
    :return: An iterable of derived facts and classifications, or ``None``.
    """


@hookspec
def careengine_review_plan(
    plan: Plan,
    assessment: Assessment,
    options: Mapping[str, str],
    previous: Plan | None,
    catalog: Catalog,
) -> Plan | None:
    """Take a last look at the merged plan and apply clinic policy.

    A reassessment calls it too, on the next plan after the stage decision and the exercise
    progression (``plan.progression`` is set, ``assessment`` is the follow-up and ``previous``
    the stored plan it started from).

    Reviewers run one after the other (see the module docstring for the order); each receives
    the plan the previous one returned. The engine re-checks its safety invariants after every
    reviewer (:mod:`careengine.pipeline.safety`; docs/plugins.md lists them): a reviewer that
    removes or
    weakens an alert, referral, precaution or exclusion, loses an item, changes the plan's
    identity or provenance, treats a withheld plan, places a vetoed or unknown intervention or
    sets a dosage out of range raises :class:`~careengine.errors.PluginError` listing every
    problem.

    :param plan: The plan so far (frozen; return a changed copy made with ``attrs.evolve``).
    :param assessment: The assessment the plan was made from.
    :param options: The engine's clinic options (read-only, sorted by name): every option a
        plugin declared with ``registry.add_option``, with the caller's choice or its default.
        An implementation that does not name this argument is called as before.
    :param previous: At a reassessment, the previous plan (read-only); ``None`` on a first
        evaluation.
    :param catalog: The merged catalog (read-only), e.g. to tell impairment findings
        (``catalog.impairments()``) from the others.
    :return: A changed plan, or ``None`` to leave it as it is.
    """


@hookspec
def careengine_renderers(registry: RendererRegistry) -> None:
    """Register output formats.

    :param registry: Collects renderers. ``registry.add(name, render, extension=...,
        media_type=...)`` where ``render(plan, context)`` returns text. A name already
        registered raises :class:`~careengine.errors.PluginError` naming both plugins.
    """


@hookspec
def careengine_commands(cli: click.Group) -> None:
    """Add commands to the ``careengine`` command line.

    :param cli: The top-level click group; add commands with ``cli.add_command(...)`` or the
        ``@cli.command()`` decorator. A command name that already exists is an error.
    """
