"""What each stage holds and where the plan starts (docs/design.md section 5, points 6 and 9-11).

After the vetoes, duplicates and exclusive groups, the merge hands the placed items to
:func:`arrange`, which applies, in this order:

1. **Passive only with exercise.** Manual therapy, modalities and procedures are given only as
   part of a package that includes exercise (NICE NG59 1.2.7). When the plan holds no exercise at
   all, every passive item is deferred with that reason.
2. **The current stage is never empty.** The ``start_stage`` rule's stage when it holds items;
   otherwise the first stage after it that holds items, else the first stage that holds items.
   The plan says which (``current_stage_reason``).
3. **Active first.** The current stage holds an exercise whenever the plan holds one, and no
   stage holds a passive item without an exercise: the best-fitting exercise is moved there from
   the nearest later stage (else the nearest earlier one) that can spare it; the item records the
   stage it was proposed for (``proposed_stage``) and its ``because`` says why. A stage with
   passive items and no exercise to spare defers its passive items.
4. **One exercise per purpose.** Two exercises one step apart on a progression chain of the
   catalog (one ``progresses_to`` or ``regresses_to`` the other, e.g. bridge and single-leg
   bridge) are two levels of one exercise, so they serve the same purpose: taking exercises
   best first, a stage keeps one and defers any that is a level of one already kept, unless
   ``allow_same_purpose``.
5. **Exercise cap**, then the **item cap**: a stage keeps at most ``max_exercises_per_stage``
   exercises and ``max_items_per_stage`` items (always its best exercise among them).

"Best" is :func:`rank`: priority, then the number of impairments addressed, then the strongest
evidence grade the catalog's note records, then the intervention id. Every rule here moves or
defers; nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from careengine.model import Contribution, Deferred, InterventionKind, Plan, PlanItem
from careengine.plugins.registry import Catalog

#: the kinds NICE NG59 1.2.7 allows only alongside exercise (manual therapy) and the other
#: passive treatments held to the same rule (local choice: modalities, traction)
PASSIVE_KINDS = frozenset(
    {InterventionKind.MANUAL_THERAPY, InterventionKind.MODALITY, InterventionKind.PROCEDURE}
)
NICE_PACKAGE = (
    "manual and other passive treatments are given only as part of a treatment package "
    "including exercise (NICE NG59 1.2.7)"
)
_GRADE = re.compile(r"\(([ABC])\)")
#: how a "one exercise per purpose" deferral starts (its level comes by progression)
SAME_PURPOSE = "same purpose as "
_STAGE_CAP = re.compile(r"stage \S+ holds at most \d+ (?:exercises|items)")
_GRADE_RANK = {"A": 3, "B": 2, "C": 1}


@attrs.frozen(kw_only=True)
class ProgrammeIndex:
    """What the programme rules need from the catalog, computed once per engine."""

    #: (easier, harder) pairs of exercises one step apart on a progression chain: the catalog's
    #: ``progresses_to`` and ``regresses_to`` links between two exercises
    steps: frozenset[tuple[str, str]]
    #: intervention id -> the strongest grade its evidence note records (A 3, B 2, C 1)
    evidence: Mapping[str, int]

    @classmethod
    def of(cls, catalog: Catalog) -> ProgrammeIndex:
        exercises = {
            i.id: i for i in catalog.interventions.values() if i.kind is InterventionKind.EXERCISE
        }
        steps: set[tuple[str, str]] = set()
        for i in exercises.values():
            if i.progresses_to in exercises and i.progresses_to != i.id:
                steps.add((i.id, i.progresses_to))
            if i.regresses_to in exercises and i.regresses_to != i.id:
                steps.add((i.regresses_to, i.id))
        evidence = {}
        for i in catalog.interventions.values():
            grades = [_GRADE_RANK[g] for g in _GRADE.findall(i.evidence or "")]
            if grades:
                evidence[i.id] = max(grades)
        return cls(steps=frozenset(steps), evidence=evidence)

    def same_purpose(self, kept: str, other: str) -> str | None:
        """How ``other`` serves the purpose of ``kept`` (one level of the same exercise), in
        words; ``None`` when it serves another."""
        if (kept, other) in self.steps:
            return f"{other} is the next level of {kept}"
        if (other, kept) in self.steps:
            return f"{other} is the easier level of {kept}"
        return None


def deferred_for_room(reason: str) -> str | None:
    """The short form of a deferral made only for room: one level of an exercise at a time
    (rule 4) or a stage cap (rule 5); ``None`` for any other deferral. A progression at
    reassessment may step onto such a level, taking it out of ``deferred``."""
    if reason.startswith(SAME_PURPOSE):
        return reason.split(",", 1)[0]
    cap = _STAGE_CAP.match(reason)
    return cap.group(0) if cap else None


def rank(item: PlanItem, index: ProgrammeIndex) -> tuple[int, int, int, str]:
    """Sort key, best first: priority, impairments addressed, evidence grade, then id."""
    return (
        -item.priority,
        -len(item.addresses),
        -index.evidence.get(item.intervention, 0),
        item.intervention,
    )


def _order(item: PlanItem) -> tuple[int, str]:
    return (-item.priority, item.intervention)


def _is_exercise(item: PlanItem) -> bool:
    return item.kind is InterventionKind.EXERCISE


def _is_passive(item: PlanItem) -> bool:
    return item.kind in PASSIVE_KINDS


def _drop(items: list[PlanItem], item: PlanItem) -> None:
    """Remove ``item`` itself (a stage holds an intervention once; no field-by-field ``==``)."""
    for n, held in enumerate(items):
        if held is item:
            del items[n]
            return
    raise ValueError(f"{item.intervention} is not in the stage")  # pragma: no cover


@attrs.frozen(kw_only=True)
class Arrangement:
    """Every stage's items (in plan order), what was deferred, and the current stage."""

    items: Mapping[str, tuple[PlanItem, ...]]
    deferred: tuple[Deferred, ...]
    current_stage: str
    current_stage_reason: str


