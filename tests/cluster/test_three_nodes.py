"""Three ``liveroom serve`` processes on one PostgreSQL schema and one Redis, a client spreading its calls over them.

What a load balancer's clients must not be able to tell apart from one server: a write answered by one node is read
at once on the others, one rate limit holds for all of them together, a member gets the events of every node's
calls once each, members online on any node count everywhere, and a node killed with SIGKILL takes nothing
acknowledged with it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import cast

import httpx
import pytest

from liveroom.client import NotFoundError, PermissionDeniedError, RealtimeClient, RoomEvent
from liveroom.client.errors import ConnectionClosedError
from liveroom.client.realtime import (
    KickedOutOfRoom,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    MemberMuted,
    MemberUnbanned,
    MetadataChanged,
    MetadataDeleted,
    RoomInfoChanged,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
    TextMessage,
)
from liveroom.errors import ErrorCode
from tests.cluster.conftest import Node, Nodes, StartCluster
from tests.helpers import ADMIN, SDKAPPID
from tests.test_server_process import room_info, run_cli

pytestmark = pytest.mark.slow

ROOM = "party"
# Guards against a hung test, never timing assertions.
WAIT = 10.0
ATTEMPTS = 5


def rotated(nodes: Nodes, i: int) -> Nodes:
    """Node ``i % 3`` first, then the next two: who writes, then who reads it back."""
    return nodes[i % 3], nodes[(i + 1) % 3], nodes[(i + 2) % 3]


async def next_event(rt: RealtimeClient) -> RoomEvent:
    events = cast(AsyncGenerator[RoomEvent, None], rt.events())  # an async generator, closed here
    try:
        return await asyncio.wait_for(anext(events), WAIT)
    except StopAsyncIteration:
        raise AssertionError(f"{rt.identifier}'s connection ended") from None
    except TimeoutError:
        raise AssertionError(f"no event for {rt.identifier} within {WAIT:g} s") from None
    finally:
        await events.aclose()


async def events_until(rt: RealtimeClient, last: Callable[[RoomEvent], bool]) -> list[RoomEvent]:
    """Every event up to and including the first for which ``last`` is true."""
    seen: list[RoomEvent] = []
    while not seen or not last(seen[-1]):
        seen.append(await next_event(rt))
    return seen


def text(content: str) -> Callable[[RoomEvent], bool]:
    return lambda event: isinstance(event, TextMessage) and event.text_content == content


async def send_text(node: Node, content: str, room_id: str = ROOM) -> None:
    await node.live.ok("send_text_msg", {"RoomId": room_id, "Sender_Account": "host", "TextContent": content})


async def member_count(node: Node, room_id: str = ROOM) -> int:
    return int((await room_info(node.live, room_id))["MemberCount"])


async def listed_rooms(node: Node) -> set[str]:
    listed: set[str] = set()
    cursor = ""
    for _ in range(1000):
        page = (await node.live.ok("get_room_list", {"Next": cursor, "Count": 20}))["Response"]
        listed |= {room["RoomId"] for room in page["RoomList"]}
        cursor = page["Next"]
        if not cursor:
            return listed
    raise AssertionError("get_room_list never ended")


@asynccontextmanager
async def members_in(room_id: str, *placed: tuple[Node, str]) -> AsyncIterator[list[RealtimeClient]]:
    """Each user connected to their node and in the room, in the order given; the events of the others entering
    are read, so each connection's next event is what happens afterwards."""
    async with AsyncExitStack() as stack:
        clients: list[RealtimeClient] = []
        for node, user in placed:
            rt = await stack.enter_async_context(node.member(user))
            await rt.enter(room_id)
            for earlier in clients:
                entered = await next_event(earlier)
                assert isinstance(entered, MemberEntered), entered
                assert entered.member_account == user
            clients.append(rt)
        yield clients


# 1. read-your-writes on any node ----------------------------------------------------------------------------------


