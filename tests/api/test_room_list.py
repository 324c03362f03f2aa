"""``get_room_list``: public rooms only, ViewCount desc / CreateTime desc / RoomId asc, opaque cursor paging."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from tests.helpers import ADMIN, SDKAPPID, Guarded, LiveClient, rewrite_rooms

LISTED_FIELDS = {
    "RoomName": str,
    "RoomId": str,
    "Owner_Account": str,
    "CoverURL": str,
    "Category": list,
    "CreateTime": int,
    "ActivityStatus": int,
    "ViewCount": int,
}


async def set_order(server: LiveroomApp, rooms: Iterable[tuple[str, int, int]]) -> None:
    """Give rooms (RoomId, ViewCount, CreateTime)."""
    changes = {room_id: {"view_count": views, "create_time": created} for room_id, views, created in rooms}
    await rewrite_rooms(server.store, changes)


async def page(live: LiveClient, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    data = await live.ok("get_room_list", body)
    response = data["Response"]
    assert set(response) == {"Next", "RoomList"}
    assert type(response["Next"]) is str
    return response["RoomList"], response["Next"]


async def walk(live: LiveClient, count: int | None = None, limit: int = 1000) -> list[list[str]]:
    """Every page's RoomIds, following Next until it answers ""."""
    pages: list[list[str]] = []
    cursor = ""
    for _ in range(limit):
        body: dict[str, Any] = {"Next": cursor}
        if count is not None:
            body["Count"] = count
        rooms, cursor = await page(live, body)
        pages.append([r["RoomId"] for r in rooms])
        if cursor == "":
            return pages
    raise AssertionError("Next never answered an empty cursor")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# content ------------------------------------------------------------------------------------------------


async def test_no_rooms_answers_an_empty_list_and_an_empty_next(live: LiveClient) -> None:
    assert await page(live, {"Next": "", "Count": 20}) == ([], "")


async def test_listed_rooms_carry_the_documented_fields_with_their_json_types(
    live: LiveClient, server: LiveroomApp
) -> None:
    await live.import_accounts("host")
    await live.create_room(
        "r", RoomName="Show", Owner_Account="host", CoverURL="https://c", Category=[4, 5], ActivityStatus=2
    )
    await set_order(server, [("r", 12, 1700000000)])
    rooms, _ = await page(live, {"Next": ""})
    assert len(rooms) == 1
    for name, kind in LISTED_FIELDS.items():
        assert type(rooms[0][name]) is kind, name
    assert rooms[0] == {
        "RoomName": "Show",
        "RoomId": "r",
        "Owner_Account": "host",
        "CoverURL": "https://c",
        "Category": [4, 5],
        "CreateTime": 1700000000,
        "ActivityStatus": 2,
        "ViewCount": 12,
    }


async def test_only_publicly_visible_rooms_are_listed(live: LiveClient) -> None:
    await live.create_room("public")
    await live.create_room("hidden", IsPublicVisible=False)
    await live.create_room("later-hidden")
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": "later-hidden", "IsPublicVisible": False}})
    await live.create_room("later-shown", IsPublicVisible=False)
    await live.ok("update_room_info", {"RoomInfo": {"RoomId": "later-shown", "IsPublicVisible": True}})
    rooms, _ = await page(live, {"Next": ""})
    assert sorted(r["RoomId"] for r in rooms) == ["later-shown", "public"]


async def test_destroyed_rooms_leave_the_list(live: LiveClient) -> None:
    await live.create_room("a")
    await live.create_room("b")
    await live.ok("destroy_room", {"RoomId": "a"})
    assert await walk(live) == [["b"]]


async def test_rooms_of_another_app_are_not_listed(
    live: LiveClient, server: LiveroomApp, http: httpx.AsyncClient
) -> None:
    other_id, other_key = SDKAPPID + 1, "0ther5ecret" * 4
    manager = AppManager(server.store)
    await manager.create(sdkappid=other_id, secret_key=other_key, admins=[ADMIN])
    await manager.set_quota(other_id, QuotaChange(rate_limits_enabled=False))
    other = LiveClient(http, sdkappid=other_id, key=other_key)
    await live.create_room("mine")
    await other.create_room("theirs")
    await other.create_room("mine")
    assert await walk(live) == [["mine"]]
    assert sorted(room_id for p in await walk(other) for room_id in p) == ["mine", "theirs"]


# order --------------------------------------------------------------------------------------------------


async def test_order_is_view_count_desc_then_create_time_desc_then_room_id_asc(
    live: LiveClient, server: LiveroomApp
) -> None:
    rooms = [
        ("b", 5, 100),
        ("a", 5, 100),
        ("B", 5, 100),
        (" z", 5, 100),
        ("~", 5, 100),
        ("old", 5, 50),
        ("new", 5, 200),
        ("top", 9, 1),
        ("zero", 0, 999),
        ("neg-time", 0, -5),
    ]
    for room_id, _, _ in rooms:
        await live.create_room(room_id)
    await set_order(server, rooms)
    listed, cursor = await page(live, {"Next": "", "Count": 20})
    assert cursor == ""
    assert [r["RoomId"] for r in listed] == ["top", "new", " z", "B", "a", "b", "~", "old", "zero", "neg-time"]
    assert [r["ViewCount"] for r in listed] == [9, 5, 5, 5, 5, 5, 5, 5, 0, 0]


