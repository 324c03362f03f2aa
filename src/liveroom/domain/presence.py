"""Who is online in which room. The realtime gateway maintains it; the REST side reads counts from it.

One process keeps it in memory (``LocalPresence``). Several nodes share it through Redis
(``liveroom.cluster.presence.RedisPresence``): each node refreshes the members connected to it, and the members of a
node that stopped refreshing (killed, cut off) are handed out by ``lost`` to exactly one surviving node, which
tells the room they left; the node that was only cut off learns it when it can refresh again (``on_evicted``).

One user counts once per room whatever the number of their connections. The gateway calls ``leave`` when a user's
last connection to a room on this node leaves: a user connected through two nodes at once stays a member until
their connections on every node have left. ``remove`` (a ban) takes them out everywhere at once.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import NamedTuple, Protocol

MAX_REMEMBERED_DROPS = 100_000


class Admission(NamedTuple):
    """What ``enter`` decided: ``admitted`` False means the room is full; ``already`` means the user was a member
    (a second connection, or back before their old entry expired); ``member_count`` counts them in."""

    admitted: bool
    already: bool
    member_count: int


class Page(NamedTuple):
    """A page of a room's members: the room's ``member_count`` and (position, user) in entry order, read together."""

    member_count: int
    members: list[tuple[int, str]]


class Lost(NamedTuple):
    sdkappid: int
    room_id: str
    user_id: str
    member_count: int


class Evicted(NamedTuple):
    """A member connected through this node whose presence the other nodes removed as lost (this node could not
    refresh it in time, e.g. cut off from the shared store): the room was told they left; ``member_count`` is the
    room's count now."""

    sdkappid: int
    room_id: str
    user_id: str
    member_count: int


class Roster:
    """One room's members in the order they entered, each at a position that only grows (``add`` is given it):
    a page after a position costs O(log n + page size), not O(n). Removal leaves a gap in ``_order`` that is
    skipped, and squeezed out once gaps are half of it."""

    __slots__ = ("_gaps", "_order", "_position")

    def __init__(self) -> None:
        self._position: dict[str, int] = {}
        self._order: list[tuple[int, str]] = []
        self._gaps = 0

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self._position)

    def add(self, user_id: str, position: int) -> bool:
        """False when ``user_id`` is already a member (keeping their place)."""
        if user_id in self._position:
            return False
        self._position[user_id] = position
        self._order.append((position, user_id))
        return True

    def discard(self, user_id: str) -> bool:
        if self._position.pop(user_id, None) is None:
            return False
        self._gaps += 1
        if self._gaps > 64 and self._gaps * 2 > len(self._order):
            self._order = [entry for entry in self._order if self._position.get(entry[1]) == entry[0]]
            self._gaps = 0
        return True

    def page(self, after: int, limit: int) -> list[tuple[int, str]]:
        """At most ``limit`` members who entered after position ``after``, as (position, user), in entry order."""
        order, positions = self._order, self._position
        found: list[tuple[int, str]] = []
        # By index: islice would step through the whole list before ``start``.
        for i in range(bisect.bisect_right(order, after, key=lambda entry: entry[0]), len(order)):
            position, user_id = order[i]
            if positions.get(user_id) == position:
                found.append((position, user_id))
                if len(found) == limit:
                    break
        return found


