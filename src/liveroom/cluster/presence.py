"""Presence shared by every node: who is online in which room, in Redis.

Each room is a sorted set of its members scored by when their entry expires (ms since the epoch); one more sorted
set, ``due``, holds every entry of every room by the same score so that expired ones are found without a scan.
A node pushes the expiry of the members connected to it forward every third of the TTL. When a node dies, its
members' entries stop moving: they stop counting at once when their time is up, and the next sweep of any node
removes them; the script that removes an entry answers 1 to one caller only, so exactly one node tells the room.

Every change is one Lua script, so a capacity check and the entry it admits cannot interleave with another node's.
While Redis cannot be reached, entering and reading presence fail with 100001 (retry later) rather than answer
a guess; refreshing and sweeping log a warning and try again on their next turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import msgspec
import redis.asyncio as redis
from redis.exceptions import RedisError

from liveroom.cluster.warner import Warner
from liveroom.domain.presence import Admission, Lost
from liveroom.errors import ErrorCode, LiveError

log = logging.getLogger("liveroom.cluster")
SWEEP_BATCH = 200
SWEEP_BATCHES = 50
REFRESH_BATCH = 500
T = TypeVar("T")

# KEYS: room, due. ARGV: user, now ms, expiry ms, capacity, due member. Answers {admitted, already, count}.
# A user whose entry is still in the set (even expired, their node gone) is coming back: not a new member.
_ENTER = """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
local now = tonumber(ARGV[2])
if not s or tonumber(s) <= now then
    if redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf') >= tonumber(ARGV[4]) then
        return {0, 0, redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')}
    end
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
return {1, s and 1 or 0, redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')}
"""

# KEYS: room, due. ARGV: user, now ms, due member. Answers the members left, or -1 when the user was not there.
_LEAVE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[3])
if removed == 0 then return -1 end
return redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
"""

# KEYS: room, due. ARGV: user, now ms, due member. Removes the entry only if it has expired; answers the members
# left when it did (this caller tells the room), -1 otherwise.
_EXPIRE = """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('ZREM', KEYS[2], ARGV[3])
    return redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
end
if not s then redis.call('ZREM', KEYS[2], ARGV[3]) end
return -1
"""

# KEYS: due. ARGV: expiry ms, then (room key, user, due member) triples. Pushes the entries that still exist
# forward (XX never brings back one that was removed) and answers the indexes (0-based) of those that are gone.
_REFRESH = """
local gone = {}
for i = 2, #ARGV, 3 do
    if redis.call('ZADD', ARGV[i], 'XX', 'CH', ARGV[1], ARGV[i + 1]) == 1
        or redis.call('ZSCORE', ARGV[i], ARGV[i + 1]) then
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i + 2])
    else
        gone[#gone + 1] = (i - 2) / 3
    end
end
return gone
"""

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(tuple[int, str, str]).decode


class RedisPresence:
    """Implements ``liveroom.domain.presence.Presence`` for many nodes."""

    def __init__(
        self, client: redis.Redis, prefix: str, ttl_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = client
        self._clock = clock
        self._prefix = f"{prefix}:presence"
        self._due = f"{self._prefix}:due"
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self.sweep_seconds: float | None = max(ttl_seconds / 3, 0.05)
        self._enter = client.register_script(_ENTER)
        self._leave = client.register_script(_LEAVE)
        self._expire = client.register_script(_EXPIRE)
        self._refresh_script = client.register_script(_REFRESH)
        # The members connected through this node, which it keeps alive.
        self._local: defaultdict[tuple[int, str], set[str]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._warn = Warner(log)

    def _room(self, sdkappid: int, room_id: str) -> str:
        return f"{self._prefix}:{sdkappid}:{room_id}"

    async def _by_score(self, key: str, low: str | int, high: str | int, num: int | None = None) -> list[bytes]:
        start = None if num is None else 0
        return cast(list[bytes], await self._redis.zrangebyscore(key, low, high, start=start, num=num))

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except RedisError:
            raise LiveError(ErrorCode.LIVE_INTERNAL, f"{what}: presence is unavailable (Redis); retry later") from None

    # reading ---------------------------------------------------------------------------------------------

    async def member_count(self, sdkappid: int, room_id: str) -> int:
        key = self._room(sdkappid, room_id)
        return int(await self._call("MemberCount", lambda: self._redis.zcount(key, f"({self._now_ms()}", "+inf")))

    async def members(self, sdkappid: int, room_id: str) -> frozenset[str]:
        key = self._room(sdkappid, room_id)
        names = await self._call("members", lambda: self._by_score(key, f"({self._now_ms()}", "+inf"))
        return frozenset(name.decode() for name in names)

    async def is_present(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        key = self._room(sdkappid, room_id)
        score = await self._call("presence", lambda: self._redis.zscore(key, user_id))
        return score is not None and score > self._now_ms()

    # changing --------------------------------------------------------------------------------------------

    async def enter(self, sdkappid: int, room_id: str, user_id: str, capacity: int) -> Admission:
        now = self._now_ms()
        keys = [self._room(sdkappid, room_id), self._due]
        args: list[Any] = [user_id, now, now + self._ttl_ms, capacity, _encode((sdkappid, room_id, user_id))]
        admitted, already, count = await self._call("RoomId", lambda: self._enter(keys=keys, args=args))
        if admitted:
            self._local[(sdkappid, room_id)].add(user_id)
        return Admission(bool(admitted), bool(already), int(count))

    async def leave(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        self._forget(sdkappid, room_id, user_id)
        keys = [self._room(sdkappid, room_id), self._due]
        args: list[Any] = [user_id, self._now_ms(), _encode((sdkappid, room_id, user_id))]
        left = int(await self._call("RoomId", lambda: self._leave(keys=keys, args=args)))
        return None if left < 0 else left

    async def clear_room(self, sdkappid: int, room_id: str) -> frozenset[str]:
        self._local.pop((sdkappid, room_id), None)
        key = self._room(sdkappid, room_id)

        async def clear() -> list[bytes]:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zrange(key, 0, -1)
                pipe.delete(key)
                names, _ = await pipe.execute()
            if names:
                due = [_encode((sdkappid, room_id, name.decode())) for name in names]
                await self._redis.zrem(self._due, *due)
            return list(names)

        return frozenset(name.decode() for name in await self._call("RoomId", clear))

    def _forget(self, sdkappid: int, room_id: str, user_id: str) -> None:
        local = self._local.get((sdkappid, room_id))
        if local is not None:
            local.discard(user_id)
            if not local:
                del self._local[(sdkappid, room_id)]

    # reconnections ---------------------------------------------------------------------------------------

    def _drop_key(self, sdkappid: int, room_id: str, user_id: str) -> bytes:
        return f"{self._prefix}:drop:".encode() + _encode((sdkappid, room_id, user_id))

    async def note_drop(self, sdkappid: int, room_id: str, user_id: str, window: float) -> None:
        key, ms = self._drop_key(sdkappid, room_id, user_id), max(1, int(window * 1000))
        try:
            await self._redis.set(key, b"1", px=ms)
        except RedisError as exc:
            self._warn("a dropped connection not remembered", exc)

    async def take_drop(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        try:
            return bool(await self._redis.delete(self._drop_key(sdkappid, room_id, user_id)))
        except RedisError as exc:
            self._warn("a reconnection not recognised", exc)
            return False

    # nodes that went away ----------------------------------------------------------------------------------

    async def lost(self) -> list[Lost]:
        now = self._now_ms()
        found: list[Lost] = []
        try:
            for _ in range(SWEEP_BATCHES):
                due = await self._by_score(self._due, "-inf", now, SWEEP_BATCH)
                await self._expire_due(due, now, found)
                if len(due) < SWEEP_BATCH:
                    break
        except RedisError as exc:
            self._warn("members of lost nodes not removed", exc)
        return found

    async def _expire_due(self, due: list[bytes], now: int, found: list[Lost]) -> None:
        """Appends to ``found`` as it goes: what was removed before a fault is still told."""
        for member in due:
            try:
                sdkappid, room_id, user_id = _decode(member)
            except msgspec.DecodeError:
                log.warning("removed a malformed presence entry under %s", self._due)
                await self._redis.zrem(self._due, member)
                continue
            keys = [self._room(sdkappid, room_id), self._due]
            left = int(await self._expire(keys=keys, args=[user_id, now, member]))
            if left >= 0:
                self._forget(sdkappid, room_id, user_id)
                found.append(Lost(sdkappid, room_id, user_id, left))

    async def refresh(self) -> None:
        """Push the expiry of this node's members forward; members removed meanwhile elsewhere (a ban on another
        node, their other connection leaving) are forgotten here."""
        entries = [(sdkappid, room_id, user) for (sdkappid, room_id), users in self._local.items() for user in users]
        expiry = self._now_ms() + self._ttl_ms
        for start in range(0, len(entries), REFRESH_BATCH):
            batch = entries[start : start + REFRESH_BATCH]
            args: list[Any] = [expiry]
            for sdkappid, room_id, user in batch:
                args += [self._room(sdkappid, room_id), user, _encode((sdkappid, room_id, user))]
            gone = await self._refresh_script(keys=[self._due], args=args)
            for index in gone:
                self._forget(*batch[int(index)])

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            try:
                await self.refresh()
            except RedisError as exc:
                self._warn("members of this node not kept alive", exc)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="liveroom-presence")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
