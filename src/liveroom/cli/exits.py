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
    """What ``liveroom`` exits with (docs/reference.md says what each means to a user)."""

    OK = 0
    FAILED = 1  # an API error, no such app, no database where one must be, a migration that failed
    USAGE = 2  # click's own status for a usage error, and a setting that cannot be read
    STARTUP_FAILED = 3  # uvicorn's own status for an application whose start failed otherwise
    MISSING_EXTRA = 10
    UNSUPPORTED_DATABASE = 11
    DATABASE_UNREACHABLE = 12
    DATABASE_NOT_WRITABLE = 13
    REDIS_UNREACHABLE = 14
    CANNOT_LISTEN = 15
    WORKERS_NEED_REDIS = 16
    DATABASE_IN_USE = 17


_err = Console(stderr=True, highlight=False)


def fail(status: ExitStatus, message: str) -> NoReturn:
    """Print ``error: MESSAGE`` as one line on stderr (never wrapped, whatever the terminal) and exit."""
    _err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(int(status))
