"""Room events across nodes: one Redis pub/sub channel that every process publishes its events to and listens on.

A process delivers its own events to its own subscribers at once (``EventBus.publish``) and skips them when they
come back from Redis, so nothing is delivered twice. The events a process publishes in one turn of its event loop
cross Redis as one message (at most ``MAX_EVENTS_PER_MESSAGE`` each), in the order they were published: a busy node
pays one PUBLISH, and each other node one message, for many writes. A publisher waits until the message carrying
its event was handed to Redis. Pub/sub delivers at most once: a process that is cut off from Redis misses what was
published meanwhile (its clients see the room again when they re-enter). An event this node cannot read (a kind
that a newer node added, in a rolling upgrade) is skipped; the others of its message are delivered.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec
import redis.asyncio as redis
from redis.exceptions import RedisError

from liveroom.cluster.warner import Warner
from liveroom.domain.events import AnyRoomEvent, EventBus

log = logging.getLogger("liveroom.cluster")
MAX_EVENTS_PER_MESSAGE = 256


class _Envelope(msgspec.Struct, array_like=True, frozen=True):
    node: str
    # Each event encoded on its own: one a node cannot read does not hide the others.
    events: list[msgspec.Raw]


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_Envelope).decode
_decode_event = msgspec.msgpack.Decoder(AnyRoomEvent).decode


class EventRelay:
    def __init__(self, client: redis.Redis, bus: EventBus, channel: str, node_id: str) -> None:
        self._redis = client
        self._bus = bus
        self.channel = channel
        self._node = node_id
        self._warn = Warner(log)
        self._ignored = False
        # Events published since the last message went out, and what their publishers wait on.
        self._pending: list[msgspec.Raw] = []
        self._handed: asyncio.Future[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        bus.relay_to(self.publish)

    async def publish(self, event: AnyRoomEvent) -> None:
        """Hand an event of this process to the others; the change it reports is committed already, so a Redis
        fault is logged, not raised to the caller."""
        loop = asyncio.get_running_loop()
        self._pending.append(msgspec.Raw(_encode(event)))
        if self._handed is None:
            self._handed = loop.create_future()
        handed = self._handed
        if self._sender is None:
            # Starts after the callbacks already ready: the other events of this loop turn join the message.
            self._sender = loop.create_task(self._send(), name="liveroom-event-relay")
        await asyncio.shield(handed)

    async def _send(self) -> None:
        handed: asyncio.Future[None] | None = None
        try:
            while self._pending:
                pending, handed = self._pending, self._handed
                self._pending, self._handed = [], None
                try:
                    for start in range(0, len(pending), MAX_EVENTS_PER_MESSAGE):
                        envelope = _Envelope(self._node, pending[start : start + MAX_EVENTS_PER_MESSAGE])
                        await self._redis.publish(self.channel, _encode(envelope))
                except RedisError as exc:
                    self._warn("events not sent to other nodes", exc)
                if handed is not None and not handed.done():
                    handed.set_result(None)
        finally:
            self._sender = None
            # Cancelled (the node stops): nobody waits for what will not be sent.
            for left in (handed, self._handed):
                if left is not None and not left.done():
                    left.set_result(None)
            self._pending, self._handed = [], None

    async def close(self) -> None:
        sender = self._sender
        if sender is not None:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    def _cannot_read(self, exc: Exception) -> None:
        # Told once: a newer node would otherwise fill the log with every event of its new kind.
        level = logging.DEBUG if self._ignored else logging.WARNING
        self._ignored = True
        log.log(level, "ignored an event on %s that this node cannot read (%s)", self.channel, exc)

    async def receive(self, data: bytes) -> None:
        try:
            envelope = _decode(data)
        except msgspec.DecodeError as exc:
            self._cannot_read(exc)
            return
        if envelope.node == self._node:
            return
        for raw in envelope.events:
            try:
                event = _decode_event(raw)
            except msgspec.DecodeError as exc:
                self._cannot_read(exc)
                continue
            try:
                await self._bus.deliver(event)
            except Exception:
                log.exception("delivering an event from node %s failed", envelope.node)
