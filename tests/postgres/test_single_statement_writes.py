"""``store.write_one()`` on PostgreSQL: a write of one changing statement, which commits on its own (no BEGIN, no
COMMIT; BEGIN): one round trip where a write transaction takes two, and every promise of a write kept."""

from __future__ import annotations

import asyncio

import asyncpg
import psycopg
import pytest
from bench.pg_roundtrips import Counts

from liveroom.store.interface import ConnectionLost, RoomChanges, commits_sent
from liveroom.store.postgres import PostgresStore
from liveroom.store.sql import Statement
from tests import pg
from tests.store.test_store import APP, room_record


async def _both_kinds(store: PostgresStore) -> None:
    """One connection of each kind, each with the INSERT prepared: the single write draws its own while the
    transaction holds the one kept inside a transaction."""
    async with store.write() as tx:
        assert await tx.insert_room(APP, room_record("warm"))
        async with store.write_one() as single:
            assert await single.insert_room(APP, room_record("warm2"))
    assert (store.writes.kept, store.writes.bare) == (1, 1)


def _port() -> int:
    return int(pg.server_url().rsplit(":", 1)[1].split("/", 1)[0])


async def test_one_statement_one_round_trip_committed_when_answered(
    store: PostgresStore, url: str, application_name: str
) -> None:
    await _both_kinds(store)
    counts = Counts(_port())
    with counts.counting():
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record("in a transaction"))
    assert counts.writes == 2  # the INSERT, then COMMIT; BEGIN
    before = commits_sent()
    counts = Counts(_port())
    with counts.counting():
        async with store.write_one() as tx:
            assert await tx.insert_room(APP, room_record("alone"))
    assert counts.writes == 1
    assert commits_sent() == before + 1  # the statement was its own COMMIT
    # Answered: committed, whatever connection reads it, and no connection was left inside a transaction for it.
    assert pg.room_names(url)["alone"] == "name of alone"
    with psycopg.connect(url) as db:
        open_ = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND state = 'idle in transaction'",
            (application_name,),
        ).fetchone()
    assert open_ == (store.writes.kept,)


async def test_a_refused_change_then_reads_that_explain_it(store: PostgresStore, url: str) -> None:
    async with store.write_one() as tx:
        assert await tx.insert_room(APP, room_record("r"))
    async with store.write_one() as tx:
        assert not await tx.insert_room(APP, room_record("r"))  # the RoomId exists: nothing written
        assert await tx.room_owner(APP, "r") == room_record("r").owner_account
    async with store.write_one() as tx:
        assert not await tx.update_room(APP, "missing", RoomChanges(room_name="x"))
    assert pg.room_names(url) == {"r": "name of r"}


async def test_a_second_change_is_refused_before_it_is_sent(store: PostgresStore, url: str) -> None:
    await _both_kinds(store)
    with pytest.raises(AssertionError, match="one change"):
        async with store.write_one() as tx:
            assert await tx.insert_room(APP, room_record("first"))
            await tx.update_room(APP, "first", RoomChanges(room_name="second"))
    # The first statement was its own transaction; the second never reached the server.
    assert pg.room_names(url) == {"first": "name of first", "warm": "name of warm", "warm2": "name of warm2"}
    async with store.write_one() as tx:  # the connection went back to the pool sound
        assert await tx.update_room(APP, "first", RoomChanges(room_name="renamed"))
    assert pg.room_names(url)["first"] == "renamed"


async def test_a_failing_statement_writes_nothing_and_its_connection_serves_the_next(
    store: PostgresStore, url: str
) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        async with store.write_one() as tx:
            await tx._db.execute(Statement("INSERT INTO no_such_table VALUES (1)"))
    for i in range(store.pool.get_size() + 1):
        async with store.write_one() as tx:
            assert await tx.insert_room(APP, room_record(f"after{i}"))
    assert len(pg.room_names(url)) == store.pool.get_size() + 1


