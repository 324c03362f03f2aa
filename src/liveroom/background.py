"""Stopping the background tasks of a process (sweeps, refreshes, relays, reconnections) when it closes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("liveroom")

RETRY_SECONDS = 0.1


async def stop(task: asyncio.Task[Any] | None, *, grace: float = 5.0) -> None:
    """Cancel ``task`` and wait until it has ended, at most ``grace`` seconds.

    A library may swallow a cancellation (redis-py has, in its connection timeouts): the task then goes on with its
    loop. So it is cancelled again until it ends, and a task that outlives ``grace`` is left behind with a warning
    rather than holding up the shutdown for ever.
    """
    if task is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while not task.done():
        left = deadline - loop.time()
        if left <= 0:
            log.warning("background task %s did not stop within %.0f s; leaving it", task.get_name(), grace)
            return
        task.cancel()
        await asyncio.wait({task}, timeout=min(RETRY_SECONDS, left))
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s had failed", task.get_name(), exc_info=task.exception())
