"""Presence in Redis as several nodes see it: one RedisPresence per node (its own connection pool), one prefix.

The nodes share a clock the test moves, so "the TTL has passed" needs no sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import msgspec
import pytest
import redis.asyncio

from liveroom.cluster import RedisPresence
from liveroom.domain.presence import Admission, Evicted, Lost
from tests.helpers import SDKAPPID, Clock
from tests.redis import service

TTL = 30.0
ROOM = "party"


def entries_under(prefix: str) -> list[bytes]:
    """The keys presence left under ``prefix``, but its epoch and the counter of entry positions (which stay while
    Redis keeps its data)."""
    kept = {f"{prefix}:presence:epoch".encode(), f"{prefix}:presence:seq".encode()}
    return [key for key in service.keys_under(prefix) if key not in kept]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def nodes(redis_url: str, redis_prefix: str, clock: Clock) -> AsyncIterator[list[RedisPresence]]:
    clients = [redis.asyncio.Redis.from_url(redis_url) for _ in range(3)]
    try:
        yield [RedisPresence(client, redis_prefix, TTL, clock) for client in clients]
    finally:
        for client in clients:
            await client.aclose()


async def test_a_room_s_capacity_holds_for_all_nodes_together(nodes: list[RedisPresence]) -> None:
    users = [f"user-{i}" for i in range(30)]
    admissions = await asyncio.gather(
        *(nodes[i % 3].enter(SDKAPPID, ROOM, user, capacity=7) for i, user in enumerate(users))
    )
    assert sum(a.admitted for a in admissions) == 7
    assert all(not a.already for a in admissions)
    admitted = {user for user, a in zip(users, admissions, strict=True) if a.admitted}
    for node in nodes:
        assert await node.member_count(SDKAPPID, ROOM) == 7
        assert await node.members(SDKAPPID, ROOM) == admitted
    refused = next(user for user, a in zip(users, admissions, strict=True) if not a.admitted)
    assert await nodes[0].enter(SDKAPPID, ROOM, refused, capacity=7) == Admission(False, False, 7)
    assert not await nodes[1].is_present(SDKAPPID, ROOM, refused)


async def test_counts_asked_at_once_each_answer_their_room_including_entries_just_answered_elsewhere(
    nodes: list[RedisPresence],
) -> None:
    """A node sends the counts asked together to Redis in one call: each answers its own room, and an entry that
    another node answered before the count was asked is always in it."""
    a, b, c = nodes
    rooms = [(SDKAPPID + app, f"room-{i}") for app in (0, 1) for i in range(6)]
    for n, (sdkappid, room_id) in enumerate(rooms):
        for k in range(n % 4):
            await nodes[k % 3].enter(sdkappid, room_id, f"user-{k}", capacity=100)
    asked = [*rooms, *rooms, (SDKAPPID + 2, "room-0")]
    counts = await asyncio.gather(*(a.member_count(sdkappid, room_id) for sdkappid, room_id in asked))
    assert counts == [n % 4 for n in range(len(rooms))] * 2 + [0]
    for k in range(30):
        await b.enter(SDKAPPID, "busy", f"member-{k}", capacity=100)
        together = await asyncio.gather(*(node.member_count(SDKAPPID, "busy") for node in (a, c) for _ in range(5)))
        assert together == [k + 1] * 10


async def test_a_user_through_two_nodes_is_one_member_until_they_leave_on_both(nodes: list[RedisPresence]) -> None:
    a, b, c = nodes
    assert await a.enter(SDKAPPID, ROOM, "alice", capacity=1) == Admission(True, False, 1)
    # Already in: not refused by a full room, and counted once.
    assert await b.enter(SDKAPPID, ROOM, "alice", capacity=1) == Admission(True, True, 1)
    assert await c.is_present(SDKAPPID, ROOM, "alice")
    # Her connections on a leave: she is still in the room through b, so nobody is to be told.
    assert await a.leave(SDKAPPID, ROOM, "alice") is None
    assert await c.member_count(SDKAPPID, ROOM) == 1
    assert await c.is_present(SDKAPPID, ROOM, "alice")
    assert await c.enter(SDKAPPID, ROOM, "bob", capacity=1) == Admission(False, False, 1)
    # A node she was never connected through has nothing of hers to take away.
    assert await c.leave(SDKAPPID, ROOM, "alice") is None
    assert await b.leave(SDKAPPID, ROOM, "alice") == 0
    assert await a.leave(SDKAPPID, ROOM, "alice") is None
    assert await c.member_count(SDKAPPID, ROOM) == 0
    assert await a.enter(SDKAPPID, ROOM, "bob", capacity=1) == Admission(True, False, 1)


async def test_removing_a_member_takes_them_out_on_every_node(
    nodes: list[RedisPresence], clock: Clock, redis_prefix: str
) -> None:
    a, b, c = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await b.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await b.enter(SDKAPPID, ROOM, "bob", capacity=10)
    assert await c.remove(SDKAPPID, ROOM, "alice") == 1  # banned through node c
    assert await c.remove(SDKAPPID, ROOM, "alice") is None
    assert not await a.is_present(SDKAPPID, ROOM, "alice")
    # Removed on purpose, not lost: the nodes forget her without an eviction, and nothing brings her back.
    assert await a.refresh() == []
    assert await b.refresh() == []
    for _ in range(3):
        clock.now += TTL / 2
        await b.refresh()
    assert await c.lost() == []
    assert await c.members(SDKAPPID, ROOM) == {"bob"}
    await b.leave(SDKAPPID, ROOM, "bob")
    assert entries_under(redis_prefix) == []


async def test_a_dead_node_s_entry_does_not_end_a_member_still_connected_through_a_live_node(
    nodes: list[RedisPresence], clock: Clock, redis_prefix: str
) -> None:
    a, b, c = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await b.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await b.enter(SDKAPPID, ROOM, "bob", capacity=10)
    for _ in range(3):  # a died; b keeps refreshing
        clock.now += TTL / 2
        await b.refresh()
    assert await c.lost() == []
    assert await c.members(SDKAPPID, ROOM) == {"alice", "bob"}
    assert await b.leave(SDKAPPID, ROOM, "alice") == 1
    assert await c.members(SDKAPPID, ROOM) == {"bob"}
    await b.leave(SDKAPPID, ROOM, "bob")
    # The swept entry is remembered for a (it may come back) and nothing else is left, the due index included.
    assert entries_under(redis_prefix) == [f"{redis_prefix}:presence:swept:{a.node_id}".encode()]


async def test_leaving_through_the_last_live_node_ends_a_member_whose_other_node_died(
    nodes: list[RedisPresence], clock: Clock
) -> None:
    a, b, c = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    clock.now += TTL / 2
    await b.enter(SDKAPPID, ROOM, "alice", capacity=10)
    clock.now += TTL / 2 + 1  # a's entry has expired, not yet swept
    assert await b.leave(SDKAPPID, ROOM, "alice") == 0
    # Told once: the sweep finds nothing left to tell.
    assert await c.lost() == []
    assert await c.member_count(SDKAPPID, ROOM) == 0


async def test_a_node_cut_off_past_the_ttl_learns_which_of_its_members_were_lost(
    nodes: list[RedisPresence], clock: Clock
) -> None:
    a, b, c = nodes
    told: list[Evicted] = []

    async def listener(evicted: Evicted) -> None:
        told.append(evicted)

    a.on_evicted(listener)
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await a.enter(SDKAPPID, ROOM, "carol", capacity=10)
    await b.enter(SDKAPPID, ROOM, "carol", capacity=10)
    await b.enter(SDKAPPID, ROOM, "bob", capacity=10)
    for _ in range(3):  # a is cut off from Redis; b is not
        clock.now += TTL / 2
        await b.refresh()
    assert await c.lost() == [Lost(SDKAPPID, ROOM, "alice", 2)]
    # a can reach Redis again: alice was lost (the room was told); carol never left, through b.
    assert await a.refresh() == [Evicted(SDKAPPID, ROOM, "alice", 2)]
    assert told == [Evicted(SDKAPPID, ROOM, "alice", 2)]
    assert await a.refresh() == []
    assert await c.members(SDKAPPID, ROOM) == {"bob", "carol"}
    # Alice is not brought back silently, and a keeps carol's entry again: b's leaving does not end her.
    clock.now += TTL / 2
    await a.refresh()
    assert not await c.is_present(SDKAPPID, ROOM, "alice")
    assert await b.leave(SDKAPPID, ROOM, "carol") is None
    assert await a.leave(SDKAPPID, ROOM, "carol") == 1
    # Entering again is a new entry, and no longer an eviction to tell.
    assert await a.enter(SDKAPPID, ROOM, "alice", capacity=10) == Admission(True, False, 2)
    assert await a.refresh() == []
    assert len(told) == 1


async def test_members_of_a_node_that_stops_refreshing_are_lost_once(nodes: list[RedisPresence], clock: Clock) -> None:
    a, b, c = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await b.enter(SDKAPPID, ROOM, "bob", capacity=10)
    clock.now += TTL * 2 / 3
    await b.refresh()  # b is alive; a is not
    clock.now += TTL * 2 / 3
    # Alice stops counting as soon as her time is up, before any sweep.
    assert await c.member_count(SDKAPPID, ROOM) == 1
    assert await c.members(SDKAPPID, ROOM) == {"bob"}
    assert not await c.is_present(SDKAPPID, ROOM, "alice")
    swept = await asyncio.gather(b.lost(), c.lost(), b.lost(), c.lost())
    assert sorted(lost for found in swept for lost in found) == [Lost(SDKAPPID, ROOM, "alice", 1)]
    assert await b.lost() == []
    assert await c.is_present(SDKAPPID, ROOM, "bob")


async def test_refreshing_keeps_members_past_the_ttl(nodes: list[RedisPresence], clock: Clock) -> None:
    a, b, _ = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    for _ in range(5):
        clock.now += TTL / 2
        await a.refresh()
    assert await b.lost() == []
    assert await b.member_count(SDKAPPID, ROOM) == 1


async def test_a_refresh_never_brings_back_a_member_removed_elsewhere(nodes: list[RedisPresence], clock: Clock) -> None:
    a, b, _ = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await a.enter(SDKAPPID, ROOM, "carol", capacity=10)
    assert await b.remove(SDKAPPID, ROOM, "alice") == 1  # banned through node b
    assert await a.refresh() == []
    assert await b.members(SDKAPPID, ROOM) == {"carol"}
    # Node a forgot her: once carol leaves, a has nothing left to keep alive and nothing comes back.
    await b.remove(SDKAPPID, ROOM, "carol")
    assert await a.refresh() == []
    clock.now += TTL * 2
    assert await b.lost() == []
    assert await b.member_count(SDKAPPID, ROOM) == 0


async def test_a_member_back_through_another_node_before_being_swept_is_not_new(
    nodes: list[RedisPresence], clock: Clock
) -> None:
    a, b, c = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=1)
    clock.now += TTL + 1  # a died
    assert await b.enter(SDKAPPID, ROOM, "alice", capacity=1) == Admission(True, True, 1)
    assert await c.lost() == []
    assert await c.is_present(SDKAPPID, ROOM, "alice")


async def test_a_drop_noted_on_one_node_is_taken_once_on_another(nodes: list[RedisPresence]) -> None:
    a, b, c = nodes
    await a.note_drop(SDKAPPID, ROOM, "alice", window=60)
    assert await b.take_drop(SDKAPPID, ROOM, "alice")
    assert not await c.take_drop(SDKAPPID, ROOM, "alice")
    assert not await b.take_drop(SDKAPPID, ROOM, "bob")


async def test_clearing_a_room_leaves_nothing_behind(nodes: list[RedisPresence], redis_prefix: str) -> None:
    a, b, _ = nodes
    await a.enter(SDKAPPID, ROOM, "alice", capacity=10)
    await b.enter(SDKAPPID, ROOM, "bob", capacity=10)
    await b.enter(SDKAPPID, "other", "bob", capacity=10)
    assert await b.clear_room(SDKAPPID, ROOM) == {"alice", "bob"}
    assert await a.member_count(SDKAPPID, ROOM) == 0
    remaining = await a._store.due(10**15, 100)
    assert len(remaining) == 1  # bob in "other"
    assert set(entries_under(redis_prefix)) == {
        f"{redis_prefix}:presence:due".encode(),
        f"{redis_prefix}:presence:{SDKAPPID}:other".encode(),
        f"{redis_prefix}:presence:joined:{SDKAPPID}:other".encode(),
        f"{redis_prefix}:presence:nodes:".encode() + msgspec.msgpack.encode((SDKAPPID, "other", "bob")),
    }


async def test_while_redis_is_unreachable_a_node_answers_from_its_own_members(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = redis.asyncio.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    presence = RedisPresence(client, "liveroom-unreachable", TTL)
    try:
        with caplog.at_level(logging.WARNING, logger="liveroom.cluster"):
            assert await presence.member_count(SDKAPPID, ROOM) == 0
            assert not presence.complete
        assert await presence.enter(SDKAPPID, ROOM, "alice", capacity=2) == Admission(True, False, 1)
        assert await presence.enter(SDKAPPID, ROOM, "alice", capacity=2) == Admission(True, True, 1)
        assert await presence.enter(SDKAPPID, ROOM, "bob", capacity=2) == Admission(True, False, 2)
        assert await presence.enter(SDKAPPID, ROOM, "carol", capacity=2) == Admission(False, False, 2)
        assert await presence.members(SDKAPPID, ROOM) == {"alice", "bob"}
        assert await presence.is_present(SDKAPPID, ROOM, "bob")
        assert await presence.leave(SDKAPPID, ROOM, "bob") == 1
        assert await presence.remove(SDKAPPID, ROOM, "carol") is None
        assert await presence.clear_room(SDKAPPID, ROOM) == {"alice"}
        assert await presence.lost() == []
        warnings = [record.getMessage() for record in caplog.records]
        assert len(warnings) == 1 and "Redis unreachable" in warnings[0], warnings
    finally:
        await client.aclose()


async def test_pages_list_the_members_of_every_node_in_entry_order_and_only_those_online(
    nodes: list[RedisPresence], clock: Clock
) -> None:
    _, b, c = nodes
    for i, user in enumerate(["u0", "u1", "u2", "u3", "u4"]):
        await nodes[i % 2].enter(SDKAPPID, ROOM, user, capacity=10)
    # A second connection keeps the member's place.
    await b.enter(SDKAPPID, ROOM, "u0", capacity=10)
    count, first = await c.page(SDKAPPID, ROOM, 0, 2)
    assert (count, [user for _, user in first]) == (5, ["u0", "u1"])
    count, rest = await c.page(SDKAPPID, ROOM, first[-1][0], 10)
    assert (count, [user for _, user in rest]) == (5, ["u2", "u3", "u4"])
    # Leaving takes the member out of the order; entering again puts them last, after the cursor of any page read.
    assert await b.leave(SDKAPPID, ROOM, "u1") == 4
    await b.enter(SDKAPPID, ROOM, "u1", capacity=10)
    assert [user for _, user in (await c.page(SDKAPPID, ROOM, first[-1][0], 10)).members] == ["u2", "u3", "u4", "u1"]
    # Node a stops refreshing: its members (u2, u4; u0 is also on b) are not listed once their entries expired.
    for _ in range(3):
        clock.now += TTL / 2
        await b.refresh()
    assert [user for _, user in (await c.page(SDKAPPID, ROOM, 0, 10)).members] == ["u0", "u3", "u1"]
    assert await c.page(SDKAPPID, ROOM, 0, 1) == (3, [(1, "u0")])
    assert await c.page(SDKAPPID, "nobody-here", 0, 10) == (0, [])
