"""Golden cases: an assessment plus what a physical therapist expects of its plan.

A case file is TOML (``*.case.toml``) holding one or more ``[[cases]]``::

    [[cases]]
    name = "desk worker gets thoracic mobility work"
    assessment = "../assessments/desk-worker.json"   # relative to this file
    status = "ready"
    current_stage = "relieve"
    in_stage = [{ intervention = "open_book_rotation", stage = "mobilize" }]
    not_in_stage = [{ intervention = "cobra" }]        # no stage: in none of them
    excluded = [{ intervention = "spinal_thrust_manipulation", reason = "osteoporosis" }]
    deferred = [{ intervention = "row", stage = "return", reason = "at most" }]  # stage optional
    alerts = [{ code = "cauda_equina_suspected", level = "emergency" }]
    no_alerts = ["malignancy_suspected"]
    referrals = [{ to = "emergency department", urgency = "emergency" }]
    classifications = { "startback.risk" = "low" }
    unaddressed = []
    not_used = ["odi"]                 # exactly these codes changed nothing (sorted)
    used = ["acute_disc_herniation"]   # these codes are not in not_used

Instead of ``assessment`` a case may hold the assessment inline as ``[cases.assessment_data]``.
The same runner serves ``careengine rules test`` and pytest (:func:`run_case_files`).

A reassessment case adds ``followup`` (a path, or a list of paths for a chain of visits) or
inline ``[[cases.followup_data]]`` tables; the first plan comes from ``assessment`` (evaluated) or
``previous_plan`` (a stored plan JSON). Each follow-up is reassessed against the plan before it and
the expectations apply to the last plan; see :mod:`careengine.rules.golden_progression` for the
keys that check the progression (``decision``, ``to_stage``, ``progressed``, ``dosage``, ...).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from careengine.engine import Engine
from careengine.errors import CareEngineError, Problem, RulePackError
from careengine.io.json_text import parse_json
from careengine.io.regular_files import NotRegularFile, read_regular_file
from careengine.model import Plan
from careengine.render.serialize import plan_to_dict
from careengine.rules.golden_progression import PROGRESSION_KEYS, check_progression
from careengine.rules.golden_vocabulary import Vocabulary, expectation_problems

#: What a case may expect of its plan (also the keywords of ``careengine.testing.assert_plan``).
EXPECT_KEYS = frozenset(
    {
        "status",
        "current_stage",
        "in_stage",
        "not_in_stage",
        "excluded",
        "deferred",
        "alerts",
        "no_alerts",
        "referrals",
        "classifications",
        "unaddressed",
        "not_used",
        "used",
    }
)
CASE_KEYS = EXPECT_KEYS | {
    "name",
    "assessment",
    "assessment_data",
    "previous_plan",
    "followup",
    "followup_data",
    *PROGRESSION_KEYS,
}
FIRST_VISIT = ("assessment", "assessment_data", "previous_plan")


@attrs.frozen(kw_only=True)
class Case:
    name: str
    file: str
    assessment: Mapping[str, Any] | None
    assessment_path: Path | None
    expect: Mapping[str, Any]
    previous_plan_path: Path | None = None
    followups: tuple[Mapping[str, Any] | Path, ...] = ()


@attrs.frozen(kw_only=True)
class CaseResult:
    case: Case
    failures: tuple[str, ...]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


def load_cases(path: str | Path) -> list[Case]:
    """Parse one case file; raises RulePackError listing every problem."""
    p = Path(path)
    problems: list[Problem] = []
    try:
        data = tomllib.loads(read_regular_file(p).decode("utf-8"))
    except NotRegularFile as exc:
        raise RulePackError(
            "bad case file",
            problems=[Problem(file=str(p), path="$", message=f"not a regular file ({exc})")],
        ) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulePackError(
            "bad case file",
            problems=[Problem(file=str(p), path="$", message=f"cannot read: {exc}")],
        ) from exc
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise RulePackError(
            "bad case file",
            problems=[
                Problem(file=str(p), path="cases", message="needs at least one [[cases]] table")
            ],
        )
    cases = []
    for i, raw in enumerate(raw_cases):
        where = f"cases[{i}]"
        for key in raw:
            if key not in CASE_KEYS:
                problems.append(
                    Problem(file=str(p), path=f"{where}.{key}", message=f"unknown key {key!r}")
                )
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            problems.append(Problem(file=str(p), path=f"{where}.name", message="is required"))
            continue
        inline = raw.get("assessment_data")
        ref = raw.get("assessment")
        if sum(raw.get(key) is not None for key in FIRST_VISIT) != 1:
            problems.append(
                Problem(
                    file=str(p),
                    path=where,
                    message="give exactly one of assessment, assessment_data or previous_plan",
                )
            )
            continue
        followups = _followups(raw, p, where, problems)
        if followups is None:
            continue
        previous = raw.get("previous_plan")
        if previous is not None and not followups:
            problems.append(
                Problem(file=str(p), path=where, message="previous_plan needs a followup")
            )
            continue
        cases.append(
            Case(
                name=name,
                file=str(p),
                assessment=inline,
                assessment_path=(p.parent / ref) if isinstance(ref, str) else None,
                previous_plan_path=(p.parent / previous) if isinstance(previous, str) else None,
                followups=followups,
                expect={
                    k: v
                    for k, v in raw.items()
                    if k not in ("name", *FIRST_VISIT, "followup", "followup_data")
                },
            )
        )
    if problems:
        raise RulePackError("bad case file", problems=problems)
    return cases


def _followups(
    raw: Mapping[str, Any], p: Path, where: str, problems: list[Problem]
) -> tuple[Mapping[str, Any] | Path, ...] | None:
    """The case's follow-ups in visit order (paths relative to the case file, or inline data)."""
    refs, inline = raw.get("followup"), raw.get("followup_data")
    if refs is not None and inline is not None:
        problems.append(
            Problem(file=str(p), path=where, message="give followup or followup_data, not both")
        )
        return None
    if refs is not None:
        refs = [refs] if isinstance(refs, str) else refs
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            problems.append(
                Problem(file=str(p), path=f"{where}.followup", message="must be a path or a list")
            )
            return None
        return tuple(p.parent / r for r in refs)
    if inline is not None:
        inline = [inline] if isinstance(inline, Mapping) else inline
        if not isinstance(inline, list) or not all(isinstance(d, Mapping) for d in inline):
            problems.append(
                Problem(
                    file=str(p),
                    path=f"{where}.followup_data",
                    message="must be a table or an array of tables",
                )
            )
            return None
        return tuple(inline)
    return ()


