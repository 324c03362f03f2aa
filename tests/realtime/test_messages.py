"""Messages and likes: REST send_text_msg / send_custom_msg and the gateway's send_custom / like, seen by members."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liveroom.api.app import LiveroomApp
from tests.helpers import ADMIN, LiveClient
from tests.realtime.wsclient import WSClient

ROOM = "chat"


@pytest.fixture
async def members(server: LiveroomApp, live: LiveClient) -> AsyncIterator[tuple[WSClient, WSClient]]:
    await live.import_accounts("alice", "bob", "shop")
    await live.create_room(ROOM)
    async with WSClient(server) as alice, WSClient(server) as bob:
        for client, user in ((alice, "alice"), (bob, "bob")):
            await client.login(user)
            await client.enter(ROOM)
        await alice.event("member_entered")
        yield alice, bob


async def stats(live: LiveClient) -> dict[str, int]:
    data: dict[str, int] = (await live.ok("get_room_stats", {"RoomId": ROOM}))["Response"]
    return data


async def test_send_text_msg_reaches_every_member_online(live: LiveClient, members: tuple[WSClient, WSClient]) -> None:
    body = {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": "sale!", "ExtensionInfo": '{"lang":"en"}'}
    data = await live.ok("send_text_msg", body)
    assert "Response" not in data
    for client in members:
        event = await client.event("text_message")
        assert event["Operator_Account"] == ADMIN
        assert event["data"] == {"Sender_Account": "shop", "TextContent": "sale!", "ExtensionInfo": '{"lang":"en"}'}
    assert (await stats(live))["TotalMsgCount"] == 1


async def test_send_custom_msg_reaches_every_member_online(
    live: LiveClient, members: tuple[WSClient, WSClient]
) -> None:
    await live.ok("send_custom_msg", {"RoomId": ROOM, "Sender_Account": "shop", "BusinessId": "gift", "Data": "{}"})
    for client in members:
        event = await client.event("custom_message")
        assert event["data"] == {"Sender_Account": "shop", "BusinessId": "gift", "Data": "{}"}
    assert (await stats(live))["TotalMsgCount"] == 1


@pytest.mark.parametrize(
    ("command", "body", "code"),
    [
        ("send_text_msg", {"RoomId": "nope", "Sender_Account": "shop", "TextContent": "x"}, 100004),
        ("send_text_msg", {"RoomId": ROOM, "Sender_Account": "nobody", "TextContent": "x"}, 70107),
        ("send_text_msg", {"RoomId": ROOM, "Sender_Account": 12, "TextContent": "x"}, 60015),
        ("send_text_msg", {"RoomId": ROOM, "Sender_Account": "shop"}, 100002),
        ("send_text_msg", {"RoomId": ROOM, "TextContent": "x"}, 100002),
        ("send_text_msg", {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": ""}, 100002),
        ("send_text_msg", {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": "é" * 4097}, 100002),
        ("send_text_msg", {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": "x", "ExtensionInfo": "{"}, 100002),
        ("send_custom_msg", {"RoomId": ROOM, "Sender_Account": "shop", "Data": "{}"}, 100002),
        ("send_custom_msg", {"RoomId": ROOM, "Sender_Account": "shop", "BusinessId": "", "Data": "{}"}, 100002),
        ("send_custom_msg", {"RoomId": "nope", "Sender_Account": "shop", "BusinessId": "g", "Data": ""}, 100004),
        ("send_custom_msg", {"RoomId": ROOM, "Sender_Account": "nobody", "BusinessId": "g", "Data": ""}, 70107),
    ],
)
async def test_bad_messages_are_refused_and_deliver_nothing(
    live: LiveClient, members: tuple[WSClient, WSClient], command: str, body: dict[str, object], code: int
) -> None:
    await live.fails(code, command, body)
    for client in members:
        assert await client.sync() == []
    assert (await stats(live))["TotalMsgCount"] == 0


async def test_a_message_of_8_kib_is_accepted(live: LiveClient, members: tuple[WSClient, WSClient]) -> None:
    await live.ok("send_text_msg", {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": "é" * 4096})


async def test_members_send_custom_messages_and_likes(live: LiveClient, members: tuple[WSClient, WSClient]) -> None:
    alice, bob = members
    assert (await bob.request("send_custom", RoomId=ROOM, BusinessId="wave", Data="hi"))["type"] == "ok"
    event = await alice.event("custom_message")
    assert event["data"] == {"Sender_Account": "bob", "BusinessId": "wave", "Data": "hi"}
    await live.ok("mute_member", {"RoomId": ROOM, "MemberList_Account": ["bob"], "MuteTime": 60})
    await alice.event("member_muted")
    # A mute silences messages, not likes.
    reply = await bob.request("send_custom", RoomId=ROOM, BusinessId="wave", Data="hi")
    assert reply["reason"] == "muted"
    assert (await bob.request("like", RoomId=ROOM, Count=3))["type"] == "ok"
    assert (await bob.request("like", RoomId=ROOM))["type"] == "ok"
    assert (await alice.event("like"))["data"] == {"Sender_Account": "bob", "Count": 3, "TotalLikesReceived": 3}
    assert (await alice.event("like"))["data"] == {"Sender_Account": "bob", "Count": 1, "TotalLikesReceived": 4}
    reply = await bob.request("like", RoomId=ROOM, Count=0)
    assert (reply["type"], reply["code"]) == ("error", 100002)
    counted = await stats(live)
    assert (counted["TotalLikesReceived"], counted["TotalMsgCount"]) == (4, 1)
