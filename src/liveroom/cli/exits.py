"""The exit statuses of the ``liveroom`` command, and how a command fails: one line on stderr, one status.

Each start-up failure of ``liveroom serve`` has a status of its own, so that a service manager or a script can tell
them apart without reading the message; docs/reference.md lists them (a test keeps that list whole).
"""

from __future__ import annotations

from enum import IntEnum
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape


class ExitStatus(IntEnum):
    """What ``liveroom`` exits with."""

    OK = 0
    FAILED = 1
    USAGE = 2
    STARTUP_FAILED = 3
    MISSING_EXTRA = 10
    UNSUPPORTED_DATABASE = 11
    DATABASE_UNREACHABLE = 12
    DATABASE_NOT_WRITABLE = 13
    REDIS_UNREACHABLE = 14
    CANNOT_LISTEN = 15


MEANINGS: dict[ExitStatus, str] = {
    ExitStatus.OK: "success; `liveroom serve` stopped cleanly (SIGTERM or Ctrl-C)",
    ExitStatus.FAILED: "the command failed: an API call answered an error (`error CODE: ...`), an app or a database "
    "that is not there, a migration that failed",
    ExitStatus.USAGE: "a usage or configuration error: an unknown option, a setting that cannot be read, a missing "
    "credential or config file",
    ExitStatus.STARTUP_FAILED: "`liveroom serve`: the server failed to start for a reason not listed below "
    "(its log says why)",
    ExitStatus.MISSING_EXTRA: "an extra that the command or a setting needs is not installed "
    "(`server`, `postgres`, `redis`); the message names it",
    ExitStatus.UNSUPPORTED_DATABASE: "the database URL names a scheme liveroom does not support "
    "(only `sqlite:///PATH` and `postgresql://`)",
    ExitStatus.DATABASE_UNREACHABLE: "PostgreSQL cannot be reached or refused the connection "
    "(host, port, user, password or database name)",
    ExitStatus.DATABASE_NOT_WRITABLE: "the SQLite file or its directory is missing, not a directory, or not writable",
    ExitStatus.REDIS_UNREACHABLE: "Redis (`--redis`, `LIVEROOM_REDIS_URL`) cannot be reached when the node starts",
    ExitStatus.CANNOT_LISTEN: "the address and port cannot be listened on: in use by another process, or the "
    "address is not this machine's",
}

_err = Console(stderr=True, highlight=False)


def fail(status: ExitStatus, message: str) -> NoReturn:
    """Print ``error: MESSAGE`` as one line on stderr (never wrapped, whatever the terminal) and exit."""
    _err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(int(status))
