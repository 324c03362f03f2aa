"""Rooms: create, read, change, list, hand over and dismiss (decisions.md section 6).

Inputs arrive as typed values (``NewRoom``, ``RoomUpdate``) already checked for JSON type and byte length by the
wire layer; the rules here are the ones that need the app, the store or other fields.
"""

from __future__ import annotations

import base64
import binascii
from typing import NoReturn

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.domain import battles, callbacks, cohosting
from liveroom.domain.accounts import require_imported
from liveroom.domain.callbacks import MembersChanged, OwnerChanged, RoomCreated, RoomDestroyed
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import RoomDismissed, RoomInfoChanged
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import (
    ListCursor,
    RoomChanges,
    RoomListing,
    RoomRecord,
    Transaction,
    TransactionConflict,
)

ROOM_TYPE = "Live"
TAKE_SEAT_MODES = {"FreeToTake": "FreeToTake", "ApplyToTake": "ApplyToTake", 1: "FreeToTake", 2: "ApplyToTake"}
DEFAULT_SEATS = 8
LIST_PAGE_MAX = 20
SEARCH_BATCH = 500
_INT64_MAX = 2**63 - 1
# Inserts refused by a room or an account that was gone when read about: a create and a dismissal racing.
_CREATE_TRIES = 3

_cursor_decoder = msgspec.json.Decoder(ListCursor)
_cursor_encoder = msgspec.json.Encoder()


class NewRoom(msgspec.Struct, frozen=True, kw_only=True):
    """A room to create as the caller described it; what it leaves out takes these defaults (None: a default that
    depends on other fields or on the app, worked out by ``create_room``)."""

    room_id: str
    room_type: str
    seat_template: str = ""
    owner_account: str = ""  # the caller
    take_seat_mode: str | int = "FreeToTake"
    max_seat_count: int | None = None  # DEFAULT_SEATS with seats, else none
    max_member_count: int | None = None  # the app's member quota
    is_seat_enabled: bool = False
    seat_layout_template_id: int | None = None
    is_message_disabled: bool = False
    is_public_visible: bool = True
    is_unlimited_room_enabled: bool = False
    room_name: str | None = None  # the RoomId
    cover_url: str = ""
    category: tuple[int, ...] = ()
    activity_status: int = 0
    notice: str = ""


class RoomUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of a room to change; a field left UNSET keeps its value."""

    room_name: str | UnsetType = UNSET
    max_member_count: int | UnsetType = UNSET
    is_message_disabled: bool | UnsetType = UNSET
    cover_url: str | UnsetType = UNSET
    category: tuple[int, ...] | UnsetType = UNSET
    activity_status: int | UnsetType = UNSET
    is_public_visible: bool | UnsetType = UNSET
    take_seat_mode: str | int | UnsetType = UNSET
    notice: str | UnsetType = UNSET
    is_unlimited_room_enabled: bool | UnsetType = UNSET


_NO_CHANGES = RoomChanges()


class RoomStatistic(msgspec.Struct, frozen=True):
    total_viewers: int
    total_gifts_sent: int
    total_gift_coins: int
    total_unique_gift_senders: int
    total_likes_received: int
    total_msg_count: int

    @classmethod
    def of(cls, room: RoomRecord) -> RoomStatistic:
        return cls(
            total_viewers=room.view_count,
            total_gifts_sent=room.total_gifts_sent,
            total_gift_coins=room.total_gift_coins,
            total_unique_gift_senders=room.total_unique_gift_senders,
            total_likes_received=room.total_likes_received,
            total_msg_count=room.total_msg_count,
        )


def take_seat_mode(value: str | int) -> str:
    mode = TAKE_SEAT_MODES.get(value)
    if mode is None or isinstance(value, bool):
        raise InvalidParameter("TakeSeatMode: must be FreeToTake or ApplyToTake (or 1 / 2)")
    return mode


def _check_member_count(caller: Caller, value: int) -> int:
    quota = caller.app.member_quota
    if not 1 <= value <= quota:
        raise InvalidParameter(f"MaxMemberCount: must be 1..{quota} (the app's member quota)")
    return value


async def require_room(tx: Transaction, caller: Caller, room_id: str) -> RoomRecord:
    room = await tx.get_room(caller.sdkappid, room_id)
    if room is None:
        raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
    return room


async def require_room_exists(tx: Transaction, caller: Caller, room_id: str) -> str:
    """The room's owner; 100004 when there is no such room."""
    owner = await tx.room_owner(caller.sdkappid, room_id)
    if owner is None:
        raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
    return owner


