"""``/readyz``: readiness, the node can serve because its dependencies answer (``/healthz`` is liveness).

A load balancer sends traffic to a node only while ``/readyz`` answers 200; an orchestrator restarts a node only
when ``/healthz`` stops answering. The body names each check and its outcome, never a URL or an error's text
(they can carry hosts and passwords): the details go to the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("liveroom.health")
CHECK_TIMEOUT_SECONDS = 2.0

Check = Callable[[], Awaitable[object]]


class Health:
    def __init__(self, checks: Mapping[str, Check], timeout: float = CHECK_TIMEOUT_SECONDS) -> None:
        self._checks = dict(checks)
        self._timeout = timeout

    async def readyz(self, _request: Request) -> Response:
        names = list(self._checks)
        outcomes = await asyncio.gather(*(self._run(name) for name in names))
        checks = dict(zip(names, outcomes, strict=True))
        ready = all(outcome == "ok" for outcome in outcomes)
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
        )

    async def _run(self, name: str) -> str:
        try:
            await asyncio.wait_for(self._checks[name](), self._timeout)
        except TimeoutError:
            log.warning("readiness: %s did not answer within %.1fs", name, self._timeout)
            return "timeout"
        except Exception as exc:
            log.warning("readiness: %s failed (%s)", name, type(exc).__name__)
            return "failed"
        return "ok"
