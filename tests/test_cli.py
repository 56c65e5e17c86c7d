"""The command line (docs/design.md section 9): ``evaluate``, ``plugins list``, ``--version``, exit codes.

In-process tests replace the default built-in plugins by the demo knowledge base, so they do not
depend on the clinical content; the console-script test runs the installed program as is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import careengine.plugins.host
from careengine import AssessmentError, __version__
from careengine.cli import cli
from careengine.model import PlanStatus
from careengine.render.serialize import dumps
from careengine.rules.backend import resolve_backend_name
from tests.plugins import PLUGIN_DIR
from tests.support import DEMO, assessment_data, make_engine

RENDERER = str(PLUGIN_DIR / "renderer.py")


@pytest.fixture(autouse=True)
def demo_built_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(careengine.plugins.host, "default_plugins", lambda: (DEMO,))
    for name in ("CAREENGINE_PLUGINS", "CAREENGINE_DISABLE_PLUGINS", "CAREENGINE_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


GOOD = assessment_data(
    patient_id="p-cli",
    findings=[
        "thoracic_mobility_limited",
        {"code": "glute_weakness", "side": "left", "severity": "moderate"},
        "lumbar_hypomobility",
    ],
    conditions=["osteoporosis"],
    age=34,
    pain=6,
)


def expected_json(data: dict[str, Any], backend: str = "auto") -> str:
    engine = make_engine(backend=backend)
    return dumps(engine.evaluate(engine.load_assessment(data)))


# --- evaluate ----------------------------------------------------------------------------------


def test_evaluate_prints_the_json_plan(tmp_path: Path) -> None:
    result = run("evaluate", str(write(tmp_path, "good.json", GOOD)))
    assert result.exit_code == 0, result.output
    assert result.stdout == expected_json(GOOD)
    assert result.stderr == ""
    plan = json.loads(result.stdout)
    assert plan["schema"] == "careengine.plan/1"
    assert plan["provenance"]["backend"] == resolve_backend_name("auto")


def test_evaluate_with_the_python_backend(tmp_path: Path) -> None:
    result = run("evaluate", "--backend", "python", str(write(tmp_path, "good.json", GOOD)))
    assert result.exit_code == 0, result.output
    assert result.stdout == expected_json(GOOD, backend="python")
    assert json.loads(result.stdout)["provenance"]["backend"] == "python"


def test_evaluate_prints_text(tmp_path: Path) -> None:
    result = run("evaluate", "--format", "text", str(write(tmp_path, "good.json", GOOD)))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Care plan for p-cli"
    assert lines[1] == "Status: READY   Current stage: relieve"
    assert "  - Joint mobilization [joint_mobilization] 10 min, 2x/week" in lines
    assert "  - spinal_thrust_manipulation: contraindicated: osteoporosis" in lines


def test_evaluate_writes_one_file_with_o(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run("evaluate", str(write(tmp_path, "good.json", GOOD)), "-o", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    assert out.read_text(encoding="utf-8") == expected_json(GOOD)


def test_evaluate_writes_one_plan_per_input_into_a_directory(tmp_path: Path) -> None:
    other = assessment_data(patient_id="p-other", findings=["core_facilitation_poor"])
    inputs = [write(tmp_path, "first.json", GOOD), write(tmp_path, "second.json", other)]
    out = tmp_path / "plans"
    result = run("evaluate", *map(str, inputs), "-o", str(out))
    assert (result.exit_code, result.stdout) == (0, "")
    assert sorted(p.name for p in out.iterdir()) == ["first.plan.json", "second.plan.json"]
    assert (out / "first.plan.json").read_text(encoding="utf-8") == expected_json(GOOD)
    assert (out / "second.plan.json").read_text(encoding="utf-8") == expected_json(other)

    result = run("evaluate", *map(str, inputs), "-o", str(out), "--format", "text")
    assert result.exit_code == 0
    assert (
        (out / "second.plan.txt").read_text(encoding="utf-8").startswith("Care plan for p-other\n")
    )


def test_evaluate_into_an_existing_directory_and_with_a_plugin_format(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    out.mkdir()
    source = write(tmp_path, "good.json", GOOD)
    result = run(
        "evaluate", str(source), "-o", str(out), "--plugin", RENDERER, "--format", "summary"
    )
    assert result.exit_code == 0, result.output
    assert (out / "good.plan.summary.txt").read_text(encoding="utf-8") == (
        "p-cli ready\n"
        # the open book comes forward: joint mobilisation only alongside exercise
        "relieve: Joint mobilization\n"
        "relieve: Open book rotation\n"
        "strengthen: Bridge\n"
        "return: Stay-active advice\n"
    )


def test_a_referral_plan_is_a_success(tmp_path: Path) -> None:
    data = assessment_data(findings=["glute_weakness"], red_flags=["saddle_anesthesia"])
    result = run("evaluate", str(write(tmp_path, "red.json", data)))
    assert result.exit_code == 0
    plan = json.loads(result.stdout)
    assert plan["status"] == PlanStatus.REFERRAL.value
    assert all(stage["items"] == [] for stage in plan["stages"])


def assert_errors(result: Result, code: int, lines: Sequence[str]) -> None:
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {line}" for line in lines]
    assert "Traceback" not in result.output


def test_invalid_input_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    data = assessment_data(findings=["glute_weaknes", {"code": "glute_weakness", "side": "up"}])
    data["pain"] = {"current": 11}
    result = run("evaluate", str(write(tmp_path, "bad.json", data)))
    assert_errors(
        result,
        2,
        [
            "bad.json: pain.current: 11 is out of range (0 to 10)",
            "bad.json: findings[0].code: unknown finding 'glute_weaknes' "
            "(did you mean 'glute_weakness'?)",
            "bad.json: findings[1].side: 'up' is not one of left, right, bilateral",
        ],
    )


def test_malformed_json_and_missing_files_exit_2(tmp_path: Path) -> None:
    result = run("evaluate", str(write(tmp_path, "broken.json", '{"patient": ')))
    assert_errors(
        result, 2, ["broken.json: $: malformed JSON at line 1 column 13: Expecting value"]
    )
    result = run("evaluate", str(tmp_path / "nowhere.json"))
    assert_errors(result, 2, ["nowhere.json: $: cannot read: No such file or directory"])


def test_the_first_bad_file_stops_evaluate_with_exit_2(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", GOOD)
    bad = write(tmp_path, "bad.json", {"patient": {}})
    result = run("evaluate", str(good), str(bad), "-o", str(tmp_path / "out"))
    assert_errors(result, 2, ["bad.json: patient.id: is required"])


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    source = str(write(tmp_path, "good.json", GOOD))
    result = run("evaluate", source, "--format", "pdf")
    assert_errors(
        result,
        2,
        ["unknown format 'pdf'; available: " + ", ".join(sorted(make_engine().renderers))],
    )
    assert run("evaluate").exit_code == 2
    assert run("evaluate", source, "--backend", "rete").exit_code == 2


def test_a_broken_plugin_exits_1(tmp_path: Path) -> None:
    source = str(write(tmp_path, "good.json", GOOD))
    result = run("evaluate", source, "--plugin", str(PLUGIN_DIR / "fails_on_import.py"))
    assert_errors(
        result,
        1,
        [
            "plugin fails_on_import: failed to import: RuntimeError: "
            "this plugin fails to import on purpose"
        ],
    )


def test_plugin_environment_variables(tmp_path: Path) -> None:
    source = str(write(tmp_path, "good.json", GOOD))
    args = ("evaluate", source, "--plugin", RENDERER, "--format", "summary")
    assert run(*args).exit_code == 0
    assert run(*args, env={"CAREENGINE_PLUGINS": "renderer"}).exit_code == 0
    assert run(*args, env={"CAREENGINE_PLUGINS": "someone_else"}).exit_code == 2
    assert run(*args, env={"CAREENGINE_DISABLE_PLUGINS": "renderer"}).exit_code == 2
    result = run("evaluate", source, env={"CAREENGINE_DISABLE_PLUGINS": DEMO})
    assert_errors(result, 1, ["plugin (all): no plugin registered any plan stage"])


def test_debug_mode_raises_instead_of_printing(tmp_path: Path) -> None:
    bad = str(write(tmp_path, "bad.json", {"patient": {}}))
    result = run("evaluate", bad, env={"CAREENGINE_DEBUG": "1"})
    assert isinstance(result.exception, AssessmentError)


# --- plugins list and --version -----------------------------------------------------------------


def test_plugins_list(tmp_path: Path) -> None:
    result = run("plugins", "list")
    assert (result.exit_code, result.stdout) == (
        0,
        "no plugins installed (use --all to include the built-in ones)\n",
    )
    result = run("plugins", "list", "--plugin", RENDERER)
    assert (result.exit_code, result.stdout) == (0, "renderer local: careengine_renderers\n")
    result = run("plugins", "list", "--all")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"careengine.render.builtin {__version__} [careengine]: careengine_renderers",
        f"{DEMO} {__version__} [careengine]: careengine_catalog, careengine_rule_packs",
    ]


def test_plugins_list_json() -> None:
    result = run("plugins", "list", "--json", "--all", "--plugin", RENDERER)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {
            "name": "careengine.render.builtin",
            "version": __version__,
            "distribution": "careengine",
            "hooks": ["careengine_renderers"],
            "builtin": True,
            "options": [],
        },
        {
            "name": DEMO,
            "version": __version__,
            "distribution": "careengine",
            "hooks": ["careengine_catalog", "careengine_rule_packs"],
            "builtin": True,
            "options": [],
        },
        {
            "name": "renderer",
            "version": "local",
            "distribution": None,
            "hooks": ["careengine_renderers"],
            "builtin": False,
            "options": [],
        },
    ]
    assert json.loads(run("plugins", "list", "--json").stdout) == []


def test_version_lists_backend_plugins_and_packs() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"careengine {__version__}",
        f"backend: {resolve_backend_name('auto')}",
        f"plugin careengine.render.builtin {__version__}",
        f"plugin {DEMO} {__version__}",
        "pack demo 0.1.0",
    ]


# --- the installed console script ---------------------------------------------------------------


def test_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "careengine"
    if not script.exists():  # pragma: no cover - not installed as a console script
        pytest.skip("no careengine console script next to the interpreter")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREENGINE_")}
    version = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, env=env, timeout=120
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.splitlines()[0] == f"careengine {__version__}"

    data = assessment_data(patient_id="p-script", findings=["glute_weakness"], age=40)
    source = write(tmp_path, "script.json", data)
    result = subprocess.run(
        [str(script), "evaluate", str(source), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["patient_id"] == "p-script"

    bad = write(tmp_path, "bad.json", {"patient": {"id": "p"}, "findings": [{"code": "nope"}]})
    result = subprocess.run(
        [str(script), "evaluate", str(bad)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: bad.json: findings[0].code: unknown finding 'nope'")
    assert "Traceback" not in result.stderr
