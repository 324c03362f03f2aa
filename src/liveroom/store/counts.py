"""Counts for metrics, on a connection of their own in a worker thread: never on the request path or its pool."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine, func, pool, select

from liveroom.store import tables
from liveroom.store.migrate import sqlalchemy_url


class RoomCounter:
    """``await counter()``: the rooms in the database, every app together (one ``count(*)``)."""

    def __init__(self, url: str) -> None:
        # A connection per count: the count runs every few seconds, a held connection would cost the database more.
        self._engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
        self._statement = select(func.count()).select_from(tables.rooms)

    async def __call__(self) -> int:
        return await asyncio.to_thread(self._count)

    def _count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(self._statement).scalar_one())

    def close(self) -> None:
        self._engine.dispose()
