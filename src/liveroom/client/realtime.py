"""``RealtimeClient``: an end user on liveroom's realtime gateway (``/realtime``, docs/realtime.md).

::

    from liveroom.client import RealtimeClient
    from liveroom.client.realtime import TextMessage

    async with RealtimeClient("http://127.0.0.1:8080", sdkappid=1400000000, identifier="alice", secret_key=KEY) as rt:
        entered = await rt.enter("party")
        await rt.send_text("party", "hello")
        async for event in rt.events():
            if isinstance(event, TextMessage):
                print(event.sender_account, event.text_content)

The client authenticates with the user's own UserSig (minted from ``secret_key``, or given as ``usersig``), sends
the heartbeats the gateway asks for in the background, and answers each request when the server has: a refusal
raises the SDK's exception for its code (``liveroom.client.errors``) with the gateway's ``reason`` word. Events
come out of ``events()`` in the order the server sent them; the ones of a room stay in the room's order.

Opening the connection can fail with ``OSError`` or an exception of the ``websockets`` package (wrong URL,
refused, not a WebSocket endpoint); once open, its end raises ``ConnectionClosedError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit, urlunsplit

import msgspec
from msgspec import field
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from liveroom import usersig as usersigs
from liveroom.client._core import USER_AGENT
from liveroom.client._generated import ListedMember, Pair, RoomInfo, Seat
from liveroom.client._models import Model
from liveroom.client.errors import ConnectionClosedError, LiveroomError, error_for

__all__ = [
    "AdminsChanged",
    "BattleEnded",
    "BattleOffer",
    "BattleRequestAccepted",
    "BattleRequestCancelled",
    "BattleRequestReceived",
    "BattleRequestRejected",
    "BattleRequestTimeout",
    "BattleRoom",
    "BattleScoreChanged",
    "BattleStarted",
    "BattleUserExited",
    "CoHost",
    "ConnectionRequestAccepted",
    "ConnectionRequestCancelled",
    "ConnectionRequestReceived",
    "ConnectionRequestRejected",
    "ConnectionRequestTimeout",
    "ConnectionUserListChanged",
    "CustomMessage",
    "Entered",
    "GiftSent",
    "KickedOffSeat",
    "KickedOutOfRoom",
    "Liked",
    "MemberBanned",
    "MemberEntered",
    "MemberLeft",
    "MemberMuted",
    "MemberPage",
    "MemberUnbanned",
    "MetadataChanged",
    "MetadataDeleted",
    "MicrophoneChanged",
    "PickedOnSeat",
    "RealtimeClient",
    "RequestResult",
    "RobotsChanged",
    "RoomDismissed",
    "RoomEvent",
    "RoomInfoChanged",
    "SeatApplication",
    "SeatApplicationResult",
    "SeatInvitation",
    "SeatInvitationResult",
    "SeatListChanged",
    "TextMessage",
]

log = logging.getLogger("liveroom.client")

DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_MAX_EVENTS = 10_000
PATH = "/realtime"


# events ---------------------------------------------------------------------------------------------------------


class RoomEvent(Model, kw_only=True):
    """An event of a room the connection is in. Subclasses add the fields of their kind; an event this SDK does
    not know yet arrives as a plain ``RoomEvent``. ``data`` always holds the event's fields by wire name."""

    KIND: ClassVar[str] = ""
    kind: str = field(name="event", default="")
    room_id: str = field(name="RoomId", default="")
    operator_account: str = field(name="Operator_Account", default="")
    data: dict[str, Any] = field(name="data", default_factory=dict)


class MemberEntered(RoomEvent, kw_only=True):
    KIND = "member_entered"
    member_account: str = field(name="Member_Account", default="")
    member_count: int = field(name="MemberCount", default=0)
    view_count: int = field(name="ViewCount", default=0)


class MemberLeft(RoomEvent, kw_only=True):
    """``reason``: ``left``, ``disconnected``, ``timeout``, ``banned`` or ``kicked``."""

    KIND = "member_left"
    member_account: str = field(name="Member_Account", default="")
    member_count: int = field(name="MemberCount", default=0)
    reason: str = field(name="Reason", default="")


class TextMessage(RoomEvent, kw_only=True):
    KIND = "text_message"
    sender_account: str = field(name="Sender_Account", default="")
    text_content: str = field(name="TextContent", default="")
    extension_info: str = field(name="ExtensionInfo", default="")


class CustomMessage(RoomEvent, kw_only=True):
    KIND = "custom_message"
    sender_account: str = field(name="Sender_Account", default="")
    business_id: str = field(name="BusinessId", default="")
    payload: str = field(name="Data", default="")


class Liked(RoomEvent, kw_only=True):
    """``count`` likes added (the room's likes of a short window together, ``sender_account`` the last to like);
    ``total_likes_received`` is the room's running total with them."""

    KIND = "like"
    sender_account: str = field(name="Sender_Account", default="")
    count: int = field(name="Count", default=0)
    total_likes_received: int = field(name="TotalLikesReceived", default=0)


