"""A room's event stream on the console (a WebSocket): only for a signed-in operator's page of this server, and the
room's events and members online arrive on it as the page's fragments, on every backend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from liveroom.api.app import LiveroomApp
from liveroom.api.console.room_stream import QUEUE_SIZE
from liveroom.client import RealtimeClient
from liveroom.domain.events import TextMessage
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient
from tests.serving import serving

WAIT = 30.0


@pytest.fixture
async def address(server: LiveroomApp) -> AsyncIterator[str]:
    async with serving(server) as (host, port):
        yield f"{host}:{port}"


@contextlib.asynccontextmanager
async def stream(address: str, room_id: str, cookie: str, origin: str | None = None) -> AsyncIterator[ClientConnection]:
    url = f"ws://{address}/console/apps/{SDKAPPID}/room/events?id={room_id}"
    headers = {"Cookie": f"liveroom_console={cookie}"} if cookie else {}
    async with connect(url, origin=origin or f"http://{address}", additional_headers=headers) as ws:  # type: ignore[arg-type]
        yield ws


async def until(ws: ClientConnection, text: str) -> str:
    """The messages received until one holds ``text``, joined."""
    seen = ""
    async with asyncio.timeout(WAIT):
        while text not in seen:
            seen += str(await ws.recv())
    return seen


async def test_the_stream_is_refused_without_a_session_or_from_another_site(
    address: str, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    await live.create_room("watched")
    cookie = browser.cookies["liveroom_console"]
    for session, origin in [("", None), ("guessed", None), (cookie, "https://evil.test")]:
        with pytest.raises(InvalidStatus) as refused:
            async with stream(address, "watched", session, origin):
                pass
        assert refused.value.response.status_code == 403
    # Signed in, a room or an app that does not exist closes the stream at once.
    for path in [f"/console/apps/{SDKAPPID}/room/events?id=nowhere", "/console/apps/99/room/events?id=watched"]:
        with pytest.raises(InvalidStatus):
            async with connect(
                f"ws://{address}{path}",
                origin=f"http://{address}",  # type: ignore[arg-type]
                additional_headers={"Cookie": f"liveroom_console={cookie}"},
            ):
                pass
    # Signed out, the same cookie opens nothing.
    async with stream(address, "watched", cookie) as ws:
        await until(ws, "No one is in the room.")
    page = await browser.get("/console/apps")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert (await browser.post("/console/sign-out", data={"csrf_token": token})).status_code == 303
    with pytest.raises(InvalidStatus):
        async with stream(address, "watched", cookie):
            pass


async def test_members_and_messages_arrive_as_they_happen(
    address: str, server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    await live.import_accounts("host-1", "fan-1")
    await live.create_room("watched", Owner_Account="host-1")
    await live.create_room("elsewhere", Owner_Account="host-1")
    async with stream(address, "watched", browser.cookies["liveroom_console"]) as ws:
        assert 'id="members" aria-live="polite" hx-swap-oob="true"' in await until(ws, "No one is in the room.")
        async with RealtimeClient(
            f"http://{address}", sdkappid=SDKAPPID, identifier="fan-1", secret_key=SECRET_KEY
        ) as fan:
            await fan.enter("elsewhere")
            await fan.enter("watched")
            entered = await until(ws, "fan-1 entered (1 online)")
            assert "elsewhere" not in entered
            assert '<ol id="room-events" hx-swap-oob="afterbegin">' in entered
            members = await until(ws, "1 member online:")
            assert "<li>fan-1</li>" in members
            await fan.send_text("watched", "hello <b>operators</b>")
            # The member's text is escaped: a message cannot put HTML into the operator's page.
            await until(ws, "fan-1: hello &lt;b&gt;operators&lt;/b&gt;")
        await live.ok("send_text_msg", {"RoomId": "watched", "Sender_Account": "host-1", "TextContent": "from REST"})
        await until(ws, "host-1: from REST")
        await until(ws, "No one is in the room.")
        await live.ok("destroy_room", {"RoomId": "watched"})
        await until(ws, "the room was dismissed")
        assert server.console.watch.watched() == 1
    # The page gone, the room has no watcher left (the server notices the close in its own time).
    async with asyncio.timeout(WAIT):
        while server.console.watch.watched():  # noqa: ASYNC110 - the server's state, polled from outside
            await asyncio.sleep(0.05)


async def test_a_page_that_falls_behind_loses_events_not_the_server_time(server: LiveroomApp) -> None:
    """The bus hands events on without waiting for a page: past QUEUE_SIZE unread, they are counted as dropped."""
    events = [
        TextMessage(
            sdkappid=SDKAPPID,
            room_id="busy",
            operator="fan",
            sender_account="fan",
            text_content=str(i),
            extension_info="",
        )
        for i in range(QUEUE_SIZE + 44)
    ]
    with (
        server.console.watch.watching(SDKAPPID, "busy") as slow,
        server.console.watch.watching(SDKAPPID, "calm") as other,
    ):
        for event in events:
            await server.services.events.publish(event)
        assert (slow.queue.qsize(), slow.dropped) == (QUEUE_SIZE, 44)
        assert [e.text_content for e in slow.drain()] == [str(i) for i in range(QUEUE_SIZE)]
        assert (other.queue.qsize(), other.dropped) == (0, 0)
    assert server.console.watch.watched() == 0


async def test_a_failing_stream_is_closed_for_the_page_to_connect_again(
    address: str, server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await live.create_room("watched")

    async def unreachable(_sdkappid: int, _room_id: str) -> frozenset[str]:
        raise ConnectionError("presence store unreachable")

    monkeypatch.setattr(server.services.presence, "members", unreachable)
    async with stream(address, "watched", browser.cookies["liveroom_console"]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(WAIT):
                await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1011
