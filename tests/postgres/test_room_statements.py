"""``store.insert_room`` and ``store.update_room`` on PostgreSQL: the rooms created (changed) in one moment inserted
(updated) by one statement that commits on its own, each answered for itself (inserted; its RoomId taken; its owner
not imported; no such room), and nothing a request was told is lost or half-written when one room's values, two
nodes or a lost connection get in the way."""

from __future__ import annotations

import asyncio

import asyncpg
import psycopg
from bench.pg_roundtrips import Counts

from liveroom.store.interface import ConnectionLost, RoomChanges
from liveroom.store.postgres import PostgresStore
from liveroom.store.records import AccountRecord
from tests import pg
from tests.store.test_store import APP, room_record


def _port() -> int:
    return int(pg.server_url().rsplit(":", 1)[1].split("/", 1)[0])


def _owners(url: str) -> dict[str, str]:
    with psycopg.connect(url) as db:
        return dict(db.execute("SELECT room_id, owner_account FROM rooms").fetchall())


async def _warm(store: PostgresStore) -> None:
    """A write connection kept outside any transaction, with the statement prepared: the next batch takes it."""
    async with store.write():  # holds the connection kept inside a transaction, so the insert draws another
        assert await store.insert_room(APP, room_record("warm"), owner_known=True)
    assert store.writes.bare == 1


async def test_the_creates_of_one_moment_are_one_statement_each_committed_when_answered(
    store: PostgresStore, url: str
) -> None:
    await _warm(store)
    names = [f"room-{i}" for i in range(40)]
    counts = Counts(_port())
    with counts.counting():
        answers = await asyncio.gather(*(store.insert_room(APP, room_record(name), owner_known=True) for name in names))
    assert answers == [True] * 40
    assert counts.writes == 1  # one statement for the forty, which was its own COMMIT
    stored = pg.room_names(url)
    assert all(stored[name] == f"name of {name}" for name in names)


async def test_a_room_id_asked_twice_in_one_moment_is_inserted_once_for_the_first_ask(
    store: PostgresStore, url: str
) -> None:
    owners = [f"owner-{i}" for i in range(6)]
    answers = await asyncio.gather(
        *(store.insert_room(APP, room_record("twice", owner_account=o), owner_known=True) for o in owners)
    )
    assert answers == [True] + [False] * 5
    assert _owners(url) == {"twice": "owner-0"}
    assert not await store.insert_room(APP, room_record("twice"), owner_known=True)  # and later too


async def test_an_owner_who_must_be_imported_is_checked_room_by_room(store: PostgresStore, url: str) -> None:
    async with store.write() as tx:
        await tx.upsert_accounts(APP, [AccountRecord(user_id="alice", nick="", face_url="", created_at=1)])
    asks = [
        (room_record("admin's", owner_account="admin"), True),
        (room_record("ghost's", owner_account="ghost"), False),
        (room_record("alice's", owner_account="alice"), False),
        (room_record("known ghost's", owner_account="ghost"), True),  # the caller vouched for the owner
    ]
    answers = await asyncio.gather(*(store.insert_room(APP, room, owner_known=known) for room, known in asks))
    assert answers == [True, False, True, True]
    assert _owners(url) == {"admin's": "admin", "alice's": "alice", "known ghost's": "ghost"}


async def test_a_room_postgresql_refuses_fails_alone_and_the_others_of_its_moment_go_in(
    store: PostgresStore, url: str
) -> None:
    # A RoomId longer than the column (the API refuses it long before): the batch's statement fails for it.
    too_long = "x" * 49
    names = ["before", too_long, "after"]
    answers = await asyncio.gather(
        *(store.insert_room(APP, room_record(name), owner_known=True) for name in names), return_exceptions=True
    )
    assert answers[0] is True and answers[2] is True
    assert isinstance(answers[1], asyncpg.StringDataRightTruncationError)
    assert set(pg.room_names(url)) == {"before", "after"}


