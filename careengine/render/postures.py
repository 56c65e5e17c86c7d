"""The starting positions the exercise drawings are built from (a stick figure each).

Lying on the back, lying face down, hands and knees, standing, sitting, side lying, kneeling and
sitting on a ball: each a head and a few named lines (``spine``, ``arm``, ``arm2``, ``leg``,
``leg2``) in a 120 x 80 box with the floor at y = 74, and its words for a screen reader. A
:class:`Drawing` (:mod:`careengine.render.exercise_drawings`) starts from one of them and
replaces the limbs that move. :func:`posture_of` reads the position from an exercise's first
step, for exercises without a drawing of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["POSTURES", "Drawing", "Line", "Point", "Posture", "posture_of"]

Point = tuple[int, int]
Line = tuple[Point, ...]


@attrs.frozen(kw_only=True)
class Posture:
    """A starting position: its words for the screen reader, the head and the body's lines."""

    words: str
    head: Point
    lines: Mapping[str, Line]
    props: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Drawing:
    """One exercise's picture: a posture, the limbs it moves, the movement arrow and props.

    ``arrow`` is a quadratic curve (start, control, end) with its head at the end.
    """

    posture: str
    head: Point | None = None
    lines: Mapping[str, Line] = attrs.field(factory=lambda: MappingProxyType({}))
    arrow: tuple[Point, Point, Point] | None = None
    #: ``None``: the posture's props; ``()``: none
    props: tuple[str, ...] | None = None


def lines(**lines: Line) -> Mapping[str, Line]:
    return MappingProxyType(lines)


#: the starting positions, each drawn as it is: the fallback for exercises without a drawing
POSTURES: Mapping[str, Posture] = MappingProxyType(
    {
        "back": Posture(
            words="lying on your back with your knees bent",
            head=(16, 64),
            lines=lines(
                spine=((24, 68), (64, 68)),
                leg=((64, 68), (80, 50), (94, 72)),
                arm=((30, 68), (48, 72)),
            ),
        ),
        "face_down": Posture(
            words="lying face down",
            head=(14, 62),
            lines=lines(
                spine=((22, 68), (68, 68)),
                leg=((68, 68), (108, 70)),
                arm=((28, 68), (40, 72)),
            ),
        ),
        "hands_knees": Posture(
            words="on your hands and knees",
            head=(20, 38),
            lines=lines(
                arm=((30, 46), (30, 72)),
                spine=((30, 46), (74, 46)),
                leg=((74, 46), (74, 72), (100, 72)),
            ),
        ),
        "standing": Posture(
            words="standing",
            head=(60, 12),
            lines=lines(
                spine=((60, 20), (60, 46)),
                leg=((60, 46), (54, 72)),
                leg2=((60, 46), (66, 72)),
                arm=((60, 24), (52, 44)),
                arm2=((60, 24), (68, 44)),
            ),
        ),
        "sitting": Posture(
            words="sitting on a chair",
            head=(70, 12),
            lines=lines(
                spine=((70, 20), (68, 48)),
                leg=((68, 48), (46, 48), (46, 72)),
                arm=((70, 24), (56, 42)),
            ),
            props=("chair",),
        ),
        "side": Posture(
            words="lying on your side",
            head=(16, 60),
            lines=lines(
                spine=((24, 66), (66, 66)),
                leg=((66, 66), (82, 56), (98, 68)),
                arm=((30, 66), (48, 58)),
            ),
        ),
        "kneeling": Posture(
            words="kneeling on one knee",
            head=(52, 10),
            lines=lines(
                spine=((52, 18), (52, 44)),
                leg=((52, 44), (46, 72), (22, 72)),
                leg2=((52, 44), (74, 46), (74, 72)),
                arm=((52, 22), (46, 36), (52, 44)),
            ),
            props=("cushion",),
        ),
        "ball": Posture(
            words="sitting on an exercise ball",
            head=(58, 8),
            lines=lines(
                spine=((58, 16), (58, 40)),
                leg=((58, 40), (80, 42), (82, 72)),
                arm=((58, 20), (50, 36)),
            ),
            props=("ball",),
        ),
    }
)

#: the words of a starting position in an exercise's first step, checked in this order
_POSTURE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (posture, re.compile(words))
    for posture, words in (
        ("ball", r"\bsit(?:ting)?\b[^.;]*\bball\b"),  # sitting on a ball, not legs on one
        ("hands_knees", r"hands and knees|all fours"),
        ("face_down", r"face down|on your (?:stomach|front)"),
        ("side", r"on your side"),
        ("back", r"on your back"),
        ("kneeling", r"\bkneel"),
        ("sitting", r"\bsit\b"),
    )
)


def posture_of(first_step: str) -> str:
    """The starting position an exercise's first step names (standing when it names none)."""
    text = first_step.lower()
    return next((p for p, words in _POSTURE_WORDS if words.search(text)), "standing")
