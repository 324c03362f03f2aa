"""A WebSocket client that talks to the ASGI app in-process, on the test's own event loop.

Starlette's TestClient runs the app on a loop of its own in another thread, which the ``server`` fixture's store
(opened on the test loop) must not be shared with; this speaks the ASGI WebSocket messages directly instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from liveroom.api.gateway import Receive, Scope, Send
from tests.helpers import SDKAPPID, tencent_sig

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A guard against a hung test, not a timing assertion.
WAIT = 5.0


class Closed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"closed by the server with code {code}")
        self.code = code


class WSClient:
    def __init__(self, app: ASGIApp, *, path: str = "/realtime", address: str = "198.51.100.20") -> None:
        self._app = app
        self._path = path
        self._address = address
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self._ids = 0
        self._reading = asyncio.Event()
        self._reading.set()

    async def __aenter__(self) -> WSClient:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "scheme": "ws",
            "path": self._path,
            "raw_path": self._path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"liveroom.test")],
            "client": (self._address, 50000),
            "server": ("liveroom.test", 80),
            "subprotocols": [],
            "state": {},
        }
        self._task = asyncio.create_task(self._app(scope, self._to_app.get, self._deliver))
        await self._to_app.put({"type": "websocket.connect"})
        first = await asyncio.wait_for(self._from_app.get(), WAIT)
        assert first["type"] == "websocket.accept", first
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    async def _deliver(self, message: dict[str, Any]) -> None:
        await self._reading.wait()
        await self._from_app.put(message)

    def stop_reading(self) -> None:
        """Behave like a client that stopped reading: the server's sends block until ``resume_reading``."""
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    async def disconnect(self) -> None:
        """The client goes away (as a closed browser tab does) and the server finishes with it."""
        if self._task is None:
            return
        self._reading.set()
        if not self._task.done():
            await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self._task, WAIT)
        self._task = None

    async def send_text(self, text: str) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": text})

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message))

    async def recv(self) -> dict[str, Any]:
        """The next frame from the server; ``Closed`` when the server closed the connection instead."""
        message = await asyncio.wait_for(self._from_app.get(), WAIT)
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            # Acknowledge, as a real client's close handshake would.
            await self._to_app.put({"type": "websocket.disconnect", "code": self.close_code})
            raise Closed(self.close_code)
        assert message["type"] == "websocket.send", message
        data: dict[str, Any] = json.loads(message["text"])
        return data

    async def request(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send a request with a fresh id and answer the reply that refers to it (events before it are skipped)."""
        self._ids += 1
        ref = f"r{self._ids}"
        await self.send({"type": kind, "id": ref, **fields})
        while True:
            reply = await self.recv()
            if reply.get("ref") == ref:
                return reply

    async def event(self, kind: str | None = None) -> dict[str, Any]:
        """The next frame, which must be an event (of ``kind`` when given)."""
        message = await self.recv()
        assert message["type"] == "event", message
        if kind is not None:
            assert message["event"] == kind, message
        return message

    async def until_event(self, kind: str) -> dict[str, Any]:
        """Skip frames up to the next event of ``kind``."""
        while True:
            message = await self.recv()
            if message["type"] == "event" and message["event"] == kind:
                return message

    async def sync(self) -> list[dict[str, Any]]:
        """Every frame the server sent before answering a heartbeat sent now (frames leave in order)."""
        self._ids += 1
        ref = f"r{self._ids}"
        await self.send({"type": "heartbeat", "id": ref})
        before = []
        while True:
            frame = await self.recv()
            if frame.get("ref") == ref:
                assert frame["type"] == "heartbeat_ack", frame
                return before
            before.append(frame)

    async def login(self, identifier: str, *, sdkappid: int = SDKAPPID) -> dict[str, Any]:
        reply = await self.request("auth", sdkappid=sdkappid, identifier=identifier, usersig=tencent_sig(identifier))
        assert reply["type"] == "auth_ok", reply
        return reply

    async def enter(self, room_id: str) -> dict[str, Any]:
        reply = await self.request("enter", RoomId=room_id)
        assert reply["type"] == "entered", reply
        return reply
