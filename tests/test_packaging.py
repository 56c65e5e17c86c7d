"""The packaging metadata installs without setuptools' deprecation warnings: the licence is an
SPDX expression (setuptools 77 or later reads it), for careengine and the example clinic plugin."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "project", [ROOT, ROOT / "examples" / "clinic_plugin"], ids=["careengine", "clinic"]
)
def test_the_license_is_an_spdx_string_and_setuptools_reads_it(project: Path) -> None:
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    requires = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    minimum = re.fullmatch(r"setuptools>=(\d+)", requires[0])
    assert minimum is not None and int(minimum.group(1)) >= 77
    assert not any(c.startswith("License ::") for c in data["project"].get("classifiers", ()))
