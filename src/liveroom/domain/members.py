"""People in a room: admins, bans and mutes (the admin APIs), and members entering and leaving.

Who is online is kept by ``Presence``; ``ViewCount`` counts entries (a user who enters three times counts three).
A ban removes the user from the room at once and keeps them out until it ends; a mute is enforced by
``domain.messages``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import msgspec

from liveroom.domain import battles, callbacks, cohosting, seats
from liveroom.domain.accounts import require_imported
from liveroom.domain.callbacks import MembersChanged
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import (
    AdminsChanged,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    MemberMuted,
    MemberUnbanned,
    RobotsChanged,
    RoomDismissed,
)
from liveroom.domain.moderation import require_moderator
from liveroom.domain.refused import Refused
from liveroom.domain.rooms import record_dismissal, require_room, require_room_exists
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import AppRecord, RoomRecord

log = logging.getLogger("liveroom.members")
MAX_ADMINS = 5
MAX_ROBOTS = 3
BAN_BATCH_MAX = 20
MUTE_BATCH_MAX = 100
BANNED_PAGE_MAX = 100
REASON_MAX_BYTES = 200
OP_TYPES = ("add", "delete")


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """A member's view of the room they entered (who else is in it is paged with ``audience.member_list``)."""

    room: RoomRecord
    member_count: int
    admins: list[str]


# admins -------------------------------------------------------------------------------------------------


async def admin_list(svc: Services, caller: Caller, room_id: str) -> list[str]:
    async with svc.store.read() as tx:
        await require_room_exists(tx, caller, room_id)
        return await tx.room_admins(caller.sdkappid, room_id)


async def modify_admins(svc: Services, caller: Caller, room_id: str, accounts: Sequence[str], op_type: str) -> None:
    if op_type not in OP_TYPES:
        raise InvalidParameter("OpType: must be 'add' or 'delete'")
    wanted = list(dict.fromkeys(accounts))
    async with svc.store.write() as tx:
        await require_room_exists(tx, caller, room_id)
        if op_type == "add":
            await require_imported(tx, caller, wanted, "Admin_Account")
            current = await tx.room_admins(caller.sdkappid, room_id)
            if len(set(current) | set(wanted)) > MAX_ADMINS:
                raise LiveError(ErrorCode.TOO_MANY_ADMINS, f"Admin_Account: a room has at most {MAX_ADMINS} admins")
            await tx.add_room_admins(caller.sdkappid, room_id, wanted)
        else:
            await tx.remove_room_admins(caller.sdkappid, room_id, wanted)
        changed = AdminsChanged(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            op_type=op_type,
            admin_account=tuple(wanted),
        )
        await callbacks.record(svc, tx, caller, changed)
    await svc.events.publish(changed)


# bans ---------------------------------------------------------------------------------------------------


async def ban(
    svc: Services,
    caller: Caller,
    room_id: str,
    accounts: Sequence[str],
    duration: int,
    reason: str,
    *,
    as_member: bool = False,
) -> int:
    """Ban until now + ``duration`` seconds; members online are removed at once. Answers BannedUntil.
    ``as_member``: ``caller`` is a member on the client gateway, who must be the owner or an admin."""
    wanted = list(dict.fromkeys(accounts))
    if len(reason.encode()) > REASON_MAX_BYTES:
        raise InvalidParameter(f"Reason: at most {REASON_MAX_BYTES} bytes")
    if as_member:
        await require_moderator(svc, caller, room_id, wanted, "MemberList_Account")
    banned_until = svc.now() + duration
    async with svc.store.write() as tx:
        owner = await require_room_exists(tx, caller, room_id)
        if owner in wanted:
            info = f"MemberList_Account: {owner!r} owns the room and cannot be banned"
            raise Refused(ErrorCode.NO_PERMISSION, "not_allowed", info)
        await require_imported(tx, caller, wanted, "MemberList_Account")
        await tx.put_bans(caller.sdkappid, room_id, wanted, banned_until, reason)
    await svc.events.publish(
        MemberBanned(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            member_list_account=tuple(wanted),
            banned_until=banned_until,
            reason=reason,
        )
    )
    try:
        await cohosting.owners_banned(svc, caller, room_id, wanted)
        for user_id in wanted:
            remaining = await svc.presence.remove(caller.sdkappid, room_id, user_id)
            if remaining is not None:
                await left_room(svc, caller, room_id, user_id, remaining, "banned")
    except Exception:
        # The ban is committed and answers success; a member it could not take out now cannot enter again.
        log.exception("banned members of room %r still online were not all taken out", room_id)
    return banned_until


