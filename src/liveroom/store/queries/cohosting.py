"""Co-hosting: rooms connected together, connection requests and battle requests waiting for answers.

A request waiting for its answer is a row with its deadline; whichever node times it out takes it with one DELETE
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) that answers the row only to the transaction that removed it, so a
timeout is told once however many nodes look, and an answer and a timeout cannot both take the same request.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from liveroom.store.queries import Queries
from liveroom.store.records import (
    BattleRequestRecord,
    BattleRequestRoomRecord,
    ConnectionRequestRecord,
    RoomConnectionRecord,
)
from liveroom.store.sql import Row, Statement

_CONNECTION_COLUMNS = ", ".join(RoomConnectionRecord.__struct_fields__)
_REQUEST_COLUMNS = ", ".join(ConnectionRequestRecord.__struct_fields__)
_BATTLE_REQUEST_COLUMNS = ", ".join(BattleRequestRecord.__struct_fields__)
_BATTLE_REQUEST_ROOM_COLUMNS = ", ".join(BattleRequestRoomRecord.__struct_fields__)

_CONNECTIONS_OF = Statement(
    f"SELECT {_CONNECTION_COLUMNS} FROM room_connections WHERE sdkappid = ? AND room_id = ANY(?)"  # noqa: S608
)
_GROUP = Statement(
    f"SELECT {_CONNECTION_COLUMNS} FROM room_connections WHERE sdkappid = ? AND group_id = ? "  # noqa: S608
    "ORDER BY connected_ms, room_id"
)
_CONNECT = Statement(
    f"INSERT INTO room_connections (sdkappid, {_CONNECTION_COLUMNS}) VALUES (?, ?, ?, ?, ?)"  # noqa: S608
)
_DISCONNECT = Statement("DELETE FROM room_connections WHERE sdkappid = ? AND room_id = ANY(?)")
# The owner of a connected room left it (``?`` the deadline to come back by), or came back (NULL).
_OWNER_GONE = Statement(
    "UPDATE room_connections SET owner_gone_ms = ? WHERE sdkappid = ? AND room_id = ? AND owner_account = ?"
)
_NEW_OWNER = Statement("UPDATE room_connections SET owner_account = ? WHERE sdkappid = ? AND room_id = ?")
_DUE_OWNERS_GONE = Statement(
    "SELECT sdkappid, room_id FROM room_connections WHERE owner_gone_ms <= ? ORDER BY owner_gone_ms LIMIT ?"
)
# Taken by one transaction: the one that cleared the deadline, which then takes the room out of its group.
_TAKE_OWNER_GONE = Statement(
    "UPDATE room_connections SET owner_gone_ms = NULL WHERE sdkappid = ? AND room_id = ? AND owner_gone_ms <= ?"
)

_INSERT_REQUEST = Statement(
    f"INSERT INTO connection_requests ({_REQUEST_COLUMNS}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(ConnectionRequestRecord.__struct_fields__))})"
)
_REQUESTS_OF = Statement(
    f"SELECT {_REQUEST_COLUMNS} FROM connection_requests "  # noqa: S608
    "WHERE sdkappid = ? AND (from_room_id = ? OR to_room_id = ?)"
)
# A request whose deadline has passed is not answered or cancelled any more: it times out.
_TAKE_REQUEST = Statement(
    "DELETE FROM connection_requests WHERE sdkappid = ? AND from_room_id = ? AND to_room_id = ? "  # noqa: S608
    f"AND deadline_ms > ? RETURNING {_REQUEST_COLUMNS}"
)
_TAKE_REQUESTS_OF = Statement(
    "DELETE FROM connection_requests WHERE sdkappid = ? AND (from_room_id = ? OR to_room_id = ?) "  # noqa: S608
    f"RETURNING {_REQUEST_COLUMNS}"
)
_EXPIRE_REQUESTS = Statement(
    "DELETE FROM connection_requests WHERE (sdkappid, from_room_id, to_room_id) IN ("  # noqa: S608
    "SELECT sdkappid, from_room_id, to_room_id FROM connection_requests WHERE deadline_ms <= ? "
    f"ORDER BY deadline_ms LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING {_REQUEST_COLUMNS}"
)
_NEXT_DEADLINE = Statement(
    "SELECT min(d) FROM (SELECT min(deadline_ms) AS d FROM connection_requests "
    "UNION ALL SELECT min(deadline_ms) AS d FROM battle_requests "
    "UNION ALL SELECT min(owner_gone_ms) AS d FROM room_connections) AS deadlines"
)

_INSERT_BATTLE_REQUEST = Statement(
    f"INSERT INTO battle_requests ({_BATTLE_REQUEST_COLUMNS}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(BattleRequestRecord.__struct_fields__))})"
)
_INSERT_BATTLE_REQUEST_ROOM = Statement(
    f"INSERT INTO battle_request_rooms (sdkappid, battle_id, {_BATTLE_REQUEST_ROOM_COLUMNS}) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?)"
)
_GET_BATTLE_REQUEST = Statement(
    f"SELECT {_BATTLE_REQUEST_COLUMNS} FROM battle_requests WHERE sdkappid = ? AND battle_id = ?"  # noqa: S608
)
_GET_BATTLE_REQUEST_LOCKED = Statement(_GET_BATTLE_REQUEST.template + " FOR UPDATE")
_BATTLE_REQUEST_ROOMS = Statement(
    f"SELECT {_BATTLE_REQUEST_ROOM_COLUMNS} FROM battle_request_rooms "  # noqa: S608
    "WHERE sdkappid = ? AND battle_id = ? ORDER BY room_id"
)
_ANSWER_BATTLE = Statement(
    "UPDATE battle_request_rooms SET answer = ? WHERE sdkappid = ? AND battle_id = ? AND room_id = ? AND answer = 0"
)
_TAKE_BATTLE_REQUEST = Statement(
    "DELETE FROM battle_requests WHERE sdkappid = ? AND battle_id = ? "  # noqa: S608
    f"RETURNING {_BATTLE_REQUEST_COLUMNS}"
)
_DELETE_BATTLE_REQUEST_ROOMS = Statement("DELETE FROM battle_request_rooms WHERE sdkappid = ? AND battle_id = ?")
# Battle requests whose deadline has passed; each is then taken (a conditional DELETE) after its rooms are locked.
_DUE_BATTLE_REQUESTS = Statement(
    "SELECT sdkappid, battle_id FROM battle_requests WHERE deadline_ms <= ? ORDER BY deadline_ms LIMIT ?"
)
_TAKE_DUE_BATTLE_REQUEST = Statement(
    "DELETE FROM battle_requests WHERE sdkappid = ? AND battle_id = ? AND deadline_ms <= ? "  # noqa: S608
    f"RETURNING {_BATTLE_REQUEST_COLUMNS}"
)
# The battle requests a room takes part in, as the inviter's room or an invited one.
_BATTLE_REQUESTS_OF = Statement(
    "SELECT battle_id FROM battle_requests WHERE sdkappid = ? AND from_room_id = ? "
    "UNION SELECT battle_id FROM battle_request_rooms WHERE sdkappid = ? AND room_id = ?"
)


def _connection(row: Row) -> RoomConnectionRecord:
    return RoomConnectionRecord(row[0], row[1], row[2], int(row[3]))


def _request(row: Row) -> ConnectionRequestRecord:
    return ConnectionRequestRecord(int(row[0]), row[1], row[2], row[3], row[4], row[5], int(row[6]))


def _battle_request(row: Row) -> BattleRequestRecord:
    return BattleRequestRecord(int(row[0]), row[1], row[2], row[3], int(row[4]), row[5], int(row[6]), int(row[7]))


class CoHostingQueries(Queries):
    __slots__ = ()

    # connections

    async def connections_of(self, sdkappid: int, room_ids: Sequence[str]) -> dict[str, RoomConnectionRecord]:
        """The connection of each of the rooms that is connected, by RoomId."""
        rows = await self._db.fetchall(_CONNECTIONS_OF, (sdkappid, list(room_ids)))
        return {row[0]: _connection(row) for row in rows}

    async def connection_group(self, sdkappid: int, group_id: str) -> list[RoomConnectionRecord]:
        """The rooms connected together as ``group_id``, in the order they joined."""
        return [_connection(row) for row in await self._db.fetchall(_GROUP, (sdkappid, group_id))]

    async def connect_rooms(self, sdkappid: int, rooms: Sequence[RoomConnectionRecord]) -> None:
        await self._db.executemany(_CONNECT, [(sdkappid, *msgspec.structs.astuple(room)) for room in rooms])

    async def disconnect_rooms(self, sdkappid: int, room_ids: Sequence[str]) -> None:
        await self._db.execute(_DISCONNECT, (sdkappid, list(room_ids)))

    async def note_owner_gone(self, sdkappid: int, room_id: str, owner: str, deadline_ms: int | None) -> bool:
        """The owner of the connected room left it, to come back by ``deadline_ms`` (None: they are back)."""
        return await self._db.execute(_OWNER_GONE, (deadline_ms, sdkappid, room_id, owner)) == 1

    async def set_connection_owner(self, sdkappid: int, room_id: str, owner: str) -> None:
        """The connected room has a new owner (change_room_owner): the host its linked rooms see."""
        await self._db.execute(_NEW_OWNER, (owner, sdkappid, room_id))

    async def due_owners_gone(self, now_ms: int, limit: int) -> list[tuple[int, str]]:
        """Connected rooms whose owner left and did not come back in time: (SDKAppID, RoomId)."""
        rows = await self._db.fetchall(_DUE_OWNERS_GONE, (now_ms, limit))
        return [(int(row[0]), str(row[1])) for row in rows]

    async def take_owner_gone(self, sdkappid: int, room_id: str, now_ms: int) -> bool:
        """Clear the room's passed deadline: True only for the one transaction that did."""
        return await self._db.execute(_TAKE_OWNER_GONE, (sdkappid, room_id, now_ms)) == 1

    # connection requests

    async def insert_connection_request(self, request: ConnectionRequestRecord) -> None:
        await self._db.execute(_INSERT_REQUEST, msgspec.structs.astuple(request))

    async def connection_requests_of(self, sdkappid: int, room_id: str) -> list[ConnectionRequestRecord]:
        """The requests the room made or was sent."""
        return [_request(row) for row in await self._db.fetchall(_REQUESTS_OF, (sdkappid, room_id, room_id))]

    async def take_connection_request(
        self, sdkappid: int, from_room_id: str, to_room_id: str, now_ms: int
    ) -> ConnectionRequestRecord | None:
        """Remove the request (it is answered or cancelled): None when it is not waiting (any more) at ``now_ms``."""
        row = await self._db.fetchone(_TAKE_REQUEST, (sdkappid, from_room_id, to_room_id, now_ms))
        return None if row is None else _request(row)

    async def take_connection_requests_of(self, sdkappid: int, room_id: str) -> list[ConnectionRequestRecord]:
        """Remove every request the room made or was sent (the room is gone)."""
        return [_request(row) for row in await self._db.fetchall(_TAKE_REQUESTS_OF, (sdkappid, room_id, room_id))]

    async def expire_connection_requests(self, now_ms: int, limit: int) -> list[ConnectionRequestRecord]:
        """Remove up to ``limit`` requests whose deadline has passed: those this transaction removed, which no
        other one can have."""
        return [_request(row) for row in await self._db.fetchall(_EXPIRE_REQUESTS, (now_ms, limit))]

    async def next_request_deadline(self) -> int | None:
        """The earliest deadline of any waiting request, connection or battle (Unix ms); None when none waits."""
        row = await self._db.fetchone(_NEXT_DEADLINE)
        return None if row is None or row[0] is None else int(row[0])

    # battle requests

    async def insert_battle_request(
        self, request: BattleRequestRecord, rooms: Sequence[BattleRequestRoomRecord]
    ) -> None:
        await self._db.execute(_INSERT_BATTLE_REQUEST, msgspec.structs.astuple(request))
        await self._db.executemany(
            _INSERT_BATTLE_REQUEST_ROOM,
            [(request.sdkappid, request.battle_id, r.room_id, r.owner_account, r.answer) for r in rooms],
        )

    async def get_battle_request(self, sdkappid: int, battle_id: str) -> BattleRequestRecord | None:
        """The request (locked in a write transaction: its answers are written one at a time)."""
        statement = _GET_BATTLE_REQUEST_LOCKED if self._write else _GET_BATTLE_REQUEST
        row = await self._db.fetchone(statement, (sdkappid, battle_id))
        return None if row is None else _battle_request(row)

    async def battle_request_rooms(self, sdkappid: int, battle_id: str) -> list[BattleRequestRoomRecord]:
        rows = await self._db.fetchall(_BATTLE_REQUEST_ROOMS, (sdkappid, battle_id))
        return [BattleRequestRoomRecord(row[0], row[1], int(row[2])) for row in rows]

    async def answer_battle_request(self, sdkappid: int, battle_id: str, room_id: str, answer: int) -> bool:
        """Record the room's answer: False when it has none to give (not invited, or answered already)."""
        return await self._db.execute(_ANSWER_BATTLE, (answer, sdkappid, battle_id, room_id)) == 1

    async def take_battle_request(self, sdkappid: int, battle_id: str) -> BattleRequestRecord | None:
        """Remove the request and its rooms (it is resolved or cancelled): None when it was not there (any more)."""
        row = await self._db.fetchone(_TAKE_BATTLE_REQUEST, (sdkappid, battle_id))
        return None if row is None else _battle_request(row)

    async def delete_battle_request_rooms(self, sdkappid: int, battle_id: str) -> None:
        await self._db.execute(_DELETE_BATTLE_REQUEST_ROOMS, (sdkappid, battle_id))

    async def due_battle_requests(self, now_ms: int, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` battle requests whose deadline has passed at ``now_ms``: (SDKAppID, BattleId)."""
        rows = await self._db.fetchall(_DUE_BATTLE_REQUESTS, (now_ms, limit))
        return [(int(row[0]), str(row[1])) for row in rows]

    async def take_due_battle_request(self, sdkappid: int, battle_id: str, now_ms: int) -> BattleRequestRecord | None:
        """Remove the request if its deadline has passed at ``now_ms``: None when another transaction took it."""
        row = await self._db.fetchone(_TAKE_DUE_BATTLE_REQUEST, (sdkappid, battle_id, now_ms))
        return None if row is None else _battle_request(row)

    async def battle_requests_of(self, sdkappid: int, room_id: str) -> list[str]:
        rows = await self._db.fetchall(_BATTLE_REQUESTS_OF, (sdkappid, room_id, sdkappid, room_id))
        return sorted(str(row[0]) for row in rows)
