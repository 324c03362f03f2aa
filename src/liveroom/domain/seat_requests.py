"""Seat requests: a member's application for a seat (``ApplyToTake``), which the owner or an admin approves or
rejects, and an invitation of a member to a seat by the owner or an admin, which the member accepts or declines.
The applicant may cancel an application, the owner or an admin an invitation; either times out.

A pending request is a row of the store with its deadline (``store.queries.seat_requests``), never only a timer:
a restart, or the loss of the node it was made through, neither loses it nor times it out twice. It ends one way
only, by the one transaction that deletes its row: the answer, the cancellation or the timeout (``time_out_due``,
which every node's ``realtime.clocks.seat_request_clock`` runs). Its result event is published once that transaction has
committed; a node killed in between has ended the request without telling it.

A write that changes a request and reads the room locks the room's row first, as destroy_room does before it
deletes the room's requests, so that on PostgreSQL the two wait for each other instead of deadlocking; a timeout
touches the requests only.
"""

from __future__ import annotations

from liveroom.domain import seats
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import (
    SeatApplication,
    SeatApplicationResult,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
)
from liveroom.domain.moderation import require_moderator
from liveroom.domain.refused import Refused
from liveroom.domain.rooms import require_room_exists
from liveroom.errors import ErrorCode
from liveroom.store.interface import SeatRequestRecord, Transaction

APPLICATION = "application"
INVITATION = "invitation"


def _now_ms(svc: Services) -> int:
    return round(svc.clock() * 1000)


async def _approvers(tx: Transaction, sdkappid: int, room_id: str, owner: str) -> frozenset[str]:
    """Who may answer the room's applications and make or cancel its invitations: its owner and admins."""
    return frozenset(await tx.room_admins(sdkappid, room_id)) | {owner}


async def _publish_seated(svc: Services, seated: SeatListChanged | None) -> None:
    if seated is not None:
        await svc.events.publish(seated)


# applications -------------------------------------------------------------------------------------------------


async def apply(svc: Services, applicant: Caller, room_id: str, index: int, seconds: float) -> None:
    """``applicant`` applies for seat ``index``; the owner and admins are told, and have ``seconds`` to answer."""
    await seats.check_application(svc, applicant, room_id, index)
    request = SeatRequestRecord(
        applicant.sdkappid,
        room_id,
        applicant.identifier,
        APPLICATION,
        index,
        applicant.identifier,
        _now_ms(svc) + round(seconds * 1000),
    )
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, applicant, room_id)
        if not await tx.add_seat_request(request):
            raise Refused(ErrorCode.NO_PERMISSION, "already_applied", "RoomId: you already applied for a seat")
        recipients = await _approvers(tx, applicant.sdkappid, room_id, owner)
    await svc.events.publish(
        SeatApplication(
            sdkappid=applicant.sdkappid,
            room_id=room_id,
            operator=applicant.identifier,
            recipients=recipients,
            member_account=applicant.identifier,
            index=index,
        )
    )


async def respond(svc: Services, approver: Caller, room_id: str, user_id: str, approve: bool) -> str:
    """Approve or reject ``user_id``'s application; answers the Result (approved, rejected, failed: the seat could
    no longer be taken)."""
    seated = None
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, approver, room_id)
        recipients = await _approvers(tx, approver.sdkappid, room_id, owner)
        if approver.identifier not in recipients:
            raise Refused(ErrorCode.NO_PERMISSION, "not_allowed", "RoomId: only the owner or an admin may answer")
        request = await tx.take_seat_request(approver.sdkappid, room_id, user_id, APPLICATION, _now_ms(svc))
        if request is None:
            info = f"Member_Account: {user_id!r} has no pending application"
            raise Refused(ErrorCode.NOT_A_MEMBER, "no_application", info)
        result = "rejected"
        if approve:
            applicant = Caller(approver.app, user_id, platform=approver.platform)
            seated = await seats.seat_if_free(svc, tx, applicant, room_id, request.seat_index)
            result = "failed" if seated is None else "approved"
    await _publish_seated(svc, seated)
    await _application_ended(svc, request, result, approver.identifier, recipients)
    return result


async def cancel_application(svc: Services, applicant: Caller, room_id: str) -> None:
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, applicant, room_id)
        request = await tx.take_seat_request(
            applicant.sdkappid, room_id, applicant.identifier, APPLICATION, _now_ms(svc)
        )
        if request is None:
            raise Refused(ErrorCode.NOT_A_MEMBER, "no_application", "RoomId: you have no pending application")
        recipients = await _approvers(tx, applicant.sdkappid, room_id, owner)
    await _application_ended(svc, request, "cancelled", applicant.identifier, recipients)


