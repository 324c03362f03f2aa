"""A node killed (SIGKILL) under load, beside another node on the same PostgreSQL and Redis.

Invariants: nothing either node acknowledged is lost; the killed node's members leave the room once, told by the
node that survives, within the presence TTL and a third of it; the survivor's members stay; a restarted node serves.
"""

from __future__ import annotations

import asyncio
import contextlib

from liveroom.client import RealtimeClient
from liveroom.client.realtime import MemberLeft, RoomEvent
from tests.faults.workload import Ledger, eventually, write_until
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient
from tests.redis.throwaway import ThrowawayRedis
from tests.test_server_process import StartServer, client_for

ROOM = "party"
TTL = 3.0


async def test_a_node_killed_under_load(
    app_db: str, start_server: StartServer, throwaway_redis: ThrowawayRedis
) -> None:
    args = ("--redis", throwaway_redis.url, "--presence-ttl", str(TTL))
    survivor, victim = start_server(app_db, *args), start_server(app_db, *args)
    https = [client_for(survivor), client_for(victim)]
    clients = [LiveClient(http) for http in https]
    events: list[RoomEvent] = []
    try:
        await clients[0].import_accounts("host", "alice", "bob")
        await clients[0].create_room(ROOM, Owner_Account="host")
        async with contextlib.AsyncExitStack() as stack:
            alice = await stack.enter_async_context(
                RealtimeClient(survivor.base_url, sdkappid=SDKAPPID, identifier="alice", secret_key=SECRET_KEY)
            )
            bob = await stack.enter_async_context(
                RealtimeClient(victim.base_url, sdkappid=SDKAPPID, identifier="bob", secret_key=SECRET_KEY)
            )
            await alice.enter(ROOM)
            await bob.enter(ROOM)

            async def listen() -> None:
                async for event in alice.events():
                    events.append(event)

            listener = asyncio.create_task(listen())
            ledger = Ledger()
            stop = asyncio.Event()
            load = asyncio.create_task(write_until(stop, ledger, clients))
            await asyncio.sleep(1.0)
            victim.kill()
            killed_at = asyncio.get_running_loop().time()
            left = await eventually(lambda: _left(events), wait=TTL * 3)
            assert asyncio.get_running_loop().time() - killed_at <= TTL * 4 / 3 + 2
            stop.set()
            await load
            await ledger.verify(clients[0])
            listener.cancel()
            assert left.data == {"Member_Account": "bob", "MemberCount": 1, "Reason": "disconnected"}
            info = await clients[0].ok("get_room_info", {"RoomId": ROOM})
            assert info["Response"]["RoomInfo"]["MemberCount"] == 1
            await alice.send_text(ROOM, "still here")
        restarted = start_server(app_db, *args, port=victim.port)
        async with client_for(restarted) as http:
            await LiveClient(http).ok("get_room_info", {"RoomId": ROOM})
    finally:
        for http in https:
            await http.aclose()
    assert sum(isinstance(event, MemberLeft) for event in events) == 1
    assert ledger.codes[0] > 20


async def _left(events: list[RoomEvent]) -> MemberLeft | None:
    return next((event for event in events if isinstance(event, MemberLeft)), None)
