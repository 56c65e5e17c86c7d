"""A rule pack must be a regular file: a FIFO, a device or a socket is refused, never read.

Reading a FIFO blocks until a writer appears, so these tests build the engine in a thread with a
timeout; if it hangs (as it would on an engine that opens the FIFO for reading), the test opens
the FIFO for writing and closes it, which ends the blocked read, and fails.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from careengine import Engine, RulePackError
from careengine.cli import cli

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")

TIMEOUT = 20.0


def _release(fifo: Path) -> None:
    """End a read blocked on ``fifo`` (nothing happens when no one is reading it)."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def within_timeout(fifo: Path, action: Callable[[], Any]) -> Any:
    """``action()``'s result or exception; fails if it is still blocked after TIMEOUT seconds."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    if thread.is_alive():
        _release(fifo)
        thread.join(TIMEOUT)
        pytest.fail(f"blocked reading the FIFO {fifo} as a rule pack")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def refused(exc: RulePackError, path: Path, kind: str) -> None:
    assert [str(p) for p in exc.problems] == [
        f"{path}: $: cannot read: not a regular file ({kind})"
    ]
    assert exc.exit_code == 1


def test_a_fifo_given_as_rules_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    with pytest.raises(RulePackError) as info:
        within_timeout(fifo, lambda: Engine(entry_points=False, rules=[fifo]))
    refused(info.value, fifo, "a FIFO")


def test_a_fifo_inside_a_rules_directory_is_refused_without_blocking(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    fifo = rules / "zz.toml"
    os.mkfifo(fifo)
    with pytest.raises(RulePackError) as info:
        within_timeout(fifo, lambda: Engine(entry_points=False, rules=[rules]))
    refused(info.value, fifo, "a FIFO")


def test_a_device_given_as_rules_is_refused(tmp_path: Path) -> None:
    device = Path(os.devnull)
    with pytest.raises(RulePackError) as info:
        Engine(entry_points=False, rules=[device])
    refused(info.value, device, "a character device")


def test_a_socket_inside_a_rules_directory_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "r"
    rules.mkdir()
    path = rules / "s.toml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(RulePackError) as info:
            Engine(entry_points=False, rules=[rules])
    finally:
        server.close()
    refused(info.value, path, "a socket")


def test_the_cli_refuses_a_fifo_in_one_line(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("CAREENGINE_DEBUG", raising=False)
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    result = within_timeout(
        fifo, lambda: CliRunner().invoke(cli, ["catalog", "--rules", str(fifo)])
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"error: {fifo}: $: cannot read: not a regular file (a FIFO)"
    ]


def test_rules_lint_refuses_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    result = within_timeout(fifo, lambda: CliRunner().invoke(cli, ["rules", "lint", str(fifo)]))
    assert result.exit_code == 1, result.output
    assert f"{fifo}: $: cannot read: not a regular file (a FIFO)" in result.stdout


def test_a_fifo_given_as_gates_is_refused_without_blocking(tmp_path: Path) -> None:
    from careengine.errors import ConfigurationError
    from careengine.pipeline.gates import load_gates

    fifo = tmp_path / "gates.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigurationError) as info:
        within_timeout(fifo, lambda: load_gates(fifo))
    assert [str(p) for p in info.value.problems] == ["gates.toml: $: not a regular file (a FIFO)"]


def test_a_fifo_given_as_a_case_file_is_refused_without_blocking(tmp_path: Path) -> None:
    from careengine.rules.golden import load_cases

    fifo = tmp_path / "x.case.toml"
    os.mkfifo(fifo)
    with pytest.raises(RulePackError) as info:
        within_timeout(fifo, lambda: load_cases(fifo))
    assert [str(p) for p in info.value.problems] == [f"{fifo}: $: not a regular file (a FIFO)"]
