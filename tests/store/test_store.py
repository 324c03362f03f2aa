"""The store suite: every backend implements the Store/Transaction protocol and passes these same tests.

The ``store`` fixture is parametrized over ``BACKENDS``: SQLite on a new file, and PostgreSQL on a new schema of
the test server (tests/pg.py; skipped without a server, failed when CI is set). Rows the protocol cannot write
(bans, and whatever ROOM_SCOPED tables later families add) are written through SQLAlchemy Core on ``tables.py``,
which is backend-neutral too.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from liveroom.store import migrate, tables
from liveroom.store.interface import (
    AccountRecord,
    AppChanges,
    AppRecord,
    ListCursor,
    RoomChanges,
    RoomListing,
    RoomRecord,
    Store,
)
from liveroom.store.postgres import PostgresStore
from liveroom.store.sqlite import SQLiteStore
from tests import pg

APP = 1400000000
OTHER_APP = 1400000001


# backends ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    name: str
    # A fresh, empty database URL for this backend, and the Store class that opens it.
    fresh_url: Callable[[Path], str]
    open_store: Callable[[str], Store]
    # Removes what fresh_url made, once every store on it is closed.
    drop: Callable[[str], None] = lambda _url: None


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def _postgres_url(_tmp_path: Path) -> str:
    """A new schema in the test server's database (skips without a server; fails when CI is set)."""
    return pg.create_schema()[0]


BACKENDS = [
    Backend("sqlite", _sqlite_url, SQLiteStore),
    Backend("postgresql", _postgres_url, PostgresStore, lambda url: pg.drop_schema(pg.schema_of(url))),
]


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    param: Backend = request.param
    return param


@pytest.fixture
def url(backend: Backend, tmp_path: Path) -> Iterator[str]:
    fresh = backend.fresh_url(tmp_path)
    yield fresh
    backend.drop(fresh)


@pytest.fixture
async def store(backend: Backend, url: str) -> AsyncIterator[Store]:
    s = backend.open_store(url)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


