"""Validate rule packs against the catalog before anything runs.

Every problem of every pack is collected and raised together as one
:class:`~careengine.errors.RulePackError`; each names the file, the rule id and the path inside
the rule, with a "did you mean" suggestion for misspelt codes.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from careengine.errors import Problem, RulePackError, suggest
from careengine.io.assessment_format import finite_value
from careengine.model import Dosage, Severity, TermKind, dosage_problems
from careengine.pipeline.facts import ASSESSED
from careengine.plugins.registry import Catalog, check_unique
from careengine.rules.compile import MAX_IN_VALUES
from careengine.rules.model import (
    PATTERN_KEYS,
    Add,
    AddPrecaution,
    Call,
    Derive,
    Exclude,
    FactType,
    Op,
    Pattern,
    RulePack,
    StartStage,
)

#: Measure codes every assessment can produce (from patient, pain and episode).
CORE_MEASURES = (
    "age",
    "gestational_week",
    "leg_symptoms",
    "nprs_best",
    "nprs_current",
    "nprs_worst",
    "onset_age",
    "postpartum_weeks",
    "symptom_duration_days",
)

_TERM_KIND = {
    FactType.FINDING: TermKind.FINDING,
    FactType.CONDITION: TermKind.CONDITION,
    FactType.RED_FLAG: TermKind.RED_FLAG,
    FactType.MEASURE: TermKind.MEASURE,
}
_NUMERIC_OPS = {Op.GT, Op.GTE, Op.LT, Op.LTE}
PATTERN_KEY = {fact: key for key, fact in PATTERN_KEYS.items()}


def known_codes(catalog: Catalog, fact: FactType) -> Collection[str]:
    """The codes a pattern on ``fact`` may name (for membership tests and suggestions)."""
    if fact is FactType.PREFERENCE:
        return catalog.interventions.keys()
    kind = _TERM_KIND.get(fact)
    if kind is None:
        return ()
    codes = catalog.code_set(kind)
    if kind is TermKind.MEASURE:
        codes = codes | frozenset(CORE_MEASURES)
    return codes


#: derived code -> the values it can take (``None``: any value)
Derivable = Mapping[str, frozenset[tuple[str, Any]] | None]


def _value_key(value: Any) -> tuple[str, Any]:
    """A value as facts compare it, keeping booleans apart from the numbers 0 and 1."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return (type(value).__name__, value)


def derivable_codes(packs: Sequence[RulePack], catalog: Catalog) -> Derivable:
    """Every derived code a rule can match, with the values it can take: the codes plugins
    declare (``registry.add_derived``), the fact ``assessed``, and what the packs' ``derive``
    actions assert (a ``Call`` may derive any value of the codes it declares)."""
    out: dict[str, set[tuple[str, Any]] | None] = {ASSESSED["code"]: {_value_key(True)}}

    def produce(code: str, values: Sequence[Any] | None) -> None:
        if code in out and out[code] is None:
            return
        if values is None:
            out[code] = None
        else:
            out.setdefault(code, set()).update(map(_value_key, values))  # type: ignore[union-attr]

    for code, declared in catalog.derived.items():
        produce(code, declared.values)
    for pack in packs:
        for rule in pack.rules:
            for action in rule.then:
                if isinstance(action, Derive):
                    produce(action.code, (action.value,))
                elif isinstance(action, Call):
                    for code in action.derives:
                        produce(code, None)
    return {k: None if v is None else frozenset(v) for k, v in sorted(out.items())}


def _shown(values: frozenset[tuple[str, Any]]) -> str:
    return ", ".join(sorted(repr(v) for _, v in values))


def _derived_problems(
    pattern: Pattern, path: str, derivable: Derivable
) -> list[tuple[str, str, str | None]]:
    """An unknown derived code, or a value it can never take."""
    if pattern.code not in derivable:
        return [
            (
                f"{path}.derived",
                f"unknown derived fact {pattern.code!r}: no plugin declares it "
                "(registry.add_derived in careengine_catalog) and no rule derives it",
                suggest(pattern.code, derivable),
            )
        ]
    values = derivable[pattern.code]
    if values is None:
        return []
    out: list[tuple[str, str, str | None]] = []
    for test in pattern.tests:
        tpath = f"{path}.{test.field}"
        if test.field != "value":
            continue
        if test.op in (Op.EQ, Op.NEQ, Op.IN):
            wanted = (
                test.value if test.op is Op.IN and isinstance(test.value, tuple) else (test.value,)
            )
            for value in wanted:
                if _value_key(value) not in values:
                    words = [str(v) for k, v in values if k == "str"]
                    out.append(
                        (
                            tpath,
                            f"derived {pattern.code} is never {value!r} "
                            f"(its values: {_shown(values)})",
                            suggest(value, words) if isinstance(value, str) else None,
                        )
                    )
        elif test.op in _NUMERIC_OPS and not any(k == "number" for k, _ in values):
            out.append(
                (
                    tpath,
                    f"{test.op.value} compares derived {pattern.code} with a number, but it is "
                    f"never a number (its values: {_shown(values)})",
                    None,
                )
            )
    return out


