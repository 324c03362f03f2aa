"""Likes over real sockets: a storm of them is counted exactly, in fewer writes and events than likes."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from liveroom.api.app import LiveroomApp
from liveroom.settings import Settings, SettingsError
from tests.helpers import SDKAPPID, LiveClient, tencent_sig
from tests.serving import serving

ROOM = "likes"
SENDERS = 12
LIKES_EACH = 6


@pytest.fixture
def settings(backend_url: str) -> Settings:
    return Settings(database_url=backend_url, access_log=False)


@pytest.fixture
async def url(server: LiveroomApp) -> AsyncIterator[str]:
    async with serving(server) as (host, port):
        yield f"ws://{host}:{port}/realtime"


async def member(url: str, user: str) -> ClientConnection:
    ws = await connect(url)
    auth = {"type": "auth", "id": "a", "sdkappid": SDKAPPID, "identifier": user, "usersig": tencent_sig(user)}
    await ws.send(json.dumps(auth))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "auth_ok"
    await ws.send(json.dumps({"type": "enter", "id": "e", "RoomId": ROOM}))
    while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("type") != "entered":
        pass
    return ws


async def read_until(ws: ClientConnection, done: Any, into: list[dict[str, Any]]) -> dict[str, Any]:
    """Frames into ``into`` until one for which ``done`` is true, answered."""
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 20))
        into.append(frame)
        if done(frame):
            return frame


async def test_a_like_storm_is_counted_exactly_in_fewer_events_than_likes(url: str, live: LiveClient) -> None:
    users = [f"fan{i}" for i in range(SENDERS)]
    await live.import_accounts("watcher", *users)
    await live.create_room(ROOM)
    watcher = await member(url, "watcher")
    fans = [await member(url, user) for user in users]
    counts = [[random.randint(1, 100) for _ in range(LIKES_EACH)] for _ in users]

    async def storm(ws: ClientConnection, mine: list[int]) -> None:
        # Sent all at once; each is answered ok only once it is counted.
        for i, count in enumerate(mine):
            await ws.send(json.dumps({"type": "like", "id": i, "RoomId": ROOM, "Count": count}))
        frames: list[dict[str, Any]] = []
        await read_until(ws, lambda f: f.get("ref") == len(mine) - 1, frames)
        answers = {frame["ref"]: frame["type"] for frame in frames if "ref" in frame}
        assert answers == {i: "ok" for i in range(len(mine))}

    await asyncio.gather(*(storm(ws, mine) for ws, mine in zip(fans, counts, strict=True)))
    total = sum(map(sum, counts))
    stats = (await live.ok("get_room_stats", {"RoomId": ROOM}))["Response"]
    assert stats["TotalLikesReceived"] == total

    # The watcher got like events adding up to every like, each with the room's running total, the last the total.
    frames: list[dict[str, Any]] = []
    await read_until(watcher, lambda f: f.get("event") == "like" and f["data"]["TotalLikesReceived"] == total, frames)
    likes = [frame["data"] for frame in frames if frame.get("event") == "like"]
    assert sum(like["Count"] for like in likes) == total
    running = 0
    for like in likes:
        running += like["Count"]
        assert like["TotalLikesReceived"] == running
        assert like["Sender_Account"] in users
    assert len(likes) < SENDERS * LIKES_EACH
    for ws in (watcher, *fans):
        await ws.close()


async def test_a_like_refused_is_answered_with_the_rule_and_not_counted(url: str, live: LiveClient) -> None:
    await live.import_accounts("fan")
    await live.create_room(ROOM)
    fan = await member(url, "fan")
    await fan.send(json.dumps({"type": "like", "id": 1, "RoomId": ROOM, "Count": 0}))
    refused = await read_until(fan, lambda f: f.get("ref") == 1, [])
    assert (refused["type"], refused["reason"], refused["code"]) == ("error", "invalid", 100002)
    assert "Count" in refused["info"]
    await fan.send(json.dumps({"type": "like", "id": 2, "RoomId": ROOM, "Count": 3}))
    assert (await read_until(fan, lambda f: f.get("ref") == 2, []))["type"] == "ok"
    stats = (await live.ok("get_room_stats", {"RoomId": ROOM}))["Response"]
    assert stats["TotalLikesReceived"] == 3
    await fan.close()


@pytest.mark.parametrize("seconds", ["-0.1", "5.5", "soon"])
def test_a_like_window_out_of_range_is_refused_with_the_setting_named(seconds: str) -> None:
    with pytest.raises(SettingsError, match=r"(?i)like_window_seconds"):
        Settings.from_env({"LIVEROOM_REALTIME_LIKE_WINDOW_SECONDS": seconds})
    assert Settings.from_env({"LIVEROOM_REALTIME_LIKE_WINDOW_SECONDS": "0"}).realtime_like_window_seconds == 0


async def test_a_member_s_likes_do_not_hold_its_next_frames(url: str, live: LiveClient) -> None:
    """Five likes then a heartbeat, sent at once: the heartbeat is answered at once, and the five wait for one window
    together (one write, one like event of 5), not each for a window of its own."""
    await live.import_accounts("fan")
    await live.create_room(ROOM)
    fan = await member(url, "fan")
    for i in range(5):
        await fan.send(json.dumps({"type": "like", "id": i, "RoomId": ROOM, "Count": 1}))
    await fan.send(json.dumps({"type": "heartbeat", "id": "hb"}))
    frames: list[dict[str, Any]] = []
    seen = {"oks": 0, "liked": False}

    def done(frame: dict[str, Any]) -> bool:
        if frame.get("type") == "ok":
            seen["oks"] += 1
        if frame.get("event") == "like" and frame["data"]["TotalLikesReceived"] == 5:
            seen["liked"] = True
        return seen["oks"] == 5 and bool(seen["liked"])

    await read_until(fan, done, frames)
    refs = [frame["ref"] for frame in frames if "ref" in frame]
    assert refs[0] == "hb"
    assert sorted(refs[1:]) == [0, 1, 2, 3, 4]
    assert [frame["data"]["Count"] for frame in frames if frame.get("event") == "like"] == [5]
    await fan.close()
