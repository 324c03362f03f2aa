"""The hot paths on PostgreSQL: the rooms asked in one moment read by one statement, kept with their row version;
the rooms created in one moment inserted by one statement, and those changed in one moment updated by one.

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
from typing import Any, Generic, TypeVar

import asyncpg
import msgspec
from msgspec import UNSET

from liveroom.batches import Batches
from liveroom.store.queries.rooms import INSERT_COLUMNS, encode_json, room_from_row, room_values
from liveroom.store.records import RoomChanges, RoomRecord
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


# Statements changing rooms at once, per kind: like the reads', each holds a write connection while it runs.
CHANGES_IN_FLIGHT = 2


def _array_type(annotation: object) -> str:
    if annotation is bool:
        return "boolean[]"
    if annotation in (int, int | None):
        return "bigint[]"
    if annotation is str or getattr(annotation, "__origin__", None) is tuple:  # a tuple is stored as JSON text
        return "text[]"
    raise TypeError(f"RoomRecord: no PostgreSQL array type for {annotation!r}")


_ROOM_TYPES = {field.name: _array_type(field.type) for field in msgspec.structs.fields(RoomRecord)}


def _unnest(kinds: Sequence[str]) -> str:
    return f"unnest({', '.join(f'${i}::{kind}' for i, kind in enumerate(kinds, 1))})"


# The rooms of one moment, each unless its RoomId exists or its owner must be an imported account and is not. The
# account is locked (KEY SHARE) until the statement commits, so it cannot be deleted in between. Answers the keys
# of the rooms inserted.
INSERT_ROOMS = (
    f"INSERT INTO rooms ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
    f"SELECT {', '.join(f'q.{name}' for name in INSERT_COLUMNS)} "
    f"FROM {_unnest(('bigint[]', *_ROOM_TYPES.values(), 'bigint[]', 'bigint[]', 'boolean[]'))} "
    f"AS q({', '.join(INSERT_COLUMNS)}, owner_known) "
    "WHERE q.owner_known OR EXISTS (SELECT FROM accounts a "
    "WHERE a.sdkappid = q.sdkappid AND a.user_id = q.owner_account FOR KEY SHARE) "
    "ON CONFLICT (sdkappid, room_id) DO NOTHING RETURNING sdkappid, room_id"
)

# Every column a change may set; NULL keeps the stored value (none of these columns holds NULL).
_CHANGED = RoomChanges.__struct_fields__
# The changes of one moment to rooms, at most one per room. Answers the keys of the rooms that exist.
UPDATE_ROOMS = (
    f"UPDATE rooms r SET {', '.join(f'{name} = COALESCE(q.{name}, r.{name})' for name in _CHANGED)} "  # noqa: S608
    f"FROM {_unnest(('bigint[]', 'text[]', *(_ROOM_TYPES[name] for name in _CHANGED)))} "
    f"AS q(sdkappid, room_id, {', '.join(_CHANGED)}) "
    "WHERE r.sdkappid = q.sdkappid AND r.room_id = q.room_id RETURNING r.sdkappid, r.room_id"
)

# (sdkappid, room, whether the owner needs no imported account)
NewRoom = tuple[int, RoomRecord, bool]
# (sdkappid, room_id, the columns to set)
RoomChange = tuple[int, str, RoomChanges]
T = TypeVar("T")


class _RoomStatements(Generic[T]):
    """``add(change)``: the change made by one statement with the others of its kind asked in the same moment,
    committed on its own (no transaction around it) before it is answered: True when it matched its room (inserted
    it; found it to update), False otherwise.

    A statement per moment instead of one per room: one round trip, one commit and one WAL flush for the batch. The
    rooms go in sorted by key, so two nodes' statements over the same rooms wait for each other instead of
    deadlocking. A room asked twice in one moment is changed once per statement, in the order asked (the second in
    a statement after the first's). A statement refused for one room's values would refuse all of its rooms: they
    are then sent again one by one, so that only that room's request fails."""

    def __init__(self, change: Fetch, statement: str, key: Callable[[T], Key], name: str) -> None:
        self._change = change
        self._statement = statement
        self._key = key
        self._batches: Batches[T, bool | Exception] = Batches(self._run, in_flight=CHANGES_IN_FLIGHT, name=name)

    async def add(self, change: T) -> bool:
        answer = await self._batches.get(change)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _columns(self, changes: Sequence[T]) -> list[list[Any]]:
        raise NotImplementedError

    async def _run(self, batch: Sequence[T]) -> list[bool | Exception]:
        key = self._key
        answers: list[bool | Exception] = [False] * len(batch)
        rounds: list[list[int]] = []
        asked: dict[Key, int] = {}
        for i in sorted(range(len(batch)), key=lambda i: key(batch[i])):  # stable: in the order asked per room
            n = asked[key(batch[i])] = asked.get(key(batch[i]), 0) + 1
            if n > len(rounds):
                rounds.append([])
            rounds[n - 1].append(i)
        for r, members in enumerate(rounds):
            try:
                matched = await self._send([batch[i] for i in members])
            except asyncpg.PostgresError as exc:
                if len(members) == 1:
                    answers[members[0]] = exc
                    continue
                for i in members:
                    try:
                        answers[i] = bool(await self._send([batch[i]]))
                    except asyncpg.PostgresError as one:
                        answers[i] = one
                continue
            except Exception as exc:  # the connection lost: this statement's and the later ones' requests
                for later in rounds[r:]:
                    for i in later:
                        answers[i] = exc
                break
            for i in members:
                answers[i] = key(batch[i]) in matched
        return answers

    async def _send(self, changes: Sequence[T]) -> set[Key]:
        rows = await self._change(self._statement, *self._columns(changes))
        return {(row[0], row[1]) for row in rows}

    async def close(self) -> None:
        await self._batches.close()


class RoomInserts(_RoomStatements[NewRoom]):
    """``add((sdkappid, room, owner_known))``: True once inserted and committed; False when the RoomId exists or
    the owner account must exist (not ``owner_known``) and does not."""

    def __init__(self, change: Fetch) -> None:
        super().__init__(change, INSERT_ROOMS, lambda new: (new[0], new[1].room_id), "liveroom-room-inserts")

    def _columns(self, changes: Sequence[NewRoom]) -> list[list[Any]]:
        rows = [(sdkappid, *room_values(room), owner_known) for sdkappid, room, owner_known in changes]
        return [list(column) for column in zip(*rows, strict=True)]


class RoomUpdates(_RoomStatements[RoomChange]):
    """``add((sdkappid, room_id, changes))``: True once changed and committed; False when there is no such room."""

    def __init__(self, change: Fetch) -> None:
        super().__init__(change, UPDATE_ROOMS, lambda change: (change[0], change[1]), "liveroom-room-updates")

    def _columns(self, changes: Sequence[RoomChange]) -> list[list[Any]]:
        columns: list[list[Any]] = [[c[0] for c in changes], [c[1] for c in changes]]
        for name in _CHANGED:
            values = [getattr(c[2], name) for c in changes]
            if name == "category":
                values = [None if v is UNSET else encode_json(v).decode() for v in values]
            columns.append([None if v is UNSET else v for v in values])
        return columns
