"""Every example handout in a real browser: printed pages on A4 and Letter, and no text running
off the side of a 400 px wide phone screen.

Uses Debian's ``chromium`` (headless); nothing is installed at run time. Without the browser
these tests are skipped with the reason; ``.ci/run`` installs it so CI runs them. Each run of
the browser gets a fresh profile and the flags that keep a headless browser on a machine without
network from waiting for it.

* Pages: a copy of the handout with ``@page { size: A4 }`` (or Letter) added, as choosing the
  paper in the print dialog does, printed with ``--print-to-pdf``; the pages are counted in the
  PDF (its page objects).
* Overflow: the layout of a 400 px wide screen (headless Chromium keeps a window at least 500 px
  wide, so the page is zoomed by 1.25 in a 500 px window: the same layout), with a script added
  to the copy that lists every element whose content is wider than its box, or that reaches
  past the right edge of the screen, into the page; ``--dump-dom`` returns it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

from careengine import Engine
from careengine.model import Plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
ENGINE = Engine(entry_points=False)
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)",
)

#: the most pages a typical plan's handout may print on
MAX_PAGES = 4
PAPERS = ("A4", "Letter")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
)
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
#: marks every element wider than its box or past the right edge, at a 400 px wide layout
OVERFLOW_SCRIPT = """
<script>
window.addEventListener('load', () => {
  const zoom = parseFloat(getComputedStyle(document.documentElement).zoom) || 1;
  const right = document.documentElement.getBoundingClientRect().right;
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const box = el.getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + ': ' + (el.textContent || '').trim().slice(0, 60);
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) found.push('wider: ' + name);
    if (box.width > 0 && box.right > right + 1) found.push('past the edge: ' + name);
  }
  const html = document.documentElement;
  const report = document.createElement('pre');
  report.id = 'overflow-report';
  report.textContent = JSON.stringify({
    width: Math.round(window.innerWidth / zoom),
    page_wider: html.scrollWidth > html.clientWidth + 1,
    found: found,
  });
  document.body.appendChild(report);
});
</script>
"""


def plan_of(path: Path) -> Plan:
    return ENGINE.evaluate(ENGINE.load_assessment(path))


def chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="handout-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            timeout=120,
            check=False,
        )


def page_count(html: str, paper: str, tmp: Path) -> int:
    page = tmp / f"handout-{paper}.html"
    page.write_text(html.replace("<style>", f"<style>@page {{ size: {paper}; }}", 1), "utf-8")
    pdf = tmp / f"handout-{paper}.pdf"
    done = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.exists(), done.stderr.decode(errors="replace")[-2000:]
    pages = len(PAGE_OBJECT.findall(pdf.read_bytes()))
    assert pages > 0, "no page objects found in the PDF"
    return pages


def overflow(html: str, tmp: Path) -> dict[str, object]:
    page = tmp / "handout-400px.html"
    zoomed = html.replace("<style>", "<style>html { zoom: 1.25; }", 1)
    page.write_text(zoomed.replace("</body>", OVERFLOW_SCRIPT + "</body>", 1), "utf-8")
    done = chromium(
        "--window-size=500,900", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()
    )
    found = re.search(r'<pre id="overflow-report">(.*?)</pre>', done.stdout.decode())
    assert found, done.stderr.decode(errors="replace")[-2000:]
    report: dict[str, object] = json.loads(found.group(1).replace("&amp;", "&"))
    return report


@attrs.frozen
class Checked:
    pages: dict[str, int]
    overflow: dict[str, object]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Checked]:
    """Every example handout printed on both papers and laid out at 400 px, the browser runs
    side by side (each is mostly waiting)."""
    root = tmp_path_factory.mktemp("handouts")

    def one(path: Path) -> tuple[str, Checked]:
        tmp = root / path.stem
        tmp.mkdir()
        html = ENGINE.render(plan_of(path), "html")
        pages = {paper: page_count(html, paper, tmp) for paper in PAPERS}
        return path.stem, Checked(pages=pages, overflow=overflow(html, tmp))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, EXAMPLES))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("paper", PAPERS)
def test_every_example_handout_prints_on_at_most_four_pages(
    path: Path, paper: str, checked: dict[str, Checked]
) -> None:
    pages = checked[path.stem].pages[paper]
    assert 1 <= pages <= MAX_PAGES, f"{path.stem} prints on {pages} {paper} pages"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_text_overflows_a_400px_screen(path: Path, checked: dict[str, Checked]) -> None:
    report = checked[path.stem].overflow
    assert report["width"] == 400
    assert report["found"] == [] and report["page_wider"] is False, report


def test_a_long_unbroken_word_wraps_instead_of_overflowing(tmp_path: Path) -> None:
    """A patient id or a step without spaces (a URL, a code) must not push the page wider."""
    plan = plan_of(ROOT / "examples/assessments/desk-worker.json")
    plan = attrs.evolve(plan, patient_id="patient-" + "x" * 120)
    report = overflow(ENGINE.render(plan, "html"), tmp_path)
    assert report["found"] == [] and report["page_wider"] is False, report


def test_the_overflow_check_sees_an_overflow(tmp_path: Path) -> None:
    """The check itself: a box wider than the screen is reported."""
    html = ENGINE.render(plan_of(ROOT / "examples/assessments/desk-worker.json"), "html")
    html = html.replace("</h1>", '</h1><div style="width: 900px">wide</div>', 1)
    report = overflow(html, tmp_path)
    found = report["found"]
    assert isinstance(found, list) and any("wide" in str(f) for f in found), report
