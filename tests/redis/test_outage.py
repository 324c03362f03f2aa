"""Two nodes (two apps in this process) on a Redis of the test's own that goes away, and comes back empty.

While Redis is unreachable a node serves its own members: requests answer as they would with every member on that
node (MemberCount counts its members, a member in a room may speak); a change that was committed answers success.
When Redis is back, each node writes its members' presence into it again, and says so in its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import redis.asyncio

from liveroom.api.app import LiveroomApp, create_app
from liveroom.cluster import RedisPresence
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.domain.presence import Admission
from liveroom.settings import Settings
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, LiveClient
from tests.realtime.wsclient import WSClient
from tests.redis.throwaway import Cuttable, ThrowawayRedis, throwaway_redis

__all__ = ["throwaway_redis"]  # a fixture, imported to be found by pytest

ROOM = "party"
PRESENCE_TTL = 0.6
# A guard against a hung test, not a timing assertion.
WAIT = 10.0

Nodes = tuple[LiveroomApp, LiveroomApp]


@pytest.fixture
async def nodes(database_url: str, throwaway_redis: ThrowawayRedis) -> AsyncIterator[Nodes]:
    settings = Settings(
        database_url=database_url,
        access_log=False,
        redis_url=throwaway_redis.url,
        presence_ttl_seconds=PRESENCE_TTL,
    )
    a, b = create_app(settings), create_app(settings)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(a.lifespan(a.web))
        manager = AppManager(a.store)
        await manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN])
        await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
        await stack.enter_async_context(b.lifespan(b.web))
        yield a, b


@pytest.fixture
async def clients(nodes: Nodes) -> AsyncIterator[tuple[LiveClient, LiveClient]]:
    async with contextlib.AsyncExitStack() as stack:
        https = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=node), base_url="http://liveroom.test")
            )
            for node in nodes
        ]
        yield LiveClient(https[0]), LiveClient(https[1])


@pytest.fixture
async def room(clients: tuple[LiveClient, LiveClient]) -> str:
    await clients[0].import_accounts("host", "alice", "bob", "carol")
    await clients[0].create_room(ROOM, Owner_Account="host")
    return ROOM


async def joined(stack: contextlib.AsyncExitStack, node: LiveroomApp, user: str, room: str = ROOM) -> WSClient:
    client = await stack.enter_async_context(WSClient(node))
    await client.login(user)
    await client.enter(room)
    return client


async def member_count(live: LiveClient, room: str = ROOM) -> int:
    answer = await live.ok("get_room_info", {"RoomId": room})
    return int(answer["Response"]["RoomInfo"]["MemberCount"])


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(int(WAIT / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never")


async def test_while_redis_is_down_a_node_serves_its_own_members_and_rebuilds_presence_after(
    nodes: Nodes,
    clients: tuple[LiveClient, LiveClient],
    room: str,
    throwaway_redis: ThrowawayRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, _ = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        bob = await joined(stack, a, "bob")
        await alice.event("member_entered")
        assert [await member_count(live) for live in clients] == [2, 2]
        with caplog.at_level(logging.INFO, logger="liveroom"):
            throwaway_redis.kill()
            # Every member is on node a: it answers as one node would.
            assert await member_count(clients[0]) == 2
            assert (await alice.request("send_text", RoomId=room, TextContent="hi"))["type"] == "ok"
            assert (await bob.until_event("text_message"))["data"]["TextContent"] == "hi"
            carol = await joined(stack, a, "carol")
            assert (await bob.until_event("member_entered"))["data"] == {
                "Member_Account": "carol",
                "MemberCount": 3,
                "ViewCount": 3,
            }
            assert await member_count(clients[0]) == 3
            assert (await carol.request("leave", RoomId=room))["type"] == "left"
            assert (await bob.until_event("member_left"))["data"]["MemberCount"] == 2
            # Node b has none of them: it counts none, and answers.
            assert await member_count(clients[1]) == 0
            assert any("Redis" in record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING)

            throwaway_redis.start()  # empty
            # Both nodes see node a's members again once it has written them back.
            await eventually(lambda: _counts_are(clients, 2))
            assert (await bob.request("send_text", RoomId=room, TextContent="back"))["type"] == "ok"
            assert (await alice.until_event("text_message"))["data"]["TextContent"] == "back"
        messages = [record.getMessage() for record in caplog.records]
        assert any("presence" in message and "again" in message for message in messages), messages


async def _counts_are(clients: tuple[LiveClient, LiveClient], expected: int) -> bool:
    return [await member_count(live) for live in clients] == [expected, expected]


async def _subscribed_again(url: str, nodes: int) -> bool:
    """Whether every channel the nodes listen on has ``nodes`` subscribers on the Redis at ``url``."""
    client = redis.asyncio.from_url(url)
    try:
        channels = await client.pubsub_channels()
        counts = await client.pubsub_numsub(*channels) if channels else []
    finally:
        await client.aclose()
    return bool(counts) and all(count == nodes for _, count in counts)


async def test_after_redis_restarts_empty_every_node_s_members_are_restored(
    nodes: Nodes,
    clients: tuple[LiveClient, LiveClient],
    room: str,
    throwaway_redis: ThrowawayRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        bob = await joined(stack, b, "bob")
        await alice.event("member_entered")
        with caplog.at_level(logging.WARNING, logger="liveroom"):
            throwaway_redis.restart_empty()  # between two requests: no node saw it down
            # Pub/sub is at most once: a message published before bob's node has subscribed again to the new Redis
            # would not reach him (README), so alice speaks once both nodes have.
            await eventually(lambda: _subscribed_again(throwaway_redis.url, 2))
            # The first request that reaches the empty Redis has its node write its members back first.
            assert (await alice.request("send_text", RoomId=room, TextContent="still here"))["type"] == "ok"
            assert (await bob.until_event("text_message"))["data"]["TextContent"] == "still here"
            await eventually(lambda: _counts_are(clients, 2))
            reply = await alice.request("enter", RoomId=room)
            assert reply["reason"] == "already_in_room"  # and presence agrees: she never left
        messages = [record.getMessage() for record in caplog.records]
        assert any("restored" in message for message in messages), messages
        # Nobody was told anyone left.
        assert await alice.sync() == []
        assert [frame["type"] for frame in await bob.sync()] == []


async def test_a_room_destroyed_while_redis_is_down_answers_success_and_is_gone(
    nodes: Nodes, clients: tuple[LiveClient, LiveClient], room: str, throwaway_redis: ThrowawayRedis
) -> None:
    a, _ = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        throwaway_redis.kill()
        answer = await clients[0].ok("destroy_room", {"RoomId": room})
        assert "Statistic" in answer["Response"]
        assert (await alice.until_event("room_dismissed"))["RoomId"] == room
        await clients[0].fails(100004, "get_room_info", {"RoomId": room})
        # The room can be created again at once, and entered, before Redis is back.
        await clients[0].create_room(room, Owner_Account="host")
        assert (await alice.request("enter", RoomId=room))["type"] == "entered"
        throwaway_redis.start()
        await eventually(lambda: _counts_are(clients, 1))


async def test_a_node_cut_off_briefly_writes_what_changed_meanwhile_when_back(
    throwaway_redis: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """Only one node is cut off, for less than the TTL: Redis keeps its data, and the node's journal is written."""
    proxy = Cuttable(throwaway_redis.port)
    await proxy.mend()
    clients = [redis.asyncio.Redis.from_url(url, socket_timeout=1) for url in (proxy.url, throwaway_redis.url)]
    a, b = (RedisPresence(client, "outage", ttl_seconds=3.0) for client in clients)
    try:
        for user in ("alice", "bob"):
            await a.enter(SDKAPPID, ROOM, user, capacity=10)
        await b.enter(SDKAPPID, ROOM, "carol", capacity=10)
        await a.enter(SDKAPPID, "other", "erin", capacity=10)
        a.start()
        with caplog.at_level(logging.WARNING, logger="liveroom.cluster"):
            await proxy.cut()
            assert await a.member_count(SDKAPPID, ROOM) == 2  # its own: alice and bob
            assert await a.leave(SDKAPPID, ROOM, "bob") == 1
            assert await a.enter(SDKAPPID, ROOM, "dave", capacity=10) == Admission(True, False, 2)
            assert await a.remove(SDKAPPID, ROOM, "alice") == 1  # a ban
            assert await a.clear_room(SDKAPPID, "other") == {"erin"}
            # The other node still sees the room as it was (events do not cross meanwhile).
            assert await b.members(SDKAPPID, ROOM) == {"alice", "bob", "carol"}
            await proxy.mend()
            await eventually(lambda: _is(b.members(SDKAPPID, ROOM), {"carol", "dave"}))
        assert await a.members(SDKAPPID, ROOM) == {"carol", "dave"}
        assert await b.member_count(SDKAPPID, "other") == 0
        assert a.complete
        messages = [record.getMessage() for record in caplog.records]
        assert [m.split(";")[0] for m in messages] == [
            "presence: Redis unreachable (ConnectionError)",
            "presence: Redis reachable again",
        ], messages
    finally:
        await a.close()
        await proxy.cut()
        for client in clients:
            await client.aclose()


async def _is(answer: Awaitable[object], expected: object) -> bool:
    return await answer == expected
