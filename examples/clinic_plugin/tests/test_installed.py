"""The installed plugin, as a clinician sees it: careengine loads it through its entry point,
lists it with its version and hooks, and its items appear in `careengine evaluate`."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DISTRIBUTION = "careengine-clinic-example"
ASSESSMENTS = Path(__file__).parent / "assessments"


def careengine(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "careengine"
    if not script.exists():
        pytest.fail(f"no careengine console script next to {sys.executable}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREENGINE_")}
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_plugins_list_shows_the_plugin_with_its_version_and_hooks() -> None:
    result = careengine("plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["clinic_example"] == {
        "name": "clinic_example",
        "version": importlib.metadata.version(DISTRIBUTION),
        "distribution": DISTRIBUTION,
        "hooks": ["careengine_catalog", "careengine_review_plan", "careengine_rule_packs"],
        "builtin": False,
        "options": [],  # the clinic options it declares: none (its policy has no switch)
    }


def test_its_items_appear_in_careengine_evaluate() -> None:
    result = careengine("evaluate", str(ASSESSMENTS / "flare-extensors.json"))
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    strengthen = next(s for s in plan["stages"] if s["id"] == "strengthen")
    assert "modified_curl_up" in [i["intervention"] for i in strengthen["items"]]
    assert plan["provenance"]["plugins"]["clinic_example"] == importlib.metadata.version(
        DISTRIBUTION
    )
    assert plan["provenance"]["packs"]["clinic.example"]["version"] == "1.0.0"


def test_it_can_be_switched_off() -> None:
    result = careengine("plugins", "list", "--json")
    assert "clinic_example" in result.stdout
    env = {**os.environ, "CAREENGINE_DISABLE_PLUGINS": DISTRIBUTION}
    script = Path(sys.executable).parent / "careengine"
    off = subprocess.run(
        [str(script), "evaluate", str(ASSESSMENTS / "flare-core.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert off.returncode == 0, off.stderr
    assert "modified_curl_up" not in off.stdout
    assert "clinic_example" not in json.loads(off.stdout)["provenance"]["plugins"]


def test_its_golden_cases_pass_with_careengine_rules_test() -> None:
    result = careengine("rules", "test", str(Path(__file__).parent / "cases"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "4 passed, 0 failed"


def test_its_rules_lint_without_errors() -> None:
    result = careengine("rules", "lint", "--json")
    findings = json.loads(result.stdout)["findings"]
    assert [f for f in findings if "clinic" in json.dumps(f) or f["severity"] == "error"] == []
