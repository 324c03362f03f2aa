"""The members connected through this node, by room, and what changed among them while Redis could not be told.

``RedisPresence`` keeps them to refresh their entries in Redis and, while Redis cannot be reached, to answer from
them: this node counts and admits its own members, as one node would. What changed meanwhile is journaled
(``entered``, ``left``, ``cleared``) and written to Redis when it is back: entries removed first, rooms cleared
next, then the entries of the members admitted meanwhile written, so that a member who left and came back is in.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable

from liveroom.domain.presence import Admission, Page, Roster

Room = tuple[int, str]
Member = tuple[int, str, str]


class OwnMembers:
    def __init__(self) -> None:
        self.rooms: defaultdict[Room, Roster] = defaultdict(Roster)
        # Positions of this node only: a page read while Redis cannot be reached is of this node's members.
        self._positions = itertools.count(1)
        # Admitted while Redis could not be told: their entries are written when it is back.
        self.entered: set[Member] = set()
        # Gone while Redis could not be told: True when from every node (a ban), else this node's entry only.
        self.left: dict[Member, bool] = {}
        # Dismissed while Redis could not be told: every entry of the room goes.
        self.cleared: set[Room] = set()

    def __len__(self) -> int:
        return sum(map(len, self.rooms.values()))

    def entries(self) -> list[Member]:
        return [(sdkappid, room_id, user) for (sdkappid, room_id), users in self.rooms.items() for user in users]

    def add(self, sdkappid: int, room_id: str, user_id: str) -> None:
        self.rooms[(sdkappid, room_id)].add(user_id, next(self._positions))

    def discard(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        users = self.rooms.get((sdkappid, room_id))
        if users is None or user_id not in users:
            return False
        users.discard(user_id)
        if not users:
            del self.rooms[(sdkappid, room_id)]
        return True

    def count(self, sdkappid: int, room_id: str) -> int:
        users = self.rooms.get((sdkappid, room_id))
        return 0 if users is None else len(users)

    def members(self, sdkappid: int, room_id: str) -> frozenset[str]:
        return frozenset(self.rooms.get((sdkappid, room_id), ()))

    def page(self, sdkappid: int, room_id: str, after: int, limit: int) -> Page:
        users = self.rooms.get((sdkappid, room_id))
        return Page(0, []) if users is None else Page(len(users), users.page(after, limit))

    def has(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        users = self.rooms.get((sdkappid, room_id))
        return users is not None and user_id in users

    # while Redis cannot be told --------------------------------------------------------------------------

    def admit(self, sdkappid: int, room_id: str, user_id: str, capacity: int) -> Admission:
        """``Presence.enter`` from this node's members alone: the capacity holds for them."""
        count = self.count(sdkappid, room_id)
        if self.has(sdkappid, room_id, user_id):
            return Admission(True, True, count)
        if count >= capacity:
            return Admission(False, False, count)
        self.add(sdkappid, room_id, user_id)
        self.entered.add((sdkappid, room_id, user_id))
        return Admission(True, False, count + 1)

    def depart(self, sdkappid: int, room_id: str, user_id: str, *, everywhere: bool) -> int | None:
        """``Presence.leave`` (``remove`` when ``everywhere``) from this node's members alone."""
        member = (sdkappid, room_id, user_id)
        self.entered.discard(member)
        # Journaled even when admitted meanwhile: its entry may have been written already.
        self.left[member] = everywhere or self.left.get(member, False)
        if not self.discard(sdkappid, room_id, user_id):
            return None
        return self.count(sdkappid, room_id)

    def clear(self, sdkappid: int, room_id: str) -> frozenset[str]:
        """``Presence.clear_room`` of this node's members (the others' go when Redis is back)."""
        users = frozenset(self.rooms.pop((sdkappid, room_id), ()))
        self.entered = {member for member in self.entered if member[:2] != (sdkappid, room_id)}
        self.cleared.add((sdkappid, room_id))
        return users

    def journaled(self) -> bool:
        return bool(self.entered or self.left or self.cleared)

    async def replay(
        self,
        *,
        leave: Callable[[Member, bool], Awaitable[object]],
        clear: Callable[[Room], Awaitable[object]],
        write: Callable[[list[Member]], Awaitable[object]],
    ) -> None:
        """Write the journal to Redis: ``leave`` (from every node when True), ``clear``, then ``write`` the entries of
        the members admitted. Each change leaves the journal once written: a fault in between loses none."""
        for member, everywhere in list(self.left.items()):
            await leave(member, everywhere)
            if self.left.get(member) == everywhere:
                del self.left[member]
        for room in list(self.cleared):
            await clear(room)
            self.cleared.discard(room)
        entered = list(self.entered)
        await write(entered)
        self.entered.difference_update(entered)
