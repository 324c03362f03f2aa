"""Receiving callbacks in a Python backend: check where one came from and read it as a typed event.

.. code-block:: python

    receiver = CallbackReceiver(sdkappid=1400000000, token=TOKEN)
    event = receiver.parse(request.url.query, await request.body())  # raises InvalidCallback
    return Response(receiver.reply(), media_type="application/json")  # then match on type(event)

``parse`` checks the query Tencent (or liveroom) appends: ``SdkAppid`` is yours, ``CallbackCommand`` is the
body's, and, with a token, ``Sign`` is SHA-256 of the token and ``RequestTime`` (compared in constant time) with
``RequestTime`` within a minute of now. Events of one room arrive in order; one event may arrive more than once
(at least once delivery): deduplicate on ``X-Liveroom-Event-Id`` when that matters.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any, get_args
from urllib.parse import parse_qsl

import msgspec
from msgspec import field

MAX_SKEW_SECONDS = 60
REPLY_OK = b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'


class InvalidCallback(ValueError):
    """The request is not a callback of your app (wrong SdkAppid, bad or old signature, not the JSON expected)."""


class _Wire(msgspec.Struct, frozen=True, kw_only=True, rename="pascal"):
    pass


class CallbackEvent(_Wire, frozen=True, kw_only=True, tag_field="CallbackCommand"):
    """Every callback: ``event_time`` is the Unix milliseconds of the change."""

    event_time: int


class RoomInfo(_Wire, frozen=True, kw_only=True):
    """The room of a create or destroy callback; fields a callback does not carry keep their defaults."""

    room_id: str = ""
    room_name: str = ""
    room_type: str = ""
    owner_account: str = field(name="Owner_Account", default="")
    max_member_count: int = 0
    is_message_disabled: bool = False
    is_seat_enabled: bool = False
    take_seat_mode: str = ""
    max_seat_count: int = 0
    create_time: int = 0
    is_public_visible: bool = True
    cover_url: str = field(name="CoverURL", default="")
    category: list[int] = []
    activity_status: int = 0
    view_count: int = 0
    custom_info: str = ""
    background_url: str = field(name="BackgroundURL", default="")
    is_unlimited_room_enabled: bool = False


class Statistic(_Wire, frozen=True, kw_only=True):
    total_viewers: int = 0
    total_gifts_sent: int = 0
    total_gift_coins: int = 0
    total_unique_gift_senders: int = 0
    total_likes_received: int = 0


class RoomCreated(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterCreateRoom"):
    operator_account: str = field(name="Operator_Account", default="")
    room_info: RoomInfo


class RoomDestroyed(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterDestroyRoom"):
    """``event_type``: DestroyByUser or DestroyBySystem."""

    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    event_type: str
    room_info: RoomInfo
    statistic: Statistic


class RoomInfoUpdated(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterUpdateRoomInfo"):
    """``room_info``: RoomId and the fields that changed, by their wire names."""

    operator_account: str = field(name="Operator_Account", default="")
    room_info: dict[str, Any]


class Member(_Wire, frozen=True, kw_only=True):
    member_account: str = field(name="Member_Account")


class MemberStateChanged(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterMemberStateChanged"):
    """``event_type`` Online or Offline; ``event_cause`` Enter, Leave, HeartbeatInterrupt, Kicked, Banned or
    RoomDismissed."""

    room_id: str
    event_type: str
    event_cause: str
    member_list: list[Member]


class Pair(_Wire, frozen=True, kw_only=True):
    key: str
    value: str


class MetadataSet(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterSetMetadata"):
    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    metadata: list[Pair]


class MetadataDeleted(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterDelMetadata"):
    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    keys: list[str]


class AdminsModified(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterModifyAdmin"):
    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    admin_account: list[str] = field(name="Admin_Account")
    op_type: str = field(name="opType")


class OwnerChanged(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterChangeOwner"):
    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    current_owner_account: str = field(name="CurrentOwner_Account")
    original_owner_account: str = field(name="OriginalOwner_Account")


class Seat(_Wire, frozen=True, kw_only=True):
    index: int
    member_account: str | None = field(name="Member_Account", default=None)
    is_taken_disabled: bool = False
    is_video_disabled: bool = False
    is_audio_disabled: bool = False


class SeatInfoChanged(CallbackEvent, frozen=True, kw_only=True, tag="Mic.CallbackAfterSeatInfoChanged"):
    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    seat_list: list[Seat]


class MsgElement(_Wire, frozen=True, kw_only=True):
    msg_type: str
    msg_content: dict[str, Any]


class _Message(CallbackEvent, frozen=True, kw_only=True):
    group_id: str
    type: str = "Live"
    from_account: str = field(name="From_Account")
    operator_account: str = field(name="Operator_Account", default="")
    random: int = 0
    msg_time: int = 0
    msg_body: list[MsgElement]
    cloud_custom_data: str = ""


class MessageSent(_Message, frozen=True, kw_only=True, tag="Group.CallbackAfterSendMsg"):
    msg_seq: int = 0
    msg_id: str = ""


class MessageToSend(_Message, frozen=True, kw_only=True, tag="Group.CallbackBeforeSendMsg"):
    """A before-callback: reply ``reply(allow=False)`` to refuse the message."""


class GiftWater(_Wire, frozen=True, kw_only=True):
    from_account: str = field(name="From_Account")
    to_account: list[str] = field(name="To_Account")
    time: int
    gift_id: str
    count: int
    coins: int


class GiftToSend(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackBeforeSendGift"):
    """A before-callback: reply ``reply(allow=False)`` to refuse the gift."""

    operator_account: str = field(name="Operator_Account", default="")
    room_id: str
    gift_water: GiftWater


class BattleRoomInfo(_Wire, frozen=True, kw_only=True):
    """A room of a battle; ``score`` is 0 where the callback carries none (CreateBattle, StartBattle)."""

    room_id: str
    owner_account: str = field(name="Owner_Account", default="")
    score: int = 0


class BattleCreated(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterCreateBattle"):
    operator_account: str = field(name="Operator_Account", default="")
    battle_id: str
    from_room_id: str
    to_room_id_list: list[str]
    timeout: int = 0
    duration: int
    need_response: bool = False
    extension_info: str = ""


class BattleStarted(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterStartBattle"):
    """``duration`` in ms; the times in Unix seconds."""

    battle_id: str
    duration: int
    create_time: int
    start_time: int
    from_room_info: BattleRoomInfo
    to_room_list: list[BattleRoomInfo]


class BattleEnded(CallbackEvent, frozen=True, kw_only=True, tag="Live.CallbackAfterEndBattle"):
    """The final scores; ``op_type`` 0 its time was up, 1 every other room left, 2 nobody joined."""

    battle_id: str
    duration: int
    create_time: int
    start_time: int
    end_time: int
    op_type: int
    from_room_info: BattleRoomInfo
    to_room_list: list[BattleRoomInfo]


AnyCallback = (
    RoomCreated
    | RoomDestroyed
    | RoomInfoUpdated
    | MemberStateChanged
    | MetadataSet
    | MetadataDeleted
    | AdminsModified
    | OwnerChanged
    | SeatInfoChanged
    | MessageSent
    | MessageToSend
    | GiftToSend
    | BattleCreated
    | BattleStarted
    | BattleEnded
)
_decoder = msgspec.json.Decoder(AnyCallback)
_KNOWN = frozenset(cls.__struct_config__.tag for cls in get_args(AnyCallback))


class OtherCallback(msgspec.Struct, frozen=True):
    """A command this SDK has no type for (one liveroom adds later): its name and its JSON as a dict."""

    callback_command: str
    event_time: int
    data: dict[str, Any]


def sign(token: str, request_time: int | str) -> str:
    """``Sign``: lowercase hex SHA-256 of the token followed by RequestTime."""
    return hashlib.sha256(f"{token}{request_time}".encode()).hexdigest()


class CallbackReceiver:
    """Checks and parses the callbacks of one app; ``token`` None when the app signs none (not recommended)."""

    def __init__(
        self, *, sdkappid: int, token: str | None, clock: Callable[[], float] = time.time, max_body: int = 1 << 20
    ) -> None:
        self.sdkappid = sdkappid
        self._token = token
        self._clock = clock
        self._max_body = max_body

    def verify(self, query: str | bytes | Mapping[str, str]) -> str:
        """Check the query string (or its parsed mapping); answers the CallbackCommand."""
        params = _params(query)
        if params.get("SdkAppid") != str(self.sdkappid):
            raise InvalidCallback("SdkAppid: not this app's")
        command = params.get("CallbackCommand", "")
        if not command:
            raise InvalidCallback("CallbackCommand: missing")
        if self._token is not None:
            request_time, given = params.get("RequestTime", ""), params.get("Sign", "")
            if not request_time.isdigit() or not given:
                raise InvalidCallback("Sign and RequestTime: required")
            if abs(self._clock() - int(request_time)) > MAX_SKEW_SECONDS:
                raise InvalidCallback("RequestTime: more than a minute from now")
            if not hmac.compare_digest(sign(self._token, request_time), given.lower()):
                raise InvalidCallback("Sign: does not match the token")
        return command

    def parse(self, query: str | bytes | Mapping[str, str], body: bytes) -> AnyCallback | OtherCallback:
        """Verify, then read the body as the typed event of its command."""
        command = self.verify(query)
        if len(body) > self._max_body:
            raise InvalidCallback("body: too large")
        try:
            if command not in _KNOWN:
                data = msgspec.json.decode(body, type=dict[str, Any])
                return OtherCallback(command, int(data.get("EventTime", 0)), data)
            event = _decoder.decode(body)
        except (msgspec.DecodeError, ValueError, TypeError) as exc:
            raise InvalidCallback(f"body: not the JSON of {command} ({exc})") from None
        if event.__struct_config__.tag != command:
            raise InvalidCallback("CallbackCommand: the query and the body disagree")
        return event

    @staticmethod
    def reply(*, allow: bool = True, code: int = 1, info: str = "refused") -> bytes:
        """The answer a callback expects: OK, or (before-callbacks) a refusal with ``code`` (not 0)."""
        if allow:
            return REPLY_OK
        return msgspec.json.encode({"ActionStatus": "FAIL", "ErrorInfo": info, "ErrorCode": code})


def _params(query: str | bytes | Mapping[str, str]) -> Mapping[str, str]:
    if isinstance(query, Mapping):
        return query
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    return dict(parse_qsl(text.lstrip("?"), keep_blank_values=True))