def _new_room(svc: Services, caller: Caller, spec: NewRoom) -> RoomRecord:
    if spec.room_type != ROOM_TYPE:
        raise InvalidParameter(f"RoomType: must be {ROOM_TYPE!r}")
    seats_on = bool(spec.seat_template) or spec.is_seat_enabled
    seat_quota = caller.app.seat_quota
    if seats_on:
        max_seats = DEFAULT_SEATS if spec.max_seat_count is None else spec.max_seat_count
        if not 1 <= max_seats <= seat_quota:
            raise InvalidParameter(f"MaxSeatCount: must be 1..{seat_quota} (the app's seat quota)")
    else:
        # Seats off keep no seats, but a count given beside them is still held to the quota.
        if not 0 <= (spec.max_seat_count or 0) <= seat_quota:
            raise InvalidParameter(f"MaxSeatCount: must be 0..{seat_quota} (the app's seat quota)")
        max_seats = 0
    members = spec.max_member_count
    return RoomRecord(
        room_id=spec.room_id,
        room_name=spec.room_id if spec.room_name is None else spec.room_name,
        room_type=ROOM_TYPE,
        owner_account=spec.owner_account or caller.identifier,
        create_time=svc.now(),
        is_seat_enabled=seats_on,
        seat_template=spec.seat_template,
        seat_layout_template_id=spec.seat_layout_template_id,
        take_seat_mode=take_seat_mode(spec.take_seat_mode),
        max_seat_count=max_seats,
        max_member_count=_check_member_count(caller, caller.app.member_quota if members is None else members),
        is_message_disabled=spec.is_message_disabled,
        is_public_visible=spec.is_public_visible,
        is_unlimited_room_enabled=spec.is_unlimited_room_enabled,
        cover_url=spec.cover_url,
        category=spec.category,
        activity_status=spec.activity_status,
        notice=spec.notice,
    )


async def create_room(svc: Services, caller: Caller, spec: NewRoom) -> RoomRecord:
    room = _new_room(svc, caller, spec)
    if callbacks.records(caller, RoomCreated):
        async with svc.store.write() as tx:
            await require_imported(tx, caller, [room.owner_account], "Owner_Account")
            if not await tx.insert_room(caller.sdkappid, room):
                _refuse_existing(room, await tx.room_owner(caller.sdkappid, room.room_id))
            fact = RoomCreated(sdkappid=caller.sdkappid, room_id=room.room_id, operator=caller.identifier, room=room)
            await callbacks.record(svc, tx, caller, fact)
        return room
    # No webhook row to write with it: the room is one statement of its own (on PostgreSQL one with the other creates
    # of the moment), and a refusal is explained by reading afterwards.
    owner_known = room.owner_account in caller.app.admins
    for _ in range(_CREATE_TRIES):
        if await svc.store.insert_room(caller.sdkappid, room, owner_known=owner_known):
            return room
        async with svc.store.read() as tx:
            await require_imported(tx, caller, [room.owner_account], "Owner_Account")
            owner = await tx.room_owner(caller.sdkappid, room.room_id)
        if owner is not None:
            _refuse_existing(room, owner)
        # Dismissed, or the owner imported, since the insert: it may go in now.
    raise TransactionConflict(f"RoomId: room {room.room_id!r} was created and dismissed meanwhile; retry")


