"""Two ``liveroom serve`` processes on one PostgreSQL schema, as nodes behind a load balancer.

Each node is its own process with its own connection pool; only the database is shared between them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.helpers import ADMIN, IM, LiveClient
from tests.test_server_process import REQUEST_TIMEOUT, StartServer, app_db, client_for, room_info, start_server

__all__ = ["app_db", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow


async def _spread(clients: list[LiveClient], room_id: str, owners: list[str | None]) -> list[dict[str, Any]]:
    """create_room of one RoomId, once per owner, all at once, alternating between the nodes."""

    async def create(i: int, owner: str | None) -> dict[str, Any]:
        info: dict[str, Any] = {"RoomId": room_id, "RoomType": "Live"}
        if owner is not None:
            info["Owner_Account"] = owner
        return await clients[i % len(clients)].call("create_room", {"RoomInfo": info})

    return await asyncio.wait_for(asyncio.gather(*(create(i, o) for i, o in enumerate(owners))), REQUEST_TIMEOUT)


async def test_two_nodes_on_one_schema_let_one_of_50_creators_win(app_db: str, start_server: StartServer) -> None:
    nodes = [start_server(app_db), start_server(app_db)]
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
    app_db: str, start_server: StartServer
) -> None:
    a, b = (LiveClient(client_for(start_server(app_db))) for _ in range(2))
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
