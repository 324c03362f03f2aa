"""Moderation on the client gateway: the owner and admins kick, ban, mute, take off and lock seats, move guests and
close or open their microphones, over WebSockets; everyone else is refused; the room sees each action."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from tests.helpers import LiveClient
from tests.realtime.wsclient import WSClient

MIC = "room_engine_http_mic"
ROOM = "stage"
Join = Callable[..., Any]


@pytest.fixture
async def join(server: LiveroomApp, live: LiveClient) -> AsyncIterator[Join]:
    await live.import_accounts("host", "admin", "admin-2", "alice", "bob")
    await live.create_room(ROOM, Owner_Account="host", IsSeatEnabled=True, MaxSeatCount=4)
    await live.ok("modify_admin", {"RoomId": ROOM, "Admin_Account": ["admin", "admin-2"], "OpType": "add"})
    made: list[WSClient] = []

    async def enter(*users: str) -> list[WSClient]:
        clients = []
        for user in users:
            client = await WSClient(server).__aenter__()
            made.append(client)
            await client.login(user)
            await client.enter(ROOM)
            clients.append(client)
        return clients

    yield enter
    for client in made:
        await client.disconnect()


async def events(client: WSClient) -> list[dict[str, Any]]:
    """The events that reached ``client`` so far."""
    return [frame for frame in await client.sync() if frame["type"] == "event"]


async def ok(client: WSClient, kind: str, **fields: Any) -> None:
    answer = await client.request(kind, RoomId=ROOM, **fields)
    assert answer["type"] == "ok", answer


async def seats(live: LiveClient) -> list[dict[str, Any]]:
    data = await live.ok("get_seat_list", {"RoomId": ROOM}, service=MIC)
    listed: list[dict[str, Any]] = data["Response"]["SeatList"]
    return listed


REQUESTS = [
    ("kick_member", {"MemberList_Account": ["bob"]}),
    ("ban_member", {"MemberList_Account": ["bob"], "Duration": 60}),
    ("mute_member", {"MemberList_Account": ["bob"], "MuteTime": 60}),
    ("kick_user_off_seat", {"Member_Account": "bob"}),
    ("lock_seat", {"Index": 1, "ForbidTaken": True}),
    ("move_user_to_seat", {"Member_Account": "bob", "SeatIndex": 3}),
    ("close_microphone", {"Member_Account": "bob"}),
    ("open_microphone", {"Member_Account": "bob"}),
]


@pytest.mark.parametrize(("kind", "fields"), REQUESTS, ids=[kind for kind, _ in REQUESTS])
async def test_a_member_who_is_neither_owner_nor_admin_is_refused_and_nothing_happens(
    join: Join, live: LiveClient, kind: str, fields: dict[str, Any]
) -> None:
    alice, bob = await join("alice", "bob")
    await ok(bob, "take_seat", Index=1)
    before = await seats(live)
    await events(bob)
    refused = await alice.request(kind, RoomId=ROOM, **fields)
    assert (refused["type"], refused["code"], refused["reason"]) == ("error", 100006, "not_allowed"), refused
    assert await events(bob) == []
    assert await seats(live) == before
    assert (await bob.request("send_text", RoomId=ROOM, TextContent="still here"))["type"] == "ok"


@pytest.mark.parametrize(("kind", "fields"), REQUESTS[:4], ids=[kind for kind, _ in REQUESTS[:4]])
async def test_an_admin_may_not_act_on_the_owner_or_another_admin(
    join: Join, kind: str, fields: dict[str, Any]
) -> None:
    admin, _, _ = await join("admin", "admin-2", "host")
    for target in ("host", "admin-2"):
        aimed = {
            k: ([target] if isinstance(v, list) else target if k == "Member_Account" else v) for k, v in fields.items()
        }
        refused = await admin.request(kind, RoomId=ROOM, **aimed)
        assert (refused["code"], refused["reason"]) == (100006, "not_allowed"), refused
        assert repr(target) in refused["info"]


async def test_moderating_a_room_the_connection_is_not_in_is_refused(join: Join, server: LiveroomApp) -> None:
    await join("bob")
    async with WSClient(server) as host:
        await host.login("host")
        refused = await host.request("kick_member", RoomId=ROOM, MemberList_Account=["bob"])
        assert (refused["code"], refused["reason"]) == (100005, "not_in_room")


async def test_an_admin_kicks_as_rest_does_and_the_member_may_come_back(join: Join, live: LiveClient) -> None:
    admin, alice, bob = await join("admin", "alice", "bob")
    await ok(bob, "take_seat", Index=2)
    await events(admin)
    await events(alice)
    await ok(admin, "kick_member", MemberList_Account=["bob"])
    kicked = await bob.until_event("kicked_out_of_room")
    assert (kicked["Operator_Account"], kicked["data"]) == ("admin", {"Member_Account": "bob", "Reason": "by_admin"})
    seen = await events(alice)
    assert [e["event"] for e in seen] == ["seat_list_changed", "member_left"]
    assert seen[1]["data"] == {"Member_Account": "bob", "MemberCount": 2, "Reason": "kicked"}
    page = await live.ok("get_member_list", {"RoomId": ROOM})
    assert page["Response"]["MemberCount"] == 2
    assert (await bob.enter(ROOM))["RoomInfo"]["MemberCount"] == 3


async def test_the_owner_bans_and_mutes_and_the_room_sees_it(join: Join, live: LiveClient) -> None:
    host, alice, bob = await join("host", "alice", "bob")
    await ok(host, "mute_member", MemberList_Account=["alice"], MuteTime=600)
    muted = await alice.until_event("member_muted")
    assert muted["Operator_Account"] == "host" and muted["data"]["MemberList_Account"] == ["alice"]
    refused = await alice.request("send_text", RoomId=ROOM, TextContent="hi")
    assert refused["reason"] == "muted"
    await ok(host, "ban_member", MemberList_Account=["bob"], Duration=600, Reason="spam")
    banned = await bob.until_event("member_banned")
    assert banned["data"]["MemberList_Account"] == ["bob"] and banned["data"]["Reason"] == "spam"
    left = await alice.until_event("member_left")
    assert left["data"] == {"Member_Account": "bob", "MemberCount": 2, "Reason": "banned"}
    again = await bob.request("enter", RoomId=ROOM)
    assert (again["code"], again["reason"]) == (100006, "banned")
    listed = await live.ok("get_banned_member_list", {"RoomId": ROOM})
    assert [b["Member_Account"] for b in listed["Response"]["BannedAccountList"]] == ["bob"]
    # The owner cannot ban themselves; a reason over 200 bytes is refused as REST refuses it.
    refused = await host.request("ban_member", RoomId=ROOM, MemberList_Account=["host"], Duration=60)
    assert (refused["code"], refused["reason"]) == (100006, "not_allowed")
    refused = await host.request("ban_member", RoomId=ROOM, MemberList_Account=["alice"], Duration=60, Reason="é" * 101)
    assert (refused["code"], refused["reason"]) == (100002, "invalid") and refused["info"].startswith("Reason")


async def test_seats_are_taken_off_locked_and_moved_by_an_admin(join: Join, live: LiveClient) -> None:
    admin, alice, bob = await join("admin", "alice", "bob")
    await ok(alice, "take_seat", Index=1)
    await ok(bob, "take_seat", Index=2)
    await events(bob)
    await ok(admin, "kick_user_off_seat", Member_Account="alice", Data="thanks")
    off = await alice.until_event("kicked_off_seat")
    assert (off["Operator_Account"], off["data"]) == (
        "admin",
        {"Member_Account": "alice", "Index": 1, "Data": "thanks"},
    )
    await ok(admin, "move_user_to_seat", Member_Account="bob", SeatIndex=3)
    await ok(admin, "lock_seat", Index=3, ForbidAudio=True)
    await ok(admin, "lock_seat", Index=0, ForbidTaken=True)
    listed = await seats(live)
    assert [s["Member_Account"] for s in listed] == ["", "", "", "bob"]
    assert (listed[0]["IsTakenDisabled"], listed[3]["IsAudioDisabled"]) == (True, True)
    seen = [e["event"] for e in await events(bob)]
    assert seen == [
        "kicked_off_seat",
        "seat_list_changed",
        "seat_list_changed",
        "seat_list_changed",
        "seat_list_changed",
    ]
    # Locking bob's seat takes him off it.
    await ok(admin, "lock_seat", Index=3, ForbidTaken=True)
    assert [e["event"] for e in await events(bob)] == ["kicked_off_seat", "seat_list_changed"]
    refused = await admin.request("move_user_to_seat", Member_Account="bob", SeatIndex=0, RoomId=ROOM)
    assert (refused["code"], refused["reason"]) == (100006, "seat_locked")
    refused = await admin.request("lock_seat", RoomId=ROOM, Index=9, ForbidTaken=True)
    assert (refused["code"], refused["reason"]) == (100002, "invalid") and refused["info"].startswith("Index")


async def test_a_guest_s_microphone_is_closed_and_opened_again(join: Join, live: LiveClient) -> None:
    host, alice, bob = await join("host", "alice", "bob")
    refused = await host.request("close_microphone", RoomId=ROOM, Member_Account="alice")
    assert (refused["code"], refused["reason"]) == (100005, "not_seated")
    await ok(alice, "take_seat", Index=2)
    await events(bob)
    await ok(host, "close_microphone", Member_Account="alice")
    for client in (alice, bob):
        closed = await client.until_event("microphone_changed")
        assert closed["Operator_Account"] == "host"
        assert closed["data"] == {"Member_Account": "alice", "Index": 2, "IsOpen": False}
        listed = await client.until_event("seat_list_changed")
        assert [seat["IsMicrophoneClosed"] for seat in listed["data"]["SeatList"]] == [False, False, True, False]
    assert [seat["IsMicrophoneClosed"] for seat in await seats(live)] == [False, False, True, False]
    # Closing it again tells the guest again; the seats have not changed.
    await ok(host, "close_microphone", Member_Account="alice")
    for client in (alice, bob):
        assert [e["event"] for e in await events(client)] == ["microphone_changed"]
    await ok(host, "open_microphone", Member_Account="alice")
    opened = await alice.until_event("microphone_changed")
    assert opened["data"]["IsOpen"] is True
    assert [seat["IsMicrophoneClosed"] for seat in await seats(live)] == [False, False, False, False]
    await live.ok("lock_seat", {"RoomId": ROOM, "Index": 2, "ForbidAudio": True}, service=MIC)
    refused = await host.request("open_microphone", RoomId=ROOM, Member_Account="alice")
    assert (refused["code"], refused["reason"]) == (100006, "seat_locked")


async def test_a_closed_microphone_moves_with_its_guest_and_is_open_for_the_next(join: Join, live: LiveClient) -> None:
    host, alice, bob = await join("host", "alice", "bob")
    await ok(alice, "take_seat", Index=0)
    await ok(bob, "take_seat", Index=1)
    await ok(host, "close_microphone", Member_Account="alice")
    closed = [seat["IsMicrophoneClosed"] for seat in await seats(live)]
    assert closed == [True, False, False, False]
    await ok(host, "move_user_to_seat", Member_Account="alice", SeatIndex=3)
    assert [(s["Member_Account"], s["IsMicrophoneClosed"]) for s in await seats(live)] == [
        ("", False),
        ("bob", False),
        ("", False),
        ("alice", True),
    ]
    await ok(host, "move_user_to_seat", Member_Account="bob", SeatIndex=3, Policy=2)  # swapped
    assert [(s["Member_Account"], s["IsMicrophoneClosed"]) for s in await seats(live)] == [
        ("", False),
        ("alice", True),
        ("", False),
        ("bob", False),
    ]
    await ok(alice, "leave_seat")
    await ok(alice, "take_seat", Index=1)  # a guest again: with their microphone open
    assert [s["IsMicrophoneClosed"] for s in await seats(live)] == [False, False, False, False]
