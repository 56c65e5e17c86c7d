"""Fixtures of the HTTP tests: one engine per module, a trusted issuer with a key made at test
time, and a service (FastAPI test client, real SQLite store in ``tmp_path``, real
authenticator) built by ``make_service`` with any configuration change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from fastapi.testclient import TestClient

from careengine import Engine
from careengine.service.app import create_app
from careengine.service.config import ServiceConfig
from careengine.service.store import Store
from tests.service.http_support import SERVICE_ID
from tests.service.tokens import NOW, TestIssuer

BASE_URL = "https://cds.clinic.example"
SERVICE_URL = f"{BASE_URL}/cds-services/{SERVICE_ID}"
FEEDBACK_URL = f"{SERVICE_URL}/feedback"


@attrs.frozen(kw_only=True)
class ServiceUnderTest:
    client: TestClient
    store: Store
    database: Path
    engine: Engine
    issuer: TestIssuer


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
    opened: list[Store] = []

    def make(*, engine_: Engine | None = None, **changes: Any) -> ServiceUnderTest:
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
        config = ServiceConfig(**settings)
        used = engine_ or engine
        app = create_app(config=config, engine=used, store=store, clock=lambda: NOW)
        return ServiceUnderTest(
            client=TestClient(app), store=store, database=database, engine=used, issuer=issuer
        )

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def service(make_service: Callable[..., ServiceUnderTest]) -> ServiceUnderTest:
    return make_service()
