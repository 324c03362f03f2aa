"""After-callbacks: the catalogue of CallbackCommands, the typed facts each one is made from, and ``record``.

A change that an app backend hears of records one fact in the outbox, in the transaction of the change, when the
app's callback configuration asks for its command (decisions.md section 8). The facts are typed values: the
callback payload, with Tencent's field names, is made from them by the webhook sender when it delivers.

The realtime events (``domain.events``) serve as facts where they carry what the payload needs; the facts defined
here carry what no event does (a room as created or as it was when dismissed, the old owner, members going online
or offline with the cause, a message's sequence number).
"""

from __future__ import annotations

import msgspec

from liveroom.domain.context import Caller, Services
from liveroom.domain.events import (
    AdminsChanged,
    BattleEnded,
    BattleStarted,
    MetadataChanged,
    MetadataDeleted,
    RoomEvent,
    RoomInfoChanged,
    SeatListChanged,
)
from liveroom.store.interface import RoomRecord, Transaction
from liveroom.store.records import NewWebhookEvent

# The catalogue (tencent-live-api.md sections 3.3 and 8.2): the names CallbackCommandList accepts.
CREATE_ROOM = "Live.CallbackAfterCreateRoom"
DESTROY_ROOM = "Live.CallbackAfterDestroyRoom"
UPDATE_ROOM_INFO = "Live.CallbackAfterUpdateRoomInfo"
MEMBER_STATE_CHANGED = "Live.CallbackAfterMemberStateChanged"
SET_METADATA = "Live.CallbackAfterSetMetadata"
DEL_METADATA = "Live.CallbackAfterDelMetadata"
MODIFY_ADMIN = "Live.CallbackAfterModifyAdmin"
CHANGE_OWNER = "Live.CallbackAfterChangeOwner"
SEAT_INFO_CHANGED = "Mic.CallbackAfterSeatInfoChanged"
AFTER_SEND_MSG = "Group.CallbackAfterSendMsg"
BEFORE_SEND_MSG = "Group.CallbackBeforeSendMsg"
BEFORE_SEND_GIFT = "Live.CallbackBeforeSendGift"
CREATE_BATTLE = "Live.CallbackAfterCreateBattle"
START_BATTLE = "Live.CallbackAfterStartBattle"
END_BATTLE = "Live.CallbackAfterEndBattle"
CATALOGUE = frozenset(
    {
        CREATE_ROOM,
        DESTROY_ROOM,
        UPDATE_ROOM_INFO,
        MEMBER_STATE_CHANGED,
        SET_METADATA,
        DEL_METADATA,
        MODIFY_ADMIN,
        CHANGE_OWNER,
        SEAT_INFO_CHANGED,
        AFTER_SEND_MSG,
        BEFORE_SEND_MSG,
        BEFORE_SEND_GIFT,
        CREATE_BATTLE,
        START_BATTLE,
        END_BATTLE,
        # Accepted in a configuration; sent once liveroom serves its cause (a room quota).
        "Live.CallbackAfterCreateRoomReachingThreshold",
    }
)

# An event not delivered within this long after its change (or its redelivery) is dead.
RETRY_WINDOW_MS = 24 * 3600 * 1000

# Live.CallbackAfterMemberStateChanged: EventType and EventCause.
ONLINE, OFFLINE = "Online", "Offline"
ENTER, LEAVE, HEARTBEAT_INTERRUPT, KICKED, BANNED, ROOM_DISMISSED = (
    "Enter",
    "Leave",
    "HeartbeatInterrupt",
    "Kicked",
    "Banned",
    "RoomDismissed",
)
# How a member left (the reason of ``events.MemberLeft``) as an EventCause.
LEAVE_CAUSES = {
    "left": LEAVE,
    "disconnected": HEARTBEAT_INTERRUPT,
    "timeout": HEARTBEAT_INTERRUPT,
    "banned": BANNED,
    "kicked": KICKED,
}


