"""The store for many nodes: PostgreSQL through asyncpg, on the schema the Alembic migrations make.

The SQL is the shared transaction's (``transaction``); this module runs it on pooled connections. Write
transactions run at READ COMMITTED and lock what they read (see ``transaction``). Read transactions are
REPEATABLE READ and READ ONLY: one snapshot per scope, as SQLite gives, and never a serialization failure.

``app_version()`` runs on every request, so it answers from memory; a connection LISTENs on a channel that
``bump_app_version`` NOTIFYs on commit and drops the cached value, so a change made by any process is seen on
the next request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from liveroom import background
from liveroom.store import migrate
from liveroom.store.queries.apps import APP_VERSION
from liveroom.store.queries.rooms import COUNT_ROOMS, GET_ROOM, room_from_row
from liveroom.store.records import RoomRecord
from liveroom.store.sql import Batch, Row, Statement
from liveroom.store.transaction import Transaction

log = logging.getLogger(__name__)

CHANNEL = "liveroom_app_version"
_RECONNECT_SECONDS = 1.0
_NOTIFY = "SELECT pg_notify($1, $2)"
_GET_ROOM = GET_ROOM.postgres
_APP_VERSION = APP_VERSION.postgres

if TYPE_CHECKING:
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]


class PostgresConnection:
    """The shared transaction's calls on one asyncpg connection (statements are prepared once per connection)."""

    __slots__ = ("_db",)

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def fetchall(self, statement: Statement, args: Sequence[Any] = ()) -> list[Row]:
        return cast(list[Row], await self._db.fetch(statement.postgres, *args))

    async def fetchone(self, statement: Statement, args: Sequence[Any] = ()) -> Row | None:
        return cast(Row | None, await self._db.fetchrow(statement.postgres, *args))

    async def execute(self, statement: Statement, args: Sequence[Any] = ()) -> int:
        status = await self._db.execute(statement.postgres, *args)
        # The command tag: "UPDATE 3", "DELETE 0", "INSERT 0 1" (the last number is the row count).
        return int(status.rsplit(" ", 1)[-1])

    async def executemany(self, statement: Statement, rows: Iterable[Sequence[Any]]) -> None:
        # One round trip for all rows (asyncpg pipelines them).
        await self._db.executemany(statement.postgres, rows)

    async def run_batch(self, batch: Batch, args: Sequence[Any]) -> list[Row]:
        return await self.fetchall(batch.postgres, args)

    async def notify_apps_changed(self, version: int) -> None:
        # Delivered when the transaction commits, never before, and not at all when it rolls back.
        await self._db.execute(_NOTIFY, CHANNEL, str(version))


