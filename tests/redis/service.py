"""Redis for tests: the server, a key prefix of its own per test, and removing what the test left there.

The server is ``TEST_REDIS_URL`` when set, else ``redis://127.0.0.1:6379/0``. Without one, tests that need it
skip, and fail when ``CI`` is set (CI must run them), as tests/pg.py does for PostgreSQL.
"""

from __future__ import annotations

import functools
import os
import uuid

import pytest
from redis.exceptions import RedisError

import redis

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DEFAULT_URL = "redis://127.0.0.1:6379/0"


@functools.cache
def _server() -> tuple[str | None, str]:
    """(URL, "") of a reachable server, or (None, why not)."""
    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_URL
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=5) as client:
            client.ping()
    except RedisError as exc:
        return None, f"{url.split('@', 1)[-1]}: {exc}"
    return url, ""


def server_url() -> str:
    """The server's URL; skips the test (fails it in CI) when there is none."""
    url, why = _server()
    if url is None:
        message = f"Redis is not reachable ({why}); set TEST_REDIS_URL or start it on 127.0.0.1:6379"
        if IN_CI:
            pytest.fail(f"CI needs Redis: {message}", pytrace=False)
        pytest.skip(message)
    return url


def new_prefix() -> str:
    return f"liveroom-test-{uuid.uuid4().hex[:16]}"


def keys_under(prefix: str) -> list[bytes]:
    with redis.Redis.from_url(server_url()) as client:
        return list(client.scan_iter(match=f"{prefix}:*", count=1000))


def remove_prefix(prefix: str) -> None:
    with redis.Redis.from_url(server_url()) as client:
        names = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if names:
            client.delete(*names)
