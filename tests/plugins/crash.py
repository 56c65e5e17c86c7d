"""Kills the process that evaluates patient ``p-crash`` (as a crashing C extension would).

Only for ``careengine batch --jobs N`` with N > 1, whose worker processes it kills: the batch
must report that input and still evaluate the others."""

from __future__ import annotations

import os

from careengine.model import Assessment
from careengine.plugins.hookspecs import hookimpl

CRASHING_PATIENT = "p-crash"


@hookimpl
def careengine_derive_facts(assessment: Assessment) -> list[object]:
    if assessment.patient.id == CRASHING_PATIENT:
        os._exit(70)
    return []
