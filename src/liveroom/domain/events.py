"""Room events: what the domain tells the rest of the system after a change has been committed.

One Struct per kind. The kind (``member_entered`` ...) is the Struct's tag, encoded as ``kind``, so one decoder of
``AnyRoomEvent`` reads any of them. Fields are snake_case and typed; the wire names of a client frame or a webhook
are made by the edge that speaks them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.store.interface import ConnectionLost, SeatRecord

log = logging.getLogger("liveroom.events")


class RoomEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """``operator`` caused it: the member, the REST caller, or "" (the server itself)."""

    sdkappid: int
    room_id: str
    operator: str
    # The members it is for; empty means everyone in the room.
    recipients: frozenset[str] = frozenset()


# members ------------------------------------------------------------------------------------------------


class MemberEntered(RoomEvent, frozen=True, tag="member_entered"):
    member_account: str
    member_count: int
    view_count: int


class MemberLeft(RoomEvent, frozen=True, tag="member_left"):
    """``reason``: left, disconnected, timeout, banned or kicked."""

    member_account: str
    member_count: int
    reason: str


class KickedOutOfRoom(RoomEvent, frozen=True, tag="kicked_out_of_room"):
    """To the member taken out of the room (``recipients``), who may enter again at once; ``reason``: by_admin
    (the owner, a room admin or the app backend)."""

    member_account: str
    reason: str


class MemberBanned(RoomEvent, frozen=True, tag="member_banned"):
    member_list_account: tuple[str, ...]
    banned_until: int
    reason: str


class MemberUnbanned(RoomEvent, frozen=True, tag="member_unbanned"):
    member_list_account: tuple[str, ...]


class MemberMuted(RoomEvent, frozen=True, tag="member_muted"):
    """``muted_until`` 0: unmuted."""

    member_list_account: tuple[str, ...]
    muted_until: int


class AdminsChanged(RoomEvent, frozen=True, tag="admins_changed"):
    op_type: str
    admin_account: tuple[str, ...]


class RobotsChanged(RoomEvent, frozen=True, tag="robots_changed"):
    op_type: str
    robot_list_account: tuple[str, ...]


# messages -----------------------------------------------------------------------------------------------


class TextMessage(RoomEvent, frozen=True, tag="text_message"):
    sender_account: str
    text_content: str
    extension_info: str


class CustomMessage(RoomEvent, frozen=True, tag="custom_message"):
    sender_account: str
    business_id: str
    data: str


class Liked(RoomEvent, frozen=True, tag="like"):
    """``count`` likes added (the likes a room received within a short window, ``sender_account`` the last of
    them); ``total_likes_received`` is the room's running total with them."""

    sender_account: str
    count: int
    total_likes_received: int


class GiftSent(RoomEvent, frozen=True, tag="gift"):
    """``count`` gifts ``gift_id`` of ``coins`` each; the totals are the room's with them, ``sequence`` this send's
    number in the room (1, 2, 3 ...: a member can order and deduplicate gifts by it)."""

    sender_account: str
    gift_id: str
    count: int
    receiver_list_account: tuple[str, ...]
    coins: int
    sequence: int
    total_gifts_sent: int
    total_gift_coins: int
    total_unique_gift_senders: int


# battles ------------------------------------------------------------------------------------------------


class BattleRoom(msgspec.Struct, frozen=True):
    """A room of a battle, its owner and its score."""

    room_id: str
    owner_account: str
    score: int


class BattleStarted(RoomEvent, frozen=True, tag="battle_started"):
    """A battle the room takes part in started: ``duration`` in ms, the times in Unix seconds (``end_time`` when it
    is to end). Sent to the members of every room in the battle, each event naming the room it is sent in."""

    battle_id: str
    duration: int
    create_time: int
    start_time: int
    end_time: int
    extension_info: str
    from_room_info: BattleRoom
    to_room_list: tuple[BattleRoom, ...]


class BattleEnded(RoomEvent, frozen=True, tag="battle_ended"):
    """A battle the room took part in ended, with every room's final score; ``reason`` is the EndBattle OpType: 0 its
    time was up, 1 every other room had left, 2 nobody joined."""

    battle_id: str
    duration: int
    create_time: int
    start_time: int
    end_time: int
    extension_info: str
    from_room_info: BattleRoom
    to_room_list: tuple[BattleRoom, ...]
    reason: int