async def _application_ended(
    svc: Services, request: SeatRequestRecord, result: str, operator: str, approvers: frozenset[str]
) -> None:
    await svc.events.publish(
        SeatApplicationResult(
            sdkappid=request.sdkappid,
            room_id=request.room_id,
            operator=operator,
            recipients=approvers | {request.member_account},
            member_account=request.member_account,
            index=request.seat_index,
            result=result,
        )
    )


# invitations --------------------------------------------------------------------------------------------------


async def invite(svc: Services, inviter: Caller, room_id: str, user_id: str, index: int, seconds: float) -> None:
    """Invite ``user_id`` to seat ``index`` for ``seconds``; the invitee, owner and admins are told."""
    await seats.check_invitation(svc, inviter, room_id, index, user_id)
    request = SeatRequestRecord(
        inviter.sdkappid,
        room_id,
        user_id,
        INVITATION,
        index,
        inviter.identifier,
        _now_ms(svc) + round(seconds * 1000),
    )
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, inviter, room_id)
        if not await tx.add_seat_request(request):
            info = f"Member_Account: {user_id!r} has a pending invitation"
            raise Refused(ErrorCode.NO_PERMISSION, "already_invited", info)
        recipients = await _approvers(tx, inviter.sdkappid, room_id, owner)
    await svc.events.publish(
        SeatInvitation(
            sdkappid=inviter.sdkappid,
            room_id=room_id,
            operator=inviter.identifier,
            recipients=recipients | {user_id},
            member_account=user_id,
            index=index,
            timeout=max(1, round(seconds)),
        )
    )


async def cancel_invitation(svc: Services, canceller: Caller, room_id: str, user_id: str) -> None:
    """The owner or an admin takes an invitation back before it is answered."""
    await require_moderator(svc, canceller, room_id, (user_id,))
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, canceller, room_id)
        request = await tx.take_seat_request(canceller.sdkappid, room_id, user_id, INVITATION, _now_ms(svc))
        if request is None:
            info = f"Member_Account: {user_id!r} has no pending invitation"
            raise Refused(ErrorCode.NOT_A_MEMBER, "no_invitation", info)
        recipients = await _approvers(tx, canceller.sdkappid, room_id, owner)
    await _invitation_ended(svc, request, "cancelled", canceller.identifier, recipients)


async def answer_invitation(svc: Services, invitee: Caller, room_id: str, accept: bool) -> str:
    """The invitee accepts (and sits, unless the seat can no longer be taken) or declines; answers the Result
    (accepted, declined, failed)."""
    seated = None
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, invitee, room_id)
        request = await tx.take_seat_request(invitee.sdkappid, room_id, invitee.identifier, INVITATION, _now_ms(svc))
        if request is None:
            info = f"Member_Account: {invitee.identifier!r} has no pending invitation"
            raise Refused(ErrorCode.NOT_A_MEMBER, "no_invitation", info)
        result = "declined"
        if accept:
            seated = await seats.seat_if_free(svc, tx, invitee, room_id, request.seat_index)
            result = "failed" if seated is None else "accepted"
        recipients = await _approvers(tx, invitee.sdkappid, room_id, owner)
    await _publish_seated(svc, seated)
    await _invitation_ended(svc, request, result, invitee.identifier, recipients)
    return result


async def _invitation_ended(
    svc: Services, request: SeatRequestRecord, result: str, operator: str, approvers: frozenset[str]
) -> None:
    await svc.events.publish(
        SeatInvitationResult(
            sdkappid=request.sdkappid,
            room_id=request.room_id,
            operator=operator,
            recipients=approvers | {request.member_account},
            member_account=request.member_account,
            index=request.seat_index,
            result=result,
        )
    )


# the clock ----------------------------------------------------------------------------------------------------


async def time_out_due(svc: Services, limit: int = 100) -> int:
    """End up to ``limit`` requests whose time is up (``Result`` timeout, no operator), each exactly once across
    every node: how many this call ended."""
    async with svc.store.write() as tx:
        ended = await tx.time_out_seat_requests(_now_ms(svc), limit)
    approvers: dict[tuple[int, str], frozenset[str]] = {}
    for request in ended:
        key = (request.sdkappid, request.room_id)
        if key not in approvers:
            async with svc.store.read() as tx:
                owner = await tx.room_owner(*key)
                approvers[key] = frozenset() if owner is None else await _approvers(tx, *key, owner)
        if request.kind == INVITATION:
            await _invitation_ended(svc, request, "timeout", "", approvers[key])
        else:
            await _application_ended(svc, request, "timeout", "", approvers[key])
    return len(ended)


async def next_deadline(svc: Services) -> int | None:
    """When the next pending request times out (Unix ms), None when none is pending."""
    async with svc.store.read() as tx:
        return await tx.next_seat_request_deadline()
