"""The WebSocket upgrade of a plain request, taken over from httptools' parse (``transport.plain_handshake``), answers
what uvicorn's way (the head written out again for websockets to parse) answers; any other head still goes that way."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request
from websockets.streams import StreamReader

from liveroom.api import transport
from liveroom.api.app import LiveroomApp
from liveroom.settings import Settings
from tests.serving import serving

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, access_log=False)


@pytest.fixture
async def address(server: LiveroomApp) -> AsyncIterator[tuple[str, int]]:
    async with serving(server) as address:
        yield address


def head(*extra: bytes, key: str = KEY, version: bytes = b"13") -> bytes:
    lines = [
        b"GET /realtime?x=1 HTTP/1.1",
        b"Host: localhost",
        b"Upgrade: websocket",
        b"Connection: Upgrade",
        b"Sec-WebSocket-Key: " + key.encode(),
        b"Sec-WebSocket-Version: " + version,
        *extra,
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


# An obs-text byte (ISO-8859-1) in a header value: not plain, so uvicorn's way.
LATIN_1 = b"X-Note: caf\xe9"


async def answer(address: tuple[str, int], request: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    """The status line, the headers (Date's value blanked) and the body of the server's answer."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(request)
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        status, *lines = raw[:-4].split(b"\r\n")
        headers = [tuple(line.split(b": ", 1)) for line in lines]
        length = next((int(v) for n, v in headers if n.lower() == b"content-length"), 0)
        body = await asyncio.wait_for(reader.readexactly(length), 5) if length else b""
    finally:
        writer.close()
    return status, [(n, b"-" if n.lower() == b"date" else v) for n, v in headers], body  # type: ignore[misc]


async def test_a_plain_upgrade_is_answered_as_uvicorn_answers_one_it_writes_out_again(
    address: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[Any] = []
    take_over = transport.WebSocketProtocol.take_over

    def counted(self: transport.WebSocketProtocol, *args: Any) -> None:
        taken.append(args)
        take_over(self, *args)

    monkeypatch.setattr(transport.WebSocketProtocol, "take_over", counted)
    plain = await answer(address, head())
    assert len(taken) == 1
    other = await answer(address, head(LATIN_1))
    assert len(taken) == 1
    assert plain == other
    status, headers, _ = plain
    assert status == b"HTTP/1.1 101 Switching Protocols"
    accept = base64.b64encode(hashlib.sha1((KEY + GUID).encode()).digest())
    names = [name.lower() for name, _ in headers]
    assert names.count(b"date") == 1
    assert names[:3] == [b"upgrade", b"connection", b"sec-websocket-accept"]
    assert dict(headers)[b"Sec-WebSocket-Accept"] == accept


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (head(key="short"), b"HTTP/1.1 400 Bad Request"),
        (head(version=b"8"), b"HTTP/1.1 400 Bad Request"),
        (head(b"Sec-WebSocket-Key: " + KEY.encode()), b"HTTP/1.1 400 Bad Request"),
        (head().replace(b"GET", b"DELETE"), b"HTTP/1.1 405 Method Not Allowed"),
    ],
)
async def test_a_plain_upgrade_websockets_refuses_is_refused_as_before(
    address: tuple[str, int], request_head: bytes, status: bytes
) -> None:
    plain = await answer(address, request_head)
    marker = request_head.index(b"\r\n\r\n")
    other = await answer(address, request_head[:marker] + b"\r\n" + LATIN_1 + request_head[marker:])
    assert plain[0] == status
    assert plain == other


def parsed_by_websockets(method: str, target: bytes, headers: list[tuple[bytes, bytes]]) -> Request:
    """What websockets parses from the head uvicorn writes out (``handle_websocket_upgrade``)."""
    output = [method.encode(), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        output += [name, b": ", value, b"\r\n"]
    reader = StreamReader()
    reader.feed_data(b"".join([*output, b"\r\n"]))
    parser = Request.parse(reader.read_line)
    try:
        next(parser)
    except StopIteration as done:
        request: Request = done.value
        return request
    raise AssertionError("not parsed")


PLAIN = [(b"host", b"localhost"), (b"upgrade", b"websocket"), (b"x-list", b"a, b\tc"), (b"content-length", b"0")]


def test_plain_handshake_is_the_request_websockets_parses() -> None:
    ours = transport.plain_handshake("GET", b"/realtime?a=%20b", PLAIN)
    theirs = parsed_by_websockets("GET", b"/realtime?a=%20b", PLAIN)
    assert ours is not None
    assert (ours.method, ours.path, ours.protocol) == (theirs.method, theirs.path, theirs.protocol)
    assert list(ours.headers.raw_items()) == list(theirs.headers.raw_items())
    assert isinstance(ours.headers, Headers)


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        (b"/realtime", [*PLAIN, (b"x-note", b"caf\xe9")]),
        (b"/realtime", [*PLAIN, (b"transfer-encoding", b"chunked")]),
        (b"/realtime", [(b"content-length", b"5")]),
        (b"/realtime", [(b"x-space", b" padded ")]),
        (b"/realtime", [(b"bad name", b"v")]),
        (b"/caf\xc3\xa9", PLAIN),
        (b"/realtime", [(b"x-%d" % i, b"v") for i in range(101)]),
        (b"/realtime", [(b"x-long", b"v" * 5000)]),
    ],
)
def test_a_head_that_is_not_plain_goes_uvicorn_s_way(target: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    assert transport.plain_handshake("GET", target, headers) is None
