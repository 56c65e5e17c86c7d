"""Exercise progression at a reassessment: continue each exercise at the level the patient reached,
then step it along its chain or change its dosage as the stage decision says.

Today's plan (the follow-up evaluated in full) says which items the findings call for, at the level
the rules propose. The previous plan says where the patient got to. Each of today's items is
matched with the previous plan's item of the same stage that stands for it:

1. same progression chain (``regresses_to`` / ``progresses_to`` links) and at least one rule in
   common in ``because`` (a progressed item keeps the rules of the item it came from), pairing
   the two lists in chain order;
2. otherwise the same intervention.

A matched exercise continues at the previous plan's intervention and dosage; an item with no match
is new at this visit and starts as proposed; a previous item with no match is dropped (the
findings no longer call for it). Only exercises the patient did, in stages up to the previous
plan's current stage, then change:

* **advance**: one step up the chain (``progressed_from`` names the previous exercise; the new one
  starts at its catalog dosage); at the top of a chain, or when the step is blocked, the dosage is
  raised one step instead;
* **hold**: the dosage is raised one step (unless the stage decision keeps it);
* **regress**: one step down the chain, the new exercise's dosage no higher than the previous one
  in any field both give; without a step down the dosage is lowered one step.

On a regress no item the patient already did ends with a higher dosage than before. Dosage steps
are in :mod:`careengine.pipeline.dosing`. A step never lands on an intervention that is vetoed for
this patient, in a clinician-decision conflict, clashing with an exclusive-group member in the
plan, or already in the plan (in any stage: the same exercise is never given twice): the
exercise stays, its dosage changes instead, and ``changes`` says why; a level deferred only for
room may be stepped onto (:mod:`careengine.pipeline.deferred_levels`). An advance steps later
stages first, so a chain spread over several stages moves up together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import attrs

from careengine.model import (
    Decision,
    Deferred,
    Dosage,
    InterventionKind,
    Plan,
    PlanItem,
    StagePlan,
)
from careengine.pipeline.chains import chain_of
from careengine.pipeline.deferred_levels import DeferredLevels
from careengine.pipeline.dosing import cap_dosage, lower_dosage, raise_dosage, regressed_dosage
from careengine.pipeline.gates import DosageSteps, StageDecision
from careengine.pipeline.merge import WITHHELD, Merger, merge_because
from careengine.plugins.registry import Catalog


@attrs.define(kw_only=True)
class _Slot:
    """One item of the next plan while it is being worked out (private, mutable)."""

    fresh: list[PlanItem]
    level: str
    dosage: Dosage
    done: bool
    stepped_from: str | None = None


class ItemProgression:
    """Works out the next plan's stages; :attr:`changes` says what happened, in plain words."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        merger: Merger,
        fresh: Plan,
        previous: Plan,
        decision: StageDecision,
        steps: DosageSteps,
    ) -> None:
        self.catalog = catalog
        self.merger = merger
        self.fresh = fresh
        self.previous = previous
        self.decision = decision
        self.steps = steps
        self._notes: list[tuple[int, str]] = []
        order = {s.id: s.order for s in catalog.stages}
        self._order = order
        self.active = {s for s in order if order[s] <= order[decision.from_stage]}
        self.excluded = {
            e.intervention: {r for r in e.reasons if r != WITHHELD} for e in fresh.excluded
        }
        self.conflicted = {
            i
            for c in fresh.conflicts
            if c.kind == "exclusive_group"
            for i in c.interventions
            if i != c.winner
        }
        self.levels = DeferredLevels(fresh.deferred)
        self.placed: Counter[str] = Counter()
        self._slots_by_stage: dict[str, list[_Slot]] = {}
        self._dropped: list[tuple[str, PlanItem]] = []

    # --- the whole plan ----------------------------------------------------------------------

    @property
    def changes(self) -> list[str]:
        """What happened to the items, stage by stage, in plain words."""
        return [text for _, text in sorted(self._notes, key=lambda n: n[0])]

    @property
    def deferred(self) -> tuple[Deferred, ...]:
        """The next plan's ``deferred``: today's, less the levels the progression took back."""
        return self.levels.remaining

    def _note(self, stage_id: str | None, text: str) -> None:
        self._notes.append((self._order.get(stage_id, 0) if stage_id else 0, text))

    def run(self) -> tuple[StagePlan, ...]:
        previous = {s.id: s.items for s in self.previous.stages}
        slots = {s.id: self._slots(s, previous.get(s.id, ())) for s in self.fresh.stages}
        self.placed = Counter(slot.level for group in slots.values() for slot in group)
        self._slots_by_stage = slots
        kept = False
        # an advance steps later stages first: a harder exercise vacates its level first
        advance = self.decision.decision is Decision.ADVANCE
        for stage in reversed(self.fresh.stages) if advance else self.fresh.stages:
            kept |= self._apply(stage.id, slots[stage.id])
            if self.decision.decision is Decision.REGRESS:
                self._cap(stage.id, slots[stage.id], previous.get(stage.id, ()))
        for stage_id, item in sorted(self._dropped, key=lambda d: d[1].intervention):
            if not self.placed[item.intervention]:
                self._note(
                    stage_id, f"{stage_id}: {item.intervention} dropped: {self._gone(item)}."
                )
        if kept and self.decision.dosage_note:
            self._note(None, self.decision.dosage_note)
        return tuple(
            attrs.evolve(
                stage,
                items=tuple(
                    sorted(
                        (self._item(slot) for slot in slots[stage.id]),
                        key=lambda item: (-item.priority, item.intervention),
                    )
                ),
            )
            for stage in self.fresh.stages
        )

    # --- matching today's items with the previous plan's ---------------------------------------

    def _position(self, intervention_id: str) -> tuple[str, int]:
        """(chain root, position in the chain) of an intervention."""
        chain = chain_of(self.catalog, intervention_id)
        return chain[0], chain.index(intervention_id) if intervention_id in chain else len(chain)

    def _key(self, item: PlanItem) -> tuple[str, int, str]:
        return (*self._position(item.intervention), item.intervention)

    def _match(
        self, fresh: Sequence[PlanItem], previous: Sequence[PlanItem]
    ) -> tuple[list[tuple[PlanItem, PlanItem | None]], list[PlanItem]]:
        remaining = sorted(previous, key=self._key)
        ordered = sorted(fresh, key=self._key)
        found: dict[int, PlanItem] = {}
        for i, item in enumerate(ordered):
            rules = {b.rule for b in item.because}
            root = self._key(item)[0]
            for candidate in remaining:
                if self._key(candidate)[0] == root and rules & {b.rule for b in candidate.because}:
                    found[i] = candidate
                    remaining.remove(candidate)
                    break
        for i, item in enumerate(ordered):
            if i in found:
                continue
            for candidate in remaining:
                if candidate.intervention == item.intervention:
                    found[i] = candidate
                    remaining.remove(candidate)
                    break
        return [(item, found.get(i)) for i, item in enumerate(ordered)], remaining

    def _slots(self, stage: StagePlan, previous: Sequence[PlanItem]) -> list[_Slot]:
        pairs, dropped = self._match(stage.items, previous)
        deferred = {d.intervention for d in self.levels.blocking(stage.id)}
        slots = []
        for item, before in pairs:
            if before is None:
                self._note(stage.id, f"{stage.id}: {item.intervention} added: new at this visit.")
                slots.append(
                    _Slot(fresh=[item], level=item.intervention, dosage=item.dosage, done=False)
                )
                continue
            exercise = self.catalog.interventions[before.intervention].kind
            if exercise is not InterventionKind.EXERCISE:
                slots.append(
                    _Slot(fresh=[item], level=item.intervention, dosage=item.dosage, done=True)
                )
                continue
            if before.intervention != item.intervention:
                placed = {i.intervention for _, i in self.fresh.items()}
                why = self._blocked(before.intervention, deferred, placed)
                if why is not None:
                    self._note(
                        stage.id,
                        f"{stage.id}: {before.intervention} {why}: back to {item.intervention} "
                        "as proposed today.",
                    )
                    slots.append(
                        _Slot(fresh=[item], level=item.intervention, dosage=item.dosage, done=False)
                    )
                    continue
                if self.levels.open_to_step(before.intervention):
                    taken = self.levels.take(before.intervention, stage.id, item.intervention)
                    reached = f"{before.intervention} continues (the level reached)"
                    self._note(stage.id, f"{stage.id}: {reached}; {taken}.")
            slots.append(
                _Slot(fresh=[item], level=before.intervention, dosage=before.dosage, done=True)
            )
        by_level: dict[str, _Slot] = {}
        for slot in sorted(slots, key=lambda s: (not s.done, self._key(s.fresh[0]))):
            kept = by_level.get(slot.level)
            if kept is None:
                by_level[slot.level] = slot
            else:
                kept.fresh.extend(slot.fresh)
        # noted after the steps: a step may take a dropped level back out of ``deferred``
        self._dropped += [(stage.id, i) for i in dropped if i.intervention not in by_level]
        return list(by_level.values())

    def _gone(self, item: PlanItem) -> str:
        """Why an item of the previous plan has no place in today's plan."""
        reasons = self.excluded.get(item.intervention)
        if reasons:
            return f"now excluded ({'; '.join(sorted(reasons))})"
        if (deferred := self.levels.reason(item.intervention)) is not None:
            return f"deferred today ({deferred})"
        if item.intervention in self.conflicted:
            return "in a conflict that needs a clinician's decision"
        return "today's findings no longer call for it"

    # --- stepping and dosing ------------------------------------------------------------------

    def _blocked(self, target: str, occupied: Iterable[str], placed: Iterable[str]) -> str | None:
        """Why ``target`` may not be placed, or ``None``."""
        if target not in self.catalog.interventions:
            return "is not in the catalog"
        reasons = self.merger.veto_reasons(target) | self.excluded.get(target, set())
        if reasons:
            return f"is excluded for this patient ({'; '.join(sorted(reasons))})"
        if target in self.conflicted:
            return "awaits a clinician's decision (exclusive-group conflict)"
        group = self.catalog.interventions[target].exclusive_group
        if group:
            clash = sorted(
                other
                for other in placed
                if other != target and self.catalog.interventions[other].exclusive_group == group
            )
            if clash:
                return f"would clash with {clash[0]} (exclusive group {group})"
        if target in set(occupied):
            return "is already in this stage"
        return None

    def _elsewhere(self, target: str, stage_id: str) -> str | None:
        """Why ``target`` may not be stepped onto: another stage holds or defers it."""
        for other, group in self._slots_by_stage.items():
            if other != stage_id and any(slot.level == target for slot in group):
                return f"is already in the plan (stage {other}) and is not given twice"
        for deferred in self.levels.blocking():
            if deferred.intervention == target and deferred.stage != stage_id:
                return f"is already in the plan (deferred in stage {deferred.stage})"
        return None

    def _apply(self, stage_id: str, slots: list[_Slot]) -> bool:
        """Step or dose the stage's exercises; True when a dosage was kept by the decision."""
        movers = [
            s
            for s in slots
            if s.done
            and stage_id in self.active
            and self.catalog.interventions[s.level].kind is InterventionKind.EXERCISE
        ]
        decision = self.decision.decision
        position = {s.level: self._position(s.level)[1] for s in movers}
        sign = -1 if decision is Decision.ADVANCE else 1
        movers.sort(key=lambda s: (sign * position[s.level], s.level))
        occupied = {s.level for s in slots} | {
            d.intervention for d in self.levels.blocking(stage_id)
        }
        kept = False
        for slot in movers:
            current = self.catalog.interventions[slot.level]
            target = {
                Decision.ADVANCE: current.progresses_to,
                Decision.REGRESS: current.regresses_to,
            }.get(decision)
            note = ""
            if target is not None:
                placed = [p for p, n in self.placed.items() if n > 0 and p != slot.level]
                why = self._blocked(target, occupied - {slot.level}, placed)
                why = why or self._elsewhere(target, stage_id)
                if why is None:
                    self._step(stage_id, slot, target, occupied)
                    continue
                kind = "next" if decision is Decision.ADVANCE else "easier"
                note = f"{slot.level} stays: its {kind} step {target} {why}; "
            elif decision is Decision.ADVANCE and len(chain_of(self.catalog, slot.level)) > 1:
                note = f"{slot.level} is the last step of its progression; "
            if decision is Decision.REGRESS:
                slot.dosage, change = lower_dosage(slot.dosage, self.steps)
                done = (
                    f"dosage lowered: {change}" if change else "dosage already at its lowest step"
                )
            elif self.decision.dosage == "up":
                slot.dosage, change = raise_dosage(slot.dosage, current.dosage_max, self.steps)
                done = (
                    f"dosage raised: {change}"
                    if change
                    else "dosage kept: already at the most the catalog allows"
                )
            else:
                kept = True
                if note:
                    self._note(stage_id, f"{stage_id}: {note.rstrip('; ')}.")
                continue
            subject = note if note else f"{slot.level} "
            self._note(stage_id, f"{stage_id}: {subject}{done}.")
        return kept

    def _cap(self, stage_id: str, slots: list[_Slot], previous: Sequence[PlanItem]) -> None:
        """On a regress nothing the patient already did may get a higher dosage (an item that
        today's rules propose with more than the patient was doing is capped)."""
        before = {item.intervention: item.dosage for item in previous}
        for slot in slots:
            old = before.get(slot.level)
            if old is None:
                continue
            capped = cap_dosage(slot.dosage, old)
            if capped != slot.dosage:
                self._note(
                    stage_id,
                    f"{stage_id}: {slot.level} dosage held at the previous visit's "
                    "(a regress never raises a dosage).",
                )
                slot.dosage = capped

    def _step(self, stage_id: str, slot: _Slot, target: str, occupied: set[str]) -> None:
        new = self.catalog.interventions[target]
        if self.decision.decision is Decision.ADVANCE:
            dosage = new.dosage
            how = "progressed to"
            tail = "starts at its standard dosage"
        else:
            dosage = regressed_dosage(new.dosage, slot.dosage)
            how = "regressed to"
            tail = "dosage no higher than before"
        taken = ""
        if self.levels.open_to_step(target):
            taken = f"; {self.levels.take(target, stage_id, slot.level)}"
        self._note(stage_id, f"{stage_id}: {slot.level} {how} {target} ({tail}){taken}.")
        occupied.discard(slot.level)
        occupied.add(target)
        self.placed[slot.level] -= 1
        self.placed[target] += 1
        slot.stepped_from, slot.level, slot.dosage = slot.level, target, dosage

    # --- the next plan's items ----------------------------------------------------------------

    def _item(self, slot: _Slot) -> PlanItem:
        intervention = self.catalog.interventions[slot.level]
        proposed = slot.fresh[0].intervention
        prefix = ""
        if slot.stepped_from is not None:
            verb = "Progressed" if self.decision.decision is Decision.ADVANCE else "Regressed"
            prefix = f"{verb} from {slot.stepped_from} at this reassessment. "
        elif slot.level != proposed:
            prefix = f"Continues at {slot.level}, the level reached from {proposed}. "
        because = merge_because(b for item in slot.fresh for b in item.because)
        if prefix:
            because = tuple(attrs.evolve(b, rationale=prefix + b.rationale) for b in because)
        return PlanItem(
            intervention=slot.level,
            kind=intervention.kind,
            name=intervention.name,
            dosage=slot.dosage,
            priority=max(item.priority for item in slot.fresh),
            addresses=tuple(sorted({a for item in slot.fresh for a in item.addresses})),
            precautions=self.merger.precautions(slot.level),
            because=because,
            progressed_from=slot.stepped_from,
        )
