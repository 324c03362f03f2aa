"""The background tasks of a process (sweeps, refreshes, relays, reconnections, clocks): how a failed step is
logged, and stopping them when the process closes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from liveroom.store.interface import ConnectionLost

log = logging.getLogger("liveroom")

RETRY_SECONDS = 0.1


def failed(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """A background step that failed and will be tried again. A lost database connection is expected while the
    database restarts or is out of reach (what is stored waits for it): one warning line. Anything else is a fault:
    logged with its traceback."""
    if isinstance(exc, ConnectionLost):
        logger.warning("%s failed (%s); trying again", what, exc)
    else:
        logger.error("%s failed; trying again", what, exc_info=exc)


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
