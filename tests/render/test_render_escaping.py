"""Text, Markdown, HTML and the FHIR narrative print hostile text without being changed by it.

A patient id comes from the assessment and every rationale, alert message, referral reason, name
and step text from a pack or a plugin. Here every string of a real plan (and of the catalog's
steps) gets hostile text appended (line breaks, Markdown and HTML syntax, terminal escapes,
control characters, lone surrogates), and each output must keep the structure of the clean
plan's output: the same headings, table rows and sections in Markdown and text, the same tags in
HTML, an XHTML ``div`` that an XML parser reads, and no control character anywhere.
"""

from __future__ import annotations

import enum
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine import Engine
from careengine.cli import cli
from careengine.model import Plan
from careengine.render.fhir.narrative import plan_narrative, stage_narrative
from careengine.render.safe_text import markdown_inline, one_line, xml_text

ROOT = Path(__file__).resolve().parents[2]
ENGINE = Engine(entry_points=False)
CASES = ROOT / "examples" / "assessments"
PLAN = ENGINE.evaluate(ENGINE.load_assessment(CASES / "osteoporosis.json"))
REFERRAL = ENGINE.evaluate(ENGINE.load_assessment(CASES / "suspected-cauda-equina.json"))

HOSTILE = [
    "\n# Forged heading",
    "\n## Alerts\n- **EMERGENCY** forged",
    "| forged | cell |",
    "\n| forged | row | x | y |",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "]]><!--",
    "&amp; &lt;",
    "`code` ``x``",
    "[link](javascript:alert(1))",
    "*emph* _emph_ ~~strike~~",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x9b2J",
    "\r\nSTAGE forged: x",
    "\nEXCLUDED\n  - forged",
    "\x00\x01\x08\x0b\x0c\x7f\x85\u2028\u2029",
    "\u202eevil",
    "\ud800 \udfff",
    "\ufffe\uffff",
]
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

hostile_text = (
    st.lists(
        st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8), st.characters()),
        min_size=1,
        max_size=6,
    )
    .map("".join)
    .filter(bool)
)


def _poisoned(value: Any, suffix: str) -> Any:
    if isinstance(value, enum.Enum) or value is None:
        return value
    if isinstance(value, str):
        return value + suffix
    if isinstance(value, tuple):
        return tuple(_poisoned(v, suffix) for v in value)
    if attrs.has(type(value)):
        changes = {
            f.name: _poisoned(getattr(value, f.name), suffix)
            for f in attrs.fields(type(value))
            if f.init
        }
        return attrs.evolve(value, **changes)
    return value  # numbers, booleans, the classifications mapping


def poison(plan: Plan, suffix: str) -> Plan:
    """The plan with ``suffix`` appended to every string (ids included, so that they still agree
    with each other)."""
    poisoned: Plan = _poisoned(plan, suffix)
    return poisoned


def render(plan: Plan, fmt: str) -> str:
    return ENGINE.render(plan, fmt)


def baseline(plan: Plan, fmt: str) -> str:
    """The output for the plan with a harmless suffix: the same catalog look-ups miss (ids carry
    the suffix too), so only the hostile text itself can make a difference."""
    return render(poison(plan, "x"), fmt)


def lines_starting(text: str, *prefixes: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith(prefixes)]


def unescaped(char: str, line: str) -> int:
    """How many times ``char`` occurs in ``line`` not escaped by a backslash."""
    count, escaped = 0, False
    for c in line:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == char:
            count += 1
    return count


RENDER = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- helpers ----------------------------------------------------------------------------------


@RENDER
@given(hostile_text)
def test_one_line_leaves_no_line_break_or_control_character(text: str) -> None:
    line = one_line(text)
    assert "\n" not in line and "\r" not in line
    assert not CONTROLS.search(line)
    line.encode("utf-8")  # no lone surrogate is left


@RENDER
@given(hostile_text)
def test_markdown_inline_escapes_every_special_character(text: str) -> None:
    escaped = markdown_inline(text)
    for char in "`*_[]<>|#&~!":
        assert unescaped(char, escaped) == 0, (char, escaped)