class Raw:
    """Direct rows through SQLAlchemy Core, for tables the protocol has no writer for."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(pg.sqlalchemy_url(url), poolclass=sa.pool.NullPool)

    def insert(self, table: sa.Table, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(table.insert().values(**values))

    def count(self, table: sa.Table, sdkappid: int, room_id: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(table).where(table.c.sdkappid == sdkappid)
        if room_id is not None:
            query = query.where(table.c.room_id == room_id)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


@pytest.fixture
def raw(store: Store, url: str) -> Iterator[Raw]:
    r = Raw(url)
    yield r
    r.engine.dispose()


def filler_row(table: sa.Table, sdkappid: int, room_id: str) -> dict[str, Any]:
    """A valid row of any room-scoped table, whatever columns it has."""
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "sdkappid":
            row[column.name] = sdkappid
        elif column.name == "room_id":
            row[column.name] = room_id
        elif isinstance(column.type, sa.Boolean):
            row[column.name] = True
        elif isinstance(column.type, sa.BigInteger):
            row[column.name] = 4102444800  # far in the future, for "until" columns
        elif isinstance(column.type, sa.Integer):
            row[column.name] = 1  # 32 bits in PostgreSQL (a seat index)
        else:
            row[column.name] = f"{column.name}-1"
    return row


# records ----------------------------------------------------------------------------------------------------


def app_record(sdkappid: int = APP, admins: tuple[str, ...] = ("administrator",)) -> AppRecord:
    return AppRecord(
        sdkappid=sdkappid,
        secret_key="k" * 64,
        enabled=True,
        created_at=1_700_000_000,
        member_quota=1000,
        seat_quota=16,
        rate_limits_enabled=True,
        rate_limit_overrides={},
        admins=frozenset(admins),
    )


def room_record(room_id: str, **fields: Any) -> RoomRecord:
    values: dict[str, Any] = {
        "room_id": room_id,
        "room_name": f"name of {room_id}",
        "room_type": "Live",
        "owner_account": "owner",
        "create_time": 1_700_000_000,
        "is_seat_enabled": True,
        "seat_template": "Template1v6",
        "seat_layout_template_id": None,
        "take_seat_mode": "FreeToTake",
        "max_seat_count": 8,
        "max_member_count": 1000,
        "is_message_disabled": False,
        "is_public_visible": True,
        "is_unlimited_room_enabled": False,
        "cover_url": "",
        "category": (),
        "activity_status": 0,
        "notice": "",
    }
    values.update(fields)
    values["category"] = tuple(values["category"])
    return RoomRecord(**values)


def account(user_id: str, nick: str = "", created_at: int = 1_700_000_000) -> AccountRecord:
    return AccountRecord(user_id=user_id, nick=nick, face_url="", created_at=created_at)


def listing(room: RoomRecord) -> RoomListing:
    """What get_room_list carries of a room."""
    return RoomListing(**{name: getattr(room, name) for name in RoomListing.__struct_fields__})


def list_order(room: RoomRecord) -> tuple[int, int, bytes]:
    return (-room.view_count, -room.create_time, room.room_id.encode())


async def insert_rooms(store: Store, sdkappid: int, rooms: list[RoomRecord]) -> None:
    async with store.write() as tx:
        for room in rooms:
            assert await tx.insert_room(sdkappid, room)


async def walk_pages(store: Store, sdkappid: int, page: int) -> list[list[str]]:
    pages: list[list[str]] = []
    after: ListCursor | None = None
    while True:
        async with store.read() as tx:
            rooms = await tx.list_public_rooms(sdkappid, after, page)
        if not rooms:
            return pages
        assert len(rooms) <= page
        pages.append([r.room_id for r in rooms])
        last = rooms[-1]
        after = ListCursor(last.view_count, last.create_time, last.room_id)


# apps, admins, version ----------------------------------------------------------------------------------


async def test_apps_insert_get_list_and_conflict(store: Store) -> None:
    async with store.write() as tx:
        assert await tx.insert_app(app_record(OTHER_APP, ("b",)))
        assert await tx.insert_app(app_record(APP, ("administrator", "ops")))
        assert not await tx.insert_app(app_record(APP, ("intruder",)))
    async with store.read() as tx:
        app = await tx.get_app(APP)
        assert [a.sdkappid for a in await tx.list_apps()] == [APP, OTHER_APP]
        assert await tx.get_app(42) is None
    assert app == app_record(APP, ("administrator", "ops"))


async def test_update_app_and_admins(store: Store) -> None:
    async with store.write() as tx:
        await tx.insert_app(app_record())
        await tx.update_app(
            APP,
            AppChanges(secret_key="n" * 64, enabled=False, member_quota=5, rate_limit_overrides={"create_room": 3}),
        )
        await tx.add_admins(APP, ["ops", "administrator"])
        await tx.remove_admins(APP, ["administrator", "never-was"])
    async with store.read() as tx:
        app = await tx.get_app(APP)
    assert app is not None
    assert (app.secret_key, app.enabled, app.member_quota, app.seat_quota) == ("n" * 64, False, 5, 16)
    assert app.rate_limit_overrides == {"create_room": 3}
    assert app.admins == {"ops"}


@pytest.mark.parametrize(
    ("changes", "table", "fixed"),
    [
        (AppChanges, tables.apps, {"sdkappid", "created_at"}),
        (RoomChanges, tables.rooms, {"sdkappid", "room_id", "create_time", "view_count", "sort_views", "sort_created"}),
    ],
)
def test_a_changes_record_names_only_columns_that_may_change(
    changes: type[msgspec.Struct], table: sa.Table, fixed: set[str]
) -> None:
    """update_app and update_room write the fields of these records: each must be a column, never a key, a
    creation time or a counter (those have their own operations)."""
    names = set(changes.__struct_fields__)
    assert names <= set(table.columns.keys())
    assert not names & fixed


async def test_app_version_moves_on_bump_and_is_seen_by_another_store(store: Store, backend: Backend) -> None:
    before = await store.app_version()
    async with store.write() as tx:
        await tx.bump_app_version()
    assert await store.app_version() == before + 1
    # Another process (the CLI) changing apps is seen through the cheap path as well.
    other = backend.open_store(store.url)
    await other.open()
    try:
        async with other.write() as tx:
            await tx.bump_app_version()
            await tx.bump_app_version()
    finally:
        await other.close()
    if backend.name == "postgresql":
        # Another node's change arrives by NOTIFY, a moment after its commit: the cached version is dropped then.
        for _ in range(1000):
            if await store.app_version() == before + 3:
                break
            await asyncio.sleep(0.01)
    assert await store.app_version() == before + 3
    async with store.read() as tx:
        assert await tx.app_version() == before + 3


# accounts ---------------------------------------------------------------------------------------------------


async def test_accounts_upsert_exists_profiles_delete(store: Store) -> None:
    async with store.write() as tx:
        await tx.upsert_accounts(APP, [account("alice", "A"), account("bob")])
        await tx.upsert_accounts(OTHER_APP, [account("carol")])
    async with store.write() as tx:
        # An upsert changes the profile and keeps the creation time.
        await tx.upsert_accounts(APP, [account("alice", "Alice", created_at=1_800_000_000)])
    async with store.read() as tx:
        assert await tx.existing_accounts(APP, ["alice", "bob", "carol", "dave"]) == {"alice", "bob"}
        assert await tx.existing_accounts(APP, []) == set()
        profiles = await tx.existing_profiles(APP, ["alice", "carol"])
        assert await tx.existing_profiles(APP, []) == {}
    assert profiles == {"alice": account("alice", "Alice")}
    async with store.write() as tx:
        assert await tx.delete_account(APP, "bob")
        assert not await tx.delete_account(APP, "bob")
        assert not await tx.delete_account(APP, "carol")
    async with store.read() as tx:
        assert await tx.existing_accounts(APP, ["alice", "bob"]) == {"alice"}
        assert await tx.existing_accounts(OTHER_APP, ["carol"]) == {"carol"}


async def test_account_ids_are_compared_exactly(store: Store) -> None:
    async with store.write() as tx:
        await tx.upsert_accounts(APP, [account("Alice"), account("用户一")])
    async with store.read() as tx:
        assert await tx.existing_accounts(APP, ["alice", "Alice", "用户一", "用户"]) == {"Alice", "用户一"}


# rooms ------------------------------------------------------------------------------------------------------


async def test_room_round_trips_every_field(store: Store) -> None:
    room = room_record(
        "r1",
        room_name="Friday 直播",
        seat_layout_template_id=600,
        category=[1, -2, 9_000_000_000],
        is_message_disabled=True,
        is_unlimited_room_enabled=True,
        activity_status=2**40,
        view_count=7,
        total_gift_coins=3,
    )
    async with store.write() as tx:
        assert await tx.insert_room(APP, room)
    async with store.read() as tx:
        assert await tx.get_room(APP, "r1") == room
        assert await tx.room_owner(APP, "r1") == "owner"
        assert await tx.get_room(OTHER_APP, "r1") is None
        assert await tx.room_owner(APP, "r2") is None


async def test_insert_room_conflict_answers_false_and_writes_nothing(store: Store) -> None:
    original = room_record("r1", owner_account="alice")
    async with store.write() as tx:
        assert await tx.insert_room(APP, original)
    async with store.write() as tx:
        assert not await tx.insert_room(APP, room_record("r1", owner_account="bob", room_name="other", view_count=9))
        # The same RoomId in another app is another room.
        assert await tx.insert_room(OTHER_APP, room_record("r1", owner_account="bob"))
    async with store.read() as tx:
        assert await tx.get_room(APP, "r1") == original
        assert await tx.room_owner(OTHER_APP, "r1") == "bob"


async def test_store_insert_room_commits_a_room_unless_its_id_is_taken_or_its_owner_must_be_imported(
    store: Store,
) -> None:
    async with store.write() as tx:
        await tx.upsert_accounts(APP, [AccountRecord(user_id="alice", nick="", face_url="", created_at=1)])
    assert not await store.insert_room(APP, room_record("ghost's", owner_account="ghost"), owner_known=False)
    assert await store.insert_room(APP, room_record("vouched", owner_account="ghost"), owner_known=True)
    assert await store.insert_room(APP, room_record("alice's", owner_account="alice"), owner_known=False)
    assert not await store.insert_room(APP, room_record("alice's", owner_account="alice"), owner_known=True)
    assert await store.insert_room(OTHER_APP, room_record("alice's", owner_account="bob"), owner_known=True)
    async with store.read() as tx:
        assert await tx.room_owner(APP, "ghost's") is None
        assert await tx.get_room(APP, "vouched") == room_record("vouched", owner_account="ghost")
        assert await tx.room_owner(APP, "alice's") == "alice"
        assert await tx.room_owner(OTHER_APP, "alice's") == "bob"


async def test_update_room_changes_only_the_given_fields(store: Store) -> None:
    async with store.write() as tx:
        await tx.insert_room(APP, room_record("r1"))
        await tx.insert_room(APP, room_record("r2"))
    changes = RoomChanges(room_name="renamed", category=(3,), is_public_visible=False, owner_account="bob")
    async with store.write() as tx:
        assert await tx.update_room(APP, "r1", changes)
        assert await tx.update_room(APP, "r1", RoomChanges())
        assert not await tx.update_room(APP, "missing", RoomChanges(room_name="x"))
        assert not await tx.update_room(APP, "missing", RoomChanges())
    async with store.read() as tx:
        updated = await tx.get_room(APP, "r1")
        untouched = await tx.get_room(APP, "r2")
    assert updated is not None
    assert (updated.room_name, updated.category, updated.is_public_visible, updated.owner_account) == (
        "renamed",
        (3,),
        False,
        "bob",
    )
    expected = room_record("r1", room_name="renamed", category=(3,), is_public_visible=False, owner_account="bob")
    assert updated == expected
    assert untouched == room_record("r2")


async def test_delete_room_removes_every_room_scoped_row(store: Store, raw: Raw) -> None:
    room = room_record("r1", view_count=5)
    async with store.write() as tx:
        await tx.insert_room(APP, room)
        await tx.insert_room(APP, room_record("r2"))
        await tx.insert_room(OTHER_APP, room_record("r1"))
        for sdkappid, room_id in ((APP, "r1"), (APP, "r2"), (OTHER_APP, "r1")):
            await tx.put_metadata(sdkappid, room_id, {"k": "v"})
    for table in tables.ROOM_SCOPED:
        for sdkappid, room_id in ((APP, "r1"), (APP, "r2"), (OTHER_APP, "r1")):
            if table is not tables.room_metadata:
                raw.insert(table, **filler_row(table, sdkappid, room_id))
            assert raw.count(table, sdkappid, room_id) == 1, table.name

    async with store.write() as tx:
        assert await tx.delete_room(APP, "r1") == room
        assert await tx.delete_room(APP, "r1") is None

    async with store.read() as tx:
        assert await tx.get_room(APP, "r1") is None
        assert await tx.get_metadata(APP, "r1") == {}
        assert await tx.get_room(APP, "r2") == room_record("r2")
        assert await tx.get_room(OTHER_APP, "r1") == room_record("r1")
    for table in tables.ROOM_SCOPED:
        assert raw.count(table, APP, "r1") == 0, table.name
        assert raw.count(table, APP, "r2") == 1, table.name
        assert raw.count(table, OTHER_APP, "r1") == 1, table.name

    # The RoomId can be created again at once, empty.
    async with store.write() as tx:
        assert await tx.insert_room(APP, room_record("r1"))
    async with store.read() as tx:
        assert await tx.get_metadata(APP, "r1") == {}
        assert not await tx.is_banned(APP, "r1", "member_account-1", 0)


def test_every_room_scoped_table_is_keyed_by_app_and_room() -> None:
    room_keyed = {
        t.name
        for t in tables.metadata.tables.values()
        if {"sdkappid", "room_id"} <= set(t.c.keys()) and t.name != "rooms" and t not in tables.OUTLIVE_THE_ROOM
    }
    assert room_keyed == {t.name for t in tables.ROOM_SCOPED}, "a room's rows must go when it is destroyed"


# get_room_list ----------------------------------------------------------------------------------------------


def _list_fixture() -> list[RoomRecord]:
    rng = random.Random(7)
    ids = ["B", "a", "_", " x", "~", "Z9", "a b", "0", *(f"room-{i:03d}" for i in range(60))]
    return [
        room_record(
            room_id,
            view_count=rng.choice([0, 0, 1, 5, 2**40]),
            create_time=rng.choice([1_700_000_000, 1_700_000_001, 1_700_000_002]),
            is_public_visible=rng.random() > 0.2,
        )
        for room_id in ids
    ]


async def test_list_public_rooms_order_and_visibility(store: Store) -> None:
    rooms = _list_fixture()
    await insert_rooms(store, APP, rooms)
    await insert_rooms(store, OTHER_APP, [room_record("other-app-room", view_count=10**9)])
    expected = [listing(r) for r in sorted(rooms, key=list_order) if r.is_public_visible]
    async with store.read() as tx:
        listed = await tx.list_public_rooms(APP, None, 1000)
    assert listed == expected
    # Ties on ViewCount and CreateTime fall back to RoomId bytes (" " < "0" < "B" < "_" < "a" < "~").
    same = [room_record(i, create_time=5) for i in ("~", "a", "_", "B", "0", " ")]
    await insert_rooms(store, 7, same)
    async with store.read() as tx:
        assert [r.room_id for r in await tx.list_public_rooms(7, None, 10)] == [" ", "0", "B", "_", "a", "~"]


@pytest.mark.parametrize("page", [1, 3, 7, 20])
async def test_keyset_pages_cover_every_public_room_once_in_order(store: Store, page: int) -> None:
    rooms = _list_fixture()
    await insert_rooms(store, APP, rooms)
    expected = [r.room_id for r in sorted(rooms, key=list_order) if r.is_public_visible]
    pages = await walk_pages(store, APP, page)
    assert [room_id for p in pages for room_id in p] == expected
    assert all(len(p) == page for p in pages[:-1])


async def test_paging_stays_consistent_when_rooms_change_between_pages(store: Store) -> None:
    await insert_rooms(store, APP, [room_record(f"r{i}", create_time=100 + i) for i in range(6)])
    async with store.read() as tx:
        first = await tx.list_public_rooms(APP, None, 3)
    assert [r.room_id for r in first] == ["r5", "r4", "r3"]
    async with store.write() as tx:
        await tx.delete_room(APP, "r3")  # the cursor's own room is gone: the cursor still works
        await tx.update_room(APP, "r1", RoomChanges(is_public_visible=False))
    last = first[-1]
    async with store.read() as tx:
        rest = await tx.list_public_rooms(APP, ListCursor(last.view_count, last.create_time, last.room_id), 3)
    assert [r.room_id for r in rest] == ["r2", "r0"]


async def test_an_entry_moves_a_room_up_the_list(store: Store) -> None:
    await insert_rooms(store, APP, [room_record("r1", create_time=1), room_record("r2", create_time=2)])
    async with store.read() as tx:
        assert [r.room_id for r in await tx.list_public_rooms(APP, None, 20)] == ["r2", "r1"]
    async with store.write() as tx:
        assert await tx.add_view(APP, "r1") == 1
        assert await tx.add_view(APP, "r1") == 2
        assert await tx.add_view(APP, "missing") is None
        assert await tx.add_view(OTHER_APP, "r1") is None
    async with store.read() as tx:
        listed = await tx.list_public_rooms(APP, None, 20)
        assert [(r.room_id, r.view_count) for r in listed] == [("r1", 2), ("r2", 0)]
        after_first = await tx.list_public_rooms(APP, ListCursor(2, 1, "r1"), 20)
        assert [r.room_id for r in after_first] == ["r2"]
    assert await walk_pages(store, APP, 1) == [["r1"], ["r2"]]


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        (ListCursor(2**64 - 1, 0, ""), ["r1", "r0"]),  # before every room
        (ListCursor(2**63 - 1, 2**63 - 1, "~"), ["r1", "r0"]),
        (ListCursor(-(2**63), 0, ""), []),  # after every room
        (ListCursor(0, -(2**63), ""), []),
        (ListCursor(0, -(2**64), "\U0001f600" * 100), []),
        (ListCursor(0, 2**64 - 1, ""), ["r1", "r0"]),
    ],
)
async def test_list_accepts_any_integers_in_a_cursor(store: Store, cursor: ListCursor, expected: list[str]) -> None:
    """The cursor comes back from the client (``Next``): out-of-range keys answer a page, never a fault."""
    await insert_rooms(store, APP, [room_record("r0", create_time=1), room_record("r1", create_time=2)])
    async with store.read() as tx:
        assert [r.room_id for r in await tx.list_public_rooms(APP, cursor, 20)] == expected


async def test_rooms_made_private_leave_the_list_and_come_back(store: Store) -> None:
    await insert_rooms(store, APP, [room_record("r1"), room_record("r2", is_public_visible=False)])
    async with store.write() as tx:
        await tx.update_room(APP, "r1", RoomChanges(is_public_visible=False))
        await tx.update_room(APP, "r2", RoomChanges(is_public_visible=True))
    async with store.read() as tx:
        assert [r.room_id for r in await tx.list_public_rooms(APP, None, 20)] == ["r2"]


# metadata and bans ------------------------------------------------------------------------------------------


async def test_metadata_put_get_delete(store: Store) -> None:
    async with store.write() as tx:
        await tx.insert_room(APP, room_record("r1"))
        await tx.put_metadata(APP, "r1", {"b": "1", "a": "2", "中文": "值"})
        await tx.put_metadata(APP, "r2", {"a": "elsewhere"})
        await tx.put_metadata(OTHER_APP, "r1", {"a": "other app"})
    async with store.write() as tx:
        await tx.put_metadata(APP, "r1", {"a": "changed", "c": ""})
        await tx.delete_metadata(APP, "r1", ["b", "never-set"])
    async with store.read() as tx:
        assert await tx.get_metadata(APP, "r1") == {"a": "changed", "c": "", "中文": "值"}
        assert await tx.get_metadata(APP, "r2") == {"a": "elsewhere"}
        assert await tx.get_metadata(OTHER_APP, "r1") == {"a": "other app"}
        assert await tx.get_metadata(APP, "nothing") == {}


async def test_is_banned_until_the_ban_ends(store: Store, raw: Raw) -> None:
    async with store.write() as tx:
        await tx.insert_room(APP, room_record("r1"))
    raw.insert(tables.room_bans, sdkappid=APP, room_id="r1", member_account="troll", banned_until=2000)
    async with store.read() as tx:
        assert await tx.is_banned(APP, "r1", "troll", 1999)
        assert not await tx.is_banned(APP, "r1", "troll", 2000)
        assert not await tx.is_banned(APP, "r1", "someone", 1000)
        assert not await tx.is_banned(APP, "r2", "troll", 1000)
        assert not await tx.is_banned(OTHER_APP, "r1", "troll", 1000)


# transactions -----------------------------------------------------------------------------------------------


class Boom(Exception):
    pass


async def test_an_exception_inside_write_leaves_nothing_behind(store: Store) -> None:
    async with store.write() as tx:
        await tx.insert_room(APP, room_record("kept"))
    version = await store.app_version()
    with pytest.raises(Boom):
        async with store.write() as tx:
            assert await tx.insert_app(app_record())
            await tx.bump_app_version()
            await tx.upsert_accounts(APP, [account("alice")])
            assert await tx.insert_room(APP, room_record("r1"))
            await tx.put_metadata(APP, "kept", {"k": "v"})
            assert await tx.update_room(APP, "kept", RoomChanges(room_name="changed"))
            assert await tx.get_room(APP, "r1") is not None  # visible inside its own transaction
            raise Boom
    async with store.read() as tx:
        assert await tx.get_app(APP) is None
        assert await tx.existing_accounts(APP, ["alice"]) == set()
        assert await tx.get_room(APP, "r1") is None
        assert await tx.get_metadata(APP, "kept") == {}
        assert await tx.get_room(APP, "kept") == room_record("kept")
    assert await store.app_version() == version
    # The store is usable afterwards: the failed block released its transaction.
    async with store.write() as tx:
        assert await tx.insert_room(APP, room_record("r1"))


async def test_a_cancelled_write_leaves_nothing_behind(store: Store) -> None:
    started = asyncio.Event()

    async def slow_write() -> None:
        async with store.write() as tx:
            await tx.insert_room(APP, room_record("r1"))
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(slow_write())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with store.read() as tx:
        assert await tx.get_room(APP, "r1") is None
    async with store.write() as tx:
        assert await tx.insert_room(APP, room_record("r1"))


async def test_concurrent_writes_are_serialized(store: Store) -> None:
    """Read-modify-write inside one transaction, with awaits in between, loses no update."""
    async with store.write() as tx:
        await tx.insert_room(APP, room_record("counter"))

    async def increment() -> None:
        async with store.write() as tx:
            room = await tx.get_room(APP, "counter")
            assert room is not None
            await asyncio.sleep(0)
            await tx.update_room(APP, "counter", RoomChanges(activity_status=room.activity_status + 1))

    await asyncio.wait_for(asyncio.gather(*(increment() for _ in range(25))), 30)
    async with store.read() as tx:
        room = await tx.get_room(APP, "counter")
    assert room is not None and room.activity_status == 25


async def test_concurrent_inserts_of_one_room_id_have_one_winner(store: Store) -> None:
    async def create(owner: str) -> bool:
        async with store.write() as tx:
            await asyncio.sleep(0)
            return await tx.insert_room(APP, room_record("contested", owner_account=owner))

    results = await asyncio.wait_for(asyncio.gather(*(create(f"owner{i}") for i in range(20))), 30)
    assert results.count(True) == 1
    async with store.read() as tx:
        assert await tx.room_owner(APP, "contested") == f"owner{results.index(True)}"


async def test_committed_writes_survive_reopening(store: Store, backend: Backend) -> None:
    async with store.write() as tx:
        await tx.insert_app(app_record())
        await tx.insert_room(APP, room_record("r1"))
        await tx.put_metadata(APP, "r1", {"k": "v"})
    await store.close()
    reopened = backend.open_store(store.url)
    await reopened.open()
    try:
        async with reopened.read() as tx:
            assert await tx.get_room(APP, "r1") == room_record("r1")
            assert await tx.get_metadata(APP, "r1") == {"k": "v"}
            assert await tx.get_app(APP) == app_record()
    finally:
        await reopened.close()
    await store.open()  # the fixture closes it again


async def test_ping(store: Store) -> None:
    await store.ping()


# migrations -------------------------------------------------------------------------------------------------


def test_fresh_database_migrates_to_head_and_matches_tables(url: str) -> None:
    assert migrate.current(url) is None
    migrate.upgrade(url)
    assert migrate.head() is not None
    assert migrate.current(url) == migrate.head()
    migrate.upgrade(url)  # idempotent
    assert migrate.current(url) == migrate.head()
    engine = sa.create_engine(pg.sqlalchemy_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, tables.metadata)
    finally:
        engine.dispose()
    assert differences == [], "tables.py and the migrations disagree; write a migration"


def test_migrations_downgrade_to_base_and_upgrade_again(url: str) -> None:
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    engine = sa.create_engine(pg.sqlalchemy_url(url), poolclass=sa.pool.NullPool)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()


def test_processes_migrating_one_fresh_database_at_once_all_succeed(url: str) -> None:
    """Workers, the CLI and a second node may all start on a new database at the same moment."""
    # Each process imports first, then all start migrating at the same instant.
    script = (
        "import sys, time; from liveroom.store import migrate; "
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time())); migrate.upgrade(sys.argv[1])"
    )
    start_at = str(time.time() + 2)
    processes = [
        subprocess.Popen([sys.executable, "-c", script, url, start_at], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    try:
        errors = [p.communicate(timeout=120)[1] for p in processes]
    finally:
        for p in processes:
            p.kill()
    assert [p.returncode for p in processes] == [0] * 4, errors
    assert migrate.current(url) == migrate.head()


async def test_open_migrates_a_fresh_database(backend: Backend, url: str) -> None:
    s = backend.open_store(url)
    await s.open()
    try:
        assert migrate.current(url) == migrate.head()
    finally:
        await s.close()


# SQLite: transactions that SQLite itself ends -------------------------------------------------------------


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    s = SQLiteStore(_sqlite_url(tmp_path))
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def test_sqlite_a_failed_commit_rolls_back_and_the_store_stays_usable(sqlite_store: SQLiteStore) -> None:
    writer = sqlite_store._writer
    assert writer is not None
    # A deferred foreign key makes COMMIT itself fail, which leaves SQLite's transaction open.
    writer.execute("PRAGMA foreign_keys = ON")
    writer.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)")
    writer.execute("CREATE TEMP TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError):
        async with sqlite_store.write() as tx:
            await tx.insert_room(APP, room_record("r1"))
            writer.execute("INSERT INTO child (parent_id) VALUES (42)")
    async with sqlite_store.read() as tx:
        assert await tx.get_room(APP, "r1") is None
    async with sqlite_store.write() as tx:
        assert await tx.insert_room(APP, room_record("r1"))
    async with sqlite_store.read() as tx:
        assert await tx.get_room(APP, "r1") == room_record("r1")


async def test_sqlite_an_error_sqlite_rolled_back_already_is_the_error_raised(sqlite_store: SQLiteStore) -> None:
    writer = sqlite_store._writer
    assert writer is not None
    with pytest.raises(Boom):
        async with sqlite_store.write() as tx:
            await tx.insert_room(APP, room_record("r1"))
            writer.execute("ROLLBACK")  # what SQLITE_FULL or an I/O error does to a transaction
            raise Boom
    async with sqlite_store.write() as tx:
        assert await tx.insert_room(APP, room_record("r1"))


# SQLite: get_room_list costs O(page), not O(rooms) --------------------------------------------------------


def _traced(db: sqlite3.Connection) -> list[str]:
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    return statements


def _plan(db: sqlite3.Connection, statement: str) -> list[str]:
    return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + statement)]


def _assert_keyset_plan(plan: list[str], *, with_cursor: bool) -> None:
    assert len(plan) == 1, plan
    assert plan[0].startswith("SEARCH rooms USING INDEX rooms_public_order (sdkappid=?"), plan
    if with_cursor:
        assert "(sort_views,sort_created,room_id)>(?,?,?)" in plan[0], plan
    assert not any("TEMP B-TREE" in p or p.startswith("SCAN") for p in plan), plan


async def _list_plans(store: SQLiteStore) -> tuple[list[str], list[str]]:
    reader = store._reader
    assert reader is not None
    statements = _traced(reader)
    try:
        async with store.read() as tx:
            await tx.list_public_rooms(APP, None, 21)
            await tx.list_public_rooms(APP, ListCursor(3, 1_700_000_000, "room-5"), 21)
    finally:
        reader.set_trace_callback(None)
    lists = [s for s in statements if "FROM rooms" in s]
    assert len(lists) == 2, statements
    return _plan(reader, lists[0]), _plan(reader, lists[1])


async def test_sqlite_list_queries_search_the_public_order_index(tmp_path: Path) -> None:
    store = SQLiteStore(_sqlite_url(tmp_path))
    await store.open()
    try:
        await insert_rooms(store, APP, [room_record(f"room-{i}", view_count=i % 7) for i in range(200)])
        first, deep = await _list_plans(store)
        _assert_keyset_plan(first, with_cursor=False)
        _assert_keyset_plan(deep, with_cursor=True)
    finally:
        await store.close()


def _steps(db: sqlite3.Connection, action: Callable[[], None]) -> int:
    """Virtual machine instructions SQLite runs for ``action`` (a page's real cost, independent of timing)."""
    count = 0

    def tick() -> int:
        nonlocal count
        count += 1
        return 0

    db.set_progress_handler(tick, 1)
    try:
        action()
    finally:
        db.set_progress_handler(None, 1)
    return count


@pytest.mark.slow
async def test_sqlite_deep_page_costs_about_as_much_as_the_first(tmp_path: Path) -> None:
    total = 100_000
    store = SQLiteStore(_sqlite_url(tmp_path))
    await store.open()
    try:
        rng = random.Random(1)
        rooms = [
            room_record(
                f"room-{i:06d}",
                view_count=rng.randrange(1000),
                create_time=1_700_000_000 + rng.randrange(10_000),
                is_public_visible=i % 10 != 0,
            )
            for i in range(total)
        ]
        await insert_rooms(store, APP, rooms)
        await insert_rooms(store, OTHER_APP, rooms[:1000])
        writer = store._writer
        assert writer is not None
        writer.execute("ANALYZE")  # with statistics the planner must still choose the index
        first_plan, deep_plan = await _list_plans(store)
        _assert_keyset_plan(first_plan, with_cursor=False)
        _assert_keyset_plan(deep_plan, with_cursor=True)

        ordered = sorted((r for r in rooms if r.is_public_visible), key=list_order)
        reader = store._reader
        assert reader is not None

        async def page_after(index: int | None) -> tuple[list[RoomListing], int]:
            after = None
            if index is not None:
                r = ordered[index]
                after = ListCursor(r.view_count, r.create_time, r.room_id)
            result: list[RoomListing] = []

            async with store.read() as tx:
                # list_public_rooms runs synchronously on this thread; counting around the awaited call is exact.
                steps = 0

                def tick() -> int:
                    nonlocal steps
                    steps += 1
                    return 0

                reader.set_progress_handler(tick, 1)
                try:
                    result = await tx.list_public_rooms(APP, after, 21)
                finally:
                    reader.set_progress_handler(None, 1)
            return result, steps

        first, first_steps = await page_after(None)
        assert [r.room_id for r in first] == [r.room_id for r in ordered[:21]]
        for index in (len(ordered) // 2, len(ordered) - 30):
            page, steps = await page_after(index)
            assert [r.room_id for r in page] == [r.room_id for r in ordered[index + 1 : index + 22]]
            # O(page): a deep page runs about as many instructions as the first, nowhere near O(rooms).
            assert steps < 2 * first_steps + 500, (first_steps, steps)

        # The same measure sees an O(rooms) query for what it is: counting the private rooms scans the table.
        private = "SELECT count(*) FROM rooms WHERE NOT is_public_visible"
        scan = _steps(reader, lambda: reader.execute(private).fetchone())
        assert scan > 50 * first_steps, (first_steps, scan)
    finally:
        await store.close()


async def test_store_get_room_reads_committed_rooms_outside_a_scope(store: Store) -> None:
    assert await store.get_room(APP, "solo") is None
    await insert_rooms(store, APP, [room_record("solo", category=[3])])
    async with store.read() as tx:
        in_scope = await tx.get_room(APP, "solo")
    assert await store.get_room(APP, "solo") == in_scope
    assert await store.get_room(OTHER_APP, "solo") is None
    async with store.write() as tx:
        await tx.update_room(APP, "solo", RoomChanges(notice="changed"))
        # Not committed yet: a read outside the scope still sees the committed room.
        before = await store.get_room(APP, "solo")
    assert before is not None and before.notice == ""
    after = await store.get_room(APP, "solo")
    assert after is not None and after.notice == "changed"


async def test_store_get_room_inside_an_open_read_scope_keeps_that_scope_working(store: Store) -> None:
    await insert_rooms(store, APP, [room_record("nested")])
    async with store.read() as tx:
        outside = await store.get_room(APP, "nested")
        inside = await tx.get_room(APP, "nested")
    assert outside == inside
