"""PostgreSQL for tests: the server, fresh schemas, and emptying one between tests.

The server is ``TEST_POSTGRES_URL`` when set, else the first of ``postgresql://postgres@127.0.0.1:5432/test`` and
``postgresql://root@127.0.0.1:5432/test`` that accepts a connection. Without one, tests that need it skip, and
fail when ``CI`` is set (CI must run them).
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import psycopg
import pytest
from psycopg import sql

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CANDIDATES = ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test")


@functools.cache
def _server() -> tuple[str | None, str]:
    """(URL, "") of a reachable server, or (None, why not)."""
    given = os.environ.get("TEST_POSTGRES_URL")
    errors: list[str] = []
    for url in (given,) if given else CANDIDATES:
        try:
            with psycopg.connect(url, connect_timeout=5):
                return url, ""
        except psycopg.Error as exc:
            errors.append(f"{url.split('@', 1)[-1]}: {str(exc).strip().splitlines()[0] if str(exc) else exc!r}")
    return None, "; ".join(errors)


def server_url() -> str:
    """The server's URL; skips the test (fails it in CI) when there is none."""
    url, why = _server()
    if url is None:
        message = f"PostgreSQL is not reachable ({why}); set TEST_POSTGRES_URL or start it on 127.0.0.1:5432"
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL: {message}", pytrace=False)
        pytest.skip(message)
    return url


def sqlalchemy_url(url: str) -> str:
    """A liveroom database URL as a synchronous SQLAlchemy engine reads it (PostgreSQL through psycopg), for tests
    that read or write tables beside the server, whichever the backend."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def schema_url(base: str, schema: str) -> str:
    """``base`` with libpq's ``options=-csearch_path=SCHEMA``, which asyncpg and psycopg both honour."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}', safe='')}"


def create_schema() -> tuple[str, str]:
    """A new empty schema: (its URL, its name)."""
    base = server_url()
    schema = f"liveroom_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema_url(base, schema), schema


def drop_schema(schema: str) -> None:
    with psycopg.connect(server_url(), autocommit=True) as db:
        db.execute("SET lock_timeout = '30s'")
        db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def fresh_schema() -> Iterator[str]:
    """The URL of a new empty schema, dropped afterwards."""
    url, schema = create_schema()
    try:
        yield url
    finally:
        drop_schema(schema)


def tables_of(db: psycopg.Connection[Any]) -> list[str]:
    rows = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [str(r[0]) for r in rows]


def empty(url: str, keep: tuple[str, ...] = ("alembic_version", "app_state")) -> None:
    """Delete every row of every table of the schema but ``keep`` (cheaper than a new schema per test).

    DELETE, not TRUNCATE: for the few rows a test leaves it takes a fraction of the time, which adds up over
    a suite that empties the schema before every test."""
    with psycopg.connect(url) as db:
        for table in tables_of(db):
            if table not in keep:
                db.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))


def schema_of(url: str) -> str:
    """The schema a :func:`schema_url` URL names."""
    options = parse_qs(urlsplit(url).query)["options"][0]
    prefix = "-csearch_path="
    assert options.startswith(prefix), url
    return options[len(prefix) :]


def with_application_name(url: str, name: str) -> str:
    """``url`` whose connections (asyncpg's and psycopg's) name themselves ``name`` in pg_stat_activity, so that a
    test can find, and terminate, its own backends and no one else's."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}application_name={quote(name, safe='')}"


def terminate_backends(name: str) -> int:
    """Terminate the backends of connections named ``name`` (``with_application_name``), as a server restart or an
    administrator would; answers how many there were."""
    with psycopg.connect(server_url(), autocommit=True) as db:
        rows = db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s AND pid <> "
            "pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def options_url(schema: str, *settings: str) -> str:
    """The server's URL with ``schema`` as the search path and these ``name=value`` settings."""
    options = " ".join((f"-csearch_path={schema}", *(f"-c{s}" for s in settings)))
    return f"{server_url()}?options={quote(options, safe='')}"


def room_names(url: str) -> dict[str, str]:
    """RoomId -> RoomName of every room committed, read on a connection of its own."""
    with psycopg.connect(url) as db:
        return {str(r[0]): str(r[1]) for r in db.execute("SELECT room_id, room_name FROM rooms")}
