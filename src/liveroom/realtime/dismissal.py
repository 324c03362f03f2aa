"""Auto-dismissal: a room that was entered and then stays empty for a while is dismissed (spec, destroy_room).

The clock starts when the last member leaves (so a room nobody ever entered is never dismissed this way) and stops
when someone enters. A room with robots is never dismissed automatically. With many nodes every node keeps the
clock (the events reach them all) and the first whose clock runs out dismisses the room, if it is still empty; a
node that cannot count the other nodes' members (Redis unreachable) asks again a minute later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from liveroom.domain import members
from liveroom.domain.context import Services
from liveroom.domain.events import AnyRoomEvent, MemberEntered, MemberLeft, RoomDismissed
from liveroom.store.interface import AppRecord

DEFAULT_EMPTY_SECONDS = 30 * 60
RECHECK_SECONDS = 60.0

log = logging.getLogger("liveroom.realtime")


class AutoDismissal:
    def __init__(
        self,
        services: Services,
        apps: Callable[[int], AppRecord | None],
        empty_seconds: float = DEFAULT_EMPTY_SECONDS,
    ) -> None:
        self._svc = services
        self._apps = apps
        self._after = empty_seconds
        self._timers: dict[tuple[int, str], asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def observe(self, event: AnyRoomEvent) -> None:
        key = (event.sdkappid, event.room_id)
        match event:
            case MemberLeft(member_count=0):
                self._cancel(key)
                self._timers[key] = asyncio.get_running_loop().call_later(self._after, self._due, key)
            case MemberEntered() | RoomDismissed():
                self._cancel(key)

    def _cancel(self, key: tuple[int, str]) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def _due(self, key: tuple[int, str]) -> None:
        self._timers.pop(key, None)
        task = asyncio.get_running_loop().create_task(self._dismiss(*key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dismiss(self, sdkappid: int, room_id: str) -> None:
        if not self._svc.presence.complete:
            # Members online through other nodes cannot be counted now (Redis unreachable): ask again later.
            key = (sdkappid, room_id)
            self._timers[key] = asyncio.get_running_loop().call_later(min(self._after, RECHECK_SECONDS), self._due, key)
            return
        app = self._apps(sdkappid)
        if app is not None and await members.dismiss_if_empty(self._svc, app, room_id):
            log.info("room %r of app %d dismissed after staying empty", room_id, sdkappid)
