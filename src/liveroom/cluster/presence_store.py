"""This deployment's presence in Redis, as one node reads and changes it: the keys, and the Lua scripts that change
them (every change is one script, so a capacity check and the entry it admits cannot interleave with another
node's). ``cluster.presence`` decides when to use them.

Each script starts with ``EPOCH``: it takes the epoch key, and the epoch the node knows and the changes channel,
off the front of ``KEYS`` and ``ARGV``, and refuses (``PresenceLost``) when Redis no longer holds that epoch, i.e. it
lost this deployment's presence (restarted empty, flushed): the node writes its members back and runs the script
again. The rest of each script reads its ``KEYS`` and ``ARGV`` without them.

A script that may change how many members a room has publishes the room's key on the changes channel, in the same
script: Redis runs scripts one at a time, so a node subscribed to it hears of every change made after its
subscription was confirmed, in order. That is what lets a node keep the counts it read (``cluster.presence``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any, cast

import msgspec
import redis.asyncio as redis
from redis.exceptions import ResponseError

from liveroom.domain.presence import Lost, Page

log = logging.getLogger("liveroom.cluster")
# Node ids have one length: a ``due`` member is the node id followed by the encoded (SDKAppID, RoomId, user).
NODE_ID_LENGTH = 16
# How long a node's swept entries are remembered for it: a node cut off for longer learns nothing of them.
SWEPT_KEEP_MS = 24 * 3600 * 1000
Member = tuple[int, str, str]

_LOST = "LIVEROOM_PRESENCE_LOST"
_EPOCH = f"""
local epoch_key, epoch, changes = table.remove(KEYS, 1), table.remove(ARGV, 1), table.remove(ARGV, 1)
if redis.call('GET', epoch_key) ~= epoch then return redis.error_reply('{_LOST} presence epoch changed') end
local function changed(room) redis.call('PUBLISH', changes, room) end
"""

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
-- One of the member's entries is gone: they stay while another is left (scored by the latest), else they leave
-- (and their place in ``joined``, the room's entry order, goes). Answers the members left when they left, -1
-- otherwise.
local function settle(room, joined, nodes, due, sp, user, p, now, keep)
    local latest = prune(nodes, due, sp, p, now, keep)
    if latest then
        redis.call('ZADD', room, latest, user)
        return -1
    end
    redis.call('ZREM', joined, user)
    if redis.call('ZREM', room, user) == 0 then return -1 end
    changed(room)
    return count(room, now)
end
-- A member without a place in the room's entry order gets the next one (``seq`` counts for every room).
local function place(joined, seq, user)
    if not redis.call('ZSCORE', joined, user) then redis.call('ZADD', joined, redis.call('INCR', seq), user) end
end
"""

# KEYS: room, due, nodes, this node's swept set, joined, seq. ARGV: user, now ms, expiry ms, capacity, node, p.
# Answers {admitted, already, count}. A user whose entry is still in the room (through another node, or expired,
# their node gone) is coming back: not a new member.
_ENTER = (
    _EPOCH
    + _PRUNE
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
place(KEYS[5], KEYS[6], ARGV[1])
if not s or tonumber(s) <= now then changed(KEYS[1]) end
return {1, s and 1 or 0, count(KEYS[1], now)}
"""
)

# KEYS: room, due, nodes, this node's swept set, joined. ARGV: user, now ms, node, p, swept prefix, keep ms.
# Removes this node's entry; answers the members left when that ended the membership, -1 when the user is still
# a member through another node or was not in the room.
_LEAVE = (
    _EPOCH
    + _PRUNE
    + """
local now = tonumber(ARGV[2])
redis.call('SREM', KEYS[4], ARGV[4])
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[3] .. ARGV[4])
return settle(KEYS[1], KEYS[5], KEYS[3], KEYS[2], ARGV[5], ARGV[1], ARGV[4], now, ARGV[6])
"""
)

# KEYS: room, due, nodes, joined. ARGV: user, now ms, p. Removes the user's entries on every node; answers the members
# left, or -1 when the user was not in the room.
_REMOVE = (
    _EPOCH
    + """
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do redis.call('ZREM', KEYS[2], entries[i] .. ARGV[3]) end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
changed(KEYS[1])
return redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
"""
)

# KEYS: room, due, joined. ARGV: nodes prefix, then (user, p) pairs. Removes those users' entries on every node.
_CLEAR = (
    _EPOCH
    + """
