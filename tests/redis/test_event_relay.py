"""Room events between nodes: every kind crosses Redis intact, and what a node cannot read is skipped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import msgspec
import pytest
import redis.asyncio

from liveroom.cluster import Cluster
from liveroom.domain.events import AnyRoomEvent, EventBus, Liked
from tests.event_examples import APP, EXAMPLES, ROOM

# A guard against a hung test, not a timing assertion.
WAIT = 10.0


class Node:
    def __init__(self, redis_url: str, prefix: str) -> None:
        self.cluster = Cluster(redis_url, prefix)
        self.bus = EventBus()
        self.relay = self.cluster.relay(self.bus)
        self.received: asyncio.Queue[AnyRoomEvent] = asyncio.Queue()
        self.bus.subscribe(self.received.put)

    async def take(self, count: int) -> list[AnyRoomEvent]:
        return [await asyncio.wait_for(self.received.get(), WAIT) for _ in range(count)]


@pytest.fixture
async def nodes(redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[Node, Node]]:
    a, b = Node(redis_url, redis_prefix), Node(redis_url, redis_prefix)
    try:
        await a.cluster.start()
        await b.cluster.start()
        yield a, b
    finally:
        await a.cluster.close()
        await b.cluster.close()


async def test_every_kind_reaches_the_other_node_as_it_was_published(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    events = [event for event, _ in EXAMPLES]
    for event in events:
        await a.bus.publish(event)
    assert await b.take(len(events)) == events
    # The publishing node delivered each one itself, and skipped it when it came back from Redis.
    assert await a.take(len(events)) == events
    await b.bus.publish(events[0])
    assert await a.take(1) == [events[0]]
    assert a.received.empty()


async def test_an_event_this_node_cannot_read_is_skipped_and_told_once(
    nodes: tuple[Node, Node], caplog: pytest.LogCaptureFixture
) -> None:
    a, b = nodes
    later = {"kind": "later_kind", "sdkappid": APP, "room_id": ROOM, "operator": "bob", "count": 1}
    liked = Liked(sdkappid=APP, room_id=ROOM, operator="bob", sender_account="bob", count=1, total_likes_received=1)
    # A newer node's message: an event of a kind this node does not know, between two it does.
    newer = msgspec.msgpack.encode(
        ["newer-node", [msgspec.Raw(msgspec.msgpack.encode(e)) for e in (liked, later, liked)]]
    )
    with caplog.at_level(logging.WARNING, logger="liveroom.cluster"):
        for message in (newer, newer, b"\xc1 not msgpack"):
            await a.cluster.redis.publish(a.relay.channel, message)
        assert await a.take(4) == [liked] * 4
        assert await b.take(4) == [liked] * 4
        await a.bus.publish(liked)
        assert await b.take(1) == [liked]
    warnings = [r.getMessage() for r in caplog.records if r.name == "liveroom.cluster"]
    assert len(warnings) == 2  # one on each node
    assert all("cannot read" in text and "later_kind" in text for text in warnings)
    assert await a.take(1) == [liked]
    assert a.received.empty() and b.received.empty()


async def test_the_events_of_one_loop_turn_cross_redis_as_one_message_in_order(
    nodes: tuple[Node, Node], redis_url: str
) -> None:
    a, b = nodes
    listener = redis.asyncio.Redis.from_url(redis_url)
    messages = listener.pubsub()
    try:
        await messages.subscribe(a.relay.channel)
        assert (await messages.get_message(timeout=WAIT))["type"] == "subscribe"  # type: ignore[index]
        events = [
            Liked(sdkappid=APP, room_id=ROOM, operator="bob", sender_account="bob", count=1, total_likes_received=n)
            for n in range(1, 601)
        ]
        await asyncio.gather(*(a.bus.publish(event) for event in events))
        assert await b.take(len(events)) == events
        carried = []
        while sum(carried) < len(events):
            message = await messages.get_message(timeout=WAIT)
            assert message is not None
            if message["type"] == "message":
                carried.append(len(msgspec.msgpack.decode(message["data"])[1]))
        # 600 events published together: three messages (at most 256 events each), not 600.
        assert carried == [256, 256, 88]
        # One more on its own: a message of its own.
        await a.bus.publish(events[0])
        assert await b.take(1) == [events[0]]
    finally:
        await messages.aclose()
        await listener.aclose()
