"""How far a reassessment may progress each exercise's dosage before the next chain step.

:data:`DOSAGE_MAX` gives, per exercise, the highest value of each dosage field. A reassessment that
holds (or advances an exercise with no further chain step) raises one field a step at a time, never
beyond these values; a field left ``None`` here is never raised. Frequency (``per_week``) is a
prescription choice and is never progressed. Every exercise of the catalog needs an entry (the
assembly in :mod:`careengine_plugins.interventions` checks it), and no maximum may lie below the
exercise's default dosage.

Anchors (docs/clinical-basis.md section 7); the exact ceilings are local design
choices within them:

* resistance work (ACSM, Garber 2011): 2-4 sets of 8-12 repetitions; 10-15 repetitions for
  beginners and older adults. Loaded strength exercises stop at 4 x 12, body-weight motor-control
  exercises at 3 sets of their usual repetition range;
* flexibility (ACSM): holds of 10-30 s, 2-4 repetitions, about 60 s a stretch: stretches stop at
  4 x 30 s;
* McGill-style trunk endurance: holds of about 10 s for bird-dog and bracing; planks and side
  planks progress the hold (15-30 s), not the number of holds;
* repeated movements (McKenzie): sets of 10-15;
* aerobic work (ACSM): sessions of up to 30 minutes (walking, cycling); pool and yoga classes run
  longer (45 and 60 minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from careengine.model import Dosage

_STRETCH = Dosage(reps=4, hold_seconds=30)
_LOADED = Dosage(sets=4, reps=12)
_MOBILITY = Dosage(sets=2, reps=15, hold_seconds=5)
_REPEATED = Dosage(sets=1, reps=15)

DOSAGE_MAX: Mapping[str, Dosage] = MappingProxyType(
    {
        # mobility and stretching
        "cat_cow": Dosage(sets=2, reps=15),
        "childs_pose": _STRETCH,
        "seated_forward_bend": _STRETCH,
        "cobra": Dosage(reps=10, hold_seconds=10),
        "seated_torso_twist": _STRETCH,
        "standing_hamstring_stretch": _STRETCH,
        "knee_to_chest": _STRETCH,
        "hip_flexor_stretch": _STRETCH,
        "thoracic_extension_mobilization": _MOBILITY,
        "open_book_rotation": _MOBILITY,
        "ankle_dorsiflexion_mobilization": Dosage(sets=3, reps=15),
        "leg_swings": Dosage(sets=3, reps=15),
        "repeated_extension_in_lying": _REPEATED,
        "repeated_flexion_in_lying": _REPEATED,
        "lateral_shift_correction": Dosage(sets=1, reps=10, hold_seconds=5),
        # motor control and strength
        "pelvic_tilt": Dosage(sets=3, reps=15, hold_seconds=10),
        "bridge": Dosage(sets=3, reps=15, hold_seconds=10),
        "single_leg_bridge": Dosage(sets=3, reps=12, hold_seconds=5),
        "abdominal_bracing": Dosage(sets=3, reps=10, hold_seconds=10),
        "dead_bug": Dosage(sets=3, reps=12),
        "bird_dog": Dosage(sets=3, reps=10, hold_seconds=10),
        "plank": Dosage(reps=3, hold_seconds=30),
        "side_plank": Dosage(reps=3, hold_seconds=30),
        "half_kneeling_glute_activation": Dosage(sets=3, reps=12, hold_seconds=10),
        "lumbar_extension": Dosage(sets=3, reps=12, hold_seconds=5),
        "crunch": Dosage(sets=3, reps=15),
        "hip_hinge": Dosage(sets=3, reps=12),
        "romanian_deadlift": _LOADED,
        "goblet_squat": _LOADED,
        "split_squat": _LOADED,
        "row": _LOADED,
        "push_up": _LOADED,
        "pallof_press": Dosage(sets=3, reps=12, hold_seconds=5),
        "balance_training": Dosage(reps=4, hold_seconds=45),
        "postural_training": Dosage(sets=3, reps=15),
        # conditioning
        "walking_program": Dosage(minutes=30),
        "stationary_cycling": Dosage(minutes=30),
        "aquatic_exercise": Dosage(minutes=45),
        "yoga": Dosage(minutes=60),
    }
)
