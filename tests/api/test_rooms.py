"""Rooms, ``v4/live_engine_http_srv``: create, read, update, destroy, change owner, stats (decisions.md section 6)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from tests.helpers import ADMIN, IM, SDKAPPID, Clock, Guarded, LiveClient, db_rows, node_beside, rewrite_rooms

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
STATISTIC = ("TotalViewers", "TotalGiftsSent", "TotalGiftCoins", "TotalUniqueGiftSenders", "TotalLikesReceived")


def room_body(room_id: Any = "r1", **fields: Any) -> dict[str, Any]:
    return {"RoomInfo": {"RoomId": room_id, "RoomType": "Live", **fields}}


async def info_of(live: LiveClient, room_id: str) -> dict[str, Any]:
    data = await live.ok("get_room_info", {"RoomId": room_id})
    info: dict[str, Any] = data["Response"]["RoomInfo"]
    return info


async def ban(live: LiveClient, room_id: str, user_id: str, seconds: int = 3600) -> None:
    await live.ok("ban_member", {"RoomId": room_id, "MemberList_Account": [user_id], "Duration": seconds})


# create_room: defaults and round trip -------------------------------------------------------------------


async def test_create_room_answers_the_room_id_and_applies_every_default(live: LiveClient) -> None:
    data = await live.create_room("plain")
    assert data["Response"] == {"RoomId": "plain"}
    info = await info_of(live, "plain")
    assert abs(info.pop("CreateTime") - time.time()) < 60
    assert info.pop("IsUnlimitedRoomEnabled", False) is False
    assert info == {
        "RoomId": "plain",
        "RoomName": "plain",
        "RoomType": "Live",
        "Owner_Account": ADMIN,
        "IsSeatEnabled": False,
        "TakeSeatMode": "FreeToTake",
        "MaxSeatCount": 0,
        "MaxMemberCount": 1000,
        "IsMessageDisabled": False,
        "CoverURL": "",
        "Category": [],
        "ActivityStatus": 0,
        "ViewCount": 0,
        "IsPublicVisible": True,
        "SeatTemplate": "",
        "Notice": "",
        "MemberCount": 0,
    }


async def test_create_room_stores_every_field_given(live: LiveClient) -> None:
    await live.import_accounts("host")
    await live.create_room(
        "full",
        RoomName="Full room",
        Owner_Account="host",
        TakeSeatMode="ApplyToTake",
        SeatTemplate="AudioSalon",
        MaxSeatCount=12,
        MaxMemberCount=500,
        SeatLayoutTemplateId=600,
        IsMessageDisabled=True,
        IsPublicVisible=False,
        CoverURL="https://img.example/c.png",
        Category=[3, -1, 9007199254740993],
        ActivityStatus=42,
        Notice="welcome",
    )
    info = await info_of(live, "full")
    expected = {
        "RoomName": "Full room",
        "Owner_Account": "host",
        "TakeSeatMode": "ApplyToTake",
        "SeatTemplate": "AudioSalon",
        "IsSeatEnabled": True,
        "MaxSeatCount": 12,
        "MaxMemberCount": 500,
        "SeatLayoutTemplateId": 600,
        "IsMessageDisabled": True,
        "IsPublicVisible": False,
        "CoverURL": "https://img.example/c.png",
        "Category": [3, -1, 9007199254740993],
        "ActivityStatus": 42,
        "Notice": "welcome",
    }
    assert {k: info[k] for k in expected} == expected


async def test_create_room_ignores_unknown_fields(live: LiveClient) -> None:
    await live.ok("create_room", {"RoomInfo": {"RoomId": "u", "RoomType": "Live", "Shiny": 1}, "Extra": [1]})
    assert "Shiny" not in await info_of(live, "u")


# create_room: RoomId ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "room_id", ["a", "r" * 48, PRINTABLE[:48], PRINTABLE[48:], " ", "~room id with spaces~", '"quoted"\\']
)
async def test_create_room_accepts_1_to_48_bytes_of_printable_ascii(live: LiveClient, room_id: str) -> None:
    await live.create_room(room_id)
    assert (await info_of(live, room_id))["RoomId"] == room_id


@pytest.mark.parametrize(
    "room_id",
    ["r" * 49, "", "tab\there", "new\nline", "caf\u00e9", "\u623f\u95f4", "del\x7f", "nul\x00", "\U0001f600"],
    ids=["49-bytes", "empty", "tab", "newline", "latin1", "chinese", "del", "nul", "emoji"],
)
async def test_create_room_refuses_other_room_ids_with_100002_naming_room_id(guard: Guarded, room_id: str) -> None:
    assert "RoomId" in await guard.fails(100002, "create_room", room_body(room_id))


@pytest.mark.parametrize(
    "body",
    [{}, {"RoomInfo": "r1"}, {"RoomInfo": {"RoomType": "Live"}}, room_body(7), room_body(None)],
    ids=["no-room-info", "room-info-string", "no-room-id", "numeric-room-id", "null-room-id"],
)
async def test_create_room_refuses_a_missing_or_mistyped_room_id_with_100002(
    guard: Guarded, body: dict[str, Any]
) -> None:
    assert "RoomInfo" in await guard.fails(100002, "create_room", body)


# create_room: other fields ------------------------------------------------------------------------------


@pytest.mark.parametrize("room_type", [None, "live", "Voice", "", 1])
async def test_create_room_refuses_a_room_type_other_than_live(guard: Guarded, room_type: Any) -> None:
    body = room_body()
    if room_type is None:
        del body["RoomInfo"]["RoomType"]
    else:
        body["RoomInfo"]["RoomType"] = room_type
    assert "RoomType" in await guard.fails(100002, "create_room", body)


# (field, longest accepted, shortest refused): limits are UTF-8 bytes, so multi-byte text counts 2-4 per char.
TEXT_LIMITS = [
    ("RoomName", "\u4e2d" * 33, "\u4e2d" * 34),
    ("RoomName", "n" * 100, "n" * 101),
    ("RoomName", "\U0001f600" * 25, "\U0001f600" * 25 + "n"),
    ("CoverURL", "c" * 200, "c" * 201),
    ("CoverURL", "\u00e9" * 100, "\u00e9" * 100 + "c"),
    ("CoverURL", "\u4e2d" * 66 + "cc", "\u4e2d" * 67),
    ("Notice", "o" * 100, "o" * 101),
    ("Notice", "\u4e2d" * 33 + "o", "\u4e2d" * 34),
    ("SeatTemplate", "s" * 64, "s" * 65),
]


@pytest.mark.parametrize(("field", "longest", "too_long"), TEXT_LIMITS)
async def test_create_room_limits_text_fields_in_utf8_bytes(
    guard: Guarded, field: str, longest: str, too_long: str
) -> None:
    assert field in await guard.fails(100002, "create_room", room_body("t", **{field: too_long}))
    await guard.live.create_room("t", **{field: longest})
    assert (await info_of(guard.live, "t"))[field] == longest


async def test_create_room_accepts_empty_cover_notice_and_room_name(live: LiveClient) -> None:
    await live.create_room("e", CoverURL="", Notice="")
    info = await info_of(live, "e")
    assert (info["CoverURL"], info["Notice"]) == ("", "")


@pytest.mark.parametrize("category", [[], [1], [1, 2, 3], [0, 0, 0]])
async def test_create_room_accepts_up_to_3_integer_categories(live: LiveClient, category: list[int]) -> None:
    await live.create_room("c", Category=category)
    assert (await info_of(live, "c"))["Category"] == category


@pytest.mark.parametrize("category", [[1, 2, 3, 4], ["1"], [1.5], "1", 1, [None], [2**63]], ids=lambda c: repr(c)[:12])
async def test_create_room_refuses_other_categories_with_100002(guard: Guarded, category: Any) -> None:
    assert "Category" in await guard.fails(100002, "create_room", room_body(Category=category))


@pytest.mark.parametrize(
    ("given", "answered"),
    [("FreeToTake", "FreeToTake"), ("ApplyToTake", "ApplyToTake"), (1, "FreeToTake"), (2, "ApplyToTake")],
)
async def test_create_room_answers_take_seat_mode_as_a_string(live: LiveClient, given: Any, answered: str) -> None:
    await live.create_room("m", TakeSeatMode=given)
    assert (await info_of(live, "m"))["TakeSeatMode"] == answered


@pytest.mark.parametrize("mode", ["freetotake", "None", "", 0, 3, -1, True, 1.0, None, ["FreeToTake"]])
async def test_create_room_refuses_other_take_seat_modes_with_100002(guard: Guarded, mode: Any) -> None:
    assert "TakeSeatMode" in await guard.fails(100002, "create_room", room_body(TakeSeatMode=mode))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("IsMessageDisabled", "true"),
        ("IsPublicVisible", 1),
        ("IsSeatEnabled", "yes"),
        ("ActivityStatus", "1"),
        ("ActivityStatus", 1.5),
        ("MaxMemberCount", "10"),
        ("MaxSeatCount", 2.5),
        ("SeatLayoutTemplateId", "600"),
        ("RoomName", 5),
        ("CoverURL", None),
        ("Notice", ["x"]),
        ("SeatTemplate", 9),
    ],
)
async def test_create_room_refuses_fields_of_the_wrong_json_type(guard: Guarded, field: str, value: Any) -> None:
    assert field in await guard.fails(100002, "create_room", room_body(**{field: value}))


# create_room: seats and members -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields", [{"SeatTemplate": "VideoDynamicGrid9Seats"}, {"IsSeatEnabled": True}], ids=["template", "flag"]
)
async def test_seats_turn_on_by_template_or_flag_with_8_seats_by_default(
    live: LiveClient, fields: dict[str, Any]
) -> None:
    await live.create_room("s", **fields)
    info = await info_of(live, "s")
    assert info["IsSeatEnabled"] is True
    assert info["MaxSeatCount"] == 8


@pytest.mark.parametrize(
    "fields", [{}, {"IsSeatEnabled": False}, {"SeatTemplate": ""}, {"SeatTemplate": "", "IsSeatEnabled": False}]
)
async def test_seats_are_off_otherwise_with_0_seats(live: LiveClient, fields: dict[str, Any]) -> None:
    await live.create_room("s", **fields)
    info = await info_of(live, "s")
    assert (info["IsSeatEnabled"], info["MaxSeatCount"]) == (False, 0)


@pytest.mark.parametrize("count", [1, 16])
async def test_max_seat_count_may_reach_the_seat_quota(live: LiveClient, count: int) -> None:
    await live.create_room("s", IsSeatEnabled=True, MaxSeatCount=count)
    assert (await info_of(live, "s"))["MaxSeatCount"] == count


@pytest.mark.parametrize(
    "fields",
    [
        {"IsSeatEnabled": True, "MaxSeatCount": 17},
        {"SeatTemplate": "Karaoke", "MaxSeatCount": 17},
        {"IsSeatEnabled": True, "MaxSeatCount": 0},
        {"IsSeatEnabled": True, "MaxSeatCount": -1},
        {"IsSeatEnabled": True, "MaxSeatCount": 2**63},
        {"MaxSeatCount": 17},
        {"MaxSeatCount": -1},
    ],
)
async def test_max_seat_count_outside_1_to_the_seat_quota_is_refused(guard: Guarded, fields: dict[str, Any]) -> None:
    assert "MaxSeatCount" in await guard.fails(100002, "create_room", room_body(**fields))


async def test_seat_and_member_limits_follow_the_app_quotas(live: LiveClient, server: LiveroomApp) -> None:
    await AppManager(server.store).set_quota(SDKAPPID, QuotaChange(seat_quota=20, member_quota=50))
    await live.create_room("q1", IsSeatEnabled=True, MaxSeatCount=20)
    await live.fails(100002, "create_room", room_body("q2", IsSeatEnabled=True, MaxSeatCount=21))
    await live.fails(100002, "create_room", room_body("q2", MaxMemberCount=51))
    await live.create_room("q3")
    assert (await info_of(live, "q3"))["MaxMemberCount"] == 50


@pytest.mark.parametrize("count", [1, 1000])
async def test_max_member_count_may_reach_the_member_quota(live: LiveClient, count: int) -> None:
    await live.create_room("mm", MaxMemberCount=count)
    assert (await info_of(live, "mm"))["MaxMemberCount"] == count


@pytest.mark.parametrize("count", [1001, 0, -5, 2**63])
async def test_max_member_count_outside_1_to_the_member_quota_is_refused(guard: Guarded, count: int) -> None:
    assert "MaxMemberCount" in await guard.fails(100002, "create_room", room_body(MaxMemberCount=count))


async def test_seat_layout_template_id_is_answered_only_when_given(live: LiveClient) -> None:
    await live.create_room("with", SeatLayoutTemplateId=600)
    await live.create_room("without")
    assert (await info_of(live, "with"))["SeatLayoutTemplateId"] == 600
    assert "SeatLayoutTemplateId" not in await info_of(live, "without")


# create_room: owner and existing RoomIds ----------------------------------------------------------------


async def test_owner_defaults_to_the_caller_and_may_be_an_imported_account(live: LiveClient) -> None:
    await live.import_accounts("host")
    await live.create_room("mine")
    await live.create_room("theirs", Owner_Account="host")
    assert (await info_of(live, "mine"))["Owner_Account"] == ADMIN
    assert (await info_of(live, "theirs"))["Owner_Account"] == "host"


async def test_owner_not_imported_is_refused_with_70107_naming_it(guard: Guarded) -> None:
    info = await guard.fails(70107, "create_room", room_body(Owner_Account="stranger"))
    assert "Owner_Account" in info
    assert "stranger" in info
    await guard.fails(100004, "get_room_info", {"RoomId": "r1"})


@pytest.mark.parametrize(("owner", "code"), [(12345, 60015), ("", 100002), ("o" * 33, 100002), (["host"], 100002)])
async def test_owner_of_the_wrong_shape_is_refused(guard: Guarded, owner: Any, code: int) -> None:
    assert "Owner_Account" in await guard.fails(code, "create_room", room_body(Owner_Account=owner))


async def test_an_existing_room_id_with_the_same_owner_answers_100010_and_changes_nothing(guard: Guarded) -> None:
    live = guard.live
    await live.import_accounts("host")
    await live.create_room("dup", Owner_Account="host", RoomName="first")
    before = await info_of(live, "dup")
    await guard.fails(100010, "create_room", room_body("dup", Owner_Account="host", RoomName="second", Notice="x"))
    assert await info_of(live, "dup") == before


async def test_the_default_owner_counts_as_the_same_owner(guard: Guarded) -> None:
    await guard.live.create_room("dup")
    await guard.fails(100010, "create_room", room_body("dup"))
    await guard.fails(100010, "create_room", room_body("dup", Owner_Account=ADMIN))


async def test_an_existing_room_id_with_another_owner_answers_100003_and_changes_nothing(guard: Guarded) -> None:
    live = guard.live
    await live.import_accounts("host", "other")
    await live.create_room("dup", Owner_Account="host", RoomName="first")
    before = await info_of(live, "dup")
    await guard.fails(100003, "create_room", room_body("dup", Owner_Account="other", RoomName="second"))
    await guard.fails(100003, "create_room", room_body("dup", RoomName="second"))
    assert await info_of(live, "dup") == before


async def test_concurrent_creation_of_one_room_id_lets_exactly_one_call_succeed(live: LiveClient) -> None:
    await live.import_accounts("host")
    owners = ["host", ADMIN] * 5
    answers = await asyncio.gather(
        *(live.call("create_room", room_body("race", Owner_Account=owner)) for owner in owners)
    )
    winners = [owner for owner, data in zip(owners, answers, strict=True) if data["ErrorCode"] == 0]
    assert len(winners) == 1
    for owner, data in zip(owners, answers, strict=True):
        if data["ErrorCode"] != 0:
            assert data["ErrorCode"] == (100010 if owner == winners[0] else 100003), data
    assert (await info_of(live, "race"))["Owner_Account"] == winners[0]


async def test_creates_of_one_moment_are_each_answered_for_their_own_owner_and_room_id(live: LiveClient) -> None:
    # On PostgreSQL these share one statement: each answer must still be the one it would get alone.
    await live.import_accounts("host")
    await live.create_room("taken", Owner_Account="host")
    asks = [
        ("a1", ADMIN, 0),
        ("h1", "host", 0),
        ("s1", "stranger", 70107),
        ("taken", "host", 100010),
        ("taken", ADMIN, 100003),
        ("s2", "stranger", 70107),
        ("h2", "host", 0),
    ]
    answers = await asyncio.gather(
        *(live.call("create_room", room_body(room_id, Owner_Account=owner)) for room_id, owner, _ in asks)
    )
    assert [data["ErrorCode"] for data in answers] == [code for _, _, code in asks], answers
    for room_id, owner, code in asks:
        if code == 0:
            assert (await info_of(live, room_id))["Owner_Account"] == owner
    for room_id in ("s1", "s2"):
        assert (await live.call("get_room_info", {"RoomId": room_id}))["ErrorCode"] == 100004
    assert (await info_of(live, "taken"))["Owner_Account"] == "host"


async def test_a_create_refused_for_a_reason_gone_when_read_is_tried_again_then_answers_100001(
    live: LiveClient, server: LiveroomApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if, every time, the room was dismissed (or the owner imported) between the insert and the read of why.
    tries: list[str] = []

    async def refused(sdkappid: int, room: Any, *, owner_known: bool) -> bool:
        tries.append(room.room_id)
        return False

    monkeypatch.setattr(server.store, "insert_room", refused)
    data = await live.call("create_room", room_body("moving"))
    assert data["ErrorCode"] == 100001, data
    assert "moving" in data["ErrorInfo"] and "retry" in data["ErrorInfo"]
    assert tries == ["moving"] * 6  # three tries, and the request run once more as after a conflict
    monkeypatch.undo()
    await live.create_room("moving")


async def test_room_ids_are_case_and_space_sensitive(live: LiveClient) -> None:
    for room_id in ("Room", "room", "room ", " room"):
        await live.create_room(room_id)
    for room_id in ("Room", "room", "room ", " room"):
        assert (await info_of(live, room_id))["RoomId"] == room_id


async def test_get_room_info_answers_a_name_that_spells_the_member_count_field(live: LiveClient) -> None:
    # get_room_info keeps its answers as JSON split at MemberCount; a text field holding that key must not move it.
    tricky = '"MemberCount":0,"x'
    await live.create_room("spelled", RoomName=tricky, Notice=tricky, CoverURL=tricky)
    for _ in range(2):  # made, then kept
        info = await info_of(live, "spelled")
        assert (info["RoomName"], info["Notice"], info["CoverURL"], info["MemberCount"]) == (tricky, tricky, tricky, 0)


async def test_get_room_info_follows_a_change_written_by_another_process(live: LiveClient, settings: Settings) -> None:
    await live.create_room("elsewhere", RoomName="before")
    assert (await info_of(live, "elsewhere"))["RoomName"] == "before"
    async with node_beside(settings) as other:
        await other.ok("update_room_info", {"RoomInfo": {"RoomId": "elsewhere", "RoomName": "after"}})
    assert (await info_of(live, "elsewhere"))["RoomName"] == "after"


# update_room_info ---------------------------------------------------------------------------------------


UPDATES = [
    ("RoomName", "\u4e2d" * 33),
    ("MaxMemberCount", 1000),
    ("MaxMemberCount", 1),
    ("IsMessageDisabled", True),
    ("CoverURL", "https://img.example/new.png"),
    ("Category", [7, 8, 9]),
    ("Category", []),
    ("ActivityStatus", -3),
    ("IsPublicVisible", False),
    ("TakeSeatMode", "ApplyToTake"),
    ("Notice", "\u4e2d" * 33 + "n"),
]


@pytest.mark.parametrize(("field", "value"), UPDATES)
async def test_update_room_info_changes_only_the_field_given(live: LiveClient, field: str, value: Any) -> None:
    await live.create_room("u", RoomName="old", Category=[1], Notice="n", MaxMemberCount=10, ActivityStatus=1)
    before = await info_of(live, "u")
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": "u", field: value}})
    after = await info_of(live, "u")
    assert after[field] == value
    assert {k: v for k, v in after.items() if k != field} == {k: v for k, v in before.items() if k != field}


@pytest.mark.parametrize(("mode", "answered"), [(2, "ApplyToTake"), (1, "FreeToTake")])
async def test_update_room_info_accepts_integer_take_seat_modes(live: LiveClient, mode: int, answered: str) -> None:
    await live.create_room("u", TakeSeatMode=3 - mode)
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": "u", "TakeSeatMode": mode}})
    assert (await info_of(live, "u"))["TakeSeatMode"] == answered


async def test_update_room_info_changes_several_fields_at_once(live: LiveClient) -> None:
    await live.create_room("u")
    await live.ok(
        "update_room_info", {"RoomInfo": {"RoomId": "u", "RoomName": "N", "Notice": "T", "IsMessageDisabled": True}}
    )
    info = await info_of(live, "u")
    assert (info["RoomName"], info["Notice"], info["IsMessageDisabled"]) == ("N", "T", True)


async def test_an_empty_update_succeeds_and_changes_nothing(live: LiveClient, database_url: str) -> None:
    await live.create_room("u", RoomName="keep")
    before = db_rows(database_url)
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": "u"}})
    assert db_rows(database_url) == before


async def test_update_room_info_ignores_fields_it_does_not_change(live: LiveClient) -> None:
    await live.import_accounts("host")
    await live.create_room("u")
    before = await info_of(live, "u")
    await live.ok(
        "update_room_info",
        {"RoomInfo": {"RoomId": "u", "Owner_Account": "host", "RoomType": "Voice", "CreateTime": 1, "ViewCount": 9}},
    )
    assert await info_of(live, "u") == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("RoomName", "\u4e2d" * 34),
        ("CoverURL", "c" * 201),
        ("Notice", "\u4e2d" * 34),
        ("Category", [1, 2, 3, 4]),
        ("TakeSeatMode", 3),
        ("TakeSeatMode", "Anyone"),
        ("MaxMemberCount", 1001),
        ("MaxMemberCount", 0),
        ("IsPublicVisible", "false"),
        ("ActivityStatus", "2"),
    ],
)
async def test_update_room_info_refuses_bad_values_and_changes_nothing(guard: Guarded, field: str, value: Any) -> None:
    await guard.live.create_room("u")
    # A valid change beside the bad one must not be applied either.
    valid = {"Notice": "valid change"} if field != "Notice" else {"RoomName": "valid change"}
    body = {"RoomInfo": {"RoomId": "u", **valid, field: value}}
    assert field in await guard.fails(100002, "update_room_info", body)


async def test_update_room_info_refuses_a_missing_room_info_or_room_id(guard: Guarded) -> None:
    await guard.live.create_room("u")
    await guard.fails(100002, "update_room_info", {})
    await guard.fails(100002, "update_room_info", {"RoomInfo": {"RoomName": "x"}})
    await guard.fails(100002, "update_room_info", {"RoomId": "u", "RoomName": "x"})


# destroy_room -------------------------------------------------------------------------------------------


async def test_destroy_room_answers_five_integer_statistics(live: LiveClient) -> None:
    await live.create_room("d")
    data = await live.ok("destroy_room", {"RoomId": "d"})
    assert data["Response"] == {"Statistic": dict.fromkeys(STATISTIC, 0)}


async def test_destroy_room_answers_the_room_totals(live: LiveClient, server: LiveroomApp) -> None:
    await live.create_room("d")
    totals = {"view_count": 11, "total_gifts_sent": 5, "total_gift_coins": 500, "total_unique_gift_senders": 2}
    await rewrite_rooms(server.store, {"d": {**totals, "total_likes_received": 77, "total_msg_count": 9}})
    data = await live.ok("destroy_room", {"RoomId": "d"})
    assert data["Response"]["Statistic"] == {
        "TotalViewers": 11,
        "TotalGiftsSent": 5,
        "TotalGiftCoins": 500,
        "TotalUniqueGiftSenders": 2,
        "TotalLikesReceived": 77,
    }


async def test_a_destroyed_room_and_everything_in_it_are_gone(live: LiveClient, database_url: str) -> None:
    await live.import_accounts("host", "banned")
    await live.create_room("d", RoomName="old", IsSeatEnabled=True)
    await live.ok("set_room_metadata", {"RoomId": "d", "Metadata": [{"Key": "k", "Value": "v"}]})
    await ban(live, "d", "banned")
    tables = ("rooms", "room_metadata", "room_bans")
    assert all(any(row["room_id"] == "d" for row in db_rows(database_url)[table]) for table in tables)
    await live.ok("destroy_room", {"RoomId": "d"})
    await live.fails(100004, "get_room_info", {"RoomId": "d"})
    await live.fails(100004, "get_room_metadata", {"RoomId": "d", "Keys": []})
    rows = db_rows(database_url)
    assert all(row["room_id"] != "d" for table in tables for row in rows[table])

    # The RoomId is free at once, for any owner, and the new room starts empty.
    await live.create_room("d", Owner_Account="host")
    info = await info_of(live, "d")
    assert (info["RoomName"], info["Owner_Account"], info["IsSeatEnabled"]) == ("d", "host", False)
    meta = await live.ok("get_room_metadata", {"RoomId": "d", "Keys": []})
    assert meta["Response"]["Metadata"] == []
    await live.ok("change_room_owner", {"RoomId": "d", "NewOwner_Account": "banned"})


async def test_destroying_twice_answers_100004_the_second_time(guard: Guarded) -> None:
    await guard.live.create_room("d")
    await guard.live.ok("destroy_room", {"RoomId": "d"})
    await guard.fails(100004, "destroy_room", {"RoomId": "d"})


async def test_destroy_room_leaves_other_rooms_alone(live: LiveClient) -> None:
    await live.create_room("keep", RoomName="kept")
    await live.ok("set_room_metadata", {"RoomId": "keep", "Metadata": [{"Key": "k", "Value": "v"}]})
    await live.create_room("drop")
    await live.ok("set_room_metadata", {"RoomId": "drop", "Metadata": [{"Key": "k", "Value": "w"}]})
    await live.ok("destroy_room", {"RoomId": "drop"})
    assert (await info_of(live, "keep"))["RoomName"] == "kept"
    meta = await live.ok("get_room_metadata", {"RoomId": "keep", "Keys": []})
    assert meta["Response"]["Metadata"] == [{"Key": "k", "Value": "v"}]


# every room-scoped API ----------------------------------------------------------------------------------


ROOM_SCOPED: list[tuple[str, dict[str, Any]]] = [
    ("get_room_info", {}),
    ("update_room_info", {"RoomName": "x"}),
    ("destroy_room", {}),
    ("get_room_stats", {}),
    ("change_room_owner", {"NewOwner_Account": ADMIN}),
    ("get_room_metadata", {"Keys": []}),
    ("set_room_metadata", {"Metadata": [{"Key": "k", "Value": "v"}]}),
    ("del_room_metadata", {"Keys": ["k"]}),
]


def scoped_body(command: str, room_id: Any, extra: dict[str, Any]) -> dict[str, Any]:
    if command == "update_room_info":
        return {"RoomInfo": {"RoomId": room_id, **extra}}
    return {"RoomId": room_id, **extra}


@pytest.mark.parametrize(("command", "extra"), ROOM_SCOPED, ids=[c for c, _ in ROOM_SCOPED])
async def test_every_room_scoped_api_answers_100004_for_a_missing_room(
    guard: Guarded, command: str, extra: dict[str, Any]
) -> None:
    await guard.live.create_room("exists")
    assert "RoomId" in await guard.fails(100004, command, scoped_body(command, "missing", extra))
    assert "RoomId" in await guard.fails(100004, command, scoped_body(command, "Exists", extra))


@pytest.mark.parametrize("room_id", [PRINTABLE[:48], PRINTABLE[47:], " "], ids=["low", "high", "space"])
async def test_every_room_scoped_api_works_on_any_valid_room_id(live: LiveClient, room_id: str) -> None:
    await live.create_room(room_id)
    # destroy_room last: it ends the room.
    for command, extra in sorted(ROOM_SCOPED, key=lambda c: c[0] == "destroy_room"):
        await live.ok(command, scoped_body(command, room_id, extra))
    await live.fails(100004, "get_room_info", {"RoomId": room_id})


@pytest.mark.parametrize(("command", "extra"), ROOM_SCOPED, ids=[c for c, _ in ROOM_SCOPED])
@pytest.mark.parametrize("room_id", ["r" * 49, "", "a\tb", "\u00e9", 5], ids=["49", "empty", "tab", "latin1", "number"])
async def test_every_room_scoped_api_checks_the_room_id(
    guard: Guarded, command: str, extra: dict[str, Any], room_id: Any
) -> None:
    assert "RoomId" in await guard.fails(100002, command, scoped_body(command, room_id, extra))


# change_room_owner --------------------------------------------------------------------------------------


async def test_change_room_owner_hands_the_room_over(live: LiveClient) -> None:
    await live.import_accounts("host", "heir")
    await live.create_room("o", Owner_Account="host")
    data = await live.ok("change_room_owner", {"RoomId": "o", "NewOwner_Account": "heir"})
    assert "Response" not in data
    assert (await info_of(live, "o"))["Owner_Account"] == "heir"
    listed = (await live.ok("get_room_list", {}))["Response"]["RoomList"]
    assert [r["Owner_Account"] for r in listed] == ["heir"]
    # Creating the RoomId again now compares with the new owner.
    await live.fails(100010, "create_room", room_body("o", Owner_Account="heir"))
    await live.fails(100003, "create_room", room_body("o", Owner_Account="host"))


async def test_change_room_owner_to_an_admin_or_the_same_owner_succeeds(live: LiveClient) -> None:
    await live.import_accounts("host")
    await live.create_room("o", Owner_Account="host")
    await live.ok("change_room_owner", {"RoomId": "o", "NewOwner_Account": "host"})
    await live.ok("change_room_owner", {"RoomId": "o", "NewOwner_Account": ADMIN})
    assert (await info_of(live, "o"))["Owner_Account"] == ADMIN


async def test_change_room_owner_to_an_account_not_imported_answers_70107(guard: Guarded) -> None:
    await guard.live.create_room("o")
    info = await guard.fails(70107, "change_room_owner", {"RoomId": "o", "NewOwner_Account": "nobody"})
    assert "NewOwner_Account" in info
    assert "nobody" in info


async def test_change_room_owner_to_a_deleted_account_answers_70107(guard: Guarded) -> None:
    await guard.live.import_accounts("gone")
    await guard.live.create_room("o")
    await guard.live.ok("account_delete", {"DeleteItem": [{"UserID": "gone"}]}, service=IM)
    await guard.fails(70107, "change_room_owner", {"RoomId": "o", "NewOwner_Account": "gone"})


async def test_change_room_owner_to_a_banned_account_answers_100016(guard: Guarded) -> None:
    await guard.live.import_accounts("banned")
    await guard.live.create_room("o")
    await ban(guard.live, "o", "banned")
    info = await guard.fails(100016, "change_room_owner", {"RoomId": "o", "NewOwner_Account": "banned"})
    assert "banned" in info
    assert (await info_of(guard.live, "o"))["Owner_Account"] == ADMIN


async def test_an_expired_ban_or_a_ban_in_another_room_does_not_stop_a_new_owner(
    live: LiveClient, server: LiveroomApp
) -> None:
    clock = server.services.clock = Clock(time.time())
    await live.import_accounts("once", "elsewhere")
    await live.create_room("o")
    await live.create_room("other")
    await ban(live, "o", "once", seconds=1)
    await ban(live, "other", "elsewhere")
    clock.advance(11)  # the ban in "o" ended 10 seconds ago
    await live.ok("change_room_owner", {"RoomId": "o", "NewOwner_Account": "once"})
    await live.ok("change_room_owner", {"RoomId": "o", "NewOwner_Account": "elsewhere"})
    assert (await info_of(live, "o"))["Owner_Account"] == "elsewhere"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"RoomId": "o"}, 100002),
        ({"RoomId": "o", "NewOwner_Account": 42}, 60015),
        ({"RoomId": "o", "NewOwner_Account": ""}, 100002),
        ({"RoomId": "o", "NewOwner_Account": "x" * 33}, 100002),
    ],
    ids=["missing", "number", "empty", "33-bytes"],
)
async def test_change_room_owner_refuses_a_bad_new_owner(guard: Guarded, body: dict[str, Any], code: int) -> None:
    await guard.live.create_room("o")
    assert "NewOwner_Account" in await guard.fails(code, "change_room_owner", body)


# get_room_stats -----------------------------------------------------------------------------------------


async def test_get_room_stats_answers_six_integers(live: LiveClient) -> None:
    await live.create_room("s")
    data = await live.ok("get_room_stats", {"RoomId": "s"})
    assert data["Response"] == dict.fromkeys((*STATISTIC, "TotalMsgCount"), 0)


async def test_get_room_stats_answers_the_room_totals(live: LiveClient, server: LiveroomApp) -> None:
    await live.create_room("s")
    totals = {"view_count": 3, "total_gifts_sent": 4, "total_gift_coins": 5, "total_unique_gift_senders": 6}
    await rewrite_rooms(server.store, {"s": {**totals, "total_likes_received": 7, "total_msg_count": 8}})
    data = await live.ok("get_room_stats", {"RoomId": "s"})
    assert data["Response"] == {
        "TotalViewers": 3,
        "TotalGiftsSent": 4,
        "TotalGiftCoins": 5,
        "TotalUniqueGiftSenders": 6,
        "TotalLikesReceived": 7,
        "TotalMsgCount": 8,
    }
    assert (await info_of(live, "s"))["ViewCount"] == 3


async def test_a_nul_character_in_any_text_field_is_refused_and_changes_nothing(live: LiveClient) -> None:
    info = await live.fails(
        100002, "create_room", {"RoomInfo": {"RoomId": "nul", "RoomType": "Live", "RoomName": "a\u0000b"}}
    )
    assert "RoomInfo.RoomName" in info and "NUL" in info
    await live.fails(100004, "get_room_info", {"RoomId": "nul"})
    await live.create_room("nul")
    await live.fails(100002, "update_room_info", {"RoomInfo": {"RoomId": "nul", "Notice": "\u0000"}})
    await live.fails(100002, "set_room_metadata", {"RoomId": "nul", "Metadata": [{"Key": "k", "Value": "v\u0000"}]})
    await live.fails(70402, "account_import", {"UserID": "u", "Nick": "\u0000"}, service="im_open_login_svc")
    data = await live.ok("get_room_info", {"RoomId": "nul"})
    assert data["Response"]["RoomInfo"]["Notice"] == ""
