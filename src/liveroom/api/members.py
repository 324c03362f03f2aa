"""Member management, ``v4/live_engine_http_srv``: the member list, kicks, admins, bans and mutes."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, field

from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE, RoomRequest
from liveroom.api.wire import INT64_MAX, UINT32_MAX, AccountId, RoomId, Wire, text
from liveroom.domain import audience, members
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode

Seconds = Annotated[int, Meta(ge=1, le=UINT32_MAX, description="seconds, 1..4294967295")]


# get_member_list / kick_member --------------------------------------------------------------------------


class MemberListRequest(Wire):
    room_id: RoomId
    next: Annotated[str, text(0, 64)] = ""


class ListedMember(Wire):
    member_account: str = field(name="Member_Account")


class MemberListResponse(Wire):
    next: str
    member_count: int
    member_list: list[ListedMember]


@command(
    SERVICE,
    "get_member_list",
    request=MemberListRequest,
    response=MemberListResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_member_list(svc: Services, caller: Caller, req: MemberListRequest) -> MemberListResponse:
    """One page (at most 100) of the members online now, the owner and admins first, then in the order they
    entered; pass the answered ``Next`` for the following page ("" after the last)."""
    page = await audience.member_list(svc, caller, req.room_id, req.next)
    return MemberListResponse(
        next=page.next,
        member_count=page.member_count,
        member_list=[ListedMember(member_account=m) for m in page.members],
    )


class KickMemberRequest(Wire):
    room_id: RoomId
    member_list_account: Annotated[list[AccountId], Meta(min_length=1, max_length=audience.KICK_BATCH_MAX)] = field(
        name="MemberList_Account"
    )


@command(
    SERVICE,
    "kick_member",
    request=KickMemberRequest,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND, ErrorCode.NO_PERMISSION),
)
async def kick_member(svc: Services, caller: Caller, req: KickMemberRequest) -> None:
    """liveroom's own: take up to 20 members out of the room without a ban (they may enter again at once); members
    not in the room are passed over, the owner cannot be kicked."""
    await audience.kick(svc, caller, req.room_id, req.member_list_account)


# get_admin_list / modify_admin --------------------------------------------------------------------------


class AdminListResponse(Wire):
    admin_account: list[str] = field(name="Admin_Account")


@command(
    SERVICE,
    "get_admin_list",
    request=RoomRequest,
    response=AdminListResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_admin_list(svc: Services, caller: Caller, req: RoomRequest) -> AdminListResponse:
    """The room's admins."""
    return AdminListResponse(await members.admin_list(svc, caller, req.room_id))


class ModifyAdminRequest(Wire):
    room_id: RoomId
    admin_account: Annotated[list[AccountId], Meta(min_length=1, max_length=100)] = field(name="Admin_Account")
    op_type: Annotated[str, Meta(description="add or delete")]


@command(
    SERVICE,
    "modify_admin",
    request=ModifyAdminRequest,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND, ErrorCode.TOO_MANY_ADMINS),
)
async def modify_admin(svc: Services, caller: Caller, req: ModifyAdminRequest) -> None:
    """Add (``OpType`` add) or remove (delete) room admins; a room has at most 5."""
    await members.modify_admins(svc, caller, req.room_id, req.admin_account, req.op_type)


# ban_member / unban_member / get_banned_member_list -----------------------------------------------------

BanList = Annotated[list[AccountId], Meta(min_length=1, max_length=members.BAN_BATCH_MAX)]


class BanMemberRequest(Wire):
    room_id: RoomId
    member_list_account: BanList = field(name="MemberList_Account")
    duration: Seconds
    reason: Annotated[str, text(0, 200)] = ""


@command(
    SERVICE,
    "ban_member",
    request=BanMemberRequest,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND, ErrorCode.NO_PERMISSION),
)
async def ban_member(svc: Services, caller: Caller, req: BanMemberRequest) -> None:
    """Ban up to 20 members for ``Duration`` seconds: those online are removed, none may enter until it ends."""
    await members.ban(svc, caller, req.room_id, req.member_list_account, req.duration, req.reason)


class UnbanMemberRequest(Wire):
    room_id: RoomId
    member_list_account: BanList = field(name="MemberList_Account")


@command(SERVICE, "unban_member", request=UnbanMemberRequest, errors=(ErrorCode.ROOM_NOT_FOUND,))
async def unban_member(svc: Services, caller: Caller, req: UnbanMemberRequest) -> None:
    """Lift the bans of up to 20 members."""
    await members.unban(svc, caller, req.room_id, req.member_list_account)


class BannedListRequest(Wire):
    room_id: RoomId
    offset: Annotated[int, Meta(ge=0, le=INT64_MAX)] = 0
    limit: Annotated[int, Meta(ge=1, le=members.BANNED_PAGE_MAX)] = members.BANNED_PAGE_MAX


class BannedAccount(Wire):
    member_account: str = field(name="Member_Account")
    banned_until: int


class BannedListResponse(Wire):
    banned_account_list: list[BannedAccount]
    next_offset: int


@command(
    SERVICE,
    "get_banned_member_list",
    request=BannedListRequest,
    response=BannedListResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_banned_member_list(svc: Services, caller: Caller, req: BannedListRequest) -> BannedListResponse:
    """One page of the bans in force; ``NextOffset`` 0 means there are no more."""
    rows, next_offset = await members.banned(svc, caller, req.room_id, req.offset, req.limit)
    return BannedListResponse(
        banned_account_list=[BannedAccount(member_account=a, banned_until=t) for a, t in rows],
        next_offset=next_offset,
    )


# mute_member / get_muted_member_list --------------------------------------------------------------------


class MuteMemberRequest(Wire):
    room_id: RoomId
    member_list_account: Annotated[list[AccountId], Meta(min_length=1, max_length=members.MUTE_BATCH_MAX)] = field(
        name="MemberList_Account"
    )
    mute_time: Annotated[int, Meta(ge=0, le=UINT32_MAX, description="seconds; 0 unmutes")]


@command(
    SERVICE,
    "mute_member",
    request=MuteMemberRequest,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND),
)
async def mute_member(svc: Services, caller: Caller, req: MuteMemberRequest) -> None:
    """Mute members' messages for ``MuteTime`` seconds; ``MuteTime`` 0 unmutes them."""
    await members.mute(svc, caller, req.room_id, req.member_list_account, req.mute_time)


class MutedListRequest(Wire):
    """Some clients also send Offset/Limit (undocumented); they are ignored and the whole list is answered."""

    room_id: RoomId


class MutedAccount(Wire):
    member_account: str = field(name="Member_Account")
    muted_until: int


class MutedListResponse(Wire):
    muted_account_list: list[MutedAccount]


@command(
    SERVICE,
    "get_muted_member_list",
    request=MutedListRequest,
    response=MutedListResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND,),
)
async def get_muted_member_list(svc: Services, caller: Caller, req: MutedListRequest) -> MutedListResponse:
    """The mutes in force."""
    rows = await members.muted(svc, caller, req.room_id)
    return MutedListResponse([MutedAccount(member_account=a, muted_until=t) for a, t in rows])
