"""Likes gathered per room over a short window: one write and one ``like`` event per room and window.

In a like storm (hundreds of members tapping several times a second) a write and a fan-out per like would be
likes x members frames: 1,000 likes a second in a room of 2,000 is two million frames a second. Instead the likes a
room receives within ``window`` seconds (200 ms by default) are counted together in one write, and one ``like``
event carries their sum as ``Count`` with the room's running ``TotalLikesReceived`` (its ``Sender_Account`` is the
last member of the window to like).

A like is answered only after the write that counts it has committed, so every like acknowledged is counted, a
crash included. A write that fails fails every like of its window, none of which was counted. The gateway answers
a like when its window's future is done (``add``), without holding the member's next frames behind the window: a
member liking several times a second has each like in the window open when it arrives.
"""

from __future__ import annotations

import asyncio
import logging

from liveroom.domain import messages
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import ConnectionLost, commits_sent

DEFAULT_WINDOW_SECONDS = 0.2
log = logging.getLogger("liveroom.realtime")


class _Window:
    __slots__ = ("caller", "count", "counted", "timer")

    def __init__(self, caller: Caller, loop: asyncio.AbstractEventLoop) -> None:
        self.caller = caller
        self.count = 0
        self.counted: asyncio.Future[None] = loop.create_future()
        # A failure nobody waits for any more (the members went away) is not "never retrieved".
        self.counted.add_done_callback(lambda done: done.cancelled() or done.exception())
        self.timer: asyncio.TimerHandle | None = None


class LikeWindows:
    """The open window of each room, and the writes of the windows that closed."""

    def __init__(self, services: Services, window: float = DEFAULT_WINDOW_SECONDS) -> None:
        self._svc = services
        self._window = window
        self._open: dict[tuple[int, str], _Window] = {}
        self._writing: set[asyncio.Task[None]] = set()

    async def add(self, caller: Caller, room_id: str, count: int) -> asyncio.Future[None]:
        """``caller`` likes the room ``count`` times: refused at once, or in the room's open window, whose future
        this answers (done once they are counted; its exception, a ``LiveError``, when none was)."""
        await messages.may_like(self._svc, caller, room_id, count)
        key = (caller.sdkappid, room_id)
        window = self._open.get(key)
        if window is None:
            loop = asyncio.get_running_loop()
            window = self._open[key] = _Window(caller, loop)
            window.timer = loop.call_later(self._window, self._close, key)
        window.caller = caller
        window.count += count
        return window.counted

    def _close(self, key: tuple[int, str]) -> None:
        window = self._open.pop(key)
        task = asyncio.create_task(self._write(key[1], window), name="liveroom-likes")
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _write(self, room_id: str, window: _Window) -> None:
        try:
            committed = commits_sent()
            try:
                await messages.add_likes(self._svc, window.caller, room_id, window.count)
            except ConnectionLost:
                # A broken database connection, dropped: the write runs again, once, if it committed nothing.
                if commits_sent() != committed:
                    raise
                await messages.add_likes(self._svc, window.caller, room_id, window.count)
        except LiveError as failed:
            window.counted.set_exception(failed)
        except Exception as failed:
            # Not ConnectionLost to the gateway, which would run the request again: these likes may be counted.
            log.error("%s counting %d likes in room %r: %s", type(failed).__name__, window.count, room_id, failed)
            window.counted.set_exception(LiveError(ErrorCode.LIVE_INTERNAL, "Count: the likes could not be counted"))
        else:
            window.counted.set_result(None)

    async def close(self) -> None:
        """Count the likes of the windows still open now, and wait for every write."""
        for key, window in list(self._open.items()):
            if window.timer is not None:
                window.timer.cancel()
            self._close(key)
        if self._writing:
            await asyncio.wait(set(self._writing))
