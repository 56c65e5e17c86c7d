"""The handout speaks to the patient: no clinician wording, every built-in alert and referral in
the patient's words, and a drawing for every exercise of the catalog."""

from __future__ import annotations

import html
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from careengine import Engine
from careengine.model import (
    Alert,
    AlertLevel,
    InterventionKind,
    Plan,
    Referral,
    Urgency,
)
from careengine.render.exercise_drawings import DRAWINGS
from careengine.render.illustrations import drawing_for, exercise_svg
from careengine.render.patient_words import (
    ALERT_WORDS,
    RECIPIENTS,
    alert_words,
    recipient,
    referral_reason,
)
from careengine.render.postures import POSTURES, posture_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
ENGINE = Engine(entry_points=False)
EXERCISES = sorted(i for i, x in ENGINE.catalog.interventions.items() if x.kind.value == "exercise")

#: words a clinician writes for a clinician; none may reach the patient
CLINICIAN_WORDS = re.compile(
    r"send to the emergency department|NICE|\bNG\d+|prediction rule|criteria met|et al\b"
    r"|\bCPG\b|JOSPT|Lancet|\bMRI\b|malignancy|metastasis|contraindication|subgroup"
    r"|treatment-based classification",
    re.IGNORECASE,
)


class Visible(HTMLParser):
    """The text a reader sees (not the stylesheet), and the drawings' labels."""

    def __init__(self) -> None:
        super().__init__()
        self.in_style = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag in ("style", "title") or self.in_style
        self.text += [v or "" for k, v in attrs if k == "aria-label"]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.text.append(data)


def visible(plan: Plan) -> str:
    parser = Visible()
    parser.feed(ENGINE.render(plan, "html"))
    return " ".join(" ".join(parser.text).split())


def plan_of(path: Path) -> Plan:
    return ENGINE.evaluate(ENGINE.load_assessment(path))


def rule_actions() -> list[dict[str, str]]:
    """Every action of every built-in pack (rules/*.toml)."""
    out = []
    for pack in sorted((ROOT / "rules").glob("*.toml")):
        for rule in tomllib.loads(pack.read_text("utf-8")).get("rules", []):
            out += [a for a in rule.get("then", []) if isinstance(a, dict)]
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_clinician_wording_reaches_the_patient(path: Path) -> None:
    """No guideline, prediction rule, rule id, pack, rationale or alert message of the plan."""
    plan = plan_of(path)
    text = visible(plan)
    assert not CLINICIAN_WORDS.search(text), CLINICIAN_WORDS.search(text)
    because = [b for _, item in plan.items() for b in item.because]
    because += [b for alert in plan.alerts for b in alert.because]
    for b in because:
        assert b.pack not in text and f" {b.rule} " not in f" {text} ".replace(".", " ")
        if b.rationale:
            assert b.rationale not in text
    for alert in plan.alerts:
        assert alert.message not in text
    for referral in plan.referrals:
        assert referral.reason not in text or referral_reason(referral) == referral.reason


def test_every_built_in_alert_and_referral_has_patient_words() -> None:
    """So none falls back to the level's general words or to the clinician's text."""
    actions = rule_actions()
    alerts = {(a["alert"], a["level"]) for a in actions if "alert" in a}
    assert alerts
    for code, level in sorted(alerts):
        if code.startswith("screen_incomplete.") or level == "info":
            # asks the clinic to record something, or a note for the clinician: not shown
            assert alert_words(Alert(code=code, level=AlertLevel(level), message="")) is None
            continue
        assert code in ALERT_WORDS, code
    for action in (a for a in actions if "refer" in a):
        referral = Referral(to=action["refer"], urgency=Urgency(action["urgency"]), reason="")
        assert action["refer"] in RECIPIENTS, action["refer"]
        reason = referral_reason(
            Referral(to=referral.to, urgency=referral.urgency, reason=action["reason"])
        )
        assert reason.startswith("to "), (action["reason"], reason)
        assert not CLINICIAN_WORDS.search(reason + recipient(referral)), reason


def test_alert_words_by_level_for_an_unknown_code() -> None:
    def words(level: AlertLevel, code: str = "clinic.unknown") -> str | None:
        return alert_words(Alert(code=code, level=level, message="x (NG59)"))

    assert "today" in (words(AlertLevel.EMERGENCY) or "")
    assert "before you start" in (words(AlertLevel.URGENT) or "")
    assert "carry on" in (words(AlertLevel.ROUTINE) or "")
    assert words(AlertLevel.INFO) is None
    assert words(AlertLevel.ROUTINE, "screen_incomplete.axspa") is None


def test_a_referral_reason_of_a_plugin_loses_its_citation() -> None:
    referral = Referral(
        to="pain clinic", urgency=Urgency.ROUTINE, reason="persistent pain (NICE NG59 1.3)"
    )
    assert referral_reason(referral) == "persistent pain"
    assert recipient(referral) == "Pain clinic"


