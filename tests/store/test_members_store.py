"""The store suite for people in rooms: bans, room admins, mutes, counters, seats and robots (migration 0002).

Runs on every backend of ``tests/store/test_store.py`` (its fixtures are imported, so a new backend added there
runs these too).
"""

from __future__ import annotations

import pytest

from liveroom.store.interface import SeatRecord, Store
from tests.store.test_store import APP, OTHER_APP, backend, insert_rooms, room_record, store, url, walk_pages

__all__ = ["backend", "store", "url"]  # fixtures, imported to be found by pytest

NOW = 1_800_000_000


@pytest.fixture
async def rooms(store: Store) -> Store:
    await insert_rooms(store, APP, [room_record("r1"), room_record("r2")])
    await insert_rooms(store, OTHER_APP, [room_record("r1")])
    return store


async def test_bans_put_list_page_expire_and_delete(rooms: Store) -> None:
    async with rooms.write() as tx:
        await tx.put_bans(APP, "r1", ["c", "a", "b"], NOW + 10, "spam")
        await tx.put_bans(APP, "r1", ["d"], NOW, "")
        await tx.put_bans(APP, "r2", ["z"], NOW + 10, "")
    async with rooms.read() as tx:
        assert await tx.list_bans(APP, "r1", NOW, 0, 10) == [("a", NOW + 10), ("b", NOW + 10), ("c", NOW + 10)]
        assert await tx.list_bans(APP, "r1", NOW, 1, 1) == [("b", NOW + 10)]
        assert await tx.list_bans(APP, "r1", NOW + 10, 0, 10) == []
        assert await tx.is_banned(APP, "r1", "a", NOW)
        assert not await tx.is_banned(APP, "r1", "d", NOW)
        assert await tx.list_bans(OTHER_APP, "r1", NOW, 0, 10) == []
    async with rooms.write() as tx:
        await tx.put_bans(APP, "r1", ["a"], NOW + 99, "again")
        await tx.delete_bans(APP, "r1", ["b", "nobody"])
    async with rooms.read() as tx:
        assert await tx.list_bans(APP, "r1", NOW, 0, 10) == [("a", NOW + 99), ("c", NOW + 10)]


async def test_room_admins_add_list_remove(rooms: Store) -> None:
    async with rooms.write() as tx:
        await tx.add_room_admins(APP, "r1", ["b", "a"])
        await tx.add_room_admins(APP, "r1", ["a"])
    async with rooms.read() as tx:
        assert await tx.room_admins(APP, "r1") == ["a", "b"]
        assert await tx.room_admins(APP, "r2") == []
        assert await tx.room_admins(OTHER_APP, "r1") == []
    async with rooms.write() as tx:
        await tx.remove_room_admins(APP, "r1", ["a", "x"])
    async with rooms.read() as tx:
        assert await tx.room_admins(APP, "r1") == ["b"]


async def test_mutes_put_list_expire_and_delete(rooms: Store) -> None:
    async with rooms.write() as tx:
        await tx.put_mutes(APP, "r1", ["b", "a"], NOW + 5)
    async with rooms.read() as tx:
        assert await tx.list_mutes(APP, "r1", NOW) == [("a", NOW + 5), ("b", NOW + 5)]
        assert await tx.muted_until(APP, "r1", "a", NOW) == NOW + 5
        assert await tx.muted_until(APP, "r1", "a", NOW + 5) is None
        assert await tx.muted_until(APP, "r2", "a", NOW) is None
    async with rooms.write() as tx:
        await tx.put_mutes(APP, "r1", ["a"], NOW + 50)
        await tx.delete_mutes(APP, "r1", ["b"])
    async with rooms.read() as tx:
        assert await tx.list_mutes(APP, "r1", NOW) == [("a", NOW + 50)]


async def test_add_view_moves_view_count_and_the_list_order_together(rooms: Store) -> None:
    async with rooms.write() as tx:
        assert await tx.add_view(APP, "r2") == 1
        assert await tx.add_view(APP, "r2") == 2
        assert await tx.add_view(APP, "missing") is None
        await tx.add_messages(APP, "r2", 3)
        await tx.add_likes(APP, "r2", 7)
    async with rooms.read() as tx:
        room = await tx.get_room(APP, "r2")
        assert room is not None
        assert (room.view_count, room.total_msg_count, room.total_likes_received) == (2, 3, 7)
        other = await tx.get_room(OTHER_APP, "r1")
        assert other is not None
        assert other.view_count == 0
    assert await walk_pages(rooms, APP, 1) == [["r2"], ["r1"]]


async def test_seats_put_and_get(rooms: Store) -> None:
    async with rooms.write() as tx:
        await tx.put_seats(APP, "r1", [SeatRecord(index=3, member_account="a"), SeatRecord(index=1)])
        await tx.put_seats(APP, "r1", [SeatRecord(index=3, member_account=None, is_taken_disabled=True)])
    async with rooms.read() as tx:
        assert await tx.get_seats(APP, "r1") == [
            SeatRecord(index=1),
            SeatRecord(index=3, member_account=None, is_taken_disabled=True),
        ]
        assert await tx.get_seats(APP, "r2") == []
    async with rooms.write() as tx:
        await tx.put_seats(
            APP, "r1", [SeatRecord(index=1, member_account="b", is_video_disabled=True, is_audio_disabled=True)]
        )
    async with rooms.read() as tx:
        assert (await tx.get_seats(APP, "r1"))[0] == SeatRecord(
            index=1, member_account="b", is_video_disabled=True, is_audio_disabled=True
        )


async def test_robots_add_list_remove(rooms: Store) -> None:
    async with rooms.write() as tx:
        await tx.add_room_robots(APP, "r1", ["r-b", "r-a", "r-a"])
    async with rooms.read() as tx:
        assert await tx.room_robots(APP, "r1") == ["r-a", "r-b"]
        assert await tx.room_robots(OTHER_APP, "r1") == []
    async with rooms.write() as tx:
        await tx.remove_room_robots(APP, "r1", ["r-a"])
    async with rooms.read() as tx:
        assert await tx.room_robots(APP, "r1") == ["r-b"]


async def test_delete_room_removes_members_seats_and_robots(rooms: Store) -> None:
    async with rooms.write() as tx:
        await tx.put_bans(APP, "r1", ["a"], NOW + 10, "")
        await tx.add_room_admins(APP, "r1", ["a"])
        await tx.put_mutes(APP, "r1", ["a"], NOW + 10)
        await tx.put_seats(APP, "r1", [SeatRecord(index=0, member_account="a")])
        await tx.add_room_robots(APP, "r1", ["a"])
        assert await tx.delete_room(APP, "r1") is not None
        assert await tx.insert_room(APP, room_record("r1"))
    async with rooms.read() as tx:
        assert await tx.list_bans(APP, "r1", NOW, 0, 10) == []
        assert await tx.room_admins(APP, "r1") == []
        assert await tx.list_mutes(APP, "r1", NOW) == []
        assert await tx.get_seats(APP, "r1") == []
        assert await tx.room_robots(APP, "r1") == []
