"""Robots, ``v4/live_engine_http_srv/{add,get,del}_robot``: up to 3 imported accounts kept in a room."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, field

from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE, RoomRequest
from liveroom.api.wire import AccountId, RoomId, Wire
from liveroom.domain import members
from liveroom.domain.context import Caller, Services
from liveroom.domain.ratelimit import Rate
from liveroom.errors import ErrorCode

RATE = Rate(100)


class RobotsRequest(Wire):
    room_id: RoomId
    robot_list_account: Annotated[list[AccountId], Meta(min_length=1, max_length=100)] = field(name="RobotList_Account")


class RobotsResponse(Wire):
    robot_list_account: list[str] = field(name="RobotList_Account")


@command(
    SERVICE,
    "add_robot",
    request=RobotsRequest,
    rate=RATE,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND),
)
async def add_robot(svc: Services, caller: Caller, req: RobotsRequest) -> None:
    """Add robots (imported accounts) to a room; a room holds at most 3 and is then never auto-dismissed."""
    await members.modify_robots(svc, caller, req.room_id, req.robot_list_account, "add")


@command(
    SERVICE, "get_robot", request=RoomRequest, response=RobotsResponse, rate=RATE, errors=(ErrorCode.ROOM_NOT_FOUND,)
)
async def get_robot(svc: Services, caller: Caller, req: RoomRequest) -> RobotsResponse:
    """The room's robots."""
    return RobotsResponse(await members.robots(svc, caller, req.room_id))


@command(SERVICE, "del_robot", request=RobotsRequest, rate=RATE, errors=(ErrorCode.ROOM_NOT_FOUND,))
async def del_robot(svc: Services, caller: Caller, req: RobotsRequest) -> None:
    """Remove robots from a room; accounts that are not its robots are ignored."""
    await members.modify_robots(svc, caller, req.room_id, req.robot_list_account, "delete")