async def test_a_write_answered_by_one_node_is_read_at_once_on_the_others(nodes: Nodes) -> None:
    await nodes[0].live.import_accounts("host", "helper")
    rooms = [f"ryw-{i}" for i in range(6)]

    for i, room_id in enumerate(rooms):
        writer, *readers = rotated(nodes, i)
        await writer.live.create_room(room_id, RoomName=f"room {i}", MaxMemberCount=50 + i, Owner_Account="host")
        for reader in readers:
            info = await room_info(reader.live, room_id)
            assert (info["RoomName"], info["MaxMemberCount"], info["Owner_Account"]) == (f"room {i}", 50 + i, "host")
        # The next node already knows the RoomId is taken.
        await readers[0].live.fails(
            ErrorCode.ROOM_EXISTS_SAME_OWNER,
            "create_room",
            {"RoomInfo": {"RoomId": room_id, "RoomType": "Live", "Owner_Account": "host"}},
        )
    for node in nodes:
        assert await listed_rooms(node) == set(rooms)

    for i, room_id in enumerate(rooms):
        writer, *readers = rotated(nodes, i + 1)
        await writer.live.ok("update_room_info", {"RoomInfo": {"RoomId": room_id, "Notice": f"by {writer.name}"}})
        await writer.live.ok("set_room_metadata", {"RoomId": room_id, "Metadata": [{"Key": "k", "Value": str(i)}]})
        await writer.live.ok("modify_admin", {"RoomId": room_id, "Admin_Account": ["helper"], "OpType": "add"})
        for reader in readers:
            answer = await reader.sdk.rooms.get_info(room_id)
            assert (answer.room_info.notice, answer.room_info.room_name) == (f"by {writer.name}", f"room {i}")
            metadata = await reader.live.ok("get_room_metadata", {"RoomId": room_id, "Keys": ["k"]})
            assert metadata["Response"]["Metadata"] == [{"Key": "k", "Value": str(i)}]
            admins = await reader.live.ok("get_admin_list", {"RoomId": room_id})
            assert admins["Response"]["Admin_Account"] == ["helper"]

    for i, room_id in enumerate(rooms):
        writer, *readers = rotated(nodes, i + 2)
        await writer.live.ok("destroy_room", {"RoomId": room_id})
        for reader in readers:
            with pytest.raises(NotFoundError) as missing:
                await reader.sdk.rooms.get_info(room_id)
            assert missing.value.code == ErrorCode.ROOM_NOT_FOUND
            await reader.live.fails(
                ErrorCode.ROOM_NOT_FOUND, "update_room_info", {"RoomInfo": {"RoomId": room_id, "Notice": "late"}}
            )
    for node in nodes:
        assert await listed_rooms(node) == set()


# 2. one rate limit for all nodes together ---------------------------------------------------------------------------


async def test_a_rate_limit_holds_for_the_three_nodes_together(app_db: str, start_cluster: StartCluster) -> None:
    limit = 6
    # Set before the nodes start, so that no node can answer from what it read before the change.
    run_cli("app", "quota", str(SDKAPPID), "--rate-limits", "--rate", f"get_room_list={limit}", "--database", app_db)
    nodes = start_cluster()
    for node in nodes:  # open the connections: only the calls themselves should take time below
        assert (await node.live.http.get("/healthz")).status_code == 200

    calls = 2 * limit  # 4 a node: each node alone stays under the limit
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(1.1)  # the calls of a slow attempt leave the window
        started = time.monotonic()
        answers = await asyncio.gather(*(nodes[i % 3].live.call("get_room_list", {}) for i in range(calls)))
        if time.monotonic() - started < 1.0:
            # Every call reached a node within one second: the limit counts them all, wherever they went.
            codes = Counter(answer["ErrorCode"] for answer in answers)
            assert codes == {0: limit, ErrorCode.RATE_LIMITED: calls - limit}, codes
            for answer in answers:
                assert answer["ActionStatus"] == ("OK" if answer["ErrorCode"] == 0 else "FAIL"), answer
            return
    pytest.fail(f"{calls} calls never fitted in one second in {ATTEMPTS} attempts")


# 3. events of calls on one node reach members on the others, once ----------------------------------------------------


