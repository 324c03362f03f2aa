"""A connection's outgoing frames (``realtime.session.Session``): written at once while the transport takes them, and
only what has to wait gets a writer task, which ends when nothing waits."""

from __future__ import annotations

import asyncio
from typing import Any

from liveroom.realtime.protocol import Frame
from liveroom.realtime.session import FRAME_WRITER, Session


class Transport:
    """A FrameWriter whose readiness the test sets."""

    def __init__(self) -> None:
        self.wire: list[bytes] = []
        self.open = asyncio.Event()
        self.open.set()

    def ready(self) -> bool:
        return self.open.is_set()

    async def drained(self) -> None:
        await self.open.wait()

    def write(self, wire: bytes) -> None:
        self.wire.append(wire)


class WebSocket:
    def __init__(self, writer: Transport) -> None:
        self.scope: dict[str, Any] = {"extensions": {FRAME_WRITER: writer}}
        self.closed: list[int] = []

    async def close(self, code: int) -> None:
        self.closed.append(code)


def frame(text: str) -> bytes:
    return Frame.of(text).wire


async def test_frames_go_out_at_once_without_a_writer_task_while_the_transport_takes_them() -> None:
    transport = Transport()
    session = Session(WebSocket(transport), 10)  # type: ignore[arg-type]
    session.push("a")
    session.push_first("b")
    assert transport.wire == [frame("a"), frame("b")]
    assert session._writer_task is None


async def test_frames_that_wait_go_out_in_order_and_the_writer_ends_when_none_waits() -> None:
    transport = Transport()
    session = Session(WebSocket(transport), 10)  # type: ignore[arg-type]
    transport.open.clear()
    session.push("a")
    session.push("b")
    session.push_first("heartbeat_ack")
    writer = session._writer_task
    assert writer is not None
    await asyncio.sleep(0)
    assert transport.wire == []
    transport.open.set()
    await writer
    assert transport.wire == [frame("heartbeat_ack"), frame("a"), frame("b")]
    assert session._writer_task is None
    transport.open.clear()
    session.push("c")
    assert session._writer_task is not None
    transport.open.set()
    await session._writer_task
    assert transport.wire[-1] == frame("c")


async def test_close_goes_after_the_frames_waiting_and_flushed_waits_for_it() -> None:
    transport = Transport()
    ws = WebSocket(transport)
    session = Session(ws, 10)  # type: ignore[arg-type]
    transport.open.clear()
    session.push("last")
    session.close(1000)
    session.push("too late")
    asyncio.get_running_loop().call_later(0.01, transport.open.set)
    await session.flushed(5)
    assert transport.wire == [frame("last")]
    assert ws.closed == [1000]


async def test_a_writer_that_cannot_write_is_cancelled_after_the_grace() -> None:
    transport = Transport()
    ws = WebSocket(transport)
    session = Session(ws, 10)  # type: ignore[arg-type]
    transport.open.clear()
    session.push("stuck")
    session.close(1000)
    writer = session._writer_task
    await session.flushed(0.01)
    assert writer is not None and writer.cancelled()
    assert ws.closed == []
