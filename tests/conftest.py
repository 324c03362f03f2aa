"""Fixtures: a liveroom app on a fresh SQLite file, served in-process over httpx."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from liveroom.api.app import LiveroomApp, create_app
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, LiveClient

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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
