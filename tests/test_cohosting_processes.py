"""Co-hosting lives in the store, not in a process: rooms connected and requests waiting survive kill -9 and a
restart (the restarted server connects, battles and times out what the killed one left), on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import TypeVar

import pytest

from liveroom.client import RealtimeClient
from liveroom.client.realtime import BattleStarted, ConnectionRequestReceived, ConnectionUserListChanged, RoomEvent
from tests.helpers import SDKAPPID, LiveClient, tencent_sig
from tests.test_server_process import Server, StartServer, app_db, connect, database_url, start_server

__all__ = ["app_db", "connect", "database_url", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

ENV = {"LIVEROOM_BATTLE_POLL_SECONDS": "0.1"}
ROOMS = {"red": "ann", "blue": "ben", "green": "cat", "purple": "dan"}
WAIT = 15.0
E = TypeVar("E", bound=RoomEvent)


async def hosts_on(server: Server, stack: AsyncExitStack) -> dict[str, RealtimeClient]:
    """Every host connected to ``server`` and in their room."""
    people = {}
    for room, owner in ROOMS.items():
        rt = RealtimeClient(server.base_url, sdkappid=SDKAPPID, identifier=owner, usersig=tencent_sig(owner))
        people[owner] = await stack.enter_async_context(rt)
        await people[owner].enter(room)
    return people


async def next_of(rt: RealtimeClient, kind: type[E]) -> E:
    async def find() -> E:
        async for event in rt.events():
            if isinstance(event, kind):
                return event
        raise AssertionError("the connection ended")

    return await asyncio.wait_for(find(), WAIT)


async def test_connections_and_requests_survive_kill_9_and_a_restart(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    first = start_server(app_db, env=ENV)
    live = connect(first)
    await live.import_accounts(*ROOMS.values())
    for room, owner in ROOMS.items():
        await live.create_room(room, Owner_Account=owner)
    async with AsyncExitStack() as stack:
        people = await hosts_on(first, stack)
        ann = people["ann"]
        await ann.request_connection("red", ["blue"], seconds=60)
        await next_of(people["ben"], ConnectionRequestReceived)
        await people["ben"].accept_connection("blue", "red")
        await next_of(ann, ConnectionUserListChanged)
        # Waiting when the server dies: one to be answered after the restart, one to time out meanwhile.
        await ann.request_connection("red", ["green"], seconds=120)
        await people["dan"].request_connection("purple", ["green"], seconds=2)
        asked_at = time.monotonic()
        await next_of(people["cat"], ConnectionRequestReceived)
        first.kill()

    again = start_server(app_db, env=ENV)
    async with AsyncExitStack() as stack:
        people = await hosts_on(again, stack)
        ann, cat = people["ann"], people["cat"]
        # Red and blue are still connected: a battle between them starts at once.
        offer = await ann.request_battle("red", 20000, room_ids=["blue"], need_response=False)
        assert [r.result_code for r in offer.result] == [0]
        for owner in ("ann", "ben"):
            started = await next_of(people[owner], BattleStarted)
            assert started.battle_id == offer.battle_id
        # Purple's request to green times out from its stored deadline, by the restarted server: until then
        # asking again answers "connecting" (2).
        deadline = time.monotonic() + WAIT
        while codes := [r.result_code for r in await people["dan"].request_connection("purple", ["green"])]:
            if codes != [2]:
                break
            assert time.monotonic() < deadline, "the request made before the kill never timed out"
            await asyncio.sleep(0.2)
        assert codes == [0]
        assert time.monotonic() - asked_at > 2 - 0.5
        # The request made before the kill is answered after it.
        await cat.accept_connection("green", "red")
        changed = await next_of(cat, ConnectionUserListChanged)
        assert [c.room_id for c in changed.connected_list] == ["red", "blue", "green"]