class Fact(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """What only an app backend hears of (never a realtime event); tagged like the events, so that one union holds
    both. ``operator`` caused it: the member, the REST caller, or "" (the server itself)."""

    sdkappid: int
    room_id: str
    operator: str


class RoomCreated(Fact, frozen=True, tag="room_created"):
    room: RoomRecord


class RoomDestroyed(Fact, frozen=True, tag="room_destroyed"):
    """The room as it was; ``by_system`` for auto-dismissal (DestroyBySystem), else DestroyByUser."""

    room: RoomRecord
    by_system: bool


class OwnerChanged(Fact, frozen=True, tag="owner_changed"):
    original_owner: str
    current_owner: str


class MembersChanged(Fact, frozen=True, tag="members_changed"):
    """Members went ``online`` (else offline) for ``cause`` (an EventCause)."""

    online: bool
    cause: str
    members: tuple[str, ...]


class MessageSent(Fact, frozen=True, tag="message_sent"):
    """A room message: ``msg_type`` text (``text`` its content, ``extension`` its ExtensionInfo) or custom (``text`` its
    Data, ``extension`` its BusinessId); ``msg_seq`` its number in the room, ``msg_time`` Unix seconds."""

    sender: str
    msg_type: str
    text: str
    extension: str
    msg_seq: int
    random: int
    msg_time: int


class BattleCreated(Fact, frozen=True, tag="battle_created"):
    """A battle was created (``room_id`` its initiator's room): the rooms that joined it; ``timeout`` (ms) and
    ``need_response`` as requested (0 and false when the app's backend created it)."""

    battle_id: str
    to_room_id_list: tuple[str, ...]
    timeout: int
    duration: int
    need_response: bool
    extension_info: str


AnyFact = (
    RoomCreated
    | RoomDestroyed
    | RoomInfoChanged
    | OwnerChanged
    | MembersChanged
    | MetadataChanged
    | MetadataDeleted
    | AdminsChanged
    | SeatListChanged
    | MessageSent
    | BattleCreated
    | BattleStarted
    | BattleEnded
)

COMMAND_OF: dict[type[RoomEvent | Fact], str] = {
    RoomCreated: CREATE_ROOM,
    RoomDestroyed: DESTROY_ROOM,
    RoomInfoChanged: UPDATE_ROOM_INFO,
    OwnerChanged: CHANGE_OWNER,
    MembersChanged: MEMBER_STATE_CHANGED,
    MetadataChanged: SET_METADATA,
    MetadataDeleted: DEL_METADATA,
    AdminsChanged: MODIFY_ADMIN,
    SeatListChanged: SEAT_INFO_CHANGED,
    MessageSent: AFTER_SEND_MSG,
    BattleCreated: CREATE_BATTLE,
    BattleStarted: START_BATTLE,
    BattleEnded: END_BATTLE,
}

_encode = msgspec.msgpack.Encoder().encode
_decoder = msgspec.msgpack.Decoder(AnyFact)


def wanted(caller: Caller, command: str) -> bool:
    """Whether the caller's app wants events of ``command`` (the domain asks before it builds a costly fact)."""
    config = caller.app.callbacks
    return config is not None and config.wants(command)


def records(caller: Caller, fact: type[AnyFact]) -> bool:
    """Whether ``record`` writes facts of this kind for the caller's app (a write that records none may be a single
    statement: ``store.insert_room``, ``store.update_room``)."""
    return wanted(caller, COMMAND_OF[fact])


async def record(svc: Services, tx: Transaction, caller: Caller, fact: AnyFact) -> None:
    """Put ``fact`` in the outbox, in ``tx``, when the caller's app wants its command; nothing otherwise."""
    command = COMMAND_OF[type(fact)]
    if not wanted(caller, command):
        return
    now = int(svc.clock() * 1000)
    event = NewWebhookEvent(
        sdkappid=caller.sdkappid,
        room_id=fact.room_id,
        command=command,
        fact=_encode(fact),
        event_time=now,
        client_ip=caller.client_ip,
        platform=caller.platform,
    )
    await tx.add_webhook_event(event, now + RETRY_WINDOW_MS)


def decode_fact(raw: bytes) -> AnyFact:
    fact: AnyFact = _decoder.decode(raw)
    return fact
