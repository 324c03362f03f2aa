"""The store layer; ``open_store`` picks the backend a database URL names.

Importing this package costs no database library: the command line reads URLs with it before it knows which
backend, if any, it will open (and whether the extras that backend needs are installed).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liveroom.store.interface import Store

SQLITE_SCHEME = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_PASSWORD = re.compile(r"(://[^/@:]*:)[^/]*@")


def redacted(url: str) -> str:
    """The URL fit for logs and messages: a password in it replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)


def path_of(url: str) -> str:
    """The file a ``sqlite:///PATH`` URL names (relative, or absolute as ``sqlite:////abs/path``)."""
    path = url[len(SQLITE_SCHEME) :] if url.startswith(SQLITE_SCHEME) else ""
    if not path or path.startswith(":memory:") or path.startswith("file:"):
        raise ValueError(f"not a SQLite file URL: {url!r} (expected sqlite:///PATH; in-memory is not supported)")
    return path


def open_store(url: str, *, sqlite_synchronous: str = "NORMAL", migrate: bool = True) -> Store:
    """An unopened store for ``sqlite:///PATH`` or ``postgresql://user@host:port/db`` (``postgres://`` too).

    ``migrate``: ``open`` applies the migrations first (creating a SQLite file that is not there); without it,
    ``open`` expects the schema in place."""
    # Imported here: SQLAlchemy and Alembic (the server extra), asyncpg (the postgres extra) only for who opens one.
    if url.startswith(SQLITE_SCHEME):
        from liveroom.store.sqlite import SQLiteStore  # noqa: PLC0415

        return SQLiteStore(url, synchronous=sqlite_synchronous, migrate_on_open=migrate)
    if url.startswith(POSTGRES_SCHEMES):
        try:
            from liveroom.store.postgres import PostgresStore  # noqa: PLC0415
        except ImportError as exc:
            raise ValueError(f"PostgreSQL needs the `postgres` extra ({exc})") from exc
        return PostgresStore(url, migrate_on_open=migrate)
    raise ValueError("unsupported database URL: liveroom supports sqlite:///PATH and postgresql://user@host:port/db")
