"""The client gateway: one WebSocket per end user, authenticated with their own UserSig (docs/realtime.md); the
requests of each connection (``session.Session``) and the fan-out of room events to the connections in each room.

Frames are at most 16 KiB at the transport (``api.transport``: larger ones close the connection, 1009); before a
connection authenticates it counts against its address's connections waiting to (1013 beyond the cap).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from liveroom import background
from liveroom.domain import audience, battles, cohosting, gifts, members, messages, seat_requests, seats
from liveroom.domain.accounts import imported
from liveroom.domain.auth import Authenticator
from liveroom.domain.context import REALTIME, Caller, Services
from liveroom.domain.events import (
    AnyRoomEvent,
    CustomMessage,
    GiftSent,
    KickedOutOfRoom,
    Liked,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    RoomDismissed,
    TextMessage,
)
from liveroom.domain.presence import Evicted
from liveroom.domain.refused import Refused
from liveroom.errors import ErrorCode, LiveError
from liveroom.realtime import batching, clocks, protocol
from liveroom.realtime.dismissal import DEFAULT_EMPTY_SECONDS, AutoDismissal
from liveroom.realtime.likes import DEFAULT_WINDOW_SECONDS, LikeWindows
from liveroom.realtime.pacing import (
    DEFAULT_FRAMES_PER_SECOND,
    DEFAULT_MEMBER_FRAMES_PER_SECOND,
    GiftPacer,
    MemberEvent,
    Pacer,
)
from liveroom.realtime.protocol import ProtocolError
from liveroom.realtime.session import CLOSE_NORMAL, Bucket, RoomConnections, Session, Waiting
from liveroom.store.interface import AppRecord, ConnectionLost, commits_sent

CLOSE_AUTH_FAILED = 4001
CLOSE_AUTH_TIMEOUT = 4002
CLOSE_IDLE = 4008
# RFC 6455 "try again later": too many connections from the address are waiting to authenticate.
CLOSE_TRY_LATER = 1013
CLOSE_GRACE_SECONDS = 5.0
log = logging.getLogger("liveroom.realtime")


class RealtimeGateway:
    """The ``/realtime`` WebSocket endpoint and the fan-out of room events to the connections in each room."""

    def __init__(
        self,
        services: Services,
        authenticator: Authenticator,
        apps: Callable[[int], AppRecord | None],
        *,
        auth_timeout: float = 10.0,
        idle_timeout: float = 60.0,
        queue_size: int = 1000,
        max_rooms: int = 16,
        messages_per_second: float = 20.0,
        burst: float = 40.0,
        seat_application_timeout: float = 60.0,
        seat_request_poll_seconds: float = 1.0,
        empty_room_seconds: float = DEFAULT_EMPTY_SECONDS,
        gift_frames_per_second: float = DEFAULT_FRAMES_PER_SECOND,
        member_frames_per_second: float = DEFAULT_MEMBER_FRAMES_PER_SECOND,
        unauthenticated_per_address: int = 64,
        like_window_seconds: float = DEFAULT_WINDOW_SECONDS,
        batch_window_seconds: float = batching.DEFAULT_WINDOW_SECONDS,
        batch_threshold: int = batching.DEFAULT_THRESHOLD,
    ) -> None:
        self._svc = services
        self._auth = authenticator
        self._apps = apps
        self._sweeper: asyncio.Task[None] | None = None
        self._auth_timeout = auth_timeout
        self._idle_timeout = idle_timeout
        self._queue_size = queue_size
        self._max_rooms = max_rooms
        self._rate = (messages_per_second, burst)
        self._rooms: defaultdict[tuple[int, str], RoomConnections] = defaultdict(RoomConnections)
        self._waiting = Waiting(unauthenticated_per_address)
        self._reconnects = services.store.reconnects
        self._request_timeout = seat_application_timeout
        self.seat_request_clock = clocks.seat_request_clock(services, seat_request_poll_seconds)
        self._dismissal = AutoDismissal(services, apps, empty_room_seconds)
        self._gifts = GiftPacer(self._send_held, gift_frames_per_second)
        self._member_events = Pacer[MemberEvent](self._send_held, member_frames_per_second)
        self._likes = LikeWindows(services, like_window_seconds)
        self._batches = batching.MessageBatches(self._send_batch, batch_window_seconds, batch_threshold)
        services.events.subscribe(self._on_event)
        services.presence.on_evicted(self._on_evicted)

    def start(self) -> None:
        """The seat request clock; with presence shared between nodes, the members of nodes that went away leave
        their rooms."""
        self.seat_request_clock.start()
        interval = self._svc.presence.sweep_seconds
        if interval is not None and self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(interval), name="liveroom-presence-sweep")

    async def _sweep(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await members.sweep_lost(self._svc, self._apps)
            except Exception as exc:
                background.failed(log, "removing the members of lost nodes", exc)

    async def close(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        await background.stop(sweeper)
        await self.seat_request_clock.close()
        await self._likes.close()

    # the connection ---------------------------------------------------------------------------------------

    async def endpoint(self, ws: WebSocket) -> None:
        await ws.accept()
        session = Session(ws, self._queue_size)
        reason = "disconnected"
        try:
            if self._wait_for_auth(session):
                reason = await self._serve(session)
        except WebSocketDisconnect:
            pass
        finally:
            self._waiting.release(session)
            await self._leave_all(session, reason)
            session.close(CLOSE_NORMAL)
            # A peer that stopped reading can block a send for ever; it gets a few seconds, then the writer ends.
            await session.flushed(CLOSE_GRACE_SECONDS)

    def _wait_for_auth(self, session: Session) -> bool:
        """Count the connection as waiting to authenticate; False (and closing it) when its address has too many
        waiting already."""
        if self._waiting.admit(session):
            return True
        info = f"connection: more than {self._waiting.cap} connections from this address are not authenticated yet"
        session.push(protocol.error(None, ErrorCode.RATE_LIMITED, "too_many_connections", info))
        session.close(CLOSE_TRY_LATER)
        return False

    async def _serve(self, session: Session) -> str:
        """Read frames until the client goes away or is closed; answers the reason members see it leave for."""
        bucket = Bucket(*self._rate)
        timeout = self._auth_timeout
        while True:
            try:
                # A deadline on this task, not wait_for's task and future for every frame.
                async with asyncio.timeout(timeout):
                    message = await session.ws.receive()
            except TimeoutError:
                if session.caller is None:
                    session.push(protocol.error(None, ErrorCode.IDENTIFIER_MISSING, "auth_timeout", "auth: too late"))
                    session.close(CLOSE_AUTH_TIMEOUT)
                    return "disconnected"
                session.close(CLOSE_IDLE)
                return "timeout"
            if message["type"] == "websocket.disconnect":
                return "disconnected"
            frame = message.get("text")
            if frame is None:
                frame = message.get("bytes") or b""
            if not bucket.take():
                session.push(
                    protocol.error(
                        protocol.request_ref(frame),
                        ErrorCode.RATE_LIMITED,
                        "rate_limited",
                        "too many messages; slow down",
                    )
                )
                continue
            if not await self._handle(session, frame):
                return "disconnected"
            timeout = self._idle_timeout

    async def _handle(self, session: Session, frame: str | bytes) -> bool:
        """Answer one frame; False when the connection must end."""
        ref: Any = None
        try:
            request = protocol.parse(frame)
            ref = request.id
            committed = commits_sent() if self._reconnects else 0
            try:
                return await self._answer(session, request)
            except ConnectionLost:
                # A broken database connection, dropped: the request runs again, once, if it committed nothing.
                if commits_sent() != committed:
                    raise
                return await self._answer(session, request)
        except ProtocolError as refused:
            if ref is None:
                ref = protocol.request_ref(frame)
            session.push(protocol.error(ref, refused.code, refused.reason, refused.info))
        except Refused as refused:
            session.push(protocol.error(ref, refused.code, refused.reason, refused.info))
        except LiveError as failed:
            session.push(protocol.error(ref, failed.code, protocol.reason_of(failed.code), failed.info))
        except ConnectionLost as lost:
            log.error("%s answering a realtime request: %s", type(lost.__cause__).__name__, lost)
            session.push(protocol.error(ref, ErrorCode.LIVE_INTERNAL, "failed", str(lost)))
        return True

    async def _answer(self, session: Session, request: protocol.Request) -> bool:
        if isinstance(request, protocol.Auth):
            return await self._authenticate(session, request)
        if session.caller is None:
            raise ProtocolError(ErrorCode.IDENTIFIER_MISSING, "not_authenticated", "auth: send auth first")
        if isinstance(request, protocol.Enter):
            await self._enter(session, request)
        elif isinstance(request, protocol.Leave):
            await self._leave(session, request)
        elif isinstance(request, protocol.SendText | protocol.SendCustom | protocol.Like):
            await self._say(session, request)
        elif isinstance(request, protocol.SendGift):
            await self._gift(session, request)
        elif isinstance(request, protocol.TakeSeat | protocol.LeaveSeat | protocol.AnswerSeat):
            await self._seat(session, request)
        elif isinstance(request, protocol.ExitBattle):
            await battles.exit_battle(self._svc, session.caller, request.BattleId)
            session.push(protocol.encode({"type": "ok", "ref": request.id}))
        elif isinstance(request, protocol.GetMemberList):
            await self._member_list(session, request)
        elif isinstance(request, protocol.MODERATION):
            await self._moderate(session, request)
        elif isinstance(request, protocol.INVITATIONS):
            await self._invitation(session, request)
        elif isinstance(request, protocol.COHOSTING):
            await self._cohost(session, request)
        else:
            session.push_first(protocol.encode({"type": "heartbeat_ack", "ref": request.id, "time": self._svc.now()}))
        return True

    async def _authenticate(self, session: Session, request: protocol.Auth) -> bool:
        if session.caller is not None:
            raise ProtocolError(ErrorCode.LIVE_INVALID_PARAMETER, "already_authenticated", "auth: already done")
        raw = request.sdkappid
        sdkappid = raw if isinstance(raw, int) else (int(raw) if raw.isdigit() and len(raw) <= 19 else None)
        client = session.ws.client
        try:
            app = await self._auth.authenticate(
                sdkappid, request.identifier, request.usersig, client.host if client else "-", admin_required=False
            )
            caller = Caller(app, request.identifier, client.host if client else "", REALTIME)
            if request.identifier not in await imported(self._svc, caller, [request.identifier]):
                raise LiveError(
                    ErrorCode.ACCOUNT_NOT_FOUND, f"identifier: account {request.identifier!r} is not imported"
                )
        except LiveError as failed:
            session.push(protocol.error(request.id, failed.code, "auth_failed", failed.info))
            session.close(CLOSE_AUTH_FAILED)
            return False
        session.caller = caller
        self._waiting.release(session)
        session.push(
            protocol.encode(
                {
                    "type": "auth_ok",
                    "ref": request.id,
                    "identifier": caller.identifier,
                    "heartbeat_seconds": max(1, int(self._idle_timeout / 3)),
                }
            )
        )
        return True

    async def _enter(self, session: Session, request: protocol.Enter) -> None:
        assert session.caller is not None
        room_id = request.RoomId
        if room_id in session.rooms:
            raise ProtocolError(ErrorCode.LIVE_INVALID_PARAMETER, "already_in_room", "RoomId: already in this room")
        if len(session.rooms) >= self._max_rooms:
            raise ProtocolError(
                ErrorCode.LIVE_INVALID_PARAMETER, "too_many_rooms", f"RoomId: at most {self._max_rooms} rooms at once"
            )
        reconnected = await self._svc.presence.take_drop(session.caller.sdkappid, room_id, session.user_id)
        here = self._rooms.get((session.caller.sdkappid, room_id))
        entry = await members.enter(
            self._svc,
            session.caller,
            room_id,
            new_view=not reconnected,
            sole_connection=here is None or not here.has(session.user_id),
        )
        # Attached only now: the member's own entry is answered by "entered", not by an event. Messages batched
        # before it are not for this connection.
        key = (session.caller.sdkappid, room_id)
        self._batches.flush(key)
        session.rooms.add(room_id)
        self._rooms[key].add(session)
        session.push(
            protocol.encode(
                {
                    "type": "entered",
                    "ref": request.id,
                    "RoomId": room_id,
                    "RoomInfo": protocol.room_info(entry.room, entry.member_count),
                    "Admin_Account": entry.admins,
                }
            )
        )

    def _member_of(self, session: Session, room_id: str) -> Caller:
        """The connection's caller, refused (``not_in_room``) unless the connection is in ``room_id``."""
        assert session.caller is not None
        if room_id not in session.rooms:
            raise ProtocolError(ErrorCode.NOT_A_MEMBER, "not_in_room", "RoomId: enter the room first")
        return session.caller

    async def _member_list(self, session: Session, request: protocol.GetMemberList) -> None:
        """REST get_member_list's page (the same domain call), for a member of the room."""
        caller = self._member_of(session, request.RoomId)
        page = await audience.member_list(self._svc, caller, request.RoomId, request.Next)
        session.push(
            protocol.encode(
                {
                    "type": "member_list",
                    "ref": request.id,
                    "RoomId": request.RoomId,
                    "Next": page.next,
                    "MemberCount": page.member_count,
                    "MemberList": [{"Member_Account": user} for user in page.members],
                }
            )
        )

    async def _moderate(self, session: Session, request: protocol.Moderation) -> None:
        """The owner's and admins' requests: the REST API's domain calls (``as_member``: who may is checked)."""
        caller = self._member_of(session, request.RoomId)
        svc, room_id = self._svc, request.RoomId
        if isinstance(request, protocol.KickMember):
            await audience.kick(svc, caller, room_id, request.MemberList_Account, as_member=True)
        elif isinstance(request, protocol.BanMember):
            accounts, duration, reason = request.MemberList_Account, request.Duration, request.Reason
            await members.ban(svc, caller, room_id, accounts, duration, reason, as_member=True)
        elif isinstance(request, protocol.MuteMember):
            await members.mute(svc, caller, room_id, request.MemberList_Account, request.MuteTime, as_member=True)
        elif isinstance(request, protocol.KickUserOffSeat):
            await seats.kick(svc, caller, room_id, request.Member_Account, request.Data, as_member=True)
        elif isinstance(request, protocol.LockSeat):
            await seats.lock(
                svc,
                caller,
                room_id,
                request.Index,
                request.ForbidTaken,
                request.ForbidVideo,
                request.ForbidAudio,
                as_member=True,
            )
        elif isinstance(request, protocol.MoveUserToSeat):
            move = (request.SeatIndex, request.Member_Account, request.Policy)
            await seats.move(svc, caller, room_id, *move, as_member=True)
        else:
            is_open = isinstance(request, protocol.OpenMicrophone)
            await seats.set_microphone(svc, caller, room_id, request.Member_Account, is_open)
        session.push(protocol.encode({"type": "ok", "ref": request.id}))

    async def _invitation(self, session: Session, request: protocol.Invitations) -> None:
        caller = self._member_of(session, request.RoomId)
        svc, room_id = self._svc, request.RoomId
        answer: dict[str, Any] = {"type": "ok", "ref": request.id}
        if isinstance(request, protocol.InviteToSeat):
            invite = (request.Member_Account, request.Index, request.Timeout or self._request_timeout)
            await seat_requests.invite(svc, caller, room_id, *invite)
        elif isinstance(request, protocol.CancelInvitation):
            await seat_requests.cancel_invitation(svc, caller, room_id, request.Member_Account)
        elif isinstance(request, protocol.AnswerInvitation):
            answer["Result"] = await seat_requests.answer_invitation(svc, caller, room_id, request.Accept)
        else:
            await seat_requests.cancel_application(svc, caller, room_id)
        session.push(protocol.encode(answer))

    async def _cohost(self, session: Session, request: protocol.CoHosting) -> None:
        """Co-hosting, for the owner of ``RoomId`` (``domain.cohosting`` checks who owns it)."""
        caller = self._member_of(session, request.RoomId)
        svc, room_id = self._svc, request.RoomId
        answer: dict[str, Any] = {"type": "ok", "ref": request.id}
        if isinstance(request, protocol.RequestConnection):
            ask = (request.RoomIdList, request.TimeoutSeconds, request.ExtensionInfo)
            results = await cohosting.request_connection(svc, caller, room_id, *ask)
            answer["Result"] = [protocol.request_result(result) for result in results]
        elif isinstance(request, protocol.CancelConnectionRequest):
            await cohosting.cancel_connection_request(svc, caller, room_id, request.RoomIdList)
        elif isinstance(request, protocol.RejectConnection):
            await cohosting.reject_connection(svc, caller, room_id, request.FromRoomId)
        elif isinstance(request, protocol.AcceptConnection):
            await cohosting.accept_connection(svc, caller, room_id, request.FromRoomId)
        elif isinstance(request, protocol.Disconnect):
            await cohosting.disconnect(svc, caller, room_id)
        elif isinstance(request, protocol.RequestBattle):
            offer = await cohosting.request_battle(
                svc,
                caller,
                room_id,
                duration=request.Duration,
                need_response=request.NeedResponse,
                extension_info=request.ExtensionInfo,
                room_ids=request.RoomIdList,
                user_ids=request.UserIdList,
                seconds=request.TimeoutSeconds,
            )
            answer |= protocol.battle_offer(offer)
        elif isinstance(request, protocol.AcceptBattle | protocol.RejectBattle):
            accept = not isinstance(request, protocol.RejectBattle)
            await cohosting.answer_battle(svc, caller, room_id, request.BattleId, accept=accept)
        else:
            await cohosting.cancel_battle_request(svc, caller, room_id, request.BattleId)
        session.push(protocol.encode(answer))

    async def _leave(self, session: Session, request: protocol.Leave) -> None:
        if request.RoomId not in session.rooms:
            raise ProtocolError(ErrorCode.NOT_A_MEMBER, "not_in_room", "RoomId: not in this room")
        await self._detach(session, request.RoomId, "left")
        session.push(protocol.encode({"type": "left", "ref": request.id, "RoomId": request.RoomId}))

    async def _say(self, session: Session, request: protocol.SendText | protocol.SendCustom | protocol.Like) -> None:
        caller = session.caller
        assert caller is not None
        room_id = request.RoomId
        if room_id not in session.rooms:
            raise ProtocolError(ErrorCode.NOT_A_MEMBER, "not_in_room", "RoomId: enter the room first")
        key = (caller.sdkappid, room_id)
        if isinstance(request, protocol.SendText):
            await messages.send_text(
                self._svc,
                caller,
                room_id,
                caller.identifier,
                request.TextContent,
                request.ExtensionInfo,
                as_member=True,
            )
        elif isinstance(request, protocol.SendCustom):
            await messages.send_custom(
                self._svc, caller, room_id, caller.identifier, request.BusinessId, request.Data, as_member=True
            )
        else:
            counted = await self._likes.add(caller, room_id, request.Count)
            # Answered once counted, while this member's next frames (likes, heartbeats) are read meanwhile.
            counted.add_done_callback(functools.partial(self._liked, session, request.id))
            return
        # The sender's own copy goes out before its answer, also when the message waits in the room's batch.
        await self._batches.sent(key)
        session.push(protocol.encode({"type": "ok", "ref": request.id}))

    @staticmethod
    def _liked(session: Session, ref: Any, counted: asyncio.Future[None]) -> None:
        if counted.cancelled():
            return
        failed = counted.exception()
        if failed is None:
            session.push(protocol.encode({"type": "ok", "ref": ref}))
        elif isinstance(failed, LiveError):
            session.push(protocol.error(ref, failed.code, protocol.reason_of(failed.code), failed.info))
        else:
            session.push(protocol.error(ref, ErrorCode.LIVE_INTERNAL, "failed", str(failed)))

    async def _gift(self, session: Session, request: protocol.SendGift) -> None:
        """The rules of REST send_gift (the same domain call), the member being the sender; answers the gift's
        ``Sequence`` in the room."""
        caller = session.caller
        assert caller is not None
        room_id = request.RoomId
        if room_id not in session.rooms:
            raise ProtocolError(ErrorCode.NOT_A_MEMBER, "not_in_room", "RoomId: enter the room first")
        gift = gifts.GiftSend(
            room_id=room_id,
            gift_id=request.GiftId,
            sender=caller.identifier,
            receivers=tuple(request.ReceiverList_Account),
            count=request.Count,
        )
        totals = await gifts.send_gift(self._svc, caller, gift, as_member=True)
        # Its own copy first, also when it went into the room's batch of messages.
        await self._batches.sent((caller.sdkappid, room_id))
        session.push(protocol.encode({"type": "ok", "ref": request.id, "Sequence": totals.sequence}))

    async def _seat(
        self, session: Session, request: protocol.TakeSeat | protocol.LeaveSeat | protocol.AnswerSeat
    ) -> None:
        caller = session.caller
        assert caller is not None
        room_id = request.RoomId
        if room_id not in session.rooms:
            raise ProtocolError(ErrorCode.NOT_A_MEMBER, "not_in_room", "RoomId: enter the room first")
        answer: dict[str, Any] = {"type": "ok", "ref": request.id}
        if isinstance(request, protocol.LeaveSeat):
            await seats.leave_seat(self._svc, caller, room_id)
        elif isinstance(request, protocol.AnswerSeat):
            answer["Result"] = await seat_requests.respond(
                self._svc, caller, room_id, request.Member_Account, request.Approve
            )
        elif await seats.may_take_freely(self._svc, caller, room_id):
            await seats.take(self._svc, caller, room_id, request.Index)
        else:
            await seat_requests.apply(self._svc, caller, room_id, request.Index, self._request_timeout)
            answer = {"type": "applied", "ref": request.id, "RoomId": room_id, "Index": request.Index}
        session.push(protocol.encode(answer))

    async def _detach(self, session: Session, room_id: str, reason: str) -> None:
        """Take the connection out of the room; the member leaves when it was their last connection there."""
        assert session.caller is not None
        session.rooms.discard(room_id)
        key = (session.caller.sdkappid, room_id)
        # The messages batched while the connection was in the room are its too.
        self._batches.flush(key)
        sessions = self._rooms.get(key)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del self._rooms[key]
                self._batches.forget(key)
        if sessions is None or not sessions.has(session.user_id):
            if reason in {"disconnected", "timeout"}:
                # Coming back within the heartbeat window, through any node, is not a new view.
                await self._svc.presence.note_drop(key[0], room_id, session.user_id, self._idle_timeout)
            await members.leave(self._svc, session.caller, room_id, reason)

    async def _leave_all(self, session: Session, reason: str) -> None:
        for room_id in list(session.rooms):
            await self._detach(session, room_id, reason)

    async def _on_evicted(self, evicted: Evicted) -> None:
        """Presence on other nodes removed this node's member as lost (this node was cut off from them for too
        long); the room was told they left: their connections here are out of it too, and told the same."""
        key = (evicted.sdkappid, evicted.room_id)
        sessions = self._rooms.get(key)
        gone = sessions.of(evicted.user_id) if sessions is not None else []
        if not sessions or not gone:
            return
        self._batches.flush(key)
        frame = protocol.event(
            MemberLeft(
                sdkappid=evicted.sdkappid,
                room_id=evicted.room_id,
                operator=evicted.user_id,
                member_account=evicted.user_id,
                member_count=evicted.member_count,
                reason="disconnected",
            )
        )
        for session in gone:
            sessions.discard(session)
            session.rooms.discard(evicted.room_id)
            session.push(frame)
        if not sessions:
            del self._rooms[key]
            self._batches.forget(key)

    # fan-out ----------------------------------------------------------------------------------------------

    async def _on_event(self, event: AnyRoomEvent) -> None:
        key = (event.sdkappid, event.room_id)
        if not isinstance(event, TextMessage | CustomMessage | GiftSent | Liked):
            # An event of another kind keeps its place after the messages batched before it.
            self._batches.flush(key)
        self._dismissal.observe(event)
        if isinstance(event, RoomDismissed):
            self._gifts.forget(*key)
            self._member_events.forget(*key)
            await members.room_gone(self._svc, *key)
        sessions = self._rooms.get(key)
        if not sessions:
            return
        if isinstance(event, GiftSent) and not self._gifts.offer(event, len(sessions)):
            return
        if isinstance(event, MemberEntered | MemberLeft) and not self._member_events.offer(event, len(sessions)):
            return
        frame = protocol.event(event)
        if isinstance(event, TextMessage | CustomMessage):
            if not self._batches.offer(key, frame):
                return
        elif isinstance(event, GiftSent | Liked) and self._batches.join(key, frame):
            return
        if event.recipients:
            for user_id in set(event.recipients):
                for session in sessions.of(user_id):
                    session.push(frame)
        else:
            for session in sessions.sessions:
                session.push(frame)
        if isinstance(event, RoomDismissed):
            self._batches.forget(key)
            for session in self._rooms.pop(key):
                session.rooms.discard(event.room_id)
        elif isinstance(event, MemberBanned | KickedOutOfRoom):
            gone = set(event.member_list_account if isinstance(event, MemberBanned) else event.recipients)
            for session in [s for user_id in gone for s in sessions.of(user_id)]:
                sessions.discard(session)
                session.rooms.discard(event.room_id)
            if not sessions:
                del self._rooms[key]
                self._batches.forget(key)

    def _send_held(self, event: GiftSent | MemberEntered | MemberLeft) -> None:
        """An event a pacer held, now that the room's budget allows it (to the members in the room now; a member
        event not to the member it is about, who may have entered again since)."""
        key = (event.sdkappid, event.room_id)
        frame = protocol.event(event)
        if isinstance(event, GiftSent):
            if self._batches.join(key, frame):
                return
        else:
            self._batches.flush(key)
        about = "" if isinstance(event, GiftSent) else event.member_account
        for session in self._rooms.get(key, ()):
            if session.user_id != about:
                session.push(frame)

    def _send_batch(self, key: tuple[int, str], frames: list[protocol.Frame]) -> None:
        """A room's batch of messages (and of the gifts and likes that came meanwhile), to the members in the room now
        (the same as when each was published: a connection entering or leaving flushes the batch first); alone, an
        event goes as its own frame."""
        sessions = self._rooms.get(key)
        if not sessions:
            return
        frame = frames[0] if len(frames) == 1 else protocol.batch(key[1], frames)
        for session in sessions:
            session.push(frame)
