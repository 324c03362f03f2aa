"""Battles: each battle and the rooms in it with their scores.

A battle runs until ``end_ms``; it is ended by one conditional UPDATE (``status < 3`` to ``3``) that answers the
battle only to the transaction that made the change, so that whichever node or request ends a battle, and however
many try at once, it ends exactly once and its end is recorded (the outbox) in that same transaction. Rooms taking
part in a battle are locked first (their ``rooms`` rows, in RoomId order), so that on every node a room joins at
most one running battle at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from liveroom.store.queries import Queries
from liveroom.store.records import BattleRecord, BattleRoomRecord
from liveroom.store.sql import Row, Statement

ENDED = 3

_BATTLE_COLUMNS = ", ".join(BattleRecord.__struct_fields__)
_ROOM_COLUMNS = ", ".join(BattleRoomRecord.__struct_fields__)

_LOCK_ROOMS = Statement(
    "SELECT room_id, owner_account FROM rooms WHERE sdkappid = ? AND room_id = ANY(?) ORDER BY room_id FOR UPDATE"
)
# The rooms, of those given, that take part in a battle still running at ``?`` (not ended, its time not up).
_BUSY_ROOMS = Statement(
    "SELECT r.room_id, b.battle_id FROM battle_rooms r JOIN battles b "
    "ON b.sdkappid = r.sdkappid AND b.battle_id = r.battle_id "
    "WHERE r.sdkappid = ? AND r.room_id = ANY(?) AND NOT r.has_left AND b.status < 3 AND b.end_ms > ?"
)
_INSERT_BATTLE = Statement(
    f"INSERT INTO battles ({_BATTLE_COLUMNS}) "  # noqa: S608
    f"VALUES ({', '.join('?' * len(BattleRecord.__struct_fields__))})"
)
_INSERT_ROOM = Statement(
    f"INSERT INTO battle_rooms (sdkappid, battle_id, {_ROOM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
)
_GET_BATTLE = Statement(f"SELECT {_BATTLE_COLUMNS} FROM battles WHERE sdkappid = ? AND battle_id = ?")  # noqa: S608
_GET_BATTLE_LOCKED = Statement(_GET_BATTLE.template + " FOR UPDATE")
_BATTLE_ROOMS = Statement(
    f"SELECT {_ROOM_COLUMNS} FROM battle_rooms WHERE sdkappid = ? AND battle_id = ? ORDER BY position"  # noqa: S608
)
# The battle a room takes part in now; the latest when a battle whose time is up has not been ended yet.
_RUNNING_BATTLE_OF = Statement(
    "SELECT b.battle_id FROM battle_rooms r JOIN battles b ON b.sdkappid = r.sdkappid AND b.battle_id = r.battle_id "
    "WHERE r.sdkappid = ? AND r.room_id = ? AND NOT r.has_left AND b.status < 3 AND b.end_ms > ? "
    "ORDER BY b.start_ms DESC LIMIT 1"
)
_ADD_SCORE = Statement(
    "UPDATE battle_rooms SET score = score + ? WHERE sdkappid = ? AND battle_id = ? AND room_id = ? AND NOT has_left "
    "RETURNING score"
)
_SET_SCORE = Statement(
    "UPDATE battle_rooms SET score = ? WHERE sdkappid = ? AND battle_id = ? AND room_id = ? AND NOT has_left "
    "RETURNING score"
)
# Ends a battle that has not ended; ``end_ms`` becomes the time it ended (its deadline, when that came first).
_END_BATTLE = Statement(
    "UPDATE battles SET status = 3, end_reason = ?, end_ms = CASE WHEN end_ms < ? THEN end_ms ELSE ? END "  # noqa: S608
    f"WHERE sdkappid = ? AND battle_id = ? AND status < 3 RETURNING {_BATTLE_COLUMNS}"
)
# Ends running battles whose time is up, those no other transaction holds (a node ending them): each to one node.
_END_DUE = Statement(
    "UPDATE battles SET status = 3, end_reason = 0 WHERE (sdkappid, battle_id) IN ("  # noqa: S608
    "SELECT sdkappid, battle_id FROM battles WHERE status < 3 AND end_ms <= ? ORDER BY end_ms LIMIT ? "
    f"FOR UPDATE SKIP LOCKED) AND status < 3 RETURNING {_BATTLE_COLUMNS}"
)
_NEXT_END = Statement("SELECT min(end_ms) FROM battles WHERE status < 3")
# A room leaves the running battles it takes part in (it was dismissed, or its owner left the battle).
_LEAVE = Statement(
    "UPDATE battle_rooms SET has_left = ? WHERE sdkappid = ? AND room_id = ? AND NOT has_left AND battle_id IN ("
    "SELECT battle_id FROM battles WHERE sdkappid = ? AND status < 3) RETURNING battle_id"
)
_LEAVE_ONE = Statement(
    "UPDATE battle_rooms SET has_left = ? WHERE sdkappid = ? AND battle_id = ? AND room_id = ? AND NOT has_left"
)
# A battle's row kept from ending until the end of the transaction (a gift adding to a score meanwhile).
_KEEP_RUNNING = Statement("SELECT end_ms FROM battles WHERE sdkappid = ? AND battle_id = ? AND status < 3 FOR SHARE")
_REMAINING = Statement("SELECT count(*) FROM battle_rooms WHERE sdkappid = ? AND battle_id = ? AND NOT has_left")


def _battle(row: Row) -> BattleRecord:
    return BattleRecord(*row)


def _room(row: Row) -> BattleRoomRecord:
    return BattleRoomRecord(row[0], int(row[1]), row[2], int(row[3]), bool(row[4]))


class BattleQueries(Queries):
    __slots__ = ()

    async def lock_battle_rooms(self, sdkappid: int, room_ids: Sequence[str]) -> dict[str, str]:
        """The owner of each of the rooms that exist, their rows locked until the end of the transaction."""
        rows = await self._db.fetchall(_LOCK_ROOMS, (sdkappid, sorted(room_ids)))
        return {row[0]: row[1] for row in rows}

    async def busy_rooms(self, sdkappid: int, room_ids: Sequence[str], now_ms: int) -> dict[str, str]:
        """The rooms, of ``room_ids``, in a battle running at ``now_ms``: RoomId to BattleId."""
        rows = await self._db.fetchall(_BUSY_ROOMS, (sdkappid, list(room_ids), now_ms))
        return {row[0]: row[1] for row in rows}

    async def insert_battle(self, battle: BattleRecord, rooms: Sequence[BattleRoomRecord]) -> None:
        await self._db.execute(_INSERT_BATTLE, msgspec.structs.astuple(battle))
        await self._db.executemany(
            _INSERT_ROOM,
            [
                (battle.sdkappid, battle.battle_id, r.room_id, r.position, r.owner_account, r.score, r.has_left)
                for r in rooms
            ],
        )

    async def get_battle(self, sdkappid: int, battle_id: str) -> BattleRecord | None:
        """The battle (locked in a write transaction, so that its scores change one writer at a time)."""
        row = await self._db.fetchone(_GET_BATTLE_LOCKED if self._write else _GET_BATTLE, (sdkappid, battle_id))
        return None if row is None else _battle(row)

    async def battle_rooms(self, sdkappid: int, battle_id: str) -> list[BattleRoomRecord]:
        return [_room(row) for row in await self._db.fetchall(_BATTLE_ROOMS, (sdkappid, battle_id))]

    async def running_battle_of(self, sdkappid: int, room_id: str, now_ms: int) -> str | None:
        row = await self._db.fetchone(_RUNNING_BATTLE_OF, (sdkappid, room_id, now_ms))
        return None if row is None else str(row[0])

    async def change_battle_score(
        self, sdkappid: int, battle_id: str, room_id: str, score: int, *, add: bool
    ) -> int | None:
        """Add ``score`` to the room's (or set it): the new score, None when the room takes no part (any more)."""
        row = await self._db.fetchone(_ADD_SCORE if add else _SET_SCORE, (score, sdkappid, battle_id, room_id))
        return None if row is None else int(row[0])

    async def end_battle(self, sdkappid: int, battle_id: str, reason: int, now_ms: int) -> BattleRecord | None:
        """End the battle for ``reason`` unless it has ended: the battle as ended, None when it already was."""
        row = await self._db.fetchone(_END_BATTLE, (reason, now_ms, now_ms, sdkappid, battle_id))
        return None if row is None else _battle(row)

    async def end_due_battles(self, now_ms: int, limit: int) -> list[BattleRecord]:
        """End up to ``limit`` running battles whose time is up at ``now_ms`` (OpType 0): those this transaction
        ended, which no other one can have."""
        return [_battle(row) for row in await self._db.fetchall(_END_DUE, (now_ms, limit))]

    async def next_battle_end(self) -> int | None:
        """When the next running battle ends (Unix ms), None when none runs."""
        row = await self._db.fetchone(_NEXT_END)
        return None if row is None or row[0] is None else int(row[0])

    async def leave_battles(self, sdkappid: int, room_id: str) -> list[str]:
        """The room leaves every battle it takes part in that has not ended: their BattleIds."""
        rows = await self._db.fetchall(_LEAVE, (True, sdkappid, room_id, sdkappid))
        return [str(row[0]) for row in rows]

    async def leave_battle(self, sdkappid: int, battle_id: str, room_id: str) -> bool:
        return await self._db.execute(_LEAVE_ONE, (True, sdkappid, battle_id, room_id)) == 1

    async def add_to_running_battle(self, sdkappid: int, room_id: str, score: int, now_ms: int) -> str | None:
        """Add ``score`` to the room's in the battle it takes part in now: the BattleId, None when there is none.

        The battle's row is shared first, so that the battle cannot end (its final scores read) while the score
        changes; a battle that ended meanwhile is then found ended."""
        battle_id = await self.running_battle_of(sdkappid, room_id, now_ms)
        if battle_id is None:
            return None
        row = await self._db.fetchone(_KEEP_RUNNING, (sdkappid, battle_id))
        if row is None or int(row[0]) <= now_ms:
            return None
        if await self.change_battle_score(sdkappid, battle_id, room_id, score, add=True) is None:
            return None
        return battle_id

    async def rooms_remaining(self, sdkappid: int, battle_id: str) -> int:
        row = await self._db.fetchone(_REMAINING, (sdkappid, battle_id))
        return 0 if row is None else int(row[0])