def _stages_of(plan: Plan, intervention: str) -> list[str]:
    return [stage for stage, item in plan.items() if item.intervention == intervention]


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return KeyError(dotted)
        node = node[part]
    return node


def check_plan(plan: Plan, expect: Mapping[str, Any]) -> list[str]:
    """Every expectation the plan does not meet, as a precise sentence."""
    failures: list[str] = []
    if "status" in expect and plan.status.value != expect["status"]:
        failures.append(f"status: expected {expect['status']!r}, got {plan.status.value!r}")
    if "current_stage" in expect and plan.current_stage != expect["current_stage"]:
        failures.append(
            f"current_stage: expected {expect['current_stage']!r}, got {plan.current_stage!r}"
        )
    excluded = {e.intervention: e.reasons for e in plan.excluded}
    for want in expect.get("in_stage", ()):
        where = _stages_of(plan, want["intervention"])
        if want["stage"] not in where:
            stage_items = [i.intervention for s, i in plan.items() if s == want["stage"]]
            deferred = {d.intervention: d for d in plan.deferred}
            if want["intervention"] in excluded:
                why = f"excluded ({'; '.join(excluded[want['intervention']])})"
            elif want["intervention"] in deferred:
                d = deferred[want["intervention"]]
                why = f"deferred from {d.stage} ({d.reason})"
            else:
                why = f"found in {where or 'no stage'}"
            failures.append(
                f"in_stage: expected {want['intervention']} in {want['stage']}; {why}; "
                f"{want['stage']} has [{', '.join(stage_items)}]"
            )
    for want in expect.get("not_in_stage", ()):
        where = _stages_of(plan, want["intervention"])
        stage = want.get("stage")
        if (stage is None and where) or (stage is not None and stage in where):
            failures.append(
                f"not_in_stage: {want['intervention']} should not be in {stage or 'any stage'}; "
                f"found in {where}"
            )
    for want in expect.get("excluded", ()):
        reasons = excluded.get(want["intervention"])
        if reasons is None:
            failures.append(f"excluded: expected {want['intervention']} to be excluded; it is not")
        elif "reason" in want and not any(want["reason"] in r for r in reasons):
            failures.append(
                f"excluded: {want['intervention']} has no reason containing {want['reason']!r}; "
                f"reasons: {list(reasons)}"
            )
    for want in expect.get("deferred", ()):
        found = [
            d
            for d in plan.deferred
            if d.intervention == want["intervention"] and want.get("stage", d.stage) == d.stage
        ]
        from_stage = f" from {want['stage']}" if "stage" in want else ""
        if not found:
            listed = [f"{d.intervention} ({d.stage})" for d in plan.deferred]
            failures.append(
                f"deferred: expected {want['intervention']} to be deferred{from_stage}; "
                f"deferred are [{', '.join(listed)}]"
            )
        elif "reason" in want and not any(want["reason"] in d.reason for d in found):
            failures.append(
                f"deferred: {want['intervention']} has no reason containing {want['reason']!r}; "
                f"reasons: {[d.reason for d in found]}"
            )
    alerts = {a.code: a.level.value for a in plan.alerts}
    for want in expect.get("alerts", ()):
        got = alerts.get(want["code"])
        if got is None:
            failures.append(
                f"alerts: expected {want['code']}; alerts are {sorted(alerts) or 'none'}"
            )
        elif "level" in want and got != want["level"]:
            failures.append(f"alerts: {want['code']} expected level {want['level']!r}, got {got!r}")
    for code in expect.get("no_alerts", ()):
        if code in alerts:
            failures.append(f"no_alerts: {code} should not be raised; it is ({alerts[code]})")
    referrals = {r.to: r.urgency.value for r in plan.referrals}
    for want in expect.get("referrals", ()):
        got = referrals.get(want["to"])
        if got is None:
            failures.append(
                f"referrals: expected one to {want['to']!r}; got {sorted(referrals) or 'none'}"
            )
        elif "urgency" in want and got != want["urgency"]:
            failures.append(f"referrals: {want['to']} expected {want['urgency']!r}, got {got!r}")
    classifications = plan_to_dict(plan)["classifications"]
    for dotted, value in sorted(expect.get("classifications", {}).items()):
        got = _lookup(classifications, dotted)
        if isinstance(got, KeyError):
            failures.append(f"classifications: {dotted} is missing")
        elif got != value or (type(got) is bool and type(value) is not bool):
            failures.append(f"classifications: {dotted} expected {value!r}, got {got!r}")
    if "unaddressed" in expect and sorted(expect["unaddressed"]) != list(plan.unaddressed):
        failures.append(
            f"unaddressed: expected {sorted(expect['unaddressed'])}, got {list(plan.unaddressed)}"
        )
    not_used = sorted({n.code for n in plan.not_used})
    if "not_used" in expect and sorted(expect["not_used"]) != not_used:
        failures.append(f"not_used: expected {sorted(expect['not_used'])}, got {not_used}")
    for code in expect.get("used", ()):
        if code in not_used:
            why = "; ".join(n.reason for n in plan.not_used if n.code == code)
            failures.append(f"used: {code} changed nothing in the plan ({why})")
    return failures


