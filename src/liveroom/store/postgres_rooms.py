"""The hot paths on PostgreSQL: the rooms asked in one moment read by one statement, kept with their row version;
the rooms created in one moment inserted by one statement.

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

from collections.abc import Awaitable, Callable, Sequence

import asyncpg
import msgspec

from liveroom.batches import Batches
from liveroom.store.queries.rooms import room_from_row, room_values
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
Key = tuple[int, str]


class RoomReads:
    """``get(sdkappid, room_id)``: the committed room, read in a batch with the reads of the same moment."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._batches: Batches[Key, RoomRecord | None] = Batches(
            self._read_rooms, in_flight=IN_FLIGHT, name="liveroom-room-reads"
        )
        self._kept: dict[Key, tuple[str, RoomRecord]] = {}

    async def get(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        return await self._batches.get((sdkappid, room_id))

    async def _read_rooms(self, batch: Sequence[Key]) -> list[RoomRecord | None]:
        kept = self._kept
        sdkappids = [sdkappid for sdkappid, _ in batch]
        room_ids = [room_id for _, room_id in batch]
        # What was kept when the batch was sent: another batch may drop or replace it before this one is answered.
        known = [kept.get(key) for key in batch]
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
        await self._batches.close()
        self._kept.clear()


# Statements inserting at once: like the reads', each holds a write connection while it runs.
INSERTS_IN_FLIGHT = 2

_INSERT_COLUMNS = ("sdkappid", *_COLUMNS, "sort_views", "sort_created")


def _array_type(annotation: object) -> str:
    if annotation is bool:
        return "boolean[]"
    if annotation in (int, int | None):
        return "bigint[]"
    if annotation is str or getattr(annotation, "__origin__", None) is tuple:  # a tuple is stored as JSON text
        return "text[]"
    raise TypeError(f"RoomRecord: no PostgreSQL array type for {annotation!r}")


_INSERT_TYPES = (
    "bigint[]",
    *(_array_type(field.type) for field in msgspec.structs.fields(RoomRecord)),
    "bigint[]",
    "bigint[]",
    "boolean[]",
)
# The rooms of one moment, each unless its RoomId exists or its owner must be an imported account and is not. The
# account is locked (KEY SHARE) until the statement commits, so it cannot be deleted in between. Answers the keys
# of the rooms inserted.
INSERT_ROOMS = (
    f"INSERT INTO rooms ({', '.join(_INSERT_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(f'q.{name}' for name in _INSERT_COLUMNS)} "
    f"FROM unnest({', '.join(f'${i}::{kind}' for i, kind in enumerate(_INSERT_TYPES, 1))}) "
    f"AS q({', '.join(_INSERT_COLUMNS)}, owner_known) "
    "WHERE q.owner_known OR EXISTS (SELECT FROM accounts a "
    "WHERE a.sdkappid = q.sdkappid AND a.user_id = q.owner_account FOR KEY SHARE) "
    "ON CONFLICT (sdkappid, room_id) DO NOTHING RETURNING sdkappid, room_id"
)

# (sdkappid, room, whether the owner needs no imported account)
NewRoom = tuple[int, RoomRecord, bool]


class RoomInserts:
    """``add(sdkappid, room, owner_known)``: the room inserted by one statement with the others asked in the same
    moment, committed on its own (no transaction around it) before it is answered.

    A statement per moment instead of one per room: one round trip, one commit and one WAL flush for the batch. The
    rooms go in sorted by key, so two nodes' statements inserting the same RoomIds wait for each other instead of
    deadlocking; a RoomId asked twice in one moment is sent once, the later asks answered as if after it (exists).
    A statement refused for one room's values would refuse the whole batch: it is then sent again room by room, so
    that only that room's request fails."""

    def __init__(self, change: Fetch) -> None:
        self._change = change
        self._batches: Batches[NewRoom, bool | Exception] = Batches(
            self._insert, in_flight=INSERTS_IN_FLIGHT, name="liveroom-room-inserts"
        )

    async def add(self, sdkappid: int, room: RoomRecord, owner_known: bool) -> bool:
        """True once inserted and committed; False when the RoomId exists or the owner account must and does not."""
        answer = await self._batches.get((sdkappid, room, owner_known))
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def _insert(self, batch: Sequence[NewRoom]) -> list[bool | Exception]:
        answers: list[bool | Exception] = [False] * len(batch)
        sent: dict[Key, int] = {}
        for i in sorted(range(len(batch)), key=lambda i: (batch[i][0], batch[i][1].room_id)):
            sent.setdefault((batch[i][0], batch[i][1].room_id), i)
        try:
            inserted = await self._statement([batch[i] for i in sent.values()])
        except asyncpg.PostgresError:
            if len(sent) == 1:
                raise
            for i in sent.values():
                try:
                    answers[i] = bool(await self._statement([batch[i]]))
                except asyncpg.PostgresError as exc:
                    answers[i] = exc
            return answers
        for key, i in sent.items():
            answers[i] = key in inserted
        return answers

    async def _statement(self, rooms: Sequence[NewRoom]) -> set[Key]:
        values = [(sdkappid, *room_values(room), owner_known) for sdkappid, room, owner_known in rooms]
        rows = await self._change(INSERT_ROOMS, *(list(column) for column in zip(*values, strict=True)))
        return {(row[0], row[1]) for row in rows}

    async def close(self) -> None:
        await self._batches.close()