class _Arranger:
    def __init__(
        self,
        *,
        stage_ids: Sequence[str],
        items: Mapping[str, Sequence[PlanItem]],
        index: ProgrammeIndex,
    ) -> None:
        self.stage_ids = tuple(stage_ids)
        self.index = index
        self.stages: dict[str, list[PlanItem]] = {
            s: sorted(items.get(s, ()), key=_order) for s in self.stage_ids
        }
        self.deferred: list[Deferred] = []

    def defer(self, stage_id: str, item: PlanItem, reason: str) -> None:
        _drop(self.stages[stage_id], item)
        self.deferred.append(
            Deferred(intervention=item.intervention, stage=stage_id, reason=reason)
        )

    def exercises(self, stage_id: str) -> list[PlanItem]:
        exercise = InterventionKind.EXERCISE
        return [i for i in self.stages[stage_id] if i.kind is exercise]

    def any_exercise(self) -> bool:
        exercise = InterventionKind.EXERCISE
        return any(i.kind is exercise for items in self.stages.values() for i in items)

    # --- 1. passive only with exercise ------------------------------------------------------

    def defer_passive(self, stage_id: str, why: str) -> None:
        for item in [i for i in self.stages[stage_id] if _is_passive(i)]:
            self.defer(stage_id, item, f"{NICE_PACKAGE}, and {why}")

    # --- 2. the current stage ---------------------------------------------------------------

    def current(self, start: Contribution | None) -> tuple[str, str]:
        held = [s for s in self.stage_ids if self.stages[s]]
        if start is not None and start.stage in self.stages:
            rule = f"rule {start.because.rule}"
            why = start.because.rationale.strip().rstrip(".")
            said = f"{rule} starts the plan at stage {start.stage}" + (f" ({why})" if why else "")
            if self.stages[start.stage]:
                return start.stage, said
            at = self.stage_ids.index(start.stage)
            later = [s for s in held if self.stage_ids.index(s) > at]
            if later:
                return later[0], (
                    f"{said}, which holds no items: {later[0]} is the first stage after it "
                    "that holds items"
                )
            if held:
                return held[0], (
                    f"{said}, which holds no items and no later stage holds any: {held[0]} is "
                    "the first stage that holds items"
                )
            return start.stage, f"{said}; no stage holds items"
        if held:
            return held[0], f"no rule set a start stage: {held[0]} is the first stage with items"
        first = self.stage_ids[0] if self.stage_ids else ""
        return first, "no stage holds items: the plan stays at its first stage"

    # --- 3. active first --------------------------------------------------------------------

    def donors(self, stage_id: str) -> list[str]:
        """Other stages, the nearest later one first, then the nearest earlier one."""
        at = self.stage_ids.index(stage_id)
        return [*self.stage_ids[at + 1 :], *reversed(self.stage_ids[:at])]

    def spare(self, stage_id: str, current: str) -> bool:
        """Whether ``stage_id`` can give up one exercise and still keep its own rules."""
        if len(self.exercises(stage_id)) > 1:
            return True
        return stage_id != current and not any(_is_passive(i) for i in self.stages[stage_id])

    def bring(self, stage_id: str, current: str, *, spare_only: bool, why: str) -> bool:
        """Move the best-fitting exercise of the nearest stage that has one into ``stage_id``."""
        wanted = {a for i in self.stages[stage_id] for a in i.addresses}
        for donor in self.donors(stage_id):
            candidates = self.exercises(donor)
            if not candidates or (spare_only and not self.spare(donor, current)):
                continue
            best = min(
                candidates,
                key=lambda i: (-len(wanted & set(i.addresses)), *rank(i, self.index)),
            )
            _drop(self.stages[donor], best)
            way = (
                "brought forward"
                if self.stage_ids.index(donor) > self.stage_ids.index(stage_id)
                else "moved on"
            )
            note = f"{way.capitalize()} from stage {donor} to stage {stage_id}: {why}. "
            moved = attrs.evolve(
                best,
                proposed_stage=best.proposed_stage or donor,
                because=tuple(attrs.evolve(b, rationale=note + b.rationale) for b in best.because),
            )
            self.stages[stage_id].append(moved)
            self.stages[stage_id].sort(key=_order)
            return True
        return False

    def active_first(self, current: str) -> None:
        if not self.any_exercise():
            return
        if not self.exercises(current):
            why = "the stage the patient starts in holds at least one active exercise"
            if any(_is_passive(i) for i in self.stages[current]):
                why = f"{NICE_PACKAGE}; {why}"
            if not self.bring(current, current, spare_only=True, why=why):
                self.bring(current, current, spare_only=False, why=why)
        for stage_id in self.stage_ids:
            if self.exercises(stage_id) or not any(_is_passive(i) for i in self.stages[stage_id]):
                continue
            if not self.bring(stage_id, current, spare_only=True, why=NICE_PACKAGE):
                self.defer_passive(
                    stage_id, "every exercise of this plan is needed in its own stage"
                )

    # --- 4 and 5. purpose and caps ----------------------------------------------------------

    def one_per_purpose(self, stage_id: str) -> None:
        kept: list[PlanItem] = []
        for item in sorted(self.exercises(stage_id), key=lambda i: rank(i, self.index)):
            twin = next(
                (
                    (k, how)
                    for k in kept
                    if (how := self.index.same_purpose(k.intervention, item.intervention))
                ),
                None,
            )
            if twin is None:
                kept.append(item)
                continue
            self.defer(
                stage_id,
                item,
                f"{SAME_PURPOSE}{twin[0].intervention}, kept in this stage ({twin[1]} in the "
                "catalog's progression): one level at a time, the next by progression at "
                "reassessment",
            )

    def cap_exercises(self, stage_id: str, cap: int) -> None:
        ranked = sorted(self.exercises(stage_id), key=lambda i: rank(i, self.index))
        for item in ranked[cap:]:
            self.defer(
                stage_id,
                item,
                f"stage {stage_id} holds at most {cap} exercises at a time (a home programme of "
                "a few exercises); ranked below the kept ones by priority, impairments "
                "addressed and evidence",
            )

    def cap_items(self, stage_id: str, cap: int) -> None:
        in_stage = self.stages[stage_id]
        kept = in_stage[:cap]
        exercises = sorted(self.exercises(stage_id), key=lambda i: rank(i, self.index))
        if exercises and not any(_is_exercise(i) for i in kept):
            kept = [*in_stage[: cap - 1], exercises[0]]
        kept_ids = {id(i) for i in kept}
        for item in [i for i in in_stage if id(i) not in kept_ids]:
            self.defer(
                stage_id,
                item,
                f"stage {stage_id} holds at most {cap} items; "
                f"priority {item.priority} is below the items kept",
            )


