"""The seat request clock: times out pending seat applications and invitations, on every node, each once.

Deadlines are rows (``seat_requests.deadline_ms``), never only timers: the clock asks the store when the next
request times out, sleeps until then (at most ``poll_seconds``, so that requests made through other nodes are
seen), and ends what is due by one conditional DELETE (``domain.seat_requests.time_out_due``) that hands each
request to one transaction on one node (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single writer on SQLite).
A node killed before its transaction committed ended nothing: the request is still due, and any node (or the same
one restarted) times it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from liveroom import background
from liveroom.domain import seat_requests
from liveroom.domain.context import Services
from liveroom.domain.events import AnyRoomEvent, SeatApplication, SeatInvitation
from liveroom.store.interface import ConnectionLost

log = logging.getLogger("liveroom.realtime")

BATCH = 100
# When another node holds the due requests (it is timing them out), look again after this long rather than at once.
BUSY_SECONDS = 0.05


class SeatRequestClock:
    def __init__(self, services: Services, poll_seconds: float = 1.0) -> None:
        self._svc = services
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.timed_out = 0  # requests this process timed out
        services.events.subscribe(self._observe)

    async def _observe(self, event: AnyRoomEvent) -> None:
        if isinstance(event, SeatApplication | SeatInvitation):
            self._wake.set()  # its deadline may come before the one the clock sleeps until

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="liveroom-seat-request-clock")

    async def close(self) -> None:
        task, self._task = self._task, None
        await background.stop(task)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.tick()
            except ConnectionLost as lost:
                # The database is restarting or out of reach; the deadlines are stored and wait for it.
                log.warning("seat requests: timing out due requests failed (%s); trying again", lost)
                wait = 1.0
            except Exception:
                log.exception("seat requests: timing out due requests failed; trying again")
                wait = 1.0
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def tick(self) -> float:
        """Time out what is due; how long to sleep before looking again."""
        due = await seat_requests.next_deadline(self._svc)
        now = round(self._svc.clock() * 1000)
        if due is None:
            return self._poll
        if due > now:
            return min(self._poll, (due - now) / 1000)
        ended = await seat_requests.time_out_due(self._svc, BATCH)
        self.timed_out += ended
        if ended:
            log.info("seat requests: timed out %d", ended)
            return 0.0
        return BUSY_SECONDS
