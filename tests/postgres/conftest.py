"""Tests of what only PostgreSQL does: ``database_url`` is the session's schema, emptied for each test. The store
tests share a schema of their own per test (``schema``), a store on it (``store``, with the test app) and the name
its connections carry (``application_name``), to find them in ``pg_stat_activity`` or terminate them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from liveroom.store.postgres import PostgresStore
from tests import pg
from tests.store.test_store import app_record


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def schema() -> Iterator[str]:
    name = pg.create_schema()[1]
    try:
        yield name
    finally:
        pg.drop_schema(name)


@pytest.fixture
def application_name() -> str:
    return f"liveroom-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def url(schema: str, application_name: str) -> str:
    return pg.with_application_name(pg.options_url(schema), application_name)


@pytest.fixture
async def store(url: str) -> AsyncIterator[PostgresStore]:
    node = PostgresStore(url)
    await node.open()
    try:
        async with node.write() as tx:
            await tx.insert_app(app_record())
        yield node
    finally:
        await node.close()
