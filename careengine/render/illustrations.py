"""Small self-drawn pictures of the home exercises for the patient handout (inline SVG).

Each picture is a stick figure in one of a few starting positions
(:data:`~careengine.render.postures.POSTURES`: lying on the back, lying face down, hands and
knees, standing, sitting, side lying, kneeling, sitting on a ball) with a red arrow for the
movement. A drawing (:data:`~careengine.render.exercise_drawings.DRAWINGS`) is a few lines of data:
its posture, the limbs it moves (replacing the posture's), the arrow and any props (a chair, a
wall, a ball, a band, a weight, water, a bike). An exercise without its own drawing (a clinic's
plugin, or a catalog entry newer than this file) gets its posture's drawing, the posture read
from the first step of its instructions ("Lie on your back ...").

The SVG has no external reference (no font, no image, no ``url(...)``, no namespace URL: HTML5
does not need one), ``role="img"``, an ``aria-label`` and a ``<title>``, so a screen reader reads
what the picture shows. Coordinates: a 120 x 80 box, the floor at y = 74.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from careengine.render.exercise_drawings import DRAWINGS
from careengine.render.postures import POSTURES, Drawing, Line, Point, posture_of
from careengine.render.safe_text import html_text as escape

__all__ = ["drawing_for", "exercise_svg"]

_FIGURE = "#222"
_ARROW = "#c0392b"
_PROP = "#8a8a8a"

#: the props, drawn behind the figure in a light grey
_PROPS: Mapping[str, str] = MappingProxyType(
    {
        "chair": '<path d="M46 52 H80 M78 52 V74 M50 52 V74 M80 52 V20" />',
        "chair_right": '<path d="M84 46 H104 M86 46 V74 M102 46 V74 M104 46 V20" />',
        "wall": '<path d="M90 4 V74" />',
        "wall_left": '<path d="M36 4 V74" />',
        "cushion": '<rect x="36" y="70" width="20" height="4" rx="2" />',
        "pillow": '<rect x="58" y="68" width="20" height="5" rx="2" />',
        "ball": '<circle cx="56" cy="56" r="17" />',
        "ball_low": '<circle cx="94" cy="62" r="12" />',
        "band": '<path d="M6 10 V74 M6 30 L82 30" />',
        "broom": '<path d="M26 18 L82 50" />',
        "weight_chest": '<rect x="40" y="34" width="10" height="12" rx="2" />',
        "weight_low": '<rect x="38" y="52" width="12" height="10" rx="2" />',
        "water": '<path d="M2 30 Q17 24 32 30 T62 30 T92 30 T120 30" />',
        "bike": (
            '<circle cx="50" cy="66" r="7" /><path d="M68 50 L50 66 L94 66 L96 30 M88 30 H100" />'
        ),
        "mat": '<rect x="20" y="72" width="80" height="3" />',
    }
)


def _points(line: Line) -> str:
    return " ".join(f"{x},{y}" for x, y in line)


def _arrow(arrow: tuple[Point, Point, Point]) -> str:
    (x0, y0), (cx, cy), (x1, y1) = arrow
    angle = math.atan2(y1 - cy, x1 - cx)
    head = [
        (x1, y1),
        (x1 - 7 * math.cos(angle - 0.45), y1 - 7 * math.sin(angle - 0.45)),
        (x1 - 7 * math.cos(angle + 0.45), y1 - 7 * math.sin(angle + 0.45)),
    ]
    tip = " ".join(f"{x:.1f},{y:.1f}" for x, y in head)
    return (
        f'<path d="M{x0} {y0} Q{cx} {cy} {x1} {y1}" fill="none" stroke="{_ARROW}" '
        f'stroke-width="2.5" stroke-linecap="round" />'
        f'<polygon points="{tip}" fill="{_ARROW}" />'
    )


def drawing_for(exercise_id: str, first_step: str) -> Drawing:
    """The exercise's own drawing, or its posture's when it has none."""
    return DRAWINGS.get(exercise_id) or Drawing(posture=posture_of(first_step))


def exercise_svg(exercise_id: str, name: str, first_step: str = "") -> str:
    """A small inline SVG of the exercise: the figure in its posture and the movement arrow."""
    drawing = drawing_for(exercise_id, first_step)
    posture = POSTURES[drawing.posture]
    lines = {**posture.lines, **drawing.lines}
    props = posture.props if drawing.props is None else drawing.props
    head = drawing.head or posture.head
    label = f"Drawing of {name}: {posture.words}" + (
        ", the arrow shows the movement" if drawing.arrow else ""
    )
    parts = [
        f'<svg class="figure" viewBox="0 0 120 80" width="120" height="80" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
        f'<path d="M2 74 H118" stroke="{_PROP}" stroke-width="1.5" />',
    ]
    if props:
        shapes = "".join(_PROPS[p] for p in props)
        parts.append(f'<g fill="none" stroke="{_PROP}" stroke-width="2">{shapes}</g>')
    limbs = "".join(
        f'<polyline points="{_points(line)}" />' for _, line in sorted(lines.items()) if line
    )
    parts.append(
        f'<g fill="none" stroke="{_FIGURE}" stroke-width="3.5" stroke-linecap="round" '
        f'stroke-linejoin="round">{limbs}</g>'
    )
    parts.append(f'<circle cx="{head[0]}" cy="{head[1]}" r="6" fill="{_FIGURE}" />')
    if drawing.arrow:
        parts.append(_arrow(drawing.arrow))
    parts.append("</svg>")
    return "".join(parts)
