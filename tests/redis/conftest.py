"""Fixtures for Redis tests: the server's URL and a key prefix no other test uses, emptied afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.redis import service


@pytest.fixture
def redis_url() -> str:
    return service.server_url()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = service.new_prefix()
    try:
        yield prefix
    finally:
        service.remove_prefix(prefix)
