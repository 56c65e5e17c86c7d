"""The clinic's one new catalog entry: the modified curl-up, a trunk-endurance exercise that
keeps the low back in its natural curve (one of McGill's "big three" with the side bridge and
the bird dog)."""

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
    # McGill's "big three" (curl-up, side bridge, bird dog) are done together, each training
    # another part of the trunk, so the bird dog is a companion, not the curl-up's next level:
    # the curl-up progresses by more or longer holds (its dosage). Abdominal bracing, the
    # brace without the lift, is its easier level, so the engine gives one of the two at a
    # time in a stage (one level of an exercise at a time).
    progresses_to=None,
    regresses_to="abdominal_bracing",
    alternatives=("abdominal_bracing",),
    evidence=(
        "One of the trunk-endurance exercises described by McGill (Low Back Disorders, "
        "3rd ed., Human Kinetics 2016); exercise therapy for chronic low back pain: Hayden et "
        "al., Cochrane Database Syst Rev 2021;9:CD009790."
    ),
)
