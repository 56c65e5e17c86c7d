"""careengine without durable-rules (Python 3.13+, or no C compiler): the python backend is chosen
automatically and gives the same plans; asking for durable is a clear error; the dependency is
declared only where durable-rules works. Each run makes durable-rules unimportable in a fresh
interpreter (``sys.modules[name] = None`` turns every import of it into an ImportError)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from careengine import Engine
from careengine.render.serialize import dumps
from careengine.rules.backend import durable_available
from tests.support import with_backend

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "assessments").glob("*.json"))
BLOCK = (
    "import sys\n"
    "for name in ('durable', 'durable.engine', 'durable.lang', 'durable_rules_engine'):\n"
    "    sys.modules[name] = None\n"
)
LIBRARY = BLOCK + (
    "from careengine import Engine\n"
    "from careengine.rules.backend import durable_available\n"
    "from careengine.render.serialize import dumps\n"
    "import json\n"
    "assert not durable_available()\n"
    "engine = Engine(entry_points=False)\n"
    "plans = {p: dumps(engine.evaluate(engine.load_assessment(p))) for p in sys.argv[1:]}\n"
    "print(json.dumps({'backend': engine.backend_name, 'plans': plans, "
    "'loaded': sorted(m for m in sys.modules if m.startswith('durable') and sys.modules[m])}))\n"
)
CLI = BLOCK + "from careengine.cli import main\nmain()\n"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREENGINE_")}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_the_engine_runs_on_the_python_backend_when_durable_rules_does_not_import() -> None:
    result = run(LIBRARY, *map(str, EXAMPLES))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "python"
    assert out["loaded"] == []  # nothing of durable-rules was imported
    # the same plans as the python backend here, and (backend name aside) as durable-rules
    engines = [Engine(entry_points=False, backend="python")]
    if durable_available():
        engines.append(Engine(entry_points=False, backend="durable"))
    for path in EXAMPLES:
        text = out["plans"][str(path)]
        assert '"backend": "python"' in text
        for engine in engines:
            here = dumps(engine.evaluate(engine.load_assessment(path)))
            assert with_backend(here, "python") == text


def test_the_cli_without_durable_rules(tmp_path: Path) -> None:
    example = str(EXAMPLES[0])
    result = run(CLI, "evaluate", example)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["provenance"]["backend"] == "python"

    version = run(CLI, "--version")
    assert version.returncode == 0, version.stderr
    assert "backend: python" in version.stdout.splitlines()

    refused = run(CLI, "evaluate", example, "--backend", "durable")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "error: the durable backend was requested but durable-rules does not import here "
        "(it needs Python < 3.13 and a C compiler); use --backend python"
    ]


def test_durable_rules_is_required_only_where_it_works() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    durable = [d for d in project["dependencies"] if d.replace("_", "-").startswith("durable")]
    assert durable == ["durable-rules==2.0.28; python_version < '3.13'"]
    for extra in project.get("optional-dependencies", {}).values():
        assert not any(d.startswith("durable") for d in extra)


def test_only_the_adapter_imports_durable_rules() -> None:
    importers = []
    for path in sorted((ROOT / "careengine").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = [line.strip() for line in text.splitlines()]
        if any(line.startswith(("import durable", "from durable")) for line in lines):
            importers.append(path.relative_to(ROOT).as_posix())
    assert importers == ["careengine/rules/durable_backend.py"]
