"""Alembic migrations, applied programmatically: on server start, and by ``liveroom db upgrade``.

SQLite migrates through the standard library's driver. PostgreSQL migrates through asyncpg, the driver that serves
requests (SQLAlchemy's asyncio engine, with asyncpg parsing the URL itself so that every libpq parameter it knows,
``options=-csearch_path=...`` included, means the same to both).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, pool
from sqlalchemy.engine import Connection, Engine

from liveroom.store import SQLITE_SCHEME, path_of
from liveroom.store.sqlite_driver import create_private

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock's first key: "live" in ASCII, the second is the schema's hash.
_PG_LOCK_KEY = 0x6C697665


_POSTGRES = ("postgresql://", "postgres://")
_T = TypeVar("_T")


def _sqlite_engine(url: str, *, exclusive: bool = False) -> Engine:
    """``exclusive``: each transaction first takes the database's write lock, so that processes migrating one
    database at the same moment run one after the other instead of both creating tables."""
    engine = create_engine(url, poolclass=pool.NullPool)

    @event.listens_for(engine, "connect")
    def _wal(dbapi_conn: object, _record: object) -> None:
        cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA busy_timeout=10000")
        # Switching a new file to WAL can answer "locked" at once, busy handler or not, while another process
        # migrating it holds a lock: try again for as long as busy_timeout would wait.
        deadline = time.monotonic() + 10
        while True:
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        cursor.close()
        # SQLAlchemy emits BEGIN (below) instead of the driver, which would begin only at the first DML.
        dbapi_conn.isolation_level = None  # type: ignore[attr-defined]

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # IMMEDIATE: the write lock before the revision is read; the whole upgrade is one transaction.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if exclusive else "BEGIN")

    return engine


async def _on_postgres(url: str, run: Callable[[Connection], _T], *, exclusive: bool) -> _T:
    # Imported here: the `postgres` extra (asyncpg, SQLAlchemy's asyncio support) is needed only by who names it.
    import asyncpg  # noqa: PLC0415
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    engine = create_async_engine(
        "postgresql+asyncpg://", async_creator=lambda: asyncpg.connect(url), poolclass=pool.NullPool
    )
    if exclusive:

        @event.listens_for(engine.sync_engine, "begin")
        def _lock(connection: Connection) -> None:
            # Held to the end of the (transactional-DDL) upgrade; one lock per schema, so nodes starting at once
            # migrate one after the other and the later ones find the schema at head.
            connection.exec_driver_sql(
                f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY}, hashtext(coalesce(current_schema(), '')))"
            )

    try:
        async with engine.begin() as connection:
            return await connection.run_sync(run)
    finally:
        await engine.dispose()


def _run(url: str, run: Callable[[Connection], _T], *, exclusive: bool = False) -> _T:
    """``run`` on a connection to the database, in one transaction (blocking; call from a thread in a server)."""
    if url.startswith(_POSTGRES):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(_on_postgres(url, run, exclusive=exclusive))
        # Called (blocking) from a coroutine: the migration gets an event loop of its own, in a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, _on_postgres(url, run, exclusive=exclusive)).result()
    engine = _sqlite_engine(url, exclusive=exclusive)
    try:
        with engine.begin() as connection:
            return run(connection)
    finally:
        engine.dispose()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _command(action: Callable[[Config, str], None], revision: str) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = _config()
        config.attributes["connection"] = connection
        action(config, revision)

    return run


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate to ``revision``; a SQLite file that is not there is created, owner-only."""
    if url.startswith(SQLITE_SCHEME):
        create_private(path_of(url))
    _run(url, _command(command.upgrade, revision), exclusive=True)


def downgrade(url: str, revision: str) -> None:
    _run(url, _command(command.downgrade, revision), exclusive=True)


def current(url: str) -> str | None:
    return _run(url, lambda connection: MigrationContext.configure(connection).get_current_revision())


def head() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()