async def unban(svc: Services, caller: Caller, room_id: str, accounts: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(accounts))
    async with svc.store.write() as tx:
        await require_room_exists(tx, caller, room_id)
        await tx.delete_bans(caller.sdkappid, room_id, wanted)
    await svc.events.publish(
        MemberUnbanned(
            sdkappid=caller.sdkappid, room_id=room_id, operator=caller.identifier, member_list_account=tuple(wanted)
        )
    )


async def banned(
    svc: Services, caller: Caller, room_id: str, offset: int, limit: int
) -> tuple[list[tuple[str, int]], int]:
    """One page of bans in force, by account, and the offset of the next page (0 after the last)."""
    async with svc.store.read() as tx:
        await require_room_exists(tx, caller, room_id)
        rows = await tx.list_bans(caller.sdkappid, room_id, svc.now(), offset, limit + 1)
    if len(rows) <= limit:
        return rows, 0
    return rows[:limit], offset + limit


# mutes --------------------------------------------------------------------------------------------------


async def mute(
    svc: Services, caller: Caller, room_id: str, accounts: Sequence[str], mute_time: int, *, as_member: bool = False
) -> int:
    """Mute for ``mute_time`` seconds (0 unmutes). Answers MutedUntil (0 when unmuted). ``as_member``: as ``ban``."""
    wanted = list(dict.fromkeys(accounts))
    if as_member:
        await require_moderator(svc, caller, room_id, wanted, "MemberList_Account")
    muted_until = svc.now() + mute_time if mute_time else 0
    async with svc.store.write() as tx:
        await require_room_exists(tx, caller, room_id)
        if mute_time:
            await require_imported(tx, caller, wanted, "MemberList_Account")
            await tx.put_mutes(caller.sdkappid, room_id, wanted, muted_until)
        else:
            await tx.delete_mutes(caller.sdkappid, room_id, wanted)
    await svc.events.publish(
        MemberMuted(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            member_list_account=tuple(wanted),
            muted_until=muted_until,
        )
    )
    return muted_until


async def muted(svc: Services, caller: Caller, room_id: str) -> list[tuple[str, int]]:
    async with svc.store.read() as tx:
        await require_room_exists(tx, caller, room_id)
        return await tx.list_mutes(caller.sdkappid, room_id, svc.now())


# entering and leaving -----------------------------------------------------------------------------------


async def enter(
    svc: Services, caller: Caller, room_id: str, *, new_view: bool = True, sole_connection: bool = True
) -> Entry:
    """``caller`` enters: refused when banned or when the room is full. Every entry counts in ViewCount, except
    one the client gateway knows to be a reconnection (``new_view`` False). ``sole_connection`` False: another
    connection of the caller on this node is in the room (a failed entry must not take it out)."""
    sdkappid, user_id = caller.sdkappid, caller.identifier
    presence = svc.presence
    admission = None
    try:
        async with svc.store.write() as tx:
            room = await require_room(tx, caller, room_id)
            now = svc.now()
            if await tx.is_banned(sdkappid, room_id, user_id, now):
                raise Refused(ErrorCode.NO_PERMISSION, "banned", f"RoomId: you are banned from room {room_id!r}")
            # Inside the write transaction: a ban or a dismissal cannot slip in between the checks and the entry.
            admission = await presence.enter(sdkappid, room_id, user_id, room.max_member_count)
            if not admission.admitted:
                raise Refused(
                    ErrorCode.NO_PERMISSION,
                    "room_full",
                    f"RoomId: room {room_id!r} is full (MaxMemberCount {room.max_member_count})",
                )
            view_count = await tx.add_view(sdkappid, room_id) if new_view else room.view_count
            assert view_count is not None
            admins = await tx.room_admins(sdkappid, room_id)
            if room.owner_account == user_id:
                await tx.note_owner_gone(sdkappid, room_id, user_id, None)  # back in time: the room stays connected
            if not admission.already:
                online = _state(caller, room_id, user_id, online=True, cause=callbacks.ENTER)
                await callbacks.record(svc, tx, caller, online)
    except BaseException:
        # Nothing of a failed entry stays behind, presence included: also not this node's part of a member already
        # in the room through another node.
        if admission is not None and admission.admitted and (not admission.already or sole_connection):
            remaining = await presence.leave(sdkappid, room_id, user_id)
            if admission.already and remaining is not None:
                # They were a member (back before their old entry expired) and now are not: the room is told.
                await left_room(svc, caller, room_id, user_id, remaining, "disconnected")
        raise
    room = msgspec.structs.replace(room, view_count=view_count)
    if not admission.already:
        await svc.events.publish(
            MemberEntered(
                sdkappid=sdkappid,
                room_id=room_id,
                operator=user_id,
                member_account=user_id,
                member_count=admission.member_count,
                view_count=view_count,
            )
        )
    return Entry(room=room, member_count=admission.member_count, admins=admins)