class Presence(Protocol):
    async def member_count(self, sdkappid: int, room_id: str, *, fresh: bool = False) -> int:
        """Members online. A node may answer a count it keeps, which another node's change reaches a moment after
        it was made (``cluster.presence``); ``fresh``: not that one, for deciding on it (auto-dismissal)."""
        ...

    async def members(self, sdkappid: int, room_id: str) -> frozenset[str]: ...

    async def page(self, sdkappid: int, room_id: str, after: int, limit: int) -> Page:
        """At most ``limit`` members online who entered after position ``after`` (0: from the first), as
        (position, user) in the order they entered, and how many are online; positions only grow, so a position is
        a stable cursor."""
        ...

    async def is_present(self, sdkappid: int, room_id: str, user_id: str) -> bool: ...

    async def enter(self, sdkappid: int, room_id: str, user_id: str, capacity: int) -> Admission:
        """Admit ``user_id`` unless the room already holds ``capacity`` others; atomic across nodes."""
        ...

    async def leave(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        """The user's connections on this node have left: the members left when that ended their membership, None
        when they were not in the room or are still in it through another node."""
        ...

    async def remove(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        """Take ``user_id`` out of the room on every node (a ban): the members left, or None when they were not in
        the room."""
        ...

    async def clear_room(self, sdkappid: int, room_id: str) -> frozenset[str]:
        """Forget the room's members (it was dismissed); answers who they were."""
        ...

    async def note_drop(self, sdkappid: int, room_id: str, user_id: str, window: float) -> None:
        """The user's connection dropped: coming back within ``window`` seconds is a reconnection."""
        ...

    async def take_drop(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        """True (once) when the user is coming back within the window of a drop."""
        ...

    async def lost(self) -> list[Lost]:
        """Members whose node stopped refreshing them, removed now; each is answered to one node only."""
        ...

    def on_evicted(self, listener: Callable[[Evicted], Awaitable[None]]) -> None:
        """Call ``listener`` for each member of this node found removed as lost (never with one process)."""
        ...

    @property
    def sweep_seconds(self) -> float | None:
        """How often ``lost`` should be asked (None: never, nothing is ever lost)."""
        ...

    @property
    def complete(self) -> bool:
        """Whether counts and members cover every node (not while a node serves its own members alone)."""
        ...


class LocalPresence:
    """Members online now, per (SDKAppID, RoomId), kept in this process."""

    sweep_seconds: float | None = None
    complete = True

    def __init__(self) -> None:
        self._members: dict[tuple[int, str], Roster] = {}
        self._positions = itertools.count(1)
        self._drops: dict[tuple[int, str, str], float] = {}

    async def member_count(self, sdkappid: int, room_id: str, *, fresh: bool = False) -> int:
        members = self._members.get((sdkappid, room_id))
        return 0 if members is None else len(members)

    async def members(self, sdkappid: int, room_id: str) -> frozenset[str]:
        return frozenset(self._members.get((sdkappid, room_id), ()))

    async def page(self, sdkappid: int, room_id: str, after: int, limit: int) -> Page:
        members = self._members.get((sdkappid, room_id))
        return Page(0, []) if members is None else Page(len(members), members.page(after, limit))

    async def is_present(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        members = self._members.get((sdkappid, room_id))
        return members is not None and user_id in members

    async def enter(self, sdkappid: int, room_id: str, user_id: str, capacity: int) -> Admission:
        members = self._members.get((sdkappid, room_id))
        count = 0 if members is None else len(members)
        if members is not None and user_id in members:
            return Admission(True, True, count)
        if count >= capacity:
            return Admission(False, False, count)
        if members is None:
            members = self._members[(sdkappid, room_id)] = Roster()
        members.add(user_id, next(self._positions))
        return Admission(True, False, count + 1)

    async def leave(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        members = self._members.get((sdkappid, room_id))
        if members is None or user_id not in members:
            return None
        members.discard(user_id)
        if not members:
            del self._members[(sdkappid, room_id)]
        return len(members)

    async def remove(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        return await self.leave(sdkappid, room_id, user_id)

    async def clear_room(self, sdkappid: int, room_id: str) -> frozenset[str]:
        return frozenset(self._members.pop((sdkappid, room_id), ()))

    async def note_drop(self, sdkappid: int, room_id: str, user_id: str, window: float) -> None:
        now = time.monotonic()
        if len(self._drops) >= MAX_REMEMBERED_DROPS:
            self._drops = {k: until for k, until in self._drops.items() if until > now}
        self._drops[(sdkappid, room_id, user_id)] = now + window

    async def take_drop(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        until = self._drops.pop((sdkappid, room_id, user_id), None)
        return until is not None and time.monotonic() <= until

    async def lost(self) -> list[Lost]:
        return []

    def on_evicted(self, listener: Callable[[Evicted], Awaitable[None]]) -> None:
        pass
