"""Presence shared by every node: who is online in which room, in Redis.

Each room is a sorted set of its members scored by when their entry expires (ms since the epoch). Under it, each
member has one entry per node they are connected through (a hash, node id → expiry), and the room's score of a
member is the latest of those: a user connected through two nodes is one member, counted once, until their
connections on every node have left. ``leave`` is one node's own connections leaving and removes only that node's
entry; ``remove`` (a ban) removes the member from every node.

One more sorted set, ``due``, holds every (member, node) entry of every room by its expiry so that expired ones are
found without a scan. A node pushes the expiry of its entries forward every third of the TTL. When a node dies, its
entries stop moving: they stop counting at once when their time is up, and the next sweep of any node removes
them; when that was the member's last entry, the script that removes it answers 1 to one caller only, so exactly
one node tells the room. A swept entry is remembered for its node: a node that was only cut off from Redis learns on
its next refresh which of its members the others removed (``on_evicted``), so that it takes their connections out
of the room instead of letting them believe they are still in it.

Every change is one Lua script, so a capacity check and the entry it admits cannot interleave with another node's.
While Redis cannot be reached, entering and reading presence fail with 100001 (retry later) rather than answer
a guess; refreshing and sweeping log a warning and try again on their next turn.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import msgspec
import redis.asyncio as redis
from redis.exceptions import RedisError

from liveroom import background
from liveroom.cluster.warner import Warner
from liveroom.domain.presence import Admission, Evicted, Lost
from liveroom.errors import ErrorCode, LiveError

log = logging.getLogger("liveroom.cluster")
SWEEP_BATCH = 200
SWEEP_BATCHES = 50
REFRESH_BATCH = 500
# Node ids have one length: a ``due`` member is the node id followed by the encoded (SDKAppID, RoomId, user).
NODE_ID_LENGTH = 16
# How long a node's swept entries are remembered for it: a node cut off for longer learns nothing of them.
SWEPT_KEEP_MS = 24 * 3600 * 1000
T = TypeVar("T")
Listener = Callable[[Evicted], Awaitable[None]]

# In every script a member's entries are the hash ``nodes`` (node id → expiry ms) and ``p`` is the encoded
# (SDKAppID, RoomId, user); ``due`` members are node id .. p; ``sp`` .. node id is the set of a node's swept entries.
# prune drops the member's entries that expired by ``now``, remembering each for its node, and answers the latest
# expiry of those left (nil when none is left).
_PRUNE = """
local function prune(nodes, due, sp, p, now, keep)
    local entries = redis.call('HGETALL', nodes)
    local latest = nil
    for i = 1, #entries, 2 do
        local e = tonumber(entries[i + 1])
        if e > now then
            if not latest or e > latest then latest = e end
        else
            redis.call('HDEL', nodes, entries[i])
            redis.call('ZREM', due, entries[i] .. p)
            redis.call('SADD', sp .. entries[i], p)
            redis.call('PEXPIRE', sp .. entries[i], keep)
        end
    end
    return latest
end
local function count(room, now)
    return redis.call('ZCOUNT', room, '(' .. now, '+inf')
end
-- One of the member's entries is gone: they stay while another is left (scored by the latest), else they leave.
-- Answers the members left when they left, -1 otherwise.
local function settle(room, nodes, due, sp, user, p, now, keep)
    local latest = prune(nodes, due, sp, p, now, keep)
    if latest then
        redis.call('ZADD', room, latest, user)
        return -1
    end
    if redis.call('ZREM', room, user) == 0 then return -1 end
    return count(room, now)
end
"""

# KEYS: room, due, nodes, this node's swept set. ARGV: user, now ms, expiry ms, capacity, node, p.
# Answers {admitted, already, count}. A user whose entry is still in the room (through another node, or expired,
# their node gone) is coming back: not a new member.
_ENTER = (
    _PRUNE
    + """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
local now = tonumber(ARGV[2])
if not s or tonumber(s) <= now then
    local n = count(KEYS[1], now)
    if n >= tonumber(ARGV[4]) then return {0, 0, n} end
end
if not s or tonumber(s) < tonumber(ARGV[3]) then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) end
redis.call('HSET', KEYS[3], ARGV[5], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5] .. ARGV[6])
redis.call('SREM', KEYS[4], ARGV[6])
return {1, s and 1 or 0, count(KEYS[1], now)}
"""
)

# KEYS: room, due, nodes, this node's swept set. ARGV: user, now ms, node, p, swept prefix, keep ms.
# Removes this node's entry; answers the members left when that ended the membership, -1 when the user is still
# a member through another node or was not in the room.
_LEAVE = (
    _PRUNE
    + """
