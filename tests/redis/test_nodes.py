"""Real ``liveroom serve`` processes sharing one PostgreSQL schema and one Redis, as behind a load balancer.

Each node has its own memory; what they must agree on (rate limits, the UserSig lock-out, room events) goes through
Redis under a prefix of the test's own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from liveroom.client import RealtimeClient
from liveroom.client.realtime import MemberEntered, RoomEvent, RoomInfoChanged
from liveroom.errors import ErrorCode
from liveroom.store import migrate
from tests import pg
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient
from tests.test_server_process import StartServer, app_db, client_for, run_cli, start_server

__all__ = ["app_db", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

ROOM = "party"
# Guards against a hung test, not timing assertions.
WAIT = 10.0
ATTEMPTS = 5


@pytest.fixture
def database_url() -> Iterator[str]:
    with pg.fresh_schema() as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
async def two_nodes(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[LiveClient, LiveClient]]:
    """Two nodes on one schema and one Redis; an admin client for each."""
    servers = [start_server(app_db, "--redis", redis_url, "--redis-prefix", redis_prefix) for _ in range(2)]
    https = [client_for(server) for server in servers]
    try:
        yield LiveClient(https[0]), LiveClient(https[1])
    finally:
        for http in https:
            await http.aclose()


def base_url(live: LiveClient) -> str:
    return str(live.http.base_url).rstrip("/")


async def test_a_rate_limit_holds_for_both_nodes_together(
    app_db: str, two_nodes: tuple[LiveClient, LiveClient]
) -> None:
    run_cli("app", "quota", str(SDKAPPID), "--rate-limits", "--rate", "get_room_list=10", "--database", app_db)
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(1.1)  # the calls of a slow attempt leave the window
        started = time.monotonic()
        codes = [(await two_nodes[i % 2].call("get_room_list", {}))["ErrorCode"] for i in range(11)]
        if time.monotonic() - started < 1.0:
            # All eleven reached the nodes within one second: the eleventh is over the limit, whichever node.
            assert codes == [0] * 10 + [ErrorCode.RATE_LIMITED]
            for node in two_nodes:
                assert (await node.call("get_room_list", {}))["ErrorCode"] == ErrorCode.RATE_LIMITED
            return
    pytest.fail(f"11 calls never fitted in one second in {ATTEMPTS} attempts")


async def test_a_lock_out_earned_on_one_node_applies_on_the_other(two_nodes: tuple[LiveClient, LiveClient]) -> None:
    a, b = two_nodes
    await b.ok("get_room_list", {})
    wrong = LiveClient(a.http, key="0ther" * 13)
    for _ in range(51):  # the default allows 50 failures a minute per address and app
        await wrong.fails(ErrorCode.USERSIG_SIGNATURE_MISMATCH, "get_room_list", {})
    await a.fails(ErrorCode.USERSIG_LOCKED_OUT, "get_room_list", {})
    # Node B hears of the lock by pub/sub, a moment after A set it.
    await until_locked_out(b)


async def until_locked_out(live: LiveClient) -> None:
    for _ in range(int(WAIT / 0.01)):
        code = (await live.call("get_room_list", {}))["ErrorCode"]
        if code == ErrorCode.USERSIG_LOCKED_OUT:
            return
        assert code == 0
        await asyncio.sleep(0.01)
    raise AssertionError("never locked out")


async def next_event(rt: RealtimeClient, kind: type[RoomEvent]) -> RoomEvent:
    async def first() -> RoomEvent:
        async for event in rt.events():
            if isinstance(event, kind):
                return event
        raise AssertionError("the connection ended")

    return await asyncio.wait_for(first(), WAIT)


async def test_a_member_on_one_node_receives_the_events_of_admin_calls_on_the_other(
    two_nodes: tuple[LiveClient, LiveClient],
) -> None:
    a, b = two_nodes
    await b.import_accounts("host", "alice", "bob")
    await b.create_room(ROOM, Owner_Account="host")
    member: Callable[[LiveClient, str], RealtimeClient] = lambda node, user: RealtimeClient(  # noqa: E731
        base_url(node), sdkappid=SDKAPPID, identifier=user, secret_key=SECRET_KEY
    )
    async with member(a, "alice") as alice, member(b, "bob") as bob:
        await alice.enter(ROOM)
        await b.ok("update_room_info", {"RoomInfo": {"RoomId": ROOM, "Notice": "from node b"}})
        changed = await next_event(alice, RoomInfoChanged)
        assert changed.room_id == ROOM
        assert changed.data["Notice"] == "from node b"
        # A member's realtime action on node B reaches node A too.
        await bob.enter(ROOM)
        entered = await next_event(alice, MemberEntered)
        assert entered.data["Member_Account"] == "bob"
