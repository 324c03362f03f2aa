"""Room management, ``v4/live_engine_http_srv``: schemas and thin handlers."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType, field

from liveroom.api.registry import command
from liveroom.api.room_answers import RoomInfoAnswers
from liveroom.api.wire import AccountId, Int64, RoomId, Wire, domain_input, text
from liveroom.domain import rooms
from liveroom.domain.context import Caller, Services
from liveroom.domain.ratelimit import Rate
from liveroom.errors import ErrorCode
from liveroom.store.interface import RoomRecord

SERVICE = "live_engine_http_srv"

Category = Annotated[list[Int64], Meta(max_length=3, description="custom tags, at most 3 integers")]
SeatMode = Annotated[
    str | int,
    Meta(
        description="FreeToTake or ApplyToTake (1 / 2 accepted)",
        extra_json_schema={"enum": ["FreeToTake", "ApplyToTake", 1, 2]},
    ),
]
RoomType = Annotated[str, Meta(description="fixed: Live", extra_json_schema={"enum": ["Live"]})]


# create_room --------------------------------------------------------------------------------------------


class NewRoomInfo(Wire):
    room_id: RoomId
    room_type: RoomType
    seat_template: Annotated[str, text(0, 64)] | UnsetType = UNSET
    owner_account: AccountId | UnsetType = field(name="Owner_Account", default=UNSET)
    take_seat_mode: SeatMode | UnsetType = UNSET
    max_seat_count: Int64 | UnsetType = UNSET
    max_member_count: Int64 | UnsetType = UNSET
    is_seat_enabled: bool | UnsetType = UNSET
    seat_layout_template_id: Int64 | UnsetType = UNSET
    is_message_disabled: bool | UnsetType = UNSET
    is_public_visible: bool | UnsetType = UNSET
    is_unlimited_room_enabled: bool | UnsetType = UNSET
    room_name: Annotated[str, text(0, 100)] | UnsetType = UNSET
    cover_url: Annotated[str, text(0, 200)] | UnsetType = field(name="CoverURL", default=UNSET)
    category: Category | UnsetType = UNSET
    activity_status: Int64 | UnsetType = UNSET
    notice: Annotated[str, text(0, 100)] | UnsetType = UNSET


class CreateRoomRequest(Wire):
    room_info: NewRoomInfo


class CreateRoomResponse(Wire):
    room_id: str


@command(
    SERVICE,
    "create_room",
    request=CreateRoomRequest,
    response=CreateRoomResponse,
    errors=(ErrorCode.ROOM_EXISTS, ErrorCode.ROOM_EXISTS_SAME_OWNER, ErrorCode.ACCOUNT_NOT_FOUND),
)
async def create_room(svc: Services, caller: Caller, req: CreateRoomRequest) -> CreateRoomResponse:
    """Create a live room."""
    room = await rooms.create_room(svc, caller, domain_input(req.room_info, rooms.NewRoom))
    return CreateRoomResponse(room_id=room.room_id)


# get_room_info ------------------------------------------------------------------------------------------


class RoomRequest(Wire):
    room_id: RoomId


class RoomInfo(Wire):
    room_id: str
    room_name: str
    room_type: str
    owner_account: str = field(name="Owner_Account")
    create_time: int
    is_seat_enabled: bool
    take_seat_mode: str
    max_seat_count: int
    max_member_count: int
    is_message_disabled: bool
    cover_url: str = field(name="CoverURL")
    category: list[int]
    activity_status: int
    view_count: int
    is_public_visible: bool
    seat_template: str
    notice: str
    member_count: int
    is_unlimited_room_enabled: bool
    seat_layout_template_id: int | UnsetType = UNSET


class GetRoomInfoResponse(Wire):
    room_info: RoomInfo


def room_info(room: RoomRecord, member_count: int) -> RoomInfo:
    return RoomInfo(
        room_id=room.room_id,
        room_name=room.room_name,
        room_type=room.room_type,
        owner_account=room.owner_account,
        create_time=room.create_time,
        is_seat_enabled=room.is_seat_enabled,
        take_seat_mode=room.take_seat_mode,
        max_seat_count=room.max_seat_count,
        max_member_count=room.max_member_count,
        is_message_disabled=room.is_message_disabled,
        cover_url=room.cover_url,
        category=list(room.category),
        activity_status=room.activity_status,
        view_count=room.view_count,
        is_public_visible=room.is_public_visible,
        seat_template=room.seat_template,
        notice=room.notice,
        member_count=member_count,
        is_unlimited_room_enabled=room.is_unlimited_room_enabled,
        seat_layout_template_id=(UNSET if room.seat_layout_template_id is None else room.seat_layout_template_id),
    )


@command(
    SERVICE,
    "get_room_info",
    request=RoomRequest,
    response=GetRoomInfoResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_room_info(svc: Services, caller: Caller, req: RoomRequest) -> msgspec.Raw:
    """Read one room."""
    room = await rooms.get_room(svc, caller, req.room_id)
    return _answers.encode(caller.sdkappid, room, await svc.presence.member_count(caller.sdkappid, room.room_id))


# About 0.8 KiB each; a full set of answers starts again empty.
_answers = RoomInfoAnswers(lambda room: GetRoomInfoResponse(room_info(room, 0)), 16_384)


# update_room_info ---------------------------------------------------------------------------------------


class RoomInfoChanges(Wire):
    room_id: RoomId
    room_name: Annotated[str, text(0, 100)] | UnsetType = UNSET
    max_member_count: Int64 | UnsetType = UNSET
    is_message_disabled: bool | UnsetType = UNSET
    cover_url: Annotated[str, text(0, 200)] | UnsetType = field(name="CoverURL", default=UNSET)
    category: Category | UnsetType = UNSET
    activity_status: Int64 | UnsetType = UNSET
    is_public_visible: bool | UnsetType = UNSET
    take_seat_mode: SeatMode | UnsetType = UNSET
    notice: Annotated[str, text(0, 100)] | UnsetType = UNSET
    is_unlimited_room_enabled: bool | UnsetType = UNSET


class UpdateRoomInfoRequest(Wire):
    room_info: RoomInfoChanges


@command(SERVICE, "update_room_info", request=UpdateRoomInfoRequest, errors=(ErrorCode.ROOM_NOT_FOUND,))
async def update_room_info(svc: Services, caller: Caller, req: UpdateRoomInfoRequest) -> None:
    """Change the given fields of a room; fields not given keep their values."""
    update = domain_input(req.room_info, rooms.RoomUpdate)
    await rooms.update_room(svc, caller, req.room_info.room_id, update)


# destroy_room -------------------------------------------------------------------------------------------


class Statistic(Wire):
    total_viewers: int
    total_gifts_sent: int
    total_gift_coins: int
    total_unique_gift_senders: int
    total_likes_received: int


class DestroyRoomResponse(Wire):
    statistic: Statistic


@command(
    SERVICE,
    "destroy_room",
    request=RoomRequest,
    response=DestroyRoomResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def destroy_room(svc: Services, caller: Caller, req: RoomRequest) -> DestroyRoomResponse:
    """Dismiss a room: it and everything scoped to it are gone; answers its statistics."""
    stats = await rooms.destroy_room(svc, caller, req.room_id)
    return DestroyRoomResponse(msgspec.convert(stats, Statistic, from_attributes=True))


# get_room_stats -----------------------------------------------------------------------------------------


class RoomStatsResponse(Statistic):
    total_msg_count: int


@command(
    SERVICE,
    "get_room_stats",
    request=RoomRequest,
    response=RoomStatsResponse,
    rate=Rate(100),
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_room_stats(svc: Services, caller: Caller, req: RoomRequest) -> RoomStatsResponse:
    """Read a room's running statistics."""
    stats = await rooms.room_stats(svc, caller, req.room_id)
    return msgspec.convert(stats, RoomStatsResponse, from_attributes=True)


