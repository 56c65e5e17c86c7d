"""Validate the merged catalog the way rule packs are validated, before anything runs.

A misspelt code in a catalog entry would silently drop a safety relation (a contraindication that
never matches a patient's condition vetoes nothing), so every code of every entry is checked
against the rest of the catalog when an engine is built, and ``careengine rules lint`` reports the
same problems:

* interventions: ``kind`` (an :class:`~careengine.model.InterventionKind`), a ``name``, ``steps``
  (an exercise needs at least one; no step may be empty), ``safety_tips`` (none empty),
  ``contraindications_absolute`` / ``contraindications_relative`` (condition codes; one code is
  not both), ``progresses_to`` / ``regresses_to`` and ``alternatives`` (other interventions),
  ``exclusive_group`` (a group needs at least two members: a group of one is a misspelling),
  ``dosage`` and ``dosage_max`` (within :data:`~careengine.model.DOSAGE_BOUNDS`, a ``setting``
  its fields agree with, the default not above its own ceiling); a progression link joins two
  interventions of the same kind, and the harder one's default dosage takes at most
  :data:`STEP_TIME_FACTOR` times the easier one's time (:func:`chain_link_problems`: cat-cow may
  not "progress" to a 45-minute yoga class);
* stages: an id, a title, and an ``order`` no other stage has;
* derived-fact declarations: a code, and values that are finite strings, numbers or booleans.

Every problem names the plugin that registered the entry and the entry itself, with a "did you
mean" suggestion for a misspelt code; all of them are reported at once, one line each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from careengine.errors import PluginError, Problem, suggest
from careengine.io.assessment_format import finite_value
from careengine.model import Dosage, Intervention, InterventionKind, TermKind, dosage_problems

if TYPE_CHECKING:
    from careengine.plugins.registry import Catalog

__all__ = ["catalog_problems", "raise_catalog_problems"]

_KINDS = tuple(k.value for k in InterventionKind)


def _owner(catalog: Catalog, kind: str, key: str) -> str:
    return catalog.owners.get((kind, key)) or "?"


def _problem(where: str, field: str, message: str, suggestion: str | None = None) -> Problem:
    return Problem(
        path=f"{where}: {field}" if field else where, message=message, suggestion=suggestion
    )


def _texts(item: Intervention, field: str, where: str) -> list[Problem]:
    out = []
    for i, text in enumerate(getattr(item, field)):
        if not isinstance(text, str) or not text.strip():
            out.append(_problem(where, f"{field}[{i}]", f"is empty ({text!r})"))
    return out


def _code(code: Any, known: Collection[str], where: str, field: str, what: str) -> list[Problem]:
    if isinstance(code, str) and code in known:
        return []
    hint = suggest(code, known) if isinstance(code, str) else None
    return [_problem(where, field, f"unknown {what} {code!r}", hint)]


def _intervention_problems(
    item: Intervention, catalog: Catalog, groups: dict[str, list[str]]
) -> list[Problem]:
    where = f"plugin {_owner(catalog, 'intervention', item.id)}: intervention {item.id}"
    out: list[Problem] = []
    if not isinstance(item.kind, InterventionKind):
        hint = suggest(str(item.kind), _KINDS)
        out.append(
            _problem(
                where, "kind", f"unknown kind {item.kind!r} (kinds: {', '.join(_KINDS)})", hint
            )
        )
    if not isinstance(item.name, str) or not item.name.strip():
        out.append(_problem(where, "name", "is empty"))
    if item.kind is InterventionKind.EXERCISE and not item.steps:
        out.append(_problem(where, "steps", "an exercise needs at least one step"))
    out += _texts(item, "steps", where)
    out += _texts(item, "safety_tips", where)

    conditions = catalog.code_set(TermKind.CONDITION)
    for field in ("contraindications_absolute", "contraindications_relative"):
        for i, code in enumerate(getattr(item, field)):
            out += _code(code, conditions, where, f"{field}[{i}]", "condition")
    both = sorted(set(item.contraindications_absolute) & set(item.contraindications_relative))
    if both:
        out.append(
            _problem(
                where,
                "contraindications_relative",
                f"{', '.join(map(str, both))} is also an absolute contraindication",
            )
        )

    interventions = catalog.interventions.keys()
    links = [(f, getattr(item, f)) for f in ("progresses_to", "regresses_to")]
    links += [(f"alternatives[{i}]", alt) for i, alt in enumerate(item.alternatives)]
    for field, target in links:
        if target is None:
            continue
        if target == item.id:
            out.append(_problem(where, field, "names the intervention itself"))
        else:
            out += _code(target, interventions, where, field, "intervention")
    out += _chain_link_problems(item, catalog, where)

    group = item.exclusive_group
    if group is not None:
        if not isinstance(group, str) or not group.strip():
            out.append(_problem(where, "exclusive_group", f"is empty ({group!r})"))
        elif len(groups[group]) < 2:
            others = [g for g in groups if len(groups[g]) > 1]
            out.append(
                _problem(
                    where,
                    "exclusive_group",
                    f"exclusive group {group!r} has no other member, so it excludes nothing",
                    suggest(group, others),
                )
            )

    for field in ("dosage", "dosage_max"):
        dosage = getattr(item, field)
        if field == "dosage_max" and dosage is None:
            continue
        if not isinstance(dosage, Dosage):
            out.append(_problem(where, field, f"must be a Dosage, not {type(dosage).__name__}"))
            continue
        ceiling = (
            item.dosage_max if field == "dosage" and isinstance(item.dosage_max, Dosage) else None
        )
        out += [_problem(where, field, p) for p in dosage_problems(dosage, ceiling)]
    return out


def catalog_problems(catalog: Catalog) -> list[Problem]:
    """Every problem of every catalog entry, in a stable order (interventions by id, then
    stages, then derived-fact declarations)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for item in catalog.interventions.values():
        if isinstance(item.exclusive_group, str):
            groups[item.exclusive_group].append(item.id)
    out: list[Problem] = []
    for item in catalog.interventions.values():
        out += _intervention_problems(item, catalog, groups)

    registered = {key: n for n, key in enumerate(catalog.owners)}  # registration order
    orders: dict[int, str] = {}
    for stage in sorted(catalog.stages, key=lambda s: registered.get(("stage", s.id), -1)):
        where = f"plugin {_owner(catalog, 'stage', stage.id)}: stage {stage.id}"
        if not isinstance(stage.id, str) or not stage.id.strip():
            out.append(_problem(where, "id", "is empty"))
        if not isinstance(stage.title, str) or not stage.title.strip():
            out.append(_problem(where, "title", "is empty"))
        if stage.order in orders:
            other = orders[stage.order]
            out.append(
                _problem(
                    where,
                    "order",
                    f"{stage.order} is also the order of stage {other} (plugin "
                    f"{_owner(catalog, 'stage', other)}); the plan's stage order would be "
                    "ambiguous",
                )
            )
        orders.setdefault(stage.order, stage.id)

    for code, declared in catalog.derived.items():
        where = f"plugin {_owner(catalog, 'derived code', code)}: derived code {code!r}"
        if not code.strip():
            out.append(_problem(where, "code", "is empty"))
        if declared.values is not None:
            if not declared.values:
                out.append(_problem(where, "values", "is empty; give None for any value"))
            for i, value in enumerate(declared.values):
                if not isinstance(value, bool | int | float | str) or not finite_value(value):
                    out.append(
                        _problem(
                            where,
                            f"values[{i}]",
                            f"must be a string, a finite number or a boolean, not {value!r}",
                        )
                    )
    return out


