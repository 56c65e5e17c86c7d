"""A catalog plugin with a mistake in every kind of catalog code (needs the built-in knowledge
base): each would silently drop a veto, a progression or an exclusive group if it loaded."""

from __future__ import annotations

from careengine.model import Dosage, Intervention, InterventionKind, Stage
from careengine.plugins.hookspecs import hookimpl
from careengine.plugins.registry import CatalogRegistry

EX = InterventionKind.EXERCISE
STEPS = ("Stand with your back to a wall.", "Slide down a little, hold, and come back up.")

INTERVENTIONS = (
    Intervention(
        id="wall_sit",
        kind=EX,
        name="Wall sit",
        steps=STEPS,
        dosage=Dosage(sets=3, reps=1, hold_seconds=30, per_week=3),
        contraindications_absolute=("osteoporsis",),
        contraindications_relative=("anticoagulant_therapyy",),
        progresses_to="split_sqat",
        regresses_to="bridge",
        alternatives=("pelvic_tlit",),
        exclusive_group="thermal_modalty",
    ),
    Intervention(
        id="stepless_squat",
        kind=EX,
        name="Squat without steps",
        steps=(),
        dosage=Dosage(sets=-1, reps=10_000, per_week=3),
    ),
    Intervention(
        id="blank_step_lunge",
        kind="exercize",  # type: ignore[arg-type]
        name="Lunge",
        steps=("Step forward and bend both knees.", "  "),
        dosage=Dosage(sets=2, reps=20, per_week=3),
        dosage_max=Dosage(sets=3, reps=15),
        progresses_to="blank_step_lunge",
    ),
)


@hookimpl
def careengine_catalog(registry: CatalogRegistry) -> None:
    registry.add_all(INTERVENTIONS)
    registry.add_stage(Stage(id="maintain", title="Maintain", order=4))
    registry.add_derived("typos.level", values=())
