"""Robots over REST, and auto-dismissal of a room left empty (never one with robots in it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from liveroom.api.app import LiveroomApp
from liveroom.domain.events import AnyRoomEvent, RoomDismissed
from liveroom.realtime.gateway import RealtimeGateway
from tests.helpers import LiveClient
from tests.realtime.wsclient import WSClient

ROOM = "lounge"


@pytest.fixture
async def room(live: LiveClient) -> str:
    await live.import_accounts("alice", "bob", "r1", "r2", "r3", "r4")
    await live.create_room(ROOM)
    return ROOM


# robots ---------------------------------------------------------------------------------------------------


async def test_add_get_and_del_robot(live: LiveClient, room: str) -> None:
    assert (await live.ok("get_robot", {"RoomId": room}))["Response"] == {"RobotList_Account": []}
    await live.ok("add_robot", {"RoomId": room, "RobotList_Account": ["r2", "r1", "r2"]})
    assert (await live.ok("get_robot", {"RoomId": room}))["Response"]["RobotList_Account"] == ["r1", "r2"]
    await live.fails(100002, "add_robot", {"RoomId": room, "RobotList_Account": ["r3", "r4"]})
    await live.ok("add_robot", {"RoomId": room, "RobotList_Account": ["r1", "r3"]})
    await live.ok("del_robot", {"RoomId": room, "RobotList_Account": ["r1", "alice"]})
    assert (await live.ok("get_robot", {"RoomId": room}))["Response"]["RobotList_Account"] == ["r2", "r3"]


@pytest.mark.parametrize(
    ("command", "body", "code"),
    [
        ("add_robot", {"RoomId": ROOM, "RobotList_Account": ["nobody"]}, 70107),
        ("add_robot", {"RoomId": ROOM, "RobotList_Account": []}, 100002),
        ("add_robot", {"RoomId": ROOM, "RobotList_Account": [1]}, 60015),
        ("add_robot", {"RoomId": ROOM}, 100002),
        ("add_robot", {"RoomId": "nope", "RobotList_Account": ["r1"]}, 100004),
        ("del_robot", {"RoomId": "nope", "RobotList_Account": ["r1"]}, 100004),
        ("get_robot", {"RoomId": "nope"}, 100004),
    ],
)
async def test_robot_refusals(live: LiveClient, room: str, command: str, body: dict[str, object], code: int) -> None:
    await live.fails(code, command, body)
    assert (await live.ok("get_robot", {"RoomId": room}))["Response"]["RobotList_Account"] == []


async def test_destroy_room_removes_its_robots(live: LiveClient, room: str) -> None:
    await live.ok("add_robot", {"RoomId": room, "RobotList_Account": ["r1"]})
    await live.ok("destroy_room", {"RoomId": room})
    await live.create_room(room)
    assert (await live.ok("get_robot", {"RoomId": room}))["Response"]["RobotList_Account"] == []


# auto-dismissal -------------------------------------------------------------------------------------------

EMPTY_SECONDS = 0.05


@pytest.fixture
def quick(server: LiveroomApp) -> Starlette:
    """A gateway that dismisses rooms left empty for EMPTY_SECONDS."""
    gateway = RealtimeGateway(server.services, server.authenticator, server.apps.get, empty_room_seconds=EMPTY_SECONDS)
    return Starlette(routes=[WebSocketRoute("/realtime", gateway.endpoint)])


@pytest.fixture
async def dismissed(server: LiveroomApp) -> AsyncIterator[asyncio.Queue[RoomDismissed]]:
    events: asyncio.Queue[RoomDismissed] = asyncio.Queue()

    async def collect(event: AnyRoomEvent) -> None:
        if isinstance(event, RoomDismissed):
            await events.put(event)

    server.services.events.subscribe(collect)
    yield events


async def visit(app: Starlette, user: str, room_id: str = ROOM) -> None:
    async with WSClient(app) as client:
        await client.login(user)
        await client.enter(room_id)


async def settle() -> None:
    """Long enough for a due dismissal to have happened (a negative check cannot fail by being slow)."""
    await asyncio.sleep(EMPTY_SECONDS * 6)


async def test_a_room_left_empty_is_dismissed(
    quick: Starlette, live: LiveClient, room: str, dismissed: asyncio.Queue[RoomDismissed]
) -> None:
    await visit(quick, "alice")
    event = await asyncio.wait_for(dismissed.get(), 5)
    assert (event.room_id, event.operator, event.reason) == (room, "", "empty")
    await live.fails(100004, "get_room_info", {"RoomId": room})


async def test_a_room_nobody_entered_or_with_robots_stays(quick: Starlette, live: LiveClient, room: str) -> None:
    await live.create_room("robots")
    await live.ok("add_robot", {"RoomId": "robots", "RobotList_Account": ["r1"]})
    await visit(quick, "alice", "robots")
    await settle()
    await live.ok("get_room_info", {"RoomId": room})
    await live.ok("get_room_info", {"RoomId": "robots"})


async def test_someone_entering_stops_the_clock(quick: Starlette, live: LiveClient, room: str) -> None:
    async with WSClient(quick) as bob:
        await bob.login("bob")
        await visit(quick, "alice")
        await bob.enter(room)
        await settle()
        await live.ok("get_room_info", {"RoomId": room})
