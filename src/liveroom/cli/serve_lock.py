"""The lock that makes one ``liveroom serve`` the only server of a SQLite file.

Two servers on one file would each have their own members, events and counts. The parent ``serve`` process holds
an exclusive ``flock`` on ``<database>.serve.lock`` from before its migrations until it exits; the kernel drops the
lock when the process ends however it ends (kill -9 included), so no stale lock survives a crash. The other
commands (``liveroom app``, ``db``, ``usersig``) open the database without it and work beside a running server.

Nothing of the server extra: this runs before the server is imported.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from liveroom.cli.exits import ExitStatus, fail
from liveroom.cli.preflight import DATABASE_SETTING
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
