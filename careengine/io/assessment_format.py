"""The assessment format's fixed values and limits (docs/design.md section 6.1), shared by the
reader (:mod:`careengine.io.assessment`) and the JSON Schema (:mod:`careengine.io.schema`).
"""

from __future__ import annotations

import math

ASSESSMENT_SCHEMA = "careengine.assessment/1"
MAX_FINDINGS = 500
MAX_LIST = 200
#: whole numbers beyond this are refused (every number must convert to a float exactly enough)
MAX_NUMBER = 10**15


def finite_value(value: object) -> bool:
    """False for NaN, infinities and whole numbers too large for a float (TOML allows them)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= MAX_NUMBER
    return True


#: ``patient.pregnancy``: completed weeks of gestation, and whole weeks since delivery
GESTATIONAL_WEEKS = (1, 42)
POSTPARTUM_WEEKS = (0, 104)
#: the condition code a gestational week needs (and a post-partum status must not carry)
PREGNANCY_CONDITION = "pregnancy"
GESTATION_NEEDS_PREGNANCY = (
    f"a gestational week needs the condition {PREGNANCY_CONDITION!r} in patient.conditions"
)
POSTPARTUM_NOT_PREGNANT = (
    f"a post-partum status contradicts the condition {PREGNANCY_CONDITION!r} in patient.conditions"
)
PREGNANT_OR_POSTPARTUM = (
    "gives both gestational_week and postpartum_weeks: a patient is either pregnant or post-partum"
)

QUESTIONNAIRE_KEYS = {"startback", "odi", "fabq", "axspa_features", "hla_b27"}
STARTBACK_ITEMS = (1, 8)  # Keele form items answered agree/disagree; item 9 is bothersomeness
STARTBACK_BOTHERSOMENESS = ("not_at_all", "slightly", "moderately", "very_much", "extremely")
ODI_SECTIONS = 10
ODI_MIN_ANSWERED = 8
ODI_SECTION_RANGE = (0, 5)
FABQ_ITEMS = 16
FABQ_ANSWER_RANGE = (0, 6)
AXSPA_FEATURES = (
    "onset_before_35",
    "night_waking_second_half",
    "buttock_pain",
    "better_with_movement",
    "nsaid_response_48h",
    "family_history_spa",
    "arthritis_history",
    "enthesitis_history",
    "psoriasis_history",
)
HLA_B27 = ("positive", "negative")