class BattleUserExited(RoomEvent, frozen=True, tag="battle_user_exited"):
    """The owner of a room of a running battle took their room out of it (``battle_user``: the room, its owner and
    its score, which stays in the battle); the others go on."""

    battle_id: str
    battle_user: BattleRoom


class BattleScoreChanged(RoomEvent, frozen=True, tag="battle_score_changed"):
    """Scores of a running battle changed: every room's score now."""

    battle_id: str
    score_list: tuple[BattleRoom, ...]


# co-hosting ---------------------------------------------------------------------------------------------


class CoHost(msgspec.Struct, frozen=True):
    """A room taking part in co-hosting, and its owner (the host)."""

    room_id: str
    owner_account: str


class ConnectionUserListChanged(RoomEvent, frozen=True, tag="connection_user_list_changed"):
    """The rooms connected with this one changed: every room connected now (this one included; empty once it is
    connected to none), the rooms that joined and those that left. To every member of each linked room."""

    connected_list: tuple[CoHost, ...]
    joined_list: tuple[CoHost, ...]
    left_list: tuple[CoHost, ...]


class ConnectionRequestReceived(RoomEvent, frozen=True, tag="connection_request_received"):
    """To the invited room's owner: ``inviter`` asks to connect its room with this one (``invitee_list``: every room
    invited with it); it times out in ``timeout`` seconds."""

    inviter: CoHost
    invitee_list: tuple[CoHost, ...]
    extension_info: str
    timeout: int


class ConnectionRequestCancelled(RoomEvent, frozen=True, tag="connection_request_cancelled"):
    """To the invited room's owner: the inviter took the request back (or the inviter's room is gone)."""

    inviter: CoHost


class ConnectionRequestAccepted(RoomEvent, frozen=True, tag="connection_request_accepted"):
    """To the inviter: ``invitee`` accepted, and its room is now connected."""

    invitee: CoHost


class ConnectionRequestRejected(RoomEvent, frozen=True, tag="connection_request_rejected"):
    """To the inviter: ``invitee`` rejected (or its room is gone)."""

    invitee: CoHost


class ConnectionRequestTimeout(RoomEvent, frozen=True, tag="connection_request_timeout"):
    """To the inviter and to the invited room's owner: nobody answered in time."""

    inviter: CoHost
    invitee: CoHost


class BattleRequestReceived(RoomEvent, frozen=True, tag="battle_request_received"):
    """To an invited room's owner: ``inviter`` asks for battle ``battle_id`` (``duration`` ms) among
    ``invitee_list``; it times out in ``timeout`` seconds."""

    battle_id: str
    inviter: CoHost
    invitee_list: tuple[CoHost, ...]
    duration: int
    extension_info: str
    timeout: int


class BattleRequestCancelled(RoomEvent, frozen=True, tag="battle_request_cancelled"):
    """To the invited rooms' owners: the inviter took the battle request back."""

    battle_id: str
    inviter: CoHost


class BattleRequestAccepted(RoomEvent, frozen=True, tag="battle_request_accepted"):
    """To the inviter: ``invitee`` accepted the battle request."""

    battle_id: str
    invitee: CoHost


class BattleRequestRejected(RoomEvent, frozen=True, tag="battle_request_rejected"):
    """To the inviter: ``invitee`` rejected the battle request."""

    battle_id: str
    invitee: CoHost


class BattleRequestTimeout(RoomEvent, frozen=True, tag="battle_request_timeout"):
    """To the inviter and to the invited room's owner: the room did not answer in time."""

    battle_id: str
    inviter: CoHost
    invitee: CoHost


# seats --------------------------------------------------------------------------------------------------


class SeatListChanged(RoomEvent, frozen=True, tag="seat_list_changed"):
    """Every seat of the room, free ones included."""

    seat_list: tuple[SeatRecord, ...]


class PickedOnSeat(RoomEvent, frozen=True, tag="picked_on_seat"):
    member_account: str
    index: int


class KickedOffSeat(RoomEvent, frozen=True, tag="kicked_off_seat"):
    member_account: str
    index: int
    data: str


class MicrophoneChanged(RoomEvent, frozen=True, tag="microphone_changed"):
    """The owner or an admin closed (``is_open`` False) or opened the microphone of the guest on seat ``index``."""

    member_account: str
    index: int
    is_open: bool


class SeatApplication(RoomEvent, frozen=True, tag="seat_application"):
    member_account: str
    index: int


