"""The store for many nodes: PostgreSQL through asyncpg, on the schema the Alembic migrations make.

The SQL is the shared transaction's (``transaction``); this module runs it on pooled connections. Write
transactions run at READ COMMITTED and lock what they read (see ``transaction``), on connections that wait between
two writes inside an open, empty transaction (``postgres_writes``: no BEGIN to send). Read transactions are
REPEATABLE READ and READ ONLY: one snapshot per scope, as SQLite gives, and never a serialization failure.

``get_room`` (the hot read) answers the reads of one moment with one statement and keeps rooms by their row
version (``postgres_rooms``). ``app_version()`` runs on every request, so it answers from memory; a connection
LISTENs on a channel that ``bump_app_version`` NOTIFYs on commit and drops the cached value, so a change made by any
process is seen on the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from liveroom import background
from liveroom.store import migrate
from liveroom.store.interface import ConnectionLost, TransactionConflict, count_commit
from liveroom.store.postgres_rooms import RoomInserts, RoomReads, RoomUpdates
from liveroom.store.postgres_writes import COMMIT_BEGIN, ROLLBACK_BEGIN, WriteConnections
from liveroom.store.queries.apps import APP_VERSION
from liveroom.store.queries.rooms import COUNT_ROOMS
from liveroom.store.records import RoomChanges, RoomRecord, given_fields
from liveroom.store.sql import Batch, Row, Statement
from liveroom.store.transaction import Transaction

log = logging.getLogger(__name__)

CHANNEL = "liveroom_app_version"
_RECONNECT_SECONDS = 1.0
# How long close waits for connections still in use (a request being answered) before closing them.
_CLOSE_SECONDS = 10.0
_NOTIFY = "SELECT pg_notify($1, $2)"
_APP_VERSION = APP_VERSION.postgres
# In milliseconds, 0 when off: the server closes a connection left idle inside a transaction that long.
_IDLE_IN_TRANSACTION_TIMEOUT = (
    "SELECT setting::bigint FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'"
)
# Connections of the pool write transactions never take: the reads' (``postgres_rooms`` runs 2 batches at once).
READ_CONNECTIONS = 2

if TYPE_CHECKING:
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]


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


class _ReadScope:
    """``async with`` block around one read transaction on one pooled connection.

    A connection found broken is dropped (terminated: the pool connects a new one). At BEGIN the scope takes another
    connection, once; later it raises ``ConnectionLost``."""

    __slots__ = ("_db", "_store")

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._db: Connection | None = None

    async def __aenter__(self) -> Transaction:
        store = self._store
        for attempt in range(2):
            db = await store.acquire()
            try:
                await db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            except BaseException as exc:
                if not _lost(exc, db):
                    await _release(store.pool, db, exc)
                    raise
                await store.drop(db)
                if attempt:
                    raise ConnectionLost("database: the connection was lost; retry later") from exc
                continue
            self._db = db
            return Transaction(PostgresConnection(db), write=False)
        raise AssertionError("unreachable")

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        db, self._db = self._db, None
        assert db is not None
        store = self._store
        if isinstance(exc, BaseException) and _lost(exc, db):
            await store.drop(db)
            raise ConnectionLost("database: the connection was lost; retry later") from exc
        if isinstance(exc, BaseException) and not isinstance(exc, Exception):
            await _release(store.pool, db, exc)  # cancelled, maybe mid-statement: closing the connection rolls back
            return
        if exc is not None:
            try:
                await db.execute("ROLLBACK")
            except BaseException:
                # The connection is broken; the error worth raising is the one that ended the block.
                await store.drop(db)
            else:
                await store.pool.release(db)
            return
        try:
            await db.execute("COMMIT")
        except BaseException as error:
            if not _lost(error, db):
                await _release(store.pool, db, error)
                raise
            await store.drop(db)  # a read-only transaction has read what it read
            return
        await store.pool.release(db)


class _WriteScope:
    """``async with`` block around one write transaction, on a connection kept inside an open empty transaction
    (``postgres_writes``): no BEGIN to send; the scope ends with ``COMMIT; BEGIN``, or ``ROLLBACK; BEGIN``.
    A connection found broken is dropped. Before the first statement the scope takes another connection, once;
    later it raises ``ConnectionLost`` (nothing committed: the operation may run again)."""

    __slots__ = ("_db", "_store", "_tx")

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._db: Connection | None = None
        self._tx: Transaction | None = None

    async def __aenter__(self) -> Transaction:
        self._db, _ = await _take(self._store, transaction=True)
        self._tx = Transaction(PostgresConnection(self._db), write=True)
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        db, tx = self._db, self._tx
        assert db is not None and tx is not None
        self._db = self._tx = None
        await _end_transaction(self._store, db, tx, exc)


async def _take(store: PostgresStore, *, transaction: bool) -> tuple[Connection, bool]:
    """A write connection and whether it is inside a transaction (always, with ``transaction``). A connection found
    broken by what had to be sent first is dropped and another taken, once."""
    for attempt in range(2):
        db, before, inside = await store.writes.take(transaction=transaction)
        if before is not None:
            try:
                await db.execute(before)
            except BaseException as exc:
                if not _lost(exc, db):
                    await store.release_write(db, exc)
                    raise
                await store.drop_write(db)
                if attempt:
                    raise ConnectionLost("database: the connection was lost; retry later") from exc
                continue
        return db, inside
    raise AssertionError("unreachable")


async def _end_transaction(store: PostgresStore, db: Connection, tx: Transaction, exc: object) -> None:
    """End the write transaction on ``db`` as the block ended (``exc``): commit, roll back, or drop it."""
    if not isinstance(exc, BaseException):
        await _commit(store, db, tx)
        return
    if _lost(exc, db):
        await store.drop_write(db)
        raise ConnectionLost("database: the connection was lost; retry later") from exc
    if not isinstance(exc, Exception):
        await store.release_write(db, exc)  # cancelled, maybe mid-statement: closing the connection rolls back
        return
    try:
        await db.execute(ROLLBACK_BEGIN)
    except BaseException:
        # The connection is broken; the error worth raising is the one that ended the block.
        await store.drop_write(db)
    else:
        store.writes.keep(db)
    _raise_conflict(exc)


def _raise_conflict(exc: Exception) -> None:
    if isinstance(exc, asyncpg.exceptions.TransactionRollbackError):
        raise TransactionConflict(
            f"database: the write met another one at the same time and was undone ({exc.sqlstate}); retry"
        ) from exc


async def _commit(store: PostgresStore, db: Connection, tx: Transaction) -> None:
    try:
        # Answered after the COMMIT (WAL flush included). A COMMIT that fails ends the transaction in PostgreSQL
        # and the BEGIN after it is not run: the connection is sound and outside any transaction.
        await db.execute(COMMIT_BEGIN)
    except BaseException as exc:
        # asyncpg refuses to send on a connection it knows closed (InterfaceError) or left between two states:
        # then the transaction was never committed. Otherwise the COMMIT may have reached the server.
        unsent = isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError)
        if not unsent:
            count_commit()
        if not _lost(exc, db):
            await store.release_write(db, exc)
            raise
        await store.drop_write(db)
        if unsent:
            raise ConnectionLost("database: the connection was lost; retry later") from exc
        raise ConnectionLost(
            "database: the connection was lost while committing; the change may have been made",
            committing=True,
        ) from exc
    count_commit()
    store.writes.keep(db)
    _committed(store, tx)


def _committed(store: PostgresStore, tx: Transaction) -> None:
    if tx.apps_changed:
        store.invalidate_app_version()
    if tx.outbox_written:
        store.outbox_committed()


class _OneStatement(PostgresConnection):
    """A connection outside any transaction, for one read statement: its own snapshot, no BEGIN, no COMMIT."""

    __slots__ = ("_used",)

    def __init__(self, db: Connection) -> None:
        super().__init__(db)
        self._used = False

    def _once(self) -> None:
        if self._used:
            raise AssertionError("store.read_one() runs one statement; use store.read() for more")
        self._used = True

    async def fetchall(self, statement: Statement, args: Sequence[Any] = ()) -> list[Row]:
        self._once()
        return await super().fetchall(statement, args)

    async def fetchone(self, statement: Statement, args: Sequence[Any] = ()) -> Row | None:
        self._once()
        return await super().fetchone(statement, args)


class _StatementScope:
    """``async with`` block around one read statement on one pooled connection (one round trip instead of three)."""

    __slots__ = ("_db", "_store")

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._db: Connection | None = None

    async def __aenter__(self) -> Transaction:
        self._db = await self._store.acquire()
        return Transaction(_OneStatement(self._db), write=False)

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        db, self._db = self._db, None
        assert db is not None
        pool = self._store.pool
        if isinstance(exc, BaseException) and _lost(exc, db):
            await self._store.drop(db)
            raise ConnectionLost("database: the connection was lost; retry later") from exc
        await pool.release(db)


class _Autocommit(PostgresConnection):
    """A write connection for one changing statement: reads after it (to explain a refusal) are allowed, a second
    change is refused. Outside a transaction the statement commits on its own, so it counts as a COMMIT sent."""

    __slots__ = ("alone", "sent")

    def __init__(self, db: Connection, *, alone: bool) -> None:
        super().__init__(db)
        self.alone = alone
        self.sent = False

    @property
    def db(self) -> Connection:
        return self._db

    def _change(self) -> None:
        if self.sent:
            raise AssertionError("store.write_one() runs one change; use store.write() for more")
        self.sent = True
        if self.alone:
            count_commit()  # counted before it is sent, as a COMMIT is

    async def execute(self, statement: Statement, args: Sequence[Any] = ()) -> int:
        self._change()
        return await super().execute(statement, args)

    async def executemany(self, statement: Statement, rows: Iterable[Sequence[Any]]) -> None:
        self._change()
        await super().executemany(statement, rows)

    async def notify_apps_changed(self, version: int) -> None:
        raise AssertionError("store.write_one(): an app change notifies in the transaction that makes it")

    async def fetch_change(self, query: str, args: Sequence[Any]) -> list[Row]:
        self._change()
        return cast(list[Row], await self._db.fetch(query, *args))


class _AutocommitScope:
    """``async with`` block around a write of exactly one changing statement, on a write connection kept outside any
    transaction: the statement commits on its own (WAL flush included) before it is answered, one round trip where
    a write transaction takes two (the statement, then ``COMMIT; BEGIN``). When only connections inside a
    transaction are at hand, the statement runs in one and the scope ends as a write transaction does."""

    __slots__ = ("_conn", "_store", "_tx")

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._conn: _Autocommit | None = None
        self._tx: Transaction | None = None

    async def __aenter__(self) -> Transaction:
        db, inside = await _take(self._store, transaction=False)
        self._conn = _Autocommit(db, alone=not inside)
        self._tx = Transaction(self._conn, write=True)
        return self._tx

    async def fetch_change(self, query: str, *args: Any) -> list[Row]:
        """The scope's change as a statement written for PostgreSQL alone (``postgres_rooms``); its rows."""
        assert self._conn is not None
        return await self._conn.fetch_change(query, args)

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        conn, tx = self._conn, self._tx
        assert conn is not None and tx is not None
        self._conn = self._tx = None
        db = conn.db
        store = self._store
        if not conn.alone:
            await _end_transaction(store, db, tx, exc)
            return
        if isinstance(exc, BaseException) and _lost(exc, db):
            await store.drop_write(db)
            if conn.sent:
                raise ConnectionLost(
                    "database: the connection was lost while writing; the change may have been made", committing=True
                ) from exc
            raise ConnectionLost("database: the connection was lost; retry later") from exc
        if isinstance(exc, BaseException) and not isinstance(exc, Exception):
            await store.release_write(db, exc)  # cancelled, maybe mid-statement: closing the connection ends it
            return
        # A statement that failed was undone by PostgreSQL: the connection is outside any transaction either way.
        store.writes.keep(db, inside=False)
        if isinstance(exc, Exception):
            _raise_conflict(exc)
            return
        _committed(store, tx)


