"""The battle clock: ends battles whose time is up, on every node, each battle exactly once.

End times are rows (``battles.end_ms``), never only timers: the clock asks the store when the next running battle
ends, sleeps until then (at most ``poll_seconds``, so that battles other nodes started are seen), and ends what is
due by one conditional UPDATE (``domain.battles.end_due_battles``) that hands each battle to one transaction on
one node (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single writer on SQLite). A node killed before its
transaction committed ended nothing: the battle is still due, and any node (or the same one restarted) ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from liveroom import background
from liveroom.domain import battles
from liveroom.domain.apps import AppDirectory
from liveroom.domain.context import Services
from liveroom.domain.events import AnyRoomEvent, BattleStarted
from liveroom.store.interface import ConnectionLost

log = logging.getLogger("liveroom.battles")

BATCH = 100
# When another node holds the due battles (it is ending them), look again after this long rather than at once.
BUSY_SECONDS = 0.05


class BattleClock:
    def __init__(self, services: Services, apps: AppDirectory, poll_seconds: float = 1.0) -> None:
        self._svc = services
        self._apps = apps
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ended = 0  # battles this process ended
        services.events.subscribe(self._observe)

    async def _observe(self, event: AnyRoomEvent) -> None:
        if isinstance(event, BattleStarted):
            self._wake.set()  # its end may come before the one the clock sleeps until

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="liveroom-battle-clock")

    async def close(self) -> None:
        task, self._task = self._task, None
        await background.stop(task)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.tick()
            except ConnectionLost as lost:
                # The database is restarting or out of reach; the end times are stored and wait for it.
                log.warning("battles: ending due battles failed (%s); trying again", lost)
                wait = 1.0
            except Exception:
                log.exception("battles: ending due battles failed; trying again")
                wait = 1.0
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def tick(self) -> float:
        """End what is due; how long to sleep before looking again."""
        due = await battles.next_end(self._svc)
        now = battles.now_ms(self._svc)
        if due is None:
            return self._poll
        if due > now:
            return min(self._poll, (due - now) / 1000)
        await self._apps.sync()
        started = time.monotonic()
        ended = await battles.end_due_battles(self._svc, self._apps.get, BATCH)
        self.ended += ended
        if ended:
            log.info("battles: ended %d whose time was up (%.0f ms)", ended, (time.monotonic() - started) * 1000)
            return 0.0
        return BUSY_SECONDS