class GiftSent(RoomEvent, kw_only=True):
    """``count`` gifts ``gift_id`` (``coins`` each) from ``sender_account``; ``sequence`` numbers the room's gifts
    (1, 2, 3 ...) and the totals are the room's with this one."""

    KIND = "gift"
    sender_account: str = field(name="Sender_Account", default="")
    gift_id: str = field(name="GiftId", default="")
    count: int = field(name="Count", default=0)
    receiver_list_account: list[str] = field(name="ReceiverList_Account", default_factory=list)
    coins: int = field(name="Coins", default=0)
    sequence: int = field(name="Sequence", default=0)
    total_gifts_sent: int = field(name="TotalGiftsSent", default=0)
    total_gift_coins: int = field(name="TotalGiftCoins", default=0)
    total_unique_gift_senders: int = field(name="TotalUniqueGiftSenders", default=0)


class BattleRoom(Model, kw_only=True):
    """A room of a battle: its owner and its score."""

    room_id: str = field(name="RoomId", default="")
    owner_account: str = field(name="Owner_Account", default="")
    score: int = field(name="Score", default=0)


class BattleStarted(RoomEvent, kw_only=True):
    """A battle the room takes part in started; ``duration`` in ms, the times in Unix seconds."""

    KIND = "battle_started"
    battle_id: str = field(name="BattleId", default="")
    duration: int = field(name="Duration", default=0)
    create_time: int = field(name="CreateTime", default=0)
    start_time: int = field(name="StartTime", default=0)
    end_time: int = field(name="EndTime", default=0)
    extension_info: str = field(name="ExtensionInfo", default="")
    from_room_info: BattleRoom = field(name="FromRoomInfo", default_factory=BattleRoom)
    to_room_list: list[BattleRoom] = field(name="ToRoomList", default_factory=list)


class BattleEnded(BattleStarted, kw_only=True):
    """The battle ended with these final scores; ``reason`` 0 its time was up, 1 every other room left, 2 nobody
    joined."""

    KIND = "battle_ended"
    reason: int = field(name="Reason", default=0)


class BattleScoreChanged(RoomEvent, kw_only=True):
    """Every room's score in the battle now."""

    KIND = "battle_score_changed"
    battle_id: str = field(name="BattleId", default="")
    score_list: list[BattleRoom] = field(name="ScoreList", default_factory=list)


class BattleUserExited(RoomEvent, kw_only=True):
    """A room's owner took the room out of the battle (its score stays); the others go on."""

    KIND = "battle_user_exited"
    battle_id: str = field(name="BattleId", default="")
    battle_user: BattleRoom = field(name="BattleUser", default_factory=BattleRoom)


class CoHost(Model, kw_only=True):
    """A room taking part in co-hosting and its owner (the host)."""

    room_id: str = field(name="RoomId", default="")
    owner_account: str = field(name="Owner_Account", default="")


class ConnectionUserListChanged(RoomEvent, kw_only=True):
    """The rooms connected with this one changed (to every member of each linked room): every room connected now,
    this one included (empty once it is connected to none), those that joined and those that left."""

    KIND = "connection_user_list_changed"
    connected_list: list[CoHost] = field(name="ConnectedList", default_factory=list)
    joined_list: list[CoHost] = field(name="JoinedList", default_factory=list)
    left_list: list[CoHost] = field(name="LeftList", default_factory=list)


class ConnectionRequestReceived(RoomEvent, kw_only=True):
    """To the invited room's owner: answer with ``accept_connection`` or ``reject_connection`` within
    ``timeout`` seconds."""

    KIND = "connection_request_received"
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)
    invitee_list: list[CoHost] = field(name="InviteeList", default_factory=list)
    extension_info: str = field(name="ExtensionInfo", default="")
    timeout: int = field(name="Timeout", default=0)


class ConnectionRequestCancelled(RoomEvent, kw_only=True):
    """To the invited room's owner: the inviter took the request back (or its room is gone)."""

    KIND = "connection_request_cancelled"
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)


class ConnectionRequestAccepted(RoomEvent, kw_only=True):
    """To the inviter: ``invitee``'s room is connected now."""

    KIND = "connection_request_accepted"
    invitee: CoHost = field(name="Invitee", default_factory=CoHost)


class ConnectionRequestRejected(RoomEvent, kw_only=True):
    """To the inviter: ``invitee`` rejected (or its room is gone)."""

    KIND = "connection_request_rejected"
    invitee: CoHost = field(name="Invitee", default_factory=CoHost)


class ConnectionRequestTimeout(RoomEvent, kw_only=True):
    """To the inviter and to the invited room's owner: nobody answered in time."""

    KIND = "connection_request_timeout"
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)
    invitee: CoHost = field(name="Invitee", default_factory=CoHost)


class BattleRequestReceived(RoomEvent, kw_only=True):
    """To an invited room's owner: answer with ``accept_battle`` or ``reject_battle`` within ``timeout`` seconds;
    ``duration`` in ms."""

    KIND = "battle_request_received"
    battle_id: str = field(name="BattleId", default="")
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)
    invitee_list: list[CoHost] = field(name="InviteeList", default_factory=list)
    duration: int = field(name="Duration", default=0)
    extension_info: str = field(name="ExtensionInfo", default="")
    timeout: int = field(name="Timeout", default=0)


