"""The CDS Services careengine offers, and the discovery document that lists them
(``GET /cds-services``; docs/cds-hooks.md).

One service: ``careengine-lbp-plan`` on the ``patient-view`` hook. It reads the assessment from
the prefetch (:data:`~careengine.service.prefetch.PREFETCH_TEMPLATES`) and answers with the
plan's cards. An ``order-sign`` service is not offered: the plan is made from the prefetched
assessment alone and never reads ``context.draftOrders``, so an ``order-sign`` card would repeat
the ``patient-view`` one while looking like a check of the order being signed; a check of a
signed physical-therapy ServiceRequest against the plan is left to a later issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from careengine.service.prefetch import PREFETCH_TEMPLATES


@attrs.frozen(kw_only=True)
class ServiceDefinition:
    """One CDS Service: its ``id`` (the last segment of its URL), hook, title and description."""

    id: str
    hook: str
    title: str
    description: str
    prefetch: Mapping[str, str] = attrs.field(factory=dict)

    def discovery_entry(self) -> dict[str, Any]:
        """The service as the discovery document lists it (CDS Hooks 2.0, "Discovery")."""
        return {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": dict(sorted(self.prefetch.items())),
        }


PLAN_SERVICE_ID = "careengine-lbp-plan"


def default_services() -> tuple[ServiceDefinition, ...]:
    """The services of ``careengine serve``, sorted by id."""
    return (
        ServiceDefinition(
            id=PLAN_SERVICE_ID,
            hook="patient-view",
            title="Low back pain care plan (careengine)",
            description=(
                "Evaluates the physical therapist's low back pain assessment, read from the "
                "prefetched Patient, Conditions, Observations and QuestionnaireResponses, and "
                "returns the staged care plan as cards: red flags and referrals first, then the "
                "draft CarePlan to create."
            ),
            prefetch=PREFETCH_TEMPLATES,
        ),
    )


def discovery_document(services: tuple[ServiceDefinition, ...]) -> dict[str, Any]:
    """``{"services": [...]}``, in id order."""
    return {"services": [s.discovery_entry() for s in sorted(services, key=lambda s: s.id)]}
