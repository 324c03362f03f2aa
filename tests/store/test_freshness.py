"""A read never answers older data than a commit that ended before it, and a write returns only once committed.

SQLite keeps rooms and the app version in memory (``SQLiteStore.get_room``, ``app_version``) and lets the writes
that finish in one turn of the event loop share a COMMIT; these tests fail if either serves stale data or answers a
write before its COMMIT. The room tests run on every backend of ``tests/store/test_store.py``.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from liveroom.store.interface import RoomChanges, Store
from liveroom.store.sqlite import SQLiteStore, path_of
from tests.store.test_store import APP, Backend, Boom, backend, insert_rooms, room_record, store, url

__all__ = ["backend", "store", "url"]  # fixtures, imported to be found by pytest


async def _read_twice(store: Store, room_id: str) -> None:
    """Read a room twice, so that a store that keeps rooms has it kept."""
    first = await store.get_room(APP, room_id)
    assert first is not None
    assert await store.get_room(APP, room_id) == first


# rooms ------------------------------------------------------------------------------------------------------


async def test_get_room_sees_this_stores_writes_of_every_kind_at_once(store: Store) -> None:
    await insert_rooms(store, APP, [room_record("r1")])
    await _read_twice(store, "r1")
    async with store.write() as tx:
        assert await tx.update_room(APP, "r1", RoomChanges(notice="changed", category=(7,)))
    room = await store.get_room(APP, "r1")
    assert room is not None and (room.notice, room.category) == ("changed", (7,))
    for add, field, expected in (
        (lambda tx: tx.add_view(APP, "r1"), "view_count", 1),
        (lambda tx: tx.add_messages(APP, "r1", 5), "total_msg_count", 5),
        (lambda tx: tx.add_likes(APP, "r1", 3), "total_likes_received", 3),
    ):
        await _read_twice(store, "r1")
        async with store.write() as tx:
            await add(tx)
        room = await store.get_room(APP, "r1")
        assert room is not None and getattr(room, field) == expected, field
    await _read_twice(store, "r1")
    async with store.write() as tx:
        assert await tx.delete_room(APP, "r1") is not None
    assert await store.get_room(APP, "r1") is None
    await insert_rooms(store, APP, [room_record("r1", room_name="again")])
    room = await store.get_room(APP, "r1")
    assert room is not None and room.room_name == "again"


async def test_reads_made_at_once_each_answer_their_own_room(store: Store) -> None:
    """Reads in flight together (PostgreSQL answers them with one statement): kept, changed, missing and repeated
    rooms, of two apps, each answered as committed."""
    await insert_rooms(store, APP, [room_record(f"r{i}", notice=f"first {i}") for i in range(20)])
    await insert_rooms(store, APP + 1, [room_record("r0", notice="the other app's")])
    for i in range(0, 20, 2):
        await _read_twice(store, f"r{i}")
    async with store.write() as tx:
        for i in range(0, 20, 3):
            assert await tx.update_room(APP, f"r{i}", RoomChanges(notice=f"second {i}"))
    expected = {(APP, f"r{i}"): (f"second {i}" if i % 3 == 0 else f"first {i}") for i in range(20)}
    expected[APP + 1, "r0"] = "the other app's"
    asked = [*expected, *expected, (APP, "r20"), (APP + 1, "r1"), (APP + 2, "r0")]
    random.Random(7).shuffle(asked)
    for _ in range(2):  # then again, with every room kept
        rooms = await asyncio.gather(*(store.get_room(sdkappid, room_id) for sdkappid, room_id in asked))
        answered = {
            k: (None if room is None else (room.room_id, room.notice)) for k, room in zip(asked, rooms, strict=True)
        }
        assert answered == {key: (key[1], expected[key]) if key in expected else None for key in asked}


async def test_get_room_sees_another_stores_writes_at_once(store: Store, backend: Backend) -> None:
    """Another worker or node on the same database: its commit is seen by the very next read."""
    await insert_rooms(store, APP, [room_record("r1")])
    other = backend.open_store(store.url)
    await other.open()
    try:
        await _read_twice(store, "r1")
        async with other.write() as tx:
            assert await tx.update_room(APP, "r1", RoomChanges(notice="by the other store"))
        room = await store.get_room(APP, "r1")
        assert room is not None and room.notice == "by the other store"
        async with other.write() as tx:
            assert await tx.delete_room(APP, "r1") is not None
        assert await store.get_room(APP, "r1") is None
        await insert_rooms(other, APP, [room_record("r1", room_name="again")])
        room = await store.get_room(APP, "r1")
        assert room is not None and room.room_name == "again"
    finally:
        await other.close()


# Another process's write: "notice TEXT" renames room r1's notice, "bump" bumps the app version.
_WRITE_IN_ANOTHER_PROCESS = """
import asyncio, sys
from liveroom.store import open_store
from liveroom.store.interface import RoomChanges