class BattleRequestCancelled(RoomEvent, kw_only=True):
    KIND = "battle_request_cancelled"
    battle_id: str = field(name="BattleId", default="")
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)


class BattleRequestAccepted(RoomEvent, kw_only=True):
    KIND = "battle_request_accepted"
    battle_id: str = field(name="BattleId", default="")
    invitee: CoHost = field(name="Invitee", default_factory=CoHost)


class BattleRequestRejected(RoomEvent, kw_only=True):
    KIND = "battle_request_rejected"
    battle_id: str = field(name="BattleId", default="")
    invitee: CoHost = field(name="Invitee", default_factory=CoHost)


class BattleRequestTimeout(RoomEvent, kw_only=True):
    """To the inviter and to the invited room's owner: the room did not answer in time."""

    KIND = "battle_request_timeout"
    battle_id: str = field(name="BattleId", default="")
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)
    invitee: CoHost = field(name="Invitee", default_factory=CoHost)


class SeatListChanged(RoomEvent, kw_only=True):
    KIND = "seat_list_changed"
    seat_list: list[Seat] = field(name="SeatList", default_factory=list)


class PickedOnSeat(RoomEvent, kw_only=True):
    KIND = "picked_on_seat"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)


class KickedOffSeat(RoomEvent, kw_only=True):
    KIND = "kicked_off_seat"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)
    payload: str = field(name="Data", default="")


class MicrophoneChanged(RoomEvent, kw_only=True):
    """The owner or an admin closed (``is_open`` False) or opened the microphone of the guest on seat ``index``;
    the guest's app acts on it."""

    KIND = "microphone_changed"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)
    is_open: bool = field(name="IsOpen", default=False)


class SeatApplication(RoomEvent, kw_only=True):
    """Only the owner and admins get it; answer with ``answer_seat``."""

    KIND = "seat_application"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)


class SeatApplicationResult(RoomEvent, kw_only=True):
    """``result``: ``approved``, ``rejected``, ``failed`` or ``timeout``."""

    KIND = "seat_application_result"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)
    result: str = field(name="Result", default="")


class KickedOutOfRoom(RoomEvent, kw_only=True):
    """Only to the member kicked (by the owner, an admin or the app backend); the connection is out of the room,
    and may ``enter`` again at once (a kick is not a ban). ``reason``: ``by_admin``."""

    KIND = "kicked_out_of_room"
    member_account: str = field(name="Member_Account", default="")
    reason: str = field(name="Reason", default="")


class SeatInvitation(RoomEvent, kw_only=True):
    """The owner or an admin (``operator_account``) invites ``member_account`` to seat ``index``: the invitee
    answers with ``answer_invitation`` within ``timeout`` seconds. To the invitee, the owner and the admins."""

    KIND = "seat_invitation"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)
    timeout: int = field(name="Timeout", default=0)


class SeatInvitationResult(RoomEvent, kw_only=True):
    """``result``: ``accepted``, ``declined``, ``cancelled``, ``timeout`` or ``failed``."""

    KIND = "seat_invitation_result"
    member_account: str = field(name="Member_Account", default="")
    index: int = field(name="Index", default=0)
    result: str = field(name="Result", default="")


class MemberBanned(RoomEvent, kw_only=True):
    KIND = "member_banned"
    member_list_account: list[str] = field(name="MemberList_Account", default_factory=list)
    banned_until: int = field(name="BannedUntil", default=0)
    reason: str = field(name="Reason", default="")


class MemberUnbanned(RoomEvent, kw_only=True):
    KIND = "member_unbanned"
    member_list_account: list[str] = field(name="MemberList_Account", default_factory=list)


class MemberMuted(RoomEvent, kw_only=True):
    """``muted_until`` is a Unix time; 0 means unmuted."""

    KIND = "member_muted"
    member_list_account: list[str] = field(name="MemberList_Account", default_factory=list)
    muted_until: int = field(name="MutedUntil", default=0)


class AdminsChanged(RoomEvent, kw_only=True):
    KIND = "admins_changed"
    op_type: str = field(name="OpType", default="")
    admin_account: list[str] = field(name="Admin_Account", default_factory=list)


class RoomInfoChanged(RoomEvent, kw_only=True):
    """The fields that changed are in ``data`` by wire name (``RoomName``, ``IsMessageDisabled`` ...)."""

    KIND = "room_info_changed"


class MetadataChanged(RoomEvent, kw_only=True):
    KIND = "metadata_changed"
    metadata: list[Pair] = field(name="Metadata", default_factory=list)


class MetadataDeleted(RoomEvent, kw_only=True):
    KIND = "metadata_deleted"
    keys: list[str] = field(name="Keys", default_factory=list)


