"""Webhooks across real ``liveroom serve`` processes: kill -9 with events in the outbox loses none, and two nodes
on one PostgreSQL deliver one stream, each event once unless an attempt is retried (then with the same
X-Liveroom-Event-Id), in each room's order, with a killed node's rooms taken over."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

import pytest

from tests.helpers import POSTGRESQL, LiveClient
from tests.receiver import Answer, Received, Receiver
from tests.test_server_process import (
    Server,
    StartServer,
    app_db,
    connect,
    database_url,
    redis_args,
    redis_prefix,
    redis_url,
    start_server,
    workers_args,
)

__all__ = [
    "app_db",
    "connect",
    "database_url",
    "redis_prefix",
    "redis_url",
    "start_server",
]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

CONFIG = "live_config"
# Short leases, so that a killed process's rooms are taken over within the test.
ENV = {"LIVEROOM_WEBHOOK_LEASE_SECONDS": "5", "LIVEROOM_WEBHOOK_POLL_SECONDS": "0.1"}
ROOMS = ("r0", "r1", "r2")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def configure(live: LiveClient, receiver: Receiver) -> None:
    await live.ok(
        "set_callback",
        {"Url": receiver.url, "CallbackCommandList": ["Live.CallbackAfterSetMetadata"]},
        service=CONFIG,
    )
    for room in ROOMS:
        await live.create_room(room)


async def arrived(receiver: Receiver, count: int, within: float = 30.0) -> None:
    """Wait until ``count`` distinct events (repeats aside) have arrived, then a moment for stray repeats."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while len({(r.body["RoomId"], r.body["Metadata"][0]["Value"]) for r in receiver.received}) < count:
        assert loop.time() < deadline, f"{len(receiver.received)} callbacks, fewer than {count} distinct events"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)


def values(received: list[Received]) -> dict[str, list[int]]:
    """Per room, the sequence numbers carried by its events, in arrival order."""
    by_room: dict[str, list[int]] = defaultdict(list)
    for r in received:
        by_room[r.body["RoomId"]].append(int(r.body["Metadata"][0]["Value"]))
    return by_room


def check_stream(received: list[Received], sent: dict[str, list[int]]) -> int:
    """Every sent event arrived; a repeat carries the id of its first arrival; each room's first arrivals are in
    order. Answers the number of repeats."""
    first: dict[str, Received] = {}
    repeats = 0
    for r in received:
        key = f"{r.body['RoomId']}/{r.body['Metadata'][0]['Value']}"
        if key in first:
            assert first[key].event_id == r.event_id, "a repeat must be a retry of the same event"
            repeats += 1
        else:
            first[key] = r
    arrived = values(list(first.values()))
    assert {room: sorted(seqs) for room, seqs in arrived.items()} == sent, "an answered change was never delivered"
    for room, seqs in arrived.items():
        assert seqs == sorted(seqs), f"room {room} out of order: {seqs}"
    return repeats


async def write(live: LiveClient, room: str, seq: int, sent: dict[str, list[int]]) -> None:
    await live.ok("set_room_metadata", {"RoomId": room, "Metadata": [{"Key": "seq", "Value": str(seq)}]})
    sent[room].append(seq)


async def test_kill_9_with_events_in_the_outbox_loses_none(
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    receiver: Receiver,
) -> None:
    server = start_server(app_db, env=ENV)
    live = connect(server)
    await configure(live, receiver)
    receiver.default = Answer(delay=0.05)  # slow enough that the kill finds events waiting and in flight
    sent: dict[str, list[int]] = defaultdict(list)
    for seq in range(60):
        await write(live, ROOMS[seq % 3], seq, sent)
    server.kill()
    delivered_before = len(receiver.received)
    assert delivered_before < 60, "the kill came too late to find events in the outbox"

    receiver.default = Answer()
    restarted = start_server(app_db, env=ENV)
    await arrived(receiver, 60)
    check_stream(receiver.received, dict(sent))
    restarted.kill()


async def test_two_nodes_deliver_one_stream_and_take_over_a_killed_node(
    backend: str,
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    receiver: Receiver,
    redis_url: str,
    redis_prefix: str,
) -> None:
    if backend != POSTGRESQL:
        pytest.skip("many nodes share PostgreSQL")
    redis = redis_args(redis_url, redis_prefix)
    a, b = start_server(app_db, *redis, env=ENV), start_server(app_db, *redis, env=ENV)
    live_a, live_b = connect(a), connect(b)
    await configure(live_a, receiver)
    sent: dict[str, list[int]] = defaultdict(list)
    for seq in range(90):
        await write(live_a if seq % 2 else live_b, ROOMS[seq % 3], seq, sent)
    await arrived(receiver, 90)
    assert check_stream(receiver.received, dict(sent)) == 0, "a healthy receiver gets every event once"

    # Node A dies while both deliver to a slow receiver: B takes A's rooms over when their leases end.
    receiver.received.clear()
    receiver.default = Answer(delay=0.05)
    sent.clear()
    for seq in range(90, 150):
        await write(live_a if seq % 2 else live_b, ROOMS[seq % 3], seq, sent)
    a.kill()
    receiver.default = Answer()
    await arrived(receiver, 60)
    check_stream(receiver.received, dict(sent))


async def test_two_workers_on_one_database_deliver_each_event_once(
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    receiver: Receiver,
    redis_url: str,
    redis_prefix: str,
) -> None:
    server = start_server(app_db, *workers_args(2, redis_url, redis_prefix), env=ENV)
    # Several connections, so that both workers serve writes; each write is answered before the next is sent.
    clients = [connect(server) for _ in range(4)]
    await configure(clients[0], receiver)
    sent: dict[str, list[int]] = defaultdict(list)
    for seq in range(120):
        await write(clients[seq % 4], ROOMS[seq % 3], seq, sent)
    await arrived(receiver, 120)
    assert check_stream(receiver.received, dict(sent)) == 0
