"""SQLite group commit: the write blocks that finish in one turn of the event loop share one COMMIT.

A COMMIT in WAL mode with ``synchronous=NORMAL`` costs more than the statements of a typical write; sharing it among
the requests that wrote in the same turn of the loop is most of what makes the embedded store fast under load.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

from liveroom.store.sqlite_driver import SQLiteConnection
from liveroom.store.transaction import Transaction


class GroupCommit:
    """``async with`` block around one write; the blocks that finish in one turn of the event loop share a COMMIT.

    The first block opens the transaction (``BEGIN IMMEDIATE``) and every later one runs inside its own SAVEPOINT, so
    a block that raises rolls back its own writes only. A block that ends well waits for the COMMIT carrying its
    writes, scheduled for the next turn of the loop: nobody is answered before their writes are committed (and in
    WAL mode a committed write survives kill -9 of the process). A refused block waits for that COMMIT too when
    others joined the transaction before it, since what it saw may be their uncommitted writes; if the COMMIT fails,
    everyone waiting gets its error.

    The COMMIT never runs while a block is inside the transaction (that would commit half of it): a block that
    awaits other I/O inside it delays the COMMIT of those that joined before it by that long, as it already delayed
    every write after it.
    """

    __slots__ = (
        "_apps_changed",
        "_db",
        "_due",
        "_lock",
        "_nested",
        "_on_commit",
        "_open",
        "_outbox_written",
        "_scheduled",
        "_tx",
        "_waiters",
    )

    def __init__(self, db: sqlite3.Connection, on_commit: Callable[[bool, bool], None]) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._tx = Transaction(SQLiteConnection(db), write=True)
        self._on_commit = on_commit
        self._open = False  # BEGIN IMMEDIATE ran; the COMMIT has not
        self._nested = False  # the current block runs in a SAVEPOINT: it is not the first of the transaction
        self._waiters: list[asyncio.Future[None]] = []
        self._apps_changed = False
        self._outbox_written = False
        self._scheduled = False  # a _flush is scheduled
        self._due = False  # _flush found a block inside the transaction: that block commits as it leaves

    async def __aenter__(self) -> Transaction:
        await self._lock.acquire()
        try:
            if not self._open:
                self._db.execute("BEGIN IMMEDIATE")
                self._open, self._nested = True, False
            else:
                self._db.execute("SAVEPOINT block")
                self._nested = True
        except BaseException:
            if self._open and not self._waiters and self._db.in_transaction:
                self._open = False
                self._db.execute("ROLLBACK")
            self._lock.release()
            raise
        self._tx.apps_changed = self._tx.outbox_written = False
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        waiter: asyncio.Future[None] | None = None
        try:
            if exc_type is None:
                try:
                    if self._nested:
                        self._db.execute("RELEASE block")
                except BaseException:
                    self._abandon_block()
                    raise
                self._apps_changed = self._apps_changed or self._tx.apps_changed
                self._outbox_written = self._outbox_written or self._tx.outbox_written
            else:
                self._abandon_block()
            if self._open:
                if exc_type is None or self._waiters:
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiters.append(waiter)
                    if self._due:
                        self.commit()
                    elif not self._scheduled:
                        self._scheduled = True
                        asyncio.get_running_loop().call_soon(self._flush)
                else:
                    # A refused block alone in the transaction: nothing to commit, and no reason to hold the lock.
                    self._open = False
                    self._db.execute("ROLLBACK")
        finally:
            self._lock.release()
        if waiter is not None:
            await waiter

    def close(self) -> None:
        """Blocks waiting for their COMMIT get it now, unless a block is still inside the transaction."""
        if self._lock.locked():
            self._fail(sqlite3.OperationalError("the store was closed before this write was committed"))
        else:
            self.commit()

    def _abandon_block(self) -> None:
        """Undo the current block's writes only, or fail the whole group when SQLite has ended the transaction."""
        db = self._db
        if db.in_transaction and not self._nested:
            # The first block: the transaction holds nothing else (later blocks wait for the lock).
            self._open = False
            db.execute("ROLLBACK")
            return
        if db.in_transaction:
            try:
                db.execute("ROLLBACK TO block")
                db.execute("RELEASE block")
                return
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
        # Some errors (SQLITE_FULL, IOERR) roll the whole transaction back: the blocks before this one are lost too.
        self._fail(sqlite3.OperationalError("the transaction was rolled back with a failed write in it; retry"))

    def _fail(self, error: BaseException) -> None:
        waiters, self._waiters = self._waiters, []
        self._open = self._due = self._apps_changed = self._outbox_written = False
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(error)

    def _flush(self) -> None:
        self._scheduled = False
        if not self._waiters:
            return  # committed already
        if self._lock.locked():
            self._due = True
            return
        self.commit()

    def commit(self) -> None:
        """COMMIT what the finished blocks wrote and answer them; only between blocks (the lock free or ours)."""
        if not self._open:
            return
        waiters, self._waiters = self._waiters, []
        apps_changed, outbox_written = self._apps_changed, self._outbox_written
        self._open = self._due = self._apps_changed = self._outbox_written = False
        try:
            self._db.execute("COMMIT")
        except Exception as error:
            # A failed COMMIT leaves the transaction open; every later BEGIN would fail on it.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            return
        self._on_commit(apps_changed, outbox_written)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
