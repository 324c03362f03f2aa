"""One PostgreSQL schema, one server: nodes without Redis serve a schema alone, nodes sharing Redis together.

With real ``liveroom serve`` processes: a node that could not be one server with those serving the schema exits 17
naming them, and the lock behind it (a session advisory lock on a connection of the serving process's own) dies
with the process and survives the loss of its connection. ``serving_postgres`` itself: a lock taken meanwhile by an
incompatible holder is logged as an error naming it, and taken back once free.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from liveroom.cli import serve_lock
from liveroom.cli.exits import ExitStatus
from liveroom.store import postgres_serve_lock
from liveroom.store.postgres_serve_lock import ServeLockRefused, serving_postgres
from tests import pg
from tests.helpers import LiveClient
from tests.test_one_server import group_of, refused
from tests.test_server_process import (
    Server,
    StartServer,
    app_db,
    client_for,
    redis_args,
    redis_prefix,
    redis_url,
    start_server,
    workers_args,
)

__all__ = ["app_db", "redis_prefix", "redis_url", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

WAIT = 15.0  # a guard against a hung test, not a timing assertion


def holders(url: str) -> list[tuple[int, str, str]]:
    """(backend pid, lock mode, application_name) of the sessions holding the serve lock of ``url``'s schema."""
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            "SELECT l.pid, l.mode, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = %s "
            "AND l.objid = hashtext(current_schema())::oid ORDER BY a.application_name",
            (postgres_serve_lock.SERVE_KEY,),
        ).fetchall()
    return [(int(pid), str(mode), str(name)) for pid, mode, name in rows]


def named(pid: int, *, shared: bool = False) -> str:
    """How a node's lock connection names it: host, the serve process's pid, and whether it serves with Redis."""
    return f"liveroom serve {socket.gethostname()} pid {pid}" + (" --redis" if shared else "")


@pytest.fixture
def other_schema() -> Iterator[str]:
    with pg.fresh_schema() as url:
        yield url


def assert_refused(second: Server, *firsts: str) -> str:
    status, line = refused(second)
    assert status == ExitStatus.DATABASE_IN_USE, line
    for first in firsts:
        assert first in line, line
    assert "is already served by" in line and "give every node the same --redis" in line, line
    return line


async def test_a_second_node_without_redis_is_refused_naming_the_first(app_db: str, start_server: StartServer) -> None:
    first = start_server(app_db)
    assert [(mode, name) for _, mode, name in holders(app_db)] == [("ExclusiveLock", named(first.process.pid))]
    started = time.monotonic()
    line = assert_refused(start_server(app_db, wait=False), named(first.process.pid))
    assert time.monotonic() - started < 10
    assert f"the schema {pg.schema_of(app_db)} of the database" in line
    assert "two nodes without Redis would be two servers" in line
    async with client_for(first) as http:
        await LiveClient(http).ok("get_room_list", {})  # the first serves on


