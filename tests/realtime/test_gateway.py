"""The client gateway end to end: real WebSocket sessions of several users, and the admin REST API acting on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from liveroom.api.app import LiveroomApp
from liveroom.realtime.gateway import RealtimeGateway
from tests.helpers import ADMIN, SDKAPPID, LiveClient, tencent_sig
from tests.realtime.wsclient import Closed, WSClient

ROOM = "party"


@pytest.fixture
async def room(live: LiveClient) -> str:
    await live.import_accounts("host", "alice", "bob", "carol")
    await live.create_room(ROOM, Owner_Account="host")
    return ROOM


@pytest.fixture
async def connect(server: LiveroomApp) -> AsyncIterator[Callable[[], WSClient]]:
    """Makes clients; every one still connected at the end of the test is disconnected."""
    clients: list[WSClient] = []

    def make() -> WSClient:
        client = WSClient(server)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.disconnect()


async def joined(connect: Callable[[], WSClient], user: str, room_id: str = ROOM) -> WSClient:
    client = await connect().__aenter__()
    await client.login(user)
    await client.enter(room_id)
    return client


async def room_info(live: LiveClient, room_id: str = ROOM) -> dict[str, object]:
    data = await live.ok("get_room_info", {"RoomId": room_id})
    info: dict[str, object] = data["Response"]["RoomInfo"]
    return info


# authentication -------------------------------------------------------------------------------------------


async def test_an_imported_account_authenticates_with_its_own_usersig(
    connect: Callable[[], WSClient], room: str
) -> None:
    async with connect() as client:
        reply = await client.login("alice")
        assert reply["identifier"] == "alice"
        assert reply["heartbeat_seconds"] > 0


async def test_the_app_admin_may_connect_too(connect: Callable[[], WSClient], room: str) -> None:
    async with connect() as client:
        await client.login(ADMIN)


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        ({"sdkappid": SDKAPPID, "identifier": "alice", "usersig": tencent_sig("bob")}, 70013),
        ({"sdkappid": SDKAPPID, "identifier": "alice", "usersig": tencent_sig("alice", key="0" * 64)}, 70009),
        ({"sdkappid": SDKAPPID, "identifier": "alice", "usersig": "garbage"}, 70003),
        ({"sdkappid": SDKAPPID, "identifier": "alice", "usersig": ""}, 70002),
        ({"sdkappid": 1400000001, "identifier": "alice", "usersig": tencent_sig("alice")}, 60006),
        ({"sdkappid": SDKAPPID, "identifier": "stranger", "usersig": tencent_sig("stranger")}, 70107),
    ],
)
async def test_a_failed_auth_answers_the_rest_code_and_closes(
    connect: Callable[[], WSClient], room: str, auth: dict[str, object], code: int
) -> None:
    async with connect() as client:
        await client.send({"type": "auth", "id": 1, **auth})
        reply = await client.recv()
        assert reply == {"type": "error", "ref": 1, "code": code, "reason": "auth_failed", "info": reply["info"]}
        assert reply["info"]
        with pytest.raises(Closed) as closed:
            await client.recv()
        assert closed.value.code == 4001


async def test_requests_before_auth_are_refused_without_closing(connect: Callable[[], WSClient], room: str) -> None:
    async with connect() as client:
        reply = await client.request("enter", RoomId=room)
        assert reply["type"] == "error"
        assert reply["reason"] == "not_authenticated"
        await client.login("alice")
        await client.enter(room)


# entering and leaving -------------------------------------------------------------------------------------


async def test_entering_counts_views_and_members(connect: Callable[[], WSClient], live: LiveClient, room: str) -> None:
    alice = await joined(connect, "alice")
    info = await room_info(live)
    assert (info["MemberCount"], info["ViewCount"]) == (1, 1)

    bob = await connect().__aenter__()
    await bob.login("bob")
    entered = await bob.enter(room)
    assert entered["RoomInfo"]["RoomId"] == room
    assert entered["RoomInfo"]["Owner_Account"] == "host"
    assert entered["RoomInfo"]["ViewCount"] == 2
    assert entered["RoomInfo"]["MemberCount"] == 2
    # The members are paged with get_member_list, never sent whole to a newcomer.
    assert set(entered) == {"type", "ref", "RoomId", "RoomInfo", "Admin_Account"}

    event = await alice.event("member_entered")
    assert event["RoomId"] == room
    assert event["data"] == {"Member_Account": "bob", "MemberCount": 2, "ViewCount": 2}

    left = await bob.request("leave", RoomId=room)
    assert left["type"] == "left"
    event = await alice.event("member_left")
    assert event["data"] == {"Member_Account": "bob", "MemberCount": 1, "Reason": "left"}
    info = await room_info(live)
    assert (info["MemberCount"], info["ViewCount"]) == (1, 2)

    await bob.enter(room)
    info = await room_info(live)
    assert (info["MemberCount"], info["ViewCount"]) == (2, 3)
    stats = await live.ok("get_room_stats", {"RoomId": room})
    assert stats["Response"]["TotalViewers"] == 3


async def test_members_page_through_the_member_list_the_owner_first(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    await joined(connect, "bob")
    await joined(connect, "host")
    page = await alice.request("get_member_list", RoomId=room)
    assert page == {
        "type": "member_list",
        "ref": page["ref"],
        "RoomId": room,
        "Next": "",
        "MemberCount": 3,
        "MemberList": [{"Member_Account": "host"}, {"Member_Account": "alice"}, {"Member_Account": "bob"}],
    }
    # The same page as REST get_member_list's.
    rest = await live.ok("get_member_list", {"RoomId": room, "Next": ""})
    assert rest["Response"] == {k: page[k] for k in ("Next", "MemberCount", "MemberList")}
    bad = await alice.request("get_member_list", RoomId=room, Next="bogus")
    assert (bad["type"], bad["code"], bad["reason"]) == ("error", 100002, "invalid")
    assert bad["info"].startswith("Next:")
    carol = await connect().__aenter__()
    await carol.login("carol")
    outside = await carol.request("get_member_list", RoomId=room)
    assert (outside["code"], outside["reason"]) == (100005, "not_in_room")


async def test_a_disconnected_member_leaves_the_room(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    await bob.disconnect()
    event = await alice.event("member_left")
    assert event["data"]["Reason"] == "disconnected"
    assert (await room_info(live))["MemberCount"] == 1


async def test_a_user_on_two_connections_is_one_member_until_both_leave(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    bob_phone = await joined(connect, "bob")
    bob_laptop = await joined(connect, "bob")
    assert (await room_info(live))["MemberCount"] == 2
    assert (await room_info(live))["ViewCount"] == 3
    await alice.event("member_entered")
    await bob_phone.disconnect()
    assert await alice.sync() == []
    await bob_laptop.disconnect()
    assert (await alice.event("member_left"))["data"]["Member_Account"] == "bob"


async def test_entering_a_missing_room_is_100004(connect: Callable[[], WSClient], room: str) -> None:
    async with connect() as client:
        await client.login("alice")
        reply = await client.request("enter", RoomId="no-such-room")
        assert (reply["type"], reply["code"]) == ("error", 100004)


async def test_max_member_count_is_enforced(connect: Callable[[], WSClient], live: LiveClient, room: str) -> None:
    await live.create_room("tiny", MaxMemberCount=1)
    await joined(connect, "alice", "tiny")
    async with connect() as bob:
        await bob.login("bob")
        reply = await bob.request("enter", RoomId="tiny")
        assert (reply["type"], reply["code"], reply["reason"]) == ("error", 100006, "room_full")
    assert (await room_info(live, "tiny"))["ViewCount"] == 1


# messages -------------------------------------------------------------------------------------------------


async def test_a_text_message_reaches_every_member_and_is_counted(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    await alice.send(
        {"type": "send_text", "id": "m1", "RoomId": room, "TextContent": "hello 你好", "ExtensionInfo": '{"k":1}'}
    )
    expected = {"Sender_Account": "alice", "TextContent": "hello 你好", "ExtensionInfo": '{"k":1}'}
    # The sender sees its message in the room's order, then the answer to its request.
    event = await alice.event("text_message")
    assert event["data"] == expected
    assert await alice.recv() == {"type": "ok", "ref": "m1"}
    event = await bob.event("text_message")
    assert event["Operator_Account"] == "alice"
    assert event["data"] == expected
    stats = await live.ok("get_room_stats", {"RoomId": room})
    assert stats["Response"]["TotalMsgCount"] == 1


async def test_messages_of_a_room_arrive_in_the_order_they_were_sent(
    connect: Callable[[], WSClient], room: str
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    for i in range(10):
        await alice.send({"type": "send_text", "RoomId": room, "TextContent": f"m{i}"})
    texts = [(await bob.event("text_message"))["data"]["TextContent"] for _ in range(10)]
    assert texts == [f"m{i}" for i in range(10)]


async def test_a_message_to_a_room_not_entered_is_refused(connect: Callable[[], WSClient], room: str) -> None:
    alice = await joined(connect, "alice")
    reply = await alice.request("send_text", RoomId="elsewhere", TextContent="hi")
    assert (reply["type"], reply["reason"]) == ("error", "not_in_room")


# bans and mutes acting on members online ------------------------------------------------------------------


async def test_a_banned_member_is_removed_at_once_and_cannot_reenter(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    await live.ok("ban_member", {"RoomId": room, "MemberList_Account": ["bob"], "Duration": 600, "Reason": "spam"})

    banned = await bob.event("member_banned")
    assert banned["data"]["MemberList_Account"] == ["bob"]
    assert banned["data"]["Reason"] == "spam"
    assert banned["Operator_Account"] == ADMIN
    assert (await alice.event("member_banned"))["data"]["MemberList_Account"] == ["bob"]
    left = await alice.event("member_left")
    assert left["data"] == {"Member_Account": "bob", "MemberCount": 1, "Reason": "banned"}
    assert await bob.sync() == []
    assert (await room_info(live))["MemberCount"] == 1

    reply = await bob.request("send_text", RoomId=room, TextContent="still here?")
    assert reply["reason"] == "not_in_room"
    reply = await bob.request("enter", RoomId=room)
    assert (reply["type"], reply["code"], reply["reason"]) == ("error", 100006, "banned")

    await live.ok("unban_member", {"RoomId": room, "MemberList_Account": ["bob"]})
    await bob.enter(room)


async def test_a_muted_member_cannot_send_until_unmuted(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    await live.ok("mute_member", {"RoomId": room, "MemberList_Account": ["bob"], "MuteTime": 600})
    muted = await bob.event("member_muted")
    assert muted["data"]["MemberList_Account"] == ["bob"]
    assert muted["data"]["MutedUntil"] > 0
    await alice.event("member_muted")

    reply = await bob.request("send_text", RoomId=room, TextContent="let me speak")
    assert (reply["type"], reply["code"], reply["reason"]) == ("error", 100006, "muted")
    assert await alice.sync() == []
    assert (await live.ok("get_room_stats", {"RoomId": room}))["Response"]["TotalMsgCount"] == 0

    await live.ok("mute_member", {"RoomId": room, "MemberList_Account": ["bob"], "MuteTime": 0})
    assert (await alice.event("member_muted"))["data"]["MutedUntil"] == 0
    assert (await bob.request("send_text", RoomId=room, TextContent="thanks"))["type"] == "ok"
    assert (await alice.event("text_message"))["data"]["TextContent"] == "thanks"


async def test_room_wide_mute_spares_the_owner_and_admins(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    host = await joined(connect, "host")
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["alice"], "OpType": "add"})
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": room, "IsMessageDisabled": True}})
    changed = await bob.until_event("room_info_changed")
    assert changed["data"] == {"IsMessageDisabled": True}

    reply = await bob.request("send_text", RoomId=room, TextContent="hi")
    assert (reply["type"], reply["reason"]) == ("error", "message_disabled")
    for speaker in (host, alice):
        assert (await speaker.request("send_text", RoomId=room, TextContent="allowed"))["type"] == "ok"


# room events ----------------------------------------------------------------------------------------------


async def test_members_see_room_info_and_metadata_changes(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": room, "RoomName": "Big party", "CoverURL": "c.png"}})
    event = await alice.event("room_info_changed")
    assert event["data"] == {"RoomName": "Big party", "CoverURL": "c.png"}
    await live.ok("change_room_owner", {"RoomId": room, "NewOwner_Account": "carol"})
    assert (await alice.event("room_info_changed"))["data"] == {"Owner_Account": "carol"}
    await live.ok("set_room_metadata", {"RoomId": room, "Metadata": [{"Key": "song", "Value": "la"}]})
    assert (await alice.event("metadata_changed"))["data"] == {"Metadata": [{"Key": "song", "Value": "la"}]}
    await live.ok("modify_admin", {"RoomId": room, "Admin_Account": ["bob"], "OpType": "add"})
    assert (await alice.event("admins_changed"))["data"] == {"OpType": "add", "Admin_Account": ["bob"]}


async def test_dismissal_reaches_every_member_and_empties_the_room(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    clients = [await joined(connect, user) for user in ("alice", "bob", "carol")]
    for client in clients:
        await client.sync()
    await live.ok("destroy_room", {"RoomId": room})
    for client in clients:
        assert (await client.event("room_dismissed"))["RoomId"] == room
        assert (await client.request("send_text", RoomId=room, TextContent="x"))["reason"] == "not_in_room"
    await live.create_room(room)
    assert (await room_info(live))["MemberCount"] == 0
    await clients[0].enter(room)


async def test_events_of_other_rooms_are_not_delivered(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    await live.create_room("other")
    alice = await joined(connect, "alice")
    await joined(connect, "bob", "other")
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": "other", "Notice": "x"}})
    assert await alice.sync() == []


# bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "reason", "code"),
    [
        ("{not json", "malformed", 60003),
        ("[1, 2]", "malformed", 60003),
        ('{"type": "dance", "id": "x"}', "unknown_type", 60009),
        ('{"id": "x"}', "unknown_type", 60009),
        ('{"type": "enter", "id": "x"}', "invalid", 100002),
        ('{"type": "enter", "id": "x", "RoomId": 5}', "invalid", 100002),
        ('{"type": "send_text", "id": "x", "RoomId": "party", "TextContent": ""}', "invalid", 100002),
        (
            '{"type": "auth", "id": "x", "sdkappid": 1, "identifier": "a", "usersig": "s"}',
            "already_authenticated",
            100002,
        ),
        ('{"type": "heartbeat", "pad": "' + "x" * 17000 + '"}', "too_large", 60002),
    ],
)
async def test_bad_frames_get_a_clear_error_and_disturb_nobody(
    connect: Callable[[], WSClient], room: str, frame: str, reason: str, code: int
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    await bob.send_text(frame)
    reply = await bob.recv()
    assert (reply["type"], reply["reason"], reply["code"]) == ("error", reason, code)
    assert reply["info"]
    assert await alice.sync() == []
    assert (await bob.request("send_text", RoomId=room, TextContent="still fine"))["type"] == "ok"
    assert (await alice.event("text_message"))["data"]["TextContent"] == "still fine"


async def test_a_flood_is_throttled_without_disturbing_others(connect: Callable[[], WSClient], room: str) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    for i in range(200):
        await bob.send({"type": "heartbeat", "id": i})
    replies = [await bob.recv() for _ in range(200)]
    assert any(r["type"] == "error" and r["reason"] == "rate_limited" and r["code"] == 60007 for r in replies)
    assert await alice.sync() == []


# timeouts (a gateway with short windows, on the same services) --------------------------------------------


@pytest.fixture
def impatient(server: LiveroomApp) -> Starlette:
    gateway = RealtimeGateway(
        server.services, server.authenticator, server.apps.get, auth_timeout=0.05, idle_timeout=0.2
    )
    return Starlette(routes=[WebSocketRoute("/realtime", gateway.endpoint)])


async def test_a_connection_that_never_authenticates_is_closed(impatient: Starlette, room: str) -> None:
    async with WSClient(impatient) as client:
        reply = await client.recv()
        assert (reply["type"], reply["reason"]) == ("error", "auth_timeout")
        with pytest.raises(Closed) as closed:
            await client.recv()
        assert closed.value.code == 4002


async def test_a_silent_member_times_out_and_leaves(
    impatient: Starlette, connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    async with WSClient(impatient) as bob:
        await bob.login("bob")
        await bob.enter(room)
        await alice.event("member_entered")
        with pytest.raises(Closed) as closed:
            await bob.recv()
        assert closed.value.code == 4008
    left = await alice.event("member_left")
    assert left["data"] == {"Member_Account": "bob", "MemberCount": 1, "Reason": "timeout"}
    assert (await room_info(live))["MemberCount"] == 1


async def test_reconnecting_within_the_heartbeat_window_is_not_a_new_view(
    connect: Callable[[], WSClient], live: LiveClient, room: str
) -> None:
    alice = await joined(connect, "alice")
    bob = await joined(connect, "bob")
    await alice.event("member_entered")
    await bob.disconnect()
    assert (await alice.event("member_left"))["data"]["Reason"] == "disconnected"
    bob = await joined(connect, "bob")
    entered = await alice.event("member_entered")
    assert entered["data"] == {"Member_Account": "bob", "MemberCount": 2, "ViewCount": 2}
    assert (await room_info(live))["ViewCount"] == 2
    # Leaving on purpose and entering again is a new view.
    await bob.request("leave", RoomId=room)
    await bob.enter(room)
    assert (await room_info(live))["ViewCount"] == 3


async def test_reconnecting_after_the_heartbeat_window_is_a_new_view(
    impatient: Starlette, live: LiveClient, room: str
) -> None:
    async with WSClient(impatient) as bob:
        await bob.login("bob")
        await bob.enter(room)
    await asyncio.sleep(0.3)
    async with WSClient(impatient) as bob:
        await bob.login("bob")
        await bob.enter(room)
    assert (await room_info(live))["ViewCount"] == 2


async def test_a_member_who_stops_reading_is_disconnected_without_slowing_the_room(
    server: LiveroomApp, connect: Callable[[], WSClient], room: str
) -> None:
    gateway = RealtimeGateway(server.services, server.authenticator, server.apps.get, queue_size=5)
    small = Starlette(routes=[WebSocketRoute("/realtime", gateway.endpoint)])
    alice = await joined(connect, "alice")
    async with WSClient(small) as bob:
        await bob.login("bob")
        await bob.enter(room)
        await alice.event("member_entered")
        bob.stop_reading()
        for i in range(12):
            assert (await alice.request("send_text", RoomId=room, TextContent=f"m{i}"))["type"] == "ok"
        bob.resume_reading()
        frames = []
        with pytest.raises(Closed) as closed:
            while True:
                frames.append(await bob.recv())
        assert closed.value.code == 4009
        assert len(frames) < 12
    assert (await alice.until_event("member_left"))["data"]["Member_Account"] == "bob"
