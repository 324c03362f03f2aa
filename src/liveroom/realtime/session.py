"""One realtime connection: who it is, the rooms it is in, its outgoing queue and its rate of requests.

Each connection has one outgoing queue drained by one writer task, so the events of a room reach every member in
the order they were published, and answers to a client's requests stay in order with them. A client that does
not read (its queue overflows) is disconnected instead of slowing the room down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from starlette.websockets import WebSocket, WebSocketDisconnect

from liveroom.domain.context import Caller

CLOSE_NORMAL = 1000
CLOSE_TOO_SLOW = 4009


class Bucket:
    """At most ``rate`` requests a second on average, ``burst`` at once."""

    __slots__ = ("_burst", "_last", "_rate", "_tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self._rate, self._burst = rate, burst
        self._tokens = burst
        self._last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Session:
    """One connection: who it is, which rooms it is in, and its outgoing queue."""

    def __init__(self, ws: WebSocket, queue_size: int) -> None:
        self.ws = ws
        self.caller: Caller | None = None
        # The client's address while it counts as not yet authenticated ("" once it does not).
        self.waiting_from = ""
        self.rooms: set[str] = set()
        self._queue: asyncio.Queue[str | int] = asyncio.Queue(queue_size)
        self._closing = False

    @property
    def user_id(self) -> str:
        return "" if self.caller is None else self.caller.identifier

    def push(self, frame: str) -> None:
        if self._closing:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.close(CLOSE_TOO_SLOW, drop_pending=True)

    def close(self, code: int, *, drop_pending: bool = False) -> None:
        """Close after the frames already queued have been sent (or at once, dropping them)."""
        if self._closing:
            return
        self._closing = True
        if drop_pending:
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(code)

    async def write_loop(self) -> None:
        # The peer may be gone at any moment; a failed send just ends this connection.
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            while True:
                item = await self._queue.get()
                if isinstance(item, int):
                    await self.ws.close(item)
                    return
                await self.ws.send_text(item)


class Waiting:
    """Connections waiting to authenticate, per client address, at most ``cap`` from one address at once."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._by_address: dict[str, int] = {}

    def admit(self, session: Session) -> bool:
        client = session.ws.client
        address = client.host if client else "-"
        waiting = self._by_address.get(address, 0)
        if waiting >= self.cap:
            return False
        self._by_address[address] = waiting + 1
        session.waiting_from = address
        return True

    def release(self, session: Session) -> None:
        """The connection no longer waits (it authenticated, or it is gone)."""
        address, session.waiting_from = session.waiting_from, ""
        if address:
            left = self._by_address[address] - 1
            if left:
                self._by_address[address] = left
            else:
                del self._by_address[address]