# get_room_list ------------------------------------------------------------------------------------------


class GetRoomListRequest(Wire):
    next: Annotated[str, text(0, 512)] = ""
    count: Annotated[int, Meta(ge=1, le=rooms.LIST_PAGE_MAX)] = rooms.LIST_PAGE_MAX


class ListedRoom(Wire):
    room_name: str
    room_id: str
    owner_account: str = field(name="Owner_Account")
    cover_url: str = field(name="CoverURL")
    category: list[int]
    create_time: int
    activity_status: int
    view_count: int


class GetRoomListResponse(Wire):
    next: str
    room_list: list[ListedRoom]


@command(
    SERVICE,
    "get_room_list",
    request=GetRoomListRequest,
    response=GetRoomListResponse,
    rate=Rate(10),
)
async def get_room_list(svc: Services, caller: Caller, req: GetRoomListRequest) -> GetRoomListResponse:
    """One page of public rooms, most viewed first; pass the answered ``Next`` for the following page."""
    page, next_cursor = await rooms.list_rooms(svc, caller, req.next, req.count)
    return GetRoomListResponse(
        next=next_cursor,
        room_list=[
            ListedRoom(
                room_name=r.room_name,
                room_id=r.room_id,
                owner_account=r.owner_account,
                cover_url=r.cover_url,
                category=list(r.category),
                create_time=r.create_time,
                activity_status=r.activity_status,
                view_count=r.view_count,
            )
            for r in page
        ],
    )


# change_room_owner --------------------------------------------------------------------------------------


class ChangeOwnerRequest(Wire):
    room_id: RoomId
    new_owner_account: AccountId = field(name="NewOwner_Account")


@command(
    SERVICE,
    "change_room_owner",
    request=ChangeOwnerRequest,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND, ErrorCode.OWNER_BANNED),
)
async def change_room_owner(svc: Services, caller: Caller, req: ChangeOwnerRequest) -> None:
    """Hand the room to another imported account that is not banned in it."""
    await rooms.change_owner(svc, caller, req.room_id, req.new_owner_account)
