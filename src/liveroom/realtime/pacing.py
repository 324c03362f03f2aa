"""Gift and member events of crowded rooms, paced: what one node sends its members of a room stays within a budget
of frames, for each kind apart.

Each gift event goes to every member online, so a room's gift storm costs gifts x members frames: 2,000 gifts a
second in a room of 1,000 is two million frames a second, which no node sends and no phone reads (Tencent itself
delivers at most 40 messages a second to a live group). So a room's gift events reach its members on a node at
most ``frames_per_second`` member-frames a second (a quarter of a second of them at once): in a room of 1,000 that
is 20 gift events a second, in a room of 10 two thousand, more than any real room sends.

Nothing is lost from the counts: every gift is counted before its event exists, and every event carries the room's
totals with it. An event over the budget is held, and a newer one replaces it (the newest carries the newest
totals); the one held is sent as soon as the budget allows, so the last gift of a burst always reaches the room and
the totals members see end equal to the room's.

Members entering and leaving are the same: in a room of n members each entry is n frames, so n members entering
cost n(n-1)/2 frames, 12.5 million for a room of 5,000 (BENCHMARKS.md, "Audience"). Their events are paced the same
way, on a budget of their own: each carries the room's ``MemberCount``, the last of a burst always arrives, and who
is in the room is paged with ``get_member_list``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from liveroom.domain.events import GiftSent, MemberEntered, MemberLeft, RoomEvent

DEFAULT_FRAMES_PER_SECOND = 20_000.0
# Member events on a budget of their own, smaller: the frames of a room of n members entering grow as n² while they
# enter, and at 20,000 a second they took most of a core's time through a join storm of 20,000 members (what the
# members need of them is the count, which every event carries; get_member_list says who is there).
DEFAULT_MEMBER_FRAMES_PER_SECOND = 4_000.0
E = TypeVar("E", bound=RoomEvent)


class _Room(Generic[E]):
    __slots__ = ("held", "held_cost", "timer", "tokens", "updated")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.updated = now
        self.held: E | None = None
        self.held_cost = 0.0
        self.timer: asyncio.TimerHandle | None = None


class Pacer(Generic[E]):
    """Decides, per room, whether an event goes out now; ``deliver`` sends one that was held. ``newer(a, b)``: event
    ``a`` replaces ``b`` held (by default the one that came last does)."""

    def __init__(
        self,
        deliver: Callable[[E], None],
        frames_per_second: float = DEFAULT_FRAMES_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        newer: Callable[[E, E], bool] = lambda event, held: True,
    ) -> None:
        self._deliver = deliver
        self._rate = frames_per_second
        self._burst = frames_per_second / 4
        self._clock = clock
        self._newer = newer
        self._rooms: dict[tuple[int, str], _Room[E]] = {}

    def offer(self, event: E, members: int) -> bool:
        """True: send ``event`` to the ``members`` now. False: it is held (or replaced by a newer one held)."""
        key = (event.sdkappid, event.room_id)
        now = self._clock()
        room = self._rooms.get(key)
        if room is None:
            room = self._rooms[key] = _Room[E](self._burst, now)
        self._refill(room, now)
        cost = float(members)
        # A room larger than the burst goes out on a full bucket (so it is served, not starved) and pays for every
        # frame, its tokens going below zero: a room of 20,000 gets one event a second at 20,000 frames a second,
        # not one per burst's worth of tokens (four times the budget).
        if room.held is None and room.tokens >= min(cost, self._burst):
            room.tokens -= cost
            return True
        if room.held is None or self._newer(event, room.held):
            room.held, room.held_cost = event, cost
        if room.timer is None:
            wait = max(0.0, (min(room.held_cost, self._burst) - room.tokens) / self._rate)
            room.timer = asyncio.get_running_loop().call_later(wait, self._release, key)
        return False

    def forget(self, sdkappid: int, room_id: str) -> None:
        """The room is gone: nothing held for it is sent."""
        room = self._rooms.pop((sdkappid, room_id), None)
        if room is not None and room.timer is not None:
            room.timer.cancel()

    def _refill(self, room: _Room[E], now: float) -> None:
        room.tokens = min(self._burst, room.tokens + (now - room.updated) * self._rate)
        room.updated = now

    def _release(self, key: tuple[int, str]) -> None:
        room = self._rooms.get(key)
        if room is None:
            return
        room.timer = None
        self._refill(room, self._clock())
        event, room.held = room.held, None
        if event is None:
            return
        room.tokens -= room.held_cost
        self._deliver(event)


class GiftPacer(Pacer[GiftSent]):
    """Gift events: the one with the highest ``sequence`` (the newest totals) is the one held."""

    def __init__(
        self,
        deliver: Callable[[GiftSent], None],
        frames_per_second: float = DEFAULT_FRAMES_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(deliver, frames_per_second, clock, lambda event, held: event.sequence > held.sequence)


MemberEvent = MemberEntered | MemberLeft