def _refuse_existing(room: RoomRecord, owner: str | None) -> NoReturn:
    if owner == room.owner_account:
        raise LiveError(
            ErrorCode.ROOM_EXISTS_SAME_OWNER,
            f"RoomId: room {room.room_id!r} already exists with this owner; use it as it is",
        )
    raise LiveError(ErrorCode.ROOM_EXISTS, f"RoomId: room {room.room_id!r} already exists")


async def get_room(svc: Services, caller: Caller, room_id: str) -> RoomRecord:
    room = await svc.store.get_room(caller.sdkappid, room_id)
    if room is None:
        raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
    return room


async def update_room(svc: Services, caller: Caller, room_id: str, update: RoomUpdate) -> None:
    mode = update.take_seat_mode
    mode = mode if isinstance(mode, UnsetType) else take_seat_mode(mode)
    if not isinstance(update.max_member_count, UnsetType):
        _check_member_count(caller, update.max_member_count)
    changes = RoomChanges(
        room_name=update.room_name,
        max_member_count=update.max_member_count,
        is_message_disabled=update.is_message_disabled,
        cover_url=update.cover_url,
        category=update.category,
        activity_status=update.activity_status,
        is_public_visible=update.is_public_visible,
        take_seat_mode=mode,
        notice=update.notice,
        is_unlimited_room_enabled=update.is_unlimited_room_enabled,
    )
    changed = RoomInfoChanged(
        sdkappid=caller.sdkappid,
        room_id=room_id,
        operator=caller.identifier,
        room_name=changes.room_name,
        max_member_count=changes.max_member_count,
        is_message_disabled=changes.is_message_disabled,
        cover_url=changes.cover_url,
        category=changes.category,
        activity_status=changes.activity_status,
        is_public_visible=changes.is_public_visible,
        take_seat_mode=changes.take_seat_mode,
        notice=changes.notice,
        is_unlimited_room_enabled=changes.is_unlimited_room_enabled,
    )
    if changes == _NO_CHANGES:
        await get_room(svc, caller, room_id)
        return
    if callbacks.records(caller, RoomInfoChanged):
        async with svc.store.write() as tx:
            if not await tx.update_room(caller.sdkappid, room_id, changes):
                raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
            await callbacks.record(svc, tx, caller, changed)
    # No webhook row to write with it: one statement of its own (on PostgreSQL one with the other changes of the
    # moment).
    elif not await svc.store.update_room(caller.sdkappid, room_id, changes):
        raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
    await svc.events.publish(changed)


async def destroy_room(svc: Services, caller: Caller, room_id: str) -> RoomStatistic:
    async with svc.store.write() as tx:
        room = await tx.delete_room(caller.sdkappid, room_id)
        if room is None:
            raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")
        await record_dismissal(svc, tx, caller, room, by_system=False)
        ended = await cohosting.room_gone(svc, tx, caller, room_id)
        ended += await battles.leave_battles(svc, tx, caller, room_id)
    statistic = RoomStatistic.of(room)
    await svc.events.publish(RoomDismissed(sdkappid=caller.sdkappid, room_id=room_id, operator=caller.identifier))
    await battles.publish(svc, ended)
    return statistic


async def record_dismissal(
    svc: Services, tx: Transaction, caller: Caller, room: RoomRecord, *, by_system: bool
) -> None:
    """The after-callbacks of a dismissal: the members online go offline (RoomDismissed), then the room."""
    sdkappid, room_id = caller.sdkappid, room.room_id
    if callbacks.wanted(caller, callbacks.MEMBER_STATE_CHANGED):
        online = await svc.presence.members(sdkappid, room_id)
        if online:
            offline = MembersChanged(
                sdkappid=sdkappid,
                room_id=room_id,
                operator=caller.identifier,
                online=False,
                cause=callbacks.ROOM_DISMISSED,
                members=tuple(sorted(online)),
            )
            await callbacks.record(svc, tx, caller, offline)
    destroyed = RoomDestroyed(
        sdkappid=sdkappid, room_id=room_id, operator=caller.identifier, room=room, by_system=by_system
    )
    await callbacks.record(svc, tx, caller, destroyed)


