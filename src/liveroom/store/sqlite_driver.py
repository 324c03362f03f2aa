"""The shared transaction's calls on the standard library's sqlite3.

Each statement takes microseconds, so it runs on the event loop thread instead of hopping to a worker thread
(aiosqlite measured 100x slower per statement); the coroutines here never suspend.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Iterable, Sequence
from typing import Any

from liveroom.store.sql import Batch, Row, Statement

log = logging.getLogger("liveroom.store")


def _bound(statement: Statement, args: Sequence[Any]) -> Sequence[Any]:
    """The arguments with each list parameter as the JSON array ``json_each`` reads (callers test
    ``statement.lists`` first: most statements have none, and a call costs more than the test)."""
    values = list(args)
    for i in statement.lists:
        values[i] = json.dumps(values[i])
    return values


class SQLiteConnection:
    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def fetchall(self, statement: Statement, args: Sequence[Any] = ()) -> list[Row]:
        return self._db.execute(statement.sqlite, _bound(statement, args) if statement.lists else args).fetchall()

    async def fetchone(self, statement: Statement, args: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self._db.execute(
            statement.sqlite, _bound(statement, args) if statement.lists else args
        ).fetchone()
        return row

    async def execute(self, statement: Statement, args: Sequence[Any] = ()) -> int:
        return self._db.execute(statement.sqlite, _bound(statement, args) if statement.lists else args).rowcount

    async def executemany(self, statement: Statement, rows: Iterable[Sequence[Any]]) -> None:
        if statement.lists:
            rows = [_bound(statement, row) for row in rows]
        self._db.executemany(statement.sqlite, rows)

    async def run_batch(self, batch: Batch, args: Sequence[Any]) -> list[Row]:
        rows: list[Row] = []
        start = 0
        for statement, width in zip(batch.sqlite, batch.widths, strict=True):
            rows = await self.fetchall(statement, args[start : start + width])
            start += width
        return rows

    async def notify_apps_changed(self, version: int) -> None:
        """Nothing to send: other processes notice any commit through the database file itself."""


def create_private(path: str) -> None:
    """Create the database file owner-only (0600) when it is not there, before SQLite does (with the umask's
    0644): it holds the apps' secret keys, and SQLite gives its -wal and -shm files the database file's mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def warn_if_shared(path: str) -> None:
    """An existing database that other users can read is left as it is (an operator may share it on purpose, with
    a backup group say), with a warning naming the fix."""
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            mode = stat.S_IMODE(os.stat(name).st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            log.warning(
                "%s can be read by other users (mode %o) and holds the apps' secret keys: chmod 600 %s",
                name,
                mode,
                name,
            )