def test_every_catalog_exercise_has_its_own_drawing() -> None:
    """One drawing per exercise id of the built-in catalog, and no drawing for an unknown id."""
    assert EXERCISES and sorted(set(EXERCISES) - set(DRAWINGS)) == []
    assert sorted(set(DRAWINGS) - set(EXERCISES)) == []
    for drawing in DRAWINGS.values():
        assert drawing.posture in POSTURES


@pytest.mark.parametrize("exercise", EXERCISES)
def test_each_drawing_is_an_accessible_self_contained_svg(exercise: str) -> None:
    intervention = ENGINE.catalog.interventions[exercise]
    svg = exercise_svg(exercise, intervention.name, intervention.steps[0])
    name = html.escape(intervention.name)
    assert svg.startswith('<svg class="figure" viewBox="0 0 120 80"') and svg.endswith("</svg>")
    assert 'role="img"' in svg and f'aria-label="Drawing of {name}' in svg
    assert f"<title>Drawing of {name}" in svg
    assert "<polyline" in svg and "<circle" in svg
    # the exercise's own drawing, not its posture's: its limbs, head, arrow and props
    drawing = DRAWINGS[exercise]
    for line in drawing.lines.values():
        points = " ".join(f"{x},{y}" for x, y in line)
        assert (f'<polyline points="{points}" />' in svg) is bool(line), (exercise, line)
    if drawing.head is not None:
        assert f'<circle cx="{drawing.head[0]}" cy="{drawing.head[1]}" r="6"' in svg
    if drawing.arrow is not None:
        (x0, y0), (cx, cy), (x1, y1) = drawing.arrow
        assert f'd="M{x0} {y0} Q{cx} {cy} {x1} {y1}"' in svg
        assert "the arrow shows the movement" in svg
    if drawing.props == ():
        assert svg.count("<g ") == 1  # the figure only, no props group
    for forbidden in ("http", "href", "url(", "src=", "<image", "<text", "font"):
        assert forbidden not in svg
    # every point stays inside the 120 x 80 box
    for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", svg):
        assert 0 <= float(x) <= 120 and 0 <= float(y) <= 80, (exercise, x, y)


@pytest.mark.parametrize(
    ("first_step", "posture"),
    [
        ("Sit on a Swiss ball with your feet flat and hip-width apart.", "ball"),
        ("Lie on your back with your calves resting on an exercise ball.", "back"),
        ("Start on your hands and knees, then lift your hips up and back.", "hands_knees"),
        ("Stand facing a wall with your hands on it at shoulder height.", "standing"),
        ("Lie on your back with your knees bent.", "back"),
        ("Lie face down with a pillow under your hips.", "face_down"),
        ("Lie on your side with your knees bent.", "side"),
        ("Kneel on one knee on a cushion.", "kneeling"),
        ("Sit tall on a firm chair.", "sitting"),
        ("Hold a band at chest height.", "standing"),
    ],
)
def test_an_exercise_without_a_drawing_gets_its_postures(first_step: str, posture: str) -> None:
    """A clinic's exercise, or a catalog entry newer than the drawings (Swiss-ball work,
    downward dog, calf stretch), is drawn in the posture its first step names."""
    assert posture_of(first_step) == posture
    drawing = drawing_for("clinic_new_exercise", first_step)
    assert drawing.posture == posture and drawing.arrow is None
    svg = exercise_svg("clinic_new_exercise", "New <exercise>", first_step)
    assert POSTURES[posture].words in svg and "New &lt;exercise&gt;" in svg


def test_home_items_follow_the_dosage_setting_then_the_kind() -> None:
    from careengine.model import Dosage, DosageSetting, PlanItem
    from careengine.render.patient_words import is_home_exercise, who

    def item(kind: InterventionKind, setting: DosageSetting | None) -> PlanItem:
        dosage = Dosage(reps=10, setting=setting)
        return PlanItem(intervention="x", kind=kind, name="x", dosage=dosage)

    exercise, heat = InterventionKind.EXERCISE, InterventionKind.MODALITY
    assert is_home_exercise(item(exercise, None))
    assert not is_home_exercise(item(heat, None))
    assert is_home_exercise(item(heat, DosageSetting.HOME))
    assert is_home_exercise(item(exercise, DosageSetting.HOME_AND_SESSION))
    assert not is_home_exercise(item(exercise, DosageSetting.SESSION))
    assert who(item(heat, DosageSetting.HOME)) == "To do at home"
    assert who(item(exercise, DosageSetting.SESSION)) == "Exercise with your therapist"
    assert who(item(heat, DosageSetting.SESSION)) == "Treatment with your therapist"
