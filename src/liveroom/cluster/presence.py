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

The keys and the Lua scripts on them are ``presence_store``'s; this module decides when to use them.

Member counts are kept. ``get_room_info`` asks one per request; a node keeps each count it read from Redis, with the
earliest expiry among the room's entries, and answers from it until that expiry passes or the room changes. Every
script that changes a room's count publishes the room on the changes channel (``presence_store``), so a node that
listens to it (``listening``, from the moment Redis confirmed its subscription) drops a kept count when any node
changes that room; its own changes drop it at once, before the change is answered. A count read while a change of
its room was announced is not kept. The subscription lost (reconnecting, an error), or Redis unreachable, nothing is
kept or answered from what was. Another node's entry thus shows in this node's counts once its announcement arrives
over pub/sub (as the room's events do), where a read from Redis would have had it as soon as it was answered.

Without Redis a node serves its own members (``OwnMembers``): it counts, lists and admits them alone, as one node
would, journals what changed, and logs that it does. It tries Redis again every second; once back, it writes the
journal and refreshes its entries (learning, as above, of members the other nodes swept meanwhile), then shares
again. Redis may come back empty (restarted without persistence, flushed): the presence epoch, a key every script
checks first, is then gone, and each node writes all its members back, logging it, at its first request or refresh
that meets the new Redis. A node sweeps others' entries only after it has shared presence for a whole TTL, so that
after an outage of Redis itself every node has written its members back before any is declared lost.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import redis.asyncio as redis
from redis.exceptions import RedisError

from liveroom import background
from liveroom.batches import Batches
from liveroom.cluster.own_members import Member, OwnMembers
from liveroom.cluster.presence_store import NODE_ID_LENGTH, PresenceLost, PresenceStore
from liveroom.domain.presence import Admission, Evicted, Lost, Page

log = logging.getLogger("liveroom.cluster")
SWEEP_BATCH = 200
SWEEP_BATCHES = 50
REFRESH_BATCH = 500
# How often a node that cannot reach Redis tries again.
RETRY_SECONDS = 1.0
# What a Redis that cannot serve presence raises: unreachable, loading its data, a replica after a failover
# (READONLY), out of memory ... The node then serves its own members until Redis answers again.
UNREACHABLE = (RedisError, OSError)
# Member counts kept at most (about 200 bytes each); past it, the kept counts start again empty.
KEPT_COUNTS = 65_536
T = TypeVar("T")
Listener = Callable[[Evicted], Awaitable[None]]


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
        self._clock = clock
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._store = PresenceStore(client, prefix, node_id, self._ttl_ms)
        self.sweep_seconds: float | None = max(ttl_seconds / 3, 0.05)
        self._retry_seconds = min(RETRY_SECONDS, self.sweep_seconds)
        self._own = OwnMembers()
        # Whether Redis cannot be reached, and since when (this node's clock) it has shared presence without a break.
        self._down = False
        self._shared_since = clock()
        self._restoring = asyncio.Lock()
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        # get_room_info asks a count per request: the counts asked together go to Redis as one script call.
        self._counts: Batches[str, int] = Batches(self._read_counts, in_flight=2, name="liveroom-member-counts")
        # Room key -> (count, until when it holds unless announced: ms, -1 for ever); kept only while listening.
        self._kept: dict[str, tuple[int, int]] = {}
        self._listening = False
        # Counts being read from Redis, by room key, and those of them whose room changed meanwhile.
        self._reading: dict[str, int] = {}
        self._changed_while_read: set[str] = set()

    @property
    def complete(self) -> bool:
        """Whether the counts cover every node's members (False while Redis cannot be reached)."""
        return not self._down

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    async def _shared(self, call: Callable[[], Awaitable[T]], here: Callable[[], T]) -> T:
        """``call`` on Redis; while Redis cannot be reached, ``here``: from this node's own members."""
        if self._down:
            return here()
        try:
            try:
                return await call()
            except PresenceLost:
                await self._restore()
                return await call()
        except (*UNREACHABLE, PresenceLost) as exc:
            self._went_down(exc)
            return here()

    # kept counts -----------------------------------------------------------------------------------------

    @property
    def changes_channel(self) -> str:
        return self._store.changes

    @property
    def keeps_counts(self) -> bool:
        """Whether counts read from Redis are kept (the subscription is confirmed and Redis reachable)."""
        return self._listening and not self._down

    def listening(self, on: bool) -> None:
        """Whether this node hears every announced change from now on (the subscription to ``changes_channel`` is
        confirmed) or may have missed some (the subscription is lost or being made again)."""
        self._listening = on
        self._forget()

    def _forget(self) -> None:
        self._kept.clear()
        self._changed_while_read.update(self._reading)

    async def changed(self, room_key: bytes) -> None:
        """A change of the room with this key was announced."""
        self._drop(room_key.decode(errors="replace"))

    def _drop(self, key: str) -> None:
        self._kept.pop(key, None)
        if key in self._reading:
            self._changed_while_read.add(key)

    async def _read_counts(self, keys: Sequence[str]) -> list[int]:
        for key in keys:
            self._reading[key] = self._reading.get(key, 0) + 1
        answers: list[tuple[int, int]] = []
        try:
            answers = await self._store.counts(keys, self._now_ms())
        finally:
            keep = bool(answers) and self.keeps_counts
            if keep and len(self._kept) + len(keys) > KEPT_COUNTS:
                self._kept.clear()
            for i, key in enumerate(keys):
                if keep and key not in self._changed_while_read:
                    self._kept[key] = answers[i]
                left = self._reading.pop(key) - 1
                if left:
                    self._reading[key] = left
                else:
                    self._changed_while_read.discard(key)
        return [count for count, _ in answers]

    # reading ---------------------------------------------------------------------------------------------

    async def member_count(self, sdkappid: int, room_id: str, *, fresh: bool = False) -> int:
        key = self._store.room_key(sdkappid, room_id)
        kept = None if fresh else self._kept.get(key)
        if kept is not None and not self._down:
            count, until = kept
            if until < 0 or until > self._now_ms():
                return count
        return await self._shared(lambda: self._counts.get(key), lambda: self._own.count(sdkappid, room_id))

    async def members(self, sdkappid: int, room_id: str) -> frozenset[str]:
        return await self._shared(
            lambda: self._store.members(sdkappid, room_id, self._now_ms()), lambda: self._own.members(sdkappid, room_id)
        )

    async def page(self, sdkappid: int, room_id: str, after: int, limit: int) -> Page:
        return await self._shared(
            lambda: self._store.page(sdkappid, room_id, self._now_ms(), after, limit),
            lambda: self._own.page(sdkappid, room_id, after, limit),
        )

    async def is_present(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        return await self._shared(
            lambda: self._store.is_present((sdkappid, room_id, user_id), self._now_ms()),
            lambda: self._own.has(sdkappid, room_id, user_id),
        )

    # changing --------------------------------------------------------------------------------------------

    async def enter(self, sdkappid: int, room_id: str, user_id: str, capacity: int) -> Admission:
        async def enter() -> Admission:
            admitted, already, count = await self._store.enter((sdkappid, room_id, user_id), self._now_ms(), capacity)
            self._drop(self._store.room_key(sdkappid, room_id))
            if admitted:
                self._own.add(sdkappid, room_id, user_id)
            return Admission(admitted, already, count)

        return await self._shared(enter, lambda: self._own.admit(sdkappid, room_id, user_id, capacity))

    async def leave(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        async def leave() -> int | None:
            left = await self._store.leave((sdkappid, room_id, user_id), self._now_ms())
            self._drop(self._store.room_key(sdkappid, room_id))
            self._own.discard(sdkappid, room_id, user_id)
            return None if left < 0 else left

        return await self._shared(leave, lambda: self._own.depart(sdkappid, room_id, user_id, everywhere=False))

    async def remove(self, sdkappid: int, room_id: str, user_id: str) -> int | None:
        async def remove() -> int | None:
            left = await self._store.remove((sdkappid, room_id, user_id), self._now_ms())
            self._drop(self._store.room_key(sdkappid, room_id))
            self._own.discard(sdkappid, room_id, user_id)
            return None if left < 0 else left

        return await self._shared(remove, lambda: self._own.depart(sdkappid, room_id, user_id, everywhere=True))

    async def clear_room(self, sdkappid: int, room_id: str) -> frozenset[str]:
        async def clear() -> frozenset[str]:
            members = await self._store.clear(sdkappid, room_id)
            self._drop(self._store.room_key(sdkappid, room_id))
            self._own.rooms.pop((sdkappid, room_id), None)
            return members

        return await self._shared(clear, lambda: self._own.clear(sdkappid, room_id))

    # reconnections: remembered in Redis only (while it cannot be reached, a reconnection is a new view) ---------

    async def note_drop(self, sdkappid: int, room_id: str, user_id: str, window: float) -> None:
        if not self._down:
            await self._shared(
                lambda: self._store.note_drop((sdkappid, room_id, user_id), max(1, int(window * 1000))), lambda: None
            )

    async def take_drop(self, sdkappid: int, room_id: str, user_id: str) -> bool:
        return await self._shared(lambda: self._store.take_drop((sdkappid, room_id, user_id)), lambda: False)

    # nodes that went away ----------------------------------------------------------------------------------

    async def lost(self) -> list[Lost]:
        """None while this node has shared presence for less than a TTL: after an outage of Redis, the other
        nodes' entries look expired until each has written its members back. Appends as it goes: what was removed
        before a fault is still told."""
        found: list[Lost] = []
        if self._down:
            return found
        try:
            if self._store.epoch is None:
                await self._restore()
            if self._now_ms() - self._shared_since * 1000 < self._ttl_ms:
                return found
            now = self._now_ms()
            for _ in range(SWEEP_BATCHES):
                due = await self._store.due(now, SWEEP_BATCH)
                for entry in due:
                    lost = await self._store.expire(entry, now)
                    if lost is not None:
                        self._drop(self._store.room_key(lost.sdkappid, lost.room_id))
                        found.append(lost)
                if len(due) < SWEEP_BATCH:
                    break
        except UNREACHABLE as exc:
            self._went_down(exc)
        except PresenceLost:
            await self._heal()  # nothing of a lost node is left in an emptied Redis to sweep
        return found

    # this node's members -------------------------------------------------------------------------------------

    def on_evicted(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def refresh(self) -> list[Evicted]:
        """Push the expiry of this node's entries forward. Entries removed meanwhile elsewhere are forgotten here:
        on purpose (a ban, a dismissal) silently, and swept as lost (this node did not refresh them in time) by
        telling the listeners, with the answer, who was evicted. Redis lost its data: every entry is written back."""
        try:
            evicted = await self._write(self._own.entries(), restore=False)
        except PresenceLost:
            await self._heal()
            return []
        await self._tell(evicted)
        return evicted

    async def _write(self, entries: list[Member], *, restore: bool) -> list[Evicted]:
        """Refresh (or with ``restore``, write whatever Redis holds) these entries of this node."""
        now = self._now_ms()
        evicted: list[Evicted] = []
        if restore:
            self._forget()
        for start in range(0, len(entries), REFRESH_BATCH):
            batch = entries[start : start + REFRESH_BATCH]
            for index, count in await self._store.write(batch, now, restore=restore):
                sdkappid, room_id, user = batch[index]
                self._drop(self._store.room_key(sdkappid, room_id))
                self._own.discard(sdkappid, room_id, user)
                if count >= 0:
                    evicted.append(Evicted(sdkappid, room_id, user, count))
        return evicted

    async def _tell(self, evicted: list[Evicted]) -> None:
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

    # without Redis, and after -------------------------------------------------------------------------------

    def _went_down(self, exc: BaseException) -> None:
        self._forget()
        if not self._down:
            self._down = True
            log.warning(
                "presence: Redis unreachable (%s); this node counts and admits only the %d members connected "
                "through it until Redis is back",
                type(exc).__name__,
                len(self._own),
            )

    async def _restore(self) -> None:
        """Redis does not hold this node's epoch: it lost its data (or this node never met it). Take the epoch
        Redis holds (a new one when there is none) and write every member of this node back."""
        async with self._restoring:
            epoch = await self._store.current_epoch()
            if epoch is not None and epoch == self._store.epoch:
                return  # restored while this call waited
            if epoch is None:
                epoch = await self._store.new_epoch()
            first, self._store.epoch = self._store.epoch is None, epoch
            if not first:
                self._shared_since = self._clock()
            entries = self._own.entries()
            await self._write(entries, restore=True)
            if not first:
                log.warning(
                    "presence: Redis no longer held the members online (restarted empty?); restored the %d "
                    "members connected through this node",
                    len(entries),
                )

    async def _heal(self) -> None:
        """``_restore``, or this node serves its own members when Redis went away again meanwhile."""
        try:
            await self._restore()
        except UNREACHABLE as exc:
            self._went_down(exc)

    async def _recover(self) -> None:
        """Redis answers again: write what changed meanwhile and this node's entries, then share presence again.
        Raises what an unreachable Redis raises when it does not answer after all."""
        if await self._store.current_epoch() != self._store.epoch:
            await self._restore()
        else:
            entered = self._own.entered
            await self._tell(await self._write([m for m in self._own.entries() if m not in entered], restore=False))
        # Changes keep coming while this runs: it ends with none left, and nothing awaited before sharing again.
        while self._own.journaled():
            await self._own.replay(leave=self._gone, clear=lambda room: self._store.clear(*room), write=self._written)
        self._forget()
        self._down = False
        self._shared_since = self._clock()
        log.warning(
            "presence: Redis reachable again; the %d members connected through this node are shared again",
            len(self._own),
        )

    async def _gone(self, member: Member, everywhere: bool) -> int:
        now = self._now_ms()
        return await (self._store.remove(member, now) if everywhere else self._store.leave(member, now))

    async def _written(self, members: list[Member]) -> list[Evicted]:
        return await self._write(members, restore=True)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._retry_seconds if self._down else self._ttl_ms / 3000)
            try:
                if self._down:
                    await self._recover()
                else:
                    await self.refresh()
            except (*UNREACHABLE, PresenceLost) as exc:
                self._went_down(exc)
            except Exception:
                log.exception("presence: keeping this node's members alive failed")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="liveroom-presence")

    async def close(self) -> None:
        task, self._task = self._task, None
        await background.stop(task)
        await self._counts.close()
