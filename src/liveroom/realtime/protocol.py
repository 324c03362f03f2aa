"""The client gateway's JSON protocol (docs/realtime.md): what a client may send and how answers are shaped.

Every frame is one JSON object with a ``type``. A client may add an ``id`` (string or integer) to a request; the
answer to it carries the same value as ``ref``. Data fields use the REST API's wire names (``RoomId``,
``Member_Account``, ``TextContent`` ...).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import msgspec
from msgspec import UNSET
from websockets.frames import Frame as WireFrame
from websockets.frames import Opcode

from liveroom.domain.cohosting import BattleOffer, RequestResult
from liveroom.domain.events import RoomEvent
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import RoomRecord, SeatRecord

MAX_FRAME_BYTES = 16 * 1024

RoomIdText = Annotated[str, msgspec.Meta(min_length=1, max_length=48, pattern=r"^[\x20-\x7e]+$")]
RequestId = Annotated[str, msgspec.Meta(max_length=64)] | int | None
AccountText = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class ProtocolError(LiveError):
    """A frame the protocol refuses; ``reason`` is the stable word clients switch on."""

    __slots__ = ("reason",)

    def __init__(self, code: ErrorCode, reason: str, info: str) -> None:
        super().__init__(code, info)
        self.reason = reason


class Request(msgspec.Struct, kw_only=True):
    id: RequestId = None


class Auth(Request):
    sdkappid: int | str
    identifier: str
    usersig: str


class Enter(Request):
    RoomId: RoomIdText


class Leave(Request):
    RoomId: RoomIdText


class Heartbeat(Request):
    pass


class SendText(Request):
    RoomId: RoomIdText
    TextContent: Annotated[str, msgspec.Meta(min_length=1)]
    ExtensionInfo: str = ""


class SendCustom(Request):
    RoomId: RoomIdText
    BusinessId: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    Data: str = ""


class Like(Request):
    RoomId: RoomIdText
    Count: int = 1


class SendGift(Request):
    """No ``ReceiverList_Account``: the gift is for the room's owner."""

    RoomId: RoomIdText
    GiftId: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    Count: int = 1
    ReceiverList_Account: Annotated[list[AccountText], msgspec.Meta(max_length=20)] = []


class TakeSeat(Request):
    RoomId: RoomIdText
    Index: int


class LeaveSeat(Request):
    RoomId: RoomIdText


class GetMemberList(Request):
    RoomId: RoomIdText
    Next: Annotated[str, msgspec.Meta(max_length=64)] = ""


# Moderation: the owner and admins of the room, with the REST API's field names and limits.

Seconds = Annotated[int, msgspec.Meta(ge=1, le=2**32 - 1)]


class KickMember(Request):
    RoomId: RoomIdText
    MemberList_Account: Annotated[list[AccountText], msgspec.Meta(min_length=1, max_length=20)]


class BanMember(Request):
    RoomId: RoomIdText
    MemberList_Account: Annotated[list[AccountText], msgspec.Meta(min_length=1, max_length=20)]
    Duration: Seconds
    Reason: str = ""


class MuteMember(Request):
    RoomId: RoomIdText
    MemberList_Account: Annotated[list[AccountText], msgspec.Meta(min_length=1, max_length=100)]
    MuteTime: Annotated[int, msgspec.Meta(ge=0, le=2**32 - 1)]


class KickUserOffSeat(Request):
    RoomId: RoomIdText
    Member_Account: AccountText
    Data: str = ""


class LockSeat(Request):
    RoomId: RoomIdText
    Index: int
    ForbidTaken: bool | None = None
    ForbidVideo: bool | None = None
    ForbidAudio: bool | None = None


class MoveUserToSeat(Request):
    RoomId: RoomIdText
    SeatIndex: int
    Member_Account: AccountText
    Policy: int = 0


class CloseMicrophone(Request):
    RoomId: RoomIdText
    Member_Account: AccountText


class OpenMicrophone(CloseMicrophone):
    pass