def pattern_problems(
    pattern: Pattern,
    path: str,
    catalog: Catalog,
    first: bool,
    derivable: Derivable | None = None,
) -> list[tuple[str, str, str | None]]:
    """(path, message, suggestion) for one pattern (``derivable``: see :func:`derivable_codes`;
    without it derived codes are not checked)."""
    out: list[tuple[str, str, str | None]] = []
    if pattern.fact is FactType.DERIVED and derivable is not None:
        out += _derived_problems(pattern, path, derivable)
    if pattern.fact is not FactType.DERIVED:
        codes = known_codes(catalog, pattern.fact)
        if pattern.code not in codes:
            what = (
                "intervention"
                if pattern.fact is FactType.PREFERENCE
                else pattern.fact.value.replace("_", " ")
            )
            out.append(
                (
                    f"{path}.{PATTERN_KEY[pattern.fact]}",
                    f"unknown {what} {pattern.code!r}",
                    suggest(pattern.code, codes),
                )
            )
    for test in pattern.tests:
        tpath = f"{path}.{test.field}"
        if test.op is Op.AT_LEAST:
            if test.field != "severity":
                out.append((tpath, "at_least applies to severity only", None))
            elif test.value not in [s.value for s in Severity]:
                out.append(
                    (
                        tpath,
                        f"at_least needs a severity (mild, moderate, severe), not {test.value!r}",
                        suggest(str(test.value), [s.value for s in Severity]),
                    )
                )
        elif test.op in _NUMERIC_OPS and (
            isinstance(test.value, bool) or not isinstance(test.value, int | float)
        ):
            out.append((tpath, f"{test.op.value} needs a number, not {test.value!r}", None))
        elif test.op is Op.IN and (not isinstance(test.value, tuple) or not test.value):
            out.append((tpath, "in needs a non-empty list", None))
        elif test.op is Op.IN and len(test.value) > MAX_IN_VALUES:
            out.append(
                (tpath, f"in takes at most {MAX_IN_VALUES} values, not {len(test.value)}", None)
            )
        elif test.op is Op.SAME_AS_FIRST and first:
            out.append((tpath, "same_side needs an earlier pattern in `all` to compare with", None))
        elif (
            test.field == "severity"
            and test.op in (Op.EQ, Op.NEQ)
            and test.value not in [s.value for s in Severity]
        ):
            out.append(
                (
                    tpath,
                    f"severity must be mild, moderate or severe, not {test.value!r}",
                    suggest(str(test.value), [s.value for s in Severity]),
                )
            )
        values = test.value if isinstance(test.value, tuple) else (test.value,)
        if any(not finite_value(v) for v in values):
            out.append((tpath, f"needs finite numbers, not {test.value!r}", None))
    return out


_VERBS = {Add: "add", Exclude: "exclude", AddPrecaution: "precaution"}


def action_problems(action: object, catalog: Catalog) -> list[tuple[str, str, str | None]]:
    """(key, message, suggestion) for an action naming an unknown intervention or stage.

    Used for declared actions before anything runs and, by the engine, for actions that Python
    code returns while the rules fire."""
    out: list[tuple[str, str, str | None]] = []
    interventions = tuple(catalog.interventions)
    stages = catalog.stage_ids()
    if isinstance(action, Add | Exclude | AddPrecaution) and (
        action.intervention not in catalog.interventions
    ):
        out.append(
            (
                _VERBS[type(action)],
                f"unknown intervention {action.intervention!r}",
                suggest(action.intervention, interventions),
            )
        )
    if isinstance(action, Add) and action.dosage is not None:
        intervention = catalog.interventions.get(action.intervention)
        ceiling = intervention.dosage_max if intervention is not None else None
        if not isinstance(action.dosage, Dosage):
            out.append(("dosage", f"must be a Dosage, not {type(action.dosage).__name__}", None))
        else:
            out += [("dosage", p, None) for p in dosage_problems(action.dosage, ceiling)]
    if isinstance(action, Derive) and not finite_value(action.value):
        out.append(("value", f"must be a finite number, not {action.value!r}", None))
    if isinstance(action, Add | StartStage) and action.stage not in stages:
        out.append(
            (
                "stage",
                f"unknown stage {action.stage!r} (stages: {', '.join(stages)})",
                suggest(action.stage, stages),
            )
        )
    return out


def _problem(
    problems: list[Problem],
    file: str | None,
    rule_id: str,
    path: str,
    message: str,
    suggestion: str | None = None,
) -> None:
    problems.append(
        Problem(file=file, rule_id=rule_id, path=path, message=message, suggestion=suggestion)
    )


def validate_packs(
    packs: Sequence[RulePack], catalog: Catalog, problems: Sequence[Problem] = ()
) -> None:
    """Raise RulePackError listing every problem of every pack (``problems`` adds those found
    while parsing); return quietly when clean."""
    problems = list(problems)
    try:
        check_unique(packs)
    except RulePackError as exc:
        problems.extend(exc.problems)
    derivable = derivable_codes(packs, catalog)
    for pack in packs:
        if not pack.version and pack.file is None:  # a TOML pack's parser reports it
            problems.append(Problem(file=pack.file, path="pack.version", message="is required"))
        for rule in pack.rules:
            add = functools.partial(_problem, problems, pack.file, rule.id)

            if not rule.when.all and not rule.when.any:
                add("when", "needs at least one pattern in `all` or `any`")
            if not rule.then and pack.file is None:  # the TOML parser reports its own
                add("then", "needs at least one action")
            if not rule.because.strip():
                add("because", "is required: say why the rule exists")
            for group in ("all", "any", "none"):
                for i, pattern in enumerate(getattr(rule.when, group)):
                    first = (group == "all" and i == 0) or (group == "any" and not rule.when.all)
                    for path, message, suggestion in pattern_problems(
                        pattern, f"when.{group}[{i}]", catalog, first, derivable
                    ):
                        add(path, message, suggestion)
            for i, action in enumerate(rule.then):
                path = f"then[{i}]"
                for key, message, suggestion in action_problems(action, catalog):
                    add(f"{path}.{key}", message, suggestion)
                if isinstance(action, Call) and not callable(action.fn):
                    add(path, "call needs a callable")
    if problems:
        raise RulePackError(f"{len(problems)} problem(s) in rule packs", problems=problems)