async def test_the_same_order_holds_across_pages_of_one(live: LiveClient, server: LiveroomApp) -> None:
    rooms = [("c", 1, 10), ("a", 1, 10), ("b", 2, 0), ("d", 1, 11), ("e", 0, 0)]
    for room_id, _, _ in rooms:
        await live.create_room(room_id)
    await set_order(server, rooms)
    assert await walk(live, count=1) == [["b"], ["d"], ["a"], ["c"], ["e"]]


# Count --------------------------------------------------------------------------------------------------


async def test_count_defaults_to_20(live: LiveClient) -> None:
    for i in range(25):
        await live.create_room(f"room-{i:02}")
    first, cursor = await page(live, {"Next": ""})
    assert len(first) == 20
    second, last = await page(live, {"Next": cursor})
    assert len(second) == 5
    assert last == ""
    assert {r["RoomId"] for r in first + second} == {f"room-{i:02}" for i in range(25)}
    # An empty body is a first page too.
    assert len((await page(live, {}))[0]) == 20


@pytest.mark.parametrize("count", [1, 7, 20])
async def test_count_sets_the_page_size(live: LiveClient, count: int) -> None:
    for i in range(21):
        await live.create_room(f"room-{i:02}")
    rooms, cursor = await page(live, {"Next": "", "Count": count})
    assert len(rooms) == count
    assert cursor != ""


async def test_a_page_exactly_as_long_as_what_is_left_answers_an_empty_next(live: LiveClient) -> None:
    for i in range(4):
        await live.create_room(f"room-{i}")
    assert [len(p) for p in await walk(live, count=2)] == [2, 2]
    assert [len(p) for p in await walk(live, count=4)] == [4]


@pytest.mark.parametrize("count", [0, 21, -1, 1000, 2**64, "5", 5.5, None, True])
async def test_count_outside_1_to_20_is_refused_with_100002(guard: Guarded, count: Any) -> None:
    await guard.live.create_room("r")
    assert "Count" in await guard.fails(100002, "get_room_list", {"Next": "", "Count": count})


# Next ---------------------------------------------------------------------------------------------------


MALFORMED = [
    "garbage",
    "not a cursor!",
    "%%%%",
    "=",
    "\u00e9t\u00e9",
    "A" * 600,
    b64(b"hello world"),
    b64(b'{"ViewCount":1}'),
    b64(b"[1,2]"),
    b64(b"[1,2,3]"),
    b64(b'[1.5,2,"r"]'),
    b64(b'["1",2,"r"]'),
    b64(b'[1,2,"r",4]'),
    b64(b'[18446744073709551616,0,"r"]'),
    b64(b'[18446744073709551615,0,"r"]'),
    b64(b'[0,-9223372036854775808,"r"]'),
    b64(b"\xff\xfe\x00"),
    5,
    None,
    ["x"],
]


@pytest.mark.parametrize("cursor", MALFORMED, ids=[f"m{i}" for i in range(len(MALFORMED))])
async def test_a_malformed_next_is_refused_with_100002(guard: Guarded, cursor: Any) -> None:
    for i in range(3):
        await guard.live.create_room(f"r{i}")
    assert "Next" in await guard.fails(100002, "get_room_list", {"Next": cursor, "Count": 1})


async def test_a_cursor_keeps_working_after_its_room_is_gone(live: LiveClient) -> None:
    for room_id in ("a", "b", "c", "d"):
        await live.create_room(room_id)
    first, cursor = await page(live, {"Next": "", "Count": 2})
    await live.ok("destroy_room", {"RoomId": first[-1]["RoomId"]})
    rest, last = await page(live, {"Next": cursor, "Count": 20})
    assert last == ""
    assert sorted(r["RoomId"] for r in first + rest) == ["a", "b", "c", "d"]


async def test_rooms_created_after_the_first_page_do_not_repeat_earlier_ones(
    live: LiveClient, server: LiveroomApp
) -> None:
    rooms = [("a", 3, 0), ("b", 2, 0), ("c", 1, 0)]
    for room_id, _, _ in rooms:
        await live.create_room(room_id)
    await set_order(server, rooms)
    first, cursor = await page(live, {"Next": "", "Count": 1})
    await live.create_room("late")
    await set_order(server, [("late", 0, 0)])
    rest = [r["RoomId"] for r in (await page(live, {"Next": cursor}))[0]]
    assert [r["RoomId"] for r in first] == ["a"]
    assert rest == ["b", "c", "late"]


room_ids = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=48)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rooms=st.lists(
        st.tuples(room_ids, st.integers(0, 3), st.integers(-2, 2), st.booleans()),
        unique_by=lambda room: room[0],
        max_size=30,
    ),
    count=st.integers(1, 20),
)
async def test_next_walks_every_public_room_once_in_order(
    live: LiveClient, server: LiveroomApp, rooms: list[tuple[str, int, int, bool]], count: int
) -> None:
    try:
        for room_id, _, _, public in rooms:
            await live.create_room(room_id, IsPublicVisible=public)
        await set_order(server, [(room_id, views, created) for room_id, views, created, _ in rooms])
        pages = await walk(live, count=count)
    finally:
        # The database outlives the example: leave it empty for the next one.
        for room_id, _, _, _ in rooms:
            await live.call("destroy_room", {"RoomId": room_id})
    listed = [room_id for p in pages for room_id in p]
    expected = [r[0] for r in sorted((r for r in rooms if r[3]), key=lambda r: (-r[1], -r[2], r[0].encode()))]
    assert listed == expected
    assert all(len(p) == count for p in pages[:-1])
    assert 0 < len(pages[-1]) <= count or expected == []
