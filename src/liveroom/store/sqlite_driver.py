"""The shared transaction's calls on the standard library's sqlite3.

Each statement takes microseconds, so it runs on the event loop thread instead of hopping to a worker thread
(aiosqlite measured 100x slower per statement); the coroutines here never suspend.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from liveroom.store.sql import Batch, Row, Statement


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
