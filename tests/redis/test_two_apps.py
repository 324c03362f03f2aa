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
from liveroom.errors import ErrorCode, LiveError
from liveroom.settings import Settings
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, LiveClient
from tests.realtime.wsclient import WSClient

ROOM = "party"
MIC = "room_engine_http_mic"
# A guard against a hung test, not a timing assertion.
WAIT = 10.0
# Short, so that the members of a node that stops refreshing are lost within the test.
PRESENCE_TTL = 0.6


@pytest.fixture
async def nodes(database_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[LiveroomApp, LiveroomApp]]:
    settings = Settings(
        database_url=database_url,
        access_log=False,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        lockout_failures=3,
        presence_ttl_seconds=PRESENCE_TTL,
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


# presence ---------------------------------------------------------------------------------------------------


async def member_count(live: LiveClient, room: str) -> int:
    answer = await live.ok("get_room_info", {"RoomId": room})
    return int(answer["Response"]["RoomInfo"]["MemberCount"])


async def test_members_on_either_node_count_on_both(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        assert [await member_count(live, room) for live in clients] == [1, 1]
        bob = await joined(stack, b, "bob")
        assert (await alice.event("member_entered"))["data"]["MemberCount"] == 2
        assert [await member_count(live, room) for live in clients] == [2, 2]
        await bob.request("leave", RoomId=room)
        left = await alice.event("member_left")
        assert (left["data"]["Member_Account"], left["data"]["MemberCount"]) == ("bob", 1)
        assert [await member_count(live, room) for live in clients] == [1, 1]


async def test_a_room_s_member_limit_holds_across_nodes(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient]
) -> None:
    a, b = nodes
    await clients[0].import_accounts("host", "alice", "bob", "carol")
    await clients[0].create_room("small", Owner_Account="host", MaxMemberCount=2)
    async with contextlib.AsyncExitStack() as stack:
        for node, user in ((a, "alice"), (b, "bob")):
            member = await stack.enter_async_context(WSClient(node))
            await member.login(user)
            await member.enter("small")
        carol = await stack.enter_async_context(WSClient(a))
        await carol.login("carol")
        reply = await carol.request("enter", RoomId="small")
        assert (reply["type"], reply["code"], reply["reason"]) == ("error", ErrorCode.NO_PERMISSION, "room_full")
        assert await member_count(clients[1], "small") == 2


async def test_a_ban_on_one_node_removes_a_member_connected_to_the_other(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        alice = await joined(stack, a, "alice")
        bob = await joined(stack, a, "bob")
        carol_ws = await stack.enter_async_context(WSClient(b))
        await clients[0].import_accounts("carol")
        await carol_ws.login("carol")
        await carol_ws.enter(room)
        await alice.until_event("member_entered")
        await alice.until_event("member_entered")

        await clients[1].ok("ban_member", {"RoomId": room, "MemberList_Account": ["alice"], "Duration": 60})
        assert (await alice.until_event("member_banned"))["data"]["MemberList_Account"] == ["alice"]
        for member in (bob, carol_ws):
            left = await member.until_event("member_left")
            assert left["data"] == {"Member_Account": "alice", "MemberCount": 2, "Reason": "banned"}
        assert [await member_count(live, room) for live in clients] == [2, 2]
        # Alice's connection is out of the room on her node too: she can no longer speak there.
        reply = await alice.request("send_text", RoomId=room, TextContent="still here?")
        assert (reply["type"], reply["code"]) == ("error", ErrorCode.NOT_A_MEMBER)


async def test_the_members_of_a_node_that_stops_leave_the_room_on_the_others(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        bob = await joined(stack, a, "bob")
        await joined(stack, b, "alice")
        assert (await bob.event("member_entered"))["data"]["Member_Account"] == "alice"
        # Node b stops keeping its members alive, as a node that was killed would.
        await b.services.presence.close()  # type: ignore[attr-defined]
        left = await asyncio.wait_for(bob.until_event("member_left"), WAIT)
        assert left["data"] == {"Member_Account": "alice", "MemberCount": 1, "Reason": "disconnected"}
        assert [await member_count(live, room) for live in clients] == [1, 1]
        # Told once, by one node.
        assert await bob.sync() == []


async def test_a_user_connected_through_both_nodes_is_one_member_until_both_connections_leave(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        bob = await joined(stack, a, "bob")
        alice_a = await joined(stack, a, "alice")
        alice_b = await joined(stack, b, "alice")
        assert (await bob.event("member_entered"))["data"]["Member_Account"] == "alice"
        assert [await member_count(live, room) for live in clients] == [2, 2]

        assert (await alice_a.request("leave", RoomId=room))["type"] == "left"
        # Longer than the TTL: b keeps her entry alive and no sweep takes her out.
        await asyncio.sleep(PRESENCE_TTL * 2)
        assert [await member_count(live, room) for live in clients] == [2, 2]
        reply = await alice_b.request("send_text", RoomId=room, TextContent="still here")
        assert reply["type"] == "ok", reply
        # The first frame bob receives after her first connection left is her message: no member_left.
        assert (await bob.event("text_message"))["data"]["TextContent"] == "still here"

        assert (await alice_b.request("leave", RoomId=room))["type"] == "left"
        left = await bob.event("member_left")
        assert left["data"] == {"Member_Account": "alice", "MemberCount": 1, "Reason": "left"}
        assert [await member_count(live, room) for live in clients] == [1, 1]
        assert await bob.sync() == []


async def test_a_ban_removes_a_user_connected_through_both_nodes(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        bob = await joined(stack, a, "bob")
        alice_a = await joined(stack, a, "alice")
        alice_b = await joined(stack, b, "alice")
        await bob.event("member_entered")

        await clients[0].ok("ban_member", {"RoomId": room, "MemberList_Account": ["alice"], "Duration": 60})
        for alice in (alice_a, alice_b):
            assert (await alice.until_event("member_banned"))["data"]["MemberList_Account"] == ["alice"]
        await bob.event("member_banned")
        left = await bob.event("member_left")
        assert left["data"] == {"Member_Account": "alice", "MemberCount": 1, "Reason": "banned"}
        assert [await member_count(live, room) for live in clients] == [1, 1]
        for alice in (alice_a, alice_b):
            reply = await alice.request("send_text", RoomId=room, TextContent="still here?")
            assert (reply["type"], reply["code"]) == ("error", ErrorCode.NOT_A_MEMBER)
        # Neither node brings her back or tells of her again, refreshing past the TTL.
        await asyncio.sleep(PRESENCE_TTL * 2)
        assert [await member_count(live, room) for live in clients] == [1, 1]
        assert await bob.sync() == []


async def test_a_failed_entry_through_a_second_node_leaves_nothing_of_it_behind(
    nodes: tuple[LiveroomApp, LiveroomApp], room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        bob = await joined(stack, a, "bob")
        alice_b = await joined(stack, b, "alice")
        await bob.event("member_entered")
        alice_a = await stack.enter_async_context(WSClient(a))
        await alice_a.login("alice")
        async with a.store.read() as tx:
            transaction = type(tx)

        async def failing(*_: object) -> list[str]:
            raise LiveError(ErrorCode.LIVE_INTERNAL, "the store failed")

        # Her entry through node a fails after presence admitted her (she is already a member, through b).
        with monkeypatch.context() as patch:
            patch.setattr(transaction, "room_admins", failing)
            reply = await alice_a.request("enter", RoomId=room)
        assert (reply["type"], reply["code"]) == ("error", ErrorCode.LIVE_INTERNAL)
        assert await bob.sync() == []
        # Node a keeps nothing of hers alive: her leaving through b ends her membership.
        await asyncio.sleep(PRESENCE_TTL)
        assert (await alice_b.request("leave", RoomId=room))["type"] == "left"
        left = await asyncio.wait_for(bob.until_event("member_left"), WAIT)
        assert left["data"] == {"Member_Account": "alice", "MemberCount": 1, "Reason": "left"}


async def test_a_node_whose_members_were_swept_elsewhere_takes_them_out_and_tells_them(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        bob = await joined(stack, a, "bob")
        alice = await joined(stack, b, "alice")
        await bob.event("member_entered")
        # Node b stops refreshing, as one cut off from Redis would; a sweeps alice's entry and tells the room.
        presence = b.services.presence
        await presence.close()  # type: ignore[attr-defined]
        left = await asyncio.wait_for(bob.until_event("member_left"), WAIT)
        assert left["data"] == {"Member_Account": "alice", "MemberCount": 1, "Reason": "disconnected"}

        # b reaches Redis again: its refresh finds alice's entry swept, and her connection is told the same.
        await presence.refresh()  # type: ignore[attr-defined]
        told = await alice.until_event("member_left")
        assert (told["RoomId"], told["data"]) == (
            room,
            {"Member_Account": "alice", "MemberCount": 1, "Reason": "disconnected"},
        )
        reply = await alice.request("send_text", RoomId=room, TextContent="still here?")
        assert (reply["type"], reply["code"]) == ("error", ErrorCode.NOT_A_MEMBER)
        # She is not back in the room silently; entering again is a new entry the room hears of.
        assert [await member_count(live, room) for live in clients] == [1, 1]
        assert await bob.sync() == []
        await alice.enter(room)
        assert (await bob.until_event("member_entered"))["data"]["Member_Account"] == "alice"


async def test_a_seat_application_made_on_one_node_is_answered_on_the_other(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient]
) -> None:
    a, b = nodes
    await clients[0].import_accounts("host", "alice")
    await clients[0].create_room("stage", Owner_Account="host", IsSeatEnabled=True, MaxSeatCount=2)
    await clients[0].ok("update_room_info", {"RoomInfo": {"RoomId": "stage", "TakeSeatMode": "ApplyToTake"}})
    async with contextlib.AsyncExitStack() as stack:
        host = await stack.enter_async_context(WSClient(b))
        await host.login("host")
        await host.enter("stage")
        alice = await stack.enter_async_context(WSClient(a))
        await alice.login("alice")
        await alice.enter("stage")
        assert (await alice.request("take_seat", RoomId="stage", Index=1))["type"] == "applied"
        assert (await host.until_event("seat_application"))["data"] == {"Member_Account": "alice", "Index": 1}
        answer = await host.request("answer_seat", RoomId="stage", Member_Account="alice", Approve=True)
        assert answer["Result"] == "approved", answer
        result = await alice.until_event("seat_application_result")
        assert result["data"] == {"Member_Account": "alice", "Index": 1, "Result": "approved"}
        seats = (await clients[0].ok("get_seat_list", {"RoomId": "stage"}, service=MIC))["Response"]["SeatList"]
        assert [seat["Member_Account"] for seat in seats] == ["", "alice"]
        # Answered once: the node it was made on forgot it too (the result event reached it).
        await clients[0].ok("modify_admin", {"RoomId": "stage", "Admin_Account": ["alice"], "OpType": "add"})
        again = await alice.request("answer_seat", RoomId="stage", Member_Account="alice", Approve=True)
        assert again["reason"] == "no_application", again


async def test_an_invitation_made_on_one_node_reaches_the_member_on_the_other_and_the_answer_returns(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    await clients[0].create_room("stage", Owner_Account="host", IsSeatEnabled=True, MaxSeatCount=2)
    async with contextlib.AsyncExitStack() as stack:
        host = await stack.enter_async_context(WSClient(a))
        await host.login("host")
        await host.enter("stage")
        alice = await stack.enter_async_context(WSClient(b))
        await alice.login("alice")
        await alice.enter("stage")
        await host.event("member_entered")

        invited = await host.request("invite_to_seat", RoomId="stage", Member_Account="alice", Index=1)
        assert invited["type"] == "ok", invited
        seen = await alice.until_event("seat_invitation")
        assert (seen["Operator_Account"], seen["data"]["Index"]) == ("host", 1)
        answer = await alice.request("answer_invitation", RoomId="stage", Accept=True)
        assert (answer["type"], answer["Result"]) == ("ok", "accepted")
        result = await host.until_event("seat_invitation_result")
        assert (result["Operator_Account"], result["data"]["Result"]) == ("alice", "accepted")
        seats = await clients[1].ok("get_seat_list", {"RoomId": "stage"}, service=MIC)
        assert seats["Response"]["SeatList"][1]["Member_Account"] == "alice"

        # Cancelled on A: B forgets it, and answering it there is refused.
        await alice.request("leave_seat", RoomId="stage")
        await host.request("invite_to_seat", RoomId="stage", Member_Account="alice", Index=0)
        await alice.until_event("seat_invitation")
        await host.request("cancel_invitation", RoomId="stage", Member_Account="alice")
        cancelled = await alice.until_event("seat_invitation_result")
        assert cancelled["data"]["Result"] == "cancelled"
        late = await alice.request("answer_invitation", RoomId="stage", Accept=True)
        assert (late["code"], late["reason"]) == (100005, "no_invitation")

        # Timed out by A, once: B's member hears it. B's clock is stopped: the two apps' stores are one SQLite file
        # in one event loop, where two clocks writing at the same moment would wait on each other for the busy
        # timeout (separate processes do not; tests/test_seat_request_processes.py runs two nodes).
        await b.realtime.seat_request_clock.close()
        await host.request("invite_to_seat", RoomId="stage", Member_Account="alice", Index=0, Timeout=1)
        await alice.until_event("seat_invitation")
        ended = await alice.until_event("seat_invitation_result")
        assert (ended["Operator_Account"], ended["data"]["Result"]) == ("", "timeout")
        assert [f for f in await alice.sync() if f["type"] == "event"] == []


async def test_a_kick_on_one_node_takes_the_member_out_through_the_other(
    nodes: tuple[LiveroomApp, LiveroomApp], clients: tuple[LiveClient, LiveClient], room: str
) -> None:
    a, b = nodes
    async with contextlib.AsyncExitStack() as stack:
        host = await joined(stack, a, "host")
        alice = await joined(stack, a, "alice")
        bob = await joined(stack, b, "bob")
        await alice.until_event("member_entered")
        assert (await host.request("kick_member", RoomId=room, MemberList_Account=["bob"]))["type"] == "ok"
        kicked = await bob.until_event("kicked_out_of_room")
        assert kicked["data"] == {"Member_Account": "bob", "Reason": "by_admin"}
        left = await alice.until_event("member_left")
        assert left["data"] == {"Member_Account": "bob", "MemberCount": 2, "Reason": "kicked"}
        refused = await bob.request("send_text", RoomId=room, TextContent="hello?")
        assert refused["reason"] == "not_in_room"
        page = await clients[1].ok("get_member_list", {"RoomId": room})
        assert page["Response"]["MemberList"] == [{"Member_Account": "host"}, {"Member_Account": "alice"}]
        await bob.enter(room)
        assert (await clients[0].ok("get_member_list", {"RoomId": room}))["Response"]["MemberCount"] == 3
