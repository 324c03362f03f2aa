"""Alembic migrations, applied programmatically: on server start, and by ``liveroom db upgrade``."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, pool
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock's first key: "live" in ASCII, the second is the schema's hash.
_PG_LOCK_KEY = 0x6C697665


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy's migration engine needs for a liveroom database URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _engine(url: str, *, exclusive: bool = False) -> Engine:
    """``exclusive``: each transaction first takes the database's write lock (SQLite), so that processes
    migrating one database at the same moment run one after the other instead of both creating tables."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":

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

    elif engine.dialect.name == "postgresql" and exclusive:

        @event.listens_for(engine, "begin")
        def _lock(connection: Connection) -> None:
            # Held to the end of the (transactional-DDL) upgrade; one lock per schema, so nodes starting at once
            # migrate one after the other and the later ones find the schema at head.
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%(key)s, hashtext(coalesce(current_schema(), '')))", {"key": _PG_LOCK_KEY}
            )

    return engine


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    engine = _engine(url, exclusive=True)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    engine = _engine(url, exclusive=True)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()
