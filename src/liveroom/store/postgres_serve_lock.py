"""The lock that keeps a PostgreSQL schema to one liveroom server: one ``liveroom serve``, or nodes sharing Redis.

Nodes started without Redis each keep members online, rate limits, events and deadline clocks in memory: two on one
schema would be two servers whose counts diverge silently. So the serving process holds a session-level advisory
lock on the schema, on a connection of its own, for as long as it serves: exclusive without Redis, shared with it
(nodes sharing Redis are one server, and hold it together). An exclusive and a shared holder refuse each other.

A session lock dies with its connection, so a node killed with -9 leaves none behind once PostgreSQL sees the
connection closed; TCP keepalives on the lock's connection bound how long a vanished host holds it. A lock whose
connection is lost while the node serves is taken again (the node goes on serving meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg

from liveroom import background

log = logging.getLogger(__name__)

# The first key, "serv" in ASCII (migrations lock "live"); the second is the schema's hash.
SERVE_KEY = 0x73657276
_TAKE = {
    False: "SELECT pg_try_advisory_lock(1936028278, hashtext(coalesce(current_schema(), '')))",
    True: "SELECT pg_try_advisory_lock_shared(1936028278, hashtext(coalesce(current_schema(), '')))",
}
# The granted holders of the lock; pg_locks shows a two-key advisory lock as classid, objid with objsubid 2.
HOLDERS = """
SELECT l.pid, l.mode, a.application_name, host(a.client_addr) AS client_addr
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = 1936028278 AND l.objid = hashtext(coalesce(current_schema(), ''))::oid
  AND l.pid <> pg_backend_pid()
ORDER BY a.backend_start
"""
CHECK_SECONDS = 10.0
CONNECT_TIMEOUT = 10.0
# A node killed just before this one started: its backend may not have seen the connection close yet.
REFUSE_AFTER_SECONDS = 2.0
# Ask the peer every 10 s once idle for 10 s, 3 times: a host that vanished releases the lock in about 40 s.
_KEEPALIVE = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"}

Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record]"


@dataclass(frozen=True)
class Holder:
    """A session holding the serve lock, as pg_locks and pg_stat_activity tell it."""

    pid: int
    shared: bool
    application_name: str
    client_addr: str | None

    def __str__(self) -> str:
        name = self.application_name or "a session without application_name"
        where = f"from {self.client_addr}" if self.client_addr else "over a local socket"
        return f"{name} ({where}, PostgreSQL backend pid {self.pid})"


class ServeLockRefused(Exception):
    """Another server holds the schema's serve lock in a mode this one cannot share."""

    def __init__(self, schema: str, holders: Sequence[Holder]) -> None:
        self.schema = schema
        self.holders = list(holders)
        super().__init__(f"schema {schema} is served by {describe(self.holders)}")


def describe(holders: Sequence[Holder]) -> str:
    """The holders for a message: who, where from, which backend; or why they cannot be named."""
    if not holders:
        return "another liveroom serve (gone since, or not visible to this database user)"
    return "; ".join(str(holder) for holder in holders)


async def holders(connection: Connection) -> list[Holder]:
    """The sessions other than ``connection``'s that hold the serve lock of its schema."""
    rows = await connection.fetch(HOLDERS)
    return [
        Holder(
            pid=int(row["pid"]),
            shared=row["mode"] == "ShareLock",
            application_name=row["application_name"] or "",
            client_addr=row["client_addr"],
        )
        for row in rows
    ]


async def _connect(url: str, description: str) -> Connection:
    settings = {"application_name": description} | _KEEPALIVE
    connection: Connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, server_settings=settings)
    return connection


async def _close(connection: Connection | None) -> None:
    if connection is None or connection.is_closed():
        return
    try:
        await asyncio.wait_for(connection.close(), CONNECT_TIMEOUT)
    except Exception:  # a broken connection: closing it locally drops the session with its lock
        connection.terminate()


