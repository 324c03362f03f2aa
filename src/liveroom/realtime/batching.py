"""Text and custom messages of busy rooms, batched: above a rate, one frame carries a room's messages of a short
window to each member.

A barrage (hundreds of members typing) costs messages x members frames, each a system call on the server and a
wake-up on every phone. Unlike gift events, no message may be left out, so they are not paced but gathered: once a
room has had more than ``threshold`` messages on this node within ``window`` seconds, the messages that follow are
held for one window and sent together, in order, as one ``events`` frame (docs/realtime.md, "Batches"). The room
stays batched while each window brings more than ``threshold``; below that nothing is held.

While a batch is open, the room's gift and like events join it in their place. Events of other kinds keep their
place too: the gateway flushes the room's batch before it sends one, and before a connection enters or leaves the
room, so every member sees the room's events in the order they happened and gets exactly the messages published
while it was in the room.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from liveroom.realtime.protocol import Frame

DEFAULT_WINDOW_SECONDS = 0.05
DEFAULT_THRESHOLD = 5
# A batch goes out once its messages' frames reach this size, well within what clients take in one frame (the
# websockets package's 1 MiB by default): a message is at most 8 KiB of content.
MAX_BATCH_BYTES = 64 * 1024

RoomKey = tuple[int, str]


class _Room:
    __slots__ = ("count", "pending", "pending_bytes", "pending_messages", "sent", "since", "timer")

    def __init__(self, now: float) -> None:
        # Messages counted since ``since`` (the current window of the rate).
        self.since = now
        self.count = 0
        self.pending: list[Frame] | None = None
        self.pending_bytes = 0
        self.pending_messages = 0
        self.sent: asyncio.Future[None] | None = None
        self.timer: asyncio.TimerHandle | None = None


class MessageBatches:
    """Per room: whether a message's frame goes out alone now or joins the batch; ``deliver(room, frames)`` sends a
    batch."""

    def __init__(
        self,
        deliver: Callable[[RoomKey, list[Frame]], None],
        window: float = DEFAULT_WINDOW_SECONDS,
        threshold: int = DEFAULT_THRESHOLD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._deliver = deliver
        self._window = window
        self._threshold = threshold
        self._clock = clock
        self._rooms: dict[RoomKey, _Room] = {}

    def offer(self, key: RoomKey, message: Frame) -> bool:
        """True: send the frame of ``message`` on its own now. False: it joined the room's batch."""
        if self._window <= 0:
            return True
        room = self._rooms.get(key)
        if room is not None and room.pending is not None:
            room.pending_messages += 1
            self.join(key, message)
            return False
        now = self._clock()
        if room is None:
            room = self._rooms[key] = _Room(now)
        elif now - room.since >= self._window:
            room.since, room.count = now, 0
        room.count += 1
        if room.count <= self._threshold:
            return True
        loop = asyncio.get_running_loop()
        room.pending = [message]
        room.pending_bytes = len(message.payload)
        room.pending_messages = 1
        room.sent = loop.create_future()
        room.timer = loop.call_later(self._window, self.flush, key)
        return False

    def join(self, key: RoomKey, frame: Frame) -> bool:
        """Add the frame of another event for every member (a gift, a like) to the room's batch if one is open
        (True); it does not count as a message."""
        room = self._rooms.get(key)
        if room is None or room.pending is None:
            return False
        room.pending.append(frame)
        room.pending_bytes += len(frame.payload)
        if room.pending_bytes >= MAX_BATCH_BYTES:
            self.flush(key)
        return True

    def flush(self, key: RoomKey) -> None:
        """Send the room's batch now, if it has one."""
        room = self._rooms.get(key)
        if room is None or room.pending is None:
            return
        frames, room.pending = room.pending, None
        sent, room.sent = room.sent, None
        if room.timer is not None:
            room.timer.cancel()
            room.timer = None
        # The rate goes on from this batch: a window as busy as the threshold keeps the room batched.
        room.since, room.count = self._clock(), room.pending_messages
        try:
            self._deliver(key, frames)
        finally:
            if sent is not None and not sent.done():
                sent.set_result(None)

    async def sent(self, key: RoomKey) -> None:
        """Until the room's batch (if one is open now) has been handed to its members' connections."""
        room = self._rooms.get(key)
        if room is not None and room.sent is not None:
            await asyncio.shield(room.sent)

    def forget(self, key: RoomKey) -> None:
        """No connection of this node is in the room any more (its batch was flushed before the last one left)."""
        room = self._rooms.pop(key, None)
        if room is not None:
            if room.timer is not None:
                room.timer.cancel()
            if room.sent is not None and not room.sent.done():
                room.sent.set_result(None)