async def room_stats(svc: Services, caller: Caller, room_id: str) -> RoomStatistic:
    return RoomStatistic.of(await get_room(svc, caller, room_id))


def _decode_cursor(text: str) -> ListCursor | None:
    if not text:
        return None
    try:
        cursor = _cursor_decoder.decode(base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeEncodeError, msgspec.DecodeError):
        cursor = None
    # Only the exact text _encode_cursor makes is a cursor (a forged one with extra items is not), and no stored
    # sort key lies outside 64 bits, so a cursor carrying one was never answered by this server.
    if (
        cursor is None
        or _cursor_text(cursor) != text
        or not (abs(cursor.view_count) <= _INT64_MAX and abs(cursor.create_time) <= _INT64_MAX)
    ):
        raise InvalidParameter('Next: not a cursor this server returned; start again with ""')
    return cursor


def _cursor_text(cursor: ListCursor) -> str:
    return base64.urlsafe_b64encode(_cursor_encoder.encode(cursor)).rstrip(b"=").decode()


def _encode_cursor(room: RoomListing) -> str:
    return _cursor_text(ListCursor(room.view_count, room.create_time, room.room_id))


async def list_rooms(svc: Services, caller: Caller, next_cursor: str, count: int) -> tuple[list[RoomListing], str]:
    """One page of public rooms, most viewed first, and the cursor of the next page ("" after the last)."""
    after = _decode_cursor(next_cursor)
    async with svc.store.read_one() as tx:
        rooms = await tx.list_public_rooms(caller.sdkappid, after, count + 1)
    if len(rooms) <= count:
        return rooms, ""
    page = rooms[:count]
    return page, _encode_cursor(page[-1])


async def search_rooms(
    svc: Services, caller: Caller, text: str, next_cursor: str, count: int
) -> tuple[list[RoomListing], str]:
    """One page of the public rooms whose RoomId or RoomName holds ``text`` (case ignored), in ``list_rooms``'s
    order, and the cursor of the next page. The rooms are read in that order and matched here, a batch at a time:
    the same text in both databases, whatever their collations."""
    if not text:
        return await list_rooms(svc, caller, next_cursor, count)
    needle = text.casefold()
    after = _decode_cursor(next_cursor)
    found: list[RoomListing] = []
    while True:
        async with svc.store.read() as tx:
            batch = await tx.list_public_rooms(caller.sdkappid, after, SEARCH_BATCH)
        for room in batch:
            if needle in room.room_id.casefold() or needle in room.room_name.casefold():
                if len(found) == count:
                    return found, _encode_cursor(found[-1])
                found.append(room)
        if len(batch) < SEARCH_BATCH:
            return found, ""
        after = ListCursor(batch[-1].view_count, batch[-1].create_time, batch[-1].room_id)


async def change_owner(svc: Services, caller: Caller, room_id: str, new_owner: str) -> None:
    async with svc.store.write() as tx:
        old_owner = await require_room_exists(tx, caller, room_id)
        await require_imported(tx, caller, [new_owner], "NewOwner_Account")
        if await tx.is_banned(caller.sdkappid, room_id, new_owner, svc.now()):
            raise LiveError(
                ErrorCode.OWNER_BANNED,
                f"NewOwner_Account: {new_owner!r} is banned in this room; unban first",
            )
        await tx.update_room(caller.sdkappid, room_id, RoomChanges(owner_account=new_owner))
        await tx.set_connection_owner(caller.sdkappid, room_id, new_owner)
        fact = OwnerChanged(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            original_owner=old_owner,
            current_owner=new_owner,
        )
        await callbacks.record(svc, tx, caller, fact)
    await svc.events.publish(
        RoomInfoChanged(sdkappid=caller.sdkappid, room_id=room_id, operator=caller.identifier, owner_account=new_owner)
    )