class _Scope:
    """``async with`` block around one transaction on one pooled connection."""

    __slots__ = ("_begin", "_db", "_store", "_tx", "_write")

    def __init__(self, store: PostgresStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        self._begin = "BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        self._db: Connection | None = None
        self._tx: Transaction | None = None

    async def __aenter__(self) -> Transaction:
        pool = self._store.pool
        db = await pool.acquire()
        try:
            await db.execute(self._begin)
        except BaseException:
            await pool.release(db)
            raise
        self._db = db
        self._tx = Transaction(PostgresConnection(db), write=self._write)
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        db, tx = self._db, self._tx
        assert db is not None and tx is not None
        self._db = self._tx = None
        pool = self._store.pool
        try:
            if exc_type is None:
                # A failed COMMIT has ended the transaction in PostgreSQL: nothing is left to roll back.
                await db.execute("COMMIT")
                if tx.apps_changed:
                    self._store.invalidate_app_version()
                if tx.outbox_written:
                    self._store.outbox_committed()
            else:
                try:
                    await db.execute("ROLLBACK")
                except Exception:
                    # The connection is broken; the error worth raising is the one that ended the block.
                    db.terminate()
        finally:
            await pool.release(db)


async def _keep_session(_db: object) -> None:
    """Pool release without asyncpg's reset query (a round trip per scope): no session state is ever set.

    The pool still rolls back a transaction left open before it calls this."""


class PostgresStore:
    """PostgreSQL for many nodes (``postgresql://user@host:port/db``, libpq URL parameters such as
    ``options=-csearch_path%3Dschema`` included). ``open`` migrates, under an advisory lock."""

    def __init__(
        self, url: str, *, min_connections: int = 2, max_connections: int = 10, migrate_on_open: bool = True
    ) -> None:
        self.url = url
        self._min = min_connections
        self._max = max_connections
        self._migrate = migrate_on_open
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._listener: asyncpg.Connection[asyncpg.Record] | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._next_reconnect = 0.0
        self._app_version: int | None = None
        self._generation = 0
        self._outbox_listeners: list[Callable[[], None]] = []

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each commit of this process that wrote webhook events."""
        self._outbox_listeners.append(listener)

    def outbox_committed(self) -> None:
        for listener in self._outbox_listeners:
            listener()

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        assert self._pool is not None, "store is not open"
        return self._pool

    async def open(self) -> None:
        if self._migrate:
            await asyncio.to_thread(migrate.upgrade, self.url)
        self._pool = await asyncpg.create_pool(self.url, min_size=self._min, max_size=self._max, reset=_keep_session)
        try:
            await self._listen()
        except BaseException:
            await self._pool.close()
            self._pool = None
            raise

    async def close(self) -> None:
        reconnect, self._reconnect = self._reconnect, None
        await background.stop(reconnect)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.remove_termination_listener(self._listener_lost)
            await listener.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        self.invalidate_app_version()

    def read(self) -> _Scope:
        return _Scope(self, write=False)

    def write(self) -> _Scope:
        return _Scope(self, write=True)

    async def count_rooms(self) -> int:
        # A connection per count: the count runs every few seconds, a held connection would cost the database more.
        db = await asyncpg.connect(self.url)
        try:
            return int(await db.fetchval(COUNT_ROOMS.postgres))
        finally:
            await db.close()

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        # One statement is its own snapshot: one round trip instead of BEGIN, SELECT, COMMIT.
        row = await self.pool.fetchrow(_GET_ROOM, sdkappid, room_id)
        return None if row is None else room_from_row(cast(Row, row))

    # app version --------------------------------------------------------------------------------------------
    async def app_version(self) -> int:
        """The apps version from memory while the listener is connected; from the database while it is not."""
        if self._listener is None:
            self._start_reconnect()
            return await self._read_app_version()
        if self._app_version is not None:
            return self._app_version
        generation = self._generation
        version = await self._read_app_version()
        # A notification that arrived during the read may be about a newer version than the one read.
        if generation == self._generation:
            self._app_version = version
        return version

    def invalidate_app_version(self) -> None:
        self._generation += 1
        self._app_version = None

    async def _read_app_version(self) -> int:
        version = await self.pool.fetchval(_APP_VERSION)
        return 0 if version is None else int(version)

    def _notified(self, _db: object, _pid: int, _channel: str, _payload: object) -> None:
        self.invalidate_app_version()

    def _listener_lost(self, _db: object) -> None:
        log.warning("lost the PostgreSQL connection listening for app changes; reading the version per request")
        self._listener = None
        self.invalidate_app_version()

    async def _listen(self) -> None:
        listener = await asyncpg.connect(self.url)
        try:
            await listener.add_listener(CHANNEL, self._notified)
        except BaseException:
            await listener.close()
            raise
        listener.add_termination_listener(self._listener_lost)
        # Only now may a version be cached: every change committed from here on is notified.
        self.invalidate_app_version()
        self._listener = listener

    def _start_reconnect(self) -> None:
        if self._reconnect is not None or self._pool is None or time.monotonic() < self._next_reconnect:
            return
        self._next_reconnect = time.monotonic() + _RECONNECT_SECONDS
        self._reconnect = asyncio.get_running_loop().create_task(self._try_listen())

    async def _try_listen(self) -> None:
        try:
            await self._listen()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for app changes yet: %s", type(exc).__name__)
        finally:
            self._reconnect = None
