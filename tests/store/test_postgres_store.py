"""PostgreSQL only: what many nodes on one database need beyond the shared store suite (tests/store/test_store.py).

Two ``PostgresStore`` objects on one schema stand for two liveroom nodes: their transactions run on separate
connections, so a rule the domain checks by reading then writing holds only if the store serializes them.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import psycopg
import pytest

from liveroom import store as store_package
from liveroom.domain import members, metadata
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import ListCursor, RoomChanges
from liveroom.store.postgres import PostgresStore
from liveroom.store.sqlite import SQLiteStore
from tests import pg
from tests.store.test_store import APP, account, app_record, insert_rooms, room_record
from tests.test_server_process import clean_env, free_port, liveroom_command

TIMEOUT = 60.0


@pytest.fixture
def url() -> Iterator[str]:
    with pg.fresh_schema() as fresh:
        yield fresh


@pytest.fixture
async def nodes(url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one schema, each with its own pool: two liveroom nodes."""
    a, b = PostgresStore(url), PostgresStore(url)
    await a.open()
    await b.open()
    try:
        yield a, b
    finally:
        await b.close()
        await a.close()


async def _room_with_accounts(node: PostgresStore, count: int) -> Caller:
    async with node.write() as tx:
        await tx.insert_app(app_record())
        await tx.upsert_accounts(APP, [account(f"user{i}") for i in range(count)])
        assert await tx.insert_room(APP, room_record("r1"))
    return Caller(app_record(), "administrator")


async def _race(
    nodes: tuple[PostgresStore, PostgresStore], count: int, call: Callable[[Services, int], Awaitable[None]]
) -> list[BaseException | None]:
    """``count`` calls at once, alternating between the nodes; the exception of each (None for success)."""
    services = [Services(store=node) for node in nodes]

    async def one(i: int) -> BaseException | None:
        try:
            await call(services[i % 2], i)
        except LiveError as exc:
            return exc
        return None

    return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), TIMEOUT)


# limits the domain checks by read-then-write hold across nodes -----------------------------------------------


async def test_two_nodes_adding_admins_at_once_stop_at_five(nodes: tuple[PostgresStore, PostgresStore]) -> None:
    caller = await _room_with_accounts(nodes[0], 20)

    async def add(svc: Services, i: int) -> None:
        await members.modify_admins(svc, caller, "r1", [f"user{i}"], "add")

    results = await _race(nodes, 20, add)
    assert results.count(None) == members.MAX_ADMINS, results
    assert all(isinstance(r, LiveError) and r.code == ErrorCode.TOO_MANY_ADMINS for r in results if r is not None)
    async with nodes[1].read() as tx:
        assert len(await tx.room_admins(APP, "r1")) == members.MAX_ADMINS


async def test_two_nodes_adding_robots_at_once_stop_at_three(nodes: tuple[PostgresStore, PostgresStore]) -> None:
    caller = await _room_with_accounts(nodes[0], 12)

    async def add(svc: Services, i: int) -> None:
        await members.modify_robots(svc, caller, "r1", [f"user{i}"], "add")

    results = await _race(nodes, 12, add)
    assert results.count(None) == members.MAX_ROBOTS, results
    async with nodes[0].read() as tx:
        assert len(await tx.room_robots(APP, "r1")) == members.MAX_ROBOTS