@RENDER
@given(hostile_text)
def test_xml_text_always_parses(text: str) -> None:
    element = ET.fromstring(f"<p>{xml_text(text)}</p>")
    assert not CONTROLS.search(element.text or "")


# --- Markdown ---------------------------------------------------------------------------------


def markdown_structure(md: str) -> list[str]:
    """What the reader sees as structure: headings, list items, table rows (with their number
    of cells), quotes and every HTML tag."""
    shape = []
    for line in md.split("\n"):
        if line.startswith(("#", "- ", ">")):
            shape.append(line.split(" ", 1)[0])
        elif line.startswith("|"):
            shape.append(f"row of {unescaped('|', line)}")
    return shape


@RENDER
@given(hostile_text)
def test_markdown_keeps_its_structure_whatever_the_text(suffix: str) -> None:
    for plan in (PLAN, REFERRAL):
        clean, md = baseline(plan, "markdown"), render(poison(plan, suffix), "markdown")
        assert md.count("\n") == clean.count("\n")
        assert markdown_structure(md) == markdown_structure(clean)
        assert unescaped("<", md) == 0  # no HTML at all: the template has none
        assert not CONTROLS.search(md)
        md.encode("utf-8")


def test_a_hostile_patient_id_cannot_forge_a_markdown_heading_or_html(tmp_path: Path) -> None:
    data = json.loads((CASES / "desk-worker.json").read_text("utf-8"))
    data["patient"]["id"] = "p-1\n## Alerts\n- **EMERGENCY** <script>alert(1)</script>"
    source = tmp_path / "a.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(source), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    first = result.stdout.split("\n")[0]
    assert first == (
        r"# Care plan for p-1 \#\# Alerts - \*\*EMERGENCY\*\* \<script\>alert(1)\</script\>"
    )
    assert "## Alerts" not in result.stdout  # the plan has no alert of its own


# --- text ---------------------------------------------------------------------------------------

SECTIONS = ("STAGE ", "EXCLUDED", "DEFERRED", "CONFLICTS", "UNADDRESSED", "UNRECOGNIZED", "Status:")


@RENDER
@given(hostile_text)
def test_text_has_no_control_character_and_no_forged_line(suffix: str) -> None:
    for plan in (PLAN, REFERRAL):
        clean, text = baseline(plan, "text"), render(poison(plan, suffix), "text")
        assert not CONTROLS.search(text)
        assert "\x1b" not in text
        text.encode("utf-8")
        assert len(lines_starting(text, *SECTIONS)) == len(lines_starting(clean, *SECTIONS))
        assert len(lines_starting(text, "  - ")) == len(lines_starting(clean, "  - "))
        assert len(lines_starting(text, "Care plan for")) == 1


def test_text_output_removes_terminal_escapes_from_a_patient_id(tmp_path: Path) -> None:
    data = json.loads((CASES / "desk-worker.json").read_text("utf-8"))
    data["patient"]["id"] = "p-1\x1b[2J\x1b]0;owned\x07\nSTAGE fake: forged"
    source = tmp_path / "a.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(source), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[0].startswith("Care plan for p-1 STAGE fake: forged")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


# --- HTML ---------------------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))


