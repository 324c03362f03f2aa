"""Who is online in which room. The realtime gateway maintains it; the REST side reads counts from it."""

from __future__ import annotations

from collections import defaultdict


class Presence:
    """Members online now, per (SDKAppID, RoomId), kept in this process."""

    def __init__(self) -> None:
        self._members: defaultdict[tuple[int, str], set[str]] = defaultdict(set)

    def member_count(self, sdkappid: int, room_id: str) -> int:
        members = self._members.get((sdkappid, room_id))
        return 0 if members is None else len(members)

    def members(self, sdkappid: int, room_id: str) -> frozenset[str]:
        return frozenset(self._members.get((sdkappid, room_id), ()))

    def is_present(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        members = self._members.get((sdkappid, room_id))
        return members is not None and user_id in members

    def enter(self, sdkappid: int, room_id: str, user_id: str) -> None:
        self._members[(sdkappid, room_id)].add(user_id)

    def leave(self, sdkappid: int, room_id: str, user_id: str) -> None:
        members = self._members.get((sdkappid, room_id))
        if members is not None:
            members.discard(user_id)
            if not members:
                del self._members[(sdkappid, room_id)]

    def clear_room(self, sdkappid: int, room_id: str) -> frozenset[str]:
        return frozenset(self._members.pop((sdkappid, room_id), ()))
