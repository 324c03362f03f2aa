"""The store layer; ``open_store`` picks the backend a database URL names."""

from __future__ import annotations

import re

from liveroom.store.interface import Store
from liveroom.store.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_PASSWORD = re.compile(r"(://[^/@:]*:)[^/]*@")


def redacted(url: str) -> str:
    """The URL fit for logs and messages: a password in it replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)


def open_store(url: str, *, sqlite_synchronous: str = "NORMAL") -> Store:
    """An unopened store for ``sqlite:///PATH`` or ``postgresql://user@host:port/db`` (``postgres://`` too)."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url, synchronous=sqlite_synchronous)
    if url.startswith(POSTGRES_SCHEMES):
        try:
            # Imported here: asyncpg is the optional `postgres` extra, needed only by who names PostgreSQL.
            from liveroom.store.postgres import PostgresStore  # noqa: PLC0415
        except ImportError as exc:
            raise ValueError(
                f"PostgreSQL needs the `postgres` extra, pip install 'liveroom[postgres]' ({exc})"
            ) from exc
        return PostgresStore(url)
    raise ValueError("unsupported database URL: liveroom supports sqlite:///PATH and postgresql://user@host:port/db")
