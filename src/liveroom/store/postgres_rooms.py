"""The hot read on PostgreSQL: the rooms asked in one moment read by one statement, kept with their row version.

``get_room_info`` is the most frequent request, and on PostgreSQL a statement per request costs the node more than
the rest of the request (a pool acquire, the driver's round trip, one more wake-up of the event loop). So the
reads that arrive while the loop is busy are answered together: one statement per batch, on one connection, and
at most ``IN_FLIGHT`` batches at once; a read that arrives while they run waits for the next batch.

Each batch starts after every read in it arrived, so it sees every change committed before: a write answered by any
node, before the read reached this one, is always seen. The rooms are kept in memory with their row version (the
tuple's ``xmin`` and ``ctid``: every committed INSERT or UPDATE of a row makes a new tuple, written by another
transaction, at another place); the batch sends the versions it keeps and PostgreSQL answers the columns only of
the rooms whose version moved. Nothing waits for a notification, so nothing can be missed: a lost connection, a
node that restarted or a change made with psql are all seen by the next batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from liveroom.store.queries.rooms import room_from_row
from liveroom.store.records import RoomRecord
from liveroom.store.sql import Row

# Batches reading at once: one keeps a connection busy per batch, and more of them answer a burst sooner.
IN_FLIGHT = 2
# Rooms kept (about 1 KiB each); a full set starts again empty.
ROOM_CACHE_SIZE = 32_768

_COLUMNS = RoomRecord.__struct_fields__
# For each (sdkappid, room_id, version kept or NULL): its position, the row's version and, when that moved, the row.
READ_ROOMS = (
    f"SELECT q.i, v.version, {', '.join(f'c.{name}' for name in _COLUMNS)} "  # noqa: S608
    "FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS q(sdkappid, room_id, kept, i) "
    "JOIN rooms r ON r.sdkappid = q.sdkappid AND r.room_id = q.room_id "
    "CROSS JOIN LATERAL (SELECT r.xmin::text || r.ctid::text AS version) v "
    f"LEFT JOIN LATERAL (SELECT {', '.join(f'r.{name}' for name in _COLUMNS)} "
    "WHERE v.version IS DISTINCT FROM q.kept) c ON true"
)
_ROOM_ID = 2  # the first column of the row, never NULL when the row is answered

Fetch = Callable[..., Awaitable[list[Row]]]
_Waiter = tuple[int, str, "asyncio.Future[RoomRecord | None]"]


class RoomReads:
    """``get(sdkappid, room_id)``: the committed room, read in a batch with the reads of the same moment."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._waiting: list[_Waiter] = []
        self._running: set[asyncio.Task[None]] = set()
        self._scheduled = False
        self._kept: dict[tuple[int, str], tuple[str, RoomRecord]] = {}

    async def get(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[RoomRecord | None] = loop.create_future()
        self._waiting.append((sdkappid, room_id, answer))
        if not self._scheduled and len(self._running) < IN_FLIGHT:
            # After the callbacks already ready: the other requests of this loop turn join the batch.
            self._scheduled = True
            loop.call_soon(self._start)
        return await answer

    def _start(self) -> None:
        self._scheduled = False
        if not self._waiting or len(self._running) >= IN_FLIGHT:
            return
        batch, self._waiting = self._waiting, []
        task = asyncio.get_running_loop().create_task(self._read(batch), name="liveroom-room-reads")
        self._running.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._waiting and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._start)

    async def _read(self, batch: list[_Waiter]) -> None:
        try:
            rooms = await self._read_rooms(batch)
        except BaseException as exc:
            for _, _, answer in batch:
                if answer.done():
                    continue
                if isinstance(exc, Exception):
                    answer.set_exception(exc)
                else:
                    answer.cancel()
            if not isinstance(exc, Exception):
                raise
            return
        for (_, _, answer), room in zip(batch, rooms, strict=True):
            if not answer.done():
                answer.set_result(room)

    async def _read_rooms(self, batch: Sequence[_Waiter]) -> list[RoomRecord | None]:
        kept = self._kept
        sdkappids = [sdkappid for sdkappid, _, _ in batch]
        room_ids = [room_id for _, room_id, _ in batch]
        # What was kept when the batch was sent: another batch may drop or replace it before this one is answered.
        known = [kept.get((s, r)) for s, r, _ in batch]
        versions = [None if entry is None else entry[0] for entry in known]
        rows = await self._fetch(READ_ROOMS, sdkappids, room_ids, versions)
        rooms: list[RoomRecord | None] = [None] * len(batch)
        for row in rows:
            i = row[0] - 1
            entry = known[i]
            if row[_ROOM_ID] is None:  # unchanged since it was kept
                assert entry is not None
                rooms[i] = entry[1]
                continue
            room = room_from_row(row[_ROOM_ID:])
            rooms[i] = room
            if len(kept) >= ROOM_CACHE_SIZE:
                kept.clear()
            # Another batch may have kept a newer version meanwhile; either is checked by the next read.
            kept[sdkappids[i], room_ids[i]] = (row[1], room)
        for i, answered in enumerate(rooms):
            if answered is None:
                kept.pop((sdkappids[i], room_ids[i]), None)
        return rooms

    async def close(self) -> None:
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.wait(self._running)
        waiting, self._waiting = self._waiting, []
        for _, _, answer in waiting:
            answer.cancel()
        self._kept.clear()
