"""Every example in docs/plugins.md runs as documented.

A fenced block whose first line is a comment naming a file (``# my_clinic/plugin.py``,
``# my_clinic/rules/clinic.toml``, ``# tests/test_plugin.py``) is that file of the example project
under the nearest heading. Each project is written to a fresh directory and its tests run with
pytest (the careengine pytest plugin included) exactly as a plugin author would run them: every
test must pass. A project's ``pyproject.toml`` must point its ``careengine`` entry point at one of
the project's modules.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from careengine.plugins.host import ENTRY_POINT_GROUP

DOC = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
HEADING = re.compile(r"^(#{1,3}) (.*)$")
FENCE = re.compile(r"^```(\w*)$")
FILE_COMMENT = re.compile(r"^# ([\w./-]+\.(?:py|toml))$")
#: inner runs do without hypothesis' plugin unless a project uses hypothesis
INNER = ("-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def projects() -> dict[str, dict[str, str]]:
    """heading -> {relative path: text} for every heading with example files."""
    out: dict[str, dict[str, str]] = {}
    heading = "(top)"
    block: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if block is not None:
            if line == "```":
                named = FILE_COMMENT.match(block[0]) if block else None
                if named:
                    out.setdefault(heading, {})[named.group(1)] = "\n".join(block[1:]) + "\n"
                block = None
            else:
                block.append(line)
            continue
        if FENCE.match(line):
            block = []
        elif match := HEADING.match(line):
            heading = match.group(2).strip("`")
    return out


PROJECTS = projects()


def test_the_page_has_runnable_examples() -> None:
    assert len(PROJECTS) >= 8
    for heading, files in PROJECTS.items():
        tests = [p for p in files if Path(p).name.startswith("test_")]
        assert tests, f"the example under {heading!r} has no test file"


@pytest.mark.parametrize("heading", sorted(PROJECTS))
def test_documented_example_passes_its_tests(pytester: pytest.Pytester, heading: str) -> None:
    files = PROJECTS[heading]
    for relative, text in files.items():
        path = pytester.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for relative in files:  # packages need an __init__.py; the page leaves the empty ones out
        parent = (pytester.path / relative).parent
        while parent != pytester.path and parent.name != "tests":
            (parent / "__init__.py").touch()
            parent = parent.parent
    if "pyproject.toml" in files:
        project = tomllib.loads(files["pyproject.toml"])["project"]
        for target in project["entry-points"][ENTRY_POINT_GROUP].values():
            module = pytester.path / (target.replace(".", "/") + ".py")
            assert module.is_file(), f"entry point {target} names no module of the example"
    pytester.syspathinsert(pytester.path)
    uses_hypothesis = any("hypothesis" in text for text in files.values())
    result = pytester.runpytest_inprocess(*(INNER[2:] if uses_hypothesis else INNER))
    outcomes = result.parseoutcomes()
    wanted = sum(text.count("\ndef test_") for path, text in files.items() if "test_" in path)
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= wanted > 0, result.stdout.str()
