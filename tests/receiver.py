"""A real HTTP receiver for callbacks: an aiohttp server on a free localhost port, in the test's event loop.

It records every request (query, headers, JSON body) and answers what the test tells it: by default the callback
envelope with ErrorCode 0 at once; ``script`` gives the answers of the next requests in turn (a status, a body, a
delay), ``down()`` makes it refuse connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

OK = {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}


@dataclass
class Answer:
    status: int = 200
    body: bytes = json.dumps(OK).encode()
    delay: float = 0.0


@dataclass
class Received:
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def command(self) -> str:
        return self.query["CallbackCommand"]

    @property
    def event_id(self) -> str:
        return self.headers.get("X-Liveroom-Event-Id", "")


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[Answer] = []
        self.default = Answer()
        self.on_request: Callable[[Received], None] | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0
        self._arrived = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/callback", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", port or self.port)
        await self._site.start()
        server = self._site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def down(self) -> None:
        """Stop listening (connections are refused) until ``start`` again, on the same port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def stop(self) -> None:
        await self.down()

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        got = Received(dict(request.query), dict(request.headers), body, raw)
        self.received.append(got)
        self._arrived.set()
        if self.on_request is not None:
            self.on_request(got)
        answer = self.script.pop(0) if self.script else self.default
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return web.Response(status=answer.status, body=answer.body, content_type="application/json")

    async def wait_for(
        self, count: int, within: float = 10.0, where: Callable[[Received], bool] = lambda _r: True
    ) -> list[Received]:
        """The received requests for which ``where`` holds, once there are ``count`` of them."""
        deadline = time.monotonic() + within
        while True:
            found = [r for r in self.received if where(r)]
            if len(found) >= count:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(found)} of {count} callbacks arrived: {[r.body for r in found]}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(left, 0.2))

    def of(self, command: str) -> list[Received]:
        return [r for r in self.received if r.command == command]