Moderation = KickMember | BanMember | MuteMember | KickUserOffSeat | LockSeat | MoveUserToSeat | CloseMicrophone
MODERATION = (KickMember, BanMember, MuteMember, KickUserOffSeat, LockSeat, MoveUserToSeat, CloseMicrophone)


class InviteToSeat(Request):
    RoomId: RoomIdText
    Member_Account: AccountText
    Index: int
    Timeout: Annotated[int, msgspec.Meta(ge=1, le=600)] | None = None


class CancelInvitation(Request):
    RoomId: RoomIdText
    Member_Account: AccountText


class AnswerInvitation(Request):
    RoomId: RoomIdText
    Accept: bool


class CancelApplication(Request):
    RoomId: RoomIdText


Invitations = InviteToSeat | CancelInvitation | AnswerInvitation | CancelApplication
INVITATIONS = (InviteToSeat, CancelInvitation, AnswerInvitation, CancelApplication)


class AnswerSeat(Request):
    RoomId: RoomIdText
    Member_Account: str
    Approve: bool


class ExitBattle(Request):
    BattleId: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


# Co-hosting: the owner of ``RoomId`` (a room the connection is in) with other rooms' owners.

RoomIdList = Annotated[list[RoomIdText], msgspec.Meta(max_length=8)]
TimeoutSeconds = Annotated[int, msgspec.Meta(ge=1, le=600)]
BattleIdText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class RequestConnection(Request):
    RoomId: RoomIdText
    RoomIdList: RoomIdList
    TimeoutSeconds: TimeoutSeconds = 10
    ExtensionInfo: str = ""


class CancelConnectionRequest(Request):
    RoomId: RoomIdText
    RoomIdList: RoomIdList


class AcceptConnection(Request):
    RoomId: RoomIdText
    FromRoomId: RoomIdText


class RejectConnection(AcceptConnection):
    pass


class Disconnect(Request):
    RoomId: RoomIdText


class RequestBattle(Request):
    """``RoomIdList`` (connected rooms) or ``UserIdList`` (their owners), one of them."""

    RoomId: RoomIdText
    Duration: int
    NeedResponse: bool = True
    ExtensionInfo: str = ""
    RoomIdList: RoomIdList = []
    UserIdList: Annotated[list[AccountText], msgspec.Meta(max_length=8)] = []
    TimeoutSeconds: TimeoutSeconds = 10


class CancelBattleRequest(Request):
    RoomId: RoomIdText
    BattleId: BattleIdText


class AcceptBattle(CancelBattleRequest):
    pass


class RejectBattle(CancelBattleRequest):
    pass


CoHosting = (
    RequestConnection
    | CancelConnectionRequest
    | AcceptConnection
    | Disconnect
    | RequestBattle
    | CancelBattleRequest
    | AcceptBattle
)
COHOSTING = (
    RequestConnection,
    CancelConnectionRequest,
    AcceptConnection,
    Disconnect,
    RequestBattle,
    CancelBattleRequest,
    AcceptBattle,
)


REQUESTS: dict[str, type[Request]] = {
    "auth": Auth,
    "enter": Enter,
    "leave": Leave,
    "heartbeat": Heartbeat,
    "send_text": SendText,
    "send_custom": SendCustom,
    "like": Like,
    "send_gift": SendGift,
    "take_seat": TakeSeat,
    "leave_seat": LeaveSeat,
    "answer_seat": AnswerSeat,
    "exit_battle": ExitBattle,
    "get_member_list": GetMemberList,
    "kick_member": KickMember,
    "ban_member": BanMember,
    "mute_member": MuteMember,
    "kick_user_off_seat": KickUserOffSeat,
    "lock_seat": LockSeat,
    "move_user_to_seat": MoveUserToSeat,
    "close_microphone": CloseMicrophone,
    "open_microphone": OpenMicrophone,
    "invite_to_seat": InviteToSeat,
    "cancel_invitation": CancelInvitation,
    "answer_invitation": AnswerInvitation,
    "cancel_application": CancelApplication,
    "request_connection": RequestConnection,
    "cancel_connection_request": CancelConnectionRequest,
    "accept_connection": AcceptConnection,
    "reject_connection": RejectConnection,
    "disconnect": Disconnect,
    "request_battle": RequestBattle,
    "cancel_battle_request": CancelBattleRequest,
    "accept_battle": AcceptBattle,
    "reject_battle": RejectBattle,
}

_decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_encode = msgspec.json.Encoder().encode


def parse(frame: str | bytes) -> Request:
    """One client frame as its request, or the ``ProtocolError`` that explains what is wrong with it."""
    if len(frame) > MAX_FRAME_BYTES or (isinstance(frame, str) and len(frame.encode()) > MAX_FRAME_BYTES):
        raise ProtocolError(ErrorCode.HTTP_PARSE_FAILED, "too_large", f"frame: larger than {MAX_FRAME_BYTES} bytes")
    try:
        obj = _decode_object(frame)
    except (msgspec.DecodeError, RecursionError):
        # RecursionError: msgspec gives up on deep nesting (a binary frame that is not UTF-8 is a DecodeError).
        raise ProtocolError(ErrorCode.BODY_NOT_JSON, "malformed", "frame: not a JSON object") from None
    kind = obj.pop("type", None)
    schema = REQUESTS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ProtocolError(
            ErrorCode.UNKNOWN_RESOURCE,
            "unknown_type",
            f"type: must be one of {', '.join(REQUESTS)}",
        )
    try:
        return msgspec.convert(obj, schema)
    except msgspec.ValidationError as error:
        raise ProtocolError(ErrorCode.LIVE_INVALID_PARAMETER, "invalid", f"{kind}: {error}") from None


def request_ref(frame: str | bytes) -> Any:
    """The ``id`` of a frame that could not be parsed as a request, when it has a usable one."""
    try:
        ref = _decode_object(frame).get("id")
    except (msgspec.DecodeError, RecursionError):
        return None
    return ref if isinstance(ref, str | int) and not isinstance(ref, bool) else None


def encode(message: dict[str, Any]) -> str:
    return _encode(message).decode()


class Frame:
    """One text frame for any number of connections: its JSON in UTF-8, and, each made once when first needed, its
    text and its bytes on the wire (unmasked and uncompressed, as a server sends it: the same on every connection)."""

    __slots__ = ("_text", "_wire", "payload")

    def __init__(self, payload: bytes, text: str | None = None) -> None:
        self.payload = payload
        self._text = text
        self._wire: bytes | None = None

    @classmethod
    def of(cls, text: str) -> Frame:
        return cls(text.encode(), text)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.payload.decode()
        return self._text

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = WireFrame(Opcode.TEXT, self.payload).serialize(mask=False, extensions=[])
        return self._wire


_REASONS = {
    ErrorCode.LIVE_INVALID_PARAMETER: "invalid",
    ErrorCode.ROOM_NOT_FOUND: "room_not_found",
    ErrorCode.SEATS_NOT_SUPPORTED: "no_seats",
    ErrorCode.ACCOUNT_NOT_FOUND: "account_not_found",
    ErrorCode.MESSAGE_REFUSED_BY_CALLBACK: "refused_by_backend",
    ErrorCode.GIFT_NOT_FOUND: "gift_not_found",
    ErrorCode.GIFT_REFUSED: "gift_refused",
}


def reason_of(code: ErrorCode) -> str:
    """The reason word of a domain failure that carries none of its own."""
    return _REASONS.get(code, "failed")


def error(ref: Any, code: int, reason: str, info: str) -> str:
    return encode({"type": "error", "ref": ref, "code": code, "reason": reason, "info": info})


# Most fields are plain values, taken as they are without a call to _wire.
_SCALARS = frozenset({str, int, bool})


def event(room_event: RoomEvent) -> Frame:
    """The frame of a room event: its kind, and in ``data`` the fields of its kind by wire name (UNSET ones left
    out)."""
    cls = type(room_event)
    fields = _fields(cls)
    return Frame(
        _encode(
            {
                "type": "event",
                "event": cls.__struct_config__.tag,
                "RoomId": room_event.room_id,
                "Operator_Account": room_event.operator,
                "data": {
                    wire: value if type(value) in _SCALARS else _wire(value)
                    for name, wire in fields
                    if (value := getattr(room_event, name)) is not UNSET
                },
            }
        )
    )


