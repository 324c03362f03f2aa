"""Write transactions on PostgreSQL end with ``COMMIT; BEGIN`` and their connection waits, inside the new empty
transaction, for the next write (``store.postgres_writes``): what that must not change."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import psycopg
import pytest

from liveroom.store.interface import ConnectionLost, RoomChanges, Transaction, TransactionConflict, commits_sent
from liveroom.store.postgres import PostgresStore
from liveroom.store.sql import Statement
from tests import pg
from tests.store.test_store import APP, app_record, room_record

TIMEOUT = 60.0
_PID = Statement("SELECT pg_backend_pid()")


async def _pid(tx: Transaction) -> int:
    row = await tx._db.fetchone(_PID)
    assert row is not None
    return int(row[0])


async def test_the_next_write_runs_on_the_connection_the_last_one_committed_on(store: PostgresStore, url: str) -> None:
    async with store.write() as tx:
        first = await _pid(tx)
        assert await tx.insert_room(APP, room_record("r1"))
    # Answered: committed, whatever connection reads it.
    assert pg.room_names(url) == {"r1": "name of r1"}
    async with store.write() as tx:
        assert await _pid(tx) == first
        await tx.update_room(APP, "r1", RoomChanges(room_name="renamed"))
    assert pg.room_names(url) == {"r1": "renamed"}


async def test_connections_kept_between_writes_hold_no_lock_and_no_snapshot(
    store: PostgresStore, url: str, application_name: str
) -> None:
    await asyncio.gather(*(_insert(store, f"r{i}") for i in range(12)))
    # Every kind of read beside them (each on the pool's own connections, never on a kept one).
    assert await store.get_room(APP, "r1") is not None
    async with store.read_one() as tx:
        assert len(await tx.list_public_rooms(APP, None, 5)) == 5
    async with store.read() as tx:
        assert await tx.get_room(APP, "r2") is not None
    assert store.writes.kept >= 2
    with psycopg.connect(url) as db:
        idle = db.execute(
            "SELECT count(*) FILTER (WHERE backend_xid IS NULL AND backend_xmin IS NULL), count(*) "
            "FROM pg_stat_activity WHERE application_name = %s AND state = 'idle in transaction'",
            (application_name,),
        ).fetchone()
        assert idle == (store.writes.kept, store.writes.kept)
        # DDL would wait behind any lock a kept connection held, a migration behind it all requests.
        db.execute("SET lock_timeout = '2s'")
        db.execute("LOCK TABLE rooms, apps, accounts IN ACCESS EXCLUSIVE MODE NOWAIT")


async def _insert(store: PostgresStore, room_id: str) -> None:
    async with store.write() as tx:
        assert await tx.insert_room(APP, room_record(room_id))
        await asyncio.sleep(0.01)  # the others start meanwhile: each takes a connection


async def test_a_write_that_fails_midway_leaves_nothing_and_its_connection_serves_the_next(
    store: PostgresStore, url: str
) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        async with store.write() as tx:
            pid = await _pid(tx)
            assert await tx.insert_room(APP, room_record("half"))
            await tx._db.execute(Statement("DELETE FROM no_such_table"))
    assert pg.room_names(url) == {}
    with pytest.raises(RuntimeError):
        async with store.write() as tx:
            assert await _pid(tx) == pid
            assert await tx.insert_room(APP, room_record("half"))
            raise RuntimeError("the domain refused")
    assert pg.room_names(url) == {}
    async with store.write() as tx:
        assert await _pid(tx) == pid
        assert await tx.insert_room(APP, room_record("whole"))
    assert pg.room_names(url) == {"whole": "name of whole"}


async def test_a_failed_commit_raises_its_error_writes_nothing_and_the_next_write_works(
    store: PostgresStore, url: str
) -> None:
    with psycopg.connect(url) as db:
        # Checked at COMMIT: the only way a COMMIT itself refuses a transaction (the schema has no such constraint).
        db.execute("CREATE TABLE deferred (k int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
    before = commits_sent()
    with pytest.raises(asyncpg.UniqueViolationError):
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record("lost"))
            await tx._db.execute(Statement("INSERT INTO deferred VALUES (1), (1)"))
    assert commits_sent() == before + 1  # sent: the caller must not run it again as if nothing was tried
    assert pg.room_names(url) == {}
    # The connection is outside any transaction now: the next writes begin one and work.
    for i in range(3):
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record(f"after{i}"))
    assert set(pg.room_names(url)) == {"after0", "after1", "after2"}


async def test_a_write_sees_what_another_node_committed_after_its_connection_was_kept(
    store: PostgresStore, url: str
) -> None:
    other = PostgresStore(url)
    await other.open()
    try:
        async with store.write() as tx:
            assert await tx.insert_room(APP, room_record("r"))
        # The store's kept connection began its transaction before each of these commits.
        for i in range(5):
            async with other.write() as tx:
                await tx.update_room(APP, "r", RoomChanges(activity_status=i))
            async with store.write() as tx:
                room = await tx.get_room(APP, "r")
                assert room is not None and room.activity_status == i
                await tx.update_room(APP, "r", RoomChanges(room_name=f"by store {i}"))
            # And the other way round: answered on one node, seen by the next read on the other.
            assert (await other.get_room(APP, "r")) is not None
            async with other.read() as tx:
                seen = await tx.get_room(APP, "r")
                assert seen is not None and seen.room_name == f"by store {i}"
    finally:
        await other.close()


async def test_more_writes_than_connections_all_run_and_reads_still_get_one(store: PostgresStore, url: str) -> None:
    limit = store.writes._limit
    held = asyncio.Event()
    inside = [0]

    async def slow(i: int) -> None:
        async with store.write() as tx:
            inside[0] += 1
            assert await tx.insert_room(APP, room_record(f"w{i}"))
            await held.wait()
            inside[0] -= 1

    writers = [asyncio.create_task(slow(i)) for i in range(limit * 3)]
    await asyncio.sleep(0.2)
    assert inside[0] == limit
    # Every write connection is busy and more writes wait: reads are not stuck behind them.
    assert await asyncio.wait_for(store.get_room(APP, "w0"), 5) is None
    async with asyncio.timeout(5), store.read() as tx:
        assert await tx.get_app(APP) is not None
    # Some waiting writes give up (their clients left); no slot may leak with them.
    for task in writers[limit : limit + 5]:
        task.cancel()
    held.set()
    results = await asyncio.wait_for(asyncio.gather(*writers, return_exceptions=True), TIMEOUT)
    assert [isinstance(r, asyncio.CancelledError) for r in results].count(True) == 5
    assert len(pg.room_names(url)) == limit * 3 - 5
    # Still every slot: as many writes as the limit run at once again.
    held.clear()
    writers = [asyncio.create_task(slow(1000 + i)) for i in range(limit)]
    await asyncio.sleep(0.2)
    assert inside[0] == limit
    held.set()
    await asyncio.wait_for(asyncio.gather(*writers), TIMEOUT)
    assert store.writes.kept <= limit


async def test_a_kept_connection_closed_by_the_server_is_replaced_before_a_write_uses_it(schema: str) -> None:
    name = f"liveroom-test-{uuid.uuid4().hex[:12]}"
    url = pg.with_application_name(pg.options_url(schema, "idle_in_transaction_session_timeout=400"), name)
    node = PostgresStore(url)
    await node.open()
    try:
        async with node.write() as tx:
            await tx.insert_app(app_record())
        await asyncio.sleep(1.0)  # the server closed the kept connection (it was idle in a transaction)
        async with node.write() as tx:
            assert await tx.insert_room(APP, room_record("r"))
        assert pg.room_names(url) == {"r": "name of r"}
    finally:
        await node.close()


async def test_a_write_whose_kept_connection_was_terminated_raises_connection_lost_and_writes_nothing(
    schema: str,
) -> None:
    name = f"liveroom-test-{uuid.uuid4().hex[:12]}"
    url = pg.with_application_name(pg.options_url(schema), name)
    node = PostgresStore(url)
    await node.open()
    try:
        async with node.write() as tx:
            await tx.insert_app(app_record())
        before = commits_sent()
        with pytest.raises(ConnectionLost) as lost:
            async with node.write() as tx:
                pg.terminate_backends(name)
                await tx.insert_room(APP, room_record("r"))
        assert not lost.value.committing and commits_sent() == before  # nothing sent: it may run again
        async with node.write() as tx:
            assert await tx.insert_room(APP, room_record("r"))
        assert pg.room_names(url) == {"r": "name of r"}
    finally:
        await node.close()


async def test_requests_that_find_the_app_version_dropped_read_it_once(store: PostgresStore, url: str) -> None:
    reads: list[int] = []
    original = store._read_app_version

    async def counted() -> int:
        reads.append(1)
        await asyncio.sleep(0.05)
        return await original()

    store._read_app_version = counted  # type: ignore[method-assign]
    store.invalidate_app_version()
    versions = await asyncio.gather(*(store.app_version() for _ in range(20)))
    assert len(set(versions)) == 1 and len(reads) == 1
    # A change notified while a read runs: the calls made after it wait for a read that started after it.
    store.invalidate_app_version()
    first = asyncio.create_task(store.app_version())
    await asyncio.sleep(0.01)
    with psycopg.connect(url) as db:
        db.execute("UPDATE app_state SET version = version + 1")
    store.invalidate_app_version()
    second = await store.app_version()
    assert second == versions[0] + 1 and len(reads) == 3
    await first


def test_a_pool_with_no_connection_left_for_reads_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="max_connections: at least 3"):
        PostgresStore(url, max_connections=2)


async def test_a_deadlock_is_undone_as_a_conflict_the_caller_may_run_again(store: PostgresStore, url: str) -> None:
    async with store.write() as tx:
        for room in ("r1", "r2"):
            assert await tx.insert_room(APP, room_record(room))
    both_locked_one = asyncio.Barrier(2)

    async def rename(first: str, second: str) -> tuple[str | ConnectionLost, int]:
        """What became of the write, and the COMMITs it sent (counted per task)."""
        start = commits_sent()
        try:
            async with store.write() as tx:
                await tx.update_room(APP, first, RoomChanges(room_name=f"{first} first"))
                await both_locked_one.wait()
                await tx.update_room(APP, second, RoomChanges(room_name=f"{first} first"))
        except ConnectionLost as lost:
            return lost, commits_sent() - start
        return first, commits_sent() - start

    outcomes = await asyncio.wait_for(asyncio.gather(rename("r1", "r2"), rename("r2", "r1")), TIMEOUT)
    conflicts = [(o, sent) for o, sent in outcomes if isinstance(o, ConnectionLost)]
    winners = [o for o, sent in outcomes if isinstance(o, str)]
    assert len(conflicts) == 1 and len(winners) == 1, outcomes
    # A conflict is the retryable kind of ConnectionLost, and names what happened (40P01, deadlock detected).
    conflict, sent = conflicts[0]
    assert isinstance(conflict, TransactionConflict)
    assert "40P01" in str(conflict) and not conflict.committing
    assert sent == 0  # no COMMIT sent: the caller may run the operation again
    # Nothing of the undone write is left; the winner's is whole.
    assert pg.room_names(url) == {"r1": f"{winners[0]} first", "r2": f"{winners[0]} first"}
    # Run again, the undone write goes through, on connections still good.
    loser = "r2" if winners[0] == "r1" else "r1"
    assert await rename_alone(store, loser) == loser
    assert pg.room_names(url) == {"r1": f"{loser} again", "r2": f"{loser} again"}


async def rename_alone(store: PostgresStore, first: str) -> str:
    async with store.write() as tx:
        for room in (first, "r2" if first == "r1" else "r1"):
            await tx.update_room(APP, room, RoomChanges(room_name=f"{first} again"))
    return first
