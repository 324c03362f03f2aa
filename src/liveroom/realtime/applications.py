"""ApplyToTake: a member's application for a seat, which the owner or an admin approves or rejects in time, and
which the applicant may cancel first (``Result`` ``cancelled``).

An application that nobody answers within the timeout ends with ``Result`` ``timeout``; one approved for a seat
that is no longer free ends with ``failed``. With many nodes, every node learns of an application from its
``seat_application`` event and forgets it on its ``seat_application_result``, so an admin connected to any node
can answer it; only the applicant's node times it out, so a timeout is told once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import msgspec

from liveroom.domain import seats
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import AnyRoomEvent, SeatApplication, SeatApplicationResult
from liveroom.domain.refused import Refused
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord


class _Pending(msgspec.Struct):
    applicant: Caller
    index: int
    timer: asyncio.TimerHandle


# An application heard of from another node is forgotten a little after its own node would have timed it out.
HEARD_GRACE_SECONDS = 5.0


class SeatApplications:
    def __init__(self, services: Services, timeout: float, apps: Callable[[int], AppRecord | None]) -> None:
        self._svc = services
        self._apps = apps
        self.timeout = timeout
        self._pending: dict[tuple[int, str, str], _Pending] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def apply(self, applicant: Caller, room_id: str, index: int) -> None:
        key = (applicant.sdkappid, room_id, applicant.identifier)
        if key in self._pending:
            raise Refused(ErrorCode.NO_PERMISSION, "already_applied", "RoomId: you already applied for a seat")
        await seats.check_application(self._svc, applicant, room_id, index)
        timer = asyncio.get_running_loop().call_later(self.timeout, self._expire, key)
        pending = _Pending(applicant=applicant, index=index, timer=timer)
        self._pending[key] = pending
        await self._svc.events.publish(
            SeatApplication(
                sdkappid=applicant.sdkappid,
                room_id=room_id,
                operator=applicant.identifier,
                recipients=await seats.approvers(self._svc, applicant, room_id),
                member_account=applicant.identifier,
                index=index,
            )
        )

    async def respond(self, approver: Caller, room_id: str, user_id: str, approve: bool) -> str:
        """Approve or reject ``user_id``'s application; answers the Result (approved, rejected, failed)."""
        if approver.identifier not in await seats.approvers(self._svc, approver, room_id):
            raise Refused(ErrorCode.NO_PERMISSION, "not_allowed", "RoomId: only the owner or an admin may answer")
        pending = self._pending.pop((approver.sdkappid, room_id, user_id), None)
        if pending is None:
            raise Refused(
                ErrorCode.NOT_A_MEMBER, "no_application", f"Member_Account: {user_id!r} has no pending application"
            )
        pending.timer.cancel()
        result = "rejected"
        if approve:
            try:
                await seats.take(self._svc, pending.applicant, room_id, pending.index)
                result = "approved"
            except LiveError:
                result = "failed"
        await self._result(pending, room_id, result, approver.identifier)
        return result

    async def cancel(self, applicant: Caller, room_id: str) -> None:
        pending = self._pending.pop((applicant.sdkappid, room_id, applicant.identifier), None)
        if pending is None:
            raise Refused(ErrorCode.NOT_A_MEMBER, "no_application", "RoomId: you have no pending application")
        pending.timer.cancel()
        await self._result(pending, room_id, "cancelled", applicant.identifier)

    def observe(self, event: AnyRoomEvent) -> None:
        """Applications made and answered on other nodes (and, harmlessly, on this one)."""
        if isinstance(event, SeatApplication):
            app = self._apps(event.sdkappid)
            key = (event.sdkappid, event.room_id, event.member_account)
            if key in self._pending or app is None:
                return
            timer = asyncio.get_running_loop().call_later(
                self.timeout + HEARD_GRACE_SECONDS, self._pending.pop, key, None
            )
            self._pending[key] = _Pending(applicant=Caller(app, event.member_account), index=event.index, timer=timer)
        elif isinstance(event, SeatApplicationResult):
            pending = self._pending.pop((event.sdkappid, event.room_id, event.member_account), None)
            if pending is not None:
                pending.timer.cancel()

    def _expire(self, key: tuple[int, str, str]) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            task = asyncio.get_running_loop().create_task(self._result(pending, key[1], "timeout", ""))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _result(self, pending: _Pending, room_id: str, result: str, operator: str) -> None:
        applicant = pending.applicant
        await self._svc.events.publish(
            SeatApplicationResult(
                sdkappid=applicant.sdkappid,
                room_id=room_id,
                operator=operator,
                recipients=await seats.approvers(self._svc, applicant, room_id) | {applicant.identifier},
                member_account=applicant.identifier,
                index=pending.index,
                result=result,
            )
        )
