"""The renderers a person reads: the HTML patient handout (parsed with html.parser) and the
terminal text with its alerts first.

The handout's wording and drawings are tested in test_handout_words.py, its printed pages and
its layout on a phone in a real browser in test_handout_browser.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from careengine import Engine
from careengine.cli import cli
from careengine.model import (
    Alert,
    AlertLevel,
    Dosage,
    InterventionKind,
    Plan,
    PlanStatus,
    Referral,
    TermKind,
    Urgency,
)
from careengine.render.html import plain_dosage
from careengine.render.patient_words import is_home_exercise
from careengine.render.text import dosage_line

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
ENGINE = Engine(entry_points=False)
READY = [p for p in EXAMPLES if p.stem != "suspected-cauda-equina"]


class Handout(HTMLParser):
    """Collects the text of every element by class and by id, the headings in order, the tags
    and every attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.svgs: list[dict[str, str | None]] = []
        self.by_id: dict[str, list[str]] = {}
        self.by_class: dict[str, list[str]] = {}
        self.headings: list[tuple[str, list[str]]] = []
        self.order: list[str] = []  # ids of cards and tiles in document order
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        values = dict(attrs)
        if tag in ("meta", "br", "polyline", "polygon", "path", "circle", "rect"):
            return
        ident = values.get("id") or ""
        self.stack.append((tag, values.get("class") or "", ident))
        if ident:
            self.by_id.setdefault(ident, [])
            if ident.startswith(("item-", "later-")):
                self.order.append(ident)
        if tag == "svg":
            self.svgs.append(values)
        if tag in ("h2", "h3"):
            self.headings.append((tag, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if any(t in ("h2", "h3") for t, _, _ in self.stack) and self.headings:
            self.headings[-1][1].append(data)
        for _, cls, ident in self.stack:
            if cls:
                self.by_class.setdefault(cls, []).append(data)
            if ident:
                self.by_id[ident].append(data)

    def words(self, ident: str) -> str:
        return " ".join(" ".join(self.by_id[ident]).split())

    def h2(self) -> list[str]:
        return [" ".join("".join(t).split()) for tag, t in self.headings if tag == "h2"]


def handout(plan: Plan) -> Handout:
    parser = Handout()
    parser.feed(ENGINE.render(plan, "html"))
    parser.close()
    return parser


def plan_of(path: Path) -> Plan:
    return ENGINE.evaluate(ENGINE.load_assessment(path))


def current_items(plan: Plan) -> list[str]:
    stage = next(s for s in plan.stages if s.id == plan.current_stage)
    return [i.intervention for i in stage.items]


@pytest.mark.parametrize("path", READY, ids=[p.stem for p in READY])
def test_the_current_stage_shows_every_item_in_full(path: Path) -> None:
    """Steps, dosage, safety tips and cautions for what to do now; a home exercise also has its
    drawing and a week of tick boxes; the other stages' items are tiles (name, how much)."""
    plan = plan_of(path)
    page = handout(plan)
    now = set(current_items(plan))
    for stage in plan.stages:
        for item in stage.items:
            if item.intervention not in now:
                words = page.words(f"later-{item.intervention}")
                assert item.name in words and plain_dosage(item.dosage) in words
                assert f"item-{item.intervention}" not in page.by_id
                continue
            text = page.words(f"item-{item.intervention}")
            intervention = ENGINE.catalog.interventions[item.intervention]
            assert item.name in text
            assert intervention.steps and intervention.safety_tips
            for line in (*intervention.steps, *intervention.safety_tips):
                assert " ".join(line.split()) in text, (item.intervention, line)
            assert f"How much: {plain_dosage(item.dosage)}" in text
            home = is_home_exercise(item)
            for precaution in item.precautions:
                condition = ENGINE.catalog.term(TermKind.CONDITION, precaution.source)
                if not home:
                    assert "will adapt this treatment for you" in text
                elif condition is None:  # a rule's precaution on a home exercise: its own words
                    assert precaution.text in text, (item.intervention, precaution.text)
                else:
                    assert condition.label.lower() in text.lower()
            assert ("Mon Tue Wed Thu Fri Sat Sun" in text) == home
            exercise = item.kind is InterventionKind.EXERCISE
            assert ("Drawing of " + item.name in text) == exercise


@pytest.mark.parametrize("path", READY, ids=[p.stem for p in READY])
def test_the_handout_opens_with_what_to_do_now(path: Path) -> None:
    """The first section is the current stage, numbered, with its home exercises first; what
    comes next follows; no stage is announced without its number."""
    plan = plan_of(path)
    page = handout(plan)
    current = next(s for s in plan.stages if s.id == plan.current_stage)
    headings = page.h2()
    first = headings[0]
    assert first.startswith("What to do now: stage "), headings
    assert current.title in first
    items = current_items(plan)
    home = [i.intervention for i in current.items if is_home_exercise(i)]
    assert page.order[: len(items)] == [f"item-{i}" for i in home] + [
        f"item-{i}" for i in items if i not in home
    ]
    later = [s for s in plan.stages if s.items and s.id != current.id]
    if later:
        assert any(h in ("What comes next", "Earlier in your plan") for h in headings)


@pytest.mark.parametrize("path", READY, ids=[p.stem for p in READY])
def test_stage_numbering_is_the_same_everywhere(path: Path) -> None:
    """Every "stage N of M" counts the same stages, each stage keeps one number, the current
    stage's number is the one in "What to do now" and "move on to" names the next one."""
    plan = plan_of(path)
    text = " ".join(" ".join(handout(plan).text).split())
    counts = {int(m) for _, m in re.findall(r"[Ss]tage (\d+) of (\d+)", text)}
    shown = [s for s in plan.stages if s.items or s.id == plan.current_stage]
    assert counts == {len(shown)}, (counts, text[:300])
    for number, stage in enumerate(shown, start=1):
        assert f"tage {number} of {len(shown)} · {stage.title}" in text, stage.id
    here = next(n for n, s in enumerate(shown, start=1) if s.id == plan.current_stage)
    assert f"What to do now: stage {here} of {len(shown)} · " in text
    if here < len(shown):
        assert f"move you on to stage {here + 1} of {len(shown)} when" in text


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_handout_is_self_contained(path: Path) -> None:
    html = ENGINE.render(plan_of(path), "html")
    page = handout(plan_of(path))
    assert not {"script", "link", "img", "iframe", "object", "embed", "image", "use"} & set(
        page.tags
    )
    refs = [v for k, v in page.attributes if k in ("src", "href", "xlink:href", "action", "srcset")]
    assert refs == []
    for forbidden in ("http:", "https:", "url(", "@import", "@font-face", "src=", "file:"):
        assert forbidden not in html, forbidden
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html


def test_withheld_treatment_shows_the_warning_and_no_exercise() -> None:
    plan = plan_of(ROOT / "examples/assessments/suspected-cauda-equina.json")
    assert plan.status is PlanStatus.REFERRAL
    page = handout(plan)
    warning = " ".join(" ".join(page.by_class["warning"]).split())
    assert "Do not start these exercises yet" in warning
    assert "Go to a hospital emergency department today." in warning
    assert "nerves at the very bottom of your spine" in warning
    assert plan.alerts[0].message not in warning  # the clinician's words stay in the plan
    assert page.order == [] and page.svgs == []
    text = " ".join(page.text)
    assert "How much:" not in text and "Stage 1" not in text and "What to do now" not in text
    referrals = " ".join(page.by_class["referrals"])
    assert "A hospital emergency department" in referrals and "go today" in referrals
    # the warning comes before anything else the patient reads
    assert text.index("Do not start these exercises yet") < text.index("Who you need to see")


def test_an_unknown_emergency_alert_still_says_what_to_do_and_how_soon() -> None:
    """A clinic plugin's alert code has no wording here: its level still tells the patient."""
    plan = plan_of(ROOT / "examples/assessments/suspected-cauda-equina.json")
    plan = attrs.evolve(
        plan,
        alerts=(Alert(code="clinic.x", level=AlertLevel.EMERGENCY, message="MRI stat (NG59)"),),
        referrals=(Referral(to="vascular surgery", urgency=Urgency.EMERGENCY, reason="AAA?"),),
    )
    warning = " ".join(" ".join(handout(plan).by_class["warning"]).split())
    assert "a doctor must check today" in warning
    assert "Go to a hospital emergency department today." in warning
    assert "NG59" not in warning and "stat" not in warning


def test_a_pressing_referral_in_a_ready_plan_comes_before_the_exercises() -> None:
    plan = plan_of(ROOT / "examples/assessments/desk-worker.json")
    referral = Referral(to="general practitioner", urgency=Urgency.URGENT, reason="fracture")
    page = handout(attrs.evolve(plan, referrals=(referral,)))
    headings = page.h2()
    assert headings[0] == "Who you need to see" and headings[1].startswith("What to do now")
    assert "Your family doctor (GP)" in " ".join(page.by_class["referrals"])


def test_a_routine_referral_follows_what_to_do_now_in_patient_words() -> None:
    plan = plan_of(ROOT / "examples/assessments/suspected-axspa.json")
    page = handout(plan)
    headings = page.h2()
    assert headings[0].startswith("What to do now") and "Who you need to see" in headings
    referrals = " ".join(page.by_class["referrals"])
    assert "A rheumatologist" in referrals and "inflammation of the joints" in referrals
    note = " ".join(page.by_class["note"])
    assert "keep doing your exercises" in note


def test_a_ready_plan_has_no_warning_but_says_where_to_start() -> None:
    plan = plan_of(ROOT / "examples/assessments/desk-worker.json")
    page = handout(plan)
    assert "warning" not in page.by_class
    assert page.h2()[0].startswith("What to do now: stage 2 of 4 · Mobilize")


def test_plain_dosage_reads_as_words() -> None:
    assert plain_dosage(Dosage(sets=2, reps=12, hold_seconds=5, per_week=3)) == (
        "2 sets of 12 repetitions, hold each for 5 seconds, 3 times a week"
    )
    assert plain_dosage(Dosage(sets=1, reps=1, per_week=1)) == "1 repetition, once a week"
    assert plain_dosage(Dosage(minutes=20, per_week=5)) == "20 minutes, 5 times a week"
    assert plain_dosage(Dosage()) == "as your therapist shows you"


def test_the_handout_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "handout.html"
    source = ROOT / "examples/assessments/pregnancy.json"
    result = CliRunner().invoke(cli, ["evaluate", str(source), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == ENGINE.render(plan_of(source), "html")


# --- text ----------------------------------------------------------------------------------------


def test_text_puts_alerts_and_the_withheld_banner_before_any_stage() -> None:
    plan = plan_of(ROOT / "examples/assessments/suspected-cauda-equina.json")
    lines = ENGINE.render(plan, "text").splitlines()
    first_stage = next(i for i, line in enumerate(lines) if line.startswith("STAGE "))
    box = lines[3:first_stage]
    assert box[0] == box[-2] == "!" * 78 and box[-1] == ""
    assert all(line.startswith("!!") for line in box[:-1])
    assert "!! TREATMENT WITHHELD: PENDING MEDICAL REVIEW" in box
    assert any(b.startswith("!! EMERGENCY ALERT cauda_equina_suspected: ") for b in box)
    assert any(b.startswith("!! REFER to emergency department (emergency)") for b in box)
    assert lines[first_stage + 1] == "  (withheld: pending medical review)"
    assert lines.index("EXCLUDED") > first_stage


def test_text_shows_routine_alerts_in_the_box_and_every_item_with_dosage_and_why() -> None:
    plan = plan_of(ROOT / "examples/assessments/suspected-axspa.json")
    text = ENGINE.render(plan, "text")
    lines = text.splitlines()
    assert lines[3] == "!" * 78
    assert lines[4].startswith("!! ROUTINE ALERT axspa_suspected: ")
    assert "TREATMENT WITHHELD" not in text
    for _, item in plan.items():
        index = lines.index(f"  - {item.name} [{item.intervention}] " + dosage_line(item.dosage))
        assert lines[index + 1] == f"      why: {item.because[0].rationale}"
    last_stage = max(i for i, line in enumerate(lines) if line.startswith("STAGE "))
    assert lines.index("CLASSIFICATIONS") > last_stage


def test_text_marks_cautions_and_lists_exclusions_last() -> None:
    plan = plan_of(ROOT / "examples/assessments/osteoporosis.json")
    lines = ENGINE.render(plan, "text").splitlines()
    assert "    ! caution: relative contraindication: osteoporosis" in lines
    excluded = lines.index("EXCLUDED")
    assert excluded > max(i for i, line in enumerate(lines) if line.startswith("STAGE "))
    for e in plan.excluded:
        assert f"  - {e.intervention}: {'; '.join(e.reasons)}" in lines[excluded:]


def test_an_empty_referral_recipient_renders_instead_of_crashing() -> None:
    """A referral whose ``to`` is empty (a plugin's mistake) was an IndexError in the handout."""
    import attrs

    plan = plan_of(Path("examples/assessments/desk-worker.json"))
    plan = attrs.evolve(plan, referrals=(Referral(to="", urgency=Urgency.ROUTINE, reason="r"),))
    assert "Another professional: at a routine appointment, r." in "".join(handout(plan).text)
