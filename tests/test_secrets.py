"""Secrets at rest and in logs: the SQLite database (which holds the apps' secret keys) is owner-only, and a UserSig
put in the WebSocket URL never reaches a log line."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect as ws_connect

from liveroom.store import open_store
from tests.helpers import tencent_sig
from tests.test_server_process import StartServer, app_db, run_cli, start_server

__all__ = ["app_db", "start_server"]  # fixtures, imported to be found by pytest


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask of most systems: files readable by everyone unless their creator says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(database: Path) -> dict[str, int]:
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in files if path.exists()}


@pytest.mark.usefixtures("usual_umask")
async def test_the_server_creates_the_database_and_its_wal_and_shm_files_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "liveroom.db"
    store = open_store(f"sqlite:///{database}")
    await store.open()
    try:
        async with store.write() as tx:
            await tx.bump_app_version()
        assert modes(database) == {"liveroom.db": 0o600, "liveroom.db-wal": 0o600, "liveroom.db-shm": 0o600}
    finally:
        await store.close()


@pytest.mark.usefixtures("usual_umask")
def test_the_command_line_creates_the_database_owner_only(tmp_path: Path) -> None:
    for command, name in ((["db", "upgrade"], "upgraded.db"), (["app", "create"], "created.db")):
        run_cli(*command, "--database", f"sqlite:///{tmp_path / name}")
        assert set(modes(tmp_path / name).values()) == {0o600}, name


@pytest.mark.usefixtures("usual_umask")
async def test_a_database_others_can_read_is_left_as_it_is_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "shared.db"
    database.touch(mode=0o644)
    store = open_store(f"sqlite:///{database}")
    with caplog.at_level(logging.WARNING, logger="liveroom.store"):
        await store.open()
    await store.close()
    assert modes(database)["shared.db"] == 0o644  # an operator may share it on purpose (a backup group ...)
    assert [record.getMessage() for record in caplog.records] == [
        f"{database} can be read by other users (mode 644) and holds the apps' secret keys: chmod 600 {database}"
    ]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_usersig_in_the_websocket_url_is_not_logged(start_server: StartServer, app_db: str, log_format: str) -> None:
    server = start_server(app_db, "--access-log", "--log-format", log_format)
    sig = tencent_sig("alice")
    with ws_connect(f"ws://127.0.0.1:{server.port}/realtime?usersig={sig}&identifier=alice", open_timeout=10) as ws:
        ws.send('{"type": "heartbeat"}')
        ws.recv(timeout=10)
    server.terminate()
    stderr = server.stderr
    assert '"WebSocket /realtime' in stderr.replace('\\"', '"')  # uvicorn's line is there, without its query
    assert sig not in stderr
    assert "usersig" not in stderr
