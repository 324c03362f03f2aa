"""Seat invitations (the owner or an admin invites, the member accepts or declines, it is cancelled or times out)
and cancelled seat applications, over WebSockets on one node."""

from __future__ import annotations

import asyncio
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
    await live.import_accounts("host", "admin", "alice", "bob")
    await live.create_room(ROOM, Owner_Account="host", SeatTemplate="AudioSalon", MaxSeatCount=3, TakeSeatMode=2)
    await live.ok("modify_admin", {"RoomId": ROOM, "Admin_Account": ["admin"], "OpType": "add"})
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
    return [frame for frame in await client.sync() if frame["type"] == "event"]


async def request(client: WSClient, kind: str, **fields: Any) -> dict[str, Any]:
    return await client.request(kind, RoomId=ROOM, **fields)


async def occupants(live: LiveClient) -> list[str]:
    data = await live.ok("get_seat_list", {"RoomId": ROOM}, service=MIC)
    return [seat["Member_Account"] for seat in data["Response"]["SeatList"]]


async def test_an_invited_member_accepts_and_sits_and_the_inviters_are_told(join: Join, live: LiveClient) -> None:
    host, admin, alice, bob = await join("host", "admin", "alice", "bob")
    for client in (host, bob):
        await events(client)
    assert (await request(admin, "invite_to_seat", Member_Account="alice", Index=2))["type"] == "ok"
    invited = await alice.until_event("seat_invitation")
    assert (invited["Operator_Account"], invited["data"]) == (
        "admin",
        {"Member_Account": "alice", "Index": 2, "Timeout": 60},
    )
    assert [e["event"] for e in await events(host)] == ["seat_invitation"]
    assert [e["event"] for e in await events(bob)] == []  # only the invitee, the owner and the admins
    answer = await request(alice, "answer_invitation", Accept=True)
    assert (answer["type"], answer["Result"]) == ("ok", "accepted")
    assert await occupants(live) == ["", "", "alice"]
    for client in (host, admin):
        result = await client.until_event("seat_invitation_result")
        assert (result["Operator_Account"], result["data"]) == (
            "alice",
            {"Member_Account": "alice", "Index": 2, "Result": "accepted"},
        )
    assert [e["event"] for e in await events(bob)] == ["seat_list_changed"]
    # Answered once: there is nothing left to answer.
    again = await request(alice, "answer_invitation", Accept=True)
    assert (again["code"], again["reason"]) == (100005, "no_invitation")


async def test_a_declined_or_cancelled_invitation_seats_nobody(join: Join, live: LiveClient) -> None:
    host, alice = await join("host", "alice")
    await request(host, "invite_to_seat", Member_Account="alice", Index=0)
    assert (await request(alice, "answer_invitation", Accept=False))["Result"] == "declined"
    assert (await host.until_event("seat_invitation_result"))["data"]["Result"] == "declined"
    await request(host, "invite_to_seat", Member_Account="alice", Index=0)
    assert (await request(host, "cancel_invitation", Member_Account="alice"))["type"] == "ok"
    cancelled = await alice.until_event("seat_invitation_result")
    assert (cancelled["Operator_Account"], cancelled["data"]["Result"]) == ("host", "cancelled")
    late = await request(alice, "answer_invitation", Accept=True)
    assert (late["code"], late["reason"]) == (100005, "no_invitation")
    assert await occupants(live) == ["", "", ""]


async def test_an_unanswered_invitation_times_out(join: Join, live: LiveClient) -> None:
    host, alice = await join("host", "alice")
    await request(host, "invite_to_seat", Member_Account="alice", Index=1, Timeout=1)
    assert (await alice.until_event("seat_invitation"))["data"]["Timeout"] == 1
    ended = await alice.until_event("seat_invitation_result")
    assert (ended["Operator_Account"], ended["data"]["Result"]) == ("", "timeout")
    assert (await host.until_event("seat_invitation_result"))["data"]["Result"] == "timeout"
    assert (await request(alice, "answer_invitation", Accept=True))["reason"] == "no_invitation"
    assert await occupants(live) == ["", "", ""]


async def test_accepting_when_the_seat_was_taken_meanwhile_fails(join: Join, live: LiveClient) -> None:
    host, alice, _ = await join("host", "alice", "bob")
    await request(host, "invite_to_seat", Member_Account="alice", Index=1)
    await live.ok("pick_user_on_seat", {"RoomId": ROOM, "Index": 1, "Member_Account": "bob"}, service=MIC)
    assert (await request(alice, "answer_invitation", Accept=True))["Result"] == "failed"
    assert await occupants(live) == ["", "bob", ""]


