"""The embedded store: SQLite in WAL mode through the standard library's synchronous driver.

One connection writes and one reads; an asyncio lock per connection keeps one transaction block at a time on each,
so a coroutine that awaits inside a block cannot let another request see or join it. Writes share COMMITs
(``group_commit``), and the rooms ``SQLiteStore.get_room`` reads are kept in memory while no commit can have
changed them (``commit_watch``). The SQL is the shared transaction's (``transaction``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from liveroom import background
from liveroom.store import migrate, path_of
from liveroom.store.commit_watch import DATA_VERSION, CommitWatcher
from liveroom.store.group_commit import GroupCommit
from liveroom.store.queries.apps import APP_VERSION
from liveroom.store.queries.rooms import COUNT_ROOMS, GET_ROOM, room_from_row
from liveroom.store.records import RoomChanges, RoomRecord
from liveroom.store.sqlite_driver import SQLiteConnection, create_private, warn_if_shared
from liveroom.store.transaction import Transaction

# RETURNING (3.35) and json_each, which the shared SQL uses.
MIN_SQLITE_VERSION = (3, 35, 0)
# Rooms kept by SQLiteStore.get_room (about 1 KiB each); a full cache starts again empty.
ROOM_CACHE_SIZE = 32_768
# How often the write-ahead log is copied back into the database file, in a thread: SQLite's own automatic
# checkpoint runs inside a COMMIT, on the event loop, and its fsync stalled every request behind it for
# milliseconds (BENCHMARKS.md, "Webhooks": the outbox doubles the pages written).
CHECKPOINT_SECONDS = 0.5
_GET_ROOM = GET_ROOM.sqlite
_APP_VERSION = APP_VERSION.sqlite


class _ReadScope:
    """``async with`` block around one read transaction on the read connection."""

    __slots__ = ("_db", "_lock", "_tx")

    def __init__(self, db: sqlite3.Connection, lock: asyncio.Lock) -> None:
        self._db = db
        self._lock = lock
        self._tx = Transaction(SQLiteConnection(db), write=False)

    async def __aenter__(self) -> Transaction:
        await self._lock.acquire()
        try:
            self._db.execute("BEGIN")
        except BaseException:
            self._lock.release()
            raise
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                try:
                    self._db.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT leaves the transaction open; every later BEGIN would fail on it.
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            elif self._db.in_transaction:  # some errors (SQLITE_FULL, IOERR) have rolled it back already
                self._db.execute("ROLLBACK")
        finally:
            self._lock.release()


class SQLiteStore:
    """The default store. ``synchronous=NORMAL`` in WAL mode keeps every committed write across kill -9."""

    reconnects = False

    def __init__(self, url: str, *, synchronous: str = "NORMAL", migrate_on_open: bool = True) -> None:
        self.url = url
        self.path = path_of(url)
        self._synchronous = synchronous.upper()
        self._migrate = migrate_on_open
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._read_lock = asyncio.Lock()
        self._write_scope: GroupCommit | None = None
        self._read_scope: _ReadScope | None = None
        self._commits: CommitWatcher | None = None
        self._app_version: int | None = None
        # The app version read last, and the commit stamp and write connection's data_version it was valid at.
        self._app_stamp: object = None
        self._app_data_version: int | None = None
        self._rooms: dict[tuple[int, str], RoomRecord] = {}
        self._rooms_stamp: object = None
        self._outbox_listeners: list[Callable[[], None]] = []
        self._checkpointer: asyncio.Task[None] | None = None

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each commit of this process that wrote webhook events."""
        self._outbox_listeners.append(listener)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {self._synchronous}")
        return db

    async def open(self) -> None:
        if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
            raise RuntimeError(
                f"liveroom needs SQLite {'.'.join(map(str, MIN_SQLITE_VERSION))} or newer; this Python links "
                f"{sqlite3.sqlite_version} (use a newer Python build, or PostgreSQL)"
            )
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        warn_if_shared(self.path)
        create_private(self.path)
        if self._migrate:
            migrate.upgrade(self.url)
        self._writer = self._connect()
        self._reader = self._connect()
        # A read makes sure the WAL index exists before it is mapped.
        self._reader.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        self._commits = CommitWatcher(self.path, self._writer)
        self._app_version = self._app_data_version = None
        self._app_stamp = self._rooms_stamp = None
        self._rooms.clear()
        self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        self._write_scope = GroupCommit(self._writer, self._committed)
        self._read_scope = _ReadScope(self._reader, self._read_lock)
        self._checkpointer = asyncio.get_running_loop().create_task(
            self._checkpoints(), name="liveroom-sqlite-checkpoint"
        )

    async def close(self) -> None:
        checkpointer, self._checkpointer = self._checkpointer, None
        await background.stop(checkpointer)
        if self._write_scope is not None:
            self._write_scope.close()
        for db in (self._reader, self._writer):
            if db is not None:
                db.close()
        self._reader = self._writer = None
        if self._commits is not None:
            self._commits.close()
            self._commits = None
        self._rooms.clear()

    async def _checkpoints(self) -> None:
        """Copy the log back into the database file now and then, off the event loop; PASSIVE: never waiting for,
        nor holding up, readers and writers (a log that cannot be copied whole now is copied later)."""
        # One thread of its own: the connection is used by one thread at a time, and closed after its last use
        # even when this task is cancelled in the middle of a checkpoint.
        thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="liveroom-checkpoint")
        loop = asyncio.get_running_loop()
        db = await loop.run_in_executor(thread, self._checkpoint_connection)
        try:
            seen = None
            while True:
                await asyncio.sleep(CHECKPOINT_SECONDS)
                stamp = self._commits.stamp() if self._commits is not None else None
                if stamp != seen:
                    seen = stamp
                    await loop.run_in_executor(thread, db.execute, "PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            thread.submit(db.close)
            thread.shutdown(wait=False)

    def _checkpoint_connection(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        return db

    def read(self) -> _ReadScope:
        assert self._read_scope is not None, "store is not open"
        return self._read_scope

    def read_one(self) -> _ReadScope:
        # BEGIN and COMMIT cost no round trip here.
        return self.read()

    def write(self) -> GroupCommit:
        assert self._write_scope is not None, "store is not open"
        return self._write_scope

    def write_one(self) -> GroupCommit:
        # One writer at a time and no round trips: a write transaction costs what one statement would.
        return self.write()

    async def insert_room(self, sdkappid: int, room: RoomRecord, *, owner_known: bool) -> bool:
        # Writes of one loop turn already share a COMMIT here (group commit).
        async with self.write() as tx:
            if not owner_known and not await tx.existing_accounts(sdkappid, [room.owner_account]):
                return False
            return await tx.insert_room(sdkappid, room)

    async def update_room(self, sdkappid: int, room_id: str, changes: RoomChanges) -> bool:
        async with self.write() as tx:
            return await tx.update_room(sdkappid, room_id, changes)

    def _committed(self, apps_changed: bool, outbox_written: bool) -> None:
        assert self._commits is not None
        self._commits.own += 1
        if apps_changed:
            self._app_version = None
        if outbox_written:
            for listener in self._outbox_listeners:
                listener()

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        # Kept rooms are valid while nothing was committed since they were read: the stamp is read before the
        # row, so a commit landing in between can only make a kept room look older than it is, never newer.
        reader, commits = self._reader, self._commits
        assert reader is not None and commits is not None, "store is not open"
        stamp = commits.stamp()
        if stamp != self._rooms_stamp:
            self._rooms.clear()
            self._rooms_stamp = stamp
        key = (sdkappid, room_id)
        room = self._rooms.get(key)
        if room is not None:
            return room
        # One statement reads one committed snapshot: no BEGIN/COMMIT and no lock. The reader connection only
        # ever reads, so if a read scope is open on it the statement joins that scope's (committed) snapshot,
        # which may be older than the stamp: such a room is answered but not kept.
        row = reader.execute(_GET_ROOM, key).fetchone()
        if row is None:
            return None
        room = room_from_row(row)
        if reader.in_transaction:
            return room
        if len(self._rooms) >= ROOM_CACHE_SIZE:
            self._rooms.clear()
        self._rooms[key] = room
        return room

    async def app_version(self) -> int:
        """The apps version, read again only after a commit that may have changed it.

        While nothing at all was committed (the commit stamp, read on every call) it is kept. After a commit,
        another process's moves the write connection's ``data_version`` (so its change is seen before the request
        that called is served); this process's own commits do not move it and re-read the version only when they
        wrote the app tables (``SQLiteTransaction.apps_changed``).
        """
        writer, reader, commits = self._writer, self._reader, self._commits
        assert writer is not None and reader is not None and commits is not None, "store is not open"
        stamp = commits.stamp()
        if stamp == self._app_stamp and self._app_version is not None:
            return self._app_version
        data_version = writer.execute(DATA_VERSION).fetchone()[0]
        if data_version == self._app_data_version and self._app_version is not None:
            self._app_stamp = stamp
            return self._app_version
        # Read after data_version, and from the newest snapshot: an open read scope's may be older, so then the
        # write connection answers (its open transaction, if any, is this process's own and holds off others).
        db = writer if reader.in_transaction else reader
        row = db.execute(_APP_VERSION).fetchone()
        version = int(row[0]) if row else 0
        if db is reader:
            self._app_data_version, self._app_version, self._app_stamp = data_version, version, stamp
        return version

    async def count_rooms(self) -> int:
        # A count reads the whole table: in a thread, on a read-only connection of its own.
        return await asyncio.to_thread(self._count_rooms)

    def _count_rooms(self) -> int:
        with contextlib.closing(sqlite3.connect(f"{Path(self.path).absolute().as_uri()}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA busy_timeout = 10000")
            return int(db.execute(COUNT_ROOMS.sqlite).fetchone()[0])

    async def ping(self) -> None:
        assert self._reader is not None, "store is not open"
        self._reader.execute("SELECT 1").fetchone()
