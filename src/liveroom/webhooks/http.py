"""Posting a callback: HTTP/1.1 over kept-alive connections, responses parsed by httptools.

A callback is one small POST whose answer is read only for its status and envelope, thousands a second. The
general clients cost more than the rest of the delivery together (BENCHMARKS.md, "Webhooks", per POST on one
core: httpx 1,200-2,900 µs of CPU, aiohttp about 150, this about 40): so requests are written as bytes here and
answers parsed by httptools (the parser uvicorn uses, already installed with it), on asyncio's own transports
(TLS included). Redirects are not followed (a 3xx is a failed attempt, as Tencent treats it).

What a failed attempt stores and logs says what happened (status, timeout, refused), never the URL: its query
carries the signature and the URL itself may carry credentials.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from urllib.parse import urlsplit

import httptools
import msgspec

MAX_REPLY_BYTES = 64 * 1024
# Idle connections kept per receiver: enough for the rooms a sender has in flight at once.
MAX_IDLE = 256


class Reply(msgspec.Struct, frozen=True):
    """``status`` None: no HTTP answer at all (``error`` says why); ``body`` at most MAX_REPLY_BYTES of it."""

    status: int | None
    body: bytes = b""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        return self.error if self.status is None else f"HTTP {self.status}"


class _Closed(Exception):
    """The connection ended before a whole answer."""


Origin = tuple[str, str, int]  # scheme, host, port


class _Connection(asyncio.Protocol):
    """One kept-alive connection: one request at a time, its answer handed to ``waiter``."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Reply] | None = None
        self.reused = False
        self._parser = httptools.HttpResponseParser(self)
        self._body: list[bytes] = []
        self._size = 0
        self._headers_done = False
        self.keep_alive = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail("not an HTTP answer")

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._headers_done and self.waiter is not None and not self.waiter.done():
            self._finish()  # an answer without a length ends with its connection
        self._fail("the connection closed before an answer")

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        if self._size < MAX_REPLY_BYTES:
            self._body.append(body[: MAX_REPLY_BYTES - self._size])
        self._size += len(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self._parser.should_keep_alive()
        self._finish()

    def _finish(self) -> None:
        waiter, self.waiter = self.waiter, None
        reply = Reply(self._parser.get_status_code(), b"".join(self._body))
        self._body, self._size, self._headers_done = [], 0, False
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def _fail(self, why: str) -> None:
        self.keep_alive = False
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(_Closed(why))
        if self.transport is not None:
            self.transport.close()


class Poster:
    """POSTs JSON bodies; ``open`` in the event loop that will use it, ``close`` when done. ``tls`` verifies
    ``https://`` receivers (default: the system's certificate authorities, ``SSL_CERT_FILE`` honoured)."""

    def __init__(self, *, connections: int = MAX_IDLE, tls: ssl.SSLContext | None = None) -> None:
        self._max_idle = connections
        self._idle: defaultdict[Origin, list[_Connection]] = defaultdict(list)
        self._tls = tls
        self._open = False

    async def open(self) -> None:
        self._open = True

    async def close(self) -> None:
        self._open = False
        for connections in self._idle.values():
            for connection in connections:
                if connection.transport is not None:
                    connection.transport.close()
        self._idle.clear()

    async def post(self, url: str, body: bytes, within: float, event_id: str | None = None) -> Reply:
        """``url`` percent-encoded already (``signing.delivery_url``)."""
        assert self._open, "Poster is not open"
        try:
            parts = urlsplit(url)
            origin: Origin = (
                parts.scheme,
                parts.hostname or "",
                parts.port or (443 if parts.scheme == "https" else 80),
            )
        except ValueError:
            return Reply(None, error="failed: not a URL")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = f"POST {target} HTTP/1.1\r\nHost: {parts.netloc.rpartition('@')[2]}\r\n"
        head += "Content-Type: application/json; charset=utf-8\r\n"
        if event_id is not None:
            head += f"X-Liveroom-Event-Id: {event_id}\r\n"
        request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        try:
            async with asyncio.timeout(within):
                return await self._exchange(origin, request)
        except TimeoutError:
            return Reply(None, error=f"no answer within {within:g} s")
        except _Closed as closed:
            return Reply(None, error=f"failed: {closed}")
        except OSError as exc:
            return Reply(None, error=f"cannot connect: {exc.strerror or type(exc).__name__}")

    async def _exchange(self, origin: Origin, request: bytes) -> Reply:
        while True:
            connection = await self._connection(origin)
            try:
                reply = await self._send(connection, request)
            except _Closed:
                # A kept-alive connection the receiver had closed meanwhile: try once more on a new one.
                if connection.reused:
                    continue
                raise
            except BaseException:
                if connection.transport is not None:
                    connection.transport.close()
                raise
            self._release(origin, connection)
            return reply

    async def _connection(self, origin: Origin) -> _Connection:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.transport is not None and not connection.transport.is_closing():
                connection.reused = True
                return connection
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        _transport, connection = await asyncio.get_running_loop().create_connection(_Connection, host, port, ssl=tls)
        return connection

    @staticmethod
    async def _send(connection: _Connection, request: bytes) -> Reply:
        transport = connection.transport
        if transport is None or transport.is_closing():
            raise _Closed("the connection closed before an answer")
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        connection.waiter = waiter
        transport.write(request)
        return await waiter

    def _release(self, origin: Origin, connection: _Connection) -> None:
        transport = connection.transport
        if transport is None:
            return
        idle = self._idle[origin]
        if connection.keep_alive and len(idle) < self._max_idle and not transport.is_closing():
            idle.append(connection)
        else:
            transport.close()