async def test_admin_calls_on_node_c_reach_members_on_a_and_b_once_each(nodes: Nodes) -> None:
    a, b, c = nodes
    await c.live.import_accounts("host", "alice", "bob", "carol")
    await c.live.create_room(ROOM, Owner_Account="host")

    async with members_in(ROOM, (a, "alice"), (b, "bob")) as members:
        await c.live.ok("update_room_info", {"RoomInfo": {"RoomId": ROOM, "Notice": "from c"}})
        await c.live.ok("set_room_metadata", {"RoomId": ROOM, "Metadata": [{"Key": "k", "Value": "v"}]})
        await c.live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": ["k"]})
        await c.live.ok("ban_member", {"RoomId": ROOM, "MemberList_Account": ["carol"], "Duration": 60})
        await c.live.ok("unban_member", {"RoomId": ROOM, "MemberList_Account": ["carol"]})
        await c.live.ok("mute_member", {"RoomId": ROOM, "MemberList_Account": ["bob"], "MuteTime": 600})
        await send_text(c, "hello")
        await send_text(c, "end")

        for rt in members:
            seen = await events_until(rt, text("end"))
            assert [type(event) for event in seen] == [
                RoomInfoChanged,
                MetadataChanged,
                MetadataDeleted,
                MemberBanned,
                MemberUnbanned,
                MemberMuted,
                TextMessage,
                TextMessage,
            ], seen
            assert {(event.room_id, event.operator_account) for event in seen} == {(ROOM, ADMIN)}
            changed, set_, deleted, banned, unbanned, muted, hello, _ = seen
            assert isinstance(changed, RoomInfoChanged) and changed.data == {"Notice": "from c"}
            assert isinstance(set_, MetadataChanged) and [(p.key, p.value) for p in set_.metadata] == [("k", "v")]
            assert isinstance(deleted, MetadataDeleted) and deleted.keys == ["k"]
            assert isinstance(banned, MemberBanned) and banned.member_list_account == ["carol"]
            assert isinstance(unbanned, MemberUnbanned) and unbanned.member_list_account == ["carol"]
            assert isinstance(muted, MemberMuted) and muted.member_list_account == ["bob"]
            assert isinstance(hello, TextMessage) and (hello.sender_account, hello.text_content) == ("host", "hello")

        # A second copy of anything would have arrived before this, the next event published on C.
        await send_text(c, "after")
        for rt in members:
            after = await next_event(rt)
            assert text("after")(after), after


# 4. one node killed -------------------------------------------------------------------------------------------------


async def test_killing_one_node_loses_nothing_acknowledged_and_the_others_go_on(nodes: Nodes) -> None:
    a, b, c = nodes
    await a.live.import_accounts("host", "alice", "carol")
    await b.live.create_room(ROOM, Owner_Account="host")
    await c.live.create_room("elsewhere", Owner_Account="host")

    acknowledged: dict[str, str] = {}  # RoomId -> the node that answered ErrorCode 0
    acks_after_kill = Counter[str]()
    refused_at_connection = 0
    killing = asyncio.Event()
    stop = asyncio.Event()

    async def writer(w: int) -> None:
        nonlocal refused_at_connection
        for i in range(100_000):
            if stop.is_set():
                return
            node, room_id = nodes[(w + i) % 3], f"w{w}-{i}"
            killed_before = c.server.process.poll() is not None
            try:
                answer = await node.live.call("create_room", {"RoomInfo": {"RoomId": room_id, "RoomType": "Live"}})
            except httpx.TransportError:
                assert node is c and killing.is_set(), f"node {node.name} failed at the connection"
                refused_at_connection += 1
                continue
            assert answer["ErrorCode"] == 0, (node.name, answer)
            acknowledged[room_id] = node.name
            if killed_before:
                acks_after_kill[node.name] += 1

    async def until(condition: Callable[[], bool], what: str) -> None:
        for _ in range(int(WAIT / 0.01)):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"never: {what}")

    async with a.member("alice") as alice, c.member("carol") as carol:
        await alice.enter(ROOM)
        await carol.enter("elsewhere")
        writers = [asyncio.create_task(writer(w)) for w in range(3)]
        try:
            await until(lambda: Counter(acknowledged.values())["C"] >= 10, "10 creates acknowledged by C")
            killing.set()
            await asyncio.to_thread(c.kill)
            await until(
                lambda: min(acks_after_kill["A"], acks_after_kill["B"]) >= 10 and refused_at_connection >= 3,
                "A and B acknowledge 10 creates each after the kill, C refuses 3 at the connection",
            )
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*writers), WAIT)
        assert acks_after_kill["C"] == 0

        # Every create acknowledged by any node, C included, is there for the survivors.
        by_c = [room_id for room_id, name in acknowledged.items() if name == "C"]
        for node in (a, b):
            assert set(acknowledged) <= await listed_rooms(node)
            infos = await asyncio.gather(*(room_info(node.live, room_id) for room_id in by_c))
            assert [info["RoomId"] for info in infos] == by_c

        # A and B go on: writes on one are read on the other, and reach a member connected to the other.
        await b.live.ok("update_room_info", {"RoomInfo": {"RoomId": ROOM, "Notice": "after the kill"}})
        assert (await room_info(a.live, ROOM))["Notice"] == "after the kill"
        changed = await next_event(alice)
        assert isinstance(changed, RoomInfoChanged) and changed.data == {"Notice": "after the kill"}
        await send_text(b, "still here")
        assert text("still here")(await next_event(alice))
        await a.live.create_room("after-kill")
        assert (await room_info(b.live, "after-kill"))["RoomId"] == "after-kill"

        # The member on C lost the connection; that is how the failure shows, not as an event.
        with pytest.raises(ConnectionClosedError):
            await events_until(carol, lambda _: False)