for i = 2, #ARGV, 2 do
    local nodes = ARGV[1] .. ARGV[i + 1]
    local entries = redis.call('HGETALL', nodes)
    for j = 1, #entries, 2 do redis.call('ZREM', KEYS[2], entries[j] .. ARGV[i + 1]) end
    redis.call('DEL', nodes)
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[3], ARGV[i])
end
changed(KEYS[1])
"""
)

# KEYS: room, due, nodes, joined. ARGV: user, now ms, node, p, swept prefix, keep ms. Removes the node's entry only
# if it has expired; answers the members left when that was the member's last entry (this caller tells the room),
# -1 otherwise.
_EXPIRE = (
    _EPOCH
    + _PRUNE
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
return settle(KEYS[1], KEYS[4], KEYS[3], KEYS[2], ARGV[5], ARGV[1], ARGV[4], now, ARGV[6])
"""
)

# KEYS: due, this node's swept set, seq. ARGV: expiry ms, now ms, node, nodes prefix, restore (1 or 0), then (room
# key, joined key, user, p) quadruples. Pushes this node's entries that still exist forward (giving a member without
# a place in the room's entry order one). Of those that are gone it answers (0-based index, count) pairs: count -1
# when the entry was removed on purpose (a ban, a dismissal: the room's event says so), else the members now, the
# entry having been swept as lost (the room was told the user left). A swept entry of a user still a member through
# another node is put back: the room was never told they left. With restore, every entry is written whatever Redis
# holds (members this node admitted while Redis could not tell, or all of them after Redis lost its data).
_REFRESH = (
    _EPOCH
    + _PRUNE
    + """
local gone = {}
local expiry, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local function keep(room, joined, user, nodes, p)
    redis.call('HSET', nodes, ARGV[3], ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3] .. p)
    local s = redis.call('ZSCORE', room, user)
    if not s or tonumber(s) < expiry then redis.call('ZADD', room, ARGV[1], user) end
    place(joined, KEYS[3], user)
end
local restore = ARGV[5] == '1'
for i = 6, #ARGV, 4 do
    local room, joined, user, p = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local nodes = ARGV[4] .. p
    if redis.call('HEXISTS', nodes, ARGV[3]) == 1 then
        keep(room, joined, user, nodes, p)
    elseif restore then
        keep(room, joined, user, nodes, p)
        changed(room)
    elseif redis.call('SREM', KEYS[2], p) == 1 then
        local s = redis.call('ZSCORE', room, user)
        if s and tonumber(s) > now then
            keep(room, joined, user, nodes, p)
            changed(room)
        else
            gone[#gone + 1] = (i - 6) / 4
            gone[#gone + 1] = count(room, now)
        end
    else
        gone[#gone + 1] = (i - 6) / 4
        gone[#gone + 1] = -1
    end
end
return gone
"""
)

# Reads. KEYS: room. ARGV: now ms (members) or the user (score); the counts below.
# KEYS: rooms. ARGV: now ms. Answers each room's members online and the earliest expiry among them (-1 when none is
# online), in order, flat (the counts asked together by one node). Until that expiry passes, the count changes only
# by a script, which says so on the changes channel.
_COUNTS = (
    _EPOCH
    + """
local answers, since = {}, '(' .. ARGV[1]
for i = 1, #KEYS do
    answers[2 * i - 1] = redis.call('ZCOUNT', KEYS[i], since, '+inf')
    local first = redis.call('ZRANGEBYSCORE', KEYS[i], since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    answers[2 * i] = first[2] or '-1'
end
return answers
"""
)
_MEMBERS = _EPOCH + "return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')"
_SCORE = _EPOCH + "return redis.call('ZSCORE', KEYS[1], ARGV[1])"