local now = tonumber(ARGV[2])
redis.call('SREM', KEYS[4], ARGV[4])
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[3] .. ARGV[4])
return settle(KEYS[1], KEYS[3], KEYS[2], ARGV[5], ARGV[1], ARGV[4], now, ARGV[6])
"""
)

# KEYS: room, due, nodes. ARGV: user, now ms, p. Removes the user's entries on every node; answers the members
# left, or -1 when the user was not in the room.
_REMOVE = """
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do redis.call('ZREM', KEYS[2], entries[i] .. ARGV[3]) end
redis.call('DEL', KEYS[3])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
return redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
"""

# KEYS: room, due. ARGV: nodes prefix, then (user, p) pairs. Removes those users' entries on every node.
_CLEAR = """
for i = 2, #ARGV, 2 do
    local nodes = ARGV[1] .. ARGV[i + 1]
    local entries = redis.call('HGETALL', nodes)
    for j = 1, #entries, 2 do redis.call('ZREM', KEYS[2], entries[j] .. ARGV[i + 1]) end
    redis.call('DEL', nodes)
    redis.call('ZREM', KEYS[1], ARGV[i])
end
"""

# KEYS: room, due, nodes. ARGV: user, now ms, node, p, swept prefix, keep ms. Removes the node's entry only if it
# has expired; answers the members left when that was the member's last entry (this caller tells the room), -1
# otherwise.
_EXPIRE = (
    _PRUNE
    + """
local now = tonumber(ARGV[2])
local e = redis.call('HGET', KEYS[3], ARGV[3])
if not e then
    redis.call('ZREM', KEYS[2], ARGV[3] .. ARGV[4])
    return -1
end
if tonumber(e) > now then
    redis.call('ZADD', KEYS[2], e, ARGV[3] .. ARGV[4])
    return -1
end
return settle(KEYS[1], KEYS[3], KEYS[2], ARGV[5], ARGV[1], ARGV[4], now, ARGV[6])
"""
)

# KEYS: due, this node's swept set. ARGV: expiry ms, now ms, node, nodes prefix, then (room key, user, p) triples.
# Pushes this node's entries that still exist forward. Of those that are gone it answers (0-based index, count)
# pairs: count -1 when the entry was removed on purpose (a ban, a dismissal: the room's event says so), else the
# members now, the entry having been swept as lost (the room was told the user left). A swept entry of a user still
# a member through another node is put back: the room was never told they left.
_REFRESH = (
    _PRUNE
    + """
local gone = {}
local expiry, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local function keep(room, user, nodes, p)
    redis.call('HSET', nodes, ARGV[3], ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3] .. p)
    local s = redis.call('ZSCORE', room, user)
    if not s or tonumber(s) < expiry then redis.call('ZADD', room, ARGV[1], user) end