def run_case(engine: Engine, case: Case, vocabulary: Vocabulary | None = None) -> CaseResult:
    """Run one case. An expectation naming an unknown intervention, stage or alert code makes
    the case an error, not a pass (``vocabulary``: the engine's, computed when not given)."""
    try:
        if case.previous_plan_path is not None:
            plan = engine.load_plan(case.previous_plan_path)
        elif case.assessment_path is not None:
            plan = engine.evaluate(engine.load_assessment(case.assessment_path))
        else:
            data = parse_json(json.dumps(case.assessment), file=case.file)
            plan = engine.evaluate(engine.load_assessment(data))
        decisions = []
        for followup in case.followups:
            if not isinstance(followup, Path):
                followup = parse_json(json.dumps(followup), file=case.file)
            plan = engine.reassess(plan, followup)
            assert plan.progression is not None
            decisions.append(plan.progression.decision.value)
    except CareEngineError as exc:
        return CaseResult(case=case, failures=(), error="; ".join(exc.lines()))
    unknown = expectation_problems(case.expect, vocabulary or Vocabulary.of(engine), plan)
    if unknown:
        return CaseResult(case=case, failures=(), error="; ".join(unknown))
    failures = check_plan(plan, case.expect) + check_progression(plan, decisions, case.expect)
    return CaseResult(case=case, failures=tuple(failures))


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for path in map(Path, paths):
        out.extend(sorted(path.rglob("*.case.toml")) if path.is_dir() else [path])
    return out


def run_case_files(engine: Engine, paths: Sequence[str | Path]) -> list[CaseResult]:
    """Load and run every case under the paths (directories: ``*.case.toml``)."""
    vocabulary = Vocabulary.of(engine)
    return [run_case(engine, case, vocabulary) for f in case_files(paths) for case in load_cases(f)]
