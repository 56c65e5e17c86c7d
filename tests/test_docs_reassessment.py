"""docs/reassessment.md stays true: its Python example runs, its gates file is the defaults, its
golden-case keys exist, and its command lines work."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import attrs
from click.testing import CliRunner

from careengine.cli import cli
from careengine.pipeline.gates import Gates, gates_from_dict
from careengine.rules.golden import CASE_KEYS

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "reassessment.md").read_text(encoding="utf-8")


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC, re.S)


def test_the_python_example_runs_as_written() -> None:
    (code,) = blocks("python")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("advance (")


def test_the_documented_gates_file_holds_every_key_with_its_default() -> None:
    gates_file = next(b for b in blocks("toml") if "[steps]" in b)
    data = tomllib.loads(gates_file)
    assert gates_from_dict(data) == Gates()
    documented = set(data) | {"steps"}
    assert documented == {field.name for field in attrs.fields(Gates)}


def test_the_documented_case_keys_exist() -> None:
    case = next(b for b in blocks("toml") if "decisions = [" in b)
    assert set(tomllib.loads(case)) <= CASE_KEYS


def test_the_command_lines_work(tmp_path: Path) -> None:
    (commands,) = blocks("sh")
    for line in commands.strip().splitlines():
        args = shlex.split(line)
        assert args[0] == "careengine"
        args = [str(ROOT / a) if a.startswith("examples/") else a for a in args[1:]]
        args = [str(tmp_path / a) if a.startswith("plan") else a for a in args]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (line, result.output)
    assert "REASSESSMENT: REGRESS (strengthen -> mobilize)" in result.output