# 5. presence across nodes ------------------------------------------------------------------------------------------


async def test_members_online_on_any_node_count_on_every_node_up_to_max_member_count(nodes: Nodes) -> None:
    a, b, c = nodes
    await a.live.import_accounts("host", "alice", "bob", "carol")
    await a.live.create_room("tiny", Owner_Account="host", MaxMemberCount=2)

    async def counts() -> list[int]:
        return [await member_count(node, "tiny") for node in (a, b, c)]

    async with a.member("alice") as alice, b.member("bob") as bob, c.member("carol") as carol:
        await alice.enter("tiny")
        assert await counts() == [1, 1, 1]
        entered = await bob.enter("tiny")
        assert [member async for member in bob.iter_members("tiny")] == ["alice", "bob"]
        assert entered.room_info.member_count == 2
        seen = await next_event(alice)
        assert isinstance(seen, MemberEntered) and (seen.member_account, seen.member_count) == ("bob", 2)
        assert await counts() == [2, 2, 2]

        # Full with one member on A and one on B: C refuses as one node does (tests/realtime/test_gateway.py).
        with pytest.raises(PermissionDeniedError) as refused:
            await carol.enter("tiny")
        assert (refused.value.code, refused.value.reason) == (ErrorCode.NO_PERMISSION, "room_full")
        for node in (a, b, c):
            info = await room_info(node.live, "tiny")
            assert (info["MemberCount"], info["ViewCount"]) == (2, 2)

        # The place freed on A is free on C.
        await alice.leave("tiny")
        left = await next_event(bob)
        assert isinstance(left, MemberLeft)
        assert (left.member_account, left.member_count, left.reason) == ("alice", 1, "left")
        assert await counts() == [1, 1, 1]
        await carol.enter("tiny")
        seen = await next_event(bob)
        assert isinstance(seen, MemberEntered) and (seen.member_account, seen.member_count) == ("carol", 2)
        assert await counts() == [2, 2, 2]