# What a broken connection raises: the network, the server going away or terminating the backend (57P01 ...), and
# asyncpg's protocol left between two states by either.
_LOST = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InternalClientError,
)


def _lost(exc: BaseException, db: Connection) -> bool:
    """``exc`` means ``db`` can no longer be used (an error of a statement, on a sound connection, does not)."""
    if isinstance(exc, _LOST):
        return True
    try:
        return db.is_closed()
    except asyncpg.InterfaceError:  # the pool has detached it already: it was closed
        return True


async def _release(pool: Pool, db: Connection, exc: BaseException) -> None:
    """Give ``db`` back after ``exc`` ended a BEGIN or a COMMIT on a sound connection. A cancellation (a request
    whose client left, a background task stopped at shutdown) may leave the statement half done, the transaction
    open: that connection is closed rather than rolled back by the pool, which would complain on stderr."""
    if isinstance(exc, Exception):
        await pool.release(db)
        return
    with contextlib.suppress(asyncpg.InterfaceError):
        db.terminate()
    await pool.release(db)


def _retrieved(task: asyncio.Task[int]) -> None:
    """Its error was raised to every request that awaited it; none may be left to await it (all cancelled)."""
    if not task.cancelled():
        task.exception()


async def _keep_session(_db: object) -> None:
    """Pool release without asyncpg's reset query (a round trip per scope): no session state is ever set.

    The pool still rolls back a transaction left open before it calls this."""


