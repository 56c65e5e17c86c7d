"""Child processes of the benchmark: every workload is measured in a fresh interpreter (its memory
its own), and the CLI figures time the ``careengine`` command itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def careengine_command() -> list[str]:
    """How to start the ``careengine`` command of this environment."""
    script = Path(sys.executable).with_name("careengine")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from careengine.cli import main; main()"]  # not installed


def run_child(kind: str, size: str, directory: Path, **options: Any) -> dict[str, Any]:
    """``python -m benchmarks.run --child KIND``: its JSON result, or ``{"error": [...]}``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        target = Path(handle.name)
    command = [sys.executable, "-m", "benchmarks.run", "--child", kind, "--size", size]
    command += ["--dir", str(directory), "--json", str(target)]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
        result: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
        return result
    finally:
        target.unlink(missing_ok=True)


def timed_child(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a command: (wall seconds, the peak RSS of that process in MiB, exit code, stderr)."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        return elapsed, usage.ru_maxrss / 1024, process.returncode, errors.read()
