"""The black-box HTTP suite on PostgreSQL: ``database_url`` names a schema of the test server instead of a file.

One schema for the session, emptied before each test (a new schema per test would migrate ~200 times). Tests
that read or write the database beside the server through SQLite stay in tests/api only; ``guard`` checks
refusals against the PostgreSQL rows instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from liveroom.store import migrate
from tests import pg
from tests.helpers import LIVE, Guarded, LiveClient


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    url, schema = pg.create_schema()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        pg.drop_schema(schema)


@pytest.fixture
def database_url(postgres_schema: str) -> str:
    pg.truncate(postgres_schema)
    return postgres_schema


class PostgresGuarded(Guarded):
    """``Guarded`` comparing the PostgreSQL rows before and after a refusal."""

    async def fails(self, code: int, command: str, body: Any, *, service: str = LIVE) -> str:
        before = pg.db_rows(self.database_url)
        info = await self.live.fails(code, command, body, service=service)
        assert pg.db_rows(self.database_url) == before, f"refused {command} changed the database"
        return info


@pytest.fixture
def guard(live: LiveClient, database_url: str) -> Guarded:
    return PostgresGuarded(live, database_url)
