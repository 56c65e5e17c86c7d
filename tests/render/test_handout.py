"""The renderers a person reads: the HTML patient handout (parsed with html.parser) and the
terminal text with its alerts first."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from careengine import Engine
from careengine.cli import cli
from careengine.model import Dosage, InterventionKind, Plan, PlanStatus, TermKind
from careengine.render.html import plain_dosage
from careengine.render.text import dosage_line

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
ENGINE = Engine(entry_points=False)


class Handout(HTMLParser):
    """Collects the text of every element by class, the tags and every attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.sections: dict[str, list[str]] = {}  # item id -> its texts
        self.by_class: dict[str, list[str]] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        values = dict(attrs)
        if tag not in ("meta",):
            self.stack.append((tag, values.get("class") or ""))
        if tag == "section" and (values.get("id") or "").startswith("item-"):
            self.current = (values.get("id") or "").removeprefix("item-")
            self.sections[self.current] = []

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag == "section":
            self.current = ""

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if getattr(self, "current", ""):
            self.sections[self.current].append(data)
        for _, cls in self.stack:
            if cls:
                self.by_class.setdefault(cls, []).append(data)


def handout(plan: Plan) -> Handout:
    parser = Handout()
    parser.feed(ENGINE.render(plan, "html"))
    parser.close()
    return parser


def plan_of(path: Path) -> Plan:
    return ENGINE.evaluate(ENGINE.load_assessment(path))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_item_has_its_steps_dosage_and_safety_tips(path: Path) -> None:
    plan = plan_of(path)
    page = handout(plan)
    placed = [item for _, item in plan.items()]
    assert sorted(page.sections) == sorted(i.intervention for i in placed)
    for item in placed:
        text = " ".join(page.sections[item.intervention])
        intervention = ENGINE.catalog.interventions[item.intervention]
        assert item.name in text
        assert intervention.steps and intervention.safety_tips
        for line in (*intervention.steps, *intervention.safety_tips):
            assert line in text, (item.intervention, line)
        assert f"How much: {plain_dosage(item.dosage)}" in text
        for precaution in item.precautions:
            condition = ENGINE.catalog.term(TermKind.CONDITION, precaution.source)
            if condition is None:  # a rule's precaution action: its own words are shown
                assert precaution.text in text, (item.intervention, precaution.text)
                continue
            assert condition.label.lower() in text.lower()
        words = " ".join(t.strip() for t in page.sections[item.intervention] if t.strip())
        ticks = "Mon Tue Wed Thu Fri Sat Sun" in words
        assert ticks == (item.kind is InterventionKind.EXERCISE)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_handout_is_self_contained(path: Path) -> None:
    page = handout(plan_of(path))
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    refs = [v for k, v in page.attributes if k in ("src", "href", "action", "srcset")]
    assert refs == []
    html = ENGINE.render(plan_of(path), "html")
    assert "http://" not in html and "https://" not in html and "url(" not in html
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html


def test_withheld_treatment_shows_the_warning_and_no_exercise() -> None:
    plan = plan_of(ROOT / "examples/assessments/suspected-cauda-equina.json")
    assert plan.status is PlanStatus.REFERRAL
    page = handout(plan)
    warning = " ".join(page.by_class["warning"])
    assert "Do not start these exercises yet" in warning
    assert "Go to the emergency department today." in warning
    assert plan.alerts[0].message in warning
    assert page.sections == {}
    text = " ".join(page.text)
    assert "How much:" not in text and "Stage 1" not in text
    assert "Emergency department" in " ".join(page.by_class["referrals"])
    # the warning comes before anything else the patient reads
    assert text.index("Do not start these exercises yet") < text.index("Who you need to see")


def test_a_ready_plan_has_no_warning_but_says_where_to_start() -> None:
    plan = plan_of(ROOT / "examples/assessments/desk-worker.json")
    page = handout(plan)
    assert "warning" not in page.by_class
    start = " ".join(page.by_class["start"])
    assert "Start with stage 2 of 4:" in start and "Mobilize" in start


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

    from careengine.model import Referral, Urgency

    plan = plan_of(Path("examples/assessments/desk-worker.json"))
    plan = attrs.evolve(plan, referrals=(Referral(to="", urgency=Urgency.ROUTINE, reason="r"),))
    assert "Reason: r." in "".join(handout(plan).text)
