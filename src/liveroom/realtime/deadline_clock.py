"""A deadline clock: ends what falls due among stored deadlines, on every node, each exactly once.

Deadlines are rows (a battle's end, a co-hosting request's or a seat request's timeout), never only timers. A
clock asks the store when the next one falls due, sleeps until then (at most ``poll_seconds``, so that what other
nodes stored is seen; an event of this node that stores a nearer one wakes it), and ends what is due in one
transaction that hands each row to exactly one node (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single writer on
SQLite). A node killed before that transaction committed ended nothing: the row is still due, and any node (or the
same one restarted) ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from liveroom import background
from liveroom.domain.context import Services
from liveroom.domain.events import AnyRoomEvent

BATCH = 100
# When another node holds the due rows (it is ending them), look again after this long rather than at once.
BUSY_SECONDS = 0.05
# After a failure, look again after this long.
RETRY_SECONDS = 1.0


class DeadlineClock:
    """``next_due()`` answers the nearest deadline (Unix ms) or None; ``end_due()`` ends what is due (at most a
    batch) and answers how many it ended. ``wake_on``: the events of a newly stored deadline."""

    def __init__(
        self,
        services: Services,
        *,
        name: str,
        next_due: Callable[[], Awaitable[int | None]],
        end_due: Callable[[], Awaitable[int]],
        wake_on: tuple[type[AnyRoomEvent], ...],
        poll_seconds: float,
        log: logging.Logger,
    ) -> None:
        self._svc = services
        self._name = name
        self._next_due = next_due
        self._end_due = end_due
        self._wake_on = wake_on
        self._poll = poll_seconds
        self._log = log
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ended = 0  # what this process ended
        services.events.subscribe(self._observe)

    async def _observe(self, event: AnyRoomEvent) -> None:
        if isinstance(event, self._wake_on):
            self._wake.set()  # its deadline may come before the one the clock sleeps until

    def start(self) -> None:
        if self._task is None:
            task_name = f"liveroom-{self._name.replace(' ', '-')}-clock"
            self._task = asyncio.get_running_loop().create_task(self._run(), name=task_name)

    async def close(self) -> None:
        task, self._task = self._task, None
        await background.stop(task)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.tick()
            except Exception as exc:
                background.failed(self._log, f"{self._name}: ending what is due", exc)
                wait = RETRY_SECONDS
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def tick(self) -> float:
        """End what is due; how long to sleep before looking again."""
        due = await self._next_due()
        now = round(self._svc.clock() * 1000)
        if due is None:
            return self._poll
        if due > now:
            return min(self._poll, (due - now) / 1000)
        started = time.monotonic()
        ended = await self._end_due()
        self.ended += ended
        if ended:
            elapsed_ms = (time.monotonic() - started) * 1000
            self._log.info("%s: ended %d that fell due (%.0f ms)", self._name, ended, elapsed_ms)
            return 0.0
        return BUSY_SECONDS