async def test_two_nodes_inserting_the_same_rooms_in_opposite_orders_never_deadlock(url: str) -> None:
    first, second = PostgresStore(url), PostgresStore(url)
    await first.open()
    await second.open()
    try:
        for round_ in range(10):
            names = [f"r{round_}-{i}" for i in range(20)]

            async def create(node: PostgresStore, order: list[str]) -> list[bool]:
                return list(
                    await asyncio.gather(*(node.insert_room(APP, room_record(n), owner_known=True) for n in order))
                )

            one, other = await asyncio.gather(create(first, names), create(second, names[::-1]))
            # Each room went in once, for exactly one of the two nodes; no statement was undone as a deadlock.
            assert [a + b for a, b in zip(one, other[::-1], strict=True)] == [1] * 20
        assert len(pg.room_names(url)) == 200
    finally:
        await first.close()
        await second.close()


async def test_a_lost_connection_fails_every_create_of_its_moment_and_the_next_goes_in(
    store: PostgresStore, url: str, application_name: str
) -> None:
    await _warm(store)
    assert pg.terminate_backends(application_name) >= 1
    answers = await asyncio.gather(
        *(store.insert_room(APP, room_record(f"lost-{i}"), owner_known=True) for i in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(a, ConnectionLost) for a in answers), answers
    assert await store.insert_room(APP, room_record("next"), owner_known=True)
    assert "next" in pg.room_names(url)


async def _rooms(store: PostgresStore, names: list[str]) -> None:
    assert all(await asyncio.gather(*(store.insert_room(APP, room_record(n), owner_known=True) for n in names)))


async def test_the_changes_of_one_moment_are_one_statement_setting_only_what_each_gives(
    store: PostgresStore, url: str
) -> None:
    names = [f"room-{i}" for i in range(40)]
    await _warm(store)
    await _rooms(store, names)
    assert await store.update_room(APP, names[0], RoomChanges(cover_url="warm"))  # the UPDATE prepared
    assert store.writes.bare == 1
    changes = [
        RoomChanges(room_name=f"renamed {i}", category=(1, 2)) if i % 2 else RoomChanges(notice=f"notice {i}")
        for i in range(40)
    ]
    counts = Counts(_port())
    with counts.counting():
        answers = await asyncio.gather(*(store.update_room(APP, n, c) for n, c in zip(names, changes, strict=True)))
    assert answers == [True] * 40
    assert counts.writes == 1
    for i, name in enumerate(names):
        room = await store.get_room(APP, name)
        assert room is not None
        if i % 2:
            assert (room.room_name, room.notice, room.category) == (f"renamed {i}", "", (1, 2))
        else:
            assert (room.room_name, room.notice, room.category) == (f"name of {name}", f"notice {i}", ())


async def test_a_room_changed_twice_in_one_moment_takes_the_changes_in_the_order_asked(store: PostgresStore) -> None:
    await _rooms(store, ["busy", "quiet"])
    answers = await asyncio.gather(
        store.update_room(APP, "busy", RoomChanges(room_name="first", notice="kept")),
        store.update_room(APP, "missing", RoomChanges(room_name="nowhere")),
        store.update_room(APP, "busy", RoomChanges(room_name="second")),
        store.update_room(APP, "quiet", RoomChanges(room_name="once")),
        store.update_room(APP, "busy", RoomChanges(room_name="third")),
    )
    assert answers == [True, False, True, True, True]
    busy, quiet = await store.get_room(APP, "busy"), await store.get_room(APP, "quiet")
    assert busy is not None and (busy.room_name, busy.notice) == ("third", "kept")
    assert quiet is not None and quiet.room_name == "once"
    assert await store.update_room(APP, "busy", RoomChanges())  # nothing to set: whether it exists
    assert not await store.update_room(APP, "missing", RoomChanges())


async def test_two_nodes_changing_the_same_rooms_in_opposite_orders_never_deadlock(url: str) -> None:
    first, second = PostgresStore(url), PostgresStore(url)
    await first.open()
    await second.open()
    try:
        names = [f"r{i}" for i in range(20)]
        await _rooms(first, names)

        async def change(node: PostgresStore, order: list[str], notice: str) -> list[bool]:
            return list(await asyncio.gather(*(node.update_room(APP, n, RoomChanges(notice=notice)) for n in order)))

        for round_ in range(10):
            one, other = await asyncio.gather(
                change(first, names, f"a {round_}"), change(second, names[::-1], f"b {round_}")
            )
            assert one == other == [True] * 20
        notices = {room.notice for n in names if (room := await first.get_room(APP, n)) is not None}
        assert notices <= {"a 9", "b 9"} and len(pg.room_names(url)) == 20
    finally:
        await first.close()
        await second.close()
