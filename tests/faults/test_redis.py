"""Redis killed under load, then started again empty, under two ``liveroom serve`` nodes with members on both.

Invariants: every call is answered, and with success (a node serves without Redis); nothing acknowledged is lost;
the members stay in their room all along (nobody is told anyone left) and, once Redis is back, both nodes count
all of them again and they can speak; each node logs that it lost Redis and that it restored its members.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from liveroom.client import RealtimeClient
from liveroom.client.realtime import MemberLeft, RoomEvent, TextMessage
from tests.faults.workload import Ledger, eventually, write_until
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient
from tests.redis.throwaway import ThrowawayRedis
from tests.test_server_process import Server, StartServer, client_for

ROOM = "party"
USERS = ("alice", "bob", "carol", "dave")
TTL = "3"  # seconds: refreshed every second


@pytest.fixture
async def nodes(
    app_db: str, start_server: StartServer, throwaway_redis: ThrowawayRedis
) -> AsyncIterator[tuple[list[Server], list[LiveClient]]]:
    servers = [start_server(app_db, "--redis", throwaway_redis.url, "--presence-ttl", TTL) for _ in range(2)]
    https = [client_for(server) for server in servers]
    try:
        yield servers, [LiveClient(http) for http in https]
    finally:
        for http in https:
            await http.aclose()


async def counts(clients: list[LiveClient]) -> list[int]:
    answers = [await live.ok("get_room_info", {"RoomId": ROOM}) for live in clients]
    return [answer["Response"]["RoomInfo"]["MemberCount"] for answer in answers]


async def test_redis_killed_and_restarted_empty_under_load(
    nodes: tuple[list[Server], list[LiveClient]], throwaway_redis: ThrowawayRedis
) -> None:
    servers, clients = nodes
    await clients[0].import_accounts("host", *USERS)
    await clients[0].create_room(ROOM, Owner_Account="host")
    events: list[RoomEvent] = []
    async with contextlib.AsyncExitStack() as stack:
        members = []
        for i, user in enumerate(USERS):  # two members through each node
            node = servers[i % 2]
            member = RealtimeClient(node.base_url, sdkappid=SDKAPPID, identifier=user, secret_key=SECRET_KEY)
            members.append(await stack.enter_async_context(member))
            await member.enter(ROOM)
        assert await eventually(lambda: _all_counted(clients)) is True

        async def listen(member: RealtimeClient) -> None:
            async for event in member.events():
                events.append(event)

        listeners = [asyncio.create_task(listen(member)) for member in members]
        ledger = Ledger()
        stop = asyncio.Event()
        load = asyncio.create_task(write_until(stop, ledger, clients))
        await asyncio.sleep(1.0)

        throwaway_redis.kill()
        await asyncio.sleep(2.0)  # writes, reads and members speaking meanwhile
        assert await counts(clients) == [2, 2]  # each node counts its own members
        for member in members:
            await member.send_text(ROOM, "while Redis is away")
        throwaway_redis.start()  # empty
        await asyncio.sleep(2.0)
        stop.set()
        await load

        assert await eventually(lambda: _all_counted(clients)) is True
        for member in members:
            await member.send_text(ROOM, "after")
        await ledger.verify(clients[1])
        for task in listeners:
            task.cancel()
    assert set(ledger.codes) == {0}, ledger.codes
    assert len(ledger.answers) > 50
    assert not [event for event in events if isinstance(event, MemberLeft)]
    assert sum(isinstance(event, TextMessage) and event.text_content == "after" for event in events) == 16
    for server in servers:
        stderr = server.stderr
        assert "presence: Redis unreachable" in stderr
        assert "presence: Redis reachable again" in stderr or "restored the 2 members" in stderr, stderr
        assert "Traceback" not in stderr, stderr


async def _all_counted(clients: list[LiveClient]) -> bool:
    return await counts(clients) == [len(USERS), len(USERS)]
