"""Co-hosting across three nodes: a request made on node A reaches the owner connected to node B, the answer
returns, viewers on node C see the other room's host join and leave, a battle asked for on A starts in rooms
served by A and B, and a request nobody answers times out once although every node's clock watches it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack
from typing import TypeVar, cast

import pytest

from liveroom.client import RealtimeClient, RoomEvent
from liveroom.client.realtime import (
    BattleRequestAccepted,
    BattleRequestReceived,
    BattleStarted,
    CoHost,
    ConnectionRequestAccepted,
    ConnectionRequestReceived,
    ConnectionRequestTimeout,
    ConnectionUserListChanged,
)
from tests.cluster.conftest import Nodes

pytestmark = pytest.mark.slow

WAIT = 15.0
E = TypeVar("E", bound=RoomEvent)
RED, BLUE, GREEN = (
    CoHost(room_id="red", owner_account="ann"),
    CoHost(room_id="blue", owner_account="ben"),
    CoHost(room_id="green", owner_account="cat"),
)


async def next_of(rt: RealtimeClient, kind: type[E], within: float = WAIT) -> E:
    async def find() -> E:
        async for event in rt.events():
            if isinstance(event, kind):
                return event
        raise AssertionError(f"{rt.identifier}'s connection ended")

    return await asyncio.wait_for(find(), within)


async def events_for(rt: RealtimeClient, seconds: float) -> list[RoomEvent]:
    """Every event that arrives within ``seconds``."""
    seen: list[RoomEvent] = []
    events = cast(AsyncGenerator[RoomEvent, None], rt.events())
    end = time.monotonic() + seconds
    try:
        while (left := end - time.monotonic()) > 0:
            try:
                seen.append(await asyncio.wait_for(anext(events), left))
            except TimeoutError:
                break
    finally:
        await events.aclose()
    return seen


async def test_a_request_on_node_a_reaches_node_b_and_times_out_once(nodes: Nodes) -> None:
    a, b, c = nodes
    await a.live.import_accounts("ann", "ben", "cat", "alice")
    for host in (RED, BLUE, GREEN):
        await a.live.create_room(host.room_id, Owner_Account=host.owner_account)
    async with AsyncExitStack() as stack:
        ann = await stack.enter_async_context(a.member("ann"))
        ben = await stack.enter_async_context(b.member("ben"))
        cat = await stack.enter_async_context(c.member("cat"))
        alice = await stack.enter_async_context(c.member("alice"))
        for rt, room in ((ann, "red"), (ben, "blue"), (cat, "green"), (alice, "blue")):
            await rt.enter(room)

        results = await ann.request_connection("red", ["blue"], seconds=60)
        assert [r.result_code for r in results] == [0]
        received = await next_of(ben, ConnectionRequestReceived)
        assert received.inviter == RED
        await ben.accept_connection("blue", "red")
        assert (await next_of(ann, ConnectionRequestAccepted)).invitee == BLUE
        joined = await next_of(alice, ConnectionUserListChanged)
        assert (joined.room_id, joined.joined_list) == ("blue", [RED])

        offer = await ann.request_battle("red", 30000, user_ids=["ben"], seconds=60)
        await next_of(ben, BattleRequestReceived)
        await ben.accept_battle("blue", offer.battle_id)
        await next_of(ann, BattleRequestAccepted)
        for rt in (ann, ben, alice):
            assert (await next_of(rt, BattleStarted)).battle_id == offer.battle_id

        # Cat never answers: three clocks watch the request, one tells each side it timed out.
        assert [r.result_code for r in await ann.request_connection("red", ["green"], seconds=1)] == [0]
        await next_of(cat, ConnectionRequestReceived)
        for rt in (ann, cat):
            await next_of(rt, ConnectionRequestTimeout)
        for rt in (ann, cat):
            again = [e for e in await events_for(rt, 2.0) if isinstance(e, ConnectionRequestTimeout)]
            assert again == [], "a timeout told twice"

        await ben.disconnect("blue")
        left = await next_of(ann, ConnectionUserListChanged)
        assert (left.connected_list, left.left_list) == ([], [BLUE])
        left = await next_of(alice, ConnectionUserListChanged)
        assert (left.room_id, left.left_list) == ("blue", [RED])
