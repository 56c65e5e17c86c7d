"""Every reference in the project points inside the repository.

The contract (docs/design.md) and the clinical sources (docs/clinical-basis.md) ship with the
project, so a user who clones it can read both. These tests fail on any reference to a file
outside the repository (a ``../`` path that leaves it, an absolute path of the machine it was
written on, the design brief and reference notes it was built from), on a ``docs/*.md`` path or
Markdown link that does not exist, and on a "docs/design.md section N" or
"docs/clinical-basis.md section N" that names a section the document does not have.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()

#: file types that hold code, documentation, rule packs or configuration
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".json", ".jsonl", ".yml", ".yaml"}
TEXT_NAMES = {"Makefile", "README", "LICENSE", "run"}
#: directories never searched when the tree is walked (no git): environments and build output
SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".pytest_cache",
             ".hypothesis", ".ruff_cache", ".mypy_cache", "node_modules"}  # fmt: skip

#: names of files outside the repository the project was built from (spelt in pieces, so that
#: this file does not match itself)
OUTSIDE = [
    re.compile(p)
    for p in (
        r"shared/" + r"DESIGN",
        r"shared/" + r"reference",
        r"shared/" + r"seeds",
        r"\.\./" + r"shared",
        r"clinical-" + r"lbp\.md",
        r"interop-" + r"fhir\.md",
        r"durable-rules" + r"\.md",
        r"/" + r"work/",
        r"/" + r"home/\w+",
        # "DESIGN section 4" / "DESIGN 6.3": the brief's numbering without a file in the repository
        r"\b" + r"DESIGN(?:'s)? (?:section |sections )?\d",
    )
]
PARENT_PATH = re.compile(r"(?<![\w.])((?:\.\./)+[\w.\-/]*)")
DOC_PATH = re.compile(r"(?<![\w/.-])((?:\.\./)*docs/[\w.\-/]+\.md)\b")
MD_LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")
SECTION_REF = re.compile(
    r"(?<![\w-])(?:docs/)?(design|clinical-basis)\.md,? sections? (\d+(?:\.\d+)?)"
    r"(?:(?:,| and) (\d+(?:\.\d+)?))?"
)


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode("utf-8", "surrogateescape")
        names = [n for n in out.split("\0") if n]
        if names:
            return [ROOT / n for n in names]
    except (OSError, subprocess.SubprocessError):
        pass
    return sorted(_walk(ROOT))


def _walk(directory: Path) -> Iterator[Path]:
    for path in directory.iterdir():
        if path.is_dir():
            if path.name not in SKIP_DIRS and not path.name.endswith(".egg-info"):
                yield from _walk(path)
        elif path.is_file():
            yield path


def _text_files() -> list[Path]:
    return [
        p
        for p in _tracked_files()
        if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES)
    ]


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    text = path.read_text(encoding="utf-8", errors="replace")
    yield from enumerate(text.splitlines(), start=1)


def _inside(path: Path) -> bool:
    try:
        path.resolve().relative_to(ROOT)
    except ValueError:
        return False
    return True


def _where(path: Path, number: int, line: str) -> str:
    return f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"


def test_no_reference_outside_the_repository() -> None:
    hits = []
    for path in _text_files():
        if path.resolve() == THIS:
            continue
        for number, line in _lines(path):
            if any(p.search(line) for p in OUTSIDE):
                hits.append(_where(path, number, line))
                continue
            for match in PARENT_PATH.finditer(line):
                if not _inside(path.parent / match.group(1)):
                    hits.append(_where(path, number, line))
                    break
    assert not hits, f"{len(hits)} references outside the repository:\n" + "\n".join(hits)


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_docs_path_and_markdown_link_exists() -> None:
    missing = []
    for path in _text_files():
        for number, line in _lines(path):
            for match in DOC_PATH.finditer(line):
                target = match.group(1)
                base = path.parent if target.startswith("..") else ROOT
                if not (base / target).is_file():
                    missing.append(f"{_where(path, number, line)}  ->  {target}")
    for path in _documents():
        for number, line in _lines(path):
            for match in MD_LINK.finditer(line):
                target = match.group(1)
                if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                    continue
                if not (path.parent / target).exists() or not _inside(path.parent / target):
                    missing.append(f"{_where(path, number, line)}  ->  {target}")
    assert not missing, "paths that do not exist:\n" + "\n".join(missing)


def _sections(document: Path) -> set[str]:
    numbers = set()
    for line in document.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#{2,4} (\d+(?:\.\d+)*)\.? ", line)
        if match:
            numbers.add(match.group(1))
    return numbers


@pytest.mark.parametrize("name", ["design", "clinical-basis"])
def test_the_documents_exist_and_are_numbered(name: str) -> None:
    sections = _sections(ROOT / "docs" / f"{name}.md")
    assert {"1", "2", "3"} <= sections


def test_every_section_reference_names_an_existing_section() -> None:
    sections = {
        name: _sections(ROOT / "docs" / f"{name}.md") for name in ("design", "clinical-basis")
    }
    wrong = []
    for path in _text_files():
        for number, line in _lines(path):
            for match in SECTION_REF.finditer(line):
                for section in filter(None, match.group(2, 3)):
                    if section not in sections[match.group(1)]:
                        wrong.append(f"{_where(path, number, line)}  ->  section {section}")
    assert not wrong, "references to sections that do not exist:\n" + "\n".join(wrong)


def test_the_readme_points_to_the_contract() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/design.md" in readme
    assert "docs/clinical-basis.md" in readme
