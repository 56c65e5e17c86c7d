"""Exercises added for catalog breadth: Swiss-ball work, downward dog, calf stretch, true rotation.

The clinic's exercise articles name Swiss-ball exercises among core work, downward dog among the
first exercises for low back pain, calf stretching among posture exercises and rotating among the
movement patterns a well-rounded programme covers; until these entries the catalog had no
exercise on a ball, no downward dog, no calf stretch and, for rotation, only the anti-rotation
press and the open-book and seated twists (docs/clinical-basis.md section 10).

Data only, like the other data modules: the exposure tags (and so the contraindications) of
these items are in :mod:`~careengine_plugins.interventions_safety`;
:mod:`~careengine_plugins.interventions` attaches the chains, alternatives and dosage ceilings
below while assembling the catalog, with the same checks as for every other item. Hold times of
20-30 s follow the articles' stretches; loaded work follows ACSM 2011 (2-3 days a week, 8-12
repetitions).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from careengine.model import Dosage, DosageSetting, Intervention, InterventionKind

from . import interventions_evidence as ev

EXERCISE = InterventionKind.EXERCISE
HOME = DosageSetting.HOME

BREADTH: tuple[Intervention, ...] = (
    Intervention(
        id="swiss_ball_bridge",
        kind=EXERCISE,
        name="Swiss-ball bridge",
        steps=(
            "Lie on your back with your arms on the floor by your sides, palms down, and your "
            "calves resting on top of an exercise ball.",
            "Tighten your stomach gently and squeeze your buttocks.",
            "Press your calves down into the ball and lift your hips until your body is in one "
            "straight line from shoulders to heels.",
            "Keep the ball still for about 3 seconds, then lower your hips slowly to the floor.",
            "Do 10 repetitions, resting between sets.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Spread your arms wider on the floor if the ball wobbles; a smaller or softer ball is "
            "easier to control.",
            "Stop lifting at the straight line; do not push the hips higher or arch your low back.",
            "Go back to the bridge on the floor if your hips drop or tilt to one side.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="swiss_ball_hamstring_curl",
        kind=EXERCISE,
        name="Swiss-ball hamstring curl",
        steps=(
            "Lie on your back with your arms out to the sides, palms down, legs straight and your "
            "heels on top of an exercise ball.",
            "Lift your hips until your body is straight from shoulders to heels, as in the ball "
            "bridge.",
            "Keeping the hips up, bend your knees and roll the ball in toward your buttocks until "
            "the soles of your feet rest on it.",
            "Straighten your legs slowly to roll the ball back out, hips still lifted.",
            "Lower your hips after the last repetition; start with 8 and build up to 12.",
        ),
        dosage=Dosage(sets=2, reps=8, per_week=2, setting=HOME),
        safety_tips=(
            "Keep your hips lifted and level throughout; lower them and rest as soon as they sag.",
            "Roll the ball slowly both ways: a sudden pull can cramp the back of the thigh.",
            "Stop if you feel the effort in your low back rather than your buttocks and the backs "
            "of your thighs.",
        ),
        evidence=ev.TRUNK_STRENGTH,
    ),
    Intervention(
        id="downward_dog",
        kind=EXERCISE,
        name="Downward dog (yoga pose)",
        steps=(
            "Start on your hands and knees with your hands a little ahead of your shoulders, "
            "fingers spread, and your toes tucked under.",
            "Breathing out, press the floor away, lift your knees and send your hips up and back "
            "so your body forms an upside-down V.",
            "Bend your knees as much as you need to keep your back long and flat rather than "
            "rounded.",
            "Let your heels sink toward the floor only as far as is comfortable and stay for 20 "
            "to 30 seconds, breathing slowly.",
            "Lower your knees to the floor and rest on hands and knees before the next one.",
        ),
        dosage=Dosage(reps=2, hold_seconds=20, per_week=3, setting=HOME),
        safety_tips=(
            "A long, flat back matters more than straight legs or heels on the floor: keep the "
            "knees bent if the backs of your legs are tight.",
            "Press through the whole hand; rest on your knees if your wrists or shoulders "
            "complain.",
            "Come down slowly and kneel for a few breaths if you feel dizzy with your head low.",
            "Stop if pain or tingling spreads into a leg.",
        ),
        evidence=ev.DOWNWARD_DOG,
    ),
    Intervention(
        id="standing_calf_stretch",
        kind=EXERCISE,
        name="Standing calf stretch (upper and lower calf)",
        steps=(
            "Stand facing a wall with your hands on it at shoulder height, one foot in front and "
            "the other a long step behind, both feet pointing straight at the wall.",
            "Keep the back knee straight and its heel down, bend the front knee and lean toward "
            "the wall until the upper calf of the back leg stretches; hold for 20 to 30 seconds.",
            "Step the back foot a little closer, bend the back knee too and sink your hips until "
            "the stretch moves down toward the heel; hold for 20 to 30 seconds.",
            "Change legs and do both stretches on the other side.",
        ),
        dosage=Dosage(reps=2, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "Keep the back heel on the floor and its foot pointing forward, not turned out.",
            "Lean into a steady stretch; bouncing can strain the calf.",
            "A pull in the calf is expected; stop if you feel sharp pain at the heel or in the "
            "Achilles tendon.",
        ),
        evidence=ev.CALF_STRETCH,
    ),
    Intervention(
        id="lower_trunk_rotation",
        kind=EXERCISE,
        name="Lower trunk rotation (knee rolls)",
        steps=(
            "Lie on your back with your knees bent, feet flat and together, and your arms out to "
            "the sides.",
            "Keeping both shoulders on the floor, let your knees roll slowly together to one side "
            "as far as is comfortable.",
            "Pause for a breath, then use your stomach muscles to bring the knees back to the "
            "middle.",
            "Roll to the other side; do 10 slow rolls each way.",
        ),
        dosage=Dosage(sets=1, reps=10, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Keep both shoulders down and roll only within a comfortable range.",
            "Lower the knees under control; do not let them drop or swing.",
            "Make the roll smaller, or stop, if it sends pain into a leg.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="band_trunk_rotation",
        kind=EXERCISE,
        name="Band trunk rotation",
        steps=(
            "Fix a resistance band at chest height and stand side-on to it, feet a little wider "
            "than your hips, holding the handle with both hands at your chest.",
            "Brace your stomach gently and straighten your arms in front of your chest.",
            "Turn your shoulders and arms away from the anchor in a slow, smooth arc, letting your "
            "hips and back heel turn with you.",
            "Come back slowly to face the start; finish the set, then face the other way.",
        ),
        dosage=Dosage(sets=2, reps=10, per_week=2, setting=HOME),
        safety_tips=(
            "Turn hips and shoulders together rather than twisting only at the waist.",
            "Move slowly both ways, stop short of the end of your turn and never jerk the band.",
            "Start with a light band; go back to the anti-rotation press if turning hurts your "
            "back.",
        ),
        evidence=ev.GENERAL_STRENGTH,
    ),
)

#: Progression links for the new items (joined to the catalog's chains by the assembly): the ball
#: bridge follows the single-leg bridge and leads to the ball hamstring curl; true rotation
#: follows the anti-rotation press, whose control it needs.
BREADTH_CHAINS: tuple[tuple[str, ...], ...] = (
    ("single_leg_bridge", "swiss_ball_bridge", "swiss_ball_hamstring_curl"),
    ("pallof_press", "band_trunk_rotation"),
)

#: Alternatives for the new items that a condition can veto (checked like every alternative).
BREADTH_ALTERNATIVES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # loaded rotation -> the anti-rotation press: the same muscles, no twist
        "band_trunk_rotation": ("pallof_press",),
        # rotation in lying -> a mid-range pelvic movement in the same position
        "lower_trunk_rotation": ("pelvic_tilt",),
    }
)

_STRETCH = Dosage(reps=4, hold_seconds=30)

#: Dosage ceilings of the new exercises (docs/clinical-basis.md section 7 anchors, as in
#: :mod:`~careengine_plugins.interventions_limits`).
BREADTH_DOSAGE_MAX: Mapping[str, Dosage] = MappingProxyType(
    {
        "swiss_ball_bridge": Dosage(sets=3, reps=15, hold_seconds=10),
        "swiss_ball_hamstring_curl": Dosage(sets=3, reps=12),
        "downward_dog": _STRETCH,
        "standing_calf_stretch": _STRETCH,
        "lower_trunk_rotation": Dosage(sets=2, reps=15, hold_seconds=5),
        "band_trunk_rotation": Dosage(sets=3, reps=12),
    }
)
