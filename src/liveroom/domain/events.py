"""Room events: what the domain tells the rest of the system after a change has been committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec


class RoomEvent(msgspec.Struct, frozen=True, kw_only=True):
    """``kind`` names what happened (``room_info_changed``, ``metadata_changed``, ``room_dismissed`` ...);
    ``data`` carries the wire-named fields a receiver needs."""

    sdkappid: int
    room_id: str
    kind: str
    operator: str
    data: dict[str, Any] = {}
    # The members it is for; empty means everyone in the room.
    recipients: frozenset[str] = frozenset()


Subscriber = Callable[[RoomEvent], Awaitable[None]]


class EventBus:
    """In-process fan-out; the realtime gateway and the webhook outbox subscribe. With many nodes a relay carries
    what is published here to the other nodes, which ``deliver`` it to their own subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._relay: Subscriber | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def relay_to(self, relay: Subscriber) -> None:
        self._relay = relay

    async def publish(self, event: RoomEvent) -> None:
        """An event of this process: its subscribers first, then the other nodes."""
        await self.deliver(event)
        if self._relay is not None:
            await self._relay(event)

    async def deliver(self, event: RoomEvent) -> None:
        """To the subscribers of this process only (an event another node published)."""
        for subscriber in self._subscribers:
            await subscriber(event)
