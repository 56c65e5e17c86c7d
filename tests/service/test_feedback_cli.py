"""``careengine feedback report``: the command over a real database, its errors, and the extra
staying optional."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from careengine.cli import cli
from careengine.service.store import Store
from tests.test_cold_imports import _evaluate, _loaded_after, _under

from .store_records import accepted, call, card, overridden

SERVICE_EXTRA = ("sqlalchemy", "psycopg", "fastapi", "uvicorn", "jwt", "careengine.service")


@pytest.fixture(autouse=True)
def no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREENGINE_DEBUG", raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["feedback", "report", *args])


@pytest.fixture
def filled(database_url: str) -> str:
    with Store.open(database_url) as store:
        store.record_call(call(card("c-1", "rule.a", "rule.b")))
        store.record_call(call(card("c-2", "rule.b")))
        store.record_feedback(overridden("c-1", "not-indicated", "Not indicated"))
        store.record_feedback(overridden("c-2", "not-indicated", "Not indicated"))
        store.record_feedback(accepted("c-1"))
    return database_url


def test_the_report_as_text(filled: str) -> None:
    result = run("--database", filled)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Feedback: 2 cards issued, 3 feedback (1 accepted, 2 overridden, override rate 67%)"
    )
    assert [line.split()[0] for line in lines[2:]] == ["rule", "rule.b", "rule.a"]
    assert "not-indicated Not indicated x2" in lines[3]


def test_the_report_as_json(filled: str) -> None:
    result = run("--database", filled, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(r["rule_id"], r["overridden"]) for r in data["rules"]] == [
        ("rule.b", 2),
        ("rule.a", 1),
    ]
    assert data["totals"]["feedback_received"] == 3


def test_since_a_day(filled: str) -> None:
    result = run("--database", filled, "--since", "2026-03-02", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["since"] == "2026-03-02T00:00:00+00:00"
    assert data["rules"] == [] and data["totals"]["cards_issued"] == 0


def test_a_bad_since_is_a_usage_error(store_url: str) -> None:
    result = run("--database", store_url, "--since", "March")
    assert result.exit_code == 2


def test_a_database_that_does_not_exist_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "service.sqlite"
    result = run("--database", f"sqlite:///{path}")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert "does not exist" in result.output
    assert not path.parent.exists()


def test_a_bad_url_is_one_line_without_the_password() -> None:
    result = run("--database", "mysql://admin:s3cret-pw@db.example/care")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "unsupported database URL" in result.output
    assert "s3cret-pw" not in result.output


def test_without_the_service_extra_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name.startswith(("careengine.service.store", "sqlalchemy")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    result = run("--database", "sqlite:///x.sqlite")
    assert result.exit_code == 2
    assert result.output == (
        "error: feedback report needs the service extra: install careengine[service]\n"
    )


def test_the_command_line_and_evaluate_load_nothing_of_the_service_extra() -> None:
    assert _under(_loaded_after("import careengine.cli"), SERVICE_EXTRA) == []
    loaded = _loaded_after(_evaluate())
    assert "careengine.engine" in loaded  # the check would pass vacuously otherwise
    assert _under(loaded, SERVICE_EXTRA) == []
