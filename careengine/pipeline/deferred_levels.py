"""Today's deferrals at a reassessment: which of them a progression may take back.

The merge defers an exercise for room only when it is one level of an exercise the stage already
keeps ("same purpose as ...": one level at a time, the next by progression at reassessment) or
when its stage is at its exercise or item cap (:func:`careengine.pipeline.programme.
deferred_for_room`). Such a level is not in the patient's programme, so at a reassessment a chain
step (or the level the patient already reached) may land on it: the item leaves ``deferred`` and
takes the place of the exercise it progresses (or regresses) from, so the stage holds as many
exercises as before, nothing is lost and nothing is given twice. Any other deferral (passive
care without exercise) still blocks a step onto it.
"""

from __future__ import annotations

from collections.abc import Sequence

from careengine.model import Deferred
from careengine.pipeline.programme import deferred_for_room


class DeferredLevels:
    """Today's plan's deferrals, and the ones a progression took back (private, mutable)."""

    def __init__(self, deferred: Sequence[Deferred]) -> None:
        self._deferred = tuple(deferred)
        self._taken: set[str] = set()

    def open_to_step(self, intervention: str) -> Deferred | None:
        """The deferral of ``intervention`` a step may take back (made for room only, not taken
        yet), or ``None``."""
        for d in self._deferred:
            if (
                d.intervention == intervention
                and d.intervention not in self._taken
                and deferred_for_room(d.reason) is not None
            ):
                return d
        return None

    def blocking(self, stage_id: str | None = None) -> list[Deferred]:
        """The deferrals still standing that a step may not land on (in ``stage_id`` or any)."""
        return [
            d
            for d in self._deferred
            if (stage_id is None or d.stage == stage_id)
            and d.intervention not in self._taken
            and self.open_to_step(d.intervention) is None
        ]

    def reason(self, intervention: str) -> str | None:
        """Why ``intervention`` is deferred today, in short, or ``None`` when it is not."""
        for d in self._deferred:
            if d.intervention == intervention and d.intervention not in self._taken:
                return deferred_for_room(d.reason) or d.reason
        return None

    def take(self, intervention: str, stage_id: str, instead_of: str) -> str:
        """Take ``intervention`` out of ``deferred``; what happened, in words, for the change."""
        d = self.open_to_step(intervention)
        assert d is not None, intervention
        self._taken.add(intervention)
        where = "this stage" if d.stage == stage_id else f"stage {d.stage}"
        return (
            f"{intervention} leaves the deferred list (today's plan deferred it in {where}: "
            f"{deferred_for_room(d.reason)}) and is given in place of {instead_of}"
        )

    @property
    def remaining(self) -> tuple[Deferred, ...]:
        """The next plan's ``deferred``: today's, less the levels a progression took back."""
        return tuple(d for d in self._deferred if d.intervention not in self._taken)
