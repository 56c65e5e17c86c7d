"""Markdown and the HTML handout: every item's steps and safety tips, and the withheld warning."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from careengine import Engine
from careengine.model import TermKind

ROOT = Path(__file__).resolve().parents[2]
ENGINE = Engine(entry_points=False)


class Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def parse(name: str) -> tuple[Text, str]:
    plan = ENGINE.evaluate(ENGINE.load_assessment(ROOT / "examples" / "assessments" / name))
    parser = Text()
    html = ENGINE.render(plan, "html")
    parser.feed(html)
    return parser, " ".join(unescape(c) for c in parser.chunks)


def test_handout_has_every_items_steps_and_safety_tips_and_no_external_assets() -> None:
    parser, text = parse("pregnancy.json")
    plan = ENGINE.evaluate(ENGINE.load_assessment(ROOT / "examples/assessments/pregnancy.json"))
    assert plan.items()
    for stage_id, item in plan.items():
        intervention = ENGINE.catalog.interventions[item.intervention]
        assert item.name in text
        if stage_id != plan.current_stage:  # a later stage's item: a tile with its name
            continue
        for line in (*intervention.steps, *intervention.safety_tips):
            assert line in text, (item.intervention, line)
        for precaution in item.precautions:  # in the patient's words: the condition's name
            condition = ENGINE.catalog.term(TermKind.CONDITION, precaution.source)
            if condition is None:  # a rule's precaution action: its own words are shown
                assert precaution.text in text, (item.intervention, precaution.text)
                continue
            assert f"Because of your {condition.label.lower()}" in text
    assert not {"script", "link", "img", "iframe"} & parser.tags
    assert not [v for k, v in parser.attrs if k in ("src", "href")]
    assert "Do not start these exercises yet" not in text


def test_handout_warns_when_treatment_is_withheld() -> None:
    _, text = parse("suspected-cauda-equina.json")
    assert "Do not start these exercises yet" in text
    assert "emergency department" in text
    assert "How much:" not in text  # no exercise is shown


def test_markdown_lists_alerts_stages_and_exclusions() -> None:
    plan = ENGINE.evaluate(ENGINE.load_assessment(ROOT / "examples/assessments/osteoporosis.json"))
    md = ENGINE.render(plan, "markdown")
    assert md.startswith("# Care plan for p-osteo-05")
    for _, item in plan.items():
        assert f"(`{item.intervention}`)" in md
    assert "## Excluded" in md and "`seated_torso_twist`: contraindicated: osteoporosis" in md
