"""One server whatever the process count (DESIGN.md): what cannot be one server is refused at start, and what
starts is one server.

Refused: ``--workers N`` without Redis (tests/cli/test_startup_failures.py) and a second ``liveroom serve`` on a
SQLite file that one already serves, checked here with real processes: the lock is the serving process's, the
other commands work beside it, and a server killed with -9 leaves no lock behind.

One server: ``--workers 2 --redis`` on a SQLite file, each client on a worker known from the kernel's table of
connections (which process holds the socket): members on both workers are one room (MemberCount, MaxMemberCount,
messages sent through either worker, bans, auto-dismissal). Run without Redis, these tests fail (a member sees only
its own worker's members and events). Webhooks delivered once: tests/test_webhook_processes.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path
from typing import cast

import httpx
import pytest
import typer

from liveroom.cli import serve_lock
from liveroom.cli.exits import ExitStatus
from liveroom.client import RealtimeClient
from liveroom.client.errors import PermissionDeniedError
from liveroom.client.realtime import MemberBanned, MemberEntered, MemberLeft, RoomEvent, TextMessage
from liveroom.errors import ErrorCode
from liveroom.store import path_of
from tests.helpers import ADMIN, SDKAPPID, LiveClient, tencent_sig
from tests.redis.conftest import redis_prefix, redis_url
from tests.test_server_process import (
    START_TIMEOUT,
    Server,
    StartServer,
    app_db,
    connect,
    run_cli,
    start_server,
    wait_for_workers,
    workers_args,
)

__all__ = ["app_db", "connect", "redis_prefix", "redis_url", "start_server"]  # fixtures, imported to be found

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite: the file a lock can keep to one server (several PostgreSQL nodes with Redis are one server)."""
    return f"sqlite:///{tmp_path / 'liveroom.db'}"


def refused(server: Server) -> tuple[int, str]:
    """The status of a server that must refuse to start, and its one line on stderr; it must exit quickly."""
    try:
        status = server.process.wait(START_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the second server did not exit:\n{server.stderr}") from None
    lines = server.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), server.stderr
    assert "Application startup" not in server.stderr and "Traceback" not in server.stderr
    return status, lines[0]


@pytest.mark.parametrize("spelling", ["same", "symlink"])
async def test_a_second_server_on_a_served_sqlite_file_is_refused(
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    tmp_path: Path,
    spelling: str,
) -> None:
    first = start_server(app_db)
    live = connect(first)
    await live.create_room("kept")
    database = Path(path_of(app_db))
    if spelling == "symlink":
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "link.db").symlink_to(database)
        other_url = f"sqlite:///{tmp_path / 'elsewhere' / 'link.db'}"
    else:
        other_url = app_db

    started = time.monotonic()
    status, line = refused(start_server(other_url, wait=False))
    assert status == ExitStatus.DATABASE_IN_USE
    assert time.monotonic() - started < 10
    assert f"the SQLite database {database} (--database / LIVEROOM_DATABASE_URL) is already served" in line
    assert f"another liveroom serve (pid {first.process.pid})" in line
    assert "--workers N --redis URL" in line and "PostgreSQL" in line
    # The first server goes on as before.
    assert (await live.ok("get_room_info", {"RoomId": "kept"}))["Response"]["RoomInfo"]["RoomId"] == "kept"


