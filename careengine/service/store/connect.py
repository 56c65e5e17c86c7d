"""From a database URL to a SQLAlchemy engine: which URLs are accepted, and how each is set up.

- ``sqlite:///PATH`` (a relative PATH is relative to the working directory, ``sqlite:////abs``
  is absolute): the file and its directory are created on first use (unless ``create=False``);
  every connection gets WAL journal mode with ``synchronous=FULL`` (each commit is on disk
  before it returns: the audit row of a call answered, and the token id it used, survive a power
  cut; docs/cds-hooks.md, "Storage"), a busy timeout, foreign keys on, and transactions that
  start with ``BEGIN IMMEDIATE`` (a transaction that reads then writes never fails with "database
  is locked" halfway: it waits for the write lock up front).
- ``postgresql://...`` and ``postgresql+psycopg://...``: PostgreSQL through psycopg 3.

Anything else is a :class:`~careengine.errors.ConfigurationError` naming the URL without its
password (:func:`redact`); a password is never printed.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

from careengine.errors import ConfigurationError

__all__ = ["BUSY_TIMEOUT_MS", "SYNCHRONOUS", "create_engine", "parse_url", "redact"]

#: how long a SQLite connection waits for another's write lock before failing
BUSY_TIMEOUT_MS = 30_000

#: SQLite's ``synchronous`` setting: FULL syncs the write-ahead log at every commit (NORMAL would
#: sync it only at checkpoints, so the last commits before a power cut or an OS crash could be
#: lost: audit rows of calls already answered, token ids a replay would then get past)
SYNCHRONOUS = "FULL"

_SUPPORTED = "sqlite:///PATH, postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
_PASSWORD_IN_TEXT = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def redact(url: str) -> str:
    """The URL as it may be shown: the password, if any, replaced by ``***``."""
    return _PASSWORD_IN_TEXT.sub(r"\1***@", url)


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def parse_url(url: str) -> URL:
    """The URL, checked: SQLite with a file path, or PostgreSQL (with the psycopg 3 driver)."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise ConfigurationError(
            f"malformed database URL {redact(url)!r} (expected {_SUPPORTED})"
        ) from None
    backend = parsed.get_backend_name()  # from the text; get_driver_name() would load a dialect
    if backend == "sqlite" and parsed.drivername == "sqlite":
        if (
            not parsed.database
            or parsed.database == ":memory:"
            or parsed.database.startswith("file:")
        ):
            raise ConfigurationError(
                f"database URL {_shown(parsed)!r} names no file (expected sqlite:///PATH)"
            )
        return parsed
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgresql+psycopg"):
        if not parsed.database:
            raise ConfigurationError(
                f"database URL {_shown(parsed)!r} names no database (expected {_SUPPORTED})"
            )
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigurationError(
        f"unsupported database URL {_shown(parsed)!r} ({parsed.drivername}; expected {_SUPPORTED})"
    )


def _use_wal(cursor: Any, shown: str) -> None:
    """Switch the database to WAL (once: the mode is kept in the file).

    Switching needs the database to itself and SQLite does not wait for that (no busy handler),
    so a new file opened by several connections at once is retried until the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            mode = None
        if mode == "wal":
            return
        if time.monotonic() > deadline:
            raise ConfigurationError(
                f"database {shown!r} cannot be switched to WAL journal mode (journal mode {mode})"
            )
        time.sleep(0.01)


def _sqlite_engine(url: URL, *, create: bool) -> sa.Engine:
    shown = _shown(url)
    path = Path(str(url.database))
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise ConfigurationError(f"database {_shown(url)!r} does not exist ({path})")
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # the driver's own transaction handling is turned off: "begin" below starts each one
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _use_wal(cursor, shown)
            cursor.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_engine(url: str, *, create: bool = True) -> tuple[sa.Engine, str]:
    """The engine for ``url`` and the URL as errors may show it (without the password).

    With ``create=False`` a SQLite file that does not exist yet is an error, not created.
    """
    parsed = parse_url(url)
    shown = _shown(parsed)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, create=create), shown
    return sa.create_engine(parsed, pool_pre_ping=True), shown