class RobotsChanged(RoomEvent, kw_only=True):
    KIND = "robots_changed"
    op_type: str = field(name="OpType", default="")
    robot_list_account: list[str] = field(name="RobotList_Account", default_factory=list)


class RoomDismissed(RoomEvent, kw_only=True):
    """``reason`` is ``empty`` when the room was dismissed automatically, ``""`` after destroy_room."""

    KIND = "room_dismissed"
    reason: str = field(name="Reason", default="")


_EVENT_TYPES: dict[str, type[RoomEvent]] = {
    cls.KIND: cls
    for cls in (
        MemberEntered,
        MemberLeft,
        TextMessage,
        CustomMessage,
        Liked,
        GiftSent,
        BattleStarted,
        BattleEnded,
        BattleScoreChanged,
        BattleUserExited,
        ConnectionUserListChanged,
        ConnectionRequestReceived,
        ConnectionRequestCancelled,
        ConnectionRequestAccepted,
        ConnectionRequestRejected,
        ConnectionRequestTimeout,
        BattleRequestReceived,
        BattleRequestCancelled,
        BattleRequestAccepted,
        BattleRequestRejected,
        BattleRequestTimeout,
        SeatListChanged,
        PickedOnSeat,
        KickedOffSeat,
        KickedOutOfRoom,
        MicrophoneChanged,
        SeatApplication,
        SeatApplicationResult,
        SeatInvitation,
        SeatInvitationResult,
        MemberBanned,
        MemberUnbanned,
        MemberMuted,
        AdminsChanged,
        RoomInfoChanged,
        MetadataChanged,
        MetadataDeleted,
        RobotsChanged,
        RoomDismissed,
    )
}


def parse_event(frame: dict[str, Any]) -> RoomEvent:
    """An ``event`` frame as its typed event (a plain ``RoomEvent`` for a kind or shape this SDK does not know)."""
    data = frame.get("data")
    data = data if isinstance(data, dict) else {}
    head = {
        "event": frame.get("event", ""),
        "RoomId": frame.get("RoomId", ""),
        "Operator_Account": frame.get("Operator_Account", ""),
        "data": data,
    }
    cls = _EVENT_TYPES.get(str(head["event"]), RoomEvent)
    try:
        return msgspec.convert({**data, **head}, cls)
    except msgspec.ValidationError as exc:
        log.debug("realtime: event %r does not match %s (%s)", head["event"], cls.__name__, exc)
        return msgspec.convert(head, RoomEvent, strict=False)


class Entered(Model, kw_only=True):
    """The answer to ``enter``: the room as it is now (``room_info.member_count`` members online, you included) and
    its admins; page through the members with ``get_member_list``."""

    room_id: str = field(name="RoomId", default="")
    room_info: RoomInfo = field(name="RoomInfo", default_factory=RoomInfo)
    admin_account: list[str] = field(name="Admin_Account", default_factory=list)


class MemberPage(Model, kw_only=True):
    """One page of a room's members online (``get_member_list``): the owner and admins first, then in the order
    they entered; ``next`` ("" after the last page) asks for the following one."""

    room_id: str = field(name="RoomId", default="")
    next: str = field(name="Next", default="")
    member_count: int = field(name="MemberCount", default=0)
    member_list: list[ListedMember] = field(name="MemberList", default_factory=list)


class RequestResult(Model, kw_only=True):
    """The code of one invited room: ``request_connection`` 0 success, 1 no such room, 2 connecting (connected
    with yours already, or a request between the two is waiting), 3 connected to other rooms, 4 full (9 rooms),
    5 retry (its owner is not in the room); ``request_battle`` 0 success, 1 no such room (or host) connected with
    yours, 2 already in a battle, 3 not connected with your room."""

    room_id: str = field(name="RoomId", default="")
    result_code: int = field(name="ResultCode", default=0)
    result_message: str = field(name="ResultMessage", default="")
    user_id: str = field(name="UserId", default="")


class BattleOffer(Model, kw_only=True):
    """The answer to ``request_battle``: the battle (``start_time`` and ``end_time`` 0 while the answers are
    awaited; ``battle_id`` "" when no room could be invited) and a code per invited room."""

    battle_id: str = field(name="BattleId", default="")
    duration: int = field(name="Duration", default=0)
    need_response: bool = field(name="NeedResponse", default=True)
    extension_info: str = field(name="ExtensionInfo", default="")
    start_time: int = field(name="StartTime", default=0)
    end_time: int = field(name="EndTime", default=0)
    inviter: CoHost = field(name="Inviter", default_factory=CoHost)
    invitee_list: list[CoHost] = field(name="InviteeList", default_factory=list)
    result: list[RequestResult] = field(name="Result", default_factory=list)


# the connection -------------------------------------------------------------------------------------------------


