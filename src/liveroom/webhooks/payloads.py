"""Callback bodies: the JSON of each CallbackCommand, with Tencent's field names, made from a typed fact.

Field sets are the catalogue's (tencent-live-api.md sections 3.3 and 8.2). Where liveroom keeps no such value the
field carries its empty value (``CustomInfo``, ``BackgroundURL``). Every body carries ``CallbackCommand`` and
``EventTime`` (Unix milliseconds of the change).
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from liveroom.domain.callbacks import (
    AnyFact,
    BattleCreated,
    MembersChanged,
    MessageSent,
    OwnerChanged,
    RoomCreated,
    RoomDestroyed,
)
from liveroom.domain.events import (
    AdminsChanged,
    BattleEnded,
    BattleRoom,
    BattleStarted,
    MetadataChanged,
    MetadataDeleted,
    RoomInfoChanged,
    SeatListChanged,
)
from liveroom.domain.hooks import GiftToSend, MessageToSend

Body = dict[str, Any]
_encode = msgspec.json.Encoder().encode

# RoomInfoChanged's fields by their wire names, in the order a body lists them.
_ROOM_CHANGES = (
    ("room_name", "RoomName"),
    ("max_member_count", "MaxMemberCount"),
    ("is_message_disabled", "IsMessageDisabled"),
    ("cover_url", "CoverURL"),
    ("category", "Category"),
    ("activity_status", "ActivityStatus"),
    ("is_public_visible", "IsPublicVisible"),
    ("take_seat_mode", "TakeSeatMode"),
    ("notice", "Notice"),
    ("is_unlimited_room_enabled", "IsUnlimitedRoomEnabled"),
    ("owner_account", "Owner_Account"),
)


def _created(fact: RoomCreated) -> Body:
    room = fact.room
    return {
        "Operator_Account": fact.operator,
        "RoomInfo": {
            "RoomId": room.room_id,
            "RoomName": room.room_name,
            "RoomType": room.room_type,
            "Owner_Account": room.owner_account,
            "MaxMemberCount": room.max_member_count,
            "IsMessageDisabled": room.is_message_disabled,
            "CustomInfo": "",
            "IsSeatEnabled": room.is_seat_enabled,
            "TakeSeatMode": room.take_seat_mode,
            "MaxSeatCount": room.max_seat_count,
            "CreateTime": room.create_time,
            "IsPublicVisible": room.is_public_visible,
            "CoverURL": room.cover_url,
            "Category": list(room.category),
        },
    }


def _destroyed(fact: RoomDestroyed) -> Body:
    room = fact.room
    return {
        "Operator_Account": fact.operator,
        "RoomId": fact.room_id,
        "EventType": "DestroyBySystem" if fact.by_system else "DestroyByUser",
        "RoomInfo": {
            "RoomName": room.room_name,
            "RoomType": room.room_type,
            "Owner_Account": room.owner_account,
            "IsSeatEnabled": room.is_seat_enabled,
            "TakeSeatMode": room.take_seat_mode,
            "MaxMemberCount": room.max_member_count,
            "MaxSeatCount": room.max_seat_count,
            "Category": list(room.category),
            "CustomInfo": "",
            "IsMessageDisabled": room.is_message_disabled,
            "CoverURL": room.cover_url,
            "ActivityStatus": room.activity_status,
            "IsPublicVisible": room.is_public_visible,
            "ViewCount": room.view_count,
            "BackgroundURL": "",
            "IsUnlimitedRoomEnabled": room.is_unlimited_room_enabled,
        },
        "Statistic": {
            "TotalViewers": room.view_count,
            "TotalGiftsSent": room.total_gifts_sent,
            "TotalGiftCoins": room.total_gift_coins,
            "TotalUniqueGiftSenders": room.total_unique_gift_senders,
            "TotalLikesReceived": room.total_likes_received,
        },
    }


def _updated(fact: RoomInfoChanged) -> Body:
    info: Body = {"RoomId": fact.room_id}
    for name, wire in _ROOM_CHANGES:
        value = getattr(fact, name)
        if value is not UNSET:
            info[wire] = list(value) if isinstance(value, tuple) else value
    return {"Operator_Account": fact.operator, "RoomInfo": info}


def _message_body(msg_type: str, text: str, extension: str) -> tuple[list[Body], str]:
    """MsgBody and CloudCustomData: a text's ExtensionInfo is its CloudCustomData; a custom message's BusinessId
    goes in its element's Ext."""
    if msg_type == "text":
        return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}], extension
    return [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": text, "Desc": "", "Ext": extension}}], ""


def _message(fact: MessageSent) -> Body:
    msg_body, custom_data = _message_body(fact.msg_type, fact.text, fact.extension)
    return {
        "GroupId": fact.room_id,
        "Type": "Live",
        "From_Account": fact.sender,
        "Operator_Account": fact.operator,
        "Random": fact.random,
        "MsgSeq": fact.msg_seq,
        "MsgId": f"{fact.msg_seq}-{fact.msg_time}-{fact.random}",
        "MsgTime": fact.msg_time,
        "OnlineOnlyFlag": 0,
        "MsgBody": msg_body,
        "CloudCustomData": custom_data,
    }


def _seat(seat: Any) -> Body:
    wire: Body = {"Index": seat.index}
    if seat.member_account is not None:
        wire["Member_Account"] = seat.member_account
    wire["IsTakenDisabled"] = seat.is_taken_disabled
    wire["IsVideoDisabled"] = seat.is_video_disabled
    wire["IsAudioDisabled"] = seat.is_audio_disabled
    return wire


def _battle_room(room: BattleRoom, *, score: bool) -> Body:
    wire: Body = {"RoomId": room.room_id}
    if score:
        wire["Score"] = room.score
    wire["Owner_Account"] = room.owner_account
    return wire


def _battle(fact: BattleStarted | BattleEnded) -> Body:
    """StartBattle's fields, and EndBattle's (with EndTime, OpType and the scores)."""
    ended = isinstance(fact, BattleEnded)
    body: Body = {
        "BattleId": fact.battle_id,
        "Duration": fact.duration,
        "CreateTime": fact.create_time,
        "StartTime": fact.start_time,
    }
    if isinstance(fact, BattleEnded):
        body["EndTime"] = fact.end_time
        body["OpType"] = fact.reason
    body["FromRoomInfo"] = _battle_room(fact.from_room_info, score=ended)
    body["ToRoomList"] = [_battle_room(room, score=ended) for room in fact.to_room_list]
    return body


def fields_of(fact: AnyFact) -> Body:
    """The command's own fields (without CallbackCommand and EventTime)."""
    match fact:
        case RoomCreated():
            return _created(fact)
        case RoomDestroyed():
            return _destroyed(fact)
        case RoomInfoChanged():
            return _updated(fact)
        case MembersChanged():
            return {
                "RoomId": fact.room_id,
                "EventType": "Online" if fact.online else "Offline",
                "EventCause": fact.cause,
                "MemberList": [{"Member_Account": m} for m in fact.members],
            }
        case MetadataChanged():
            return {
                "Operator_Account": fact.operator,
                "RoomId": fact.room_id,
                "Metadata": [{"Key": item.key, "Value": item.value} for item in fact.metadata],
            }
        case MetadataDeleted():
            return {"Operator_Account": fact.operator, "RoomId": fact.room_id, "Keys": list(fact.keys)}
        case AdminsChanged():
            return {
                "RoomId": fact.room_id,
                "Operator_Account": fact.operator,
                "Admin_Account": list(fact.admin_account),
                "opType": fact.op_type,
            }
        case OwnerChanged():
            return {
                "RoomId": fact.room_id,
                "Operator_Account": fact.operator,
                "CurrentOwner_Account": fact.current_owner,
                "OriginalOwner_Account": fact.original_owner,
            }
        case SeatListChanged():
            return {
                "RoomId": fact.room_id,
                "Operator_Account": fact.operator,
                "SeatList": [_seat(seat) for seat in fact.seat_list],
            }
        case MessageSent():
            return _message(fact)
        case BattleCreated():
            return {
                "Operator_Account": fact.operator,
                "BattleId": fact.battle_id,
                "FromRoomId": fact.room_id,
                "ToRoomIdList": list(fact.to_room_id_list),
                "Timeout": fact.timeout,
                "Duration": fact.duration,
                "NeedResponse": fact.need_response,
                "ExtensionInfo": fact.extension_info,
            }
        case BattleStarted() | BattleEnded():
            return _battle(fact)
    raise TypeError(f"no callback for {type(fact).__name__}")  # pragma: no cover - the union is exhausted


def body(command: str, event_time: int, fields: Body) -> bytes:
    return _encode({"CallbackCommand": command, "EventTime": event_time, **fields})


def before_message(message: MessageToSend) -> Body:
    """Group.CallbackBeforeSendMsg's fields: the message as it would be sent."""
    msg_body, custom_data = _message_body(message.kind, message.text, message.extension)
    return {
        "GroupId": message.room_id,
        "Type": "Live",
        "From_Account": message.sender,
        "Operator_Account": message.operator,
        "Random": message.random,
        "MsgTime": message.time,
        "OnlineOnlyFlag": 0,
        "MsgBody": msg_body,
        "CloudCustomData": custom_data,
    }


def before_gift(gift: GiftToSend) -> Body:
    """Live.CallbackBeforeSendGift's fields (``Coins`` is the unit price)."""
    return {
        "Operator_Account": gift.operator,
        "RoomId": gift.room_id,
        "GiftWater": {
            "From_Account": gift.sender,
            "To_Account": list(gift.receivers),
            "Time": gift.time,
            "GiftId": gift.gift_id,
            "Count": gift.count,
            "Coins": gift.coins,
        },
    }