async def test_a_lost_connection_says_the_change_may_have_been_made(
    store: PostgresStore, url: str, application_name: str
) -> None:
    await _both_kinds(store)
    before = commits_sent()
    with pytest.raises(ConnectionLost) as lost:
        async with store.write_one() as tx:
            pg.terminate_backends(application_name)
            await tx.insert_room(APP, room_record("r"))
    # The statement was the commit: once sent, the caller must not run it again as if nothing was tried.
    assert lost.value.committing and commits_sent() == before + 1
    async with store.write_one() as tx:
        await tx.insert_room(APP, room_record("r"))  # written now, or found written by the lost one
    assert pg.room_names(url)["r"] == "name of r"


async def test_cancelled_midway_the_connection_is_closed_and_the_pool_keeps_serving(
    store: PostgresStore, url: str
) -> None:
    async def slow() -> None:
        async with store.write_one() as tx:
            await tx._db.execute(Statement("UPDATE apps SET sdkappid = sdkappid WHERE pg_sleep(5) IS NOT NULL"))

    task = asyncio.create_task(slow())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(10):
        for i in range(store.pool.get_max_size()):
            async with store.write_one() as tx:
                assert await tx.insert_room(APP, room_record(f"r{i}"))
    assert len(pg.room_names(url)) == store.pool.get_max_size()


async def test_both_kinds_share_the_write_connections_and_reads_keep_theirs(store: PostgresStore, url: str) -> None:
    async def single(i: int) -> None:
        async with store.write_one() as tx:
            assert await tx.insert_room(APP, room_record(f"s{i}"))
            await asyncio.sleep(0.01)  # the others start meanwhile: each takes a connection

    async def transaction(i: int) -> None:
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record(f"t{i}"))
            await asyncio.sleep(0.01)

    limit = store.writes._limit
    await asyncio.wait_for(asyncio.gather(*(single(i) for i in range(limit * 2))), 30)
    # Each took a connection outside a transaction, drawn for it; but one: the fixture's write kept its own inside one.
    assert (store.writes.bare, store.writes.kept) == (limit - 1, 1)
    # Transactions take the connections kept outside one (BEGIN first) and keep them inside one.
    await asyncio.wait_for(asyncio.gather(*(transaction(i) for i in range(limit * 2))), 30)
    assert store.writes.kept == limit and store.writes.bare == 0
    # Never more than the limit between them: the pool's other connections still serve reads at once.
    assert await asyncio.wait_for(store.get_room(APP, "s0"), 5) is not None
    async with asyncio.timeout(5), store.read() as tx:
        assert await tx.get_app(APP) is not None
    assert len(pg.room_names(url)) == limit * 4


async def test_with_only_connections_inside_a_transaction_a_single_write_commits_as_a_transaction(
    store: PostgresStore, url: str
) -> None:
    async with store.write() as tx:  # prepares the INSERT on the fixture's connection, kept inside a transaction
        assert await tx.insert_room(APP, room_record("warm"))
    assert store.writes.kept == 1 and store.writes.bare == 0
    before = commits_sent()
    counts = Counts(_port())
    with counts.counting():
        async with store.write_one() as tx:
            assert await tx.insert_room(APP, room_record("r"))
    assert counts.writes == 2  # the INSERT, then COMMIT; BEGIN
    assert commits_sent() == before + 1
    assert store.writes.kept == 1 and store.writes.bare == 0
    assert pg.room_names(url) == {"r": "name of r", "warm": "name of warm"}
    # Refused in that transaction: rolled back, the connection kept for the next write.
    with pytest.raises(AssertionError, match="one change"):
        async with store.write_one() as tx:
            assert await tx.update_room(APP, "r", RoomChanges(room_name="first"))
            await tx.update_room(APP, "r", RoomChanges(room_name="second"))
    assert pg.room_names(url)["r"] == "name of r"
    assert store.writes.kept == 1
