"""Seat requests: pending seat applications and invitations, each ended by one DELETE.

Answering, cancelling and timing out a request each delete its row and read it back (``RETURNING``); however many
transactions try at once, on however many nodes, one of them gets the row and the others none. A request whose
deadline has passed is no longer answered or cancelled: it is left to the clock that times it out
(``time_out_seat_requests``), so that it ends one way only.
"""

from __future__ import annotations

import msgspec

from liveroom.store.queries import Queries
from liveroom.store.records import SeatRequestRecord
from liveroom.store.sql import Row, Statement

_COLUMNS = ", ".join(SeatRequestRecord.__struct_fields__)

_INSERT = Statement(
    f"INSERT INTO seat_requests ({_COLUMNS}) VALUES ({', '.join('?' * len(SeatRequestRecord.__struct_fields__))}) "  # noqa: S608
    "ON CONFLICT (sdkappid, room_id, member_account, kind) DO NOTHING"
)
_TAKE = Statement(
    "DELETE FROM seat_requests WHERE sdkappid = ? AND room_id = ? AND member_account = ? AND kind = ? "  # noqa: S608
    f"AND deadline_ms > ? RETURNING {_COLUMNS}"
)
# The requests whose time is up that no other transaction holds (a node timing them out): each to one node.
_TIME_OUT = Statement(
    "DELETE FROM seat_requests WHERE (sdkappid, room_id, member_account, kind) IN ("  # noqa: S608
    "SELECT sdkappid, room_id, member_account, kind FROM seat_requests WHERE deadline_ms <= ? "
    f"ORDER BY deadline_ms LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING {_COLUMNS}"
)
_NEXT_DEADLINE = Statement("SELECT min(deadline_ms) FROM seat_requests")


def _request(row: Row) -> SeatRequestRecord:
    return SeatRequestRecord(*row)


class SeatRequestQueries(Queries):
    __slots__ = ()

    async def add_seat_request(self, request: SeatRequestRecord) -> bool:
        """Store a pending request; False when the member already has one of this kind in the room."""
        return await self._db.execute(_INSERT, msgspec.structs.astuple(request)) == 1

    async def take_seat_request(
        self, sdkappid: int, room_id: str, member_account: str, kind: str, now_ms: int
    ) -> SeatRequestRecord | None:
        """End the member's pending request (answered or cancelled) unless its time was up at ``now_ms``: the
        request, None when there is none (or another transaction ended it first)."""
        row = await self._db.fetchone(_TAKE, (sdkappid, room_id, member_account, kind, now_ms))
        return None if row is None else _request(row)

    async def time_out_seat_requests(self, now_ms: int, limit: int) -> list[SeatRequestRecord]:
        """End up to ``limit`` requests whose time was up at ``now_ms``: those this transaction ended, which no
        other one can have."""
        return [_request(row) for row in await self._db.fetchall(_TIME_OUT, (now_ms, limit))]

    async def next_seat_request_deadline(self) -> int | None:
        """When the next pending request times out (Unix ms), None when none is pending."""
        row = await self._db.fetchone(_NEXT_DEADLINE)
        return None if row is None or row[0] is None else int(row[0])
