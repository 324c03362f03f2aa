"""Seats: who sits where in a room with seats (indexes 0..MaxSeatCount-1), locking, moving and removing.

Every change publishes ``seat_list_changed`` with the whole list; a user removed from a seat by someone else also
gets ``kicked_off_seat``, a user put on a seat by someone else ``picked_on_seat``. Only members online may sit,
and leaving the room (or being banned) frees the seat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from liveroom.domain import callbacks
from liveroom.domain.callbacks import MembersChanged
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import KickedOffSeat, MicrophoneChanged, PickedOnSeat, SeatListChanged
from liveroom.domain.moderation import require_moderator
from liveroom.domain.refused import Refused
from liveroom.domain.rooms import require_room
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import RoomRecord, SeatRecord, Transaction

POLICY_CANCEL = 0
POLICY_FORCE = 1
POLICY_SWAP = 2


class _Seats:
    """The seats of one room inside one write transaction; ``save`` writes the ones changed."""

    def __init__(self, room: RoomRecord, stored: Sequence[SeatRecord], online: frozenset[str]) -> None:
        self.room = room
        self.seats = [SeatRecord(index=i) for i in range(room.max_seat_count)]
        self.changed: set[int] = set()
        for seat in stored:
            if seat.index < room.max_seat_count:
                self.seats[seat.index] = seat
                # Seats are stored, who is online is not: after a restart a seat's user may be gone.
                user = seat.member_account
                if user is not None and user not in online:
                    self.set(seat.index, member_account=None)

    def at(self, index: int, field: str) -> SeatRecord:
        if not 0 <= index < len(self.seats):
            raise InvalidParameter(f"{field}: must be 0..{len(self.seats) - 1} (the room's seats)")
        return self.seats[index]

    def of(self, user_id: str) -> SeatRecord | None:
        return next((s for s in self.seats if s.member_account == user_id), None)

    def set(self, index: int, **changes: Any) -> None:
        seat = self.seats[index]
        values = {name: getattr(seat, name) for name in SeatRecord.__struct_fields__}
        if changes.get("member_account", seat.member_account) != seat.member_account:
            # A closed microphone is the guest's: a guest who moves takes it along (said in ``changes``), a new one
            # sits with theirs open.
            values["is_microphone_closed"] = False
        values.update(changes)
        self.seats[index] = SeatRecord(**values)
        self.changed.add(index)

    async def save(self, svc: Services, tx: Transaction, caller: Caller, *, tell_app: bool = True) -> None:
        """Write the seats changed, and record Mic.CallbackAfterSeatInfoChanged with the whole list (unless not
        ``tell_app``: the callback carries Tencent's seat fields, which a microphone leaves as they were)."""
        if self.changed:
            await tx.put_seats(caller.sdkappid, self.room.room_id, [self.seats[i] for i in sorted(self.changed)])
            if tell_app:
                await callbacks.record(svc, tx, caller, self.list_changed(caller))

    def list_changed(self, caller: Caller) -> SeatListChanged:
        return SeatListChanged(
            sdkappid=caller.sdkappid, room_id=self.room.room_id, operator=caller.identifier, seat_list=tuple(self.seats)
        )


async def _seats_of(svc: Services, tx: Transaction, sdkappid: int, room: RoomRecord) -> _Seats:
    stored = await tx.get_seats(sdkappid, room.room_id)
    seated = any(seat.member_account is not None for seat in stored)
    online = await svc.presence.members(sdkappid, room.room_id) if seated else frozenset[str]()
    return _Seats(room, stored, online)


async def _load(svc: Services, tx: Transaction, caller: Caller, room_id: str) -> _Seats:
    room = await require_room(tx, caller, room_id)
    if not room.is_seat_enabled:
        raise LiveError(ErrorCode.SEATS_NOT_SUPPORTED, f"RoomId: room {room_id!r} has no seats")
    return await _seats_of(svc, tx, caller.sdkappid, room)


async def _publish(
    svc: Services, caller: Caller, seats: _Seats, notes: Sequence[PickedOnSeat | KickedOffSeat] = ()
) -> None:
    for note in notes:
        await svc.events.publish(note)
    if seats.changed:
        await svc.events.publish(seats.list_changed(caller))


async def _require_online(svc: Services, caller: Caller, room_id: str, user_id: str, field: str) -> None:
    if not await svc.presence.is_present(caller.sdkappid, room_id, user_id):
        raise Refused(ErrorCode.NOT_A_MEMBER, "not_in_room", f"{field}: {user_id!r} is not in the room")


def _require_free(seat: SeatRecord) -> None:
    if seat.is_taken_disabled:
        raise Refused(ErrorCode.NO_PERMISSION, "seat_locked", f"Index: seat {seat.index} is locked")
    if seat.member_account is not None:
        raise Refused(ErrorCode.NO_PERMISSION, "seat_taken", f"Index: seat {seat.index} is taken")


def _require_seated(seats: _Seats, user_id: str, field: str) -> SeatRecord:
    seat = seats.of(user_id)
    if seat is None:
        raise Refused(ErrorCode.NOT_A_MEMBER, "not_seated", f"{field}: {user_id!r} is not on a seat")
    return seat


def _kicked(caller: Caller, room_id: str, user_id: str, index: int, data: str = "") -> KickedOffSeat:
    return KickedOffSeat(
        sdkappid=caller.sdkappid,
        room_id=room_id,
        operator=caller.identifier,
        member_account=user_id,
        index=index,
        data=data,
    )


# reading ------------------------------------------------------------------------------------------------


async def seat_list(svc: Services, caller: Caller, room_id: str) -> list[SeatRecord]:
    """Every seat of the room, free ones included; a room without seats has none."""
    async with svc.store.read() as tx:
        room = await require_room(tx, caller, room_id)
        if not room.is_seat_enabled:
            return []
        return (await _seats_of(svc, tx, caller.sdkappid, room)).seats


# a member's own moves -----------------------------------------------------------------------------------


async def take(svc: Services, caller: Caller, room_id: str, index: int) -> None:
    """``caller`` sits on a free seat (FreeToTake, an approved application, or the owner or an admin)."""
    await _seat(svc, caller, room_id, index, caller.identifier, picked=False)


async def may_take_freely(svc: Services, caller: Caller, room_id: str) -> bool:
    """Whether ``caller`` may sit without applying: FreeToTake, or the owner or an admin of the room."""
    async with svc.store.read() as tx:
        seats = await _load(svc, tx, caller, room_id)
        if seats.room.take_seat_mode == "FreeToTake" or caller.identifier == seats.room.owner_account:
            return True
        return caller.identifier in await tx.room_admins(caller.sdkappid, room_id)


async def check_application(svc: Services, caller: Caller, room_id: str, index: int) -> None:
    """Refuse an application that could not be granted now (no seats, bad index, seat locked or taken)."""
    async with svc.store.read() as tx:
        seats = await _load(svc, tx, caller, room_id)
        _require_free(seats.at(index, "Index"))
        if seats.of(caller.identifier) is not None:
            raise Refused(ErrorCode.NO_PERMISSION, "already_seated", "Index: you are already on a seat")


async def check_invitation(svc: Services, caller: Caller, room_id: str, index: int, user_id: str) -> None:
    """Refuse an invitation of ``user_id`` to seat ``index`` that could not be accepted now: ``caller`` is neither
    the owner nor an admin allowed to act on them, no seats, bad index, seat locked or taken, ``user_id`` not in
    the room or already seated."""
    await require_moderator(svc, caller, room_id, (user_id,))
    async with svc.store.read() as tx:
        seats = await _load(svc, tx, caller, room_id)
        _require_free(seats.at(index, "Index"))
        if seats.of(user_id) is not None:
            raise Refused(ErrorCode.NO_PERMISSION, "already_seated", f"Member_Account: {user_id!r} is already seated")
    await _require_online(svc, caller, room_id, user_id, "Member_Account")


async def approvers(svc: Services, caller: Caller, room_id: str) -> frozenset[str]:
    """Who may approve seat applications in the room: its owner and admins."""
    async with svc.store.read() as tx:
        owner = await tx.room_owner(caller.sdkappid, room_id)
        admins = await tx.room_admins(caller.sdkappid, room_id)
    return frozenset(admins) | ({owner} if owner else set())


async def seat_if_free(
    svc: Services, tx: Transaction, caller: Caller, room_id: str, index: int
) -> SeatListChanged | None:
    """In ``tx``, seat ``caller`` on seat ``index`` if they still may (an approved application, an accepted
    invitation): the room has that seat, free and unlocked, and ``caller`` is online and not seated. The event to
    publish once ``tx`` has committed, None when the seat could not be taken (nothing is changed)."""
    room = await tx.get_room(caller.sdkappid, room_id)
    if room is None or not room.is_seat_enabled or not 0 <= index < room.max_seat_count:
        return None
    seats = await _seats_of(svc, tx, caller.sdkappid, room)
    seat = seats.seats[index]
    if seat.is_taken_disabled or seat.member_account is not None or seats.of(caller.identifier) is not None:
        return None
    if not await svc.presence.is_present(caller.sdkappid, room_id, caller.identifier):
        return None
    seats.set(index, member_account=caller.identifier)
    await seats.save(svc, tx, caller)
    return seats.list_changed(caller)


async def leave_seat(svc: Services, caller: Caller, room_id: str) -> None:
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        seat = _require_seated(seats, caller.identifier, "RoomId")
        seats.set(seat.index, member_account=None)
        await seats.save(svc, tx, caller)
    await _publish(svc, caller, seats)


async def vacate(
    svc: Services, caller: Caller, room_id: str, user_id: str, offline: MembersChanged | None
) -> str | None:
    """Free ``user_id``'s seat, if any (they left the room); ``offline``, the after-callback of their leaving, is
    recorded in the same transaction. Answers the room's owner (None: the room is gone)."""
    seats = None
    async with svc.store.write() as tx:
        room = await tx.get_room(caller.sdkappid, room_id)
        if room is None:
            return None
        if room.is_seat_enabled:
            # Presence no longer has them: reading the seats frees theirs already (as any seat of a user gone).
            seats = await _seats_of(svc, tx, caller.sdkappid, room)
            seat = seats.of(user_id)
            if seat is not None:
                seats.set(seat.index, member_account=None)
            await seats.save(svc, tx, caller)
        if offline is not None:
            await callbacks.record(svc, tx, caller, offline)
    if seats is not None:
        await _publish(svc, caller, seats)
    return room.owner_account


# the admin APIs -----------------------------------------------------------------------------------------


async def pick(svc: Services, caller: Caller, room_id: str, index: int, user_id: str) -> None:
    """Put a member online on a free seat."""
    await _seat(svc, caller, room_id, index, user_id, picked=True)


async def _seat(svc: Services, caller: Caller, room_id: str, index: int, user_id: str, *, picked: bool) -> None:
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        seat = seats.at(index, "Index")
        await _require_online(svc, caller, room_id, user_id, "Member_Account")
        if seats.of(user_id) is not None:
            raise Refused(ErrorCode.NO_PERMISSION, "already_seated", f"Member_Account: {user_id!r} is already seated")
        _require_free(seat)
        seats.set(index, member_account=user_id)
        await seats.save(svc, tx, caller)
    notes = []
    if picked:
        notes.append(
            PickedOnSeat(
                sdkappid=caller.sdkappid,
                room_id=room_id,
                operator=caller.identifier,
                member_account=user_id,
                index=index,
            )
        )
    await _publish(svc, caller, seats, notes)


async def kick(
    svc: Services, caller: Caller, room_id: str, user_id: str, data: str, *, as_member: bool = False
) -> None:
    """Take a seated user off their seat; ``data`` is delivered to them. ``as_member``: ``caller`` is a member on
    the client gateway, who must be the owner or an admin (as for every admin call below)."""
    if as_member:
        await require_moderator(svc, caller, room_id, (user_id,))
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        seat = _require_seated(seats, user_id, "Member_Account")
        seats.set(seat.index, member_account=None)
        await seats.save(svc, tx, caller)
    await _publish(svc, caller, seats, [_kicked(caller, room_id, user_id, seat.index, data)])


async def lock(
    svc: Services,
    caller: Caller,
    room_id: str,
    index: int,
    forbid_taken: bool | None,
    forbid_video: bool | None,
    forbid_audio: bool | None,
    *,
    as_member: bool = False,
) -> None:
    """Change the given switches of a seat; locking an occupied seat removes its user first."""
    if as_member:
        await require_moderator(svc, caller, room_id)
    notes = []
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        seat = seats.at(index, "Index")
        changes: dict[str, Any] = {}
        if forbid_taken is not None:
            changes["is_taken_disabled"] = forbid_taken
            if forbid_taken and seat.member_account is not None:
                changes["member_account"] = None
                notes.append(_kicked(caller, room_id, seat.member_account, index))
        if forbid_video is not None:
            changes["is_video_disabled"] = forbid_video
        if forbid_audio is not None:
            changes["is_audio_disabled"] = forbid_audio
        if changes:
            seats.set(index, **changes)
        await seats.save(svc, tx, caller)
    await _publish(svc, caller, seats, notes)


async def switch(svc: Services, caller: Caller, room_id: str, to_index: int, user_id: str) -> None:
    """Move a seated user to a free seat (the older API)."""
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        target = seats.at(to_index, "ToIndex")
        seat = _require_seated(seats, user_id, "Member_Account")
        if seat.index != to_index:
            _require_free(target)
            seats.set(seat.index, member_account=None)
            seats.set(to_index, member_account=user_id, is_microphone_closed=seat.is_microphone_closed)
        await seats.save(svc, tx, caller)
    await _publish(svc, caller, seats)


async def move(
    svc: Services, caller: Caller, room_id: str, index: int, user_id: str, policy: int, *, as_member: bool = False
) -> None:
    """Move a member online to seat ``index``. When it is taken: 0 refuse, 1 its user is kicked off, 2 swap
    (its user takes the mover's old seat, or is kicked off when the mover had none)."""
    if policy not in (POLICY_CANCEL, POLICY_FORCE, POLICY_SWAP):
        raise InvalidParameter("Policy: must be 0 (cancel), 1 (force) or 2 (swap)")
    if as_member:
        await require_moderator(svc, caller, room_id, (user_id,))
    notes = []
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        target = seats.at(index, "SeatIndex")
        await _require_online(svc, caller, room_id, user_id, "Member_Account")
        current = seats.of(user_id)
        if current is not None and current.index == index:
            return
        closed = current is not None and current.is_microphone_closed
        if target.is_taken_disabled:
            raise Refused(ErrorCode.NO_PERMISSION, "seat_locked", f"SeatIndex: seat {index} is locked")
        occupant = target.member_account
        if occupant is not None:
            if policy == POLICY_CANCEL:
                raise Refused(ErrorCode.NO_PERMISSION, "seat_taken", f"SeatIndex: seat {index} is taken")
            if policy == POLICY_SWAP and current is not None:
                seats.set(current.index, member_account=occupant, is_microphone_closed=target.is_microphone_closed)
                current = None
            else:
                notes.append(_kicked(caller, room_id, occupant, index))
        if current is not None:
            seats.set(current.index, member_account=None)
        seats.set(index, member_account=user_id, is_microphone_closed=closed)
        await seats.save(svc, tx, caller)
    await _publish(svc, caller, seats, notes)


async def set_microphone(svc: Services, caller: Caller, room_id: str, user_id: str, is_open: bool) -> None:
    """The owner or an admin closes (or opens again) the microphone of a guest on a seat: the room hears it as
    ``microphone_changed`` and the guest's client acts on it. The media is the app's; what liveroom keeps is that
    a moderator closed it, on the guest's seat (``is_microphone_closed``, in the seat lists, with
    ``seat_list_changed`` when it changes) until a moderator opens it or the guest leaves the seat. Opening on a
    seat whose audio is locked (lock_seat ForbidAudio) is refused."""
    await require_moderator(svc, caller, room_id, (user_id,))
    async with svc.store.write() as tx:
        seats = await _load(svc, tx, caller, room_id)
        seat = _require_seated(seats, user_id, "Member_Account")
        if is_open and seat.is_audio_disabled:
            info = f"Member_Account: seat {seat.index} has its audio locked"
            raise Refused(ErrorCode.NO_PERMISSION, "seat_locked", info)
        if seat.is_microphone_closed == is_open:
            seats.set(seat.index, is_microphone_closed=not is_open)
            await seats.save(svc, tx, caller, tell_app=False)
    await svc.events.publish(
        MicrophoneChanged(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            member_account=user_id,
            index=seat.index,
            is_open=is_open,
        )
    )
    await _publish(svc, caller, seats)
