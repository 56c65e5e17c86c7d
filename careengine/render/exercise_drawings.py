"""One drawing per exercise of the built-in catalog, a few lines of data each.

A drawing names its posture (:data:`~careengine.render.postures.POSTURES`), the limbs it moves
(replacing the posture's; an empty line removes one), the head when it moves, the red movement
arrow (a curve: start, control point, end) and its props. tests/render/test_handout_words.py checks
that every exercise of the built-in catalog has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from careengine.render.postures import Drawing
from careengine.render.postures import lines as _p

__all__ = ["DRAWINGS"]

D = Drawing
#: one drawing per exercise of the built-in catalog (tests/render/test_handout_words.py checks it)
DRAWINGS: Mapping[str, Drawing] = MappingProxyType(
    {
        "abdominal_bracing": D(posture="back", arrow=((44, 48), (44, 54), (44, 62))),
        "ankle_dorsiflexion_mobilization": D(
            posture="standing",
            lines=_p(leg2=((60, 46), (76, 58), (72, 72))),
            arrow=((70, 50), (76, 44), (84, 48)),
            props=("wall",),
        ),
        "aquatic_exercise": D(
            posture="standing",
            lines=_p(arm=((60, 24), (42, 20)), arm2=((60, 24), (78, 20))),
            arrow=((80, 12), (88, 20), (82, 28)),
            props=("water",),
        ),
        "band_trunk_rotation": D(
            posture="standing",
            lines=_p(arm=((60, 26), (80, 28)), arm2=()),
            arrow=((66, 16), (84, 6), (96, 20)),
            props=("band",),
        ),
        "downward_dog": D(
            posture="hands_knees",
            head=(28, 54),
            lines=_p(
                arm=((36, 48), (22, 72)),
                spine=((36, 48), (62, 24)),
                leg=((62, 24), (94, 72)),
            ),
            arrow=((56, 40), (60, 28), (72, 20)),
        ),
        "lower_trunk_rotation": D(
            posture="back",
            lines=_p(leg=((64, 68), (76, 58), (94, 72))),
            arrow=((66, 46), (80, 36), (94, 46)),
        ),
        "standing_calf_stretch": D(
            posture="standing",
            head=(72, 14),
            lines=_p(
                spine=((68, 22), (58, 46)),
                leg=((58, 46), (72, 58), (70, 72)),
                leg2=((58, 46), (36, 72)),
                arm=((66, 26), (88, 24)),
                arm2=(),
            ),
            arrow=((44, 24), (52, 14), (62, 12)),
            props=("wall",),
        ),
        "swiss_ball_bridge": D(
            posture="back",
            lines=_p(spine=((24, 68), (60, 54)), leg=((60, 54), (94, 50))),
            arrow=((52, 72), (50, 64), (52, 56)),
            props=("ball_low",),
        ),
        "swiss_ball_hamstring_curl": D(
            posture="back",
            lines=_p(spine=((24, 68), (60, 50)), leg=((60, 50), (74, 34), (86, 52))),
            arrow=((108, 46), (102, 36), (90, 36)),
            props=("ball_low",),
        ),
        "balance_training": D(
            posture="standing",
            lines=_p(leg2=((60, 46), (70, 58), (64, 64)), arm2=((60, 24), (84, 40))),
            props=("chair_right",),
        ),
        "bird_dog": D(
            posture="hands_knees",
            lines=_p(arm2=((30, 46), (6, 48)), leg2=((74, 46), (112, 40))),
            arrow=((94, 56), (106, 54), (112, 48)),
        ),
        "bridge": D(
            posture="back",
            lines=_p(spine=((24, 68), (62, 52)), leg=((62, 52), (80, 46), (92, 72))),
            arrow=((54, 72), (52, 64), (54, 56)),
        ),
        "cat_cow": D(
            posture="hands_knees",
            lines=_p(spine=((30, 46), (52, 36), (74, 46))),
            arrow=((42, 26), (52, 18), (62, 26)),
        ),
        "childs_pose": D(
            posture="hands_knees",
            head=(22, 62),
            lines=_p(
                arm=((32, 64), (8, 70)),
                spine=((32, 64), (70, 56)),
                leg=((70, 56), (52, 72), (86, 72)),
            ),
            arrow=((70, 40), (80, 40), (82, 50)),
        ),
        "cobra": D(
            posture="face_down",
            head=(24, 40),
            lines=_p(spine=((30, 48), (70, 68)), arm=((36, 52), (34, 72))),
            arrow=((14, 62), (12, 54), (16, 46)),
        ),
        "crunch": D(
            posture="back",
            head=(20, 54),
            lines=_p(spine=((28, 60), (64, 68)), arm=((32, 60), (42, 56))),
            arrow=((14, 44), (20, 38), (28, 40)),
        ),
        "dead_bug": D(
            posture="back",
            lines=_p(
                arm=((30, 68), (30, 42)),
                arm2=((30, 68), (8, 54)),
                leg=((64, 68), (64, 48), (82, 48)),
                leg2=((64, 68), (102, 62)),
            ),
            arrow=((86, 48), (100, 48), (106, 56)),
        ),
        "goblet_squat": D(
            posture="standing",
            head=(52, 24),
            lines=_p(
                spine=((56, 32), (64, 54)),
                leg=((64, 54), (82, 56), (76, 72)),
                leg2=(),
                arm=((56, 36), (48, 40)),
                arm2=(),
            ),
            arrow=((90, 26), (94, 38), (90, 50)),
            props=("weight_chest",),
        ),
        "half_kneeling_glute_activation": D(
            posture="kneeling", arrow=((36, 40), (42, 34), (50, 36))
        ),
        "hip_flexor_stretch": D(
            posture="kneeling",
            head=(56, 10),
            lines=_p(spine=((56, 18), (54, 44)), leg=((54, 44), (44, 72), (22, 72))),
            arrow=((40, 50), (50, 54), (60, 52)),
        ),
        "hip_hinge": D(
            posture="standing",
            head=(30, 22),
            lines=_p(
                spine=((38, 28), (64, 44)),
                leg=((64, 44), (60, 72)),
                leg2=((64, 44), (68, 72)),
                arm=((42, 30), (46, 46)),
                arm2=(),
            ),
            arrow=((80, 36), (82, 46), (76, 54)),
            props=("broom",),
        ),
        "knee_to_chest": D(
            posture="back",
            lines=_p(leg2=((64, 68), (54, 46), (72, 42)), arm=((30, 68), (54, 48))),
            arrow=((80, 40), (76, 30), (64, 32)),
        ),
        "lateral_shift_correction": D(
            posture="standing",
            lines=_p(arm=((60, 24), (50, 36), (58, 44)), arm2=((60, 24), (70, 36), (62, 44))),
            arrow=((76, 46), (88, 44), (98, 46)),
        ),
        "leg_swings": D(
            posture="standing",
            lines=_p(leg2=((60, 46), (84, 62)), arm=((60, 24), (40, 34))),
            arrow=((52, 66), (70, 80), (92, 64)),
            props=("wall_left",),
        ),
        "lumbar_extension": D(
            posture="face_down",
            head=(16, 52),
            lines=_p(spine=((24, 58), (68, 66))),
            arrow=((34, 44), (30, 38), (22, 38)),
            props=("pillow",),
        ),
        "open_book_rotation": D(
            posture="side",
            lines=_p(arm=((30, 66), (52, 58)), arm2=((30, 66), (22, 44))),
            arrow=((50, 48), (38, 30), (20, 36)),
        ),
        "pallof_press": D(
            posture="standing",
            lines=_p(arm=((60, 26), (82, 30)), arm2=()),
            arrow=((66, 16), (76, 12), (88, 18)),
            props=("band",),
        ),
        "pelvic_tilt": D(posture="back", arrow=((56, 58), (64, 50), (72, 58))),
        "plank": D(
            posture="face_down",
            head=(18, 44),
            lines=_p(
                spine=((26, 50), (104, 68)),
                arm=((30, 50), (30, 72), (44, 72)),
                leg=(),
            ),
        ),
        "postural_training": D(posture="sitting", arrow=((84, 24), (84, 14), (84, 4))),
        "push_up": D(
            posture="face_down",
            head=(20, 32),
            lines=_p(spine=((28, 38), (104, 68)), arm=((32, 40), (32, 72)), leg=()),
            arrow=((12, 44), (10, 54), (14, 64)),
        ),
        "repeated_extension_in_lying": D(
            posture="face_down",
            head=(20, 36),
            lines=_p(spine=((26, 42), (68, 68)), arm=((32, 46), (32, 72))),
            arrow=((12, 58), (8, 48), (12, 40)),
        ),
        "repeated_flexion_in_lying": D(
            posture="back",
            lines=_p(leg=((64, 68), (52, 44), (70, 40)), arm=((30, 68), (54, 46))),
            arrow=((82, 42), (78, 30), (66, 30)),
        ),
        "romanian_deadlift": D(
            posture="standing",
            head=(30, 22),
            lines=_p(
                spine=((38, 28), (64, 44)),
                leg=((64, 44), (60, 72)),
                leg2=((64, 44), (68, 72)),
                arm=((42, 30), (44, 54)),
                arm2=(),
            ),
            arrow=((80, 36), (82, 46), (76, 54)),
            props=("weight_low",),
        ),
        "row": D(
            posture="standing",
            lines=_p(arm=((60, 26), (48, 34), (62, 36)), arm2=()),
            arrow=((44, 20), (52, 16), (62, 18)),
            props=("band",),
        ),
        "seated_forward_bend": D(
            posture="sitting",
            head=(70, 38),
            lines=_p(
                spine=((62, 44), (40, 72)),
                leg=((40, 72), (104, 72)),
                arm=((60, 46), (90, 64)),
            ),
            arrow=((52, 30), (66, 22), (80, 28)),
            props=(),
        ),
        "seated_torso_twist": D(posture="sitting", arrow=((50, 30), (68, 42), (88, 30))),
        "side_plank": D(
            posture="side",
            head=(24, 34),
            lines=_p(
                spine=((30, 40), (104, 66)),
                arm=((34, 42), (34, 72), (46, 72)),
                leg=(),
            ),
            arrow=((70, 66), (72, 58), (70, 50)),
        ),
        "single_leg_bridge": D(
            posture="back",
            lines=_p(
                spine=((24, 68), (62, 52)),
                leg=((62, 52), (80, 46), (92, 72)),
                leg2=((62, 52), (104, 42)),
            ),
            arrow=((54, 72), (52, 64), (54, 56)),
        ),
        "split_squat": D(
            posture="standing",
            head=(56, 10),
            lines=_p(
                spine=((56, 18), (56, 44)),
                leg=((56, 44), (76, 50), (76, 72)),
                leg2=((56, 44), (44, 64), (28, 72)),
            ),
            arrow=((92, 30), (94, 40), (92, 50)),
        ),
        "standing_hamstring_stretch": D(
            posture="standing",
            head=(42, 20),
            lines=_p(
                spine=((48, 26), (60, 46)),
                leg=((60, 46), (56, 72)),
                leg2=((60, 46), (84, 70)),
                arm=((50, 30), (62, 54)),
                arm2=(),
            ),
            arrow=((30, 18), (30, 30), (38, 38)),
        ),
        "stationary_cycling": D(
            posture="sitting",
            lines=_p(leg=((68, 48), (56, 56), (52, 66)), arm=((70, 24), (50, 30))),
            arrow=((34, 62), (44, 78), (58, 66)),
            props=("bike",),
        ),
        "thoracic_extension_mobilization": D(
            posture="sitting",
            head=(82, 12),
            lines=_p(spine=((68, 48), (76, 20)), arm=((76, 24), (86, 12))),
            arrow=((92, 30), (100, 22), (98, 12)),
        ),
        "walking_program": D(
            posture="standing",
            lines=_p(
                leg=((60, 46), (48, 72)),
                leg2=((60, 46), (72, 72)),
                arm=((60, 24), (50, 42)),
                arm2=((60, 24), (72, 40)),
            ),
            arrow=((80, 30), (94, 26), (108, 30)),
        ),
        "yoga": D(
            posture="standing",
            lines=_p(
                arm=((60, 22), (46, 6)),
                arm2=((60, 22), (74, 6)),
                leg2=((60, 46), (72, 52), (62, 56)),
            ),
            props=("mat",),
        ),
    }
)
