"""After-callbacks through a real HTTP receiver: every served command's payload field by field against the catalogue
(tencent-live-api.md sections 3.3 and 8.2), the query and its signature, retries, order and dead events.

The server runs in-process with a clock the test moves, so that backoff and the 24 h window pass at once.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.client.webhooks import CallbackReceiver, InvalidCallback
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from liveroom.webhooks import operator
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, Clock, LiveClient, db_rows
from tests.realtime.wsclient import WSClient
from tests.receiver import Answer, Receiver

CONFIG = "live_config"
TOKEN = "webhook-t0ken"
ROOM = "hooked"
ALL_AFTER = [
    "Live.CallbackAfterCreateRoom",
    "Live.CallbackAfterDestroyRoom",
    "Live.CallbackAfterUpdateRoomInfo",
    "Live.CallbackAfterMemberStateChanged",
    "Live.CallbackAfterSetMetadata",
    "Live.CallbackAfterDelMetadata",
    "Live.CallbackAfterModifyAdmin",
    "Live.CallbackAfterChangeOwner",
    "Mic.CallbackAfterSeatInfoChanged",
    "Group.CallbackAfterSendMsg",
]


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, access_log=False, webhook_poll_seconds=0.05, webhook_lease_seconds=5)


@pytest.fixture
async def server(settings: Settings, clock: Clock) -> AsyncIterator[LiveroomApp]:
    app = LiveroomApp(settings, clock=clock)
    async with app.lifespan(app.web):
        manager = AppManager(app.store)
        await manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN])
        await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
        yield app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def configure(live: LiveClient, receiver: Receiver, commands: list[str] = ALL_AFTER) -> None:
    await live.ok("set_callback_token", {"Token": TOKEN, "IsTokenEnable": True}, service=CONFIG)
    await live.ok("set_callback", {"Url": receiver.url, "CallbackCommandList": commands}, service=CONFIG)


def payload(received: Any) -> dict[str, Any]:
    """The body less EventTime (checked apart): what the catalogue names."""
    body = dict(received.body)
    assert isinstance(body.pop("EventTime"), int)
    return body


async def test_create_update_metadata_admins_owner_messages_destroy_field_by_field(
    server: LiveroomApp, live: LiveClient, receiver: Receiver, clock: Clock
) -> None:
    await configure(live, receiver)
    await live.import_accounts("host-1", "host-2", "shop")
    changed_at = clock()
    await live.create_room(ROOM, Owner_Account="host-1", RoomName="Friday", Category=[3], CoverURL="c.png")
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": ROOM, "Notice": "hi", "MaxMemberCount": 50}})
    await live.ok("set_room_metadata", {"RoomId": ROOM, "Metadata": [{"Key": "k", "Value": "v"}]})
    await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": ["k"]})
    await live.ok("modify_admin", {"RoomId": ROOM, "Admin_Account": ["host-2"], "OpType": "add"})
    await live.ok("change_room_owner", {"RoomId": ROOM, "NewOwner_Account": "host-2"})
    await live.ok(
        "send_text_msg", {"RoomId": ROOM, "Sender_Account": "shop", "TextContent": "hi", "ExtensionInfo": "{}"}
    )
    await live.ok("send_custom_msg", {"RoomId": ROOM, "Sender_Account": "shop", "BusinessId": "b", "Data": "d"})
    await live.ok("destroy_room", {"RoomId": ROOM})
    got = await receiver.wait_for(9)
    assert [r.command for r in got] == [
        "Live.CallbackAfterCreateRoom",
        "Live.CallbackAfterUpdateRoomInfo",
        "Live.CallbackAfterSetMetadata",
        "Live.CallbackAfterDelMetadata",
        "Live.CallbackAfterModifyAdmin",
        "Live.CallbackAfterChangeOwner",
        "Group.CallbackAfterSendMsg",
        "Group.CallbackAfterSendMsg",
        "Live.CallbackAfterDestroyRoom",
    ]
    for r in got:
        assert r.body["CallbackCommand"] == r.command
        assert r.body["EventTime"] == int(changed_at * 1000)
        assert r.query["SdkAppid"] == str(SDKAPPID)
        assert r.query["contenttype"] == "json"
        assert r.query["ClientIP"] == "203.0.113.7"
        assert r.query["OptPlatform"] == "RESTAPI"
        assert r.headers["Content-Type"].startswith("application/json")
    assert len({r.event_id for r in got}) == 9
    create, update, set_md, del_md, admin, owner, text, custom, destroy = (payload(r) for r in got)
    assert create == {
        "CallbackCommand": "Live.CallbackAfterCreateRoom",
        "Operator_Account": ADMIN,
        "RoomInfo": {
            "RoomId": ROOM,
            "RoomName": "Friday",
            "RoomType": "Live",
            "Owner_Account": "host-1",
            "MaxMemberCount": 1000,
            "IsMessageDisabled": False,
            "CustomInfo": "",
            "IsSeatEnabled": False,
            "TakeSeatMode": "FreeToTake",
            "MaxSeatCount": 0,
            "CreateTime": int(changed_at),
            "IsPublicVisible": True,
            "CoverURL": "c.png",
            "Category": [3],
        },
    }
    assert update == {
        "CallbackCommand": "Live.CallbackAfterUpdateRoomInfo",
        "Operator_Account": ADMIN,
        "RoomInfo": {"RoomId": ROOM, "MaxMemberCount": 50, "Notice": "hi"},
    }
    assert set_md == {
        "CallbackCommand": "Live.CallbackAfterSetMetadata",
        "Operator_Account": ADMIN,
        "RoomId": ROOM,
        "Metadata": [{"Key": "k", "Value": "v"}],
    }
    assert del_md == {
        "CallbackCommand": "Live.CallbackAfterDelMetadata",
        "Operator_Account": ADMIN,
        "RoomId": ROOM,
        "Keys": ["k"],
    }
    assert admin == {
        "CallbackCommand": "Live.CallbackAfterModifyAdmin",
        "RoomId": ROOM,
        "Operator_Account": ADMIN,
        "Admin_Account": ["host-2"],
        "opType": "add",
    }
    assert owner == {
        "CallbackCommand": "Live.CallbackAfterChangeOwner",
        "RoomId": ROOM,
        "Operator_Account": ADMIN,
        "CurrentOwner_Account": "host-2",
        "OriginalOwner_Account": "host-1",
    }
    random = text.pop("Random")
    assert isinstance(random, int) and 0 <= random < 2**32
    assert text == {
        "CallbackCommand": "Group.CallbackAfterSendMsg",
        "GroupId": ROOM,
        "Type": "Live",
        "From_Account": "shop",
        "Operator_Account": ADMIN,
        "MsgSeq": 1,
        "MsgId": f"1-{int(changed_at)}-{random}",
        "MsgTime": int(changed_at),
        "OnlineOnlyFlag": 0,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
        "CloudCustomData": "{}",
    }
    assert custom["MsgSeq"] == 2
    assert custom["MsgBody"] == [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "d", "Desc": "", "Ext": "b"}}]
    assert destroy == {
        "CallbackCommand": "Live.CallbackAfterDestroyRoom",
        "Operator_Account": ADMIN,
        "RoomId": ROOM,
        "EventType": "DestroyByUser",
        "RoomInfo": {
            "RoomName": "Friday",
            "RoomType": "Live",
            "Owner_Account": "host-2",
            "IsSeatEnabled": False,
            "TakeSeatMode": "FreeToTake",
            "MaxMemberCount": 50,
            "MaxSeatCount": 0,
            "Category": [3],
            "CustomInfo": "",
            "IsMessageDisabled": False,
            "CoverURL": "c.png",
            "ActivityStatus": 0,
            "IsPublicVisible": True,
            "ViewCount": 0,
            "BackgroundURL": "",
            "IsUnlimitedRoomEnabled": False,
        },
        "Statistic": {
            "TotalViewers": 0,
            "TotalGiftsSent": 0,
            "TotalGiftCoins": 0,
            "TotalUniqueGiftSenders": 0,
            "TotalLikesReceived": 0,
        },
    }
    # Delivered events leave the outbox, and are counted.
    await drained(server)
    metrics = await scrape(server)
    assert f'liveroom_webhook_events_total{{outcome="delivered",sdkappid="{SDKAPPID}"}} 9.0' in metrics


def live_url(server: LiveroomApp) -> str:
    return server.settings.database_url


async def drained(server: LiveroomApp) -> None:
    """Wait until the outbox is empty (a delivered event is deleted once its receiver has answered)."""
    for _ in range(200):
        if not db_rows(live_url(server))["webhook_events"]:
            return
        await asyncio_sleep(0.02)
    raise AssertionError(f"events left in the outbox: {db_rows(live_url(server))['webhook_events']}")


async def failure_recorded(server: LiveroomApp, room_id: str, attempts: int) -> None:
    """Wait until the sender has recorded the ``attempts``-th failure of the room's head. The receiver sees an
    attempt before the sender reads the clock to schedule the next one, so a test moves the clock only after this."""
    for _ in range(400):
        events = db_rows(live_url(server))["webhook_events"]
        head = min((e for e in events if e["room_id"] == room_id), key=lambda e: e["id"], default=None)
        if head is not None and head["attempts"] >= attempts:
            return
        await asyncio_sleep(0.025)
    raise AssertionError(f"the sender never recorded failure {attempts} of room {room_id}")


async def test_members_online_offline_and_seats_from_the_client_gateway(
    server: LiveroomApp, live: LiveClient, receiver: Receiver
) -> None:
    await configure(live, receiver)
    await live.import_accounts("alice", "bob")
    await live.create_room(ROOM, IsSeatEnabled=True, MaxSeatCount=2)
    async with WSClient(server) as alice, WSClient(server) as bob:
        await alice.login("alice")
        await alice.enter(ROOM)
        await bob.login("bob")
        await bob.enter(ROOM)
        await alice.request("take_seat", RoomId=ROOM, Index=1)
        await live.ok("ban_member", {"RoomId": ROOM, "MemberList_Account": ["bob"], "Duration": 60})
        await alice.request("leave", RoomId=ROOM)
    got = await receiver.wait_for(7)
    bodies = [payload(r) for r in got[1:7]]
    assert got[0].command == "Live.CallbackAfterCreateRoom"
    assert bodies[0] == {
        "CallbackCommand": "Live.CallbackAfterMemberStateChanged",
        "RoomId": ROOM,
        "EventType": "Online",
        "EventCause": "Enter",
        "MemberList": [{"Member_Account": "alice"}],
    }
    assert got[1].query["OptPlatform"] == "Web"
    assert got[1].query["ClientIP"] == "198.51.100.20"
    assert bodies[1]["MemberList"] == [{"Member_Account": "bob"}]
    assert bodies[2] == {
        "CallbackCommand": "Mic.CallbackAfterSeatInfoChanged",
        "RoomId": ROOM,
        "Operator_Account": "alice",
        "SeatList": [
            {"Index": 0, "IsTakenDisabled": False, "IsVideoDisabled": False, "IsAudioDisabled": False},
            {
                "Index": 1,
                "Member_Account": "alice",
                "IsTakenDisabled": False,
                "IsVideoDisabled": False,
                "IsAudioDisabled": False,
            },
        ],
    }
    assert bodies[3] == {
        "CallbackCommand": "Live.CallbackAfterMemberStateChanged",
        "RoomId": ROOM,
        "EventType": "Offline",
        "EventCause": "Banned",
        "MemberList": [{"Member_Account": "bob"}],
    }
    assert got[4].query["OptPlatform"] == "RESTAPI"
    # Leaving frees the seat first (as members see it), then the member is offline.
    assert bodies[4]["CallbackCommand"] == "Mic.CallbackAfterSeatInfoChanged"
    assert "Member_Account" not in bodies[4]["SeatList"][1]
    assert bodies[5]["EventType"] == "Offline" and bodies[5]["EventCause"] == "Leave"


async def test_a_dismissed_room_takes_its_members_offline_first(
    server: LiveroomApp, live: LiveClient, receiver: Receiver
) -> None:
    await configure(live, receiver, ["Live.CallbackAfterMemberStateChanged", "Live.CallbackAfterDestroyRoom"])
    await live.import_accounts("alice")
    await live.create_room(ROOM)
    async with WSClient(server) as alice:
        await alice.login("alice")
        await alice.enter(ROOM)
        await live.ok("destroy_room", {"RoomId": ROOM})
        await alice.until_event("room_dismissed")
    got = await receiver.wait_for(3)
    assert [(r.body.get("EventType"), r.body.get("EventCause")) for r in got] == [
        ("Online", "Enter"),
        ("Offline", "RoomDismissed"),
        ("DestroyByUser", None),
    ]


async def test_a_kicked_member_goes_offline_as_kicked_and_comes_back_online(
    server: LiveroomApp, live: LiveClient, receiver: Receiver
) -> None:
    await configure(live, receiver, ["Live.CallbackAfterMemberStateChanged"])
    await live.import_accounts("alice")
    await live.create_room(ROOM)
    async with WSClient(server) as alice:
        await alice.login("alice")
        await alice.enter(ROOM)
        await live.ok("kick_member", {"RoomId": ROOM, "MemberList_Account": ["alice"]})
        await alice.until_event("kicked_out_of_room")
        await alice.enter(ROOM)
    got = await receiver.wait_for(4)
    assert [(r.body["EventType"], r.body["EventCause"], r.query["OptPlatform"]) for r in got] == [
        ("Online", "Enter", "Web"),
        ("Offline", "Kicked", "RESTAPI"),
        ("Online", "Enter", "Web"),
        ("Offline", "HeartbeatInterrupt", "Web"),  # the connection closed without leaving
    ]
    assert all(r.body["MemberList"] == [{"Member_Account": "alice"}] for r in got)


async def test_auto_dismissal_is_destroy_by_system(server: LiveroomApp, live: LiveClient, receiver: Receiver) -> None:
    await configure(live, receiver, ["Live.CallbackAfterDestroyRoom"])
    await live.create_room(ROOM)
    app = server.apps.get(SDKAPPID)
    assert app is not None
    from liveroom.domain import members

    assert await members.dismiss_if_empty(server.services, app, ROOM)
    (got,) = await receiver.wait_for(1)
    assert got.body["EventType"] == "DestroyBySystem"
    assert got.body["Operator_Account"] == ""
    assert got.query["OptPlatform"] == "Unknown"


async def test_the_signature_verifies_with_the_sdk_receiver(
    server: LiveroomApp, live: LiveClient, receiver: Receiver, clock: Clock
) -> None:
    await configure(live, receiver)
    await live.create_room(ROOM)
    (got,) = await receiver.wait_for(1)
    assert got.query["RequestTime"] == str(int(clock()))
    check = CallbackReceiver(sdkappid=SDKAPPID, token=TOKEN, clock=clock)
    event = check.parse(got.query, got.raw)
    assert type(event).__name__ == "RoomCreated"
    with pytest.raises(InvalidCallback, match="Sign"):
        CallbackReceiver(sdkappid=SDKAPPID, token="other", clock=clock).parse(got.query, got.raw)
    with pytest.raises(InvalidCallback, match="RequestTime"):
        CallbackReceiver(sdkappid=SDKAPPID, token=TOKEN, clock=lambda: clock() + 61).parse(got.query, got.raw)
    # Switched off, the token signs nothing.
    await live.ok("set_callback_token", {"IsTokenEnable": False}, service=CONFIG)
    await live.ok("destroy_room", {"RoomId": ROOM})
    (_, unsigned) = await receiver.wait_for(2)
    assert "Sign" not in unsigned.query and "RequestTime" not in unsigned.query


async def test_commands_not_listed_are_not_even_stored(
    server: LiveroomApp, live: LiveClient, receiver: Receiver
) -> None:
    await configure(live, receiver, ["Live.CallbackAfterDestroyRoom"])
    await live.create_room(ROOM)
    await live.ok("set_room_metadata", {"RoomId": ROOM, "Metadata": [{"Key": "k", "Value": "v"}]})
    assert not db_rows(live_url(server))["webhook_events"]
    await live.ok("destroy_room", {"RoomId": ROOM})
    assert [r.command for r in await receiver.wait_for(1)] == ["Live.CallbackAfterDestroyRoom"]


async def test_a_receiver_failing_five_times_then_succeeding_gets_every_event_in_order(
    server: LiveroomApp, live: LiveClient, receiver: Receiver, clock: Clock
) -> None:
    await configure(live, receiver)
    receiver.script = [Answer(status=500)] * 3 + [Answer(status=200, body=b"not json"), Answer(status=503)]
    receiver.script[3] = Answer(status=404)
    await live.create_room(ROOM)
    await live.ok("set_room_metadata", {"RoomId": ROOM, "Metadata": [{"Key": "k", "Value": "v"}]})
    for attempt in range(1, 6):
        await receiver.wait_for(attempt)
        # The failed head holds its room back: the metadata event never overtakes it.
        assert all(r.command == "Live.CallbackAfterCreateRoom" for r in receiver.received)
        await failure_recorded(server, ROOM, attempt)
        clock.advance(2 ** (attempt - 1))  # the backoff: 1, 2, 4, 8, 16 s
        server.sender.wake()
    got = await receiver.wait_for(7)
    assert [r.command for r in got] == ["Live.CallbackAfterCreateRoom"] * 6 + ["Live.CallbackAfterSetMetadata"]
    assert len({r.event_id for r in got[:6]}) == 1
    assert len({r.raw for r in got[:6]}) == 1
    await drained(server)


async def test_rooms_do_not_wait_for_each_other(
    server: LiveroomApp, live: LiveClient, receiver: Receiver, clock: Clock
) -> None:
    await configure(live, receiver)
    receiver.script = [Answer(status=500)]
    await live.create_room("stuck")
    await receiver.wait_for(1)
    await live.create_room("free")
    got = await receiver.wait_for(1, where=lambda r: r.body["RoomInfo"]["RoomId"] == "free")
    assert got[0].command == "Live.CallbackAfterCreateRoom"
    await failure_recorded(server, "stuck", 1)
    clock.advance(1)
    server.sender.wake()
    await receiver.wait_for(2, where=lambda r: r.body["RoomInfo"]["RoomId"] == "stuck")


async def test_a_receiver_down_past_the_window_makes_events_dead_then_redelivered(
    server: LiveroomApp, live: LiveClient, receiver: Receiver, clock: Clock
) -> None:
    await configure(live, receiver)
    await receiver.down()
    await live.create_room(ROOM)
    await live.ok("destroy_room", {"RoomId": ROOM})
    store = server.store
    for _ in range(100):
        rows = db_rows(live_url(server))["webhook_events"]
        if rows and rows[0]["attempts"] >= 1:
            break
        await asyncio_sleep(0.05)
    rows = sorted(db_rows(live_url(server))["webhook_events"], key=lambda r: r["id"])
    assert rows[0]["attempts"] == 1 and "cannot connect" in rows[0]["last_error"]
    assert rows[1]["attempts"] == 0  # behind the head of its room
    metrics = await scrape(server)
    assert f'liveroom_webhook_pending{{sdkappid="{SDKAPPID}"}} 2.0' in metrics
    assert f'liveroom_webhook_events_total{{outcome="retried",sdkappid="{SDKAPPID}"}} 1.0' in metrics
    assert f'liveroom_webhook_oldest_pending_seconds{{sdkappid="{SDKAPPID}"}}' in metrics
    clock.advance(25 * 3600)
    for _ in range(200):
        server.sender.wake()
        dead = await operator.list_dead(store, SDKAPPID)
        if len(dead) == 2:
            break
        await asyncio_sleep(0.05)
    assert [e.command for e in dead] == ["Live.CallbackAfterCreateRoom", "Live.CallbackAfterDestroyRoom"]
    statuses = await operator.status(store, clock)
    assert [(s.sdkappid, s.pending, s.dead) for s in statuses] == [(SDKAPPID, 0, 2)]
    metrics = await scrape(server)
    assert f'liveroom_webhook_events_total{{outcome="dead",sdkappid="{SDKAPPID}"}} 2.0' in metrics
    assert f'liveroom_webhook_dead{{sdkappid="{SDKAPPID}"}} 2.0' in metrics

    await receiver.start()
    for event in dead:
        await operator.redeliver(store, event.id, clock)
    server.sender.wake()
    got = await receiver.wait_for(2)
    assert [r.event_id for r in got] == [str(e.id) for e in dead]
    await drained(server)


async def scrape(server: LiveroomApp) -> str:
    await server.metrics.refresh(force=True)
    return server.metrics.exposition().decode()


async def asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
