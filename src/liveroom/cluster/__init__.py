"""What several liveroom processes share through Redis: rate limits, the UserSig lock-out, presence and room
events.

Each process (every node, every worker) is one member of the cluster with its own node id. Nothing here is needed
by a single process; ``create_app`` builds it only when a Redis URL is configured.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from liveroom import background
from liveroom.cluster.fanout import EventRelay
from liveroom.cluster.lockout import RedisLockout
from liveroom.cluster.presence import RedisPresence
from liveroom.cluster.warner import Warner
from liveroom.domain.events import EventBus
from liveroom.domain.ratelimit import RateLimiter

__all__ = ["Cluster", "EventRelay", "RedisLockout", "RedisPresence"]

log = logging.getLogger("liveroom.cluster")
RETRY_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 5.0
SUBSCRIBE_TIMEOUT = 10.0
# Connections to Redis at most (the subscription holds one). Calls beyond wait for one, up to the command timeout:
# redis-py's default pool would raise instead, and a join storm (hundreds of members entering at once) then found
# Redis "unreachable" and presence fell back to the node's own members for a second.
MAX_CONNECTIONS = 64
Handler = Callable[[bytes], Awaitable[None]]


class Cluster:
    """One Redis connection pool and one pub/sub connection for everything this process shares; keys and channels
    start with ``prefix``."""

    def __init__(self, redis_url: str, prefix: str = "liveroom") -> None:
        # Bounded waits: a Redis that stops answering (a network cut, not a refused connection) makes calls fail,
        # and the node serve without it, within seconds instead of the kernel's minutes.
        pool = redis.BlockingConnectionPool.from_url(
            redis_url,
            max_connections=MAX_CONNECTIONS,
            timeout=COMMAND_TIMEOUT_SECONDS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=COMMAND_TIMEOUT_SECONDS,
        )
        self.redis: redis.Redis = redis.Redis.from_pool(pool)
        self.url = redis_url
        self.prefix = prefix
        self.node_id = uuid.uuid4().hex[:16]
        self._handlers: dict[str, Handler] = {}
        self._on_start: list[Callable[[], Awaitable[None]]] = []
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._warn = Warner(log)
        self._presence: RedisPresence | None = None
        self._relay: EventRelay | None = None

    def rate_limiter(self) -> RateLimiter:
        return RateLimiter.on_redis(
            self.url, key_prefix=f"{self.prefix}:limits", connection_pool=self.redis.connection_pool
        )

    def lockout(self, max_failures: int, window_seconds: float, lock_seconds: float) -> RedisLockout:
        lockout = RedisLockout(self.redis, f"{self.prefix}:lockout", max_failures, window_seconds, lock_seconds)
        self._handlers[lockout.channel] = lockout.receive
        self._on_start.append(lockout.load)
        return lockout

    def relay(self, bus: EventBus) -> EventRelay:
        """Events published on ``bus`` reach the other processes' buses, and theirs reach this one."""
        relay = EventRelay(self.redis, bus, f"{self.prefix}:events", self.node_id)
        self._handlers[relay.channel] = relay.receive
        self._relay = relay
        return relay

    def presence(self, ttl_seconds: float) -> RedisPresence:
        """Who is online, shared by every node; a node's members stop counting ``ttl_seconds`` after it dies."""
        self._presence = RedisPresence(self.redis, self.prefix, ttl_seconds)
        self._handlers[self._presence.changes_channel] = self._presence.changed
        return self._presence

    async def start(self) -> None:
        """Subscribe, and return once Redis has confirmed it: what is published from then on is received."""
        if self._handlers:
            self._pubsub = self.redis.pubsub()
            await self._pubsub.subscribe(*self._handlers)
            confirmed = 0
            deadline = time.monotonic() + SUBSCRIBE_TIMEOUT
            while confirmed < len(self._handlers):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"Redis did not confirm the subscriptions within {SUBSCRIBE_TIMEOUT:g} s")
                message = await self._pubsub.get_message(timeout=left)
                if message is not None and message["type"] == "subscribe":
                    confirmed += 1
                    self._subscribed(message["channel"])
            assert self._pubsub.connection is not None
            # Published while the connection is being made again is not received: presence keeps no counts until
            # Redis confirms the subscriptions again.
            self._pubsub.connection.register_connect_callback(self._reconnected)
            self._task = asyncio.create_task(self._listen(self._pubsub), name="liveroom-cluster")
        for hook in self._on_start:
            await hook()
        if self._presence is not None:
            self._presence.start()

    def _subscribed(self, channel: bytes) -> None:
        if self._presence is not None and channel.decode() == self._presence.changes_channel:
            self._presence.listening(True)

    def _reconnected(self, connection: object) -> None:
        if self._presence is not None:
            self._presence.listening(False)

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        handler = self._handlers.get(message["channel"].decode())
                        if handler is not None:
                            await handler(message["data"])
                    elif message["type"] == "subscribe":
                        self._subscribed(message["channel"])
            except RedisError as exc:
                if self._presence is not None:
                    self._presence.listening(False)
                # redis-py subscribes again when it reconnects.
                self._warn("nothing received from other nodes", exc)
                await asyncio.sleep(RETRY_SECONDS)

    async def ping(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        if self._relay is not None:
            await self._relay.close()
        if self._presence is not None:
            await self._presence.close()
        task, self._task = self._task, None
        await background.stop(task)
        if self._pubsub is not None:
            await self._pubsub.aclose()
            self._pubsub = None
        await self.redis.aclose()
