"""The connections PostgreSQL write transactions run on, each left inside an open, empty transaction between writes.

A write sent BEGIN, its statements and COMMIT, each awaited: statements + 2 round trips. Here a write that ends sends
``COMMIT; BEGIN`` (or ``ROLLBACK; BEGIN``) as one simple query: PostgreSQL answers after the COMMIT, WAL flush
included, so nobody is answered before their write is durable, and the connection is already inside the next
transaction. The next write on it starts with its first statement: statements + 1 round trips.

An open transaction at READ COMMITTED holds nothing until a statement runs in it: no snapshot (each statement takes
its own, so a write sees every commit made before it, by any node), no transaction id, no lock. Those connections
must then run nothing but write transactions, which end with a COMMIT: a single read statement would keep its
table locks until the next COMMIT, and DDL (a migration, ``DROP SCHEMA``) would wait behind an idle connection. So
they are kept here, taken out of asyncpg's pool (which would roll them back on release), and writes wait here for
one: at most ``limit`` connections of the pool, which keeps the rest for reads.

Idle, such a connection is "idle in transaction" to PostgreSQL. When the server sets
``idle_in_transaction_session_timeout``, a connection kept longer than half of it is checked with
``ROLLBACK; BEGIN`` before use (one round trip, as BEGIN was) rather than trusted.

A write of one statement (``store.write_one()``) needs no transaction around it: it runs on a connection kept outside
any transaction, where the statement commits on its own (one round trip), and that connection is kept so again. Both
kinds share the limit; a write of either kind takes a connection of its own kind when one is kept, else the other
kind (a transaction sends ``BEGIN`` first; a single statement on a connection inside a transaction ends with
``COMMIT; BEGIN``, as a transaction does).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

if TYPE_CHECKING:
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]

BEGIN = "BEGIN"
COMMIT_BEGIN = "COMMIT; BEGIN"
ROLLBACK_BEGIN = "ROLLBACK; BEGIN"
ROLLBACK = "ROLLBACK"


class WriteConnections:
    """``take()`` a connection for a write; ``keep()`` it when it is inside a new empty transaction or outside any,
    ``returned()`` after it went back to the pool (or was closed)."""

    __slots__ = ("_acquire", "_bare", "_closed", "_drawn", "_kept", "_limit", "_stale_after", "_waiters")

    def __init__(self, acquire: Callable[[], Awaitable[Connection]], *, limit: int) -> None:
        self._acquire = acquire
        self._limit = limit
        self._drawn = 0  # connections taken from the pool for writes: in use, kept, or being handed over
        self._kept: list[tuple[Connection, float]] = []  # inside an open empty transaction, since
        self._bare: list[Connection] = []  # outside any transaction
        self._waiters: collections.deque[asyncio.Future[tuple[Connection, bool] | None]] = collections.deque()
        self._stale_after: float | None = None
        self._closed = False

    def expire_after(self, seconds: float | None) -> None:
        """Connections kept longer than ``seconds`` are checked before use (the server may have closed them)."""
        self._stale_after = seconds

    @property
    def kept(self) -> int:
        """Connections kept inside an open empty transaction."""
        return len(self._kept)

    @property
    def bare(self) -> int:
        """Connections kept outside any transaction."""
        return len(self._bare)

    async def take(self, *, transaction: bool = True) -> tuple[Connection, str | None, bool]:
        """A connection, what to send before the first statement (None, ``BEGIN``, ``ROLLBACK; BEGIN`` or
        ``ROLLBACK``), and whether the connection is inside a transaction once that was sent. With ``transaction``
        it always is; without, it is only when no connection outside one was at hand."""
        while self._kept or self._bare:
            if self._bare and (not transaction or not self._kept):
                db = self._bare.pop()
                if _closed(db):
                    self._close(db)
                    continue
                return _outside(db, transaction)
            db, since = self._kept.pop()
            if _closed(db):
                self._close(db)
                continue
            if self._stale_after is not None and time.monotonic() - since > self._stale_after:
                return (db, ROLLBACK_BEGIN, True) if transaction else (db, ROLLBACK, False)
            return db, None, True
        if self._drawn < self._limit:
            self._drawn += 1
            return await self._draw(transaction)
        waiter: asyncio.Future[tuple[Connection, bool] | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            given = await waiter
        except BaseException:
            if waiter.cancelled() or not waiter.done():
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            elif waiter.exception() is None:
                handed = waiter.result()
                if handed is None:
                    self.returned()  # the slot handed over: to the next waiter
                else:
                    self.keep(*handed)
            raise
        if given is None:
            return await self._draw(transaction)  # a slot was handed over: the connection comes from the pool
        db, inside = given
        return (db, None, True) if inside else _outside(db, transaction)

    async def _draw(self, transaction: bool) -> tuple[Connection, str | None, bool]:
        try:
            db = await self._acquire()
        except BaseException:
            self.returned()
            raise
        return _outside(db, transaction)

    def keep(self, db: Connection, inside: bool = True) -> None:
        """``db`` is inside a new, empty transaction (``inside``) or outside any: the next write runs on it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result((db, inside))
                return
        if self._closed:
            self._close(db)
            return
        if inside:
            self._kept.append((db, time.monotonic()))
        else:
            self._bare.append(db)

    def returned(self) -> None:
        """A connection drawn for writes went back to the pool, or was closed: its slot is free."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot stays counted in _drawn: the waiter draws
                return
        self._drawn -= 1

    def discard(self) -> None:
        """Close the kept connections (what broke one connection has usually broken them all)."""
        kept, self._kept = self._kept, []
        bare, self._bare = self._bare, []
        for db in (*(db for db, _ in kept), *bare):
            self._close(db)

    def close(self) -> None:
        """Close the kept connections and every one given back from now on (the pool waits for them)."""
        self._closed = True
        self.discard()

    def _close(self, db: Connection) -> None:
        # The server rolls the empty transaction back; asyncpg gives a terminated connection's place back to the pool.
        with contextlib.suppress(asyncpg.InterfaceError):
            db.terminate()
        self.returned()


def _outside(db: Connection, transaction: bool) -> tuple[Connection, str | None, bool]:
    """``take()``'s answer for a connection outside any transaction."""
    return (db, BEGIN, True) if transaction else (db, None, False)


def _closed(db: Connection) -> bool:
    try:
        return db.is_closed()
    except asyncpg.InterfaceError:  # asyncpg has given a connection closed by the server back to the pool
        return True
