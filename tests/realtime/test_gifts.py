"""Gifts on the client gateway: a member's send_gift follows the REST rules, and everyone in the room sees every
gift, whoever sent it, with the room's running totals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.errors import ErrorCode
from tests.api.test_gifts import Backend
from tests.helpers import ADMIN, LiveClient
from tests.realtime.wsclient import WSClient

ROOM = "stage"


@pytest.fixture
async def members(server: LiveroomApp, live: LiveClient) -> AsyncIterator[tuple[WSClient, WSClient, WSClient]]:
    """The host, alice and bob in the room; the app has the default gifts."""
    await live.import_accounts("host", "alice", "bob")
    await live.create_room(ROOM, Owner_Account="host")
    await live.ok("copy_default_gift_config", {})
    async with WSClient(server) as host, WSClient(server) as alice, WSClient(server) as bob:
        for client, user in ((host, "host"), (alice, "alice"), (bob, "bob")):
            await client.login(user)
            await client.enter(ROOM)
        for client in (host, alice, bob):
            await client.sync()  # the member_entered events
        yield host, alice, bob


async def test_a_members_gift_reaches_everyone_with_the_rooms_totals(
    live: LiveClient, members: tuple[WSClient, WSClient, WSClient]
) -> None:
    host, alice, bob = members
    await alice.send({"type": "send_gift", "id": "g1", "RoomId": ROOM, "GiftId": "rose", "Count": 3})
    own = await alice.event("gift")  # the sender's own copy comes before the answer
    assert await alice.recv() == {"type": "ok", "ref": "g1", "Sequence": 1}
    expected = {
        "Sender_Account": "alice",
        "GiftId": "rose",
        "Count": 3,
        "ReceiverList_Account": ["host"],  # none given: the room's owner
        "Coins": 5,
        "Sequence": 1,
        "TotalGiftsSent": 3,
        "TotalGiftCoins": 15,
        "TotalUniqueGiftSenders": 1,
    }
    for event in (own, await host.event("gift"), await bob.event("gift")):
        assert (event["RoomId"], event["Operator_Account"], event["data"]) == (ROOM, "alice", expected)

    await bob.request("send_gift", RoomId=ROOM, GiftId="crown", ReceiverList_Account=["alice", "host"])
    event = await host.event("gift")
    assert event["data"]["ReceiverList_Account"] == ["alice", "host"]
    assert (event["data"]["Sequence"], event["data"]["TotalGiftCoins"], event["data"]["TotalUniqueGiftSenders"]) == (
        2,
        535,
        2,
    )
    counted = (await live.ok("get_gift_count", {"RoomId": ROOM, "From_Account": "bob"}))["Response"]
    assert counted == {"Sequence": 2, "TotalCount": 4, "TotalCoins": 535, "GiftSenderCount": 2}


async def test_a_gift_sent_by_rest_reaches_the_members(
    live: LiveClient, members: tuple[WSClient, WSClient, WSClient]
) -> None:
    host, alice, _ = members
    body = {"RoomId": ROOM, "GiftId": "heart", "From_Account": "bob", "ReceiverList_Account": ["alice"]}
    await live.ok("send_gift", body)
    for client in (host, alice):
        event = await client.event("gift")
        assert (event["Operator_Account"], event["data"]["Sender_Account"], event["data"]["Sequence"]) == (
            ADMIN,
            "bob",
            1,
        )


@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({"GiftId": "tulip"}, ErrorCode.GIFT_NOT_FOUND, "gift_not_found"),
        ({"GiftId": "rose", "Count": 0}, ErrorCode.LIVE_INVALID_PARAMETER, "invalid"),
        ({"GiftId": "rose", "Count": 10000}, ErrorCode.LIVE_INVALID_PARAMETER, "invalid"),
        ({"GiftId": "rose", "ReceiverList_Account": ["stranger"]}, ErrorCode.ACCOUNT_NOT_FOUND, "account_not_found"),
        ({"GiftId": "rose", "ReceiverList_Account": [f"u{i}" for i in range(21)]}, 100002, "invalid"),
        ({"GiftId": ""}, ErrorCode.LIVE_INVALID_PARAMETER, "invalid"),
        ({}, ErrorCode.LIVE_INVALID_PARAMETER, "invalid"),
    ],
)
async def test_a_refused_gift_is_an_error_and_counts_nothing(
    live: LiveClient, members: tuple[WSClient, WSClient, WSClient], fields: dict[str, object], code: int, reason: str
) -> None:
    host, alice, _ = members
    reply = await alice.request("send_gift", RoomId=ROOM, **fields)
    assert (reply["type"], reply["code"], reply["reason"]) == ("error", code, reason)
    assert await host.sync() == []
    stats = (await live.ok("get_room_stats", {"RoomId": ROOM}))["Response"]
    assert stats["TotalGiftsSent"] == 0


async def test_only_a_member_in_the_room_sends_gifts(live: LiveClient, server: LiveroomApp) -> None:
    await live.import_accounts("alice")
    await live.create_room(ROOM)
    await live.ok("copy_default_gift_config", {})
    async with WSClient(server) as alice:
        await alice.login("alice")
        reply = await alice.request("send_gift", RoomId=ROOM, GiftId="rose")
        assert (reply["code"], reply["reason"]) == (ErrorCode.NOT_A_MEMBER, "not_in_room")


async def test_a_mute_does_not_stop_gifts_but_the_backend_may(
    live: LiveClient, server: LiveroomApp, members: tuple[WSClient, WSClient, WSClient]
) -> None:
    host, alice, _ = members
    await live.ok("mute_member", {"RoomId": ROOM, "MemberList_Account": ["alice"], "MuteTime": 60})
    await host.event("member_muted")
    assert (await alice.request("send_gift", RoomId=ROOM, GiftId="rose"))["type"] == "ok"
    await host.event("gift")
    backend = Backend()
    backend.refuse = True
    server.services.hooks = backend
    reply = await alice.request("send_gift", RoomId=ROOM, GiftId="rocket")
    assert (reply["code"], reply["reason"]) == (ErrorCode.GIFT_REFUSED, "gift_refused")
    assert backend.shown[0].operator == backend.shown[0].sender == "alice"
    assert await host.sync() == []


async def test_likes_carry_the_rooms_total(live: LiveClient, members: tuple[WSClient, WSClient, WSClient]) -> None:
    host, alice, bob = members
    await alice.request("like", RoomId=ROOM, Count=5)
    await bob.request("like", RoomId=ROOM, Count=2)
    first, second = await host.event("like"), await host.event("like")
    assert first["data"] == {"Sender_Account": "alice", "Count": 5, "TotalLikesReceived": 5}
    assert second["data"] == {"Sender_Account": "bob", "Count": 2, "TotalLikesReceived": 7}