class SeatApplicationResult(RoomEvent, frozen=True, tag="seat_application_result"):
    """``result``: approved, rejected, failed or timeout."""

    member_account: str
    index: int
    result: str


class SeatInvitation(RoomEvent, frozen=True, tag="seat_invitation"):
    """The owner or an admin (``operator``) invites ``member_account`` to seat ``index``; it ends within ``timeout``
    seconds. To the invitee, the owner and the admins."""

    member_account: str
    index: int
    timeout: int


class SeatInvitationResult(RoomEvent, frozen=True, tag="seat_invitation_result"):
    """``result``: accepted (now seated), declined, cancelled, timeout or failed (the seat was no longer free)."""

    member_account: str
    index: int
    result: str


# the room -----------------------------------------------------------------------------------------------


class RoomInfoChanged(RoomEvent, frozen=True, tag="room_info_changed"):
    """The fields given to update_room_info, or the new owner; the others are UNSET."""

    room_name: str | UnsetType = UNSET
    max_member_count: int | UnsetType = UNSET
    is_message_disabled: bool | UnsetType = UNSET
    cover_url: str | UnsetType = UNSET
    category: tuple[int, ...] | UnsetType = UNSET
    activity_status: int | UnsetType = UNSET
    is_public_visible: bool | UnsetType = UNSET
    take_seat_mode: str | UnsetType = UNSET
    notice: str | UnsetType = UNSET
    is_unlimited_room_enabled: bool | UnsetType = UNSET
    owner_account: str | UnsetType = UNSET


class MetadataItem(msgspec.Struct, frozen=True):
    key: str
    value: str


class MetadataChanged(RoomEvent, frozen=True, tag="metadata_changed"):
    """The pairs set."""

    metadata: tuple[MetadataItem, ...]


class MetadataDeleted(RoomEvent, frozen=True, tag="metadata_deleted"):
    keys: tuple[str, ...]


class RoomDismissed(RoomEvent, frozen=True, tag="room_dismissed"):
    """``reason`` is "empty" when the room was dismissed automatically, UNSET after destroy_room."""

    reason: str | UnsetType = UNSET


AnyRoomEvent = (
    MemberEntered
    | MemberLeft
    | KickedOutOfRoom
    | MemberBanned
    | MemberUnbanned
    | MemberMuted
    | AdminsChanged
    | RobotsChanged
    | TextMessage
    | CustomMessage
    | Liked
    | GiftSent
    | BattleStarted
    | BattleEnded
    | BattleScoreChanged
    | BattleUserExited
    | ConnectionUserListChanged
    | ConnectionRequestReceived
    | ConnectionRequestCancelled
    | ConnectionRequestAccepted
    | ConnectionRequestRejected
    | ConnectionRequestTimeout
    | BattleRequestReceived
    | BattleRequestCancelled
    | BattleRequestAccepted
    | BattleRequestRejected
    | BattleRequestTimeout
    | SeatListChanged
    | PickedOnSeat
    | KickedOffSeat
    | MicrophoneChanged
    | SeatApplication
    | SeatApplicationResult
    | SeatInvitation
    | SeatInvitationResult
    | RoomInfoChanged
    | MetadataChanged
    | MetadataDeleted
    | RoomDismissed
)

Subscriber = Callable[[AnyRoomEvent], Awaitable[None]]


class EventBus:
    """In-process fan-out; the realtime gateway and the webhook outbox subscribe. With many nodes a relay carries
    what is published here to the other nodes, which ``deliver`` it to their own subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._relay: Subscriber | None = None

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def relay_to(self, relay: Subscriber) -> None:
        self._relay = relay

    async def publish(self, event: AnyRoomEvent) -> None:
        """An event of this process: its subscribers first, then the other nodes."""
        await self.deliver(event)
        if self._relay is not None:
            await self._relay(event)

    async def deliver(self, event: AnyRoomEvent) -> None:
        """To the subscribers of this process only (an event another node published). The change it reports is
        committed: a subscriber that fails is logged, and neither stops the others nor fails the change."""
        for subscriber in self._subscribers:
            try:
                await subscriber(event)
            except ConnectionLost as lost:
                log.warning("handing a %s event of room %r on failed (%s)", type(event).__name__, event.room_id, lost)
            except Exception:
                log.exception("handing a %s event of room %r on failed", type(event).__name__, event.room_id)