async def test_two_nodes_setting_metadata_at_once_stop_at_the_key_limit(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    caller = await _room_with_accounts(nodes[0], 0)

    async def put(svc: Services, i: int) -> None:
        await metadata.set_metadata(svc, caller, "r1", [(f"key{i}", "v")])

    results = await _race(nodes, 25, put)
    assert results.count(None) == metadata.MAX_KEYS, results
    assert all(isinstance(r, LiveError) and r.code == ErrorCode.METADATA_TOO_MANY_KEYS for r in results if r)
    async with nodes[1].read() as tx:
        assert len(await tx.get_metadata(APP, "r1")) == metadata.MAX_KEYS


async def test_read_modify_write_of_a_room_across_nodes_loses_no_update(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    await insert_rooms(nodes[0], APP, [room_record("counter")])

    async def increment(i: int) -> None:
        async with nodes[i % 2].write() as tx:
            room = await tx.get_room(APP, "counter")
            assert room is not None
            await asyncio.sleep(0)
            await tx.update_room(APP, "counter", RoomChanges(activity_status=room.activity_status + 1))

    await asyncio.wait_for(asyncio.gather(*(increment(i) for i in range(30))), TIMEOUT)
    async with nodes[1].read() as tx:
        room = await tx.get_room(APP, "counter")
    assert room is not None and room.activity_status == 30


async def test_one_room_id_created_on_two_nodes_at_once_has_one_winner(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    async def create(i: int) -> bool:
        async with nodes[i % 2].write() as tx:
            return await tx.insert_room(APP, room_record("contested", owner_account=f"owner{i}"))

    results = await asyncio.wait_for(asyncio.gather(*(create(i) for i in range(30))), TIMEOUT)
    assert results.count(True) == 1
    async with nodes[1].read() as tx:
        assert await tx.room_owner(APP, "contested") == f"owner{results.index(True)}"


async def test_a_read_scope_sees_one_snapshot(nodes: tuple[PostgresStore, PostgresStore]) -> None:
    await insert_rooms(nodes[0], APP, [room_record("r1")])
    async with nodes[0].read() as tx:
        before = await tx.get_room(APP, "r1")
        async with nodes[1].write() as other:
            await other.update_room(APP, "r1", RoomChanges(notice="changed"))
        assert await tx.get_room(APP, "r1") == before
    async with nodes[0].read() as tx:
        room = await tx.get_room(APP, "r1")
    assert room is not None and room.notice == "changed"


def _locked(url: str, query: str, *params: Any) -> bool:
    """Whether another connection holds a lock on the rows ``query`` selects (asked with NOWAIT, no waiting)."""
    with psycopg.connect(url) as db:
        try:
            db.execute(f"{query} FOR UPDATE NOWAIT", params)  # type: ignore[call-overload]
        except psycopg.errors.LockNotAvailable:
            return True
        return False


async def test_a_write_that_read_a_room_holds_it_until_it_ends(url: str) -> None:
    node = PostgresStore(url)
    await node.open()
    room = "SELECT 1 FROM rooms WHERE sdkappid = %s AND room_id = %s"
    try:
        await insert_rooms(node, APP, [room_record("r1"), room_record("r2")])
        async with node.read() as tx:
            assert await tx.get_room(APP, "r1") is not None
            assert not _locked(url, room, APP, "r1")  # reads lock nothing
        for read in ("get_room", "room_owner"):
            async with node.write() as tx:
                assert await getattr(tx, read)(APP, "r1") is not None
                assert _locked(url, room, APP, "r1"), read
                assert not _locked(url, room, APP, "r2"), read  # only the room read
            assert not _locked(url, room, APP, "r1")
    finally:
        await node.close()


async def test_a_write_that_checked_accounts_keeps_them_from_deletion(url: str) -> None:
    node = PostgresStore(url)
    await node.open()
    query = "SELECT 1 FROM accounts WHERE sdkappid = %s AND user_id = %s"
    try:
        async with node.write() as tx:
            await tx.upsert_accounts(APP, [account("alice"), account("bob")])
        async with node.write() as tx:
            assert await tx.existing_accounts(APP, ["alice"]) == {"alice"}
            assert _locked(url, query, APP, "alice")
            assert not _locked(url, query, APP, "bob")
        async with node.read() as tx:
            assert await tx.existing_accounts(APP, ["alice"]) == {"alice"}
            assert not _locked(url, query, APP, "alice")
    finally:
        await node.close()


# app_version: LISTEN/NOTIFY ------------------------------------------------------------------------------------


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Notifications travel asynchronously; wait (boundedly) for one to have arrived."""
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("not seen within 5 s")


async def test_a_bump_on_another_node_reaches_the_cached_version(nodes: tuple[PostgresStore, PostgresStore]) -> None:
    a, b = nodes
    before = await a.app_version()
    assert await a.app_version() == before  # cached now
    async with b.write() as tx:
        await tx.bump_app_version()
    assert await b.app_version() == before + 1  # the writer sees its own commit at once

    async def seen() -> bool:
        return await a.app_version() == before + 1

    await _eventually(seen)


async def test_a_rolled_back_bump_changes_nothing(nodes: tuple[PostgresStore, PostgresStore]) -> None:
    a, b = nodes
    before = await a.app_version()
    with pytest.raises(RuntimeError):
        async with b.write() as tx:
            await tx.bump_app_version()
            raise RuntimeError
    assert await b.app_version() == before
    async with a.read() as tx:
        assert await tx.app_version() == before


async def test_without_its_listener_a_node_reads_the_version_each_time(
    nodes: tuple[PostgresStore, PostgresStore], url: str
) -> None:
    """A lost listener (server restart, network) must not leave a stale version cached; it comes back later."""
    a, b = nodes
    before = await a.app_version()
    assert a._listener is not None
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_terminate_backend(%s)", (a._listener.get_server_pid(),))

    async def lost() -> bool:
        return a._listener is None

    await _eventually(lost)
    async with b.write() as tx:
        await tx.bump_app_version()
    # No notification can arrive, yet the very next call answers the new version.
    assert await a.app_version() == before + 1

    async def listening_again() -> bool:
        await a.app_version()
        return a._listener is not None

    await _eventually(listening_again)
    async with b.write() as tx:
        await tx.bump_app_version()

    async def seen() -> bool:
        return await a.app_version() == before + 2

    await _eventually(seen)


# get_room_list: keyset paging on the index ---------------------------------------------------------------------


def _plan(url: str, query: str, *params: Any) -> str:
    with psycopg.connect(url) as db:
        db.execute("ANALYZE rooms")
        rows = db.execute(f"EXPLAIN {query}", params).fetchall()  # type: ignore[call-overload]
    return "\n".join(str(r[0]) for r in rows)


async def test_list_queries_scan_the_public_order_index_without_sorting(url: str) -> None:
    node = PostgresStore(url)
    await node.open()
    try:
        rng = random.Random(3)
        rooms = [
            room_record(f"room-{i:05d}", view_count=rng.randrange(500), is_public_visible=i % 10 != 0)
            for i in range(5000)
        ]
        await insert_rooms(node, APP, rooms)
        async with node.read() as tx:
            # The store's own statements, with the cursor of a page deep in the list.
            deep = await tx.list_public_rooms(APP, ListCursor(250, 1_700_000_000, "room-02500"), 21)
        assert deep and all((-r.view_count, r.room_id) > (-250, "room-02500") for r in deep)
    finally:
        await node.close()
    base = (
        "SELECT room_id FROM rooms WHERE sdkappid = %s AND is_public_visible {} "
        "ORDER BY sort_views, sort_created, room_id LIMIT 21"
    )
    first = _plan(url, base.format(""), APP)
    after = _plan(
        url, base.format("AND (sort_views, sort_created, room_id) > (%s, %s, %s)"), APP, -250, -1_700_000_000, "r"
    )
    for plan in (first, after):
        assert "rooms_public_order" in plan, plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan
    assert "Index Cond" in after and "ROW(sort_views, sort_created, room_id) >" in after, after


async def test_a_cursor_room_id_holding_nul_pages_as_it_would_without_it(url: str) -> None:
    node = PostgresStore(url)
    await node.open()
    try:
        await insert_rooms(node, APP, [room_record(r) for r in ("a", "ab", "a\x01", "b")])
        async with node.read() as tx:
            page = await tx.list_public_rooms(APP, ListCursor(0, 1_700_000_000, "a\x00zz"), 10)
        assert [r.room_id for r in page] == ["a\x01", "ab", "b"]
    finally:
        await node.close()


# the factory ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_open_store_names_postgres_for_both_schemes(scheme: str) -> None:
    opened = store_package.open_store(f"{scheme}://someone@db.example:5432/live")
    assert isinstance(opened, PostgresStore)


async def test_a_postgres_scheme_url_opens_the_same_database(url: str) -> None:
    first = store_package.open_store(url)
    await first.open()
    try:
        await insert_rooms(first, APP, [room_record("r1")])
    finally:
        await first.close()
    second = store_package.open_store(url.replace("postgresql://", "postgres://", 1))
    await second.open()
    try:
        async with second.read() as tx:
            assert await tx.get_room(APP, "r1") == room_record("r1")
    finally:
        await second.close()


def test_open_store_names_sqlite_for_a_file_url(tmp_path: Any) -> None:
    assert isinstance(store_package.open_store(f"sqlite:///{tmp_path / 'x.db'}"), SQLiteStore)


def test_open_store_refuses_other_urls_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="postgresql://user@host:port/db") as caught:
        store_package.open_store("mysql://admin:hunter2@db/live")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://someone:hunter2@db:5432/live", "postgresql://someone:***@db:5432/live"),
        (
            "postgres://someone:p@ss@db/live?options=-csearch_path%3Dx",
            "postgres://someone:***@db/live?options=-csearch_path%3Dx",
        ),
        ("postgresql://someone@db:5432/live", "postgresql://someone@db:5432/live"),
        ("postgresql://db:5432/live", "postgresql://db:5432/live"),
        ("sqlite:///./liveroom.db", "sqlite:///./liveroom.db"),
    ],
)
def test_redacted_hides_the_password_only(url: str, shown: str) -> None:
    assert store_package.redacted(url) == shown


def test_serve_names_an_unreachable_database_without_its_password() -> None:
    result = subprocess.run(
        [
            *liveroom_command(),
            "serve",
            "--port",
            str(free_port()),
            "--database",
            "postgresql://someone:hunter2@127.0.0.1:1/live",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_env(), "COLUMNS": "400"},
        check=False,
    )
    assert result.returncode == 12, result.stderr  # ExitStatus.DATABASE_UNREACHABLE
    assert "cannot connect to the database postgresql://someone:***@127.0.0.1:1/live" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


async def test_a_one_statement_read_runs_outside_a_transaction_and_refuses_a_second(
    nodes: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = nodes
    async with a.write() as tx:
        await tx.insert_app(app_record())
    await insert_rooms(a, APP, [room_record(f"r{i}") for i in range(3)])
    async with b.read_one() as tx:
        assert [room.room_id for room in await tx.list_public_rooms(APP, None, 10)] == ["r0", "r1", "r2"]
        with pytest.raises(AssertionError, match="one statement"):
            await tx.get_room(APP, "r0")
    # The connection went back to the pool outside any transaction: a write on it commits for everyone.
    async with b.write() as tx:
        assert await tx.update_room(APP, "r0", RoomChanges(notice="seen"))
    room = await a.get_room(APP, "r0")
    assert room is not None and room.notice == "seen"