def raise_catalog_problems(catalog: Catalog) -> None:
    """Raise one :class:`PluginError` listing every catalog problem; return quietly when clean."""
    if not catalog.stages:  # nothing else can be checked meaningfully without them
        raise PluginError("no plugin registered any plan stage", plugin="(all)")
    problems = catalog_problems(catalog)
    if not problems:
        return
    plugins = sorted({str(p.path).split(":", 1)[0].removeprefix("plugin ") for p in problems})
    raise PluginError(
        f"{len(problems)} problem(s) in catalog entries: " + "; ".join(map(str, problems)),
        plugin=", ".join(plugins),
        hook="careengine_catalog",
        problems=problems,
    )


#: A progression step takes at most this many times the easier exercise's time at the two
#: default dosages (local choice: the next step is one notch harder, not another programme).
STEP_TIME_FACTOR = 3
#: Seconds one repetition without a hold takes, for :func:`exercise_seconds`.
REP_SECONDS = 3


def exercise_seconds(dosage: Dosage) -> int | None:
    """Roughly how long one session of an exercise takes at ``dosage``: its minutes, or sets x
    repetitions x (hold or :data:`REP_SECONDS`); ``None`` when the dosage says neither."""
    if dosage.minutes is not None:
        return dosage.minutes * 60
    if dosage.reps is None and dosage.hold_seconds is None:
        return None
    return (dosage.sets or 1) * (dosage.reps or 1) * (dosage.hold_seconds or REP_SECONDS)


def _chain_link_problems(item: Intervention, catalog: Catalog, where: str) -> list[Problem]:
    """A progression link stays within one kind, and its harder end is not a much bigger dose."""
    out: list[Problem] = []
    for field in ("progresses_to", "regresses_to"):
        other = catalog.interventions.get(getattr(item, field) or "")
        if other is None or other.id == item.id:
            continue
        if field == "regresses_to" and other.progresses_to == item.id:
            continue  # the same link, reported from its easier end
        if _kind(other) != _kind(item):
            out.append(
                _problem(
                    where,
                    field,
                    f"{other.id} is {_kind(other)}, not {_kind(item)}: a progression step "
                    "stays within one kind of intervention",
                )
            )
            continue
        easier, harder = (item, other) if field == "progresses_to" else (other, item)
        if not isinstance(easier.dosage, Dosage) or not isinstance(harder.dosage, Dosage):
            continue
        low, high = exercise_seconds(easier.dosage), exercise_seconds(harder.dosage)
        if low is not None and high is not None and high > STEP_TIME_FACTOR * low:
            out.append(
                _problem(
                    where,
                    field,
                    f"{harder.id} takes about {_duration(high)} a session against "
                    f"{_duration(low)} for {easier.id}: more than {STEP_TIME_FACTOR} times as "
                    "long is another programme, not the next step (progress the dosage "
                    "instead)",
                )
            )
    return out


def _kind(item: Intervention) -> str:
    return str(getattr(item.kind, "value", item.kind)).replace("_", " ")


def _duration(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds >= 120 else f"{seconds} s"
