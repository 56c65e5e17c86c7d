"""Exclusive groups in the merge (docs/design.md section 5, step 5): of the interventions sharing
an ``exclusive_group``, the higher priority wins, a tie places neither; both outcomes are recorded
in ``conflicts``. Called by :func:`careengine.pipeline.merge.merge`."""

from __future__ import annotations

from collections import defaultdict

from careengine.model import Conflict, PlanItem
from careengine.plugins.registry import Catalog


def _exclusive(
    items: dict[tuple[str, str], PlanItem], catalog: Catalog
) -> tuple[dict[tuple[str, str], PlanItem], list[Conflict]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for intervention_id, _ in items:
        group = catalog.interventions[intervention_id].exclusive_group
        if group:
            groups[group].add(intervention_id)
    conflicts = []
    drop: set[str] = set()
    for group, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        best = {m: max(item.priority for (i, _), item in items.items() if i == m) for m in members}
        ranked = sorted(members, key=lambda m: (-best[m], m))
        stages = sorted({s for (i, s) in items if i in members})
        stage = stages[0] if len(stages) == 1 else None
        if best[ranked[0]] == best[ranked[1]]:
            drop.update(members)
            conflicts.append(
                Conflict(
                    kind="exclusive_group",
                    interventions=tuple(sorted(members)),
                    stage=stage,
                    resolution="clinician decision required",
                    details=(f"exclusive group {group}: equal priority {best[ranked[0]]}",),
                )
            )
        else:
            losers = ranked[1:]
            drop.update(losers)
            conflicts.append(
                Conflict(
                    kind="exclusive_group",
                    interventions=tuple(sorted(members)),
                    stage=stage,
                    resolution=f"{ranked[0]} kept (priority {best[ranked[0]]} over "
                    + ", ".join(f"{m} {best[m]}" for m in losers)
                    + ")",
                    winner=ranked[0],
                    details=(f"exclusive group {group}",),
                )
            )
    kept = {k: v for k, v in items.items() if k[0] not in drop}
    return kept, conflicts
