"""The fan-out over real sockets, as ``liveroom serve`` configures uvicorn: frames built once and written to each
member's transport, compression off unless set, a member who stops reading closed with 4009, and heartbeats
answered ahead of a member's backlog."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from liveroom.api.app import LiveroomApp
from liveroom.settings import Settings
from tests.helpers import SDKAPPID, LiveClient, tencent_sig
from tests.serving import serving

ROOM = "crowd"
# A message as large as a message may be (8 KB of content), so that a few hundred fill the sockets' buffers.
BIG = "x" * 8000
# Enough of them to fill the server's socket buffer at its largest (the kernel's tcp_wmem maximum) and a reader's
# small one, with a couple of hundred to spare that can only wait in the server's queue.
MESSAGES = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2]) // len(BIG) + 200


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    """The server's settings: the test's own ``LIVEROOM_*`` environment (indirect parametrisation) over these. A
    frame per message (no batches: these tests publish hundreds at once and follow each one's frame)."""
    environ: dict[str, str] = {"LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS": "0"} | getattr(request, "param", {})
    return Settings.from_env(environ, database_url=database_url, access_log=False)


@pytest.fixture
async def url(server: LiveroomApp, live: LiveClient) -> AsyncIterator[str]:
    await live.import_accounts("alice", "bob")
    await live.create_room(ROOM)
    async with serving(server) as (host, port):
        yield f"ws://{host}:{port}/realtime"


async def ask(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(message))
    while True:
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if reply.get("ref") == message["id"]:
            return reply


async def member(url: str, user: str, *, receive_buffer: int | None = None, offer: bool = False) -> ClientConnection:
    """``user`` connected, authenticated and in the room; ``receive_buffer``: a socket that takes at most about
    that many bytes before the reader reads them (and a client that stops reading when a few frames wait);
    ``offer``: the client offers permessage-deflate."""
    if receive_buffer is None:
        ws = await connect(url, compression="deflate" if offer else None)
    else:
        host, port = url.removeprefix("ws://").split("/")[0].split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.connect((host, int(port)))
        sock.setblocking(False)
        ws = await connect(url, sock=sock, max_queue=4, compression=None)
    auth = {"type": "auth", "id": "a", "sdkappid": SDKAPPID, "identifier": user, "usersig": tencent_sig(user)}
    assert (await ask(ws, auth))["type"] == "auth_ok"
    assert (await ask(ws, {"type": "enter", "id": "e", "RoomId": ROOM}))["type"] == "entered"
    return ws


async def publish(live: LiveClient, count: int) -> None:
    for i in range(count):
        body = {"RoomId": ROOM, "Sender_Account": "alice", "TextContent": f"{i} {BIG}"}
        await live.ok("send_text_msg", body)


def number(frame: dict[str, Any]) -> int:
    return int(frame["data"]["TextContent"].split()[0])


@pytest.mark.parametrize(
    ("settings", "offered"),
    [({}, False), ({"LIVEROOM_REALTIME_COMPRESSION": "true"}, True)],
    ids=["default", "LIVEROOM_REALTIME_COMPRESSION"],
    indirect=["settings"],
)
async def test_compression_is_off_unless_set_and_events_arrive_either_way(
    url: str, live: LiveClient, offered: bool
) -> None:
    # The client offers permessage-deflate (the websockets client does by default); the server takes it only when set.
    alice, bob = await member(url, "alice", offer=True), await member(url, "bob", offer=True)
    for ws in (alice, bob):
        assert ws.response is not None
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
        assert ("permessage-deflate" in extensions) is offered
    await publish(live, 3)
    for ws in (alice, bob):
        frames = []
        while len(frames) < 3:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("event") == "text_message":
                frames.append(number(frame))
        assert frames == [0, 1, 2]
    # Answers to requests too: with the frames built once, or compressed for each connection.
    assert (await ask(bob, {"type": "send_text", "id": "t", "RoomId": ROOM, "TextContent": "hi"}))["type"] == "ok"
    await alice.close()
    await bob.close()


@pytest.mark.parametrize("settings", [{"LIVEROOM_REALTIME_QUEUE_SIZE": "20"}], indirect=True)
async def test_a_member_who_stops_reading_is_closed_with_4009_and_the_room_goes_on(url: str, live: LiveClient) -> None:
    alice = await member(url, "alice")
    bob = await member(url, "bob", receive_buffer=16 * 1024)

    async def alice_reads() -> tuple[list[int], str]:
        seen = []
        while True:
            frame = json.loads(await asyncio.wait_for(alice.recv(), 10))
            if frame.get("event") == "text_message":
                seen.append(number(frame))
            elif frame.get("event") == "member_left":
                return seen, frame["data"]["Member_Account"]

    reading = asyncio.create_task(alice_reads())
    await publish(live, MESSAGES)  # bob reads nothing meanwhile
    numbers = []
    with pytest.raises(ConnectionClosed):
        while True:
            frame = json.loads(await asyncio.wait_for(bob.recv(), 10))
            if frame.get("event") == "text_message":
                numbers.append(number(frame))
    assert bob.close_code == 4009
    # What bob got before the close is the start of the room's messages, in order, without a gap.
    assert numbers == list(range(len(numbers)))
    assert len(numbers) < MESSAGES
    # alice, who read, got every message, and hears that bob left.
    assert await reading == (list(range(MESSAGES)), "bob")
    await alice.close()


@pytest.mark.parametrize("settings", [{"LIVEROOM_REALTIME_QUEUE_SIZE": "100000"}], indirect=True)
async def test_a_heartbeat_is_answered_ahead_of_the_member_s_backlog(url: str, live: LiveClient) -> None:
    bob = await member(url, "bob", receive_buffer=16 * 1024)
    await publish(live, MESSAGES)  # bob reads nothing meanwhile: most of them wait at the server
    await bob.send(json.dumps({"type": "heartbeat", "id": "hb"}))
    before_ack: list[int] = []
    while True:
        frame = json.loads(await asyncio.wait_for(bob.recv(), 10))
        if frame.get("type") == "heartbeat_ack":
            assert frame["ref"] == "hb"
            break
        if frame.get("event") == "text_message":
            before_ack.append(number(frame))
    # Only what had left the server's queue already came first; the rest follows the answer, in order, all of it.
    assert len(before_ack) < MESSAGES
    after_ack = []
    while len(before_ack) + len(after_ack) < MESSAGES:
        frame = json.loads(await asyncio.wait_for(bob.recv(), 10))
        if frame.get("event") == "text_message":
            after_ack.append(number(frame))
    assert before_ack + after_ack == list(range(MESSAGES))
    await bob.close()
