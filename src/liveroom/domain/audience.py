"""The audience of a room: who is in it, page by page, and taking members out of it without a ban.

The list is read from presence as it is now (no snapshot, no staleness): the owner and the room admins who are
online come first, on the first page, then every other member in the order they entered. ``Next`` is the position
of the last member of a page in that order; positions only grow, so a member who enters while a client pages is
found on a later page and one who leaves is simply not listed, and no member is listed twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from liveroom.domain.accounts import require_imported
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import KickedOutOfRoom
from liveroom.domain.members import left_room
from liveroom.domain.moderation import require_moderator
from liveroom.domain.refused import Refused
from liveroom.domain.rooms import require_room_exists
from liveroom.errors import ErrorCode, InvalidParameter

MEMBER_PAGE_MAX = 100
KICK_BATCH_MAX = 20
KICKED_BY_ADMIN = "by_admin"
_POSITION_MAX = 2**63 - 1


class MemberPage(msgspec.Struct, frozen=True, kw_only=True):
    members: list[str]
    next: str
    member_count: int


def _after(next_cursor: str) -> int:
    if not next_cursor:
        return 0
    # Only the exact text a page answered is a cursor: a decimal position without sign, spaces or leading zeros.
    position = int(next_cursor) if next_cursor.isascii() and next_cursor.isdigit() and len(next_cursor) <= 19 else 0
    if position <= 0 or position > _POSITION_MAX or str(position) != next_cursor:
        raise InvalidParameter('Next: not a cursor this server returned; start again with ""')
    return position


async def member_list(svc: Services, caller: Caller, room_id: str, next_cursor: str) -> MemberPage:
    """One page of the members online: at most ``MEMBER_PAGE_MAX``, the owner and admins first."""
    after = _after(next_cursor)
    async with svc.store.read() as tx:
        owner = await require_room_exists(tx, caller, room_id)
        admins = await tx.room_admins(caller.sdkappid, room_id)
    sdkappid, presence = caller.sdkappid, svc.presence
    first = list(dict.fromkeys([owner, *admins]))
    listed = [user for user in first if await presence.is_present(sdkappid, room_id, user)] if not after else []
    wanted = MEMBER_PAGE_MAX - len(listed)
    # The owner and admins are listed first only: skipped where they come in the entry order, so fetch past them.
    privileged = set(first)
    page = await presence.page(sdkappid, room_id, after, wanted + len(first) + 1)
    others = [entry for entry in page.members if entry[1] not in privileged]
    more = len(others) > wanted
    others = others[:wanted]
    return MemberPage(
        members=listed + [user for _, user in others],
        next=str(others[-1][0]) if more else "",
        member_count=page.member_count,
    )


async def kick(
    svc: Services, caller: Caller, room_id: str, accounts: Sequence[str], *, as_member: bool = False
) -> list[str]:
    """Take members out of the room without a ban (they may enter again at once); answers those who were in it.
    Each gets ``kicked_out_of_room``; the room sees them leave (``member_left``, reason kicked) and their seats
    freed, as for any member leaving. Members not in the room are passed over; the owner cannot be kicked.
    ``as_member``: ``caller`` is a member on the client gateway, who must be the owner or an admin."""
    wanted = list(dict.fromkeys(accounts))
    if as_member:
        await require_moderator(svc, caller, room_id, wanted, "MemberList_Account")
    async with svc.store.read() as tx:
        owner = await require_room_exists(tx, caller, room_id)
        if owner in wanted:
            raise Refused(
                ErrorCode.NO_PERMISSION,
                "not_allowed",
                f"MemberList_Account: {owner!r} owns the room and cannot be kicked",
            )
        await require_imported(tx, caller, wanted, "MemberList_Account")
    kicked = []
    for user_id in wanted:
        remaining = await svc.presence.remove(caller.sdkappid, room_id, user_id)
        if remaining is None:
            continue
        await svc.events.publish(
            KickedOutOfRoom(
                sdkappid=caller.sdkappid,
                room_id=room_id,
                operator=caller.identifier,
                recipients=frozenset((user_id,)),
                member_account=user_id,
                reason=KICKED_BY_ADMIN,
            )
        )
        await left_room(svc, caller, room_id, user_id, remaining, "kicked")
        kicked.append(user_id)
    return kicked
