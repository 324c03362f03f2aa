"""A barrage across two ``liveroom serve`` nodes sharing Redis: each message crosses Redis once, whatever the number of
members, and every member on either node gets every message in order (each node batching its own members)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
import redis.asyncio as redis

from liveroom.client import RealtimeClient
from liveroom.client.realtime import TextMessage
from liveroom.store import migrate
from tests import pg
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient
from tests.test_server_process import StartServer, app_db, client_for, start_server

__all__ = ["app_db", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

ROOM = "barrage"
MESSAGES = 30
# Guards against a hung test, not timing assertions.
WAIT = 20.0
BATCHED = {"LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS": "0.5", "LIVEROOM_REALTIME_BATCH_THRESHOLD": "3"}


@pytest.fixture
def database_url() -> Iterator[str]:
    with pg.fresh_schema() as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
async def two_nodes(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[LiveClient, LiveClient]]:
    servers = [
        start_server(app_db, "--redis", redis_url, "--redis-prefix", redis_prefix, env=BATCHED) for _ in range(2)
    ]
    https = [client_for(server) for server in servers]
    try:
        yield LiveClient(https[0]), LiveClient(https[1])
    finally:
        for http in https:
            await http.aclose()


async def texts(member: RealtimeClient, count: int) -> list[str]:
    async def read() -> list[str]:
        seen: list[str] = []
        async for event in member.events():
            if isinstance(event, TextMessage):
                seen.append(event.text_content)
                if len(seen) == count:
                    return seen
        raise AssertionError("the connection ended")

    return await asyncio.wait_for(read(), WAIT)


async def test_a_message_crosses_redis_once_and_reaches_the_members_of_both_nodes_in_order(
    two_nodes: tuple[LiveClient, LiveClient], redis_url: str, redis_prefix: str
) -> None:
    a, b = two_nodes
    users = [f"fan{i}" for i in range(6)]
    await a.import_accounts("carol", *users)
    await a.create_room(ROOM)
    # What the nodes publish to each other, read by a subscriber of their channel.
    listener = redis.Redis.from_url(redis_url)
    pubsub = listener.pubsub()
    await pubsub.subscribe(f"{redis_prefix}:events")
    confirmation = await pubsub.get_message(timeout=WAIT)
    assert confirmation is not None and confirmation["type"] == "subscribe"
    members = [
        RealtimeClient(str(node.http.base_url).rstrip("/"), sdkappid=SDKAPPID, identifier=user, secret_key=SECRET_KEY)
        for node, user in zip([a, b] * 3, users, strict=True)
    ]
    try:
        for member in members:
            await member.connect()
            await member.enter(ROOM)
        for i in range(MESSAGES - 1):
            await a.ok("send_text_msg", {"RoomId": ROOM, "Sender_Account": "carol", "TextContent": f"m{i}"})
        # The last from a member on node b, answered once its own copy reached it.
        await members[1].send_text(ROOM, f"m{MESSAGES - 1}")
        expected = [f"m{i}" for i in range(MESSAGES)]
        for member in members:
            assert await texts(member, MESSAGES) == expected
        published: list[str] = []
        while len(published) < MESSAGES:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=WAIT)
            assert message is not None, published
            _node, events = msgspec.msgpack.decode(message["data"])
            published += [event["text_content"] for event in events if event["kind"] == "text_message"]
        assert published == expected
        # Nothing more: each message crossed Redis once, not once per member (six here, three on each node).
        await asyncio.sleep(0.5)
        while (message := await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)) is not None:
            assert all(event["kind"] != "text_message" for event in msgspec.msgpack.decode(message["data"])[1])
    finally:
        for member in members:
            await member.close()
        await pubsub.aclose()
        await listener.aclose()
