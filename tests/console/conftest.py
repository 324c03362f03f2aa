"""The console's HTTP tests run on every backend: ``database_url`` is ``backend_url`` (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain import operators
from tests.console.session import PASSWORD, console_client


@pytest.fixture
def database_url(backend_url: str) -> str:
    return backend_url


@pytest.fixture
async def operator(server: LiveroomApp) -> str:
    await operators.add_operator(server.store, "ann", PASSWORD)
    return "ann"


@pytest.fixture
async def browser(server: LiveroomApp, operator: str) -> AsyncIterator[httpx.AsyncClient]:
    """An operator's client, signed in."""
    async with console_client(server) as client:
        signed = await client.post("/console/sign-in", data={"name": operator, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        yield client
