"""The fault suite: real ``liveroom serve`` processes under load while what they depend on fails (Redis killed and
restarted empty, PostgreSQL backends terminated, a node killed, slow and greedy clients), with the invariants
checked afterwards: nothing acknowledged is lost, no failure changed anything, members' presence is restored.

Each test has its own PostgreSQL schema, whose connections carry an ``application_name`` of their own so that the
test terminates its own backends only, and its own Redis server when it stops one (tests/redis/throwaway.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from liveroom.store import migrate
from tests import pg
from tests.redis.throwaway import throwaway_redis
from tests.test_server_process import app_db, start_server

__all__ = ["app_db", "start_server", "throwaway_redis"]  # fixtures, imported to be found by pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def application_name() -> str:
    return f"liveroom-fault-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def database_url(application_name: str) -> Iterator[str]:
    """A fresh PostgreSQL schema, migrated; its connections (the nodes' too) named ``application_name``."""
    with pg.fresh_schema() as url:
        named = pg.with_application_name(url, application_name)
        migrate.upgrade(named)
        yield named