async def main():
    store = open_store(sys.argv[1])
    await store.open()
    try:
        async with store.write() as tx:
            if sys.argv[2] == "bump":
                await tx.bump_app_version()
            else:
                assert await tx.update_room(1400000000, "r1", RoomChanges(notice=sys.argv[3]))
    finally:
        await store.close()

asyncio.run(main())
"""


async def _in_another_process(url: str, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WRITE_IN_ANOTHER_PROCESS, url, *args, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()


async def test_get_room_sees_another_processs_write_at_once(store: Store) -> None:
    await insert_rooms(store, APP, [room_record("r1")])
    for notice in ("first", "second"):
        await _read_twice(store, "r1")
        await _in_another_process(store.url, "notice", notice)
        room = await store.get_room(APP, "r1")
        assert room is not None and room.notice == notice


async def test_a_room_read_cannot_be_changed_in_place(store: Store) -> None:
    # A kept room is handed to every reader as it is: none of them may change what the next one reads.
    await insert_rooms(store, APP, [room_record("r1", category=(1,))])
    for _ in range(2):  # the read that keeps the room, then one answered from memory
        room = await store.get_room(APP, "r1")
        assert room is not None
        with pytest.raises(AttributeError):
            room.notice = "scribbled"  # type: ignore[misc]
        with pytest.raises(AttributeError):
            room.category.append(2)  # type: ignore[attr-defined]
    assert await store.get_room(APP, "r1") == room_record("r1", category=(1,))


async def test_a_room_read_in_an_old_snapshot_is_not_answered_later(store: Store, backend: Backend) -> None:
    """A read scope holds an older snapshot: what get_room reads through it must not outlive the scope."""
    await insert_rooms(store, APP, [room_record("r1")])
    other = backend.open_store(store.url)
    await other.open()
    try:
        async with store.read() as tx:
            assert await tx.get_room(APP, "r1") is not None  # the scope's snapshot starts here
            async with other.write() as other_tx:
                assert await other_tx.update_room(APP, "r1", RoomChanges(notice="newer"))
            await store.get_room(APP, "r1")  # either version may be answered inside the scope
        room = await store.get_room(APP, "r1")
        assert room is not None and room.notice == "newer"
    finally:
        await other.close()


# the app version (SQLite: PostgreSQL learns of other nodes' bumps by notification, see test_postgres_store) ---


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    s = SQLiteStore(f"sqlite:///{tmp_path / 'store.db'}")
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def test_app_version_after_this_stores_writes_still_sees_another_stores_bump(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    before = await store.app_version()
    other = SQLiteStore(store.url)
    await other.open()
    try:
        for step in range(1, 4):
            await insert_rooms(store, APP, [room_record(f"r{step}")])  # own commits, apps untouched
            assert await store.app_version() == before + step - 1
            async with other.write() as tx:
                await tx.bump_app_version()
            assert await store.app_version() == before + step
        async with store.write() as tx:  # and this store's own bump
            await tx.bump_app_version()
        assert await store.app_version() == before + 4
    finally:
        await other.close()


async def test_app_version_inside_an_open_read_scope_is_the_newest(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    before = await store.app_version()
    other = SQLiteStore(store.url)
    await other.open()
    try:
        async with store.read() as tx:
            assert await tx.app_version() == before  # the scope's snapshot starts here
            async with other.write() as other_tx:
                await other_tx.bump_app_version()
            assert await store.app_version() == before + 1
        assert await store.app_version() == before + 1
    finally:
        await other.close()


# SQLite: writes that finish together share one COMMIT --------------------------------------------------------


def _committed_room_ids(store: SQLiteStore) -> set[str]:
    """What another connection sees: committed rows only."""
    with sqlite3.connect(path_of(store.url)) as db:
        return {row[0] for row in db.execute("SELECT room_id FROM rooms WHERE sdkappid = ?", (APP,))}


async def test_writes_that_finish_together_share_one_commit_and_return_after_it(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    writer = store._writer
    assert writer is not None
    statements: list[str] = []
    writer.set_trace_callback(statements.append)

    async def create(room_id: str) -> set[str]:
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record(room_id))
        return _committed_room_ids(store)  # the moment the write returns

    try:
        seen = await asyncio.gather(*(create(f"r{i}") for i in range(10)))
    finally:
        writer.set_trace_callback(None)
    for i, committed in enumerate(seen):
        assert f"r{i}" in committed
    assert statements.count("COMMIT") == 1, statements


async def test_a_refused_write_in_a_group_leaves_nothing_and_the_others_commit(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store

    async def create(room_id: str, refuse: bool) -> None:
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record(room_id))
            await tx.bump_app_version()
            if refuse:
                raise Boom

    version = await store.app_version()
    results = await asyncio.gather(
        create("kept-1", False), create("refused", True), create("kept-2", False), return_exceptions=True
    )
    assert [type(r) for r in results] == [type(None), Boom, type(None)]
    assert _committed_room_ids(store) == {"kept-1", "kept-2"}
    assert await store.app_version() == version + 2


async def test_one_room_id_created_50_times_at_once_has_one_winner(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store

    async def create(owner: str) -> bool:
        async with store.write() as tx:
            return await tx.insert_room(APP, room_record("contested", owner_account=owner))

    results = await asyncio.gather(*(create(f"owner{i}") for i in range(50)))
    assert results.count(True) == 1
    room = await store.get_room(APP, "contested")
    assert room is not None and room.owner_account == f"owner{results.index(True)}"


def _failing_commit(store: SQLiteStore) -> sqlite3.Connection:
    """A deferred foreign key that a block can break: its COMMIT then fails, leaving SQLite's transaction open."""
    writer = store._writer
    assert writer is not None
    writer.execute("PRAGMA foreign_keys = ON")
    writer.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)")
    writer.execute("CREATE TEMP TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    return writer


class Exists(Exception):
    pass


async def test_a_failed_commit_fails_every_write_of_its_group(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    writer = _failing_commit(store)

    async def create(room_id: str, break_commit: bool) -> None:
        async with store.write() as tx:
            if not await tx.insert_room(APP, room_record(room_id)):
                # Refused on what an earlier block of the group wrote, which the failed COMMIT then undid.
                raise Exists
            if break_commit:
                writer.execute("INSERT INTO child (parent_id) VALUES (42)")

    results = await asyncio.gather(create("r1", False), create("r2", True), create("r1", False), return_exceptions=True)
    assert [type(r) for r in results] == [sqlite3.IntegrityError] * 3
    assert _committed_room_ids(store) == set()
    async with store.write() as tx:  # usable afterwards
        assert await tx.insert_room(APP, room_record("r1"))
    assert _committed_room_ids(store) == {"r1"}


async def test_a_transaction_sqlite_rolled_back_fails_the_writes_before_it(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    writer = store._writer
    assert writer is not None

    async def create(room_id: str, lose_all: bool) -> None:
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record(room_id))
            if lose_all:
                writer.execute("ROLLBACK")  # what SQLITE_FULL or an I/O error does to a transaction
                raise Boom

    results = await asyncio.gather(create("r1", False), create("r2", True), return_exceptions=True)
    assert type(results[0]) is sqlite3.OperationalError
    assert type(results[1]) is Boom
    assert _committed_room_ids(store) == set()
    async with store.write() as tx:
        assert await tx.insert_room(APP, room_record("r1"))
    assert _committed_room_ids(store) == {"r1"}


async def test_a_block_awaiting_inside_its_transaction_does_not_lose_the_group(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store

    async def create(room_id: str, pause: int) -> set[str]:
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record(room_id))
            for _ in range(pause):
                await asyncio.sleep(0)
        return _committed_room_ids(store)

    seen = await asyncio.gather(*(create(f"r{i}", i % 3) for i in range(12)))
    for i, committed in enumerate(seen):
        assert f"r{i}" in committed


@pytest.mark.parametrize("wal_index", [True, False], ids=["wal-index-header", "pragma-data-version"])
async def test_commits_are_seen_through_the_wal_index_or_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wal_index: bool
) -> None:
    """The store notices commits by reading SQLite's WAL-index header; a header it does not know (another format)
    falls back to PRAGMA data_version. Either way kept rooms and the app version follow every commit."""
    if not wal_index:
        monkeypatch.setattr("liveroom.store.commit_watch._WAL_INDEX_VERSIONS", ())
    store = SQLiteStore(f"sqlite:///{tmp_path / 'store.db'}")
    await store.open()
    try:
        assert store._commits is not None and store._commits.mapped is wal_index
        await insert_rooms(store, APP, [room_record("r1")])
        version = await store.app_version()
        for step in range(1, 3):
            await _read_twice(store, "r1")
            await _in_another_process(store.url, "notice", f"theirs {step}")
            room = await store.get_room(APP, "r1")
            assert room is not None and room.notice == f"theirs {step}"
            assert await store.app_version() == version + step - 1
            await _in_another_process(store.url, "bump")
            assert await store.app_version() == version + step
            async with store.write() as tx:
                assert await tx.update_room(APP, "r1", RoomChanges(notice=f"ours {step}"))
            room = await store.get_room(APP, "r1")
            assert room is not None and room.notice == f"ours {step}"
            assert await store.app_version() == version + step
    finally:
        await store.close()
    assert store._commits is None