def arrange(
    *,
    stage_ids: Sequence[str],
    items: Mapping[str, Sequence[PlanItem]],
    start: Contribution | None,
    index: ProgrammeIndex,
    max_items_per_stage: int,
    max_exercises_per_stage: int,
    allow_same_purpose: bool,
) -> Arrangement:
    """The stages' items after the rules of this module; ``items`` by stage id."""
    a = _Arranger(stage_ids=stage_ids, items=items, index=index)
    if not a.any_exercise():
        for stage_id in a.stage_ids:
            a.defer_passive(stage_id, "this plan holds no exercise: add one to give them")
    current, reason = a.current(start)
    a.active_first(current)
    for stage_id in a.stage_ids:
        if not allow_same_purpose:
            a.one_per_purpose(stage_id)
        a.cap_exercises(stage_id, max_exercises_per_stage)
        a.cap_items(stage_id, max_items_per_stage)
    return Arrangement(
        items={s: tuple(sorted(a.stages[s], key=_order)) for s in a.stage_ids},
        deferred=tuple(sorted(a.deferred, key=lambda d: (d.stage, d.intervention))),
        current_stage=current,
        current_stage_reason=reason,
    )


def start_stage_contribution(
    contributions: Iterable[Contribution], catalog: Catalog
) -> Contribution | None:
    """The ``start_stage`` action that decides where a new plan starts: the highest priority,
    then the earliest stage; ``None`` when no rule set a start stage."""
    order = {s.id: s.order for s in catalog.stages}
    starts = [c for c in contributions if c.action == "start_stage"]
    if not starts:
        return None
    return sorted(starts, key=lambda c: (-c.priority, order.get(c.stage or "", 0), c.because.rule))[
        0
    ]


def progression_reason(plan: Plan) -> str | None:
    """A reassessed plan's ``current_stage_reason``: the gates' decision (its ``progression``)."""
    p = plan.progression
    if p is None:
        return plan.current_stage_reason
    moved = f"from stage {p.from_stage} to stage {p.to_stage}"
    if p.from_stage == p.to_stage:
        moved = f"at stage {p.to_stage}"
    return f"reassessment on {p.assessed_on or 'the follow-up'}: {p.decision.value} {moved} " + (
        "(progression.reasons says why)"
    )
