"""Seats, ``v4/room_engine_http_mic``: read, pick, kick, lock, switch and move."""

from __future__ import annotations

from msgspec import UNSET, UnsetType, field

from liveroom.api.registry import command
from liveroom.api.rooms import RoomRequest
from liveroom.api.wire import AccountId, Int64, RoomId, Wire
from liveroom.domain import seats
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode

SERVICE = "room_engine_http_mic"

ROOM_ERRORS = (ErrorCode.ROOM_NOT_FOUND, ErrorCode.SEATS_NOT_SUPPORTED)
MOVE_ERRORS = (*ROOM_ERRORS, ErrorCode.NOT_A_MEMBER, ErrorCode.NO_PERMISSION)


class Seat(Wire):
    index: int
    member_account: str = field(name="Member_Account")
    is_taken_disabled: bool
    is_video_disabled: bool
    is_audio_disabled: bool
    is_microphone_closed: bool


class SeatListResponse(Wire):
    seat_list: list[Seat]


@command(SERVICE, "get_seat_list", request=RoomRequest, response=SeatListResponse, errors=(ErrorCode.ROOM_NOT_FOUND,))
async def get_seat_list(svc: Services, caller: Caller, req: RoomRequest) -> SeatListResponse:
    """Every seat of the room; ``Member_Account`` "" is a free seat, ``IsMicrophoneClosed`` true a guest whose
    microphone the owner or an admin closed (liveroom's addition). A room without seats answers an empty list."""
    return SeatListResponse(
        [
            Seat(
                index=s.index,
                member_account=s.member_account or "",
                is_taken_disabled=s.is_taken_disabled,
                is_video_disabled=s.is_video_disabled,
                is_audio_disabled=s.is_audio_disabled,
                is_microphone_closed=s.is_microphone_closed,
            )
            for s in await seats.seat_list(svc, caller, req.room_id)
        ]
    )


class PickRequest(Wire):
    room_id: RoomId
    index: Int64
    member_account: AccountId = field(name="Member_Account")


@command(SERVICE, "pick_user_on_seat", request=PickRequest, errors=MOVE_ERRORS)
async def pick_user_on_seat(svc: Services, caller: Caller, req: PickRequest) -> None:
    """Put a member who is in the room on a free, unlocked seat."""
    await seats.pick(svc, caller, req.room_id, req.index, req.member_account)


class KickRequest(Wire):
    room_id: RoomId
    member_account: AccountId = field(name="Member_Account")
    data: str


@command(SERVICE, "kick_user_off_seat", request=KickRequest, errors=(*ROOM_ERRORS, ErrorCode.NOT_A_MEMBER))
async def kick_user_off_seat(svc: Services, caller: Caller, req: KickRequest) -> None:
    """Take a seated user off their seat; ``Data`` is delivered to them."""
    await seats.kick(svc, caller, req.room_id, req.member_account, req.data)


class LockRequest(Wire):
    room_id: RoomId
    index: Int64
    forbid_taken: bool | UnsetType = UNSET
    forbid_video: bool | UnsetType = UNSET
    forbid_audio: bool | UnsetType = UNSET


def _maybe(value: bool | UnsetType) -> bool | None:
    return None if value is UNSET else value


@command(SERVICE, "lock_seat", request=LockRequest, errors=ROOM_ERRORS)
async def lock_seat(svc: Services, caller: Caller, req: LockRequest) -> None:
    """Lock a seat (``ForbidTaken``; its user is removed first) or switch its video and audio off or on."""
    await seats.lock(
        svc,
        caller,
        req.room_id,
        req.index,
        _maybe(req.forbid_taken),
        _maybe(req.forbid_video),
        _maybe(req.forbid_audio),
    )


class SwitchRequest(Wire):
    room_id: RoomId
    to_index: Int64
    member_account: AccountId = field(name="Member_Account")


@command(SERVICE, "switch_seat", request=SwitchRequest, errors=MOVE_ERRORS)
async def switch_seat(svc: Services, caller: Caller, req: SwitchRequest) -> None:
    """Move a seated user to a free seat."""
    await seats.switch(svc, caller, req.room_id, req.to_index, req.member_account)


class MoveRequest(Wire):
    room_id: RoomId
    seat_index: Int64
    member_account: AccountId = field(name="Member_Account")
    policy: Int64


@command(SERVICE, "move_user_to_seat", request=MoveRequest, errors=MOVE_ERRORS)
async def move_user_to_seat(svc: Services, caller: Caller, req: MoveRequest) -> None:
    """Move a member to a seat; when it is taken, ``Policy`` 0 cancels, 1 kicks its user off, 2 swaps."""
    await seats.move(svc, caller, req.room_id, req.seat_index, req.member_account, req.policy)
