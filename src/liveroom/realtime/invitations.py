"""Seat invitations: the owner or an admin invites a member to a seat; the member accepts or declines in time, and
the owner or an admin may cancel it first.

Like seat applications (``applications``) they live as long as their timeout, in memory: an invitation that nobody
answered within it ends with ``Result`` ``timeout``; one accepted for a seat that is no longer free ends with
``failed``. With many nodes every node learns of an invitation from its ``seat_invitation`` event and forgets it
on its ``seat_invitation_result``, so the invitee connected to any node can answer it and an admin on any node can
cancel it; only the inviter's node times it out, so a timeout is told once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import msgspec

from liveroom.domain import seats
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import AnyRoomEvent, SeatInvitation, SeatInvitationResult
from liveroom.domain.moderation import require_moderator
from liveroom.domain.refused import Refused
from liveroom.errors import ErrorCode, LiveError
from liveroom.realtime.applications import HEARD_GRACE_SECONDS
from liveroom.store.interface import AppRecord

Key = tuple[int, str, str]


class _Pending(msgspec.Struct):
    app: AppRecord
    invitee: str
    index: int
    timer: asyncio.TimerHandle


class SeatInvitations:
    def __init__(self, services: Services, timeout: float, apps: Callable[[int], AppRecord | None]) -> None:
        self._svc = services
        self._apps = apps
        self.timeout = timeout
        self._pending: dict[Key, _Pending] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def invite(self, inviter: Caller, room_id: str, user_id: str, index: int, seconds: float | None) -> None:
        """Invite ``user_id`` to seat ``index`` for ``seconds`` (by default the application timeout)."""
        key = (inviter.sdkappid, room_id, user_id)
        if key in self._pending:
            raise Refused(
                ErrorCode.NO_PERMISSION, "already_invited", f"Member_Account: {user_id!r} has a pending invitation"
            )
        await seats.check_invitation(self._svc, inviter, room_id, index, user_id)
        seconds = seconds or self.timeout
        timer = asyncio.get_running_loop().call_later(seconds, self._expire, key)
        self._pending[key] = _Pending(app=inviter.app, invitee=user_id, index=index, timer=timer)
        await self._svc.events.publish(
            SeatInvitation(
                sdkappid=inviter.sdkappid,
                room_id=room_id,
                operator=inviter.identifier,
                recipients=await seats.approvers(self._svc, inviter, room_id) | {user_id},
                member_account=user_id,
                index=index,
                timeout=max(1, round(seconds)),
            )
        )

    async def cancel(self, canceller: Caller, room_id: str, user_id: str) -> None:
        """The owner or an admin takes an invitation back before it is answered."""
        await require_moderator(self._svc, canceller, room_id, (user_id,))
        pending = self._take((canceller.sdkappid, room_id, user_id))
        await self._result(pending, room_id, "cancelled", canceller.identifier)

    async def answer(self, invitee: Caller, room_id: str, accept: bool) -> str:
        """The invitee accepts (and sits, unless the seat is no longer free) or declines; answers the Result."""
        pending = self._take((invitee.sdkappid, room_id, invitee.identifier))
        result = "declined"
        if accept:
            try:
                await seats.take(self._svc, invitee, room_id, pending.index)
                result = "accepted"
            except LiveError:
                result = "failed"
        await self._result(pending, room_id, result, invitee.identifier)
        return result

    def _take(self, key: Key) -> _Pending:
        pending = self._pending.pop(key, None)
        if pending is None:
            info = f"Member_Account: {key[2]!r} has no pending invitation"
            raise Refused(ErrorCode.NOT_A_MEMBER, "no_invitation", info)
        pending.timer.cancel()
        return pending

    def observe(self, event: AnyRoomEvent) -> None:
        """Invitations made and answered on other nodes (and, harmlessly, on this one)."""
        key = (event.sdkappid, event.room_id, getattr(event, "member_account", ""))
        if isinstance(event, SeatInvitation):
            app = self._apps(event.sdkappid)
            if key in self._pending or app is None:
                return
            loop = asyncio.get_running_loop()
            timer = loop.call_later(event.timeout + HEARD_GRACE_SECONDS, self._pending.pop, key, None)
            self._pending[key] = _Pending(app=app, invitee=event.member_account, index=event.index, timer=timer)
        elif isinstance(event, SeatInvitationResult):
            pending = self._pending.pop(key, None)
            if pending is not None:
                pending.timer.cancel()

    def _expire(self, key: Key) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            task = asyncio.get_running_loop().create_task(self._result(pending, key[1], "timeout", ""))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _result(self, pending: _Pending, room_id: str, result: str, operator: str) -> None:
        caller = Caller(pending.app, operator)
        await self._svc.events.publish(
            SeatInvitationResult(
                sdkappid=pending.app.sdkappid,
                room_id=room_id,
                operator=operator,
                recipients=await seats.approvers(self._svc, caller, room_id) | {pending.invitee},
                member_account=pending.invitee,
                index=pending.index,
                result=result,
            )
        )