async def test_nodes_sharing_redis_serve_one_schema_together(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    redis = redis_args(redis_url, redis_prefix)
    nodes = [start_server(app_db, *redis), start_server(app_db, *redis)]
    assert [(mode, name) for _, mode, name in holders(app_db)] == sorted(
        ("ShareLock", named(node.process.pid, shared=True)) for node in nodes
    )
    for node in nodes:
        async with client_for(node) as http:
            await LiveClient(http).ok("get_room_list", {})


@pytest.mark.parametrize("first_with_redis", [True, False], ids=["redis-then-plain", "plain-then-redis"])
async def test_a_node_with_redis_and_a_node_without_refuse_each_other(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str, first_with_redis: bool
) -> None:
    redis = redis_args(redis_url, redis_prefix)
    first = start_server(app_db, *(redis if first_with_redis else ()))
    second = start_server(app_db, *(() if first_with_redis else redis), wait=False)
    line = assert_refused(second, named(first.process.pid, shared=first_with_redis))
    if first_with_redis:
        assert "those nodes share Redis, and this one, without --redis" in line
    else:
        assert "that node runs without --redis" in line
    assert len(holders(app_db)) == 1


async def test_another_schema_is_not_refused(app_db: str, other_schema: str, start_server: StartServer) -> None:
    first, other = start_server(app_db), start_server(other_schema)
    assert [name for _, _, name in holders(app_db)] == [named(first.process.pid)]
    assert [name for _, _, name in holders(other_schema)] == [named(other.process.pid)]


@pytest.mark.parametrize("stop", ["SIGKILL", "SIGTERM"])
async def test_a_node_stopped_or_killed_with_9_leaves_no_lock(
    app_db: str, start_server: StartServer, stop: str
) -> None:
    stopped = start_server(app_db)
    if stop == "SIGKILL":
        stopped.kill()
    else:
        stopped.terminate()
    after = start_server(app_db, port=stopped.port)
    assert [name for _, _, name in holders(app_db)] == [named(after.process.pid)]


async def test_workers_are_one_holder_the_serve_process(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    server = start_server(app_db, *workers_args(2, redis_url, redis_prefix))
    assert len(group_of(server.process.pid)) >= 3, "the serve process and its two workers"
    assert [(mode, name) for _, mode, name in holders(app_db)] == [
        ("ShareLock", named(server.process.pid, shared=True))
    ]
    assert_refused(start_server(app_db, wait=False), named(server.process.pid, shared=True))


def _terminate(pid: int) -> None:
    with psycopg.connect(pg.server_url(), autocommit=True) as db:
        assert db.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


async def test_a_lock_whose_connection_is_terminated_is_taken_again(app_db: str, start_server: StartServer) -> None:
    first = start_server(app_db)
    ((backend, _, _),) = holders(app_db)
    _terminate(backend)
    deadline = time.monotonic() + WAIT
    while [(pid != backend, name) for pid, _, name in holders(app_db)] != [(True, named(first.process.pid))]:
        assert time.monotonic() < deadline, f"the lock was not taken again:\n{first.stderr}"
        await asyncio.sleep(0.1)
    assert_refused(start_server(app_db, wait=False), named(first.process.pid))
    async with client_for(first) as http:
        await LiveClient(http).ok("get_room_list", {})
    said = [
        line.split(" serve lock: ", 1)[1] for line in first.stderr.splitlines() if "WARNING" in line or "ERROR" in line
    ]
    schema = pg.schema_of(app_db)
    assert said == [
        f"the connection holding the lock on schema {schema} was lost; taking it again "
        "(this node goes on serving meanwhile)"
    ], first.stderr
    assert f"serve lock: taken again on schema {schema}" in first.stderr
    assert first.process.poll() is None


# serving_postgres in this process ---------------------------------------------------------------------------------


async def test_exclusive_and_shared_holders_refuse_each_other(database_url: str) -> None:
    async with (
        serving_postgres(database_url, shared=True, description="test shared a"),
        serving_postgres(database_url, shared=True, description="test shared b"),
    ):
        with pytest.raises(ServeLockRefused) as caught:
            async with serving_postgres(database_url, shared=False, description="test exclusive"):
                pass
    assert sorted(holder.application_name for holder in caught.value.holders) == ["test shared a", "test shared b"]
    assert all(holder.shared and holder.pid for holder in caught.value.holders)
    assert caught.value.schema == pg.schema_of(database_url)
    async with serving_postgres(database_url, shared=False, description="test exclusive"):
        with pytest.raises(ServeLockRefused) as caught:
            async with serving_postgres(database_url, shared=True, description="test shared"):
                pass
    assert [(h.application_name, h.shared) for h in caught.value.holders] == [("test exclusive", False)]
    assert holders(database_url) == []  # released at the end of each block


async def test_a_lock_taken_by_another_while_lost_is_an_error_naming_it_then_taken_back(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=postgres_serve_lock.__name__)
    intruder = pg.with_application_name(database_url, f"intruder {os.getpid()}")
    async with serving_postgres(database_url, shared=False, description="test node", check_every=0.2) as lock:
        ((backend, _, _),) = holders(database_url)
        with psycopg.connect(intruder, autocommit=True) as other:
            # Waits for the lock, and has it the moment the node's backend is gone, before the node reconnects.
            waiting = asyncio.create_task(
                asyncio.to_thread(
                    other.execute,
                    "SELECT pg_advisory_lock(%s, hashtext(current_schema()))",
                    (postgres_serve_lock.SERVE_KEY,),
                )
            )
            await asyncio.sleep(0.3)
            _terminate(backend)
            await asyncio.wait_for(waiting, WAIT)
            await wait_for(lambda: any(r.levelno == logging.ERROR for r in caplog.records))
            await asyncio.sleep(1.0)  # several checks meanwhile: still one error line
        # The intruder's session ended with its connection: the node takes the lock back.
        await wait_for(lambda: lock.held)
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in messages] == ["WARNING", "ERROR", "INFO"], messages
    assert f"is now served by intruder {os.getpid()}" in messages[1][1]
    assert "give every node the same --redis" in messages[1][1]


async def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "not within the guard"
        await asyncio.sleep(0.05)


def test_a_long_host_name_is_shortened_so_that_pid_and_redis_stay_in_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL keeps 63 bytes of an application_name."""
    monkeypatch.setattr(socket, "gethostname", lambda: "node-" + "é" * 40)
    name = serve_lock.description(shared=True)
    assert len(name.encode()) <= 63 and name.endswith(f" pid {os.getpid()} --redis"), name
    assert name.startswith("liveroom serve node-é")
