"""Two ``liveroom serve`` processes on one PostgreSQL schema, as nodes behind a load balancer.

Each node is its own process with its own connection pool; they share the database, and Redis (without it the
second would be refused: tests/postgres/test_serve_lock.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.helpers import ADMIN, IM, LiveClient
from tests.test_server_process import (
    REQUEST_TIMEOUT,
    StartServer,
    app_db,
    client_for,
    redis_args,
    redis_prefix,
    redis_url,
    room_info,
    start_server,
)

__all__ = ["app_db", "redis_prefix", "redis_url", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow


async def _spread(clients: list[LiveClient], room_id: str, owners: list[str | None]) -> list[dict[str, Any]]:
    """create_room of one RoomId, once per owner, all at once, alternating between the nodes."""

    async def create(i: int, owner: str | None) -> dict[str, Any]:
        info: dict[str, Any] = {"RoomId": room_id, "RoomType": "Live"}
        if owner is not None:
            info["Owner_Account"] = owner
        return await clients[i % len(clients)].call("create_room", {"RoomInfo": info})

    return await asyncio.wait_for(asyncio.gather(*(create(i, o) for i, o in enumerate(owners))), REQUEST_TIMEOUT)


async def test_two_nodes_on_one_schema_let_one_of_50_creators_win(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    redis = redis_args(redis_url, redis_prefix)
    nodes = [start_server(app_db, *redis), start_server(app_db, *redis)]
    https = [client_for(node, keepalive=False) for node in nodes]
    clients = [LiveClient(http) for http in https]
    try:
        users: list[str | None] = [f"user{i}" for i in range(50)]
        await clients[0].ok("multiaccount_import", {"Accounts": users}, service=IM)
        for attempt in range(3):
            same_owner = await _spread(clients, f"same-{attempt}", [None] * 25 + [ADMIN] * 25)
            assert Counter(a["ErrorCode"] for a in same_owner) == {0: 1, 100010: 49}

            owners = await _spread(clients, f"owners-{attempt}", users)
            assert Counter(a["ErrorCode"] for a in owners) == {0: 1, 100003: 49}
            winner = users[[a["ErrorCode"] for a in owners].index(0)]
            # Read-your-writes on either node: both answer the one winner.
            for client in clients:
                assert (await room_info(client, f"owners-{attempt}"))["Owner_Account"] == winner
    finally:
        for http in https:
            await http.aclose()


async def test_a_room_made_on_one_node_is_changed_and_destroyed_on_the_other(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    a, b = (LiveClient(client_for(start_server(app_db, *redis_args(redis_url, redis_prefix)))) for _ in range(2))
    try:
        await a.create_room("shared")
        await b.ok("update_room_info", {"RoomInfo": {"RoomId": "shared", "Notice": "from b"}})
        await a.ok("set_room_metadata", {"RoomId": "shared", "Metadata": [{"Key": "k", "Value": "v"}]})
        assert (await room_info(a, "shared"))["Notice"] == "from b"
        metadata = await b.ok("get_room_metadata", {"RoomId": "shared", "Keys": []})
        assert metadata["Response"]["Metadata"] == [{"Key": "k", "Value": "v"}]
        await b.ok("destroy_room", {"RoomId": "shared"})
        await a.fails(100004, "get_room_info", {"RoomId": "shared"})
    finally:
        await a.http.aclose()
        await b.http.aclose()


async def test_a_read_on_one_node_right_after_a_write_answered_on_the_other_is_never_stale(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    """Each node keeps the rooms it reads; a change answered by the other node must show in the very next read."""
    redis = redis_args(redis_url, redis_prefix)
    nodes = [start_server(app_db, *redis), start_server(app_db, *redis)]
    https = [client_for(node) for node in nodes]
    a, b = (LiveClient(http) for http in https)
    busy = [LiveClient(client_for(node)) for node in nodes for _ in range(3)]
    stop = asyncio.Event()

    async def keep_reading(live: LiveClient) -> None:
        # Reads of the room on both nodes all along, so that it is kept and reads are answered together.
        while not stop.is_set():
            await room_info(live, "hot")

    try:
        await a.create_room("hot")
        readers = [asyncio.create_task(keep_reading(live)) for live in busy]
        for i in range(150):
            writer, reader = (a, b) if i % 2 else (b, a)
            await writer.ok("update_room_info", {"RoomInfo": {"RoomId": "hot", "Notice": f"change {i}"}})
            assert (await room_info(reader, "hot"))["Notice"] == f"change {i}", i
        stop.set()
        await asyncio.wait_for(asyncio.gather(*readers), REQUEST_TIMEOUT)
        for i in range(10):
            await a.ok("destroy_room", {"RoomId": "hot"})
            await b.fails(100004, "get_room_info", {"RoomId": "hot"})
            await a.create_room("hot", RoomName=f"again {i}")
            assert (await room_info(b, "hot"))["RoomName"] == f"again {i}"
    finally:
        stop.set()
        for live in (a, b, *busy):
            await live.http.aclose()
