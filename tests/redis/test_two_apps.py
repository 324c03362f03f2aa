"""Two liveroom apps in this process, as two nodes: one database, one Redis, nothing else shared.

Each app has its own lock-out, limiter, event bus and connections, exactly as separate processes would; only the
Redis prefix and the SQLite file are common. tests/redis/test_nodes.py runs the same against real processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections.abc import AsyncIterator

import httpx
import limits.aio.storage.redis.redispy
import pytest

from liveroom.api.app import LiveroomApp, create_app
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.errors import ErrorCode
from liveroom.settings import Settings
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, LiveClient
from tests.realtime.wsclient import WSClient

ROOM = "party"
# A guard against a hung test, not a timing assertion.
WAIT = 10.0


@pytest.fixture
async def nodes(database_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[LiveroomApp, LiveroomApp]]:
    settings = Settings(
        database_url=database_url,
        access_log=False,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        lockout_failures=3,
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
async def clients(nodes: tuple[LiveroomApp, LiveroomApp]) -> AsyncIterator[tuple[LiveClient, LiveClient]]:
    """One admin client per node, both from the same address."""
    async with contextlib.AsyncExitStack() as stack:
        https = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=node, client=("203.0.113.7", 40000)),
                    base_url="http://liveroom.test",
                )
            )
            for node in nodes
        ]
        yield LiveClient(https[0]), LiveClient(https[1])


@pytest.fixture
async def room(clients: tuple[LiveClient, LiveClient]) -> str:
    await clients[0].import_accounts("host", "alice", "bob")
    await clients[0].create_room(ROOM, Owner_Account="host")
    return ROOM


async def joined(stack: contextlib.AsyncExitStack, node: LiveroomApp, user: str) -> WSClient:
    client = await stack.enter_async_context(WSClient(node))
    await client.login(user)
    await client.enter(ROOM)
    return client


async def test_an_admin_call_on_one_node_reaches_members_on_both_once(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        bob = await joined(stack, b, "bob")
        # Bob entered on B: Alice, on A, is told.
        entered = await alice.event("member_entered")
        assert entered["data"]["Member_Account"] == "bob"

        await clients[1].ok("update_room_info", {"RoomInfo": {"RoomId": room, "Notice": "from b"}})
        for member in (alice, bob):
            changed = await member.event("room_info_changed")
            assert changed["RoomId"] == room
            assert changed["Operator_Account"] == ADMIN
            assert changed["data"]["Notice"] == "from b"
        # Nothing twice: the next frame each receives is the answer to a heartbeat sent after the change.
        assert await alice.sync() == []
        assert await bob.sync() == []

        await clients[0].ok("destroy_room", {"RoomId": room})
        for member in (alice, bob):
            assert (await member.event("room_dismissed"))["RoomId"] == room


async def test_a_message_from_a_member_on_one_node_reaches_the_other(
    nodes: tuple[LiveroomApp, LiveroomApp], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        bob = await joined(stack, b, "bob")
        await alice.event("member_entered")
        reply = await bob.request("send_text", RoomId=room, TextContent="hi alice")
        assert reply["type"] == "ok", reply
        message = await alice.until_event("text_message")
        assert message["data"]["TextContent"] == "hi alice"


async def test_a_lock_out_earned_on_one_node_applies_on_the_other(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient]
) -> None:
    a, b = clients
    await b.ok("get_room_list", {})
    wrong = LiveClient(a.http, key="0ther" * 13)
    for _ in range(3):
        await wrong.fails(ErrorCode.USERSIG_SIGNATURE_MISMATCH, "get_room_list", {})
    # Three failures are allowed; the fourth, on either node, locks the address out of the app on both.
    await b.ok("get_room_list", {})
    await LiveClient(b.http, key="0ther" * 13).fails(ErrorCode.USERSIG_SIGNATURE_MISMATCH, "get_room_list", {})
    await b.fails(ErrorCode.USERSIG_LOCKED_OUT, "get_room_list", {})
    # The other node hears of the lock by pub/sub, a moment later.
    await until_locked_out(a)


async def until_locked_out(live: LiveClient) -> None:
    for _ in range(int(WAIT / 0.01)):
        code = (await live.call("get_room_list", {}))["ErrorCode"]
        if code == ErrorCode.USERSIG_LOCKED_OUT:
            return
        assert code == 0
        await asyncio.sleep(0.01)
    raise AssertionError("never locked out")


async def test_a_rate_limit_holds_for_both_nodes_together(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits.aio.storage.redis.redispy, "time", types.SimpleNamespace(time=lambda: 1_900_000_000.0))
    await AppManager(nodes[0].store).set_quota(
        SDKAPPID, QuotaChange(rate_limits_enabled=True, rate_limit_overrides={"get_room_list": 10})
    )
    codes = [(await clients[i % 2].call("get_room_list", {}))["ErrorCode"] for i in range(13)]
    assert codes == [0] * 10 + [ErrorCode.RATE_LIMITED] * 3
