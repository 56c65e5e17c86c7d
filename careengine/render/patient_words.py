"""The patient's words for what the handout says: stages, who does what, alerts and referrals.

The plan's own texts are written for the clinician: alert messages ("send to the emergency
department today for an urgent MRI"), referral reasons with guideline names ("NICE NG65
criteria met"), rationales naming prediction rules, rule ids and packs. None of them reaches the
patient. Instead:

* an alert is worded by its code (:data:`ALERT_WORDS`), or by its level when a plugin raised a
  code this module does not know, so what to do and how soon is never lost; alerts that only ask
  the clinic to record something (``screen_incomplete.*``) and ``info`` alerts are not shown;
* a referral is worded by its recipient (:data:`RECIPIENTS`), its urgency (:data:`WHEN`) and the
  patient's words for its reason (:func:`referral_reason`);
* the stages are numbered once (:func:`stage_numbers`), so "stage 2 of 4" reads the same in
  every place of the handout;
* which items are the patient's home exercises is decided by one function
  (:func:`is_home_exercise`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from careengine.model import (
    Alert,
    AlertLevel,
    DosageSetting,
    InterventionKind,
    Plan,
    PlanItem,
    Referral,
    Urgency,
)

__all__ = [
    "ALERT_WORDS",
    "RECIPIENTS",
    "WHEN",
    "WHO",
    "alert_words",
    "is_home_exercise",
    "recipient",
    "referral_reason",
    "stage_numbers",
    "who",
]

#: who does each kind of item, as the patient reads it above the item's name
WHO: Mapping[InterventionKind, str] = MappingProxyType(
    {
        InterventionKind.EXERCISE: "Exercise to do at home",
        InterventionKind.MANUAL_THERAPY: "Treatment with your therapist",
        InterventionKind.MODALITY: "Treatment with your therapist",
        InterventionKind.PROCEDURE: "Treatment by a specialist",
        InterventionKind.REFERRAL: "Appointment with another professional",
        InterventionKind.EDUCATION: "Advice and learning",
    }
)

#: how soon, for each referral urgency
WHEN: Mapping[Urgency, str] = MappingProxyType(
    {
        Urgency.EMERGENCY: "go today, without waiting for an appointment",
        Urgency.URGENT: "within the next few days",
        Urgency.ROUTINE: "at a routine appointment",
    }
)

#: the recipients of the built-in referrals, as a patient would name them
RECIPIENTS: Mapping[str, str] = MappingProxyType(
    {
        "emergency department": "A hospital emergency department",
        "general practitioner": "Your family doctor (GP)",
        "rheumatology": "A rheumatologist (a doctor who treats inflamed joints and spine)",
    }
)

#: the patient's words for the alert codes the built-in rules raise; ``None``: not for the patient
ALERT_WORDS: Mapping[str, str | None] = MappingProxyType(
    {
        "cauda_equina_suspected": (
            "Some of the signs found today can mean that the nerves at the very bottom of your "
            "spine are under pressure. A hospital doctor needs to check this today: treated "
            "early, those nerves are best protected."
        ),
        "progressive_neurological_deficit": (
            "The weakness or numbness in your leg seems to be getting worse. A doctor needs to "
            "check this today."
        ),
        "spinal_infection_suspected": (
            "Your temperature, together with your other health details, means a doctor should "
            "check today for an infection near your spine."
        ),
        "malignancy_suspected": (
            "Your doctor should check a few of your health details to rule out less common "
            "causes of back pain. Most back pain has a simple cause; this check makes sure."
        ),
        "fracture_suspected": (
            "A doctor needs to check the bones of your spine, usually with an X-ray or a scan, "
            "before you start exercising."
        ),
        "axspa_suspected": (
            "Some features of your back pain can come from inflammation of the joints of the "
            "spine. A specialist should check this. You can keep doing your exercises meanwhile."
        ),
        "tbc_overlap": None,
    }
)

#: the patient's words when an alert's code is unknown (a clinic's plugin), by its level
_BY_LEVEL: Mapping[AlertLevel, str | None] = MappingProxyType(
    {
        AlertLevel.EMERGENCY: "Your assessment found signs that a doctor must check today.",
        AlertLevel.URGENT: (
            "Your assessment found signs that a doctor must check within the next few days, "
            "before you start any exercise or treatment."
        ),
        AlertLevel.ROUTINE: (
            "Your therapist would like another professional to check something found at your "
            "assessment. You can carry on with this plan meanwhile."
        ),
        AlertLevel.INFO: None,
    }
)

#: words in a referral reason and the patient's words for it, checked in this order
_REASONS: tuple[tuple[str, str], ...] = (
    ("cauda equina", "to check the nerves at the bottom of your spine"),
    ("neurological deficit", "to check the weakness or numbness in your leg"),
    ("infection", "to check for an infection"),
    ("fracture", "to check the bones of your spine"),
    ("spondyloarthritis", "to check for inflammation of the joints of the spine"),
    ("malignancy", "to rule out less common causes of back pain"),
    ("weight loss", "to rule out less common causes of back pain"),
    ("night pain", "to rule out less common causes of back pain"),
    ("no improvement", "to rule out less common causes of back pain"),
)

#: a bracketed aside that cites a guideline, a paper or a rule: clinician wording
_CITATION = re.compile(
    r"\s*\([^()]*(?:NICE|NG\d|CPG|criteria|et al|prediction rule|\d{4})[^()]*\)", re.IGNORECASE
)


def is_home_exercise(item: PlanItem) -> bool:
    """Whether the patient does this item at home: the handout's "what to do now" list.

    The one place that decides it: the dosage's setting when it has one (the home programme,
    or practised with the therapist and continued at home), otherwise every exercise item.
    """
    setting = item.dosage.setting
    if setting is None:
        return item.kind is InterventionKind.EXERCISE
    return setting in (DosageSetting.HOME, DosageSetting.HOME_AND_SESSION)


def who(item: PlanItem) -> str:
    """Who does the item and where, above its name: at home, with the therapist, ..."""
    exercise = item.kind is InterventionKind.EXERCISE
    if is_home_exercise(item):
        return "Exercise to do at home" if exercise else "To do at home"
    if exercise:
        return "Exercise with your therapist"
    return WHO.get(item.kind, "Part of your plan")


def stage_numbers(plan: Plan) -> dict[str, tuple[int, int]]:
    """``stage id -> (number, count)`` over the stages the handout shows.

    Shown are the stages that hold items and the current stage (even when empty), in the plan's
    order; every "stage N of M" in the handout comes from here.
    """
    shown = [s.id for s in plan.stages if s.items or s.id == plan.current_stage]
    return {sid: (n, len(shown)) for n, sid in enumerate(shown, start=1)}


def alert_words(alert: Alert) -> str | None:
    """What the patient reads for an alert, or ``None`` when it is for the clinic only."""
    if alert.level is AlertLevel.INFO or alert.code.startswith("screen_incomplete."):
        return None
    if alert.code in ALERT_WORDS:
        return ALERT_WORDS[alert.code]
    return _BY_LEVEL[alert.level]


def recipient(referral: Referral) -> str:
    """Who the patient is to see, in everyday words (a plugin's recipient as it is written)."""
    to = referral.to.strip()
    known = RECIPIENTS.get(to.lower())
    if known is not None:
        return known
    return (to[:1].upper() + to[1:]) or "Another professional"


def referral_reason(referral: Referral) -> str:
    """Why, in the patient's words: each merged reason ("a; b") worded once, in order."""
    out: list[str] = []
    for reason in referral.reason.split(";"):
        text = reason.strip().lower()
        if not text:
            continue
        words = next((w for key, w in _REASONS if key in text), None)
        if words is None:
            words = _CITATION.sub("", reason.strip())
        if words and words not in out:
            out.append(words)
    return "; ".join(out)
