"""The request clock: times out co-hosting requests (connections and battles) on every node, each exactly once.

Deadlines are rows (``connection_requests.deadline_ms``, ``battle_requests.deadline_ms``), never only timers: like
the battle clock, it asks the store when the next request times out, sleeps until then (at most ``poll_seconds``,
so that requests made through other nodes are seen), and ends what is due (``domain.cohosting.expire_due``), each
request by the one transaction whose DELETE removed its row. A node killed before that transaction committed ended
nothing: the request is still due, and any node (or the same one restarted) times it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from liveroom import background
from liveroom.domain import battles, cohosting
from liveroom.domain.apps import AppDirectory
from liveroom.domain.context import Services
from liveroom.domain.events import AnyRoomEvent, BattleRequestReceived, ConnectionRequestReceived

log = logging.getLogger("liveroom.cohosting")

BATCH = 100
BUSY_SECONDS = 0.05


class RequestClock:
    def __init__(self, services: Services, apps: AppDirectory, poll_seconds: float = 1.0) -> None:
        self._svc = services
        self._apps = apps
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.expired = 0  # requests this process timed out
        services.events.subscribe(self._observe)

    async def _observe(self, event: AnyRoomEvent) -> None:
        if isinstance(event, ConnectionRequestReceived | BattleRequestReceived):
            self._wake.set()  # its deadline may come before the one the clock sleeps until

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="liveroom-request-clock")

    async def close(self) -> None:
        task, self._task = self._task, None
        await background.stop(task)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.tick()
            except Exception:
                log.exception("co-hosting: timing out due requests failed; trying again")
                wait = 1.0
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def tick(self) -> float:
        """Time out what is due; how long to sleep before looking again."""
        due = await cohosting.next_deadline(self._svc)
        now = battles.now_ms(self._svc)
        if due is None:
            return self._poll
        if due > now:
            return min(self._poll, (due - now) / 1000)
        await self._apps.sync()
        expired = await cohosting.expire_due(self._svc, self._apps.get, BATCH)
        self.expired += expired
        if expired:
            log.info("co-hosting: %d requests timed out", expired)
            return 0.0
        return BUSY_SECONDS
