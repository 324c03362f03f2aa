"""The UserSig failure lock-out shared by every node: counts and locks are Redis keys that expire by themselves.

Checking a lock is on every request's path, so it is answered from memory: the node that sets a lock announces it
on a channel every node listens on, and a node that starts reads the locks already set. Failures are counted in
Redis (they are rare next to successes).
"""

from __future__ import annotations

import logging
import time

import msgspec
import redis.asyncio as redis
from redis.exceptions import RedisError

from liveroom.cluster.warner import Warner

log = logging.getLogger("liveroom.cluster")
PRUNE_FLOOR = 10_000

# KEYS: the failure counter, the lock. ARGV: window ms, max failures, lock ms. Answers 1 when it set the lock.
# The window starts at the first failure (a fixed window, where the one-process lock-out slides).
_RECORD = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
    redis.call('DEL', KEYS[1])
    return 1
end
return 0
"""


class _Notice(msgspec.Struct, array_like=True, frozen=True):
    client: str
    sdkappid: int
    lock_ms: int


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_Notice).decode


class RedisLockout:
    """Implements ``liveroom.domain.auth.Lockout``: a pair locked out on one node is locked out on all of them.

    While Redis cannot be reached, failures are not counted (a warning is logged): a fault there must not stop
    every caller of every app."""

    def __init__(
        self, client: redis.Redis, prefix: str, max_failures: int, window_seconds: float, lock_seconds: float
    ) -> None:
        self._redis = client
        self._prefix = prefix
        self.channel = f"{prefix}:locks"
        self._max = max_failures
        self._window_ms = max(1, int(window_seconds * 1000))
        self._lock_ms = max(1, int(lock_seconds * 1000))
        self._record = client.register_script(_RECORD)
        self._locked_until: dict[tuple[str, int], float] = {}
        self._prune_at = PRUNE_FLOOR
        self._warn = Warner(log)

    def _key(self, client: str, sdkappid: int) -> str:
        return f"{self._prefix}:{sdkappid}:{client}"

    async def is_locked(self, client: str, sdkappid: int) -> bool:
        until = self._locked_until.get((client, sdkappid))
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        del self._locked_until[(client, sdkappid)]
        return False

    async def record_failure(self, client: str, sdkappid: int) -> None:
        key = self._key(client, sdkappid)
        try:
            locked = await self._record(
                keys=[key + ":failures", key + ":locked"], args=[self._window_ms, self._max, self._lock_ms]
            )
            if locked:
                self._lock(client, sdkappid, self._lock_ms)
                await self._redis.publish(self.channel, _encode(_Notice(client, sdkappid, self._lock_ms)))
        except RedisError as exc:
            self._warn("UserSig failures not counted", exc)

    async def receive(self, data: bytes) -> None:
        """A lock another node (or this one) set."""
        try:
            notice = _decode(data)
        except msgspec.DecodeError:
            log.warning("ignored a malformed lock notice on %s", self.channel)
            return
        self._lock(notice.client, notice.sdkappid, notice.lock_ms)

    async def load(self) -> None:
        """The locks set before this node started listening."""
        start = len(self._prefix) + 1
        try:
            async for name in self._redis.scan_iter(match=f"{self._prefix}:*:locked", count=1000):
                left = await self._redis.pttl(name)
                sdkappid, _, client = name.decode()[start : -len(":locked")].partition(":")
                if left > 0 and sdkappid.isdigit():
                    self._lock(client, int(sdkappid), left)
        except RedisError as exc:
            self._warn("UserSig locks of other nodes not read", exc)

    def _lock(self, client: str, sdkappid: int, lock_ms: int) -> None:
        now = time.monotonic()
        self._locked_until[(client, sdkappid)] = now + lock_ms / 1000
        if len(self._locked_until) > self._prune_at:
            self._locked_until = {k: t for k, t in self._locked_until.items() if t > now}
            self._prune_at = max(PRUNE_FLOOR, 2 * len(self._locked_until))
