"""What the figures were measured on: the machine, the interpreter, and whether bytecode caching
was on (a cold ``careengine evaluate`` without cached bytecode compiles every module it imports)."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from careengine.rules.backend import durable_available
from careengine.version import __version__


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def bytecode_caching(environ: dict[str, str] | None = None) -> bool:
    """Whether the benchmark's child interpreters write and reuse ``.pyc`` files: off when this
    interpreter runs with ``-B`` or ``PYTHONDONTWRITEBYTECODE`` is set (children inherit it)."""
    env = os.environ if environ is None else environ
    return not (sys.dont_write_bytecode or env.get("PYTHONDONTWRITEBYTECODE"))


def describe() -> dict[str, Any]:
    """The machine and software of this run, for the results file and the report."""
    return {
        "careengine": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "bytecode_caching": bytecode_caching(),
        "durable_rules": durable_available(),
    }
