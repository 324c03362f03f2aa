"""One server whatever the process count (DESIGN.md): what cannot be one server is refused at start, and what
starts is one server.

Refused: ``--workers N`` without Redis (tests/cli/test_startup_failures.py) and a second ``liveroom serve`` on a
SQLite file that one already serves, checked here with real processes: the lock is the serving process's, the
other commands work beside it, and a server killed with -9 leaves no lock behind.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

from liveroom.cli import serve_lock
from liveroom.cli.exits import ExitStatus
from liveroom.store import path_of
from tests.helpers import ADMIN, SDKAPPID, LiveClient
from tests.redis.conftest import redis_prefix, redis_url
from tests.test_server_process import (
    START_TIMEOUT,
    Server,
    StartServer,
    app_db,
    connect,
    run_cli,
    start_server,
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
