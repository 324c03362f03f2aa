"""Room events across nodes: one Redis pub/sub channel that every process publishes its events to and listens on.

A process delivers its own events to its own subscribers at once (``EventBus.publish``) and skips them when they
come back from Redis, so nothing is delivered twice. Pub/sub delivers at most once: a process that is cut off from
Redis misses what was published meanwhile (its clients see the room again when they re-enter). An event this
node cannot read (a kind that a newer node added, in a rolling upgrade) is skipped.
"""

from __future__ import annotations

import logging

import msgspec
import redis.asyncio as redis
from redis.exceptions import RedisError

from liveroom.cluster.warner import Warner
from liveroom.domain.events import AnyRoomEvent, EventBus

log = logging.getLogger("liveroom.cluster")


class _Envelope(msgspec.Struct, array_like=True, frozen=True):
    node: str
    event: AnyRoomEvent


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_Envelope).decode


class EventRelay:
    def __init__(self, client: redis.Redis, bus: EventBus, channel: str, node_id: str) -> None:
        self._redis = client
        self._bus = bus
        self.channel = channel
        self._node = node_id
        self._warn = Warner(log)
        self._ignored = False
        bus.relay_to(self.publish)

    async def publish(self, event: AnyRoomEvent) -> None:
        """Hand an event of this process to the others; the change it reports is committed already, so a Redis
        fault is logged, not raised to the caller."""
        try:
            await self._redis.publish(self.channel, _encode(_Envelope(self._node, event)))
        except RedisError as exc:
            self._warn("events not sent to other nodes", exc)

    async def receive(self, data: bytes) -> None:
        try:
            envelope = _decode(data)
        except msgspec.DecodeError as exc:
            # Told once: a newer node would otherwise fill the log with every event of its new kind.
            level = logging.DEBUG if self._ignored else logging.WARNING
            self._ignored = True
            log.log(level, "ignored an event on %s that this node cannot read (%s)", self.channel, exc)
            return
        if envelope.node != self._node:
            try:
                await self._bus.deliver(envelope.event)
            except Exception:
                log.exception("delivering an event from node %s failed", envelope.node)
