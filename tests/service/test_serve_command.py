"""``careengine serve``: exits 2 with one line without the extra or with a bad configuration; the
core never imports the service's libraries; and one end-to-end run of the real console script
on a loopback port (a token signed with a key made here, a patient-view call, feedback, the
SQLite file, a clean stop on SIGINT or SIGTERM, logs without PHI)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from careengine import Engine
from careengine.cli import cli
from tests.service.http_support import (
    PHI_MARKERS,
    SERVICE_ID,
    bearer,
    feedback_body,
    hook_request,
    schema_errors,
)
from tests.service.tokens import TestIssuer

STARTUP_SECONDS = 90
STOP_SECONDS = 30


def test_without_the_extra_serve_exits_2_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fastapi", None)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: install careengine[service]"]


def test_a_bad_configuration_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    config = tmp_path / "service.toml"
    config.write_text('[service]\nmax_request_bytes = "big"\nclock_skew = 3\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--config", str(config)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("error: ") for line in lines), lines
    assert "Traceback" not in result.output


def test_serve_without_authentication_refuses_a_public_host() -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_an_address_in_use_exits_2_not_uvicorns_3(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                _console_script(),
                "serve",
                "--port",
                str(port),
                "--database",
                f"sqlite:///{tmp_path / 'service.db'}",
            ],
            capture_output=True,
            text=True,
            timeout=STOP_SECONDS,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: cannot listen on 127.0.0.1:{port} (uvicorn's message above says why)"
    )
    assert "Traceback" not in done.stderr


def test_the_core_and_the_command_line_do_not_import_the_service_libraries() -> None:
    code = (
        "import sys, careengine, careengine.cli\n"
        "from careengine import Engine\n"
        "Engine(entry_points=False)\n"
        "bad = sorted(m for m in ('fastapi', 'uvicorn', 'jwt', 'sqlalchemy', 'psycopg',"
        " 'starlette', 'careengine.service.app') if m in sys.modules)\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _console_script() -> str:
    beside = Path(sys.executable).parent / "careengine"
    found = str(beside) if beside.exists() else shutil.which("careengine")
    if found is None:
        pytest.skip("no careengine console script")
    return found


def _live(issuer: TestIssuer, url: str) -> dict[str, str]:
    """A token valid now (the server runs on the real clock)."""
    now = int(time.time())
    return bearer(issuer, url, iat=now - 5, exp=now + 300)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"careengine serve exited {process.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("careengine serve did not listen in time")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_end_to_end_on_loopback(tmp_path: Path, stop: signal.Signals) -> None:
    issuer = TestIssuer.ec()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "ehr-jwks.json").write_text(json.dumps(issuer.jwks()), encoding="utf-8")
    database = tmp_path / "data" / "service.sqlite"
    config = tmp_path / "service.toml"
    config.write_text(
        f'[service]\nbase_url = "{base}"\ndatabase = "sqlite:///{database}"\n'
        "require_auth = true\n\n"
        f'[[issuers]]\niss = "{issuer.iss}"\njwks_file = "ehr-jwks.json"\n',
        encoding="utf-8",
    )
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    command = [_console_script(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "CAREENGINE_DISABLE_PLUGINS": "clinic_example"}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--config", str(config)], stdout=stdout, stderr=stderr, env=env
        )
        try:
            _wait_until_listening(process, port, err)
            service_url = f"{base}/cds-services/{SERVICE_ID}"
            with Engine(entry_points=False) as engine, httpx.Client(timeout=30) as client:
                found = client.get(
                    f"{base}/cds-services", headers=_live(issuer, f"{base}/cds-services")
                )
                assert found.status_code == 200
                assert [s["id"] for s in found.json()["services"]] == [SERVICE_ID]
                response = client.post(
                    f"{service_url}?patient={PHI_MARKERS[0]}",
                    json=hook_request(engine),
                    headers=_live(issuer, service_url),
                )
                assert response.status_code == 200, response.text
                assert schema_errors(response.json()) == []
                card = response.json()["cards"][0]["uuid"]
                feedback = client.post(
                    f"{service_url}/feedback",
                    json=feedback_body(card),
                    headers=_live(issuer, f"{service_url}/feedback"),
                )
                assert feedback.status_code == 200
                refused = client.post(service_url, json=hook_request(engine))
                assert refused.status_code == 401
        finally:
            process.send_signal(stop)
            try:
                returncode = process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    assert returncode == 0, err.read_text()
    with sqlite3.connect(database) as conn:
        outcomes = [row[0] for row in conn.execute("SELECT outcome FROM audit ORDER BY id")]
        comments = [row[0] for row in conn.execute("SELECT user_comment FROM feedback")]
    assert outcomes == ["discovery", "cards", "feedback", "unauthenticated"]
    assert len(comments) == 1
    logs = out.read_text() + err.read_text()
    assert f'"POST /cds-services/{SERVICE_ID} HTTP/1.1" 200' in logs  # uvicorn's access log
    assert "POST /cds-services/{id} 200" in logs  # the service's own line
    for marker in PHI_MARKERS:
        assert marker not in logs
    assert "Traceback" not in logs
