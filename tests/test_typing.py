"""The public model constructors type-check for users under ``mypy --strict``.

The domain model is made of frozen, keyword-only attrs classes. mypy's built-in attrs plugin
only sees the fields of a class when the decorator is one it recognises (``@attrs.frozen(...)``
written on the class); through an alias such as ``frozen = attrs.frozen(kw_only=True)`` the
constructor is ``__init__(self)`` to mypy, so a clinic's code with a wrong type or a misspelt
keyword is not reported. This test runs mypy on a small snippet that a clinic might write and
checks that exactly the wrong lines are reported.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (it comes with the `test` extra)")

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = textwrap.dedent(
    """\
    from __future__ import annotations

    from careengine.model import Assessment, Dosage, Finding, Intervention, Patient
    from careengine.rules.model import Rule

    good_finding = Finding(code="slr_positive", present=False)
    good_patient = Patient(id="p-1", age=40, conditions=("pregnancy",))
    good_assessment = Assessment(patient=good_patient, findings=(good_finding,))
    good_dosage = Dosage(sets=3, reps=10, per_week=5)
    reveal_type(good_finding.code)

    bad_code = Finding(code=1)  # BAD arg-type
    bad_reps = Dosage(sets=3, reps="10")  # BAD arg-type
    bad_keyword = Patient(idd="p-1")  # BAD call-arg
    bad_positional = Finding("slr_positive")  # BAD call-arg
    bad_missing = Intervention()  # BAD call-arg
    bad_rule = Rule(id=7)  # BAD arg-type
    """
)


def _mypy(tmp_path: Path, source: str) -> list[str]:
    snippet = tmp_path / "clinic_snippet.py"
    snippet.write_text(source, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--no-error-summary",
            "--show-error-codes",
            str(snippet),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert not result.stderr.strip() or "error" not in result.stderr.lower(), result.stderr
    # Only the snippet's own lines: anything mypy says about careengine itself is checked by
    # `make typecheck`, not here.
    return [line for line in result.stdout.splitlines() if line.startswith(str(snippet))]


def test_wrong_constructor_arguments_are_reported_and_right_ones_are_not(tmp_path: Path) -> None:
    lines = _mypy(tmp_path, SNIPPET)
    source_lines = SNIPPET.splitlines()
    expected = {
        number: match.group(1)
        for number, text in enumerate(source_lines, start=1)
        if (match := re.search(r"# BAD ([a-z-]+)", text))
    }
    errors: dict[int, set[str]] = {}
    notes: list[str] = []
    for line in lines:
        match = re.match(r".*?:(\d+): (error|note): (.*)$", line)
        assert match, line
        number, kind, message = int(match.group(1)), match.group(2), match.group(3)
        if kind == "note":
            notes.append(message)
            continue
        code = re.search(r"\[([a-z-]+)\]$", message)
        errors.setdefault(number, set()).add(code.group(1) if code else "")
    report = "\n".join(lines)
    # every wrong line is reported with the right kind of error ...
    for number, code in expected.items():
        assert code in errors.get(number, set()), (
            f"line {number} ({source_lines[number - 1].strip()}) not reported as [{code}]:\n{report}"
        )
    # ... and nothing else is
    assert set(errors) == set(expected), report
    # the fields are typed, not Any
    assert any(re.search(r"Revealed type is \"(builtins\.)?str\"", note) for note in notes), report
