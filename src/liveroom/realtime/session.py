"""One realtime connection: who it is, the rooms it is in, its outgoing frames and its rate of requests.

Each connection's frames go out in the order they were pushed, so the events of a room reach every member in the
order they were published, and answers to a client's requests stay in order with them; an answer to a heartbeat
goes ahead of the frames still waiting (a member's backlog never makes its heartbeat look unanswered). A client
that does not read (more than ``queue_size`` frames waiting) is disconnected instead of slowing the room down.

A frame is written at once when nothing waits and the connection's transport takes more; only what cannot go out
at once waits, for a writer task the connection has only while frames wait. With the server's ``FrameWriter``
(``api.transport``), an event's frame bytes, built once (``protocol.Frame``), are written as they are to every
member's transport; without it (another server, or compression negotiated) each frame's text goes through the ASGI
send path.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Iterator
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect

from liveroom.domain.context import Caller
from liveroom.realtime.protocol import Frame

CLOSE_NORMAL = 1000
CLOSE_TOO_SLOW = 4009
# The key of the connection's FrameWriter in the ASGI scope's extensions.
FRAME_WRITER = "liveroom.frame_writer"


class FrameWriter(Protocol):
    """The connection's transport, for frames built beforehand."""

    def ready(self) -> bool:
        """The transport takes more now (open, not over its high-water mark)."""

    async def drained(self) -> None:
        """Until the transport takes more (or the connection is gone)."""

    def write(self, wire: bytes) -> None:
        """Write a whole frame's bytes (nothing once the connection is closing or gone)."""


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
    """One connection: who it is, which rooms it is in, and its outgoing frames."""

    def __init__(self, ws: WebSocket, queue_size: int) -> None:
        self.ws = ws
        self.caller: Caller | None = None
        # The client's address while it counts as not yet authenticated ("" once it does not).
        self.waiting_from = ""
        self.rooms: set[str] = set()
        self._writer: FrameWriter | None = ws.scope.get("extensions", {}).get(FRAME_WRITER)
        self._queue_size = queue_size
        # Frames not yet handed to the transport, and last, once closing, the close code.
        self._waiting: deque[Frame | int] = deque()
        # The writer, only while frames wait (most connections never have one waiting, and a task for each of them
        # cost the join of a big room its creation and memory); once it failed, it stays, done, and none starts again.
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def user_id(self) -> str:
        return "" if self.caller is None else self.caller.identifier

    def push(self, frame: Frame | str) -> None:
        if self._closing:
            return
        if not self._waiting and self._writer is not None and self._writer.ready():
            self._writer.write(frame.wire if isinstance(frame, Frame) else Frame.of(frame).wire)
            return
        if len(self._waiting) >= self._queue_size:
            self.close(CLOSE_TOO_SLOW, drop_pending=True)
            return
        self._waiting.append(frame if isinstance(frame, Frame) else Frame.of(frame))
        self._start_writer()

    def push_first(self, frame: str) -> None:
        """Ahead of every frame still waiting (a heartbeat's answer)."""
        if self._closing:
            return
        if not self._waiting:
            self.push(frame)
            return
        self._waiting.appendleft(Frame.of(frame))
        self._start_writer()

    def close(self, code: int, *, drop_pending: bool = False) -> None:
        """Close after the frames already waiting have been sent (or at once, dropping them)."""
        if self._closing:
            return
        self._closing = True
        if drop_pending:
            self._waiting.clear()
        self._waiting.append(code)
        self._start_writer()

    def _start_writer(self) -> None:
        if self._writer_task is None:
            self._writer_task = asyncio.get_running_loop().create_task(self._write_waiting())

    async def flushed(self, grace_seconds: float) -> None:
        """Until the frames waiting, the close included, are written, or ``grace_seconds`` (then the writer is
        cancelled)."""
        task = self._writer_task
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(task, grace_seconds)

    async def _write_waiting(self) -> None:
        # The peer may be gone at any moment; a failed send just ends this connection's writing.
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            while self._waiting:
                if self._writer is not None and not self._writer.ready():
                    # Meanwhile a frame may be put first (a heartbeat's answer): it is the next one written.
                    await self._writer.drained()
                item = self._waiting.popleft()
                if isinstance(item, int):
                    await self.ws.close(item)
                    return
                if self._writer is None:
                    await self.ws.send_text(item.text)
                else:
                    self._writer.write(item.wire)
            # All written: the next frame that has to wait starts a writer again.
            self._writer_task = None


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


class RoomConnections:
    """The connections in one room on this node, also by user: whether a user has another connection there is a
    lookup, not a pass over every member (which made n entries cost n²/2 steps: 200 million in a room of 20,000)."""

    __slots__ = ("_by_user", "sessions")

    def __init__(self) -> None:
        self.sessions: set[Session] = set()
        self._by_user: dict[str, set[Session]] = {}

    def add(self, session: Session) -> None:
        self.sessions.add(session)
        self._by_user.setdefault(session.user_id, set()).add(session)

    def discard(self, session: Session) -> None:
        if session not in self.sessions:
            return
        self.sessions.remove(session)
        same_user = self._by_user[session.user_id]
        same_user.discard(session)
        if not same_user:
            del self._by_user[session.user_id]

    def has(self, user_id: str) -> bool:
        return user_id in self._by_user

    def of(self, user_id: str) -> list[Session]:
        """The user's connections in the room (a copy: the caller may discard them)."""
        return list(self._by_user.get(user_id, ()))

    def __iter__(self) -> Iterator[Session]:
        return iter(self.sessions)

    def __len__(self) -> int:
        return len(self.sessions)