async def test_redis_does_not_make_two_servers_on_one_sqlite_file_one(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    """Nothing tells that two processes share one Redis and prefix: one serve per file; its workers share Redis."""
    redis = ("--redis", redis_url, "--redis-prefix", redis_prefix)
    start_server(app_db, *redis)
    status, _ = refused(start_server(app_db, *redis, wait=False))
    assert status == ExitStatus.DATABASE_IN_USE


async def test_the_other_commands_work_beside_a_running_server(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    server = start_server(app_db)
    assert "database at revision" in run_cli("db", "upgrade", "--database", app_db).stdout
    assert "current: " in run_cli("db", "current", "--database", app_db).stdout
    listed = json.loads(run_cli("app", "list", "--database", app_db, "--json").stdout)
    assert [app["SDKAppID"] for app in listed] == [SDKAPPID]
    sig = run_cli("usersig", "--sdkappid", str(SDKAPPID), "--identifier", ADMIN, "--database", app_db).stdout
    assert sig.strip()
    await connect(server).ok("get_room_list", {})


async def test_a_server_killed_with_9_leaves_no_lock(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    killed = start_server(app_db)
    lock = serve_lock.lock_path(app_db)
    assert lock.read_text() == f"{killed.process.pid}\n"
    assert lock.stat().st_mode & 0o777 == 0o600
    killed.kill()
    assert lock.exists()  # the file stays; the kernel let its lock go with the process
    after = start_server(app_db, port=killed.port)
    assert lock.read_text() == f"{after.process.pid}\n"
    await connect(after).ok("get_room_list", {})


def test_the_lock_is_released_at_the_end_of_its_block(app_db: str) -> None:
    """Two holders in one process are two open files: the second is refused as another process would be."""
    with serve_lock.serving(app_db), pytest.raises(typer.Exit) as exited, serve_lock.serving(app_db):
        pass
    assert exited.value.exit_code == ExitStatus.DATABASE_IN_USE
    with serve_lock.serving(app_db):
        pass


def test_a_lock_that_cannot_be_opened_is_one_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_lock.lock_path(database_url).mkdir()
    with pytest.raises(typer.Exit) as exited, serve_lock.serving(database_url):
        pass
    assert exited.value.exit_code == ExitStatus.DATABASE_NOT_WRITABLE
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"error: cannot open {tmp_path / 'liveroom.db.serve.lock'}, the lock that keeps")
    assert "Is a directory" in line


def alive(pid: int) -> bool:
    """Running (a zombie that nobody reaps serves nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def still_alive(pids: list[int], timeout: float) -> list[int]:
    """The processes of ``pids`` still running once all have stopped or ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    while (running := [pid for pid in pids if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running


async def test_workers_stop_when_their_serve_process_is_killed_with_9(
    app_db: str, redis_url: str, redis_prefix: str, start_server: StartServer
) -> None:
    """The lock is the serve process's: workers left serving after it died would be a second server beside the
    next serve on the same file."""
    server = start_server(app_db, *workers_args(2, redis_url, redis_prefix))
    await wait_for_workers(server, 2)
    workers = [pid for pid in group_of(server.process.pid) if pid != server.process.pid and alive(pid)]
    assert len(workers) >= 2, workers
    server.process.kill()  # the serve process only, as a crash of it would
    server.process.wait(WAIT)
    # 30 s is a guard: the workers shut down gracefully within uvicorn's 10 s.
    assert not await asyncio.to_thread(still_alive, workers, 30.0), server.stderr
    after = start_server(app_db, port=server.port)
    assert serve_lock.lock_path(app_db).read_text() == f"{after.process.pid}\n"


# --workers N with Redis on SQLite: one server ---------------------------------------------------------------------

# Long enough that a test's pinned connections stay open (and on their worker) between its steps.
WORKER_ENV = {"LIVEROOM_KEEP_ALIVE_TIMEOUT_SECONDS": "120", "LIVEROOM_EMPTY_ROOM_DISMISS_SECONDS": "1"}
ROOM = "party"
WAIT = 10.0  # a guard against a hung test, not a timing assertion


def group_of(pgid: int) -> list[int]:
    """The processes of a process group: a ``serve`` started in a session of its own and its workers."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, the last ")" ends it.
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    pids.append(int(entry.name))
    return pids


def worker_of(server: Server, client_port: int) -> int:
    """The pid of the worker of ``server`` that holds the TCP connection from ``client_port``: the socket's inode
    in the kernel's table of connections, among the file descriptors of the server's processes (Linux)."""
    holders: dict[int, int] = {}
    for pid in group_of(server.process.pid):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        holders[int(target[len("socket:[") : -1])] = pid
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, remote_port = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
            if (local_port, remote_port) == (server.port, client_port) and int(fields[9]) in holders:
                return holders[int(fields[9])]
    raise AssertionError(f"no process of the server holds the connection from port {client_port}")


class Workers:
    """Clients pinned to the workers of one server: REST callers and realtime members, each on a known worker."""

    def __init__(self, server: Server, stack: contextlib.AsyncExitStack) -> None:
        self.server = server
        self.stack = stack
        self.pids: list[int] = []

    def index(self, pid: int) -> int:
        if pid not in self.pids:
            self.pids.append(pid)
        return self.pids.index(pid)

    async def admin(self, worker: int) -> LiveClient:
        """An admin whose one kept-alive connection is served by ``worker`` (0 or 1, in the order first met)."""
        for _ in range(ATTEMPTS):
            http = httpx.AsyncClient(
                base_url=self.server.base_url, timeout=WAIT, limits=httpx.Limits(max_connections=1)
            )
            response = await http.get("/healthz")
            port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
            if self.index(worker_of(self.server, port)) == worker:
                self.stack.push_async_callback(http.aclose)
                return LiveClient(http)
            await http.aclose()
        raise AssertionError(f"no connection reached worker {worker} in {ATTEMPTS} attempts")

    async def member(self, worker: int, user: str) -> RealtimeClient:
        """``user`` connected through ``worker`` and authenticated."""
        for _ in range(ATTEMPTS):
            rt = RealtimeClient(self.server.base_url, sdkappid=SDKAPPID, identifier=user, usersig=tencent_sig(user))
            await rt.connect()
            assert rt._ws is not None
            if self.index(worker_of(self.server, rt._ws.local_address[1])) == worker:
                self.stack.push_async_callback(rt.close)
                return rt
            await rt.close()
        raise AssertionError(f"no connection reached worker {worker} in {ATTEMPTS} attempts")


ATTEMPTS = 40


@pytest.fixture
async def workers(app_db: str, redis_url: str, redis_prefix: str, start_server: StartServer) -> AsyncIterator[Workers]:
    """``liveroom serve --workers 2 --redis`` on a SQLite file, both workers answering."""
    server = start_server(app_db, *workers_args(2, redis_url, redis_prefix), env=WORKER_ENV)
    await wait_for_workers(server, 2)
    async with contextlib.AsyncExitStack() as stack:
        pinned = Workers(server, stack)
        await pinned.admin(0)
        await pinned.admin(1)
        assert len(pinned.pids) == 2
        yield pinned


async def next_event(rt: RealtimeClient) -> RoomEvent:
    events = cast(AsyncGenerator[RoomEvent, None], rt.events())
    try:
        return await asyncio.wait_for(anext(events), WAIT)
    except StopAsyncIteration:
        raise AssertionError(f"{rt.identifier}'s connection ended") from None
    except TimeoutError:
        raise AssertionError(f"no event for {rt.identifier} within {WAIT:g} s") from None
    finally:
        await events.aclose()


async def member_count(live: LiveClient, room_id: str = ROOM) -> int:
    info = await live.ok("get_room_info", {"RoomId": room_id})
    return int(info["Response"]["RoomInfo"]["MemberCount"])


async def test_members_on_two_workers_are_one_room(workers: Workers) -> None:
    """MemberCount, messages sent through either worker (REST and realtime), MaxMemberCount: as on one process."""
    admins = [await workers.admin(0), await workers.admin(1)]
    await admins[0].import_accounts("host", "ann", "bob", "cid", "dan")
    await admins[0].create_room(ROOM, Owner_Account="host", MaxMemberCount=3)
    ann, bob = await workers.member(0, "ann"), await workers.member(1, "bob")
    cid, dan = await workers.member(0, "cid"), await workers.member(1, "dan")

    await ann.enter(ROOM)
    await bob.enter(ROOM)
    # Through the other worker: ann, who entered through the first, is in the member list bob pages through.
    assert sorted([member async for member in bob.iter_members(ROOM)]) == ["ann", "bob"]
    seen = await next_event(ann)
    assert isinstance(seen, MemberEntered) and (seen.member_account, seen.member_count) == ("bob", 2)
    await cid.enter(ROOM)
    for rt in (ann, bob):
        seen = await next_event(rt)
        assert isinstance(seen, MemberEntered) and (seen.member_account, seen.member_count) == ("cid", 3)
    assert [await member_count(admin) for admin in admins] == [3, 3]
    # Full with two members on worker 0 and one on worker 1, whichever worker is asked.
    with pytest.raises(PermissionDeniedError) as refused:
        await dan.enter(ROOM)
    assert (refused.value.code, refused.value.reason) == (ErrorCode.NO_PERMISSION, "room_full")

    members = (ann, bob, cid)
    for worker, admin in enumerate(admins):
        content = f"through worker {worker}"
        await admin.ok("send_text_msg", {"RoomId": ROOM, "Sender_Account": "host", "TextContent": content})
        for rt in members:
            seen = await next_event(rt)
            assert isinstance(seen, TextMessage) and seen.text_content == content, (rt.identifier, seen)
    await bob.send_text(ROOM, "from bob on worker 1")
    for rt in members:
        seen = await next_event(rt)
        assert isinstance(seen, TextMessage) and seen.text_content == "from bob on worker 1", (rt.identifier, seen)


async def test_a_ban_through_one_worker_removes_a_member_online_on_the_other(workers: Workers) -> None:
    admin = await workers.admin(0)
    other_admin = await workers.admin(1)
    await admin.import_accounts("host", "ann", "bob")
    await admin.create_room(ROOM, Owner_Account="host")
    ann, bob = await workers.member(0, "ann"), await workers.member(1, "bob")
    await ann.enter(ROOM)
    await bob.enter(ROOM)
    assert isinstance(await next_event(ann), MemberEntered)

    await admin.ok("ban_member", {"RoomId": ROOM, "MemberList_Account": ["bob"], "Duration": 600})
    banned = await next_event(bob)
    assert isinstance(banned, MemberBanned) and banned.member_list_account == ["bob"]
    assert ROOM not in bob.rooms
    seen = [await next_event(ann), await next_event(ann)]
    assert [type(event) for event in seen] == [MemberBanned, MemberLeft], seen
    assert [await member_count(live) for live in (admin, other_admin)] == [1, 1]
    again = await workers.member(0, "bob")
    with pytest.raises(PermissionDeniedError) as refused:
        await again.enter(ROOM)
    assert (refused.value.code, refused.value.reason) == (ErrorCode.NO_PERMISSION, "banned")


async def test_a_room_empty_on_one_worker_only_is_not_dismissed(workers: Workers) -> None:
    """Auto-dismissal (after 1 s here) counts the members of both workers."""
    admin = await workers.admin(0)
    await admin.import_accounts("host", "ann", "bob")
    await admin.create_room(ROOM, Owner_Account="host")
    ann, bob = await workers.member(0, "ann"), await workers.member(1, "bob")
    await ann.enter(ROOM)
    await bob.enter(ROOM)
    assert isinstance(await next_event(ann), MemberEntered)
    await ann.leave(ROOM)  # worker 0 has nobody in the room now
    left = await next_event(bob)
    assert isinstance(left, MemberLeft) and left.member_count == 1
    await asyncio.sleep(3)
    assert await member_count(admin) == 1

    await bob.leave(ROOM)
    deadline = time.monotonic() + WAIT
    while (await admin.call("get_room_info", {"RoomId": ROOM}))["ErrorCode"] != ErrorCode.ROOM_NOT_FOUND:
        assert time.monotonic() < deadline, "the room empty on both workers was not dismissed"
        await asyncio.sleep(0.2)
