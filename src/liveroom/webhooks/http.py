"""Posting a callback: one aiohttp session per process, keep-alive connections to each receiver.

aiohttp, measured against httpx on one core (BENCHMARKS.md, "Webhooks"): 124 µs of CPU per POST where httpx's
AsyncClient took 1,200 to 2,900 µs, so it is what lets one core deliver thousands of events a second.
What a failed attempt stores and logs says what happened (status, timeout, refused), never the URL: its query
carries the signature and the URL itself may carry credentials.
"""

from __future__ import annotations

import asyncio

import aiohttp
import msgspec

MAX_REPLY_BYTES = 64 * 1024
_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


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


class Poster:
    """POSTs JSON bodies; ``open`` in the event loop that will use it, ``close`` when done."""

    def __init__(self, *, connections: int = 256) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=self._connections)
        self._session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",))

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def post(self, url: str, body: bytes, within: float, event_id: str | None = None) -> Reply:
        session = self._session
        assert session is not None, "Poster is not open"
        headers = _HEADERS if event_id is None else {**_HEADERS, "X-Liveroom-Event-Id": event_id}
        try:
            async with asyncio.timeout(within):
                async with session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                    reply = await response.content.read(MAX_REPLY_BYTES)
                    return Reply(response.status, reply)
        except TimeoutError:
            return Reply(None, error=f"no answer within {within:g} s")
        except aiohttp.ClientConnectorError as exc:
            return Reply(None, error=f"cannot connect: {exc.strerror or type(exc).__name__}")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return Reply(None, error=f"failed: {type(exc).__name__}")