def realtime_url(base_url: str) -> str:
    """``http://host:8080`` -> ``ws://host:8080/realtime`` (``https`` -> ``wss``); a ``ws(s)://`` URL with a path
    is used as given."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in {"ws", "wss"} or not parts.netloc:
        raise ValueError(f"base_url: expected http(s):// or ws(s)://HOST, got {base_url!r}")
    path = parts.path.rstrip("/")
    if parts.scheme in {"http", "https"} or not path:
        path += PATH
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


_decode = msgspec.json.Decoder(dict[str, Any]).decode
_encode = msgspec.json.Encoder().encode
_END = object()


class RealtimeClient:
    """One end user's connection to the realtime gateway; ``async with`` connects, authenticates and closes.

    ``base_url`` is the server's (``http://host:port``, as for ``Client``) or the WebSocket URL itself. Give
    ``secret_key`` to mint the user's UserSig here (valid ``usersig_ttl`` seconds), or a ready ``usersig``.
    Heartbeats go out every ``heartbeat_seconds`` the server announced (``heartbeat`` overrides it). Requests
    wait at most ``request_timeout`` seconds for their answer (``TimeoutError``). Events wait in memory until
    ``events()`` reads them; beyond ``max_events`` the oldest are dropped (``dropped_events`` counts them).
    """

    def __init__(
        self,
        base_url: str,
        *,
        sdkappid: int,
        identifier: str,
        secret_key: str | None = None,
        usersig: str | None = None,
        usersig_ttl: int = 86400,
        heartbeat: float | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        open_timeout: float = 10.0,
        max_events: int = DEFAULT_MAX_EVENTS,
    ) -> None:
        if not identifier:
            raise ValueError("identifier: required")
        if (secret_key is None) == (usersig is None):
            raise ValueError("give either secret_key or usersig")
        if secret_key == "" or usersig == "":
            raise ValueError("secret_key / usersig: must not be empty")
        if heartbeat is not None and heartbeat <= 0:
            raise ValueError("heartbeat: must be positive")
        if max_events < 1:
            raise ValueError("max_events: at least 1")
        self.url = realtime_url(base_url)
        self.sdkappid = int(sdkappid)
        self.identifier = identifier
        self._secret_key = secret_key
        self._usersig = usersig
        self._usersig_ttl = usersig_ttl
        self._heartbeat = heartbeat
        self._request_timeout = request_timeout
        self._open_timeout = open_timeout
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: deque[RoomEvent | object] = deque()
        self._max_events = max_events
        self._wakeup = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._closed: ConnectionClosedError | None = None
        self.heartbeat_seconds = 0.0
        self.rooms: set[str] = set()
        """The rooms this connection is in now (a ban or a dismissal takes a room out)."""
        self.dropped_events = 0

    def __repr__(self) -> str:
        return f"RealtimeClient(url={self.url!r}, sdkappid={self.sdkappid}, identifier={self.identifier!r})"

    # opening and closing --------------------------------------------------------------------------------------

    async def connect(self) -> Self:
        """Open the WebSocket and authenticate; raises ``AuthenticationError`` (or a subclass) when refused."""
        if self._ws is not None:
            raise RuntimeError("already connected")
        self._ws = await connect(self.url, open_timeout=self._open_timeout, user_agent_header=USER_AGENT)
        self._tasks.append(asyncio.create_task(self._read_loop(), name="liveroom-realtime-reader"))
        try:
            ok = await self._request(
                {"type": "auth", "sdkappid": self.sdkappid, "identifier": self.identifier, "usersig": self._sig()}
            )
        except BaseException:
            await self.close()
            raise
        self.heartbeat_seconds = float(self._heartbeat or ok.get("heartbeat_seconds") or 20)
        self._tasks.append(asyncio.create_task(self._heartbeat_loop(), name="liveroom-realtime-heartbeat"))
        return self

    def _sig(self) -> str:
        if self._usersig is not None:
            return self._usersig
        assert self._secret_key is not None
        return usersigs.generate(
            self.sdkappid, self._secret_key, self.identifier, self._usersig_ttl, now=int(time.time())
        )

    async def close(self) -> None:
        """Leave every room (the gateway does it when the connection closes) and close; events read so far stay
        readable from ``events()``, which then ends."""
        self._closing = True
        for task in self._tasks[1:]:
            task.cancel()
        if self._ws is not None:
            await self._ws.close()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def __aenter__(self) -> Self:
        return await self.connect()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # requests -------------------------------------------------------------------------------------------------

    async def enter(self, room_id: str) -> Entered:
        """Enter a room: counts a view; the others get ``MemberEntered``. Raises ``NotFoundError`` (no room),
        ``PermissionDeniedError`` (``banned``, ``room_full``)."""
        answer = await self._request({"type": "enter", "RoomId": room_id})
        self.rooms.add(room_id)
        return msgspec.convert(answer, Entered)

    async def get_member_list(self, room_id: str, next: str = "") -> MemberPage:
        """One page (at most 100) of the members online in a room you are in; pass ``next`` of the previous page for
        the following one. Raises ``InvalidParameterError`` for a ``next`` the server never answered."""
        answer = await self._request({"type": "get_member_list", "RoomId": room_id, "Next": next})
        return msgspec.convert(answer, MemberPage)

    async def iter_members(self, room_id: str) -> AsyncIterator[str]:
        """Every member online, page after page (the list is live: who enters meanwhile comes last)."""
        cursor = ""
        while True:
            page = await self.get_member_list(room_id, cursor)
            for member in page.member_list:
                yield member.member_account
            if not page.next or page.next == cursor:
                return
            cursor = page.next

    async def leave(self, room_id: str) -> None:
        await self._request({"type": "leave", "RoomId": room_id})
        self.rooms.discard(room_id)

    async def send_text(self, room_id: str, text: str, *, extension_info: str = "") -> None:
        """Send a text message; every member (you too) gets a ``TextMessage`` event before this returns."""
        await self._request(
            {"type": "send_text", "RoomId": room_id, "TextContent": text, "ExtensionInfo": extension_info}
        )

    async def send_custom(self, room_id: str, business_id: str, data: str = "") -> None:
        await self._request({"type": "send_custom", "RoomId": room_id, "BusinessId": business_id, "Data": data})

    async def like(self, room_id: str, count: int = 1) -> None:
        """Like the room ``count`` times; returns once the likes are counted (the server gathers a room's likes for
        up to 200 ms)."""
        await self._request({"type": "like", "RoomId": room_id, "Count": count})

    async def send_gift(self, room_id: str, gift_id: str, count: int = 1, *, receivers: list[str] | None = None) -> int:
        """Send ``count`` gifts to ``receivers`` (by default the room's owner); every member (you too) gets a
        ``GiftSent`` event. Answers the gift's ``Sequence`` in the room. Raises ``NotFoundError`` for a gift the app
        does not have, ``ConflictError`` when the app's backend refused it (102004)."""
        message: dict[str, Any] = {"type": "send_gift", "RoomId": room_id, "GiftId": gift_id, "Count": count}
        if receivers is not None:
            message["ReceiverList_Account"] = receivers
        answer = await self._request(message)
        return int(answer.get("Sequence", 0))

    async def take_seat(self, room_id: str, index: int) -> Literal["taken", "applied"]:
        """``"taken"``: you are on the seat; ``"applied"``: the room takes applications, and a
        ``SeatApplicationResult`` event tells how yours ended."""
        answer = await self._request({"type": "take_seat", "RoomId": room_id, "Index": index})
        return "applied" if answer.get("type") == "applied" else "taken"

    async def leave_seat(self, room_id: str) -> None:
        await self._request({"type": "leave_seat", "RoomId": room_id})

    async def answer_seat(self, room_id: str, member_account: str, approve: bool) -> str:
        """Approve or reject an application (owner or admin); answers the ``Result`` (``approved``,
        ``rejected`` or ``failed`` when the seat was taken meanwhile)."""
        answer = await self._request(
            {"type": "answer_seat", "RoomId": room_id, "Member_Account": member_account, "Approve": approve}
        )
        return str(answer.get("Result", ""))

    async def exit_battle(self, battle_id: str) -> None:
        """Take your room out of a running battle (you own a room of it): every room's members get a
        ``BattleUserExited`` event, or ``BattleEnded`` (``reason`` 1) when one room is left. Raises
        ``NotFoundError`` when you own no room in it (or it does not exist), ``PermissionDeniedError`` when it has
        ended."""
        await self._request({"type": "exit_battle", "BattleId": battle_id})

    # co-hosting: the owner of ``room_id`` (PermissionDeniedError "not_owner" for anyone else)

    async def request_connection(
        self, room_id: str, room_ids: list[str], *, seconds: int = 10, extension_info: str = ""
    ) -> list[RequestResult]:
        """Ask the owners of ``room_ids`` (1-8) to connect their rooms with yours; a code per room. Each asked
        gets ``ConnectionRequestReceived``; you get ``ConnectionRequestAccepted`` / ``Rejected`` / ``Timeout``
        (after ``seconds``, 1-600)."""
        answer = await self._request(
            {
                "type": "request_connection",
                "RoomId": room_id,
                "RoomIdList": room_ids,
                "TimeoutSeconds": seconds,
                "ExtensionInfo": extension_info,
            }
        )
        return msgspec.convert(answer.get("Result", []), list[RequestResult])

    async def cancel_connection_request(self, room_id: str, room_ids: list[str]) -> None:
        """Take back your requests to ``room_ids`` (``NotFoundError`` "no_request" when none waits)."""
        await self._request({"type": "cancel_connection_request", "RoomId": room_id, "RoomIdList": room_ids})

    async def accept_connection(self, room_id: str, from_room_id: str) -> None:
        """Accept the request of ``from_room_id``: your room joins the rooms connected with it, and the members
        of every linked room get ``ConnectionUserListChanged``."""
        await self._request({"type": "accept_connection", "RoomId": room_id, "FromRoomId": from_room_id})

    async def reject_connection(self, room_id: str, from_room_id: str) -> None:
        await self._request({"type": "reject_connection", "RoomId": room_id, "FromRoomId": from_room_id})

    async def disconnect(self, room_id: str) -> None:
        """Disconnect your room from the rooms it is connected to (it leaves its battle too)."""
        await self._request({"type": "disconnect", "RoomId": room_id})

    async def request_battle(
        self,
        room_id: str,
        duration: int,
        *,
        room_ids: list[str] | None = None,
        user_ids: list[str] | None = None,
        need_response: bool = True,
        seconds: int = 10,
        extension_info: str = "",
    ) -> BattleOffer:
        """Ask rooms connected with yours (``room_ids``, or their owners ``user_ids``) for a battle of
        ``duration`` ms. With ``need_response`` each owner gets ``BattleRequestReceived`` and the battle starts
        (``BattleStarted`` in every room) once all have answered or ``seconds`` have passed, with the rooms that
        accepted; without, it starts at once."""
        message: dict[str, Any] = {
            "type": "request_battle",
            "RoomId": room_id,
            "Duration": duration,
            "NeedResponse": need_response,
            "TimeoutSeconds": seconds,
            "ExtensionInfo": extension_info,
        }
        if room_ids is not None:
            message["RoomIdList"] = room_ids
        if user_ids is not None:
            message["UserIdList"] = user_ids
        answer = await self._request(message)
        return msgspec.convert(answer, BattleOffer)

    async def cancel_battle_request(self, room_id: str, battle_id: str) -> None:
        await self._request({"type": "cancel_battle_request", "RoomId": room_id, "BattleId": battle_id})

    async def accept_battle(self, room_id: str, battle_id: str) -> None:
        await self._request({"type": "accept_battle", "RoomId": room_id, "BattleId": battle_id})

    async def reject_battle(self, room_id: str, battle_id: str) -> None:
        await self._request({"type": "reject_battle", "RoomId": room_id, "BattleId": battle_id})

    # moderation: the owner and admins of the room (PermissionDeniedError "not_allowed" for anyone else, and for an
    # admin acting on the owner or another admin)

    async def kick_member(self, room_id: str, accounts: list[str]) -> None:
        """Take members out of the room without a ban: each gets ``KickedOutOfRoom``, the room ``MemberLeft``."""
        await self._request({"type": "kick_member", "RoomId": room_id, "MemberList_Account": accounts})

    async def ban_member(self, room_id: str, accounts: list[str], duration: int, *, reason: str = "") -> None:
        """Ban members for ``duration`` seconds (REST ban_member's rules and events)."""
        await self._request(
            {
                "type": "ban_member",
                "RoomId": room_id,
                "MemberList_Account": accounts,
                "Duration": duration,
                "Reason": reason,
            }
        )

    async def mute_member(self, room_id: str, accounts: list[str], mute_time: int) -> None:
        """Mute members' messages for ``mute_time`` seconds (0 unmutes)."""
        await self._request(
            {"type": "mute_member", "RoomId": room_id, "MemberList_Account": accounts, "MuteTime": mute_time}
        )

    async def kick_user_off_seat(self, room_id: str, member_account: str, data: str = "") -> None:
        await self._request(
            {"type": "kick_user_off_seat", "RoomId": room_id, "Member_Account": member_account, "Data": data}
        )

    async def lock_seat(
        self,
        room_id: str,
        index: int,
        *,
        forbid_taken: bool | None = None,
        forbid_video: bool | None = None,
        forbid_audio: bool | None = None,
    ) -> None:
        """Lock a seat (its user is taken off) or switch its video or audio off or on; ``None`` leaves it."""
        message: dict[str, Any] = {"type": "lock_seat", "RoomId": room_id, "Index": index}
        switches = {"ForbidTaken": forbid_taken, "ForbidVideo": forbid_video, "ForbidAudio": forbid_audio}
        message.update({name: value for name, value in switches.items() if value is not None})
        await self._request(message)

    async def move_user_to_seat(self, room_id: str, member_account: str, index: int, *, policy: int = 0) -> None:
        """Move a member to seat ``index``; when it is taken ``policy`` 0 refuses, 1 kicks its user off, 2 swaps."""
        await self._request(
            {
                "type": "move_user_to_seat",
                "RoomId": room_id,
                "Member_Account": member_account,
                "SeatIndex": index,
                "Policy": policy,
            }
        )

    async def close_microphone(self, room_id: str, member_account: str) -> None:
        """Close a seated guest's microphone: the room (the guest too) gets ``MicrophoneChanged``."""
        await self._request({"type": "close_microphone", "RoomId": room_id, "Member_Account": member_account})

    async def open_microphone(self, room_id: str, member_account: str) -> None:
        await self._request({"type": "open_microphone", "RoomId": room_id, "Member_Account": member_account})

    # invitations and applications

    async def invite_to_seat(
        self, room_id: str, member_account: str, index: int, *, seconds: int | None = None
    ) -> None:
        """Invite a member to a seat (owner and admins): they get ``SeatInvitation``; a ``SeatInvitationResult``
        tells how it ended (within ``seconds``, 1-600, by default the server's seat application timeout)."""
        message: dict[str, Any] = {"type": "invite_to_seat", "RoomId": room_id, "Member_Account": member_account}
        message["Index"] = index
        if seconds is not None:
            message["Timeout"] = seconds
        await self._request(message)

    async def cancel_invitation(self, room_id: str, member_account: str) -> None:
        await self._request({"type": "cancel_invitation", "RoomId": room_id, "Member_Account": member_account})

    async def answer_invitation(self, room_id: str, accept: bool) -> str:
        """Accept or decline your invitation; answers the ``Result`` (``accepted``: you are seated; ``declined``;
        ``failed``: the seat was taken meanwhile)."""
        answer = await self._request({"type": "answer_invitation", "RoomId": room_id, "Accept": accept})
        return str(answer.get("Result", ""))

    async def cancel_application(self, room_id: str) -> None:
        """Take back your seat application (``take_seat`` answered ``"applied"``)."""
        await self._request({"type": "cancel_application", "RoomId": room_id})

    async def heartbeat(self) -> int:
        """One heartbeat now (they are sent for you); answers the server's Unix time."""
        answer = await self._request({"type": "heartbeat"})
        return int(answer.get("time", 0))

    async def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        if self._ws is None:
            raise RuntimeError("not connected: use `async with RealtimeClient(...)` or `await client.connect()`")
        if self._closed is not None:
            raise self._closed
        ref = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        try:
            await self._send({**message, "id": ref})
            return await asyncio.wait_for(future, self._request_timeout)
        finally:
            self._pending.pop(ref, None)

    async def _send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None
        try:
            await self._ws.send(_encode(message).decode())
        except ConnectionClosed as closed:
            raise self._closed or _closed_error(closed) from None

    # events ---------------------------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[RoomEvent]:
        """Every event of the rooms this connection is in, in order. Ends after ``close()``; raises
        ``ConnectionClosedError`` when the server or the network closed the connection. Read it from one task."""
        while True:
            while not self._events:
                self._wakeup.clear()
                await self._wakeup.wait()
            item = self._events.popleft()
            if item is _END:
                self._events.appendleft(_END)
                if self._closed is not None:
                    raise self._closed
                return
            assert isinstance(item, RoomEvent)
            yield item

    def _push(self, item: RoomEvent | object) -> None:
        if item is not _END and len(self._events) >= self._max_events:
            self._events.popleft()
            self.dropped_events += 1
            if self.dropped_events == 1 or self.dropped_events % 1000 == 0:
                log.warning("realtime: %d events dropped; read events() faster", self.dropped_events)
        self._events.append(item)
        self._wakeup.set()

    # background -----------------------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                try:
                    frame = _decode(raw)
                except msgspec.DecodeError:
                    log.warning("realtime: the server sent a frame that is not a JSON object")
                    continue
                try:
                    self._dispatch(frame)
                except Exception:  # one odd frame must not end the connection
                    log.exception("realtime: cannot handle a frame of type %r", frame.get("type"))
        except ConnectionClosed as closed:
            if not self._closing:
                self._closed = _closed_error(closed)
        finally:
            if self._closed is None and not self._closing:
                code = self._ws.close_code or 1006
                self._closed = ConnectionClosedError(code, self._ws.close_reason or "the connection was closed")
            ended = self._closed or ConnectionClosedError(1000, "the connection was closed by the client")
            self.rooms.clear()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ended)
            self._push(_END)

    def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "events":
            # A busy room's messages of a short window in one frame (docs/realtime.md, "Batches"): each its own event.
            batch = frame.get("events")
            for item in batch if isinstance(batch, list) else ():
                if isinstance(item, dict) and item.get("type") == "event":
                    self._dispatch(item)
            return
        if kind == "event":
            event = parse_event(frame)
            if (
                isinstance(event, RoomDismissed)
                or (isinstance(event, MemberBanned) and self.identifier in event.member_list_account)
                or (isinstance(event, KickedOutOfRoom) and event.member_account == self.identifier)
                # About this user: the node took this connection out of the room (docs/realtime.md, several nodes).
                or (isinstance(event, MemberLeft) and event.member_account == self.identifier)
            ):
                self.rooms.discard(event.room_id)
            self._push(event)
            return
        ref = frame.get("ref")
        future = self._pending.get(ref) if isinstance(ref, int) else None
        if kind == "error":
            error = _error(frame)
            if future is not None and not future.done():
                future.set_exception(error)
            else:
                log.warning("realtime: %s", error)
        elif future is not None and not future.done():
            future.set_result(frame)

    async def _heartbeat_loop(self) -> None:
        assert self._ws is not None
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                # No id: nobody waits for the ack, and a lost one is harmless.
                await self._ws.send('{"type":"heartbeat"}')
            except ConnectionClosed:
                return


def _error(frame: dict[str, Any]) -> LiveroomError:
    code = frame.get("code")
    error = error_for(code if isinstance(code, int) else -1, str(frame.get("info", "")))
    error.reason = str(frame.get("reason", ""))
    return error


def _closed_error(closed: ConnectionClosed) -> ConnectionClosedError:
    frame = closed.rcvd
    if frame is None:
        return ConnectionClosedError(1006, "the connection dropped")
    return ConnectionClosedError(frame.code, frame.reason or "closed by the server")
