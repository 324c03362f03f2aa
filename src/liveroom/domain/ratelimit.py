"""Per (SDKAppID, command) call-rate limits, on the ``limits`` package (memory here, Redis for many nodes)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord

log = logging.getLogger("liveroom.ratelimit")
WARN_EVERY_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Rate:
    """``calls`` per ``seconds``: the catalogue's documented frequency for one command."""

    calls: int
    seconds: int = 1

    def __str__(self) -> str:
        return f"{self.calls}/s" if self.seconds == 1 else f"{self.calls} per {self.seconds} s"


class RateLimiter:
    """Counts calls in ``limits`` storage: in memory for one process, in Redis for all nodes together."""

    def __init__(self, storage_uri: str = "async+memory://", **options: Any) -> None:
        self._storage = storage_from_string(storage_uri, wrap_exceptions=True, **options)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._items: dict[tuple[int, int], RateLimitItemPerSecond] = {}
        self._warned_at = -WARN_EVERY_SECONDS

    @classmethod
    def on_redis(cls, redis_url: str, key_prefix: str = "liveroom:limits", **options: Any) -> RateLimiter:
        """One limit for every node sharing the Redis at ``redis_url`` (``redis://``, ``rediss://``); ``options``
        go to the redis-py client (``connection_pool`` to share one)."""
        scheme, _, rest = redis_url.partition("://")
        storage = f"async+redis+unix://{rest}" if scheme == "unix" else f"async+{redis_url}"
        return cls(storage, implementation="redispy", key_prefix=key_prefix, **options)

    async def check(self, app: AppRecord, command: str, default: Rate) -> None:
        """Count one call of ``command`` for ``app``; raise 60007 when it goes over the app's limit."""
        if not app.rate_limits_enabled:
            return
        override = app.rate_limit_overrides.get(command)
        calls, seconds = (override, 1) if override is not None else (default.calls, default.seconds)
        item = self._items.get((calls, seconds))
        if item is None:
            item = self._items[(calls, seconds)] = RateLimitItemPerSecond(calls, seconds)
        try:
            allowed = await self._limiter.hit(item, str(app.sdkappid), command)
        except StorageError as exc:
            # Redis unreachable: serving without the limit beats refusing every call of every app.
            self._warn(exc)
            return
        if not allowed:
            raise LiveError(
                ErrorCode.RATE_LIMITED,
                f"{command}: over the limit of {calls} calls per {seconds} s for this app",
            )

    def _warn(self, exc: StorageError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("rate limits not enforced: storage unreachable (%s)", type(exc.storage_error).__name__)
