"""The callback poster against raw HTTP servers: kept-alive connections, the shapes an answer can take, and the
ways an attempt fails (each an answer the sender can store, never an exception)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme

from liveroom.webhooks.http import MAX_REPLY_BYTES, Poster

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return head + await reader.readexactly(length)


@pytest.fixture
async def poster() -> AsyncIterator[Poster]:
    p = Poster()
    await p.open()
    yield p
    await p.close()


_handlers: set[asyncio.Task[None]] = set()


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    """A server running ``handler`` per connection; each connection is closed when its handler ends, or when the
    test ends (``_close_handlers``)."""

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        _handlers.add(task)
        try:
            await handler(reader, writer)
        finally:
            writer.close()
            _handlers.discard(task)

    server = await asyncio.start_server(run, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/cb?SdkAppid=1&Sign=abc"


@pytest.fixture(autouse=True)
async def _close_handlers() -> AsyncIterator[None]:
    yield
    for task in list(_handlers):
        task.cancel()
    await asyncio.gather(*_handlers, return_exceptions=True)
    await asyncio.sleep(0)


async def test_requests_share_a_kept_alive_connection(poster: Poster) -> None:
    connections = 0
    requests: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                requests.append(await read_request(reader))
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server, url = await serve(handler)
    async with server:
        for n in range(3):
            reply = await poster.post(url, b'{"n":%d}' % n, 3.0, str(n))
            assert (reply.ok, reply.status, reply.body) == (True, 200, b"ok")
    assert connections == 1
    assert requests[0].startswith(b"POST /cb?SdkAppid=1&Sign=abc HTTP/1.1\r\n")
    assert b"X-Liveroom-Event-Id: 0\r\n" in requests[0] and requests[0].endswith(b'{"n":0}')
    assert b"Content-Type: application/json; charset=utf-8\r\n" in requests[0]


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [
        (b"HTTP/1.1 204 No Content\r\n\r\n", 204, b""),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 200, b"abcde"),
        (b"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nfail", 500, b"fail"),
        (b"HTTP/1.0 200 OK\r\n\r\nuntil the end", 200, b"until the end"),
    ],
    ids=["204", "chunked", "500", "close-delimited"],
)
async def test_answers_of_every_shape(poster: Poster, answer: bytes, status: int, body: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    server, url = await serve(handler)
    async with server:
        reply = await poster.post(url, b"{}", 3.0)
    assert (reply.status, reply.body) == (status, body)


async def test_a_connection_the_receiver_closed_while_idle_is_replaced(poster: Poster) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()  # without saying Connection: close

    server, url = await serve(handler)
    async with server:
        assert (await poster.post(url, b"{}", 3.0)).ok
        await asyncio.sleep(0.05)
        assert (await poster.post(url, b"{}", 3.0)).ok


async def test_a_long_answer_is_cut(poster: Poster) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        body = b"x" * (MAX_REPLY_BYTES * 2)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    server, url = await serve(handler)
    async with server:
        reply = await poster.post(url, b"{}", 3.0)
    assert reply.ok and len(reply.body) == MAX_REPLY_BYTES


async def test_failures_are_answers(poster: Poster) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SMTP ready\r\n\r\n")

    server, url = await serve(silent)
    async with server:
        timed_out = await poster.post(url, b"{}", 0.2)
    assert (timed_out.status, timed_out.describe()) == (None, "no answer within 0.2 s")
    server, url = await serve(garbage)
    async with server:
        broken = await poster.post(url, b"{}", 3.0)
    assert broken.status is None and "not an HTTP answer" in broken.error
    refused = await poster.post(url, b"{}", 3.0)  # the server is gone
    assert refused.status is None and refused.error.startswith("cannot connect")
    assert not (await poster.post("http://[::1", b"{}", 3.0)).ok


# https receivers -------------------------------------------------------------------------------------------------


async def _tls_server(ca: trustme.CA, handler: Handler) -> tuple[asyncio.Server, str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(run, "127.0.0.1", 0, ssl=context)
    return server, f"https://localhost:{server.sockets[0].getsockname()[1]}/cb?SdkAppid=1"


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            await read_request(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


async def test_an_https_receiver_with_a_trusted_certificate_is_posted_to_over_one_connection() -> None:
    ca = trustme.CA()
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    poster = Poster(tls=trusted)
    await poster.open()
    server, url = await _tls_server(ca, _answer_ok)
    try:
        async with server:
            for n in range(2):
                reply = await poster.post(url, b'{"n":%d}' % n, 3.0)
                assert (reply.ok, reply.status, reply.body) == (True, 200, b"ok")
            assert sum(len(idle) for idle in poster._idle.values()) == 1
    finally:
        await poster.close()


async def test_an_https_receiver_whose_certificate_is_not_trusted_is_a_failed_attempt() -> None:
    poster = Poster()  # the system's authorities, which never signed the test CA's certificate
    await poster.open()
    server, url = await _tls_server(trustme.CA(), _answer_ok)
    try:
        async with server:
            reply = await poster.post(url, b"{}", 3.0)
    finally:
        await poster.close()
    assert reply.status is None and not reply.ok
    assert reply.error.startswith("cannot connect"), reply.error
