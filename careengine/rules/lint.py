"""``careengine rules lint``: validation plus the checks of docs/design.md section 4.4.

Errors (broken or contradictory rules, unknown codes):

* ``catalog``: every problem of a catalog entry (:mod:`careengine.catalog_check`: unknown
  condition, intervention and kind codes, lone exclusive groups, empty steps, implausible
  dosages, ambiguous stages), naming the plugin and the entry;
* ``invalid``: every validation problem (unknown codes and stages, bad operators, types, ...);
* ``never-fires``: a ``none`` pattern that every fact of an ``all`` pattern satisfies, or one
  pattern that tests a field for two different values;
* ``always-vetoed``: a rule that requires a condition (or the patient's ``declines``) that
  vetoes the very intervention it adds;
* ``conflicting-rules``: two rules with identical conditions and conflicting actions (one adds
  what the other excludes, the same alert at two levels, two different start stages);
* ``cycle``: rules that cannot be ordered because of a cycle through negation.

Warnings (coverage):

* ``duplicate-rule``: two rules with identical conditions and identical actions;
* ``unused-intervention``: a catalog intervention that no rule adds and that is neither an
  alternative nor a progression step of one that is added;
* ``unaddressed-finding``: an impairment finding that no rule's ``add`` addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from careengine.catalog_check import catalog_problems
from careengine.errors import Problem, RulePackError
from careengine.registry import Catalog
from careengine.rules.compile import stratify
from careengine.rules.model import (
    Add,
    Exclude,
    FactType,
    Op,
    Pattern,
    RaiseAlert,
    Rule,
    RulePack,
    StartStage,
)
from careengine.rules.toml_pack import expand, load_paths
from careengine.rules.validate import validate_packs


@attrs.frozen(kw_only=True)
class LintFinding:
    severity: str  # "error" | "warning"
    check: str
    message: str
    file: str | None = None
    rule_id: str | None = None
    path: str | None = None
    #: the catalog entry a catalog-wide finding is about, as its registry key (kind, code): whose
    #: plugin registered it decides whether linting a clinic's paths reports it
    about: tuple[str, str] | None = attrs.field(default=None, eq=False, repr=False)

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.rule_id, self.path) if p)
        return f"{self.severity} [{self.check}] " + (f"{where}: " if where else "") + self.message

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, filter=lambda a, _: a.name != "about")


def _error(check: str, message: str, **where: Any) -> LintFinding:
    return LintFinding(severity="error", check=check, message=message, **where)


def _warning(check: str, message: str, **where: Any) -> LintFinding:
    return LintFinding(severity="warning", check=check, message=message, **where)


def _implies(general: Pattern, specific: Pattern) -> bool:
    """Every fact matching ``specific`` also matches ``general``."""
    if (general.fact, general.code) != (specific.fact, specific.code):
        return False
    if any(t.op is Op.SAME_AS_FIRST for t in general.tests):
        return False
    return set(general.tests) <= set(specific.tests)


def _self_contradictory(pattern: Pattern) -> str | None:
    equal: dict[str, set[Any]] = defaultdict(set)
    for test in pattern.tests:
        if test.op is Op.EQ:
            equal[test.field].add(test.value)
    for field, values in sorted(equal.items()):
        if len(values) > 1:
            return f"{pattern.fact.value} {pattern.code} requires {field} to be " + " and ".join(
                sorted(repr(v) for v in values)
            )
    return None


def _when_key(rule: Rule) -> tuple[Any, ...]:
    def norm(patterns: Iterable[Pattern]) -> tuple[Any, ...]:
        return tuple(
            sorted((p.fact.value, p.code, tuple(sorted(map(repr, p.tests)))) for p in patterns)
        )

    return (norm(rule.when.all), norm(rule.when.any), norm(rule.when.none))


def _rule_checks(rule: Rule, pack: RulePack, catalog: Catalog) -> list[LintFinding]:
    where = {"file": pack.file, "rule_id": rule.id}
    out: list[LintFinding] = []
    for group in ("all", "any", "none"):
        for i, pattern in enumerate(getattr(rule.when, group)):
            reason = _self_contradictory(pattern)
            if reason is not None:
                out.append(
                    _error(
                        "never-fires",
                        f"can never fire: {reason}",
                        path=f"when.{group}[{i}]",
                        **where,
                    )
                )
    for i, negated in enumerate(rule.when.none):
        for j, required in enumerate(rule.when.all):
            if _implies(negated, required):
                out.append(
                    _error(
                        "never-fires",
                        f"can never fire: when.none[{i}] rules out every fact that "
                        f"when.all[{j}] ({required.label()}) needs",
                        path=f"when.none[{i}]",
                        **where,
                    )
                )
    required_conditions = {p.code for p in rule.when.all if p.fact is FactType.CONDITION}
    declined = {p.code for p in rule.when.all if p.fact is FactType.PREFERENCE}
    excluded_here = {a.intervention for a in rule.then if isinstance(a, Exclude)}
    for i, action in enumerate(rule.then):
        if not isinstance(action, Add):
            continue
        intervention = catalog.interventions.get(action.intervention)
        if intervention is None:
            continue
        vetoes = sorted(required_conditions & set(intervention.contraindications_absolute))
        if action.intervention in declined:
            vetoes.append("the patient declines it")
        if action.intervention in excluded_here:
            vetoes.append("this rule also excludes it")
        if vetoes:
            out.append(
                _error(
                    "always-vetoed",
                    f"adds {action.intervention}, which is always vetoed when this rule fires "
                    f"({', '.join(vetoes)})",
                    path=f"then[{i}]",
                    **where,
                )
            )
    return out


def _conflict(a: Rule, b: Rule) -> str | None:
    adds_a = {x.intervention for x in a.then if isinstance(x, Add)}
    adds_b = {x.intervention for x in b.then if isinstance(x, Add)}
    excl_a = {x.intervention for x in a.then if isinstance(x, Exclude)}
    excl_b = {x.intervention for x in b.then if isinstance(x, Exclude)}
    both = sorted((adds_a & excl_b) | (adds_b & excl_a))
    if both:
        return f"one adds and the other excludes {', '.join(both)}"
    levels_a = {x.code: x.level for x in a.then if isinstance(x, RaiseAlert)}
    for x in b.then:
        if isinstance(x, RaiseAlert) and x.code in levels_a and levels_a[x.code] != x.level:
            return f"alert {x.code} at {levels_a[x.code].value} and at {x.level.value}"
    stages_a = {x.stage for x in a.then if isinstance(x, StartStage)}
    stages_b = {x.stage for x in b.then if isinstance(x, StartStage)}
    if stages_a and stages_b and stages_a != stages_b:
        return f"start_stage {', '.join(sorted(stages_a))} and {', '.join(sorted(stages_b))}"
    return None


def _pair_checks(pairs: Sequence[tuple[Rule, RulePack]]) -> list[LintFinding]:
    out: list[LintFinding] = []
    groups: dict[tuple[Any, ...], list[tuple[Rule, RulePack]]] = defaultdict(list)
    for rule, pack in pairs:
        groups[_when_key(rule)].append((rule, pack))
    for group in groups.values():
        for i, (a, pack_a) in enumerate(group):
            for b, _ in group[i + 1 :]:
                reason = _conflict(a, b)
                if reason is not None:
                    out.append(
                        _error(
                            "conflicting-rules",
                            f"same conditions as {b.id} but conflicting actions: {reason}",
                            file=pack_a.file,
                            rule_id=a.id,
                        )
                    )
                elif a.then == b.then:
                    out.append(
                        _warning(
                            "duplicate-rule",
                            f"duplicates {b.id} (same conditions and actions)",
                            file=pack_a.file,
                            rule_id=a.id,
                        )
                    )
    return out


def _coverage(pairs: Sequence[tuple[Rule, RulePack]], catalog: Catalog) -> list[LintFinding]:
    added: set[str] = set()
    addressed: set[str] = set()
    for rule, _ in pairs:
        findings = {p.code for p in rule.when.positive() if p.fact is FactType.FINDING}
        for action in rule.then:
            if isinstance(action, Add):
                added.add(action.intervention)
                addressed |= set(action.addresses) if action.addresses is not None else findings
    reachable = set(added)
    frontier = list(added)
    while frontier:
        intervention = catalog.interventions.get(frontier.pop())
        if intervention is None:
            continue
        for nxt in (
            *intervention.alternatives,
            intervention.progresses_to,
            intervention.regresses_to,
        ):
            if nxt and nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    out = [
        _warning(
            "unused-intervention",
            f"catalog intervention {i} is never added by any rule",
            about=("intervention", i),
        )
        for i in sorted(set(catalog.interventions) - reachable)
    ]
    out += [
        _warning(
            "unaddressed-finding",
            f"impairment finding {f} is addressed by no rule",
            about=("finding code", f),
        )
        for f in sorted(catalog.impairments() - addressed)
    ]
    return out


def _with_hint(problem: Problem) -> str:
    hint = f" (did you mean '{problem.suggestion}'?)" if problem.suggestion else ""
    return problem.message + hint


def lint_packs(
    packs: Sequence[RulePack], catalog: Catalog, problems: Sequence[Problem] = ()
) -> list[LintFinding]:
    findings: list[LintFinding] = [
        _error("catalog", _with_hint(p), path=p.path) for p in catalog_problems(catalog)
    ]
    try:
        validate_packs(packs, catalog, problems)
    except RulePackError as exc:
        findings += [
            _error(
                "invalid",
                _with_hint(p),
                file=p.file,
                rule_id=p.rule_id,
                path=p.path,
            )
            for p in exc.problems
        ]
    pairs = sorted(((r, p) for p in packs for r in p.rules), key=lambda rp: rp[0].id)
    try:
        stratify([r for r, _ in pairs])
    except RulePackError as exc:
        findings += [_error("cycle", p.message, rule_id=p.rule_id) for p in exc.problems]
    for rule, pack in pairs:
        findings += _rule_checks(rule, pack, catalog)
    findings += _pair_checks(pairs)
    findings += _coverage(pairs, catalog)
    return sorted(
        findings,
        key=lambda f: (
            f.severity != "error",
            f.file or "",
            f.rule_id or "",
            f.check,
            f.path or "",
            f.message,
        ),
    )


def lint_installed(
    paths: Sequence[str | Path] = (),
    *,
    plugins: Sequence[str | object] = (),
    builtins: bool | Sequence[str] = True,
    entry_points: bool = True,
    allow: Collection[str] | None = None,
    block: Collection[str] = (),
) -> list[LintFinding]:
    """Lint the given packs together with everything installed.

    With ``paths``, the installed packs and the built-in catalog are context only: the findings
    are every error (an engine would refuse to build with any of them), the warnings about the
    given files and the coverage warnings about catalog entries that no built-in plugin
    registered (a clinic's own interventions and findings); a given file that an installed
    plugin also registers is linted once. Without ``paths``, every
    finding about everything installed, the catalog-wide coverage warnings included."""
    from careengine.plugins import get_plugin_manager

    host = get_plugin_manager(
        builtins=builtins, entry_points=entry_points, extra=plugins, allow=allow, block=block
    )
    catalog = host.catalog(check=False)  # its problems are findings here, not an exception
    registry = host.rule_packs()
    installed = expand(registry.paths)
    labels = {_same_file(p): plugin for p, plugin in installed}
    given = [
        (p, labels.get(_same_file(p), "(lint)")) for p, _ in expand((Path(p), "") for p in paths)
    ]
    mine = {_same_file(p) for p, _ in given}
    context = [(p, plugin) for p, plugin in installed if _same_file(p) not in mine]
    file_packs, problems = load_paths([*context, *given])
    findings = lint_packs([*registry.packs, *file_packs], catalog, problems)
    if not paths:
        return findings
    names = {str(p) for p, _ in given}
    builtin = {name for name, info in host.infos.items() if info.builtin}

    def reported(f: LintFinding) -> bool:
        if f.severity == "error" or (f.file is not None and f.file in names):
            return True
        return f.about is not None and catalog.owners.get(f.about) not in builtin

    return [f for f in findings if reported(f)]


def _same_file(path: Path) -> Path:
    """A key under which two spellings of one file are equal."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
