"""Fixtures: a liveroom app on a fresh database, served in-process over httpx.

``database_url`` is a new SQLite file. Suites that run on both backends (tests/api, tests/test_server_process.py)
take theirs from ``backend_url`` instead: the one fixture parametrised over the backends, ``backend``, runs each of
their tests once on SQLite (``[sqlite]``) and once on PostgreSQL (``[postgresql]``). On PostgreSQL they share one
schema, migrated once per session and emptied before each test (a schema per test would migrate every time).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from liveroom.api.app import LiveroomApp, create_app
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from liveroom.store import migrate
from tests import pg
from tests.helpers import ADMIN, POSTGRESQL, SDKAPPID, SECRET_KEY, SQLITE, LiveClient


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Apply ``sqlite_only`` and ``xfail_on_postgresql`` to the ``[postgresql]`` run of the tests they mark."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("backend") != POSTGRESQL:
            continue
        if (marker := item.get_closest_marker("sqlite_only")) is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {marker.args[0]}"))
        if (marker := item.get_closest_marker("xfail_on_postgresql")) is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"PostgreSQL: {marker.args[0]}"))


@pytest.fixture(scope="session", params=[SQLITE, POSTGRESQL])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on; session-scoped, so pytest runs each backend's tests together."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """The URL of a schema of the test server, migrated once for the session and dropped after it."""
    url, schema = pg.create_schema()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        pg.drop_schema(schema)


@pytest.fixture
def postgres_url(postgres_schema: str) -> str:
    """The session's PostgreSQL schema, emptied for this test."""
    pg.empty(postgres_schema)
    return postgres_schema


@pytest.fixture
def backend_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of ``backend``; PostgreSQL is looked for only by the tests that run on it."""
    if backend == SQLITE:
        return f"sqlite:///{tmp_path / 'liveroom.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'liveroom.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, access_log=False)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveroomApp]:
    """A running app (lifespan entered) with the test app SDKAPPID, rate limits off."""
    app = create_app(settings)
    async with app.lifespan(app.web):
        manager = AppManager(app.store)
        await manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN])
        await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
        yield app


@pytest.fixture
async def http(server: LiveroomApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=server, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://liveroom.test") as client:
        yield client


@pytest.fixture
def live(http: httpx.AsyncClient) -> LiveClient:
    return LiveClient(http)


@pytest.fixture
def client_from() -> Callable[[LiveroomApp, str], httpx.AsyncClient]:
    """An httpx client whose requests come from another address (the lock-out is per address)."""

    def make(app: LiveroomApp, address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://liveroom.test"
        )

    return make
