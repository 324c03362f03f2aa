"""The gateway over a real socket: uvicorn serving the app, Tencent-signed UserSigs, the websockets client."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from liveroom.api.app import LiveroomApp
from tests.helpers import SDKAPPID, LiveClient, tencent_sig


@pytest.fixture
async def url(server: LiveroomApp) -> AsyncIterator[str]:
    """The app served by uvicorn on a free local port (its lifespan is already running in ``server``)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Listening before uvicorn starts: a client connecting early waits in the backlog.
    sock.listen()
    web = uvicorn.Server(uvicorn.Config(server, lifespan="off", log_level="warning"))
    task = asyncio.create_task(web.serve(sockets=[sock]))
    yield f"ws://127.0.0.1:{sock.getsockname()[1]}/realtime"
    web.should_exit = True
    await task
    sock.close()


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
