"""Progression chains of the catalog: the ``regresses_to`` / ``progresses_to`` links of an
intervention followed both ways, easiest first."""

from __future__ import annotations

from careengine.plugins.registry import Catalog


def chain_of(catalog: Catalog, intervention_id: str) -> tuple[str, ...]:
    """The progression chain an intervention belongs to, easiest first (itself if none)."""
    items = catalog.interventions
    root, seen = intervention_id, {intervention_id}
    while (
        (easier := items[root].regresses_to) is not None and easier in items and easier not in seen
    ):
        seen.add(easier)
        root = easier
    chain, seen = [root], {root}
    while (
        (harder := items[chain[-1]].progresses_to) is not None
        and harder in items
        and harder not in seen
    ):
        seen.add(harder)
        chain.append(harder)
    return tuple(chain)