async def test_a_ban_on_node_b_removes_a_member_online_on_node_a_everywhere(nodes: Nodes) -> None:
    a, b, c = nodes
    await a.live.import_accounts("host", "alice", "bob", "carol")
    await a.live.create_room(ROOM, Owner_Account="host")

    async with members_in(ROOM, (a, "alice"), (b, "bob"), (c, "carol")) as (alice, bob, carol):
        assert [await member_count(node) for node in (a, b, c)] == [3, 3, 3]
        await b.live.ok("ban_member", {"RoomId": ROOM, "MemberList_Account": ["alice"], "Duration": 600})

        banned = await next_event(alice)
        assert isinstance(banned, MemberBanned) and banned.member_list_account == ["alice"]
        assert ROOM not in alice.rooms
        for rt in (bob, carol):
            seen = [await next_event(rt), await next_event(rt)]
            assert [type(event) for event in seen] == [MemberBanned, MemberLeft], seen
            left = seen[1]
            assert isinstance(left, MemberLeft)
            assert (left.member_account, left.member_count, left.reason) == ("alice", 2, "banned")
        assert [await member_count(node) for node in (a, b, c)] == [2, 2, 2]

        # Banned on every node, whichever the member comes back through.
        async with c.member("alice") as again:
            with pytest.raises(PermissionDeniedError) as refused:
                await again.enter(ROOM)
            assert (refused.value.code, refused.value.reason) == (ErrorCode.NO_PERMISSION, "banned")


async def test_the_members_of_a_killed_node_leave_the_rooms_on_the_surviving_nodes(
    nodes: Nodes,
) -> None:
    a, b, c = nodes
    await a.live.import_accounts("host", "alice", "bob", "carol", "dave")
    await a.live.create_room(ROOM, Owner_Account="host")

    async with members_in(ROOM, (a, "alice"), (b, "bob"), (c, "carol")) as (alice, bob, _):
        assert [await member_count(node) for node in (a, b)] == [3, 3]
        c.kill()
        # Within the presence TTL and a sweep (next_event waits WAIT seconds at most, well beyond that).
        for rt in (alice, bob):
            left = await next_event(rt)
            assert isinstance(left, MemberLeft), left
            assert (left.member_account, left.member_count, left.reason) == ("carol", 2, "disconnected")
        assert [await member_count(node) for node in (a, b)] == [2, 2]

        # Once: the next event after it is the next thing that happened in the room.
        await send_text(a, "after")
        for rt in (alice, bob):
            after = await next_event(rt)
            assert text("after")(after), after

        # Whoever enters now is told the members still online.
        async with b.member("dave") as dave:
            entered = await dave.enter(ROOM)
            # In the order they entered, whichever node each is connected through.
            assert [member async for member in dave.iter_members(ROOM)] == ["alice", "bob", "dave"]
            assert entered.room_info.member_count == 3


async def test_an_invitation_and_a_kick_from_node_a_reach_a_member_on_node_b_and_the_answer_returns(
    nodes: Nodes,
) -> None:
    a, b, c = nodes
    await a.live.import_accounts("host", "alice", "bob")
    await a.live.create_room("stage", Owner_Account="host", IsSeatEnabled=True, MaxSeatCount=2)
    async with members_in("stage", (a, "host"), (b, "alice"), (c, "bob")) as (host, alice, bob):
        await host.invite_to_seat("stage", "alice", 1)
        invited = await next_event(alice)
        assert isinstance(invited, SeatInvitation) and (invited.index, invited.operator_account) == (1, "host")
        assert await alice.answer_invitation("stage", True) == "accepted"
        seen = await events_until(host, lambda e: isinstance(e, SeatInvitationResult))
        assert [type(e) for e in seen] == [SeatInvitation, SeatListChanged, SeatInvitationResult]
        result = seen[-1]
        assert isinstance(result, SeatInvitationResult) and (result.result, result.operator_account) == (
            "accepted",
            "alice",
        )
        changed = await next_event(bob)  # not the invitation's events: only the seat list
        assert isinstance(changed, SeatListChanged) and changed.seat_list[1].member_account == "alice"

        await host.kick_member("stage", ["alice"])
        kicked = (await events_until(alice, lambda e: isinstance(e, KickedOutOfRoom)))[-1]
        assert isinstance(kicked, KickedOutOfRoom) and kicked.operator_account == "host"
        assert "stage" not in alice.rooms
        seen = await events_until(bob, lambda e: isinstance(e, MemberLeft))
        assert [type(e) for e in seen] == [SeatListChanged, MemberLeft]
        left = seen[-1]
        assert isinstance(left, MemberLeft) and (left.member_account, left.reason) == ("alice", "kicked")
        assert [m async for m in bob.iter_members("stage")] == ["host", "bob"]