# KEYS: room, joined. ARGV: now ms, after (a position), limit. Answers the members online and (user, position) pairs,
# as one JSON array [count, user, position, user, position ...] (one string for the client to parse, not 200
# replies): at most limit members online who entered after that position, in entry order (members of a lost node
# not swept yet are skipped).
_PAGE = (
    _EPOCH
    + """
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[3])
local found, from = {tostring(redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf'))}, '(' .. ARGV[2]
while true do
    local batch = redis.call('ZRANGEBYSCORE', KEYS[2], from, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
    for i = 1, #batch, 2 do
        local s = redis.call('ZSCORE', KEYS[1], batch[i])
        if s and tonumber(s) > now then
            found[#found + 1] = batch[i]
            found[#found + 1] = batch[i + 1]
            if #found == 2 * limit + 1 then return cjson.encode(found) end
        end
    end
    if #batch < 2 * limit then return cjson.encode(found) end
    from = '(' .. batch[#batch]
end
"""
)


_SCRIPTS = {
    "enter": _ENTER,
    "leave": _LEAVE,
    "remove": _REMOVE,
    "clear": _CLEAR,
    "expire": _EXPIRE,
    "refresh": _REFRESH,
    "counts": _COUNTS,
    "members": _MEMBERS,
    "score": _SCORE,
    "page": _PAGE,
}
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(tuple[int, str, str]).decode
_decode_page = msgspec.json.Decoder(list[str]).decode


class PresenceLost(Exception):
    """Redis no longer holds the presence epoch this node wrote its entries in."""


