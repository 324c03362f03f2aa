"""Member counts a node keeps: answered without Redis while nothing changed, never after a change it was told of.

Each node is a ``Cluster`` with its presence and its subscription, as ``liveroom serve --redis`` builds it. How often a
node asks Redis is counted at its presence store (``Reads``); what a node answers is checked against what Redis holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
import redis.asyncio

from liveroom.cluster import Cluster, RedisPresence
from tests.helpers import SDKAPPID, Clock

TTL = 30.0
ROOM = "stage"
# A guard against a hung test, not a timing assertion.
WAIT = 10.0


class Reads:
    """Counts the count reads a presence sends to Redis; ``before_answer`` runs between Redis's answer and the
    presence seeing it."""

    def __init__(self, presence: RedisPresence) -> None:
        store: Any = presence._store
        self._read: Callable[[Sequence[str], int], Awaitable[list[tuple[int, int]]]] = store.counts
        self.rooms = 0
        self.before_answer: Callable[[], Awaitable[None]] | None = None
        store.counts = self._counts

    async def _counts(self, keys: Sequence[str], now: int) -> list[tuple[int, int]]:
        self.rooms += len(keys)
        answers = await self._read(keys, now)
        hook, self.before_answer = self.before_answer, None
        if hook is not None:
            await hook()
        return answers


class Node:
    def __init__(self, redis_url: str, prefix: str) -> None:
        self.cluster = Cluster(redis_url, prefix)
        self.presence = self.cluster.presence(TTL)
        self.reads = Reads(self.presence)
        self.announced = 0
        self._heard = asyncio.Event()
        self.cluster._handlers[self.presence.changes_channel] = self._changed

    async def _changed(self, room_key: bytes) -> None:
        await self.presence.changed(room_key)
        self.announced += 1
        self._heard.set()

    async def hears(self, announcements: int) -> None:
        """Wait until this node has heard that many announced changes in all."""
        while self.announced < announcements:
            self._heard.clear()
            await asyncio.wait_for(self._heard.wait(), WAIT)

    async def count(self) -> int:
        return await self.presence.member_count(SDKAPPID, ROOM)


async def eventually_counts(node: Node, expected: int) -> None:
    deadline = time.monotonic() + WAIT
    while (count := await node.count()) != expected:
        assert time.monotonic() < deadline, f"counted {count}, expected {expected}"
        await asyncio.sleep(0.005)


@pytest.fixture
async def nodes(redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[Node, Node]]:
    a, b = Node(redis_url, redis_prefix), Node(redis_url, redis_prefix)
    try:
        for node in (a, b):
            await node.cluster.start()
            # A node's first call to Redis learns the presence epoch (and reads again): done before counting reads.
            await node.presence.member_count(SDKAPPID, "warm-up")
            node.reads.rooms = 0
        yield a, b
    finally:
        await a.cluster.close()
        await b.cluster.close()


async def test_a_count_read_once_is_answered_again_without_redis(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    await b.presence.enter(SDKAPPID, ROOM, "ann", capacity=10)
    await a.hears(1)
    assert [await a.count() for _ in range(20)] == [1] * 20
    assert a.reads.rooms == 1
    assert await a.presence.member_count(SDKAPPID, "elsewhere") == 0
    assert await a.presence.member_count(SDKAPPID, "elsewhere") == 0
    assert a.reads.rooms == 2
    # A count to decide on (auto-dismissal) is read where presence is held, every time.
    assert await a.presence.member_count(SDKAPPID, ROOM, fresh=True) == 1
    assert await a.presence.member_count(SDKAPPID, ROOM, fresh=True) == 1
    assert a.reads.rooms == 4


async def test_a_change_on_another_node_reaches_the_kept_count(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    assert await a.count() == 0
    for n, user in enumerate(["ann", "bob", "cat"], start=1):
        await b.presence.enter(SDKAPPID, ROOM, user, capacity=10)
        await eventually_counts(a, n)
    await b.presence.leave(SDKAPPID, ROOM, "bob")
    await eventually_counts(a, 2)
    await b.presence.remove(SDKAPPID, ROOM, "ann")
    await eventually_counts(a, 1)
    await b.presence.clear_room(SDKAPPID, ROOM)
    await eventually_counts(a, 0)
    # Kept again once the last change was heard.
    await a.hears(6)
    assert await a.count() == 0
    reads = a.reads.rooms
    assert await a.count() == 0
    assert a.reads.rooms == reads


async def test_a_node_s_own_change_shows_in_its_next_count_at_once(nodes: tuple[Node, Node]) -> None:
    a, _ = nodes
    assert await a.count() == 0
    await a.presence.enter(SDKAPPID, ROOM, "ann", capacity=10)
    assert await a.count() == 1
    await a.presence.enter(SDKAPPID, ROOM, "bob", capacity=10)
    assert await a.count() == 2
    await a.presence.leave(SDKAPPID, ROOM, "ann")
    assert await a.count() == 1


async def test_a_count_read_while_its_room_changed_is_not_kept(nodes: tuple[Node, Node]) -> None:
    """Redis answered 0; before this node sees the answer, another node admits a member and the change is
    announced: the 0 is answered (it was true when read) but not kept."""
    a, b = nodes

    async def meanwhile() -> None:
        await b.presence.enter(SDKAPPID, ROOM, "ann", capacity=10)
        await a.hears(1)

    a.reads.before_answer = meanwhile
    assert await a.count() == 0
    assert await a.count() == 1
    assert a.reads.rooms == 2


async def test_nothing_is_kept_while_the_subscription_is_being_made_again(
    nodes: tuple[Node, Node], redis_url: str
) -> None:
    a, b = nodes
    assert await a.count() == 0
    pubsub = a.cluster._pubsub
    assert pubsub is not None and pubsub.connection is not None
    host, port = pubsub.connection._writer.get_extra_info("sockname")[:2]  # type: ignore[union-attr]
    admin = redis.asyncio.Redis.from_url(redis_url)
    try:
        # Cut this node's subscription (Redis names a client by its address).
        assert await admin.client_kill_filter(_type="pubsub", addr=f"{host}:{port}") == 1
        # Once the node noticed (the connection's end is read like any message), it keeps nothing, and a change
        # it cannot hear of shows in its next count.
        deadline = time.monotonic() + WAIT
        while a.presence.keeps_counts:
            assert time.monotonic() < deadline, "the lost subscription was not noticed"
            await asyncio.sleep(0.001)
        await b.presence.enter(SDKAPPID, ROOM, "ann", capacity=10)
        assert await a.count() == 1
    finally:
        await admin.aclose()
    # Subscribed again: counts are kept again.
    deadline = time.monotonic() + WAIT
    while True:
        reads = a.reads.rooms
        assert await a.count() == 1
        if a.reads.rooms == reads:
            break
        assert time.monotonic() < deadline, "counts not kept again after the subscription came back"
        await asyncio.sleep(0.01)
    await b.presence.enter(SDKAPPID, ROOM, "bob", capacity=10)
    await eventually_counts(a, 2)


async def test_a_kept_count_ends_when_its_earliest_entry_expires(redis_url: str, redis_prefix: str) -> None:
    """A node that dies stops refreshing its entries: they stop counting when their time is up, announced or not."""
    clock = Clock()
    clients = [redis.asyncio.Redis.from_url(redis_url) for _ in range(2)]
    try:
        reader, dying = (RedisPresence(client, redis_prefix, TTL, clock) for client in clients)
        reader.listening(True)
        reads = Reads(reader)
        await dying.enter(SDKAPPID, ROOM, "ann", capacity=10)
        clock.advance(TTL / 2)
        await reader.enter(SDKAPPID, ROOM, "bob", capacity=10)
        assert await reader.member_count(SDKAPPID, ROOM) == 2
        assert await reader.member_count(SDKAPPID, ROOM) == 2
        assert reads.rooms == 1
        clock.advance(TTL / 2 + 0.001)  # ann's entry is past its time; bob's is not
        assert await reader.member_count(SDKAPPID, ROOM) == 1
        assert reads.rooms == 2
        assert await reader.member_count(SDKAPPID, ROOM) == 1
        assert reads.rooms == 2
    finally:
        for client in clients:
            await client.aclose()


async def test_a_join_storm_waits_for_connections_instead_of_finding_redis_unreachable(
    redis_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """More members entering at once than the node has connections to Redis: each waits for one."""
    node = Node(redis_url, redis_prefix)
    await node.cluster.start()
    try:
        users = [f"user-{i}" for i in range(300)]
        with caplog.at_level(logging.WARNING, logger="liveroom.cluster"):
            admissions = await asyncio.gather(
                *(node.presence.enter(SDKAPPID, ROOM, user, capacity=1000) for user in users)
            )
        assert all(admission.admitted for admission in admissions)
        assert [r.getMessage() for r in caplog.records if r.name == "liveroom.cluster"] == []
        assert node.presence.complete
        assert await node.presence.member_count(SDKAPPID, ROOM, fresh=True) == 300
    finally:
        await node.cluster.close()
