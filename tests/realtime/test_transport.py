"""The gateway over a real socket: uvicorn serving the app, Tencent-signed UserSigs, the websockets client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from liveroom.api.app import LiveroomApp
from liveroom.realtime.protocol import MAX_FRAME_BYTES
from liveroom.settings import Settings
from tests.helpers import SDKAPPID, LiveClient, tencent_sig
from tests.serving import serving


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, access_log=False, realtime_unauthenticated_per_address=3)


@pytest.fixture
async def url(server: LiveroomApp) -> AsyncIterator[str]:
    """The app served by uvicorn as liveroom serve configures it (its lifespan is already running in ``server``)."""
    async with serving(server) as (host, port):
        yield f"ws://{host}:{port}/realtime"


async def ask(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(message))
    while True:
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if reply.get("ref") == message["id"]:
            return reply


async def test_two_members_talk_over_real_websockets(url: str, live: LiveClient) -> None:
    await live.import_accounts("alice", "bob")
    await live.create_room("wire")
    async with connect(url) as alice, connect(url) as bob:
        for ws, user in ((alice, "alice"), (bob, "bob")):
            auth = {"type": "auth", "id": 1, "sdkappid": SDKAPPID, "identifier": user, "usersig": tencent_sig(user)}
            assert (await ask(ws, auth))["type"] == "auth_ok"
            assert (await ask(ws, {"type": "enter", "id": 2, "RoomId": "wire"}))["type"] == "entered"
        assert (await ask(bob, {"type": "send_text", "id": 3, "RoomId": "wire", "TextContent": "hi"}))["type"] == "ok"
        frames = [json.loads(await asyncio.wait_for(alice.recv(), 5)) for _ in range(2)]
        assert [f["event"] for f in frames] == ["member_entered", "text_message"]
        assert frames[1]["data"]["TextContent"] == "hi"
    info = await live.ok("get_room_info", {"RoomId": "wire"})
    assert info["Response"]["RoomInfo"]["ViewCount"] == 2


def auth(user: str, **extra: Any) -> dict[str, Any]:
    return {"type": "auth", "id": 1, "sdkappid": SDKAPPID, "identifier": user, "usersig": tencent_sig(user), **extra}


async def closed_with(ws: ClientConnection) -> int | None:
    """The close code the server ended ``ws`` with (after any frames it sent first)."""
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    return ws.close_code


async def test_a_frame_of_16_kib_is_read_and_a_larger_one_closes_the_connection_unread(
    url: str, live: LiveClient
) -> None:
    """The transport stops a frame at the protocol's size (1009) instead of buffering up to 16 MiB first."""
    await live.import_accounts("alice")
    async with connect(url, max_size=None) as ws:
        frame = json.dumps(auth("alice", Padding=""))
        padded = frame.replace('"Padding": ""', '"Padding": "' + "x" * (MAX_FRAME_BYTES - len(frame)) + '"')
        assert len(padded.encode()) == MAX_FRAME_BYTES
        await ws.send(padded)
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "auth_ok"
        await ws.send("x" * (MAX_FRAME_BYTES + 1))
        assert await closed_with(ws) == 1009
    async with connect(url, max_size=None) as ws:
        # Before auth. Uncompressed (liveroom's default), the server closes while the client is still sending it.
        with contextlib.suppress(ConnectionClosed):
            await ws.send(b"x" * 16 * 1024 * 1024)
        assert await closed_with(ws) == 1009


@pytest.fixture
def python_s_recursion_limit() -> Iterator[None]:
    """Python's default recursion limit, which msgspec gives up at (some test tools raise it for the session)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


@pytest.mark.usefixtures("python_s_recursion_limit")
@pytest.mark.parametrize("authenticated", [False, True])
async def test_a_deeply_nested_frame_is_malformed_and_the_connection_stays(
    url: str, live: LiveClient, caplog: pytest.LogCaptureFixture, authenticated: bool
) -> None:
    await live.import_accounts("alice")
    async with connect(url) as ws:
        if authenticated:
            assert (await ask(ws, auth("alice")))["type"] == "auth_ok"
        with caplog.at_level(logging.WARNING):
            for nested in ('{"id": 7, "type": "auth", "x": ' + "[" * 1000 + "]" * 1000 + "}", "[" * 5000):
                await ws.send(nested)
                error = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert (error["type"], error["code"], error["reason"]) == ("error", 60003, "malformed")
        assert (await ask(ws, {"type": "heartbeat", "id": 2}))["type"] == (
            "heartbeat_ack" if authenticated else "error"
        )
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]


async def test_a_binary_frame_that_is_not_utf8_is_malformed(url: str) -> None:
    async with connect(url) as ws:
        await ws.send(b'{"type": "auth", "identifier": "\xff\xfe"}')
        error = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (error["code"], error["reason"]) == (60003, "malformed")


async def test_a_text_frame_that_is_not_utf8_closes_with_1007_without_a_traceback(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with connect(url) as ws:
        with caplog.at_level(logging.INFO):
            await ws.send(b'{"type": "heartbeat", "x": "\xff"}', text=True)
            assert await closed_with(ws) == 1007
    assert not [record for record in caplog.records if record.exc_info]


async def test_connections_of_one_address_waiting_to_authenticate_are_capped(url: str, live: LiveClient) -> None:
    await live.import_accounts("alice")
    waiting = [await connect(url) for _ in range(3)]
    try:
        async with connect(url) as refused:
            error = json.loads(await asyncio.wait_for(refused.recv(), 5))
            assert (error["code"], error["reason"]) == (60007, "too_many_connections")
            assert await closed_with(refused) == 1013
        # One authenticates: it no longer counts, and a new connection is taken.
        assert (await ask(waiting[0], auth("alice")))["type"] == "auth_ok"
        async with connect(url) as taken:
            assert (await ask(taken, auth("alice")))["type"] == "auth_ok"
        await waiting[1].close()
        await asyncio.sleep(0.1)
        async with connect(url) as taken:
            assert (await ask(taken, auth("alice")))["type"] == "auth_ok"
    finally:
        for ws in waiting:
            await ws.close()
