"""The shipped examples: golden cases pass, the example pack lints clean, the README runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from careengine import Engine
from careengine.rules.golden import run_case_files
from careengine.rules.lint import lint_installed

ROOT = Path(__file__).resolve().parent.parent


def test_example_golden_cases_pass() -> None:
    engine = Engine(entry_points=False, rules=[ROOT / "examples" / "rules"])
    results = run_case_files(engine, [ROOT / "examples" / "cases"])
    assert len(results) >= 5
    assert [(r.case.name, r.error, r.failures) for r in results if not r.passed] == []


def test_example_pack_and_builtin_packs_have_no_lint_errors() -> None:
    findings = lint_installed([ROOT / "examples" / "rules"], entry_points=False)
    assert [str(f) for f in findings if f.severity == "error"] == []


def test_readme_embedding_example_runs_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.S)
    assert code is not None
    result = subprocess.run(
        [sys.executable, "-c", code.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("ready mobilize [") and "'bridge'" in first
    assert '"schema": "careengine.plan/1"' in result.stdout
