"""create_battle, get_battle_info and set_battle_score over HTTP (decisions.md section 10): per-room result codes,
Status, scores, OpType as an integer or a numeric string, limits and errors. Every test runs on SQLite and on
PostgreSQL (tests/api/conftest.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from tests.helpers import SDKAPPID, Guarded, LiveClient

PK = "live_engine_http_pk"
ROOMS = ("pk-1", "pk-2", "pk-3", "pk-4")


@pytest.fixture
async def rooms(live: LiveClient) -> tuple[str, ...]:
    await live.import_accounts(*(f"host-{i}" for i in range(1, 5)))
    for i, room in enumerate(ROOMS, 1):
        await live.create_room(room, Owner_Account=f"host-{i}")
    return ROOMS


def battle(from_room: str = "pk-1", *to: str, duration: int = 60000, **extra: Any) -> dict[str, Any]:
    return {"FromRoomId": from_room, "ToRoomIdList": list(to or ("pk-2",)), "Duration": duration, **extra}


async def create(live: LiveClient, body: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = (await live.ok("create_battle", body, service=PK))["Response"]
    return response


async def info(live: LiveClient, **body: Any) -> dict[str, Any]:
    response: dict[str, Any] = (await live.ok("get_battle_info", body, service=PK))["Response"]
    return response


async def scores(live: LiveClient, battle_id: str, op: int | str, **by_room: int) -> list[dict[str, Any]]:
    body = {"BattleId": battle_id, "OpType": op, "ScoreList": [{"RoomId": r, "Score": s} for r, s in by_room.items()]}
    result: list[dict[str, Any]] = (await live.ok("set_battle_score", body, service=PK))["Response"]["Result"]
    return result


def now(server: LiveroomApp) -> int:
    return int(server.services.clock())


async def test_a_battle_starts_at_once_with_a_code_per_invited_room(
    live: LiveClient, server: LiveroomApp, rooms: tuple[str, ...]
) -> None:
    before = now(server)
    created = await create(live, battle("pk-1", "pk-2", "nowhere", "pk-3", ExtensionInfo="round 1"))
    assert isinstance(created["BattleId"], str) and created["BattleId"]
    assert created["Result"] == [
        {"RoomId": "pk-2", "ResultCode": 0, "ResultMessage": ""},
        {"RoomId": "nowhere", "ResultCode": 4, "ResultMessage": "the room does not exist"},
        {"RoomId": "pk-3", "ResultCode": 0, "ResultMessage": ""},
    ]
    read = await info(live, BattleId=created["BattleId"])
    assert before <= read["StartTime"] <= now(server)
    assert read == {
        "BattleId": created["BattleId"],
        "Duration": 60000,
        "StartTime": read["StartTime"],
        "EndTime": read["StartTime"] + 60,
        "Status": 2,
        "FromRoomInfo": {"RoomId": "pk-1", "Score": 0, "Owner_Account": "host-1"},
        "ToRoomList": [
            {"RoomId": "pk-2", "Score": 0, "Owner_Account": "host-2"},
            {"RoomId": "pk-3", "Score": 0, "Owner_Account": "host-3"},
        ],
    }
    # The battle a room takes part in, by RoomId (any of its rooms).
    assert await info(live, RoomId="pk-3") == read
    assert await info(live, RoomId="pk-1") == read


async def test_a_room_is_in_one_battle_at_a_time(live: LiveClient, rooms: tuple[str, ...]) -> None:
    first = await create(live, battle("pk-1", "pk-2"))
    second = await create(live, battle("pk-3", "pk-2", "pk-4"))
    assert [(r["RoomId"], r["ResultCode"]) for r in second["Result"]] == [("pk-2", 3), ("pk-4", 0)]
    assert second["Result"][0]["ResultMessage"] == "the room is already in another battle"
    assert (await info(live, RoomId="pk-2"))["BattleId"] == first["BattleId"]
    assert (await info(live, RoomId="pk-4"))["BattleId"] == second["BattleId"]
    # An initiator already in a battle is refused as a whole, and nothing is written.
    info_text = await live.fails(100002, "create_battle", battle("pk-2", "pk-3"), service=PK)
    assert info_text.startswith("FromRoomId:")


async def test_a_battle_nobody_joined_has_ended(live: LiveClient, rooms: tuple[str, ...]) -> None:
    await create(live, battle("pk-1", "pk-2"))
    created = await create(live, battle("pk-3", "pk-2", "nowhere"))
    assert [r["ResultCode"] for r in created["Result"]] == [3, 4]
    read = await info(live, BattleId=created["BattleId"])
    assert (read["Status"], read["ToRoomList"], read["EndTime"]) == (3, [], read["StartTime"])
    # pk-3 is in no running battle.
    await live.fails(100004, "get_battle_info", {"RoomId": "pk-3"}, service=PK)
    assert [r["ResultCode"] for r in await scores(live, created["BattleId"], 1, **{"pk-3": 5})] == [5]


async def test_scores_add_and_set_with_optype_as_integer_or_numeric_string(
    live: LiveClient, rooms: tuple[str, ...]
) -> None:
    battle_id = (await create(live, battle("pk-1", "pk-2", "pk-3")))["BattleId"]
    assert await scores(live, battle_id, 1, **{"pk-1": 10, "pk-2": 4}) == [
        {"RoomId": "pk-1", "ResultCode": 0},
        {"RoomId": "pk-2", "ResultCode": 0},
    ]
    await scores(live, battle_id, "1", **{"pk-1": 5})
    await scores(live, battle_id, "2", **{"pk-2": 100})
    await scores(live, battle_id, 2, **{"pk-3": 7})
    # A room that takes no part in this battle: 4, the others are still changed.
    assert await scores(live, battle_id, 1, **{"pk-4": 1, "nowhere": 1, "pk-3": 1}) == [
        {"RoomId": "pk-4", "ResultCode": 4},
        {"RoomId": "nowhere", "ResultCode": 4},
        {"RoomId": "pk-3", "ResultCode": 0},
    ]
    read = await info(live, BattleId=battle_id)
    assert read["FromRoomInfo"]["Score"] == 15
    assert [(r["RoomId"], r["Score"]) for r in read["ToRoomList"]] == [("pk-2", 100), ("pk-3", 8)]


async def test_a_battle_ends_when_its_time_is_up(live: LiveClient, server: LiveroomApp, rooms: tuple[str, ...]) -> None:
    clock = server.services
    start = 1_900_000_000.0
    clock.clock = lambda: start
    battle_id = (await create(live, battle("pk-1", "pk-2", duration=10000)))["BattleId"]
    await scores(live, battle_id, 1, **{"pk-2": 3})
    clock.clock = lambda: start + 9.999
    assert (await info(live, BattleId=battle_id))["Status"] == 2
    clock.clock = lambda: start + 10
    read = await info(live, BattleId=battle_id)
    assert (read["Status"], read["StartTime"], read["EndTime"]) == (3, 1_900_000_000, 1_900_000_010)
    # No score changes once it has ended; the scores stay readable.
    assert await scores(live, battle_id, 1, **{"pk-1": 1, "pk-2": 1}) == [
        {"RoomId": "pk-1", "ResultCode": 5},
        {"RoomId": "pk-2", "ResultCode": 5},
    ]
    assert (await info(live, BattleId=battle_id))["ToRoomList"][0]["Score"] == 3
    # Its rooms are free for another battle.
    await live.fails(100004, "get_battle_info", {"RoomId": "pk-1"}, service=PK)
    again = await create(live, battle("pk-2", "pk-1"))
    assert [r["ResultCode"] for r in again["Result"]] == [0]


async def test_concurrent_battles_for_one_room_let_one_in(live: LiveClient, rooms: tuple[str, ...]) -> None:
    answers = await asyncio.gather(
        create(live, battle("pk-1", "pk-4")), create(live, battle("pk-2", "pk-4")), create(live, battle("pk-3", "pk-4"))
    )
    joined = [a for a in answers if a["Result"][0]["ResultCode"] == 0]
    assert len(joined) == 1
    assert (await info(live, RoomId="pk-4"))["BattleId"] == joined[0]["BattleId"]


@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        (battle("nowhere", "pk-2"), 100004, "FromRoomId"),
        (battle("pk-1", duration=9999), 100002, "Duration"),
        (battle("pk-1", duration=3600001), 100002, "Duration"),
        (battle("pk-1", duration="60000"), 100002, "Duration"),
        ({**battle("pk-1"), "ToRoomIdList": []}, 100002, "ToRoomIdList"),
        (battle("pk-1", *(f"r{i}" for i in range(9))), 100002, "ToRoomIdList"),
        (battle("pk-1", "pk-2", "pk-2"), 100002, "ToRoomIdList"),
        (battle("pk-1", "pk-1"), 100002, "ToRoomIdList"),
        ({**battle("pk-1"), "ToRoomIdList": "pk-2"}, 100002, "ToRoomIdList"),
        (battle("pk-1", "x" * 49), 100002, "ToRoomIdList"),
        (battle("pk-1", ExtensionInfo="x" * 1025), 100002, "ExtensionInfo"),
        ({k: v for k, v in battle("pk-1").items() if k != "FromRoomId"}, 100002, "FromRoomId"),
        ({k: v for k, v in battle("pk-1").items() if k != "Duration"}, 100002, "Duration"),
    ],
)
async def test_a_refused_battle_writes_nothing(
    guard: Guarded, rooms: tuple[str, ...], body: dict[str, Any], code: int, named: str
) -> None:
    assert (await guard.fails(code, "create_battle", body, service=PK)).startswith(named)


async def test_get_battle_info_errors(live: LiveClient, rooms: tuple[str, ...]) -> None:
    battle_id = (await create(live, battle("pk-1", "pk-2")))["BattleId"]
    for body, code, named in [
        ({}, 100002, "BattleId"),
        ({"BattleId": "no-such-battle"}, 100004, "BattleId"),
        ({"RoomId": "pk-3"}, 100004, "RoomId"),
        ({"RoomId": "nowhere"}, 100004, "RoomId"),
        ({"BattleId": battle_id, "RoomId": "pk-3"}, 100004, "RoomId"),
        ({"BattleId": 5}, 100002, "BattleId"),
        ({"BattleId": "x" * 65}, 100002, "BattleId"),
    ]:
        assert (await live.fails(code, "get_battle_info", body, service=PK)).startswith(named), body
    assert (await info(live, BattleId=battle_id, RoomId="pk-2"))["BattleId"] == battle_id


@pytest.mark.parametrize(
    ("change", "code", "named"),
    [
        ({"OpType": 3}, 100002, "OpType"),
        ({"OpType": "0"}, 100002, "OpType"),
        ({"OpType": "add"}, 100002, "OpType"),
        ({"OpType": "1.0"}, 100002, "OpType"),
        ({"OpType": True}, 100002, "OpType"),
        ({"OpType": None}, 100002, "OpType"),
        ({"BattleId": "no-such-battle"}, 100004, "BattleId"),
        ({"ScoreList": []}, 100002, "ScoreList"),
        ({"ScoreList": [{"RoomId": "pk-1", "Score": -1}]}, 100002, "ScoreList[0].Score"),
        ({"ScoreList": [{"RoomId": "pk-1", "Score": 2**31}]}, 100002, "ScoreList[0].Score"),
        ({"ScoreList": [{"RoomId": "pk-1", "Score": "5"}]}, 100002, "ScoreList[0].Score"),
        ({"ScoreList": [{"RoomId": "pk-1"}]}, 100002, "ScoreList[0].Score"),
        ({"ScoreList": [{"RoomId": "pk-1", "Score": 1}, {"RoomId": "pk-1", "Score": 2}]}, 100002, "ScoreList"),
    ],
)
async def test_a_refused_score_changes_nothing(
    guard: Guarded, rooms: tuple[str, ...], change: dict[str, Any], code: int, named: str
) -> None:
    battle_id = (await create(guard.live, battle("pk-1", "pk-2")))["BattleId"]
    body = {"BattleId": battle_id, "OpType": 1, "ScoreList": [{"RoomId": "pk-1", "Score": 1}], **change}
    assert (await guard.fails(code, "set_battle_score", body, service=PK)).startswith(named)


async def test_concurrent_score_adds_are_all_counted(live: LiveClient, rooms: tuple[str, ...]) -> None:
    battle_id = (await create(live, battle("pk-1", "pk-2")))["BattleId"]
    await asyncio.gather(*(scores(live, battle_id, 1, **{"pk-1": 1, "pk-2": 2}) for _ in range(40)))
    read = await info(live, BattleId=battle_id)
    assert (read["FromRoomInfo"]["Score"], read["ToRoomList"][0]["Score"]) == (40, 80)


async def test_gifts_add_their_coins_to_the_rooms_score_when_the_app_asks(
    live: LiveClient, server: LiveroomApp, rooms: tuple[str, ...]
) -> None:
    await live.import_accounts("fan")
    await live.ok("add_gift", {"GiftId": "rose", "Coins": 5, "DefaultName": "rose"})
    battle_id = (await create(live, battle("pk-1", "pk-2")))["BattleId"]

    def rose(room: str, count: int) -> dict[str, Any]:
        return {
            "RoomId": room,
            "GiftId": "rose",
            "Count": count,
            "From_Account": "fan",
            "ReceiverList_Account": ["fan"],
        }

    await live.ok("send_gift", rose("pk-2", 3))
    assert (await info(live, BattleId=battle_id))["ToRoomList"][0]["Score"] == 0, "off unless the app asks"
    await AppManager(server.store).set_quota(SDKAPPID, QuotaChange(gift_battle_scores=True))
    await asyncio.gather(*(live.ok("send_gift", rose("pk-2", 3)) for _ in range(20)))
    await live.ok("send_gift", rose("pk-1", 1))
    await live.ok("send_gift", rose("pk-4", 1))  # a room in no battle: the gift is counted, nothing else
    await scores(live, battle_id, 1, **{"pk-2": 100})
    read = await info(live, BattleId=battle_id)
    assert (read["FromRoomInfo"]["Score"], read["ToRoomList"][0]["Score"]) == (5, 20 * 15 + 100)
    stats = (await live.ok("get_room_stats", {"RoomId": "pk-2"}))["Response"]
    assert stats["TotalGiftCoins"] == 21 * 15


async def test_gifts_after_the_end_time_add_nothing(
    live: LiveClient, server: LiveroomApp, rooms: tuple[str, ...]
) -> None:
    await live.import_accounts("fan")
    await live.ok("add_gift", {"GiftId": "rose", "Coins": 5, "DefaultName": "rose"})
    await AppManager(server.store).set_quota(SDKAPPID, QuotaChange(gift_battle_scores=True))
    start = 1_900_000_000.0
    server.services.clock = lambda: start
    battle_id = (await create(live, battle("pk-1", "pk-2", duration=10000)))["BattleId"]
    gift = {"RoomId": "pk-1", "GiftId": "rose", "Count": 2, "From_Account": "fan", "ReceiverList_Account": ["fan"]}
    await live.ok("send_gift", gift)
    server.services.clock = lambda: start + 10
    await live.ok("send_gift", gift)
    read = await info(live, BattleId=battle_id)
    assert (read["Status"], read["FromRoomInfo"]["Score"]) == (3, 10)
