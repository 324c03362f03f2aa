"""Rooms: the row of each room, its public list and its running counters."""

from __future__ import annotations

from typing import Any

import msgspec

from liveroom.store.queries import Queries
from liveroom.store.records import ListCursor, RoomChanges, RoomListing, RoomRecord, given_fields
from liveroom.store.sql import Batch, Row, Statement, update_statement
from liveroom.store.tables import ROOM_SCOPED

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_category_decoder = msgspec.json.Decoder(tuple[int, ...])
encode_json = msgspec.json.Encoder().encode

_ROOM_COLUMNS = RoomRecord.__struct_fields__
_ROOM_SELECT = ", ".join(_ROOM_COLUMNS)
_ROOM_BOOLEANS = tuple(
    _ROOM_COLUMNS.index(name)
    for name in ("is_seat_enabled", "is_message_disabled", "is_public_visible", "is_unlimited_room_enabled")
)
_ROOM_CATEGORY = _ROOM_COLUMNS.index("category")
_LISTING_SELECT = ", ".join(RoomListing.__struct_fields__)
_LISTING_CATEGORY = RoomListing.__struct_fields__.index("category")

GET_ROOM = Statement(f"SELECT {_ROOM_SELECT} FROM rooms WHERE sdkappid = ? AND room_id = ?")  # noqa: S608
_GET_ROOM_LOCKED = Statement(GET_ROOM.template + " FOR UPDATE")
_ROOM_OWNER = Statement("SELECT owner_account FROM rooms WHERE sdkappid = ? AND room_id = ?")
_ROOM_OWNER_LOCKED = Statement(_ROOM_OWNER.template + " FOR UPDATE")
# What an insert writes: the app, the record's columns, then the two sort keys (``room_values`` after the app).
INSERT_COLUMNS = ("sdkappid", *_ROOM_COLUMNS, "sort_views", "sort_created")
_INSERT_ROOM = Statement(
    f"INSERT INTO rooms ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))}) ON CONFLICT (sdkappid, room_id) DO NOTHING"
)
# A page reads only the listed columns: a third of the row, and no conversion of the rest. The sort keys are the
# negated list order (ViewCount desc, CreateTime desc), so one ascending index serves the keyset paging.
_LIST_FIRST = Statement(
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = ? AND is_public_visible "  # noqa: S608
    "ORDER BY sort_views, sort_created, room_id LIMIT ?"
)
_LIST_AFTER = Statement(
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = ? AND is_public_visible "  # noqa: S608
    "AND (sort_views, sort_created, room_id) > (?, ?, ?) "
    "ORDER BY sort_views, sort_created, room_id LIMIT ?"
)
# The room and every row scoped to it.
_DELETE_ROOM = Batch(
    *(f"DELETE FROM {table.name} WHERE sdkappid = ? AND room_id = ?" for table in ROOM_SCOPED),  # noqa: S608
    f"DELETE FROM rooms WHERE sdkappid = ? AND room_id = ? RETURNING {_ROOM_SELECT}",  # noqa: S608
)
COUNT_ROOMS = Statement("SELECT count(*) FROM rooms")
_ADD_VIEW = Statement(
    "UPDATE rooms SET view_count = view_count + 1, sort_views = -(view_count + 1) "
    "WHERE sdkappid = ? AND room_id = ? RETURNING view_count"
)
_ADD_MESSAGES = Statement(
    "UPDATE rooms SET total_msg_count = total_msg_count + ? WHERE sdkappid = ? AND room_id = ? "
    "RETURNING total_msg_count"
)
_ADD_LIKES = Statement(
    "UPDATE rooms SET total_likes_received = total_likes_received + ? WHERE sdkappid = ? AND room_id = ? "
    "RETURNING total_likes_received"
)


def room_from_row(row: Row) -> RoomRecord:
    values = list(row)
    for i in _ROOM_BOOLEANS:  # SQLite answers 0 and 1
        values[i] = bool(values[i])
    values[_ROOM_CATEGORY] = _category_decoder.decode(values[_ROOM_CATEGORY])
    return RoomRecord(*values)


