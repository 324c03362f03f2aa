"""How battles end (decisions.md section 10): once when their time is up, early when every other room has left, at
once when nobody joined; the after-callbacks of the contract (CreateBattle, StartBattle, EndBattle with its OpType)
through the outbox and the battle events to the members of every room of the battle. In-process, with a clock the
test moves; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.client import webhooks
from liveroom.client.webhooks import CallbackReceiver
from liveroom.domain import battles
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, Clock, LiveClient
from tests.realtime.wsclient import WSClient
from tests.receiver import Received, Receiver

PK = "live_engine_http_pk"
COMMANDS = ["Live.CallbackAfterCreateBattle", "Live.CallbackAfterStartBattle", "Live.CallbackAfterEndBattle"]


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, access_log=False, webhook_poll_seconds=0.05, battle_poll_seconds=0.05)


@pytest.fixture
async def server(settings: Settings, clock: Clock) -> AsyncIterator[LiveroomApp]:
    app = LiveroomApp(settings, clock=clock)
    async with app.lifespan(app.web):
        manager = AppManager(app.store)
        await manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN])
        await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
        yield app


@pytest.fixture
async def receiver(live: LiveClient) -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    await live.ok("set_callback", {"Url": r.url, "CallbackCommandList": COMMANDS}, service="live_config")
    yield r
    await r.stop()


@pytest.fixture
async def rooms(live: LiveClient) -> list[str]:
    await live.import_accounts("ann", "ben", "cat", "alice", "bob")
    for room, owner in (("red", "ann"), ("blue", "ben"), ("green", "cat")):
        await live.create_room(room, Owner_Account=owner)
    return ["red", "blue", "green"]


async def create(live: LiveClient, *to: str, duration: int = 60000, from_room: str = "red") -> str:
    body = {"FromRoomId": from_room, "ToRoomIdList": list(to), "Duration": duration, "ExtensionInfo": "ext"}
    battle_id: str = (await live.ok("create_battle", body, service=PK))["Response"]["BattleId"]
    return battle_id


async def info(live: LiveClient, battle_id: str) -> dict[str, Any]:
    response: dict[str, Any] = (await live.ok("get_battle_info", {"BattleId": battle_id}, service=PK))["Response"]
    return response


def ended(receiver: Receiver) -> list[Received]:
    return [r for r in receiver.received if r.command == "Live.CallbackAfterEndBattle"]


async def test_a_battle_ends_once_when_its_time_is_up(
    server: LiveroomApp, live: LiveClient, clock: Clock, receiver: Receiver, rooms: list[str]
) -> None:
    start = int(clock.now)
    async with WSClient(server) as alice, WSClient(server) as bob:
        await alice.login("alice")
        await alice.enter("red")
        await bob.login("bob")
        await bob.enter("blue")
        battle_id = await create(live, "blue", duration=20000)
        for member, room in ((alice, "red"), (bob, "blue")):
            started = await member.until_event("battle_started")
            assert (started["RoomId"], started["data"]["BattleId"], started["data"]["Duration"]) == (
                room,
                battle_id,
                20000,
            )
            assert started["data"]["EndTime"] - started["data"]["StartTime"] == 20
            assert started["data"]["FromRoomInfo"] == {"RoomId": "red", "Owner_Account": "ann", "Score": 0}
        body = {"BattleId": battle_id, "OpType": 1, "ScoreList": [{"RoomId": "blue", "Score": 7}]}
        await live.ok("set_battle_score", body, service=PK)
        for member in (alice, bob):
            changed = (await member.until_event("battle_score_changed"))["data"]
            assert changed["ScoreList"] == [
                {"RoomId": "red", "Owner_Account": "ann", "Score": 0},
                {"RoomId": "blue", "Owner_Account": "ben", "Score": 7},
            ]
        await asyncio.sleep(0.2)
        assert (await info(live, battle_id))["Status"] == 2
        assert not ended(receiver), "a battle must not end before its time"

        clock.advance(20)
        for member, room in ((alice, "red"), (bob, "blue")):
            event = await member.until_event("battle_ended")
            assert (event["RoomId"], event["Operator_Account"], event["data"]["Reason"]) == (room, "", 0)
            assert event["data"]["ToRoomList"] == [{"RoomId": "blue", "Owner_Account": "ben", "Score": 7}]
    got = await receiver.wait_for(3)
    assert [r.command for r in got] == COMMANDS
    create_body, start_body, end_body = (dict(r.body) for r in got)
    for body in (create_body, start_body, end_body):
        assert isinstance(body.pop("EventTime"), int)
    assert create_body == {
        "CallbackCommand": "Live.CallbackAfterCreateBattle",
        "Operator_Account": ADMIN,
        "BattleId": battle_id,
        "FromRoomId": "red",
        "ToRoomIdList": ["blue"],
        "Timeout": 0,
        "Duration": 20000,
        "NeedResponse": False,
        "ExtensionInfo": "ext",
    }
    assert start_body == {
        "CallbackCommand": "Live.CallbackAfterStartBattle",
        "BattleId": battle_id,
        "Duration": 20000,
        "CreateTime": start,
        "StartTime": start,
        "FromRoomInfo": {"RoomId": "red", "Owner_Account": "ann"},
        "ToRoomList": [{"RoomId": "blue", "Owner_Account": "ben"}],
    }
    assert end_body == {
        "CallbackCommand": "Live.CallbackAfterEndBattle",
        "BattleId": battle_id,
        "Duration": 20000,
        "CreateTime": start,
        "StartTime": start,
        "EndTime": start + 20,
        "OpType": 0,
        "FromRoomInfo": {"RoomId": "red", "Score": 0, "Owner_Account": "ann"},
        "ToRoomList": [{"RoomId": "blue", "Score": 7, "Owner_Account": "ben"}],
    }
    # The SDK's receiver reads them as typed callbacks.
    typed = [CallbackReceiver(sdkappid=SDKAPPID, token=None).parse(r.query, r.raw) for r in got]
    assert [type(t) for t in typed] == [webhooks.BattleCreated, webhooks.BattleStarted, webhooks.BattleEnded]
    final = typed[2]
    assert isinstance(final, webhooks.BattleEnded)
    assert (final.op_type, final.to_room_list[0].score, final.from_room_info.owner_account) == (0, 7, "ann")
    read = await info(live, battle_id)
    assert (read["Status"], read["EndTime"]) == (3, start + 20)
    # Nothing is left to end, however often any node looks.
    clock.advance(3600)
    assert await battles.end_due_battles(server.services, server.apps.get) == 0
    await asyncio.sleep(0.3)
    assert len(ended(receiver)) == 1


async def test_battles_due_at_once_are_each_ended_once_by_concurrent_sweeps(
    server: LiveroomApp, live: LiveClient, clock: Clock, receiver: Receiver
) -> None:
    pairs = [(f"a{i}", f"b{i}") for i in range(12)]
    await live.ok("multiaccount_import", {"Accounts": ["host"]}, service="im_open_login_svc")
    for a, b in pairs:
        await live.create_room(a, Owner_Account="host")
        await live.create_room(b, Owner_Account="host")
    battle_ids = {await create(live, b, from_room=a, duration=10000) for a, b in pairs}
    clock.advance(10)
    counts = await asyncio.gather(*(battles.end_due_battles(server.services, server.apps.get, 5) for _ in range(6)))
    await asyncio.sleep(0.3)  # the app's own clock may have ended some
    assert sum(counts) + server.battle_clock.ended == len(pairs)
    got = await receiver.wait_for(len(pairs), where=lambda r: r.command == "Live.CallbackAfterEndBattle")
    await asyncio.sleep(0.3)
    assert sorted(r.body["BattleId"] for r in ended(receiver)) == sorted(battle_ids)
    assert {r.body["OpType"] for r in got} == {0}


async def test_a_battle_ends_early_when_every_other_room_has_left(
    server: LiveroomApp, live: LiveClient, clock: Clock, receiver: Receiver, rooms: list[str]
) -> None:
    battle_id = await create(live, "blue", "green")
    await live.ok(
        "set_battle_score",
        {
            "BattleId": battle_id,
            "OpType": 2,
            "ScoreList": [{"RoomId": "red", "Score": 3}, {"RoomId": "green", "Score": 9}],
        },
        service=PK,
    )
    clock.advance(5)
    async with WSClient(server) as alice:
        await alice.login("alice")
        await alice.enter("red")
        await live.ok("destroy_room", {"RoomId": "green"})
        read = await info(live, battle_id)
        assert read["Status"] == 2, "two rooms are still in it"
        assert read["ToRoomList"][1] == {"RoomId": "green", "Score": 9, "Owner_Account": "cat"}
        refused = {"BattleId": battle_id, "OpType": 1, "ScoreList": [{"RoomId": "green", "Score": 1}]}
        assert (await live.ok("set_battle_score", refused, service=PK))["Response"]["Result"][0]["ResultCode"] == 4
        await live.ok("destroy_room", {"RoomId": "blue"})
        event = await alice.until_event("battle_ended")
        assert (event["data"]["Reason"], event["data"]["EndTime"]) == (1, int(clock.now))
    got = await receiver.wait_for(1, where=lambda r: r.command == "Live.CallbackAfterEndBattle")
    assert (got[0].body["OpType"], got[0].body["EndTime"]) == (1, int(clock.now))
    assert [r["Score"] for r in got[0].body["ToRoomList"]] == [0, 9]
    read = await info(live, battle_id)
    assert (read["Status"], read["EndTime"]) == (3, int(clock.now))
    # The room that is left is free at once.
    await live.create_room("blue", Owner_Account="ben")
    assert (
        await live.ok("create_battle", {"FromRoomId": "red", "ToRoomIdList": ["blue"], "Duration": 10000}, service=PK)
    )["Response"]["Result"][0]["ResultCode"] == 0
    clock.advance(3600)
    await asyncio.sleep(0.3)
    assert sorted(r.body["OpType"] for r in ended(receiver)) == [0, 1], "the early end is not ended again"


async def test_a_battle_nobody_joined_ends_as_it_is_created(
    live: LiveClient, receiver: Receiver, rooms: list[str]
) -> None:
    await create(live, "blue")
    battle_id = await create(live, "blue", "nowhere", from_room="green")
    got = await receiver.wait_for(2, where=lambda r: r.body["BattleId"] == battle_id)
    await asyncio.sleep(0.2)
    got = [r for r in receiver.received if r.body["BattleId"] == battle_id]
    assert [r.command for r in got] == ["Live.CallbackAfterCreateBattle", "Live.CallbackAfterEndBattle"]
    assert got[0].body["ToRoomIdList"] == []
    assert (got[1].body["OpType"], got[1].body["ToRoomList"]) == (2, [])
    assert got[1].body["EndTime"] == got[1].body["StartTime"]


async def test_members_see_a_gift_change_the_scores(server: LiveroomApp, live: LiveClient, rooms: list[str]) -> None:
    await AppManager(server.store).set_quota(SDKAPPID, QuotaChange(gift_battle_scores=True))
    await live.ok("add_gift", {"GiftId": "rocket", "Coins": 8888, "DefaultName": "rocket"})
    battle_id = await create(live, "blue")
    async with WSClient(server) as alice:
        await alice.login("alice")
        await alice.enter("red")
        gift = {"RoomId": "blue", "GiftId": "rocket", "From_Account": "bob", "ReceiverList_Account": ["ben"]}
        await live.ok("send_gift", gift)
        changed = (await alice.until_event("battle_score_changed"))["data"]
        assert changed["BattleId"] == battle_id
        assert [(r["RoomId"], r["Score"]) for r in changed["ScoreList"]] == [("red", 0), ("blue", 8888)]
