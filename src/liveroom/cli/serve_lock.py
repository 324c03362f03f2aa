"""The locks that make one ``liveroom serve`` the only server of a SQLite file or of a PostgreSQL schema.

Two servers on one database would each have their own members, events and counts. On SQLite, the parent ``serve``
process holds an exclusive ``flock`` on ``<database>.serve.lock`` from before its migrations until it exits; the
kernel drops the lock when the process ends however it ends (kill -9 included), so no stale lock survives a crash.
On PostgreSQL, it holds the schema's advisory serve lock (``liveroom.store.postgres_serve_lock``) on a connection of
its own, from a thread of its own, shared with the nodes started with ``--redis`` (those are one server). The
workers of ``--workers N`` take no lock: the serving process holds it for them. The other commands (``liveroom
app``, ``db``, ``usersig``) open the database without it and work beside a running server.

Nothing of the server extra at import: this runs before the server is imported.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from liveroom.cli.exits import ExitStatus, fail
from liveroom.cli.preflight import DATABASE_SETTING, REDIS_SETTING, describe, reason
from liveroom.store import path_of

SUFFIX = ".serve.lock"


def lock_path(url: str) -> Path:
    """The lock file of a SQLite URL: beside the database, symbolic links resolved (as SQLite resolves them for its
    -wal and -shm files), so two spellings of one file meet at one lock."""
    database = Path(path_of(url)).resolve()
    return database.with_name(database.name + SUFFIX)


def _database(lock: Path) -> Path:
    return lock.with_name(lock.name.removesuffix(SUFFIX))


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int(os.pread(fd, 32, 0).split()[0])
        return f" (pid {pid})"
    return ""


@contextlib.contextmanager
def serving(url: str) -> Iterator[Path]:
    """Hold the serve lock of a SQLite URL for the block, or exit with DATABASE_IN_USE at once (never waits)."""
    path = lock_path(url)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        fail(
            ExitStatus.DATABASE_NOT_WRITABLE,
            f"cannot open {path}, the lock that keeps the SQLite database {_database(path)} to one liveroom serve "
            f"({DATABASE_SETTING}): {exc.strerror or exc}; let this user write it, or choose another path",
        )
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in {errno.EWOULDBLOCK, errno.EACCES}:
                raise
            fail(
                ExitStatus.DATABASE_IN_USE,
                f"the SQLite database {_database(path)} ({DATABASE_SETTING}) is already served by another liveroom "
                f"serve{_holder(fd)}: two would not be one server (each with its own members, events and "
                "MemberCount); stop that one or use another file; for more cores run one liveroom serve --workers N "
                "--redis URL, for several nodes use PostgreSQL and --redis",
            )
        # Who holds it, for the message of the next one refused; the lock, not the content, is what counts.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)


def description(*, shared: bool) -> str:
    """The lock connection's application_name, by which a refused server names this one: host, pid, Redis or not.
    PostgreSQL keeps 63 bytes of it: a long host name is what is shortened."""
    tail = f" pid {os.getpid()}" + (" --redis" if shared else "")
    host = socket.gethostname().encode()[: 63 - len("liveroom serve ") - len(tail)].decode(errors="ignore")
    return f"liveroom serve {host}{tail}"


def _refusal(url: str, schema: str, *, shared: bool, holders: str, others_shared: bool) -> str:
    what = f"the schema {schema} of {describe(url)} ({DATABASE_SETTING}) is already served by {holders}"
    if shared:
        why = (
            "that node runs without --redis, so this one, with --redis, would not share its members online, events "
            "and MemberCount"
        )
    elif others_shared:
        why = (
            "those nodes share Redis, and this one, without --redis, would have its own members, events and MemberCount"
        )
    else:
        why = "two nodes without Redis would be two servers (each with its own members, events and MemberCount)"
    return f"{what}: {why}; stop it, or give every node the same {REDIS_SETTING} (or use another schema)"


@contextlib.contextmanager
def serving_postgres(url: str, *, shared: bool) -> Iterator[None]:
    """Hold the serve lock of a PostgreSQL schema for the block, or exit with DATABASE_IN_USE (after at most a couple
    of seconds: a node killed just before may still hold it). ``shared``: this node serves with Redis.

    The lock lives on an event loop in a thread of this process, beside the server's (or beside the supervisor of
    ``--workers N``), and is released when the block ends or the process does."""
    from liveroom.store import postgres_serve_lock as pg_lock  # noqa: PLC0415 - the postgres extra, checked by serve

    taken: concurrent.futures.Future[None] = concurrent.futures.Future()
    # The thread's loop and the event that ends the hold: how the block's end reaches the thread.
    ending: concurrent.futures.Future[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = concurrent.futures.Future()

    async def hold() -> None:
        end = asyncio.Event()
        ending.set_result((asyncio.get_running_loop(), end))
        try:
            async with pg_lock.serving_postgres(url, shared=shared, description=description(shared=shared)):
                taken.set_result(None)
                await end.wait()
        except BaseException as exc:
            if taken.done():
                raise
            taken.set_exception(exc)

    thread = threading.Thread(target=asyncio.run, args=(hold(),), name="serve lock", daemon=True)
    thread.start()
    try:
        taken.result()
    except pg_lock.ServeLockRefused as refused:
        thread.join()
        fail(
            ExitStatus.DATABASE_IN_USE,
            _refusal(
                url,
                refused.schema,
                shared=shared,
                holders=pg_lock.describe(refused.holders),
                others_shared=any(holder.shared for holder in refused.holders),
            ),
        )
    except Exception as exc:  # gone since preflight.check_postgres_reachable, or refused this connection
        thread.join()
        fail(
            ExitStatus.DATABASE_UNREACHABLE,
            f"cannot take the serve lock of {describe(url)} ({DATABASE_SETTING}): {reason(exc, url)}; start "
            "PostgreSQL, or correct the URL",
        )
    try:
        yield
    finally:
        loop, end = ending.result()
        with contextlib.suppress(RuntimeError):  # its loop is closed already
            loop.call_soon_threadsafe(end.set)
        # Bounded: a database out of reach must not hold up the shutdown; the lock goes with the process anyway.
        thread.join(timeout=15)
