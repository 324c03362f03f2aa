"""PostgreSQL backends terminated under load (as a server restart, a failover or an administrator does), under two
``liveroom serve`` nodes.

Invariants: nothing acknowledged is lost; no failure changed anything (but the one documented to be unknowable, a
connection lost while its COMMIT was on the way); a request that had committed nothing is run again, so nearly all
succeed; no traceback, and the broken connections are replaced (the nodes serve normally afterwards).
"""

from __future__ import annotations

import asyncio

from tests import pg
from tests.faults.workload import Ledger, write_until
from tests.helpers import LiveClient
from tests.redis.conftest import redis_prefix, redis_url
from tests.test_server_process import StartServer, client_for, redis_args

__all__ = ["redis_prefix", "redis_url"]  # fixtures, imported to be found by pytest

TERMINATE_EVERY = 0.3


async def test_postgresql_backends_terminated_under_load(
    app_db: str, start_server: StartServer, application_name: str, redis_url: str, redis_prefix: str
) -> None:
    redis = redis_args(redis_url, redis_prefix)
    servers = [start_server(app_db, *redis), start_server(app_db, *redis)]
    https = [client_for(server) for server in servers]
    clients = [LiveClient(http) for http in https]
    ledger = Ledger()
    stop = asyncio.Event()
    terminated = 0
    try:
        loads = [asyncio.create_task(write_until(stop, ledger, clients, pause=0)) for _ in range(4)]
        for _ in range(int(6 / TERMINATE_EVERY)):
            await asyncio.sleep(TERMINATE_EVERY)
            terminated += await asyncio.to_thread(pg.terminate_backends, application_name)
        stop.set()
        await asyncio.gather(*loads)
        await ledger.verify(clients[0])
        # Served normally afterwards, on new connections.
        for live in clients:
            await live.ok("get_room_list", {})
    finally:
        for http in https:
            await http.aclose()
    assert terminated >= 20
    answered = sum(ledger.codes.values())
    assert ledger.codes[0] >= 0.95 * answered, ledger.codes
    assert set(ledger.codes) <= {0, 100001}, ledger.codes
    for server in servers:
        stderr = server.stderr
        assert "Traceback" not in stderr and "InternalClientError:" not in stderr, stderr
