"""Who may moderate a room from the client gateway: its owner, and its admins over members who are neither the
owner nor another admin. The REST API's caller is an app admin, who may do all of it; the domain functions that
both paths share call ``require_moderator`` for a member (``as_member``) only."""

from __future__ import annotations

from collections.abc import Iterable

from liveroom.domain.context import Caller, Services
from liveroom.domain.refused import Refused
from liveroom.domain.rooms import require_room_exists
from liveroom.errors import ErrorCode


async def require_moderator(
    svc: Services, caller: Caller, room_id: str, targets: Iterable[str] = (), field: str = "Member_Account"
) -> None:
    """100004 without the room; 100006 ``not_allowed`` unless ``caller`` is its owner, or an admin acting on
    ``targets`` (named by ``field``) none of whom is the owner or another admin."""
    async with svc.store.read() as tx:
        owner = await require_room_exists(tx, caller, room_id)
        admins = set(await tx.room_admins(caller.sdkappid, room_id))
    user = caller.identifier
    if user == owner:
        return
    if user not in admins:
        raise Refused(ErrorCode.NO_PERMISSION, "not_allowed", "RoomId: only the room's owner or an admin may do this")
    for target in targets:
        if target == owner or (target in admins and target != user):
            role = "the owner" if target == owner else "another admin"
            raise Refused(ErrorCode.NO_PERMISSION, "not_allowed", f"{field}: {target!r} is {role} of the room")
