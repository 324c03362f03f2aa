"""What the command line checks before it opens a database, Redis or a port, so that each thing that can stop it
is one line naming the setting and the fix, with an exit status of its own (``exits.ExitStatus``).

Only the standard library at import: these checks run before anything tells whether the extras are installed.
"""

from __future__ import annotations

import asyncio
import errno
import importlib.util
import os
import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from liveroom import __version__
from liveroom.cli.exits import ExitStatus, fail
from liveroom.store import POSTGRES_SCHEMES, SQLITE_SCHEME, path_of, redacted

DATABASE_SETTING = "--database / LIVEROOM_DATABASE_URL"
REDIS_SETTING = "--redis / LIVEROOM_REDIS_URL"
LISTEN_SETTING = "--host/--port, LIVEROOM_HOST/LIVEROOM_PORT"
CONNECT_TIMEOUT = 10.0

# The modules each extra of pyproject.toml brings (uvicorn[standard]'s uvloop and httptools are the ones used).
EXTRAS: dict[str, tuple[str, ...]] = {
    "cli": ("typer", "rich"),
    "server": (
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "sqlalchemy",
        "alembic",
        "limits",
        "prometheus_client",
        "jinja2",
        "argon2",
        "python_multipart",
    ),
    "postgres": ("asyncpg", "greenlet"),
    "redis": ("redis",),
}

Backend = Literal["sqlite", "postgresql"]


def missing_modules(extra: str) -> list[str]:
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require_extra(extra: str, needed_by: str) -> None:
    """Exit with MISSING_EXTRA, naming the extra to install, when one of its modules is not importable."""
    missing = missing_modules(extra)
    if missing:
        fail(
            ExitStatus.MISSING_EXTRA,
            f"{needed_by} needs the {extra} extra, which is not installed (no module {missing[0]}): "
            f"pip install '.[{extra}]' in a checkout of liveroom, or pip install "
            f"'liveroom-{__version__}-py3-none-any.whl[{extra}]' (docs/deploy.md)",
        )


def backend(url: str) -> Backend:
    """Which database a URL names; any other scheme exits with UNSUPPORTED_DATABASE."""
    if url.startswith(SQLITE_SCHEME):
        try:
            path_of(url)
        except ValueError:
            fail(
                ExitStatus.UNSUPPORTED_DATABASE,
                f"database URL {redacted(url)} ({DATABASE_SETTING}) names no file: "
                "use sqlite:///relative/path or sqlite:////absolute/path (in-memory SQLite is not supported)",
            )
        return "sqlite"
    if url.startswith(POSTGRES_SCHEMES):
        return "postgresql"
    scheme = f"the scheme {url.partition('://')[0]}://" if "://" in url else "a URL without a scheme"
    fail(
        ExitStatus.UNSUPPORTED_DATABASE,
        f"database URL {redacted(url)} ({DATABASE_SETTING}): {scheme} is not supported; "
        "use sqlite:///PATH or postgresql://user:password@host:port/database",
    )


def describe(url: str) -> str:
    """The database as a person would look for it: the SQLite file's absolute path, or the redacted URL."""
    if url.startswith(SQLITE_SCHEME):
        return f"the SQLite database {Path(path_of(url)).absolute()}"
    return f"the database {redacted(url)}"


def require_database_extras(url: str, needed_by: str) -> Backend:
    """The server extra, a supported scheme, and the postgres extra for PostgreSQL."""
    require_extra("server", needed_by)
    kind = backend(url)
    if kind == "postgresql":
        require_extra("postgres", f"a postgresql:// database URL ({DATABASE_SETTING})")
    return kind


def check_one_server(workers: int, redis_url: str) -> None:
    """Several workers are one server only through Redis: without it each would have its own members online,
    events and counts, whatever the database."""
    if workers > 1 and not redis_url:
        fail(
            ExitStatus.WORKERS_NEED_REDIS,
            f"--workers {workers} (LIVEROOM_WORKERS) needs {REDIS_SETTING}: without Redis each worker would be a "
            "server of its own (its own members, events and MemberCount); add --redis redis://HOST:6379/0, or run "
            "one worker",
        )


def check_sqlite_writable(url: str) -> None:
    """The file and its directory (SQLite writes its -wal and -shm files beside it) can be created and written."""
    path = Path(path_of(url)).absolute()
    where = f"cannot write the SQLite database {path} ({DATABASE_SETTING})"
    directory = path.parent
    if path.is_dir():
        fail(ExitStatus.DATABASE_NOT_WRITABLE, f"{where}: it is a directory; name a file in it")
    if not directory.exists():
        fail(ExitStatus.DATABASE_NOT_WRITABLE, f"{where}: its directory {directory} does not exist; create it first")
    if not directory.is_dir():
        fail(ExitStatus.DATABASE_NOT_WRITABLE, f"{where}: {directory} is not a directory; choose another path")
    if not os.access(directory, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        fail(
            ExitStatus.DATABASE_NOT_WRITABLE,
            f"{where}: permission denied; let this user write {directory} (and the file), or choose another path",
        )


def _hidden(text: str, url: str) -> str:
    """An error's text with the URL's password, should the driver have quoted it, replaced by ``***``."""
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text


def reason(exc: BaseException, url: str) -> str:
    lines = str(exc).strip().rstrip(".").splitlines()
    return _hidden(f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__, url)


def check_postgres_reachable(url: str) -> None:
    """One connection to the database, closed again; any failure exits with DATABASE_UNREACHABLE."""
    import asyncpg  # noqa: PLC0415 - the postgres extra, checked before

    async def connect() -> None:
        connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
        await connection.close()

    try:
        asyncio.run(connect())
    except Exception as exc:
        fail(
            ExitStatus.DATABASE_UNREACHABLE,
            f"cannot connect to {describe(url)} ({DATABASE_SETTING}): {reason(exc, url)}; start PostgreSQL, or "
            "correct the URL's host, port, user, password or database (createdb creates one)",
        )


def check_redis_reachable(url: str) -> None:
    """A PING answered; any failure exits with REDIS_UNREACHABLE."""
    import redis  # noqa: PLC0415 - the redis extra, checked before

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        fail(
            ExitStatus.REDIS_UNREACHABLE,
            f"cannot reach Redis at {redacted(url)} ({REDIS_SETTING}): {reason(exc, url)}; start Redis or correct "
            "the URL, or leave the setting out to run a single node",
        )


def check_can_listen(host: str, port: int) -> None:
    """Binds the address as uvicorn will (SO_REUSEADDR) and lets it go: a port in use is reported before the
    application starts, not after."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fix = "stop the process that listens there, or choose another port with --port"
            elif exc.errno == errno.EACCES:
                fix = "ports below 1024 need privileges: choose another port with --port"
            else:
                fix = "choose an address of this machine with --host (0.0.0.0 for all)"
            fail(
                ExitStatus.CANNOT_LISTEN,
                f"cannot listen on {host}:{port} ({LISTEN_SETTING}): {exc.strerror or exc}; {fix}",
            )
