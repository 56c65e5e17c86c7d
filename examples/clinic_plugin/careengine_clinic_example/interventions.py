"""The clinic's one new catalog entry: the modified curl-up, a trunk-endurance exercise that
keeps the low back in its natural curve."""

from __future__ import annotations

from careengine.model import Dosage, Intervention, InterventionKind

MODIFIED_CURL_UP = Intervention(
    id="modified_curl_up",
    kind=InterventionKind.EXERCISE,
    name="Modified curl-up",
    steps=(
        "Lie on your back with one knee bent and the other leg straight.",
        "Slide your hands, palms down, under the small of your back so it keeps its natural "
        "curve; it should stay there for the whole exercise.",
        "Tighten your stomach muscles gently, as if someone were about to poke your belly, and "
        "keep breathing.",
        "Raise your head and shoulders just off the floor, a few centimetres only, with your "
        "chin slightly tucked; your low back does not bend.",
        "Hold for the seconds given, breathing normally, then lower slowly. Swap the bent leg "
        "halfway through each set.",
    ),
    dosage=Dosage(sets=3, reps=5, hold_seconds=10, per_week=5),
    safety_tips=(
        "Keep the lift small: this trains endurance; it is not a sit-up.",
        "Do not pull on your head or neck with your hands.",
        "Stop and tell your therapist if pain spreads into your leg or stays worse for more "
        "than an hour afterwards.",
    ),
    contraindications_absolute=("osteoporosis", "spinal_fracture"),
    contraindications_relative=("acute_disc_herniation",),
    progresses_to="bird_dog",
    regresses_to="abdominal_bracing",
    alternatives=("abdominal_bracing",),
    evidence=(
        "One of the trunk-endurance exercises described by McGill (Low Back Disorders, "
        "3rd ed., Human Kinetics 2016); exercise therapy for chronic low back pain: Hayden et "
        "al., Cochrane Database Syst Rev 2021;9:CD009790."
    ),
)