class PostgresStore:
    """PostgreSQL for many nodes (``postgresql://user@host:port/db``, libpq URL parameters such as
    ``options=-csearch_path%3Dschema`` included). ``open`` migrates, under an advisory lock."""

    reconnects = True

    def __init__(
        self, url: str, *, min_connections: int = 2, max_connections: int = 10, migrate_on_open: bool = True
    ) -> None:
        if max_connections <= READ_CONNECTIONS:
            # Kept write connections never serve a read: the reads need their own.
            raise ValueError(f"max_connections: at least {READ_CONNECTIONS + 1}")
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
        self._rooms = RoomReads(self._fetch_all)
        self._inserts = RoomInserts(self._change_rooms)
        self._updates = RoomUpdates(self._change_rooms)
        self.writes = WriteConnections(self.acquire, limit=self._write_limit())
        self._version_read: tuple[int, asyncio.Task[int]] | None = None

    def _write_limit(self) -> int:
        return self._max - READ_CONNECTIONS

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
        self.writes = WriteConnections(self.acquire, limit=self._write_limit())
        try:
            timeout = await self._fetch(_IDLE_IN_TRANSACTION_TIMEOUT)
            assert timeout is not None
            if timeout[0]:
                self.writes.expire_after(timeout[0] / 2000)
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
        await self._rooms.close()
        await self._inserts.close()
        await self._updates.close()
        self.writes.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                # asyncpg's close waits for every connection to come back, without end.
                await asyncio.wait_for(pool.close(), _CLOSE_SECONDS)
            except TimeoutError:
                log.warning("database: connections still in use after %.0f s at close; closed at once", _CLOSE_SECONDS)
                pool.terminate()
        self.invalidate_app_version()

    def read(self) -> _ReadScope:
        return _ReadScope(self)

    def read_one(self) -> _StatementScope:
        return _StatementScope(self)

    def write(self) -> _WriteScope:
        return _WriteScope(self)

    def write_one(self) -> _AutocommitScope:
        # A refusal must come before the change or from it (no row matched): nothing after it can undo it.
        return _AutocommitScope(self)

    async def count_rooms(self) -> int:
        # A connection per count: the count runs every few seconds, a held connection would cost the database more.
        db = await asyncpg.connect(self.url)
        try:
            return int(await db.fetchval(COUNT_ROOMS.postgres))
        finally:
            await db.close()

    async def drop(self, db: Connection) -> None:
        """Close the connection at once and release it: a new one takes its place in the pool. The pool's other
        connections, and those kept for writes, are replaced as they are next taken: what broke one (a server
        restart, a failover, a network cut, backends terminated) has usually broken them all, and each would fail a
        request before being found out."""
        with contextlib.suppress(asyncpg.InterfaceError):
            db.terminate()
        self.writes.discard()
        await self.pool.expire_connections()
        await self.pool.release(db)

    async def drop_write(self, db: Connection) -> None:
        await self.drop(db)
        self.writes.returned()

    async def release_write(self, db: Connection, exc: BaseException) -> None:
        await _release(self.pool, db, exc)
        self.writes.returned()

    async def acquire(self) -> Connection:
        try:
            return await self.pool.acquire()
        except _LOST as exc:
            raise ConnectionLost("database: cannot connect; retry later") from exc

    async def _fetch(self, query: str, *args: Any) -> Row | None:
        """One read statement outside a transaction, on a second connection when the first is found broken."""
        rows = await self._fetch_all(query, *args)
        return rows[0] if rows else None

    async def _fetch_all(self, query: str, *args: Any) -> list[Row]:
        for attempt in range(2):
            db = await self.acquire()
            try:
                rows = cast(list[Row], await db.fetch(query, *args))
            except BaseException as exc:
                if not _lost(exc, db):
                    await self.pool.release(db)
                    raise
                await self.drop(db)
                if attempt:
                    raise ConnectionLost("database: the connection was lost; retry later") from exc
                continue
            await self.pool.release(db)
            return rows
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        await self._fetch("SELECT 1")

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        # The reads of a moment share one statement, itself a snapshot: no BEGIN, no COMMIT (``postgres_rooms``).
        return await self._rooms.get(sdkappid, room_id)

    async def insert_room(self, sdkappid: int, room: RoomRecord, *, owner_known: bool) -> bool:
        return await self._counted(self._inserts.add((sdkappid, room, owner_known)))

    async def update_room(self, sdkappid: int, room_id: str, changes: RoomChanges) -> bool:
        if not given_fields(changes):  # would write the row again as it is
            return await self.get_room(sdkappid, room_id) is not None
        return await self._counted(self._updates.add((sdkappid, room_id, changes)))

    @staticmethod
    async def _counted(change: Awaitable[bool]) -> bool:
        """A change of ``postgres_rooms``, made in its batch's task by a statement that commits on its own: the
        COMMIT it was is counted in this one (a request's), as the request's own would be."""
        try:
            changed = await change
        except ConnectionLost as exc:
            if exc.committing:
                count_commit()
            raise
        if changed:
            count_commit()
        return changed

    async def _change_rooms(self, query: str, *args: Any) -> list[Row]:
        scope = self.write_one()
        async with scope:
            return await scope.fetch_change(query, *args)

    # app version --------------------------------------------------------------------------------------------
    async def app_version(self) -> int:
        """The apps version from memory while the listener is connected; from the database while it is not."""
        if self._listener is None:
            self._start_reconnect()
            return await self._read_app_version()
        if self._app_version is not None:
            return self._app_version
        # The requests that find the version dropped share one read, as long as no change was notified since it
        # started (a read started before a change may answer the version before it).
        reading = self._version_read
        if reading is None or reading[0] != self._generation:
            task = asyncio.get_running_loop().create_task(self._keep_app_version(self._generation))
            task.add_done_callback(_retrieved)
            reading = self._version_read = (self._generation, task)
        return await asyncio.shield(reading[1])

    async def _keep_app_version(self, generation: int) -> int:
        try:
            version = await self._read_app_version()
        finally:
            if self._version_read is not None and self._version_read[0] == generation:
                self._version_read = None
        # A notification that arrived during the read may be about a newer version than the one read.
        if generation == self._generation:
            self._app_version = version
        return version

    def invalidate_app_version(self) -> None:
        self._generation += 1
        self._app_version = None

    async def _read_app_version(self) -> int:
        row = await self._fetch(_APP_VERSION)
        return 0 if row is None or row[0] is None else int(row[0])

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
            listener.terminate()
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
        except (*_LOST, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("cannot listen for app changes yet: %s", type(exc).__name__)
        finally:
            self._reconnect = None
