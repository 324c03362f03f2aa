"""The edges of HTTP over a real socket (api.transport): what liveroom answers before the application can read a
request, slow clients, and connections per address."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.api.transport import Limits
from tests.helpers import LIVE, LiveClient
from tests.serving import Address, serving

LIST = f"/v4/{LIVE}/get_room_list"
LIMITS = Limits(header_timeout=1.0, body_timeout=1.0, max_header_bytes=64 * 1024, max_connections_per_address=4)
# Guards against a hung test, not timing assertions.
WAIT = 10.0


@pytest.fixture
async def address(server: LiveroomApp) -> AsyncIterator[Address]:
    async with serving(server, LIMITS) as address:
        yield address


def head(live: LiveClient, path: str = LIST, *lines: str) -> bytes:
    query = "&".join(f"{k}={v}" for k, v in live.query().items())
    lines = (f"POST {path}?{query} HTTP/1.1", "Host: t", *lines, "", "")
    return "\r\n".join(lines).encode()


async def exchange(address: Address, *parts: bytes, pause: float = 0.0) -> tuple[bytes, bytes, float]:
    """Send ``parts`` (``pause`` seconds apart) while reading until the server closes: (status line and headers,
    body, seconds from the first byte sent to the close)."""
    reader, writer = await asyncio.open_connection(*address)
    started = time.monotonic()

    async def send() -> None:
        for part in parts:
            writer.write(part)
            await writer.drain()
            if pause:
                await asyncio.sleep(pause)

    sending = asyncio.create_task(send())
    try:
        answer = await asyncio.wait_for(reader.read(), WAIT)
    except ConnectionResetError:
        answer = b""
    finally:
        seconds = time.monotonic() - started
        sending.cancel()
        writer.close()
    status, _, body = answer.partition(b"\r\n\r\n")
    return status, body, seconds


def refused(status: bytes, body: bytes, http: int, code: int = 60002) -> str:
    """The envelope answered before the application, and its ErrorInfo; the connection is closed."""
    assert status.startswith(b"HTTP/1.1 %d " % http), status
    lines = [line.split(b": ", 1) for line in status.split(b"\r\n")[1:]]
    headers = {name.lower(): value for name, value in lines}
    assert headers[b"connection"] == b"close"
    assert headers[b"content-type"].startswith(b"application/json")
    data: dict[str, Any] = json.loads(body)
    assert data["ActionStatus"] == "FAIL" and data["ErrorCode"] == code, data
    assert headers[b"x-request-id"] == data["RequestId"].encode()
    info: str = data["ErrorInfo"]
    return info


# what uvicorn cannot parse ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        ["Content-Length: -1"],
        ["Content-Length: 1x"],
        ["Content-Length: 123456789012345678901234567890"],
        ["Content-Length: 5", "Transfer-Encoding: chunked"],
        ["Content-Length: 2", "Content-Length: 3"],
        ["Bad Header: x"],
    ],
)
async def test_a_malformed_request_to_v4_is_the_envelope_with_60002(
    address: Address, live: LiveClient, lines: list[str]
) -> None:
    status, body, _ = await exchange(address, head(live, LIST, *lines) + b"{}")
    assert "not valid HTTP" in refused(status, body, 200)


async def test_what_is_not_a_v4_request_is_http_400_with_the_envelope(address: Address) -> None:
    status, body, _ = await exchange(address, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03hello\r\n\r\n")
    assert "not valid HTTP" in refused(status, body, 400)
    status, body, _ = await exchange(address, b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n")
    refused(status, body, 400)


async def test_a_content_length_of_twenty_digits_is_refused_at_once_and_not_drained_for_ever(
    address: Address, live: LiveClient
) -> None:
    """httptools reads it (it fits 64 bits); the gateway refuses it unread, and the rest of such a body is drained
    (the client reads the answer instead of a reset) for the body timeout at most, not for ever."""
    request = head(live, LIST, "Content-Length: 12345678901234567890") + b"{}"
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(request)
        status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
        length = int(status.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        answer = json.loads(await reader.readexactly(length))
        assert (answer["ErrorCode"], answer["ErrorInfo"]) == (60002, "body: larger than 1048576 bytes")
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), WAIT) == b""
        assert time.monotonic() - started < LIMITS.body_timeout + 1
    finally:
        writer.close()


@pytest.mark.parametrize("where", ["request line", "header"])
async def test_a_request_head_over_the_limit_is_refused(address: Address, live: LiveClient, where: str) -> None:
    big = "a" * (LIMITS.max_header_bytes + 1)
    request = head(live, LIST + f"?pad={big}&x=") if where == "request line" else head(live, LIST, f"X-Pad: {big}")
    status, body, _ = await exchange(address, request + b"{}")
    assert refused(status, body, 200) == "request line and headers: larger than 65536 bytes"


async def test_a_head_just_under_the_limit_is_served(address: Address, live: LiveClient) -> None:
    request = head(live, LIST, f"X-Pad: {'a' * (LIMITS.max_header_bytes - 2048)}", "Content-Length: 2")
    status, body, _ = await exchange(address, request[:-2] + b"Connection: close\r\n\r\n{}")
    assert status.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body)["ErrorCode"] == 0


# slow clients ------------------------------------------------------------------------------------------------


async def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_timeout(
    address: Address, live: LiveClient
) -> None:
    request = head(live, LIST, "Content-Length: 2")
    status, body, seconds = await exchange(address, *(request[i : i + 1] for i in range(40)), pause=0.1)
    assert refused(status, body, 200) == "request: headers not received within 1 s"
    assert LIMITS.header_timeout - EARLY <= seconds < LIMITS.header_timeout + 1


# The server's clock starts when it accepts the connection, which on a loaded machine can be a little before the
# client's (it starts once its own connect has returned).
EARLY = 0.1


async def test_a_connection_that_sends_nothing_is_closed_at_the_header_timeout(address: Address) -> None:
    status, body, seconds = await exchange(address)
    refused(status, body, 400)
    assert LIMITS.header_timeout - EARLY <= seconds < LIMITS.header_timeout + 1


async def test_a_body_that_stops_short_is_answered_at_the_body_timeout(address: Address, live: LiveClient) -> None:
    status, body, seconds = await exchange(address, head(live, LIST, "Content-Length: 100") + b'{"Count": 5')
    assert refused(status, body, 200) == "body: not received in full within 1 s"
    assert LIMITS.body_timeout - EARLY <= seconds < LIMITS.body_timeout + 1


async def test_a_chunked_body_that_stops_is_answered_at_the_body_timeout(address: Address, live: LiveClient) -> None:
    status, body, _ = await exchange(address, head(live, LIST, "Transfer-Encoding: chunked") + b'4\r\n{"Co\r\n')
    assert refused(status, body, 200) == "body: not received in full within 1 s"


async def test_a_slow_request_within_the_timeouts_and_keep_alive_are_served(address: Address, live: LiveClient) -> None:
    reader, writer = await asyncio.open_connection(*address)
    try:
        for _ in range(3):
            request = head(live, LIST, "Content-Length: 12")
            for part in (request[:20], request[20:], b'{"Count":', b" 5}"):
                writer.write(part)
                await writer.drain()
                await asyncio.sleep(0.3)  # each part in time; the whole request takes longer than one timeout
            status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
            assert status.startswith(b"HTTP/1.1 200 ") and b"connection: close" not in status.lower()
            length = int(status.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            assert json.loads(await reader.readexactly(length))["ErrorCode"] == 0
    finally:
        writer.close()


# connections per address -----------------------------------------------------------------------------------


async def open_connections(address: Address, count: int) -> list[asyncio.StreamWriter]:
    writers = []
    for _ in range(count):
        _, writer = await asyncio.open_connection(*address)
        writers.append(writer)
    await asyncio.sleep(0.1)
    return writers


async def test_connections_over_the_cap_of_one_address_are_refused_until_one_closes(
    address: Address, live: LiveClient
) -> None:
    held = await open_connections(address, LIMITS.max_connections_per_address)
    try:
        status, body, _ = await exchange(address, head(live, LIST, "Content-Length: 2") + b"{}")
        assert refused(status, body, 429, 60007) == "connection: more than 4 open from this address"
        held.pop().close()
        await asyncio.sleep(0.1)
        status, body, _ = await exchange(address, head(live, LIST, "Content-Length: 2", "Connection: close") + b"{}")
        assert status.startswith(b"HTTP/1.1 200 ") and json.loads(body)["ErrorCode"] == 0
    finally:
        for writer in held:
            writer.close()


async def test_a_trusted_proxy_is_not_capped(server: LiveroomApp, live: LiveClient) -> None:
    """Behind nginx every connection comes from the proxy's address (--forwarded-allow-ips)."""
    async with serving(server, LIMITS, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as address:
        held = await open_connections(address, LIMITS.max_connections_per_address + 2)
        try:
            request = head(live, LIST, "Content-Length: 2", "Connection: close", "X-Forwarded-For: 198.51.100.1")
            status, body, _ = await exchange(address, request + b"{}")
            assert status.startswith(b"HTTP/1.1 200 ") and json.loads(body)["ErrorCode"] == 0
        finally:
            for writer in held:
                writer.close()


async def test_closed_connections_are_no_longer_counted(address: Address, live: LiveClient) -> None:
    for _ in range(3):
        for writer in await open_connections(address, LIMITS.max_connections_per_address):
            writer.close()
        await asyncio.sleep(0.1)
    status, body, _ = await exchange(address, head(live, LIST, "Content-Length: 2", "Connection: close") + b"{}")
    assert json.loads(body)["ErrorCode"] == 0, status