class ServeLock:
    """The serve lock of one schema, held on a connection of its own; ``keep`` takes it again when it is lost."""

    def __init__(self, url: str, *, shared: bool, description: str) -> None:
        self.url = url
        self.shared = shared
        self.description = description
        self.schema = ""
        self.connection: Connection | None = None
        self._lost = asyncio.Event()
        self._refusal_logged = False

    @property
    def held(self) -> bool:
        return self.connection is not None and not self.connection.is_closed()

    async def take(self, *, refuse_after: float = REFUSE_AFTER_SECONDS) -> None:
        """Connect and take the lock, or raise ``ServeLockRefused`` once it was refused for ``refuse_after``
        seconds (a connection error is raised as it is)."""
        connection = await _connect(self.url, self.description)
        try:
            self.schema = await connection.fetchval("SELECT coalesce(current_schema(), '')") or ""
            deadline = asyncio.get_running_loop().time() + refuse_after
            while not await connection.fetchval(_TAKE[self.shared]):
                if asyncio.get_running_loop().time() >= deadline:
                    raise ServeLockRefused(self.schema, await holders(connection))
                await asyncio.sleep(0.2)
        except BaseException:
            await _close(connection)
            raise
        self._hold(connection)

    def _hold(self, connection: Connection) -> None:
        self.connection = connection
        self._lost.clear()
        connection.add_termination_listener(self._terminated)

    def _terminated(self, _connection: object) -> None:
        self._lost.set()

    async def release(self) -> None:
        """Unlocking is closing: the session's locks go with it."""
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.remove_termination_listener(self._terminated)
            await _close(connection)
        self._lost.clear()

    async def keep(self, check_every: float = CHECK_SECONDS) -> None:
        """Check the lock's connection every ``check_every`` seconds (at once when it closes) and take the lock again
        on a new one when it was lost; runs until cancelled. A loss is one warning line; a lock taken meanwhile by a
        server it cannot be shared with is one error line naming it, and is tried again at every check."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), check_every)
            if self.connection is not None:
                if await self._alive():
                    continue
                log.warning(
                    "serve lock: the connection holding the lock on schema %s was lost; taking it again (this node "
                    "goes on serving meanwhile)",
                    self.schema,
                )
                self._refusal_logged = False
                await self.release()
            await self._retake()

    async def _alive(self) -> bool:
        connection = self.connection
        if connection is None or connection.is_closed():
            return False
        try:
            await asyncio.wait_for(connection.fetchval("SELECT 1"), CONNECT_TIMEOUT)
        except Exception:
            return False
        return True

    async def _retake(self) -> bool:
        try:
            await self.take(refuse_after=0)
        except ServeLockRefused as refused:
            if self._refusal_logged:
                return False
            self._refusal_logged = True
            log.error(
                "serve lock: schema %s is now served by %s, which this node cannot serve beside (each would have "
                "its own members online and events); stop one of them, or give every node the same --redis",
                refused.schema,
                describe(refused.holders),
            )
            return False
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The database out of reach: the warning of the loss said it; tried again at the next check.
            log.debug("serve lock: cannot take the lock again yet: %s", exc)
            return False
        except Exception as exc:
            background.failed(log, "serve lock: taking the lock again", exc)
            return False
        log.info("serve lock: taken again on schema %s", self.schema)
        return True


@contextlib.asynccontextmanager
async def serving_postgres(
    url: str, *, shared: bool, description: str, check_every: float = CHECK_SECONDS
) -> AsyncIterator[ServeLock]:
    """Hold the serve lock of the schema ``url`` names for the block: shared (nodes that share Redis) or exclusive.
    Raises ``ServeLockRefused`` when a server holds it in a mode that excludes this one; ``description`` becomes the
    lock connection's application_name, by which a refused server names this one."""
    lock = ServeLock(url, shared=shared, description=description)
    await lock.take()
    keeper = asyncio.create_task(lock.keep(check_every), name="serve lock")
    try:
        yield lock
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await lock.release()
