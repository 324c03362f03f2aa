"""The audience over REST, on every backend: get_member_list (decisions.md section 11) with members online through
the client gateway, and kick_member (a kick without a ban) as the room and the kicked member see it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from tests.helpers import Guarded, LiveClient
from tests.realtime.wsclient import WSClient

ROOM = "audience"


@pytest.fixture
async def online(server: LiveroomApp) -> AsyncIterator[Callable[..., Any]]:
    """``await online(user, ...)``: each user connected and in ROOM, in that order; all disconnected at the end."""
    clients: list[WSClient] = []

    async def enter(*users: str, room_id: str = ROOM) -> list[WSClient]:
        entered = []
        for user in users:
            client = await WSClient(server).__aenter__()
            clients.append(client)
            await client.login(user)
            await client.enter(room_id)
            entered.append(client)
        return entered

    yield enter
    for client in clients:
        await client.disconnect()


@pytest.fixture
async def room(live: LiveClient) -> str:
    await live.import_accounts("host", "admin-1", "admin-2")
    await live.import_accounts(*(f"v{i:03}" for i in range(100)))
    await live.import_accounts(*(f"v{i:03}" for i in range(100, 110)))
    await live.create_room(ROOM, Owner_Account="host", IsSeatEnabled=True, MaxSeatCount=2)
    return ROOM


async def members(live: LiveClient, next_cursor: str = "") -> dict[str, Any]:
    data = await live.ok("get_member_list", {"RoomId": ROOM, "Next": next_cursor})
    response: dict[str, Any] = data["Response"]
    return response


def names(page: dict[str, Any]) -> list[str]:
    return [m["Member_Account"] for m in page["MemberList"]]


# get_member_list ------------------------------------------------------------------------------------------


async def test_an_empty_room_answers_no_members_and_no_next(live: LiveClient, room: str) -> None:
    page = await members(live)
    assert page == {"Next": "", "MemberCount": 0, "MemberList": []}
    data = await live.ok("get_member_list", {"RoomId": room})  # Next may be left out
    assert data["Response"] == page


async def test_owner_and_admins_come_first_then_members_in_entry_order(
    live: LiveClient, room: str, online: Callable[..., Any]
) -> None:
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["admin-2", "admin-1"], "OpType": "add"})
    await online("v001", "admin-2", "v000", "host", "v002")
    page = await members(live)
    # Exactly: the owner, the admins online (admin-1 is not), then the others as they entered.
    assert names(page) == ["host", "admin-2", "v001", "v000", "v002"]
    assert page["MemberCount"] == 5
    assert page["Next"] == ""


async def test_pages_of_at_most_100_follow_next_and_list_everyone_once(
    live: LiveClient, room: str, online: Callable[..., Any]
) -> None:
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["admin-1"], "OpType": "add"})
    viewers = [f"v{i:03}" for i in range(105)]
    await online(*viewers[:50], "admin-1", *viewers[50:])
    first = await members(live)
    assert first["MemberCount"] == 106
    assert len(first["MemberList"]) == 100
    assert names(first) == ["admin-1", *viewers[:99]]
    assert first["Next"]
    second = await members(live, first["Next"])
    assert names(second) == viewers[99:]
    assert second["Next"] == ""
    assert second["MemberCount"] == 106


async def test_the_list_is_live_between_pages(live: LiveClient, room: str, online: Callable[..., Any]) -> None:
    viewers = [f"v{i:03}" for i in range(101)]
    clients = await online(*viewers)
    first = await members(live)
    assert names(first) == viewers[:100]
    # v100 leaves and v101 enters before the next page is asked for; v000, on the first page, leaves too.
    await clients[100].request("leave", RoomId=room)
    await clients[0].request("leave", RoomId=room)
    await online("v101")
    second = await members(live, first["Next"])
    assert names(second) == ["v101"]
    assert second["MemberCount"] == 100
    # Read from the start again: now without the members who left.
    again = await members(live)
    assert names(again) == [*viewers[1:100], "v101"]
    assert again["Next"] == ""


@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({"RoomId": "no-such-room", "Next": ""}, 100004, "RoomId"),
        ({"Next": ""}, 100002, "RoomId"),
        ({"RoomId": ROOM, "Next": "not-a-cursor"}, 100002, "Next"),
        ({"RoomId": ROOM, "Next": "0"}, 100002, "Next"),
        ({"RoomId": ROOM, "Next": "007"}, 100002, "Next"),
        ({"RoomId": ROOM, "Next": "-5"}, 100002, "Next"),
        ({"RoomId": ROOM, "Next": "99999999999999999999"}, 100002, "Next"),
        ({"RoomId": ROOM, "Next": 5}, 100002, "Next"),
        ({"RoomId": ROOM, "Next": "x" * 65}, 100002, "Next"),
    ],
)
async def test_get_member_list_refuses_bad_input(
    live: LiveClient, room: str, body: dict[str, object], code: int, named: str
) -> None:
    info = await live.fails(code, "get_member_list", body)
    assert info.startswith(named), info


# kick_member ----------------------------------------------------------------------------------------------


async def test_a_kick_takes_members_out_with_the_events_and_they_may_come_back_at_once(
    live: LiveClient, room: str, online: Callable[..., Any]
) -> None:
    host, alice, bob = await online("host", "v001", "v002")
    await bob.request("take_seat", RoomId=room, Index=1)
    await host.sync()
    await alice.sync()
    await live.ok("kick_member", {"RoomId": room, "MemberList_Account": ["v002", "v099", "v002"]})
    # The kicked member is told, personally, and is out of the room.
    kicked = await bob.until_event("kicked_out_of_room")
    assert kicked["Operator_Account"] == "administrator"
    assert kicked["data"] == {"Member_Account": "v002", "Reason": "by_admin"}
    assert [f for f in await bob.sync() if f["type"] == "event"] == []
    refused = await bob.request("send_text", RoomId=room, TextContent="still here?")
    assert refused["reason"] == "not_in_room"
    # The room sees the seat freed and the member leave (nobody else gets kicked_out_of_room).
    for client in (host, alice):
        frames = [f for f in await client.sync() if f["type"] == "event"]
        kinds = [f["event"] for f in frames]
        assert kinds == ["seat_list_changed", "member_left"], kinds
        assert frames[1]["data"] == {"Member_Account": "v002", "MemberCount": 2, "Reason": "kicked"}
    page = await members(live)
    assert names(page) == ["host", "v001"]
    # No ban: the member enters again at once, a new view.
    entered = await bob.enter(room)
    assert entered["RoomInfo"]["MemberCount"] == 3
    assert entered["RoomInfo"]["ViewCount"] == 4
    assert (await live.ok("get_banned_member_list", {"RoomId": room}))["Response"]["BannedAccountList"] == []


async def test_kicking_members_not_in_the_room_is_a_success_that_changes_nothing(
    live: LiveClient, room: str, online: Callable[..., Any]
) -> None:
    (alice,) = await online("v001")
    await live.ok("kick_member", {"RoomId": room, "MemberList_Account": ["v002"]})
    assert await alice.sync() == []
    assert (await members(live))["MemberCount"] == 1


@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({"RoomId": "no-such-room", "MemberList_Account": ["v001"]}, 100004, "RoomId"),
        ({"RoomId": ROOM, "MemberList_Account": ["v001", "host"]}, 100006, "MemberList_Account"),
        ({"RoomId": ROOM, "MemberList_Account": ["v001", "never-imported"]}, 70107, "MemberList_Account"),
        ({"RoomId": ROOM, "MemberList_Account": []}, 100002, "MemberList_Account"),
        ({"RoomId": ROOM, "MemberList_Account": [f"v{i:03}" for i in range(21)]}, 100002, "MemberList_Account"),
        ({"RoomId": ROOM, "MemberList_Account": [12]}, 60015, "MemberList_Account"),
        ({"RoomId": ROOM}, 100002, "MemberList_Account"),
    ],
)
async def test_kick_member_refuses_bad_input_and_takes_nobody_out(
    live: LiveClient,
    guard: Guarded,
    room: str,
    online: Callable[..., Any],
    body: dict[str, object],
    code: int,
    named: str,
) -> None:
    (alice,) = await online("v001")
    info = await guard.fails(code, "kick_member", body)
    assert info.startswith(named), info
    assert await alice.sync() == []
    assert names(await members(live)) == ["v001"]