def batch(room_id: str, events: list[Frame]) -> Frame:
    """One frame carrying several events of a room, in order: each as its own frame would be (docs/realtime.md,
    "Batches"), joined from their JSON as it is."""
    head = b'{"type":"events","RoomId":' + _encode(room_id) + b',"events":['
    return Frame(head + b",".join(event.payload for event in events) + b"]}")


@functools.cache
def _fields(cls: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    """``(name, wire name)`` of the fields of a Struct, those of every room event left out."""
    common = RoomEvent.__struct_fields__ if issubclass(cls, RoomEvent) else ()
    return tuple((name, _wire_name(name)) for name in cls.__struct_fields__ if name not in common)


def _wire(value: Any) -> Any:
    """A value as the wire has it: Structs by wire name, in tuples too."""
    if isinstance(value, tuple):
        return [_wire(item) for item in value] if value and isinstance(value[0], msgspec.Struct) else value
    if isinstance(value, SeatRecord):
        return _seat(value)
    if isinstance(value, msgspec.Struct):
        return {wire: _wire(getattr(value, name)) for name, wire in _fields(type(value))}
    return value


def _seat(seat: SeatRecord) -> dict[str, Any]:
    return {
        "Index": seat.index,
        "Member_Account": seat.member_account or "",  # a free seat
        "IsTakenDisabled": seat.is_taken_disabled,
        "IsVideoDisabled": seat.is_video_disabled,
        "IsAudioDisabled": seat.is_audio_disabled,
        "IsMicrophoneClosed": seat.is_microphone_closed,
    }


_SPECIAL_NAMES = {"cover_url": "CoverURL"}


def _wire_name(name: str) -> str:
    """``room_name`` is ``RoomName``; an account keeps its underscore: ``member_list_account`` is
    ``MemberList_Account``."""
    special = _SPECIAL_NAMES.get(name)
    if special is not None:
        return special
    if name.endswith("_account"):
        return _pascal(name.removesuffix("_account")) + "_Account"
    return _pascal(name)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def room_info(room: RoomRecord, member_count: int) -> dict[str, Any]:
    return {
        "RoomId": room.room_id,
        "RoomName": room.room_name,
        "RoomType": room.room_type,
        "Owner_Account": room.owner_account,
        "CreateTime": room.create_time,
        "IsSeatEnabled": room.is_seat_enabled,
        "TakeSeatMode": room.take_seat_mode,
        "MaxSeatCount": room.max_seat_count,
        "MaxMemberCount": room.max_member_count,
        "IsMessageDisabled": room.is_message_disabled,
        "CoverURL": room.cover_url,
        "Category": room.category,
        "ActivityStatus": room.activity_status,
        "ViewCount": room.view_count,
        "IsPublicVisible": room.is_public_visible,
        "SeatTemplate": room.seat_template,
        "Notice": room.notice,
        "MemberCount": member_count,
    }


def request_result(result: RequestResult) -> dict[str, Any]:
    """A code of ``request_connection`` or ``request_battle`` for one invited room (and host, for a battle)."""
    item: dict[str, Any] = {"RoomId": result.room_id, "ResultCode": result.code, "ResultMessage": result.message}
    if result.user_id:
        item["UserId"] = result.user_id
    return item


def battle_offer(offer: BattleOffer) -> dict[str, Any]:
    """The answer to ``request_battle``: the battle (StartTime and EndTime 0 while answers are awaited) and a code
    per invited room."""
    return {
        "BattleId": offer.battle_id,
        "Duration": offer.duration,
        "NeedResponse": offer.need_response,
        "ExtensionInfo": offer.extension_info,
        "StartTime": offer.start_time,
        "EndTime": offer.end_time,
        "Inviter": _wire(offer.inviter),
        "InviteeList": [_wire(invitee) for invitee in offer.invitee_list],
        "Result": [request_result(result) for result in offer.results],
    }