end
for i = 5, #ARGV, 3 do
    local room, user, p = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local nodes = ARGV[4] .. p
    if redis.call('HEXISTS', nodes, ARGV[3]) == 1 then
        keep(room, user, nodes, p)
    elseif redis.call('SREM', KEYS[2], p) == 1 then
        local s = redis.call('ZSCORE', room, user)
        if s and tonumber(s) > now then
            keep(room, user, nodes, p)
        else
            gone[#gone + 1] = (i - 5) / 3
            gone[#gone + 1] = count(room, now)
        end
    else
        gone[#gone + 1] = (i - 5) / 3
        gone[#gone + 1] = -1
    end
end
return gone
"""
)

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(tuple[int, str, str]).decode


class RedisPresence:
    """Implements ``liveroom.domain.presence.Presence`` for many nodes; ``node_id`` (16 characters, random by
    default) names this node's entries."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
        node_id: str | None = None,
    ) -> None:
        node_id = secrets.token_hex(NODE_ID_LENGTH // 2) if node_id is None else node_id
        if len(node_id.encode()) != NODE_ID_LENGTH:
            raise ValueError(f"node_id: must be {NODE_ID_LENGTH} ASCII characters")
        self.node_id = node_id
        self._redis = client
        self._clock = clock
        self._prefix = f"{prefix}:presence"
        self._due = f"{self._prefix}:due"
        self._nodes = f"{self._prefix}:nodes:".encode()
        self._swept_prefix = f"{self._prefix}:swept:"
        self._swept = f"{self._swept_prefix}{node_id}"
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self.sweep_seconds: float | None = max(ttl_seconds / 3, 0.05)
        self._enter = client.register_script(_ENTER)
        self._leave = client.register_script(_LEAVE)
        self._remove = client.register_script(_REMOVE)
        self._clear = client.register_script(_CLEAR)
        self._expire = client.register_script(_EXPIRE)
        self._refresh_script = client.register_script(_REFRESH)
        # The members connected through this node, whose entries it keeps alive.
        self._local: defaultdict[tuple[int, str], set[str]] = defaultdict(set)
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self._warn = Warner(log)

    def _room(self, sdkappid: int, room_id: str) -> str:
        return f"{self._prefix}:{sdkappid}:{room_id}"

    def _keys(self, sdkappid: int, room_id: str, user_id: str) -> tuple[bytes, list[Any]]:
        """The encoded (SDKAppID, RoomId, user), and the room, ``due`` and the member's entries as keys."""
        member = _encode((sdkappid, room_id, user_id))
        return member, [self._room(sdkappid, room_id), self._due, self._nodes + member]

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
        member, keys = self._keys(sdkappid, room_id, user_id)
        args: list[Any] = [user_id, now, now + self._ttl_ms, capacity, self.node_id, member]
        admitted, already, count = await self._call("RoomId", lambda: self._enter(keys=[*keys, self._swept], args=args))
        if admitted:
            self._local[(sdkappid, room_id)].add(user_id)
        return Admission(bool(admitted), bool(already), int(count))

    async def leave(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        self._forget(sdkappid, room_id, user_id)
        member, keys = self._keys(sdkappid, room_id, user_id)
        args: list[Any] = [user_id, self._now_ms(), self.node_id, member, self._swept_prefix, SWEPT_KEEP_MS]
        left = int(await self._call("RoomId", lambda: self._leave(keys=[*keys, self._swept], args=args)))
        return None if left < 0 else left

    async def remove(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        self._forget(sdkappid, room_id, user_id)
        member, keys = self._keys(sdkappid, room_id, user_id)
        args: list[Any] = [user_id, self._now_ms(), member]
        left = int(await self._call("RoomId", lambda: self._remove(keys=keys, args=args)))
        return None if left < 0 else left

    async def clear_room(self, sdkappid: int, room_id: str) -> frozenset[str]:
        self._local.pop((sdkappid, room_id), None)
        key = self._room(sdkappid, room_id)

        async def clear() -> list[bytes]:
            names = cast(list[bytes], await self._redis.zrange(key, 0, -1))
            if names:
                args: list[Any] = [self._nodes]
                for name in names:
                    args += [name, _encode((sdkappid, room_id, name.decode()))]
                await self._clear(keys=[key, self._due], args=args)
            return names

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
        for entry in due:
            node, member = entry[:NODE_ID_LENGTH], entry[NODE_ID_LENGTH:]
            try:
                sdkappid, room_id, user_id = _decode(member)
            except msgspec.DecodeError:
                log.warning("removed a malformed presence entry under %s", self._due)
                await self._redis.zrem(self._due, entry)
                continue
            _, keys = self._keys(sdkappid, room_id, user_id)
            args: list[Any] = [user_id, now, node, member, self._swept_prefix, SWEPT_KEEP_MS]
            left = int(await self._expire(keys=keys, args=args))
            if left >= 0:
                found.append(Lost(sdkappid, room_id, user_id, left))

    # this node's members -------------------------------------------------------------------------------------

    def on_evicted(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def refresh(self) -> list[Evicted]:
        """Push the expiry of this node's entries forward. Entries removed meanwhile elsewhere are forgotten here:
        on purpose (a ban, a dismissal) silently, and swept as lost (this node did not refresh them in time) by
        telling the listeners, with the answer, who was evicted."""
        entries = [(sdkappid, room_id, user) for (sdkappid, room_id), users in self._local.items() for user in users]
        now = self._now_ms()
        evicted: list[Evicted] = []
        for start in range(0, len(entries), REFRESH_BATCH):
            batch = entries[start : start + REFRESH_BATCH]
            args: list[Any] = [now + self._ttl_ms, now, self.node_id, self._nodes]
            for sdkappid, room_id, user in batch:
                args += [self._room(sdkappid, room_id), user, _encode((sdkappid, room_id, user))]
            gone = await self._refresh_script(keys=[self._due, self._swept], args=args)
            for index, count in zip(gone[::2], gone[1::2], strict=True):
                sdkappid, room_id, user = batch[int(index)]
                self._forget(sdkappid, room_id, user)
                if int(count) >= 0:
                    evicted.append(Evicted(sdkappid, room_id, user, int(count)))
        for member in evicted:
            log.warning(
                "member %r of room %r was lost by this node (its presence was not refreshed in time)",
                member.user_id,
                member.room_id,
            )
            for listener in self._listeners:
                try:
                    await listener(member)
                except Exception:
                    log.exception("telling an eviction failed")
        return evicted

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
        task, self._task = self._task, None
        await background.stop(task)
