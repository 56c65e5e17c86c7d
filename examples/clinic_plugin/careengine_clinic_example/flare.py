"""A rule written in Python: it compares two measures, which a TOML pattern cannot do.

When today's pain is at least 4/10 and within one point of the worst pain of the episode, the
back is in a flare-up: the clinic adds superficial heat to the relieve stage and derives the
fact ``clinic.flare`` that rules in ``rules/clinic.toml`` match.
"""

from __future__ import annotations

from collections.abc import Sequence

from careengine.rules import Action, Add, Call, Derive, Match, Rule, When, gte, measure

PACK_ID = "clinic.example.flare"
PACK_VERSION = "1.0.0"
FLARE = "clinic.flare"


def _measure(match: Match, code: str) -> float:
    value: float = next(f["value"] for f in match.facts.values() if f["code"] == code)
    return value


def flare_actions(match: Match) -> Sequence[Action]:
    """Heat and the ``clinic.flare`` fact when current pain is within a point of the worst."""
    if _measure(match, "nprs_worst") - _measure(match, "nprs_current") > 1:
        return []
    return [Add(intervention="superficial_heat", stage="relieve"), Derive(code=FLARE)]


RULES = (
    Rule(
        id="pain-near-worst",
        because="Pain today is close to the worst of this episode: calm it before loading.",
        when=When(all=(measure("nprs_current", value=gte(4)), measure("nprs_worst"))),
        then=(Call(fn=flare_actions, derives=(FLARE,)),),
        priority=55,
    ),
)
