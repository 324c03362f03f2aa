"""Seats end to end: the room_engine_http_mic REST APIs and the gateway's take / leave / apply, seen by members."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from liveroom.api.app import LiveroomApp, create_app
from liveroom.realtime.gateway import RealtimeGateway
from liveroom.settings import Settings
from tests.helpers import LiveClient
from tests.realtime.wsclient import WSClient

MIC = "room_engine_http_mic"
ROOM = "stage"


def free(index: int) -> dict[str, Any]:
    return {
        "Index": index,
        "Member_Account": "",
        "IsTakenDisabled": False,
        "IsVideoDisabled": False,
        "IsAudioDisabled": False,
        "IsMicrophoneClosed": False,
    }


@pytest.fixture
async def clients(server: LiveroomApp, live: LiveClient) -> AsyncIterator[Callable[..., Any]]:
    await live.import_accounts("host", "alice", "bob", "carol")
    await live.create_room(ROOM, Owner_Account="host", SeatTemplate="AudioSalon", MaxSeatCount=4)
    made: list[WSClient] = []

    async def join(user: str, room_id: str = ROOM, app: Any = None) -> WSClient:
        client = await WSClient(app or server).__aenter__()
        made.append(client)
        await client.login(user)
        await client.enter(room_id)
        return client

    yield join
    for client in made:
        await client.disconnect()


async def seat_list(live: LiveClient, room_id: str = ROOM) -> list[dict[str, Any]]:
    data = await live.ok("get_seat_list", {"RoomId": room_id}, service=MIC)
    seats: list[dict[str, Any]] = data["Response"]["SeatList"]
    return seats


def occupants(seats: list[dict[str, Any]]) -> list[str]:
    return [s["Member_Account"] for s in seats]


# get_seat_list --------------------------------------------------------------------------------------------


async def test_get_seat_list_answers_every_seat(live: LiveClient, clients: Callable[..., Any]) -> None:
    assert await seat_list(live) == [free(i) for i in range(4)]
    await live.create_room("talk-show")
    assert await seat_list(live, "talk-show") == []
    await live.fails(100004, "get_seat_list", {"RoomId": "nope"}, service=MIC)


# a member's own seat (FreeToTake) -------------------------------------------------------------------------


async def test_a_member_takes_and_leaves_a_free_seat(live: LiveClient, clients: Callable[..., Any]) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    await alice.event("member_entered")
    assert (await alice.request("take_seat", RoomId=ROOM, Index=2))["type"] == "ok"
    changed = await bob.event("seat_list_changed")
    assert occupants(changed["data"]["SeatList"]) == ["", "", "alice", ""]
    assert occupants(await seat_list(live)) == ["", "", "alice", ""]

    reply = await bob.request("take_seat", RoomId=ROOM, Index=2)
    assert (reply["code"], reply["reason"]) == (100006, "seat_taken")
    reply = await alice.request("take_seat", RoomId=ROOM, Index=1)
    assert (reply["code"], reply["reason"]) == (100006, "already_seated")
    reply = await bob.request("take_seat", RoomId=ROOM, Index=4)
    assert (reply["code"], reply["reason"]) == (100002, "invalid")

    assert (await alice.request("leave_seat", RoomId=ROOM))["type"] == "ok"
    assert occupants((await bob.event("seat_list_changed"))["data"]["SeatList"]) == ["", "", "", ""]
    reply = await alice.request("leave_seat", RoomId=ROOM)
    assert (reply["code"], reply["reason"]) == (100005, "not_seated")


async def test_leaving_the_room_or_being_banned_frees_the_seat(live: LiveClient, clients: Callable[..., Any]) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    await alice.request("take_seat", RoomId=ROOM, Index=0)
    await bob.request("take_seat", RoomId=ROOM, Index=1)
    assert occupants(await seat_list(live)) == ["alice", "bob", "", ""]
    await bob.disconnect()
    assert occupants(await seat_list(live)) == ["alice", "", "", ""]
    await live.ok("ban_member", {"RoomId": ROOM, "MemberList_Account": ["alice"], "Duration": 60})
    assert occupants(await seat_list(live)) == ["", "", "", ""]


async def test_a_room_without_seats_refuses_take_seat(live: LiveClient, clients: Callable[..., Any]) -> None:
    await live.create_room("talk-show")
    alice = await clients("alice", "talk-show")
    reply = await alice.request("take_seat", RoomId="talk-show", Index=0)
    assert (reply["code"], reply["reason"]) == (100211, "no_seats")


# the admin APIs -------------------------------------------------------------------------------------------


async def test_pick_user_on_seat(live: LiveClient, clients: Callable[..., Any]) -> None:
    bob = await clients("bob")
    await live.ok("pick_user_on_seat", {"RoomId": ROOM, "Index": 3, "Member_Account": "bob"}, service=MIC)
    picked = await bob.event("picked_on_seat")
    assert picked["data"] == {"Member_Account": "bob", "Index": 3}
    assert occupants((await bob.event("seat_list_changed"))["data"]["SeatList"]) == ["", "", "", "bob"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"RoomId": ROOM, "Index": 3, "Member_Account": "carol"}, 100005),
        ({"RoomId": ROOM, "Index": 0, "Member_Account": "alice"}, 100006),
        ({"RoomId": ROOM, "Index": 1, "Member_Account": "alice"}, 100006),
        ({"RoomId": ROOM, "Index": 4, "Member_Account": "bob"}, 100002),
        ({"RoomId": ROOM, "Index": -1, "Member_Account": "bob"}, 100002),
        ({"RoomId": ROOM, "Member_Account": "bob"}, 100002),
        ({"RoomId": ROOM, "Index": 1, "Member_Account": 5}, 60015),
        ({"RoomId": "nope", "Index": 1, "Member_Account": "bob"}, 100004),
        ({"RoomId": "talk-show", "Index": 0, "Member_Account": "bob"}, 100211),
    ],
)
async def test_pick_user_on_seat_refusals(
    live: LiveClient, clients: Callable[..., Any], body: dict[str, Any], code: int
) -> None:
    await live.create_room("talk-show")
    alice = await clients("alice")
    await clients("bob")
    await alice.request("take_seat", RoomId=ROOM, Index=0)
    await live.fails(code, "pick_user_on_seat", body, service=MIC)
    assert occupants(await seat_list(live)) == ["alice", "", "", ""]


async def test_kick_user_off_seat_delivers_data_to_the_user(live: LiveClient, clients: Callable[..., Any]) -> None:
    bob = await clients("bob")
    await bob.request("take_seat", RoomId=ROOM, Index=1)
    await bob.sync()
    body = {"RoomId": ROOM, "Member_Account": "bob", "Data": "thanks for singing"}
    await live.ok("kick_user_off_seat", body, service=MIC)
    kicked = await bob.event("kicked_off_seat")
    assert kicked["data"] == {"Member_Account": "bob", "Index": 1, "Data": "thanks for singing"}
    assert occupants(await seat_list(live)) == ["", "", "", ""]
    await live.fails(100005, "kick_user_off_seat", body, service=MIC)
    await live.fails(100002, "kick_user_off_seat", {"RoomId": ROOM, "Member_Account": "bob"}, service=MIC)


async def test_lock_seat_removes_its_user_and_keeps_it_free(live: LiveClient, clients: Callable[..., Any]) -> None:
    bob = await clients("bob")
    await bob.request("take_seat", RoomId=ROOM, Index=1)
    await bob.sync()
    await live.ok("lock_seat", {"RoomId": ROOM, "Index": 1, "ForbidTaken": True}, service=MIC)
    assert (await bob.event("kicked_off_seat"))["data"]["Member_Account"] == "bob"
    seats = await seat_list(live)
    assert seats[1] == {**free(1), "IsTakenDisabled": True}
    reply = await bob.request("take_seat", RoomId=ROOM, Index=1)
    assert reply["reason"] == "seat_locked"
    await live.ok("lock_seat", {"RoomId": ROOM, "Index": 1, "ForbidVideo": True, "ForbidAudio": True}, service=MIC)
    seats = await seat_list(live)
    assert seats[1] == {**free(1), "IsTakenDisabled": True, "IsVideoDisabled": True, "IsAudioDisabled": True}
    await live.ok("lock_seat", {"RoomId": ROOM, "Index": 1, "ForbidTaken": False}, service=MIC)
    assert (await bob.request("take_seat", RoomId=ROOM, Index=1))["type"] == "ok"


async def test_lock_seat_refusals(live: LiveClient, clients: Callable[..., Any]) -> None:
    await live.create_room("talk-show")
    await live.fails(100211, "lock_seat", {"RoomId": "talk-show", "Index": 0, "ForbidTaken": True}, service=MIC)
    await live.fails(100004, "lock_seat", {"RoomId": "nope", "Index": 0}, service=MIC)
    await live.fails(100002, "lock_seat", {"RoomId": ROOM, "Index": 9}, service=MIC)
    await live.fails(100002, "lock_seat", {"RoomId": ROOM, "Index": 0, "ForbidTaken": 1}, service=MIC)


async def test_switch_seat_moves_a_seated_user_to_a_free_seat(live: LiveClient, clients: Callable[..., Any]) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    await alice.request("take_seat", RoomId=ROOM, Index=0)
    await bob.request("take_seat", RoomId=ROOM, Index=1)
    await live.ok("switch_seat", {"RoomId": ROOM, "ToIndex": 3, "Member_Account": "alice"}, service=MIC)
    assert occupants(await seat_list(live)) == ["", "bob", "", "alice"]
    await live.fails(100006, "switch_seat", {"RoomId": ROOM, "ToIndex": 1, "Member_Account": "alice"}, service=MIC)
    await live.fails(100005, "switch_seat", {"RoomId": ROOM, "ToIndex": 2, "Member_Account": "carol"}, service=MIC)
    await live.fails(100002, "switch_seat", {"RoomId": ROOM, "ToIndex": 4, "Member_Account": "alice"}, service=MIC)
    assert occupants(await seat_list(live)) == ["", "bob", "", "alice"]


async def test_move_user_to_seat_policies(live: LiveClient, clients: Callable[..., Any]) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    carol = await clients("carol")
    await alice.request("take_seat", RoomId=ROOM, Index=0)
    await bob.request("take_seat", RoomId=ROOM, Index=1)

    def move(user: str, index: int, policy: int) -> dict[str, Any]:
        return {"RoomId": ROOM, "SeatIndex": index, "Member_Account": user, "Policy": policy}

    await live.fails(100006, "move_user_to_seat", move("alice", 1, 0), service=MIC)
    await live.ok("move_user_to_seat", move("alice", 2, 0), service=MIC)
    assert occupants(await seat_list(live)) == ["", "bob", "alice", ""]
    await live.ok("move_user_to_seat", move("alice", 1, 2), service=MIC)
    assert occupants(await seat_list(live)) == ["", "alice", "bob", ""]
    await carol.sync()
    await live.ok("move_user_to_seat", move("carol", 2, 1), service=MIC)
    assert occupants(await seat_list(live)) == ["", "alice", "carol", ""]
    assert (await bob.until_event("kicked_off_seat"))["data"]["Member_Account"] == "bob"
    # A swap with a mover who had no seat leaves the occupant without one.
    await live.ok("move_user_to_seat", move("bob", 1, 2), service=MIC)
    assert occupants(await seat_list(live)) == ["", "bob", "carol", ""]
    await live.fails(100002, "move_user_to_seat", move("bob", 3, 3), service=MIC)
    await live.ok("lock_seat", {"RoomId": ROOM, "Index": 3, "ForbidTaken": True}, service=MIC)
    await live.fails(100006, "move_user_to_seat", move("bob", 3, 1), service=MIC)
    await live.fails(100005, "move_user_to_seat", move("host", 0, 0), service=MIC)
    assert occupants(await seat_list(live)) == ["", "bob", "carol", ""]


# ApplyToTake ----------------------------------------------------------------------------------------------


@pytest.fixture
async def apply_room(live: LiveClient, clients: Callable[..., Any]) -> str:
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": ROOM, "TakeSeatMode": "ApplyToTake"}})
    return ROOM


async def test_an_application_approved_by_the_owner_seats_the_member(
    live: LiveClient, clients: Callable[..., Any], apply_room: str
) -> None:
    host = await clients("host")
    alice = await clients("alice")
    bob = await clients("bob")
    for client in (host, alice):
        await client.sync()
    applied = await alice.request("take_seat", RoomId=ROOM, Index=1)
    assert applied == {"type": "applied", "ref": applied["ref"], "RoomId": ROOM, "Index": 1}
    application = await host.event("seat_application")
    assert application["data"] == {"Member_Account": "alice", "Index": 1}
    assert occupants(await seat_list(live)) == ["", "", "", ""]
    # Only the owner and admins hear of applications.
    assert await bob.sync() == []

    answer = await bob.request("answer_seat", RoomId=ROOM, Member_Account="alice", Approve=True)
    assert (answer["code"], answer["reason"]) == (100006, "not_allowed")
    answer = await host.request("answer_seat", RoomId=ROOM, Member_Account="alice", Approve=True)
    assert answer["Result"] == "approved"
    result = await alice.until_event("seat_application_result")
    assert result["data"] == {"Member_Account": "alice", "Index": 1, "Result": "approved"}
    assert occupants(await seat_list(live)) == ["", "alice", "", ""]
    answer = await host.request("answer_seat", RoomId=ROOM, Member_Account="alice", Approve=True)
    assert answer["reason"] == "no_application"


async def test_an_application_rejected_by_an_admin_seats_nobody(
    live: LiveClient, clients: Callable[..., Any], apply_room: str
) -> None:
    await live.ok("modify_admin", {"RoomId": ROOM, "Admin_Account": ["carol"], "OpType": "add"})
    carol = await clients("carol")
    alice = await clients("alice")
    await alice.sync()
    assert (await alice.request("take_seat", RoomId=ROOM, Index=0))["type"] == "applied"
    reply = await alice.request("take_seat", RoomId=ROOM, Index=2)
    assert reply["reason"] == "already_applied"
    await carol.until_event("seat_application")
    answer = await carol.request("answer_seat", RoomId=ROOM, Member_Account="alice", Approve=False)
    assert answer["Result"] == "rejected"
    assert (await alice.until_event("seat_application_result"))["data"]["Result"] == "rejected"
    assert occupants(await seat_list(live)) == ["", "", "", ""]
    # Admins and the owner sit without applying.
    assert (await carol.request("take_seat", RoomId=ROOM, Index=3))["type"] == "ok"


async def test_an_unanswered_application_times_out(
    server: LiveroomApp, live: LiveClient, clients: Callable[..., Any], apply_room: str
) -> None:
    gateway = RealtimeGateway(server.services, server.authenticator, server.apps.get, seat_application_timeout=0.05)
    hasty = Starlette(routes=[WebSocketRoute("/realtime", gateway.endpoint)])
    alice = await clients("alice", app=hasty)
    assert (await alice.request("take_seat", RoomId=ROOM, Index=0))["type"] == "applied"
    result = await alice.until_event("seat_application_result")
    assert result["data"]["Result"] == "timeout"
    assert occupants(await seat_list(live)) == ["", "", "", ""]


async def test_after_a_restart_seats_of_members_no_longer_online_are_free(
    live: LiveClient, clients: Callable[..., Any], settings: Settings
) -> None:
    alice = await clients("alice")
    await alice.request("take_seat", RoomId=ROOM, Index=0)
    await live.ok("lock_seat", {"RoomId": ROOM, "Index": 0, "ForbidVideo": True}, service=MIC)
    restarted = create_app(settings)
    async with restarted.lifespan(restarted.web):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://liveroom.test") as http:
            seats = await seat_list(LiveClient(http))
    assert seats[0] == {**free(0), "IsVideoDisabled": True}