class PresenceStore:
    """The presence keys under ``prefix`` and the scripts on them, for the node ``node_id``; ``epoch`` is the one
    the node knows (None: not yet). Times are ms since the epoch; a member is (SDKAppID, RoomId, user)."""

    def __init__(self, client: redis.Redis, prefix: str, node_id: str, ttl_ms: int) -> None:
        self._redis = client
        self.node_id = node_id
        self._ttl_ms = ttl_ms
        self._prefix = f"{prefix}:presence"
        self._due = f"{self._prefix}:due"
        self._nodes = f"{self._prefix}:nodes:".encode()
        self._swept_prefix = f"{self._prefix}:swept:"
        self._swept = f"{self._swept_prefix}{node_id}"
        self._epoch_key = f"{self._prefix}:epoch"
        self._seq = f"{self._prefix}:seq"
        # Pub/sub channels are not keys: nothing under the prefix is left behind by it.
        self.changes = f"{self._prefix}:changes"
        self.epoch: bytes | None = None
        self._scripts = {name: client.register_script(script) for name, script in _SCRIPTS.items()}

    def room_key(self, sdkappid: int, room_id: str) -> str:
        """The room's key: what the changes channel carries."""
        return f"{self._prefix}:{sdkappid}:{room_id}"

    def _joined(self, sdkappid: int, room_id: str) -> str:
        """The room's members by their place in its entry order (an SDKAppID is a number: no room key is this)."""
        return f"{self._prefix}:joined:{sdkappid}:{room_id}"

    def _keys(self, member: Member) -> tuple[bytes, list[Any]]:
        """The encoded member, and the room, ``due`` and the member's entries as keys."""
        encoded = _encode(member)
        return encoded, [self.room_key(member[0], member[1]), self._due, self._nodes + encoded]

    async def _run(self, script: str, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        try:
            return await self._scripts[script](
                keys=[self._epoch_key, *keys], args=[self.epoch or b"", self.changes, *args]
            )
        except ResponseError as exc:
            if str(exc).startswith(_LOST):
                raise PresenceLost from None
            raise

    # reading -------------------------------------------------------------------------------------------------

    async def counts(self, keys: Sequence[str], now: int) -> list[tuple[int, int]]:
        """(members online, the earliest expiry among them or -1) of the rooms with these ``room_key``s."""
        flat = await self._run("counts", keys, [now])
        return [(int(count), int(float(expiry))) for count, expiry in zip(flat[::2], flat[1::2], strict=True)]

    async def members(self, sdkappid: int, room_id: str, now: int) -> frozenset[str]:
        names = await self._run("members", [self.room_key(sdkappid, room_id)], [now])
        return frozenset(name.decode() for name in names)

    async def page(self, sdkappid: int, room_id: str, now: int, after: int, limit: int) -> Page:
        keys = [self.room_key(sdkappid, room_id), self._joined(sdkappid, room_id)]
        count, *found = _decode_page(await self._run("page", keys, [now, after, limit]))
        return Page(int(count), [(int(position), name) for name, position in zip(found[::2], found[1::2], strict=True)])

    async def is_present(self, member: Member, now: int) -> bool:
        score = await self._run("score", [self.room_key(member[0], member[1])], [member[2]])
        return score is not None and float(score) > now

    # changing ------------------------------------------------------------------------------------------------

    async def enter(self, member: Member, now: int, capacity: int) -> tuple[bool, bool, int]:
        """(admitted, already a member, members now)."""
        encoded, keys = self._keys(member)
        args = [member[2], now, now + self._ttl_ms, capacity, self.node_id, encoded]
        joined = self._joined(member[0], member[1])
        admitted, already, count = await self._run("enter", [*keys, self._swept, joined, self._seq], args)
        return bool(admitted), bool(already), int(count)

    async def leave(self, member: Member, now: int) -> int:
        """This node's entry goes: the members left when that ended the membership, else -1."""
        encoded, keys = self._keys(member)
        args = [member[2], now, self.node_id, encoded, self._swept_prefix, SWEPT_KEEP_MS]
        return int(await self._run("leave", [*keys, self._swept, self._joined(member[0], member[1])], args))

    async def remove(self, member: Member, now: int) -> int:
        """Every node's entry goes: the members left, or -1 when the user was not in the room."""
        encoded, keys = self._keys(member)
        keys.append(self._joined(member[0], member[1]))
        return int(await self._run("remove", keys, [member[2], now, encoded]))

    async def clear(self, sdkappid: int, room_id: str) -> frozenset[str]:
        key = self.room_key(sdkappid, room_id)
        names = cast(list[bytes], await self._redis.zrange(key, 0, -1))
        if names:
            args: list[Any] = [self._nodes]
            for name in names:
                args += [name, _encode((sdkappid, room_id, name.decode()))]
            await self._run("clear", [key, self._due, self._joined(sdkappid, room_id)], args)
        return frozenset(name.decode() for name in names)

    async def write(self, batch: Sequence[Member], now: int, *, restore: bool) -> list[tuple[int, int]]:
        """Push this node's entries forward (``restore``: write them whatever Redis holds); answers (index in
        ``batch``, count) of those gone: count -1 removed on purpose, else swept as lost, the members now."""
        args: list[Any] = [now + self._ttl_ms, now, self.node_id, self._nodes, int(restore)]
        for sdkappid, room_id, user in batch:
            args += [self.room_key(sdkappid, room_id), self._joined(sdkappid, room_id), user]
            args.append(_encode((sdkappid, room_id, user)))
        gone = await self._run("refresh", [self._due, self._swept, self._seq], args)
        return [(int(index), int(count)) for index, count in zip(gone[::2], gone[1::2], strict=True)]

    # nodes that went away --------------------------------------------------------------------------------------

    async def due(self, now: int, count: int) -> list[bytes]:
        """Entries of any node whose time was up by ``now``, at most ``count``."""
        return cast(list[bytes], await self._redis.zrangebyscore(self._due, "-inf", now, start=0, num=count))

    async def expire(self, entry: bytes, now: int) -> Lost | None:
        """Remove the entry if it expired; the member who left when that was their last entry (one caller only)."""
        node, encoded = entry[:NODE_ID_LENGTH], entry[NODE_ID_LENGTH:]
        try:
            member = _decode(encoded)
        except msgspec.DecodeError:
            log.warning("removed a malformed presence entry under %s", self._due)
            await self._redis.zrem(self._due, entry)
            return None
        _, keys = self._keys(member)
        keys.append(self._joined(member[0], member[1]))
        left = int(await self._run("expire", keys, [member[2], now, node, encoded, self._swept_prefix, SWEPT_KEEP_MS]))
        return None if left < 0 else Lost(*member, left)

    # reconnections, epochs ----------------------------------------------------------------------------------------

    def _drop_key(self, member: Member) -> bytes:
        return f"{self._prefix}:drop:".encode() + _encode(member)

    async def note_drop(self, member: Member, window_ms: int) -> None:
        await self._redis.set(self._drop_key(member), b"1", px=window_ms)

    async def take_drop(self, member: Member) -> bool:
        return bool(await self._redis.delete(self._drop_key(member)))

    async def current_epoch(self) -> bytes | None:
        return cast(bytes | None, await self._redis.get(self._epoch_key))

    async def new_epoch(self) -> bytes | None:
        """Start an epoch unless another node just did; answers the one Redis holds."""
        await self._redis.set(self._epoch_key, secrets.token_hex(8), nx=True)
        return await self.current_epoch()
