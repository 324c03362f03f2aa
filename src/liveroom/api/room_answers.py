"""Kept ``get_room_info`` answers: the JSON of a room's answer, split around ``MemberCount``, while it is unchanged.

Building ``RoomInfo`` and encoding it is most of the Python work of a ``get_room_info``, and rooms are read far
more often than they change. A kept answer serves only while the room read now equals the room it was made from,
field by field, so a change made anywhere (another worker, another node) is never hidden; the member count, which
moves without the room changing, is put in on every request.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from liveroom.store.interface import RoomRecord

_encode = msgspec.json.Encoder().encode


class RoomInfoAnswers:
    """``answer(room)`` makes the response Struct with ``MemberCount`` 0; ``size`` answers are kept at most (a full
    set starts again empty)."""

    _SPLIT = b'"MemberCount":0,'

    def __init__(self, answer: Callable[[RoomRecord], msgspec.Struct], size: int) -> None:
        self._answer = answer
        self._size = size
        self._kept: dict[tuple[int, str], tuple[RoomRecord, bytes, bytes]] = {}

    def encode(self, sdkappid: int, room: RoomRecord, member_count: int) -> msgspec.Raw:
        key = (sdkappid, room.room_id)
        kept = self._kept.get(key)
        # The same object while the store keeps the room (records are frozen); an equal one from another store.
        if kept is None or (kept[0] is not room and kept[0] != room):
            whole = _encode(self._answer(room))
            # A string value cannot hold this: its quotes would be escaped.
            head, split, tail = whole.partition(self._SPLIT)
            assert split, "RoomInfo encodes MemberCount before another field"
            if len(self._kept) >= self._size:
                self._kept.clear()
            kept = self._kept[key] = (room, head + b'"MemberCount":', b"," + tail)
        return msgspec.Raw(b"%s%d%s" % (kept[1], member_count, kept[2]))
