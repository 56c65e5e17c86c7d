"""docs/design.md keeps up with the code: section 2.1 names every module of the application
layers (the batch, the service and the command line), and section 9 every command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from careengine.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DESIGN = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
#: the folders whose modules each have a row of their own in the package map
MAPPED = ("careengine/batch", "careengine/cli", "careengine/service")


def _section(heading: str) -> str:
    start = DESIGN.index(heading)
    end = re.search(r"^#{2,3} \d", DESIGN[start + len(heading) :], flags=re.MULTILINE)
    return DESIGN[start : start + len(heading) + end.start()] if end else DESIGN[start:]


@pytest.mark.parametrize(
    "module",
    sorted(str(p.relative_to(ROOT)) for folder in MAPPED for p in (ROOT / folder).rglob("*.py")),
)
def test_the_package_map_names_the_module(module: str) -> None:
    assert f"`{module}`" in _section("### 2.1 Package map"), module


def test_section_9_names_every_command() -> None:
    synopsis = _section("## 9. CLI").split("```")[1]

    def names(group: click.Group, prefix: str) -> list[str]:
        out = []
        for name, command in sorted(group.commands.items()):
            full = f"{prefix}{name}"
            out += names(command, f"{full} ") if isinstance(command, click.Group) else [full]
        return out

    for name in names(cli, ""):
        assert f"careengine {name}" in synopsis, name
