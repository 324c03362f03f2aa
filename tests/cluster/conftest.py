"""Three real ``liveroom serve`` nodes sharing one fresh PostgreSQL schema and one Redis prefix of the test's own.

The fixtures are the ones of tests/test_server_process.py (the processes, the app made by the CLI) and of
tests/redis (the schema, the Redis URL and prefix); this adds only the cluster of three made from them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from liveroom.client import AsyncClient, RealtimeClient
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient, tencent_sig
from tests.redis.conftest import redis_prefix, redis_url
from tests.redis.test_nodes import database_url
from tests.test_server_process import Server, StartServer, app_db, client_for, start_server

__all__ = ["app_db", "database_url", "redis_prefix", "redis_url", "start_server"]  # fixtures reused as they are

# Seconds; short, so that the members of a killed node are gone within a few seconds (docs/deploy.md).
PRESENCE_TTL = 3


@dataclass
class Node:
    name: str
    server: Server
    live: LiveClient
    """An app admin calling this node's REST API with a UserSig from Tencent's generator."""
    sdk: AsyncClient
    """The same admin through the SDK (no retries: a rate-limited answer is an answer)."""

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def member(self, user: str) -> RealtimeClient:
        """An end user on this node's realtime gateway (``async with`` connects and authenticates)."""
        return RealtimeClient(self.base_url, sdkappid=SDKAPPID, identifier=user, usersig=tencent_sig(user))

    def kill(self) -> None:
        self.server.kill()


Nodes = tuple[Node, Node, Node]
StartCluster = Callable[[], Nodes]


@pytest.fixture
async def http_clients() -> AsyncIterator[list[httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []
    yield clients
    for http in clients:
        await http.aclose()


def boot(start_server: StartServer, database_url: str, redis_url: str, redis_prefix: str) -> list[Server]:
    redis = ("--redis", redis_url, "--redis-prefix", redis_prefix)
    return [start_server(database_url, *redis, "--presence-ttl", str(PRESENCE_TTL), wait=False) for _ in range(3)]


def ready(servers: list[Server], http_clients: list[httpx.AsyncClient]) -> Nodes:
    nodes = []
    for name, server in zip("ABC", servers, strict=True):
        server.wait_healthy()
        http = client_for(server)
        http_clients.append(http)
        sdk = AsyncClient(server.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=http, retry=0)
        nodes.append(Node(name, server, LiveClient(http), sdk))
    return nodes[0], nodes[1], nodes[2]


# ``start_server`` comes after ``redis_prefix`` in both fixtures below, so the nodes are killed before their keys
# are removed.


@pytest.fixture
def booting(database_url: str, redis_url: str, redis_prefix: str, start_server: StartServer) -> list[Server]:
    """The three processes, started before ``app_db`` makes the app so that both go on at once (they pick the
    app up as it is created, as test_apps_changed_by_the_cli_take_effect_at_once shows)."""
    return boot(start_server, database_url, redis_url, redis_prefix)


@pytest.fixture
def nodes(booting: list[Server], app_db: str, http_clients: list[httpx.AsyncClient]) -> Nodes:
    """Nodes A, B and C, up, with the test app (rate limits off)."""
    return ready(booting, http_clients)


@pytest.fixture
def start_cluster(
    app_db: str,
    redis_url: str,
    redis_prefix: str,
    start_server: StartServer,
    http_clients: list[httpx.AsyncClient],
) -> StartCluster:
    """``start_cluster()``: nodes A, B and C started only now, for a test that changes the app before any node
    has read it."""
    return lambda: ready(boot(start_server, app_db, redis_url, redis_prefix), http_clients)