def room_values(room: RoomRecord) -> list[Any]:
    """The columns ``INSERT INTO rooms`` writes after ``sdkappid``: the record's, then the two sort keys."""
    values = list(msgspec.structs.astuple(room))
    values[_ROOM_CATEGORY] = encode_json(room.category).decode()
    values += (_negated(room.view_count), _negated(room.create_time))
    return values


def _listing(row: Row) -> RoomListing:
    values = list(row)
    values[_LISTING_CATEGORY] = _category_decoder.decode(values[_LISTING_CATEGORY])
    return RoomListing(*values)


def _negated(value: int) -> int:
    """A sort key of a cursor the client sent back: any integer, clamped to what a 64-bit column can bind."""
    return max(_INT64_MIN, min(_INT64_MAX, -value))


def _cursor_id(room_id: str) -> str:
    """PostgreSQL text cannot hold NUL. No RoomId holds one, so for every stored id ``id > prefix + "\\0" + rest``
    is exactly ``id > prefix``: the comparison keeps its answer in both databases."""
    return room_id.split("\0", 1)[0]


class RoomQueries(Queries):
    __slots__ = ()

    async def insert_room(self, sdkappid: int, room: RoomRecord) -> bool:
        """Insert unless the RoomId exists; False (and nothing written) when it does."""
        return await self._db.execute(_INSERT_ROOM, (sdkappid, *room_values(room))) == 1

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        row = await self._db.fetchone(_GET_ROOM_LOCKED if self._write else GET_ROOM, (sdkappid, room_id))
        return None if row is None else room_from_row(row)

    async def room_owner(self, sdkappid: int, room_id: str) -> str | None:
        row = await self._db.fetchone(_ROOM_OWNER_LOCKED if self._write else _ROOM_OWNER, (sdkappid, room_id))
        return None if row is None else str(row[0])

    async def update_room(self, sdkappid: int, room_id: str, changes: RoomChanges) -> bool:
        """Change the given columns; False when there is no such room."""
        values = given_fields(changes)
        if not values:
            return await self.room_owner(sdkappid, room_id) is not None
        if "category" in values:
            values["category"] = encode_json(values["category"]).decode()
        statement = update_statement("rooms", "sdkappid = ? AND room_id = ?", tuple(values))
        return await self._db.execute(statement, (*values.values(), sdkappid, room_id)) == 1

    async def delete_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        """Remove the room and every row scoped to it; answers the room as it was.

        The room's row is locked first: a write that locked it before (a gift counted, metadata set) has
        committed by then, and the deletes, one statement later, see the rows it added."""
        if await self._db.fetchone(_ROOM_OWNER_LOCKED, (sdkappid, room_id)) is None:
            return None
        rows = await self._db.run_batch(_DELETE_ROOM, (sdkappid, room_id) * len(_DELETE_ROOM.widths))
        return room_from_row(rows[0]) if rows else None

    async def list_public_rooms(self, sdkappid: int, after: ListCursor | None, limit: int) -> list[RoomListing]:
        if after is None:
            rows = await self._db.fetchall(_LIST_FIRST, (sdkappid, limit))
        else:
            key = (_negated(after.view_count), _negated(after.create_time), _cursor_id(after.room_id))
            rows = await self._db.fetchall(_LIST_AFTER, (sdkappid, *key, limit))
        return [_listing(row) for row in rows]

    async def add_view(self, sdkappid: int, room_id: str) -> int | None:
        """One more entry: ViewCount + 1 (and its list sort key); the new count, None when there is no room."""
        row = await self._db.fetchone(_ADD_VIEW, (sdkappid, room_id))
        return None if row is None else int(row[0])

    async def add_messages(self, sdkappid: int, room_id: str, count: int) -> int:
        """TotalMsgCount + ``count``; the new count (0 when there is no room)."""
        row = await self._db.fetchone(_ADD_MESSAGES, (count, sdkappid, room_id))
        return 0 if row is None else int(row[0])

    async def add_likes(self, sdkappid: int, room_id: str, count: int) -> int | None:
        """TotalLikesReceived + ``count``: the new total, None when there is no room."""
        row = await self._db.fetchone(_ADD_LIKES, (count, sdkappid, room_id))
        return None if row is None else int(row[0])
