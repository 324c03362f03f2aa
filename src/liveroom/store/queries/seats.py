"""Seats: the stored seats of a room (occupied or locked ones at least)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from liveroom.store.queries import Queries
from liveroom.store.records import SeatRecord
from liveroom.store.sql import Row, Statement

# The columns in SeatRecord's order.
_SEATS = Statement(
    "SELECT seat_index, member_account, is_taken_disabled, is_video_disabled, is_audio_disabled, is_microphone_closed "
    "FROM room_seats WHERE sdkappid = ? AND room_id = ? ORDER BY seat_index"
)
_PUT_SEAT = Statement(
    "INSERT INTO room_seats (sdkappid, room_id, seat_index, member_account, is_taken_disabled, "
    "is_video_disabled, is_audio_disabled, is_microphone_closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, room_id, seat_index) DO UPDATE SET member_account = excluded.member_account, "
    "is_taken_disabled = excluded.is_taken_disabled, is_video_disabled = excluded.is_video_disabled, "
    "is_audio_disabled = excluded.is_audio_disabled, is_microphone_closed = excluded.is_microphone_closed"
)


def _seat(row: Row) -> SeatRecord:
    index, member, taken, video, audio, microphone_closed = row
    return SeatRecord(
        index=index,
        member_account=member,
        is_taken_disabled=bool(taken),
        is_video_disabled=bool(video),
        is_audio_disabled=bool(audio),
        is_microphone_closed=bool(microphone_closed),
    )


class SeatQueries(Queries):
    __slots__ = ()

    async def get_seats(self, sdkappid: int, room_id: str) -> list[SeatRecord]:
        """The stored seats of the room (occupied or locked ones at least), by index."""
        return [_seat(row) for row in await self._db.fetchall(_SEATS, (sdkappid, room_id))]

    async def put_seats(self, sdkappid: int, room_id: str, seats: Sequence[SeatRecord]) -> None:
        """Create or overwrite these seats."""
        ordered = sorted(seats, key=lambda s: s.index)
        await self._db.executemany(_PUT_SEAT, [(sdkappid, room_id, *msgspec.structs.astuple(s)) for s in ordered])