async def leave(svc: Services, caller: Caller, room_id: str, reason: str = "left") -> bool:
    """``caller``'s connections on this node leave (``reason``: left, disconnected ...); False when that did not
    end their membership (they were not in the room, or are still in it through another node)."""
    remaining = await svc.presence.leave(caller.sdkappid, room_id, caller.identifier)
    if remaining is None:
        return False
    await left_room(svc, caller, room_id, caller.identifier, remaining, reason)
    return True


def _state(caller: Caller, room_id: str, user_id: str, *, online: bool, cause: str) -> MembersChanged:
    return MembersChanged(
        sdkappid=caller.sdkappid,
        room_id=room_id,
        operator=caller.identifier,
        online=online,
        cause=cause,
        members=(user_id,),
    )


async def left_room(svc: Services, caller: Caller, room_id: str, user_id: str, remaining: int, reason: str) -> None:
    """``user_id`` is no longer in the room (``remaining`` members are): their seat is freed, the app backend and the
    room are told (``reason``: left, disconnected, timeout, banned, kicked)."""
    offline = None
    if callbacks.wanted(caller, callbacks.MEMBER_STATE_CHANGED):
        cause = callbacks.LEAVE_CAUSES.get(reason, callbacks.LEAVE)
        offline = _state(caller, room_id, user_id, online=False, cause=cause)
    owner = await seats.vacate(svc, caller, room_id, user_id, offline)
    if owner == user_id:
        await cohosting.owner_left(svc, caller, room_id, user_id, reason)
    await svc.events.publish(
        MemberLeft(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            member_account=user_id,
            member_count=remaining,
            reason=reason,
        )
    )


async def sweep_lost(svc: Services, apps: Callable[[int], AppRecord | None]) -> int:
    """Members of nodes that went away (``Presence.lost``) leave their rooms, seats included; answers how many."""
    gone = await svc.presence.lost()
    for lost in gone:
        app = apps(lost.sdkappid)
        if app is not None:
            caller = Caller(app, lost.user_id)
            await left_room(svc, caller, lost.room_id, lost.user_id, lost.member_count, "disconnected")
    return len(gone)


async def room_gone(svc: Services, sdkappid: int, room_id: str) -> frozenset[str]:
    """Forget who was online in a dismissed room; answers who was."""
    return await svc.presence.clear_room(sdkappid, room_id)


async def dismiss_if_empty(svc: Services, app: AppRecord, room_id: str) -> bool:
    """Auto-dismissal: dismiss the room when nobody is online in it and it has no robots."""
    sdkappid = app.sdkappid
    # Not a count kept by this node: an entry through another node may not have reached it yet.
    if await svc.presence.member_count(sdkappid, room_id, fresh=True):
        return False
    async with svc.store.write() as tx:
        if await tx.room_robots(sdkappid, room_id):
            return False
        room = await tx.delete_room(sdkappid, room_id)
        if room is None:
            return False
        await record_dismissal(svc, tx, Caller(app, ""), room, by_system=True)
        ended = await cohosting.room_gone(svc, tx, Caller(app, ""), room_id)
        ended += await battles.leave_battles(svc, tx, Caller(app, ""), room_id)
    await svc.events.publish(RoomDismissed(sdkappid=sdkappid, room_id=room_id, operator="", reason="empty"))
    await battles.publish(svc, ended)
    return True


# robots -------------------------------------------------------------------------------------------------


async def robots(svc: Services, caller: Caller, room_id: str) -> list[str]:
    async with svc.store.read() as tx:
        await require_room_exists(tx, caller, room_id)
        return await tx.room_robots(caller.sdkappid, room_id)


async def modify_robots(svc: Services, caller: Caller, room_id: str, accounts: Sequence[str], op_type: str) -> None:
    """Add (at most ``MAX_ROBOTS`` in a room, imported accounts) or delete robots. A room with robots is never
    dismissed automatically."""
    wanted = list(dict.fromkeys(accounts))
    async with svc.store.write() as tx:
        await require_room_exists(tx, caller, room_id)
        if op_type == "add":
            await require_imported(tx, caller, wanted, "RobotList_Account")
            current = await tx.room_robots(caller.sdkappid, room_id)
            if len(set(current) | set(wanted)) > MAX_ROBOTS:
                raise InvalidParameter(f"RobotList_Account: a room has at most {MAX_ROBOTS} robots")
            await tx.add_room_robots(caller.sdkappid, room_id, wanted)
        else:
            await tx.remove_room_robots(caller.sdkappid, room_id, wanted)
    await svc.events.publish(
        RobotsChanged(
            sdkappid=caller.sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            op_type=op_type,
            robot_list_account=tuple(wanted),
        )
    )
