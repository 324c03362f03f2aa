"""Member events of a crowded room on their own budget (LIVEROOM_REALTIME_MEMBER_FRAMES_PER_SECOND), over real
sockets: over it the newest event is held and sent, with the room's count, when the budget allows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from liveroom.api.app import LiveroomApp
from liveroom.settings import Settings, SettingsError
from tests.helpers import SDKAPPID, LiveClient, tencent_sig
from tests.serving import serving

ROOM = "crowded"


@pytest.fixture
def settings(backend_url: str) -> Settings:
    # 4 frames a second, a burst of one: one frame for the watcher now, then one every quarter of a second.
    return Settings(database_url=backend_url, access_log=False, realtime_member_frames_per_second=4)


@pytest.fixture
async def url(server: LiveroomApp) -> AsyncIterator[str]:
    async with serving(server) as (host, port):
        yield f"ws://{host}:{port}/realtime"


async def member(url: str, user: str) -> ClientConnection:
    ws = await connect(url)
    auth = {"type": "auth", "id": "a", "sdkappid": SDKAPPID, "identifier": user, "usersig": tencent_sig(user)}
    await ws.send(json.dumps(auth))
    await ws.send(json.dumps({"type": "enter", "id": "e", "RoomId": ROOM}))
    while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("type") != "entered":
        pass
    return ws


async def member_events(ws: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            if frame.get("event") in {"member_entered", "member_left"}:
                frames.append(frame)
    except TimeoutError:
        return frames


async def test_entries_over_the_member_budget_reach_the_room_as_the_newest_with_its_count(
    url: str, live: LiveClient
) -> None:
    await live.import_accounts("watcher", "a1", "a2", "a3")
    await live.create_room(ROOM)
    watcher = await member(url, "watcher")
    others = [await member(url, user) for user in ("a1", "a2", "a3")]
    seen = await member_events(watcher, 1.5)
    # a1's entry goes out at once; a2's is held and replaced by a3's, sent a quarter of a second later.
    assert [(e["data"]["Member_Account"], e["data"]["MemberCount"]) for e in seen] == [("a1", 2), ("a3", 4)]
    for ws in [watcher, *others]:
        await ws.close()


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_a_member_frame_budget_that_is_not_a_positive_number_is_refused_with_the_setting_named(value: str) -> None:
    with pytest.raises(SettingsError, match=r"(?i)member_frames_per_second"):
        Settings.from_env({"LIVEROOM_REALTIME_MEMBER_FRAMES_PER_SECOND": value})
    assert Settings.from_env({}).realtime_member_frames_per_second == 4000
