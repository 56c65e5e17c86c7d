"""Database URLs, SQLite's set-up and the versioned migrations (on SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from careengine.errors import ConfigurationError
from careengine.service.store import Store, redact
from careengine.service.store.connect import create_engine, parse_url
from careengine.service.store.migrations import MIGRATIONS, latest_version, migrate
from careengine.service.store.tables import METADATA, schema_version


def _now() -> datetime:
    return datetime(2026, 3, 1, tzinfo=UTC)


def _versions(url: str) -> list[int]:
    engine, _ = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(schema_version.c.version)).scalars())
    finally:
        engine.dispose()


def test_the_migrations_are_numbered_one_by_one_and_described() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert all(m.description for m in MIGRATIONS)


def test_opening_a_new_database_applies_every_step(store: Store, database_url: str) -> None:
    assert store.schema_version() == latest_version() == len(MIGRATIONS)
    assert sorted(_versions(database_url)) == list(range(1, len(MIGRATIONS) + 1))


def test_reopening_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    Store.open(database_url).close()
    before = _versions(database_url)
    with Store.open(database_url) as again:
        assert again.schema_version() == latest_version()
    assert _versions(database_url) == before


def test_the_migrated_schema_is_the_declared_tables(store: Store, database_url: str) -> None:
    engine, _ = create_engine(database_url)
    try:
        inspector = sa.inspect(engine)
        assert sorted(inspector.get_table_names()) == sorted(METADATA.tables)
        for name, table in METADATA.tables.items():
            assert sorted(c["name"] for c in inspector.get_columns(name)) == sorted(
                table.columns.keys()
            )
            found = {str(i["name"]) for i in inspector.get_indexes(name)}
            assert {str(i.name) for i in table.indexes} <= found, name
    finally:
        engine.dispose()


def test_a_version_1_database_is_upgraded_to_the_latest(database_url: str) -> None:
    engine, where = create_engine(database_url)
    try:
        assert migrate(engine, where=where, now=_now, migrations=MIGRATIONS[:1]) == 1
        assert "ix_feedback_at" not in {
            i["name"] for i in sa.inspect(engine).get_indexes("feedback")
        }
    finally:
        engine.dispose()
    with Store.open(database_url) as store:
        assert store.schema_version() == latest_version() == 2
    engine, _ = create_engine(database_url)
    try:
        assert "ix_feedback_at" in {i["name"] for i in sa.inspect(engine).get_indexes("feedback")}
    finally:
        engine.dispose()


def test_a_database_written_by_a_newer_careengine_is_refused(database_url: str) -> None:
    Store.open(database_url).close()
    engine, _ = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            schema_version.insert().values(
                version=99, description="from the future", applied_at=_now()
            )
        )
    engine.dispose()
    with pytest.raises(
        ConfigurationError, match="schema version 99, written by a newer careengine"
    ):
        Store.open(database_url)


def test_concurrent_opens_of_a_new_database_apply_each_step_once(database_url: str) -> None:
    from .test_store import all_at_once

    opened = all_at_once(4, lambda _i: Store.open(database_url))
    for store in opened:
        assert store.schema_version() == latest_version()
        store.close()
    assert sorted(_versions(database_url)) == list(range(1, latest_version() + 1))


def test_a_sqlite_database_and_its_directory_are_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "service.sqlite"
    with Store.open(f"sqlite:///{path}"):
        pass
    assert path.is_file()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_every_sqlite_connection_has_foreign_keys_and_a_busy_timeout(store_url: str) -> None:
    engine, _ = create_engine(store_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_a_missing_sqlite_database_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "service.sqlite"
    with pytest.raises(ConfigurationError, match="does not exist"):
        Store.open(f"sqlite:///{path}", create=False)
    assert not path.parent.exists()


def test_a_database_without_careengine_tables_is_not_set_up_when_asked_not_to(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.sqlite"
    sqlite3.connect(path).close()
    with pytest.raises(ConfigurationError, match="not a careengine database"):
        Store.open(f"sqlite:///{path}", create=False)


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert parse_url("postgresql://u:p@127.0.0.1/db").drivername == "postgresql+psycopg"
    assert parse_url("postgresql+psycopg://u:p@127.0.0.1/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://admin:s3cret-pw@db.example/care", "unsupported database URL"),
        ("postgresql+psycopg2://admin:s3cret-pw@db.example/care", "unsupported database URL"),
        ("sqlite+pysqlcipher://admin:s3cret-pw@/care.db", "unsupported database URL"),
        ("bogus://admin:s3cret-pw@db.example/care", "unsupported database URL"),
        ("postgresql://admin:s3cret-pw@db.example", "names no database"),
        ("sqlite://", "names no file"),
        ("sqlite:///:memory:", "names no file"),
        ("not a url", "malformed database URL"),
        ("postgresql://admin:s3cret-pw@db.example:notaport/care", "malformed database URL"),
        ("", "malformed database URL"),
    ],
)
def test_a_bad_url_is_refused_without_showing_its_password(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as raised:
        Store.open(url)
    assert "s3cret-pw" not in str(raised.value)
    assert raised.value.exit_code == 2


def test_an_unreachable_server_is_a_configuration_error_without_the_password() -> None:
    with pytest.raises(ConfigurationError, match="cannot open the database") as raised:
        Store.open("postgresql://careengine:s3cret-pw@127.0.0.1:1/care")
    assert "s3cret-pw" not in str(raised.value)
    assert "***" in str(raised.value)


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql://me:pw@host:5432/db") == "postgresql://me:***@host:5432/db"
    assert redact("sqlite:///var/db.sqlite") == "sqlite:///var/db.sqlite"
    assert redact("postgresql://me@host/db") == "postgresql://me@host/db"
