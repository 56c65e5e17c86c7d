"""The ``service`` extra stays optional: the library and the command line load none of it.

Each check runs in a fresh interpreter and reads ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: the service extra's distributions (as modules) and careengine's modules that need them
SERVICE_ONLY = ("jwt", "fastapi", "uvicorn", "sqlalchemy", "psycopg", "careengine.service.auth")


@pytest.mark.parametrize(
    "code",
    [
        "import careengine",
        "import careengine.engine, careengine.cli",
        "from careengine.cli import main",
    ],
)
def test_the_core_loads_nothing_of_the_service_extra(code: str) -> None:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    assert not {m for m in loaded if m.split(".")[0] in SERVICE_ONLY or m in SERVICE_ONLY}
