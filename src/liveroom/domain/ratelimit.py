"""Per (SDKAppID, command) call-rate limits, on the ``limits`` package (memory here, Redis for many nodes)."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord


@dataclass(frozen=True, slots=True)
class Rate:
    """``calls`` per ``seconds``: the catalogue's documented frequency for one command."""

    calls: int
    seconds: int = 1

    def __str__(self) -> str:
        return f"{self.calls}/s" if self.seconds == 1 else f"{self.calls} per {self.seconds} s"


class RateLimiter:
    def __init__(self, storage_uri: str = "async+memory://") -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._items: dict[tuple[int, int], RateLimitItemPerSecond] = {}

    async def check(self, app: AppRecord, command: str, default: Rate) -> None:
        """Count one call of ``command`` for ``app``; raise 60007 when it goes over the app's limit."""
        if not app.rate_limits_enabled:
            return
        override = app.rate_limit_overrides.get(command)
        calls, seconds = (override, 1) if override is not None else (default.calls, default.seconds)
        item = self._items.get((calls, seconds))
        if item is None:
            item = self._items[(calls, seconds)] = RateLimitItemPerSecond(calls, seconds)
        if not await self._limiter.hit(item, str(app.sdkappid), command):
            raise LiveError(
                ErrorCode.RATE_LIMITED,
                f"{command}: over the limit of {calls} calls per {seconds} s for this app",
            )
