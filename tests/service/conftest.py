"""Fixtures of the service tests: a database of each kind the store supports.

- ``store_url``: a SQLite URL in the test's temporary directory (the file does not exist yet).
- ``postgres_url`` (session): a PostgreSQL server to test against. ``CAREENGINE_TEST_POSTGRES_URL``
  when set (``.ci/run`` starts Debian's PostgreSQL and sets it; its role needs CREATEDB); else a
  throwaway server (``initdb`` and ``pg_ctl`` in a temporary directory on a free loopback port,
  run as the ``postgres`` user when the tests run as root); else the tests that need it are
  skipped, saying why.
- ``postgres_database_url``: an empty database of its own on that server, dropped afterwards.
- ``database_url``: parametrised, once SQLite and once PostgreSQL: the same tests run on both.
- ``store``: a :class:`~careengine.service.store.Store` opened on ``database_url``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sa = pytest.importorskip("sqlalchemy", reason="the service extra is not installed")

from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from careengine import Engine  # noqa: E402
from careengine.service.services import ServiceDefinition  # noqa: E402
from careengine.service.store import Store  # noqa: E402
from tests.service.http_support import BASE_URL, ServiceUnderTest  # noqa: E402
from tests.service.tokens import NOW, TestIssuer  # noqa: E402

POSTGRES_URL_VARIABLE = "CAREENGINE_TEST_POSTGRES_URL"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A SQLite database URL under the test's temporary directory (not created yet)."""
    return f"sqlite:///{tmp_path / 'db' / 'careengine.sqlite'}"


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _start_throwaway_server(root: Path) -> tuple[str, list[str]]:
    """Start a server in ``root``: its URL and the command that stops it; or skip, saying why."""
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip(
            f"no PostgreSQL server: {POSTGRES_URL_VARIABLE} is not set and initdb is not installed "
            "(apt-get install postgresql, or set the variable)"
        )
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL cannot run as root and there is no postgres user to run it")
        if shutil.which("runuser") is None:
            pytest.skip("PostgreSQL cannot run as root and runuser is missing")
        os.chown(root, server_user.pw_uid, server_user.pw_gid)
    data = root / "data"
    port = _free_port()
    steps = [
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--no-sync"],
        [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
         "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off", "start"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(_as_server_user(step), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = root / "server.log"
            tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            pytest.skip(
                f"no PostgreSQL server: {POSTGRES_URL_VARIABLE} is not set and a throwaway server "
                f"did not start ({Path(step[0]).name} exit {done.returncode}: "
                f"{(done.stderr or done.stdout).strip()[-300:]} {tail.strip()})"
            )
    stop = _as_server_user(
        [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server's URL (the given one, or a throwaway server's); skips without one."""
    given = os.environ.get(POSTGRES_URL_VARIABLE)
    if given:
        yield given
        return
    root = Path(tempfile.mkdtemp(prefix="careengine-pg-"))
    try:
        url, stop = _start_throwaway_server(root)
        try:
            yield url
        finally:
            subprocess.run(stop, capture_output=True, check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _admin_engine(url: str) -> sa.Engine:
    parsed = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """A new empty database on the PostgreSQL server, dropped after the test."""
    name = f"careengine_test_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine(postgres_url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(postgres_url).set(database=name)
        yield url.render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database's URL: once SQLite, once PostgreSQL."""
    fixture = "store_url" if request.param == "sqlite" else "postgres_database_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store opened (and migrated) on ``database_url``, closed after the test."""
    opened = Store.open(database_url)
    try:
        yield opened
    finally:
        opened.close()


# --- the HTTP tests (test_http_*.py): one engine per module, a trusted issuer with a key made at
# test time, and services (test client, real SQLite store in tmp_path, real authenticator) ---


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as built:
        yield built


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer.ec()


@pytest.fixture
def make_service(
    tmp_path: Path, engine: Engine, issuer: TestIssuer
) -> Iterator[Callable[..., ServiceUnderTest]]:
    """``make_service(engine_=..., services=..., **config_changes)``: a service on a new SQLite
    store (offering ``services`` when given, else the default ones)."""
    opened: list[Store] = []

    def make(
        *,
        engine_: Engine | None = None,
        services: tuple[ServiceDefinition, ...] | None = None,
        **changes: Any,
    ) -> ServiceUnderTest:
        from fastapi.testclient import TestClient

        from careengine.service.app import create_app
        from careengine.service.config import ServiceConfig

        database = tmp_path / f"service-{len(opened)}.sqlite"
        url = f"sqlite:///{database}"
        store = Store.open(url, clock=lambda: NOW)
        opened.append(store)
        settings: dict[str, Any] = {
            "base_url": BASE_URL,
            "database": url,
            "require_auth": True,
            "issuers": (issuer.trusted(),),
            **changes,
        }
        used = engine_ or engine
        app = create_app(
            config=ServiceConfig(**settings),
            engine=used,
            store=store,
            clock=lambda: NOW,
            services=services,
        )
        return ServiceUnderTest(
            client=TestClient(app), store=store, database=database, engine=used, issuer=issuer
        )

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def service(make_service: Callable[..., ServiceUnderTest]) -> ServiceUnderTest:
    """A service with the default configuration, authentication on."""
    return make_service()