@pytest.mark.parametrize(
    ("who", "fields", "code", "reason"),
    [
        ("alice", {"Member_Account": "bob", "Index": 0}, 100006, "not_allowed"),
        ("admin", {"Member_Account": "host", "Index": 0}, 100006, "not_allowed"),
        ("host", {"Member_Account": "carol", "Index": 0}, 100005, "not_in_room"),
        ("host", {"Member_Account": "bob", "Index": 3}, 100002, "invalid"),
        ("host", {"Member_Account": "bob", "Index": 0, "Timeout": 0}, 100002, "invalid"),
        ("host", {"Member_Account": "alice", "Index": 0}, 100006, "already_seated"),
        ("host", {"Member_Account": "bob", "Index": 1}, 100006, "seat_taken"),
    ],
)
async def test_invitations_that_could_not_be_accepted_are_refused(
    join: Join, live: LiveClient, who: str, fields: dict[str, Any], code: int, reason: str
) -> None:
    await live.import_accounts("carol")
    clients = dict(zip(("host", "admin", "alice", "bob"), await join("host", "admin", "alice", "bob"), strict=True))
    await request(clients["alice"], "take_seat", Index=1)  # an application in this room: the host approves it
    await request(clients["host"], "answer_seat", Member_Account="alice", Approve=True)
    await events(clients["bob"])
    refused = await request(clients[who], "invite_to_seat", **fields)
    assert (refused["type"], refused["code"], refused["reason"]) == ("error", code, reason), refused
    assert [e["event"] for e in await events(clients["bob"])] == []
    assert (await request(clients["bob"], "answer_invitation", Accept=True))["reason"] == "no_invitation"


async def test_a_second_invitation_of_the_same_member_waits_for_the_first(join: Join) -> None:
    host, admin, _ = await join("host", "admin", "alice")
    await request(host, "invite_to_seat", Member_Account="alice", Index=0)
    refused = await request(admin, "invite_to_seat", Member_Account="alice", Index=1)
    assert (refused["code"], refused["reason"]) == (100006, "already_invited")
    # Only the owner or an admin cancels, and only an invitation there is.
    assert (await request(host, "cancel_invitation", Member_Account="admin"))["reason"] == "no_invitation"
    assert (await request(admin, "cancel_invitation", Member_Account="alice"))["type"] == "ok"


async def test_a_member_cancels_their_seat_application(join: Join, live: LiveClient) -> None:
    host, alice = await join("host", "alice")
    assert (await request(alice, "take_seat", Index=2))["type"] == "applied"
    assert (await host.until_event("seat_application"))["data"]["Member_Account"] == "alice"
    assert (await request(alice, "cancel_application"))["type"] == "ok"
    cancelled = await host.until_event("seat_application_result")
    assert (cancelled["Operator_Account"], cancelled["data"]) == (
        "alice",
        {"Member_Account": "alice", "Index": 2, "Result": "cancelled"},
    )
    answer = await request(host, "answer_seat", Member_Account="alice", Approve=True)
    assert (answer["code"], answer["reason"]) == (100005, "no_application")
    assert (await request(alice, "cancel_application"))["reason"] == "no_application"
    assert await occupants(live) == ["", "", ""]


async def test_an_answer_and_a_cancellation_at_once_end_the_invitation_one_way(join: Join, live: LiveClient) -> None:
    host, admin, alice = await join("host", "admin", "alice")
    outcomes = set()
    for i in range(6):
        await request(host, "invite_to_seat", Member_Account="alice", Index=0)
        accept = request(alice, "answer_invitation", Accept=True)
        cancel = request(host, "cancel_invitation", Member_Account="alice")
        # Sent in either order, they reach the server at once.
        if i % 2:
            accepted, cancelled = await asyncio.gather(accept, cancel)
        else:
            cancelled, accepted = await asyncio.gather(cancel, accept)
        won = [answer for answer in (accepted, cancelled) if answer["type"] == "ok"]
        lost = [answer for answer in (accepted, cancelled) if answer["type"] == "error"]
        assert len(won) == len(lost) == 1, (accepted, cancelled)
        assert (lost[0]["code"], lost[0]["reason"]) == (100005, "no_invitation")
        result = "accepted" if won[0] is accepted else "cancelled"
        assert await occupants(live) == ["alice" if result == "accepted" else "", "", ""]
        # The admin, who only watches, is told of it once, as it ended.
        seen = [e for e in await events(admin) if e["event"] == "seat_invitation_result"]
        assert [e["data"]["Result"] for e in seen] == [result]
        outcomes.add(result)
        if result == "accepted":
            await request(alice, "leave_seat")
    print(f"outcomes seen: {sorted(outcomes)}")