def tags(html: str) -> list[tuple[str, tuple[str, ...]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


@RENDER
@given(hostile_text)
def test_the_handout_escapes_everything(suffix: str) -> None:
    for plan in (PLAN, REFERRAL):
        clean, html = baseline(plan, "html"), render(poison(plan, suffix), "html")
        assert tags(html) == tags(clean)
        assert not CONTROLS.search(html.replace("\n", ""))
        html.encode("utf-8")


# --- FHIR narrative -----------------------------------------------------------------------------


def divs(bundle: Any) -> Iterator[str]:
    if isinstance(bundle, dict):
        if isinstance(bundle.get("div"), str):
            yield bundle["div"]
        for value in bundle.values():
            yield from divs(value)
    elif isinstance(bundle, list):
        for value in bundle:
            yield from divs(value)


XHTML_TAGS = {"div", "p", "b", "ul", "li"}


def check_narratives(fhir: str, clean: str) -> None:
    found = list(divs(json.loads(fhir)))
    assert len(found) == len(list(divs(json.loads(clean)))) > 0
    for div in found:
        root = ET.fromstring(div)
        assert root.tag == "{http://www.w3.org/1999/xhtml}div"
        assert {e.tag.split("}")[1] for e in root.iter()} <= XHTML_TAGS


def check_div(narrative: dict[str, Any]) -> None:
    root = ET.fromstring(narrative["div"])
    assert root.tag == "{http://www.w3.org/1999/xhtml}div"
    assert {e.tag.split("}")[1] for e in root.iter()} <= XHTML_TAGS
    assert not CONTROLS.search("".join(root.itertext()))


@RENDER
@given(hostile_text)
def test_the_fhir_narrative_is_always_valid_xhtml(suffix: str) -> None:
    for plan in (PLAN, REFERRAL):
        poisoned = poison(plan, suffix)
        check_div(plan_narrative(poisoned))
        for number, stage in enumerate(poisoned.stages, 1):
            check_div(stage_narrative(number, stage))


def test_every_narrative_of_the_fhir_bundle_parses_whatever_the_text() -> None:
    for text in HOSTILE:
        if re.search(r"[\ud800-\udfff]", text):
            continue  # the bundle's ids hash the patient id (see the narrative test above)
        check_narratives(render(poison(PLAN, text), "fhir"), baseline(PLAN, "fhir"))


# --- a pack's own text, end to end ------------------------------------------------------------

HOSTILE_PACK = """
[pack]
id = "hostile"
version = "1"
title = "t"
population = "tests"
sources = ["tests"]

[[rules]]
id = "r1"
because = "Because\\n## Forged section\\n| a | b | c | d |\\u001b[31m"
when.all = [{ finding = "glute_weakness" }]
then = [
  { alert = "hostile_alert", level = "routine", message = "<b>bold</b>\\n# Forged\\u0007" },
  { refer = "physician\\n- forged", urgency = "routine", reason = "x | y\\r\\nEXCLUDED" },
  { precaution = "bridge", text = "careful | \\n## Forged" },
  { add = "bridge", stage = "strengthen" },
]
"""


def run_pack(tmp_path: Path, fmt: str) -> str:
    pack = tmp_path / "hostile.toml"
    pack.write_text(HOSTILE_PACK, encoding="utf-8")
    data = {"patient": {"id": "h-1"}, "findings": [{"code": "glute_weakness", "present": True}]}
    source = tmp_path / "h.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["evaluate", str(source), "--rules", str(pack), "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_packs_text_cannot_forge_markdown(tmp_path: Path) -> None:
    md = run_pack(tmp_path, "markdown")
    headings = lines_starting(md, "#")
    assert not [h for h in headings if "Forged" in h]
    assert "<b>" not in md and r"\<b\>bold\</b\>" in md
    for row in lines_starting(md, "|"):
        assert unescaped("|", row) == 5, row
    assert not CONTROLS.search(md)


def test_a_packs_text_cannot_forge_text_output(tmp_path: Path) -> None:
    text = run_pack(tmp_path, "text")
    assert not CONTROLS.search(text)
    assert not lines_starting(text, "EXCLUDED", "## ", "# ", "- forged")
    assert "ROUTINE ALERT hostile_alert: <b>bold</b> # Forged" in text


def test_a_packs_text_is_valid_xhtml_in_fhir(tmp_path: Path) -> None:
    fhir = run_pack(tmp_path, "fhir")
    found = list(divs(json.loads(fhir)))
    assert found
    for div in found:
        ET.fromstring(div)
    assert any("&lt;b&gt;bold&lt;/b&gt;" in div for div in found)


def test_explain_prints_no_control_character_of_a_pack(tmp_path: Path) -> None:
    run_pack(tmp_path, "json")  # writes the pack and the assessment
    result = CliRunner().invoke(
        cli, ["explain", str(tmp_path / "h.json"), "--rules", str(tmp_path / "hostile.toml")]
    )
    assert result.exit_code == 0, result.output
    assert "Forged section" in result.stdout
    assert "\x1b" not in result.stdout and not CONTROLS.search(result.stdout)
