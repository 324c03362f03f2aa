"""Typed models and methods of every API command: generated, do not edit.

Run ``python -m liveroom.client.codegen`` after changing the server's command registry
(``liveroom.api.commands.REGISTRY``), the source of truth; a test fails when this file is out of date.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence

from msgspec import UNSET, UnsetType, field

from liveroom.client._core import AsyncCaller, Endpoint, Operation, SyncCaller, stuck_cursor
from liveroom.client._models import Model, given

# The request and result models (``liveroom.client.models``).
__all__ = [
    "AccountItem",
    "AddCategoryRequest",
    "AddGiftRequest",
    "AdminListResponse",
    "BanMemberRequest",
    "BannedAccount",
    "BannedListRequest",
    "BannedListResponse",
    "BattleInfoRequest",
    "BattleInfoResponse",
    "BattleRoom",
    "CategoryInfo",
    "CategoryLanguage",
    "CategoryLanguageRequest",
    "CategoryLanguageResponse",
    "CategoryNames",
    "CategoryRelationsRequest",
    "CategoryRequest",
    "ChangeOwnerRequest",
    "CheckRequest",
    "CheckResponse",
    "CheckResult",
    "CreateBattleRequest",
    "CreateBattleResponse",
    "CreateResult",
    "CreateRoomRequest",
    "CreateRoomResponse",
    "DelMetadataRequest",
    "DeleteRequest",
    "DeleteResponse",
    "DeleteResult",
    "DestroyRoomResponse",
    "EditCategoryRequest",
    "EditGiftRequest",
    "Empty",
    "GetCallbackResponse",
    "GetCategoryRequest",
    "GetCategoryResponse",
    "GetGiftResponse",
    "GetMetadataRequest",
    "GetRoomInfoResponse",
    "GetRoomListRequest",
    "GetRoomListResponse",
    "GetTokenResponse",
    "GiftCountRequest",
    "GiftCountResponse",
    "GiftInfo",
    "GiftInfoListRequest",
    "GiftInfoListResponse",
    "GiftLanguage",
    "GiftLanguageRequest",
    "GiftLanguageResponse",
    "GiftNames",
    "GiftRequest",
    "ImportAccountRequest",
    "KickMemberRequest",
    "KickRequest",
    "ListedGiftInfo",
    "ListedMember",
    "ListedRoom",
    "LockRequest",
    "MemberListRequest",
    "MemberListResponse",
    "MetadataResponse",
    "ModifyAdminRequest",
    "MoveRequest",
    "MultiImportRequest",
    "MultiImportResponse",
    "MuteMemberRequest",
    "MutedAccount",
    "MutedListRequest",
    "MutedListResponse",
    "NewRoomInfo",
    "Pair",
    "PickRequest",
    "RobotsRequest",
    "RobotsResponse",
    "RoomInfo",
    "RoomInfoChanges",
    "RoomRequest",
    "RoomStatsResponse",
    "ScoreItem",
    "ScoreResult",
    "Seat",
    "SeatListResponse",
    "SendCustomRequest",
    "SendGiftRequest",
    "SendTextRequest",
    "SetCallbackRequest",
    "SetCategoryLanguageRequest",
    "SetGiftLanguageRequest",
    "SetMetadataRequest",
    "SetScoreRequest",
    "SetScoreResponse",
    "SetTokenRequest",
    "Statistic",
    "SwitchRequest",
    "UnbanMemberRequest",
    "UpdateCallbackRequest",
    "UpdateRoomInfoRequest",
    "UserRef",
]


class UserRef(Model, kw_only=True):
    user_id: str = field(name="UserID")


class CheckRequest(Model, kw_only=True):
    check_item: list[UserRef] = field(name="CheckItem")


class CheckResult(Model, kw_only=True):
    user_id: str = field(name="UserID", default="")
    result_code: int = field(name="ResultCode", default=0)
    result_info: str = field(name="ResultInfo", default="")
    account_status: str = field(name="AccountStatus", default="")


class CheckResponse(Model, kw_only=True):
    result_item: list[CheckResult] = field(name="ResultItem", default_factory=list)


class DeleteRequest(Model, kw_only=True):
    delete_item: list[UserRef] = field(name="DeleteItem")


class DeleteResult(Model, kw_only=True):
    result_code: int = field(name="ResultCode", default=0)
    result_info: str = field(name="ResultInfo", default="")
    user_id: str = field(name="UserID", default="")


class DeleteResponse(Model, kw_only=True):
    result_item: list[DeleteResult] = field(name="ResultItem", default_factory=list)


class ImportAccountRequest(Model, kw_only=True):
    user_id: str = field(name="UserID")
    nick: str | UnsetType = field(name="Nick", default=UNSET)
    face_url: str | UnsetType = field(name="FaceUrl", default=UNSET)


class AccountItem(Model, kw_only=True):
    user_id: str = field(name="UserID")
    nick: str | UnsetType = field(name="Nick", default=UNSET)
    face_url: str | UnsetType = field(name="FaceUrl", default=UNSET)


class MultiImportRequest(Model, kw_only=True):
    account_list: list[AccountItem] | UnsetType = field(name="AccountList", default=UNSET)
    accounts: list[str] | UnsetType = field(name="Accounts", default=UNSET)


class MultiImportResponse(Model, kw_only=True):
    fail_accounts: list[str] = field(name="FailAccounts", default_factory=list)


class Empty(Model, kw_only=True):
    pass


class GetCallbackResponse(Model, kw_only=True):
    url: str = field(name="Url", default="")
    callback_command_list: list[str] = field(name="CallbackCommandList", default_factory=list)


class GetTokenResponse(Model, kw_only=True):
    token: str = field(name="Token", default="")
    is_token_enable: bool = field(name="IsTokenEnable", default=False)


class SetCallbackRequest(Model, kw_only=True):
    url: str = field(name="Url")
    callback_command_list: list[str] = field(name="CallbackCommandList")


class SetTokenRequest(Model, kw_only=True):
    token: str | UnsetType = field(name="Token", default=UNSET)
    is_token_enable: bool | UnsetType = field(name="IsTokenEnable", default=UNSET)


class UpdateCallbackRequest(Model, kw_only=True):
    url: str | UnsetType = field(name="Url", default=UNSET)
    callback_command_list: list[str] | UnsetType = field(name="CallbackCommandList", default=UNSET)


class CreateBattleRequest(Model, kw_only=True):
    from_room_id: str = field(name="FromRoomId")
    to_room_id_list: list[str] = field(name="ToRoomIdList")
    duration: int = field(name="Duration")
    extension_info: str | UnsetType = field(name="ExtensionInfo", default=UNSET)


class CreateResult(Model, kw_only=True):
    room_id: str = field(name="RoomId", default="")
    result_code: int = field(name="ResultCode", default=0)
    result_message: str = field(name="ResultMessage", default="")


class CreateBattleResponse(Model, kw_only=True):
    battle_id: str = field(name="BattleId", default="")
    result: list[CreateResult] = field(name="Result", default_factory=list)


class BattleInfoRequest(Model, kw_only=True):
    battle_id: str | UnsetType = field(name="BattleId", default=UNSET)
    room_id: str | UnsetType = field(name="RoomId", default=UNSET)


class BattleRoom(Model, kw_only=True):
    room_id: str = field(name="RoomId", default="")
    score: int = field(name="Score", default=0)
    owner_account: str = field(name="Owner_Account", default="")


class BattleInfoResponse(Model, kw_only=True):
    battle_id: str = field(name="BattleId", default="")
    duration: int = field(name="Duration", default=0)
    start_time: int = field(name="StartTime", default=0)
    end_time: int = field(name="EndTime", default=0)
    status: int = field(name="Status", default=0)
    from_room_info: BattleRoom = field(name="FromRoomInfo")
    to_room_list: list[BattleRoom] = field(name="ToRoomList", default_factory=list)


class ScoreItem(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    score: int = field(name="Score")


class SetScoreRequest(Model, kw_only=True):
    battle_id: str = field(name="BattleId")
    op_type: int | str = field(name="OpType")
    score_list: list[ScoreItem] = field(name="ScoreList")


class ScoreResult(Model, kw_only=True):
    room_id: str = field(name="RoomId", default="")
    result_code: int = field(name="ResultCode", default=0)


class SetScoreResponse(Model, kw_only=True):
    result: list[ScoreResult] = field(name="Result", default_factory=list)


class AddGiftRequest(Model, kw_only=True):
    gift_id: str = field(name="GiftId")
    coins: int = field(name="Coins")
    default_name: str = field(name="DefaultName")
    icon_url: str | UnsetType = field(name="IconUrl", default=UNSET)
    resource_url: str | UnsetType = field(name="ResourceUrl", default=UNSET)
    level: int | UnsetType = field(name="Level", default=UNSET)
    extension_info: str | UnsetType = field(name="ExtensionInfo", default=UNSET)
    default_desc: str | UnsetType = field(name="DefaultDesc", default=UNSET)


class AddCategoryRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")
    default_name: str = field(name="DefaultName")
    default_desc: str | UnsetType = field(name="DefaultDesc", default=UNSET)


class CategoryRelationsRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")
    gift_id_list: list[str] = field(name="GiftIdList")


class RobotsRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    robot_list_account: list[str] = field(name="RobotList_Account")


class BanMemberRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    member_list_account: list[str] = field(name="MemberList_Account")
    duration: int = field(name="Duration")
    reason: str | UnsetType = field(name="Reason", default=UNSET)


class ChangeOwnerRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    new_owner_account: str = field(name="NewOwner_Account")


class NewRoomInfo(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    room_type: str = field(name="RoomType")
    seat_template: str | UnsetType = field(name="SeatTemplate", default=UNSET)
    owner_account: str | UnsetType = field(name="Owner_Account", default=UNSET)
    take_seat_mode: str | int | UnsetType = field(name="TakeSeatMode", default=UNSET)
    max_seat_count: int | UnsetType = field(name="MaxSeatCount", default=UNSET)
    max_member_count: int | UnsetType = field(name="MaxMemberCount", default=UNSET)
    is_seat_enabled: bool | UnsetType = field(name="IsSeatEnabled", default=UNSET)
    seat_layout_template_id: int | UnsetType = field(name="SeatLayoutTemplateId", default=UNSET)
    is_message_disabled: bool | UnsetType = field(name="IsMessageDisabled", default=UNSET)
    is_public_visible: bool | UnsetType = field(name="IsPublicVisible", default=UNSET)
    is_unlimited_room_enabled: bool | UnsetType = field(name="IsUnlimitedRoomEnabled", default=UNSET)
    room_name: str | UnsetType = field(name="RoomName", default=UNSET)
    cover_url: str | UnsetType = field(name="CoverURL", default=UNSET)
    category: list[int] | UnsetType = field(name="Category", default=UNSET)
    activity_status: int | UnsetType = field(name="ActivityStatus", default=UNSET)
    notice: str | UnsetType = field(name="Notice", default=UNSET)


class CreateRoomRequest(Model, kw_only=True):
    room_info: NewRoomInfo = field(name="RoomInfo")


class CreateRoomResponse(Model, kw_only=True):
    room_id: str = field(name="RoomId", default="")


class GiftRequest(Model, kw_only=True):
    gift_id: str = field(name="GiftId")


class CategoryRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")


class CategoryLanguageRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")
    language: str = field(name="Language")


class GiftLanguageRequest(Model, kw_only=True):
    gift_id: str = field(name="GiftId")
    language: str = field(name="Language")


class DelMetadataRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    keys: list[str] = field(name="Keys")


class RoomRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")


class Statistic(Model, kw_only=True):
    total_viewers: int = field(name="TotalViewers", default=0)
    total_gifts_sent: int = field(name="TotalGiftsSent", default=0)
    total_gift_coins: int = field(name="TotalGiftCoins", default=0)
    total_unique_gift_senders: int = field(name="TotalUniqueGiftSenders", default=0)
    total_likes_received: int = field(name="TotalLikesReceived", default=0)


class DestroyRoomResponse(Model, kw_only=True):
    statistic: Statistic = field(name="Statistic")


class EditGiftRequest(Model, kw_only=True):
    gift_id: str = field(name="GiftId")
    coins: int | UnsetType = field(name="Coins", default=UNSET)
    default_name: str | UnsetType = field(name="DefaultName", default=UNSET)
    icon_url: str | UnsetType = field(name="IconUrl", default=UNSET)
    resource_url: str | UnsetType = field(name="ResourceUrl", default=UNSET)
    level: int | UnsetType = field(name="Level", default=UNSET)
    extension_info: str | UnsetType = field(name="ExtensionInfo", default=UNSET)
    default_desc: str | UnsetType = field(name="DefaultDesc", default=UNSET)


class EditCategoryRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")
    default_name: str | UnsetType = field(name="DefaultName", default=UNSET)
    default_desc: str | UnsetType = field(name="DefaultDesc", default=UNSET)


class AdminListResponse(Model, kw_only=True):
    admin_account: list[str] = field(name="Admin_Account", default_factory=list)


class BannedListRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    offset: int | UnsetType = field(name="Offset", default=UNSET)
    limit: int | UnsetType = field(name="Limit", default=UNSET)


class BannedAccount(Model, kw_only=True):
    member_account: str = field(name="Member_Account", default="")
    banned_until: int = field(name="BannedUntil", default=0)


class BannedListResponse(Model, kw_only=True):
    banned_account_list: list[BannedAccount] = field(name="BannedAccountList", default_factory=list)
    next_offset: int = field(name="NextOffset", default=0)


class GiftInfo(Model, kw_only=True):
    gift_id: str = field(name="GiftId", default="")
    icon_url: str = field(name="IconUrl", default="")
    resource_url: str = field(name="ResourceUrl", default="")
    coins: int = field(name="Coins", default=0)
    level: int = field(name="Level", default=0)
    extension_info: str = field(name="ExtensionInfo", default="")
    default_name: str = field(name="DefaultName", default="")
    default_desc: str = field(name="DefaultDesc", default="")


class GetGiftResponse(Model, kw_only=True):
    gift_info: GiftInfo = field(name="GiftInfo")


class GetCategoryRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")
    language: str | UnsetType = field(name="Language", default=UNSET)


class CategoryLanguage(Model, kw_only=True):
    language: str = field(name="Language", default="")
    category_name: str = field(name="CategoryName", default="")
    category_desc: str = field(name="CategoryDesc", default="")


class CategoryInfo(Model, kw_only=True):
    category_id: str = field(name="CategoryId", default="")
    category_name: str = field(name="CategoryName", default="")
    category_desc: str = field(name="CategoryDesc", default="")
    gift_id_list: list[str] = field(name="GiftIdList", default_factory=list)
    language_list: list[CategoryLanguage] = field(name="LanguageList", default_factory=list)


class GetCategoryResponse(Model, kw_only=True):
    category: CategoryInfo = field(name="Category")


class CategoryNames(Model, kw_only=True):
    category_name: str = field(name="CategoryName", default="")
    category_desc: str = field(name="CategoryDesc", default="")


class CategoryLanguageResponse(Model, kw_only=True):
    language: CategoryNames = field(name="Language")


class GiftCountRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    from_account: str = field(name="From_Account")


class GiftCountResponse(Model, kw_only=True):
    sequence: int = field(name="Sequence", default=0)
    total_count: int = field(name="TotalCount", default=0)
    total_coins: int = field(name="TotalCoins", default=0)
    gift_sender_count: int = field(name="GiftSenderCount", default=0)


class GiftInfoListRequest(Model, kw_only=True):
    language: str | UnsetType = field(name="Language", default=UNSET)


class GiftLanguage(Model, kw_only=True):
    language: str = field(name="Language", default="")
    name: str = field(name="Name", default="")
    desc: str = field(name="Desc", default="")


class ListedGiftInfo(Model, kw_only=True):
    gift_id: str = field(name="GiftId", default="")
    name: str = field(name="Name", default="")
    desc: str = field(name="Desc", default="")
    icon_url: str = field(name="IconUrl", default="")
    coins: int = field(name="Coins", default=0)
    resource_url: str = field(name="ResourceUrl", default="")
    level: int = field(name="Level", default=0)
    extension_info: str = field(name="ExtensionInfo", default="")
    create_time: int = field(name="CreateTime", default=0)
    language_list: list[GiftLanguage] = field(name="LanguageList", default_factory=list)


class GiftInfoListResponse(Model, kw_only=True):
    gift_list: list[ListedGiftInfo] = field(name="GiftList", default_factory=list)
    category_list: list[CategoryInfo] = field(name="CategoryList", default_factory=list)
    total_count: int = field(name="TotalCount", default=0)


class GiftNames(Model, kw_only=True):
    name: str = field(name="Name", default="")
    desc: str = field(name="Desc", default="")


class GiftLanguageResponse(Model, kw_only=True):
    language: GiftNames = field(name="Language")


class MemberListRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    next: str | UnsetType = field(name="Next", default=UNSET)


class ListedMember(Model, kw_only=True):
    member_account: str = field(name="Member_Account", default="")


class MemberListResponse(Model, kw_only=True):
    next: str = field(name="Next", default="")
    member_count: int = field(name="MemberCount", default=0)
    member_list: list[ListedMember] = field(name="MemberList", default_factory=list)


class MutedListRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")


class MutedAccount(Model, kw_only=True):
    member_account: str = field(name="Member_Account", default="")
    muted_until: int = field(name="MutedUntil", default=0)


class MutedListResponse(Model, kw_only=True):
    muted_account_list: list[MutedAccount] = field(name="MutedAccountList", default_factory=list)


class RobotsResponse(Model, kw_only=True):
    robot_list_account: list[str] = field(name="RobotList_Account", default_factory=list)


class RoomInfo(Model, kw_only=True):
    room_id: str = field(name="RoomId", default="")
    room_name: str = field(name="RoomName", default="")
    room_type: str = field(name="RoomType", default="")
    owner_account: str = field(name="Owner_Account", default="")
    create_time: int = field(name="CreateTime", default=0)
    is_seat_enabled: bool = field(name="IsSeatEnabled", default=False)
    take_seat_mode: str = field(name="TakeSeatMode", default="")
    max_seat_count: int = field(name="MaxSeatCount", default=0)
    max_member_count: int = field(name="MaxMemberCount", default=0)
    is_message_disabled: bool = field(name="IsMessageDisabled", default=False)
    cover_url: str = field(name="CoverURL", default="")
    category: list[int] = field(name="Category", default_factory=list)
    activity_status: int = field(name="ActivityStatus", default=0)
    view_count: int = field(name="ViewCount", default=0)
    is_public_visible: bool = field(name="IsPublicVisible", default=False)
    seat_template: str = field(name="SeatTemplate", default="")
    notice: str = field(name="Notice", default="")
    member_count: int = field(name="MemberCount", default=0)
    is_unlimited_room_enabled: bool = field(name="IsUnlimitedRoomEnabled", default=False)
    seat_layout_template_id: int | None = field(name="SeatLayoutTemplateId", default=None)


class GetRoomInfoResponse(Model, kw_only=True):
    room_info: RoomInfo = field(name="RoomInfo")


class GetRoomListRequest(Model, kw_only=True):
    next: str | UnsetType = field(name="Next", default=UNSET)
    count: int | UnsetType = field(name="Count", default=UNSET)


class ListedRoom(Model, kw_only=True):
    room_name: str = field(name="RoomName", default="")
    room_id: str = field(name="RoomId", default="")
    owner_account: str = field(name="Owner_Account", default="")
    cover_url: str = field(name="CoverURL", default="")
    category: list[int] = field(name="Category", default_factory=list)
    create_time: int = field(name="CreateTime", default=0)
    activity_status: int = field(name="ActivityStatus", default=0)
    view_count: int = field(name="ViewCount", default=0)


class GetRoomListResponse(Model, kw_only=True):
    next: str = field(name="Next", default="")
    room_list: list[ListedRoom] = field(name="RoomList", default_factory=list)


class GetMetadataRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    keys: list[str] | UnsetType = field(name="Keys", default=UNSET)


class Pair(Model, kw_only=True):
    key: str = field(name="Key")
    value: str = field(name="Value")


class MetadataResponse(Model, kw_only=True):
    metadata: list[Pair] = field(name="Metadata", default_factory=list)


class RoomStatsResponse(Model, kw_only=True):
    total_viewers: int = field(name="TotalViewers", default=0)
    total_gifts_sent: int = field(name="TotalGiftsSent", default=0)
    total_gift_coins: int = field(name="TotalGiftCoins", default=0)
    total_unique_gift_senders: int = field(name="TotalUniqueGiftSenders", default=0)
    total_likes_received: int = field(name="TotalLikesReceived", default=0)
    total_msg_count: int = field(name="TotalMsgCount", default=0)


class KickMemberRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    member_list_account: list[str] = field(name="MemberList_Account")


class ModifyAdminRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    admin_account: list[str] = field(name="Admin_Account")
    op_type: str = field(name="OpType")


class MuteMemberRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    member_list_account: list[str] = field(name="MemberList_Account")
    mute_time: int = field(name="MuteTime")


class SendCustomRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    sender_account: str = field(name="Sender_Account")
    business_id: str = field(name="BusinessId")
    data: str = field(name="Data")


class SendGiftRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    gift_id: str = field(name="GiftId")
    from_account: str = field(name="From_Account")
    receiver_list_account: list[str] = field(name="ReceiverList_Account")
    count: int | UnsetType = field(name="Count", default=UNSET)


class SendTextRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    sender_account: str = field(name="Sender_Account")
    text_content: str = field(name="TextContent")
    extension_info: str | UnsetType = field(name="ExtensionInfo", default=UNSET)


class SetCategoryLanguageRequest(Model, kw_only=True):
    category_id: str = field(name="CategoryId")
    language: str = field(name="Language")
    category_name: str = field(name="CategoryName")
    category_desc: str | UnsetType = field(name="CategoryDesc", default=UNSET)


class SetGiftLanguageRequest(Model, kw_only=True):
    gift_id: str = field(name="GiftId")
    language: str = field(name="Language")
    name: str = field(name="Name")
    desc: str | UnsetType = field(name="Desc", default=UNSET)


class SetMetadataRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    metadata: list[Pair] = field(name="Metadata")


class UnbanMemberRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    member_list_account: list[str] = field(name="MemberList_Account")


class RoomInfoChanges(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    room_name: str | UnsetType = field(name="RoomName", default=UNSET)
    max_member_count: int | UnsetType = field(name="MaxMemberCount", default=UNSET)
    is_message_disabled: bool | UnsetType = field(name="IsMessageDisabled", default=UNSET)
    cover_url: str | UnsetType = field(name="CoverURL", default=UNSET)
    category: list[int] | UnsetType = field(name="Category", default=UNSET)
    activity_status: int | UnsetType = field(name="ActivityStatus", default=UNSET)
    is_public_visible: bool | UnsetType = field(name="IsPublicVisible", default=UNSET)
    take_seat_mode: str | int | UnsetType = field(name="TakeSeatMode", default=UNSET)
    notice: str | UnsetType = field(name="Notice", default=UNSET)
    is_unlimited_room_enabled: bool | UnsetType = field(name="IsUnlimitedRoomEnabled", default=UNSET)


class UpdateRoomInfoRequest(Model, kw_only=True):
    room_info: RoomInfoChanges = field(name="RoomInfo")


class Seat(Model, kw_only=True):
    index: int = field(name="Index", default=0)
    member_account: str = field(name="Member_Account", default="")
    is_taken_disabled: bool = field(name="IsTakenDisabled", default=False)
    is_video_disabled: bool = field(name="IsVideoDisabled", default=False)
    is_audio_disabled: bool = field(name="IsAudioDisabled", default=False)
    is_microphone_closed: bool = field(name="IsMicrophoneClosed", default=False)


class SeatListResponse(Model, kw_only=True):
    seat_list: list[Seat] = field(name="SeatList", default_factory=list)


class KickRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    member_account: str = field(name="Member_Account")
    data: str = field(name="Data")


class LockRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    index: int = field(name="Index")
    forbid_taken: bool | UnsetType = field(name="ForbidTaken", default=UNSET)
    forbid_video: bool | UnsetType = field(name="ForbidVideo", default=UNSET)
    forbid_audio: bool | UnsetType = field(name="ForbidAudio", default=UNSET)


class MoveRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    seat_index: int = field(name="SeatIndex")
    member_account: str = field(name="Member_Account")
    policy: int = field(name="Policy")


class PickRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    index: int = field(name="Index")
    member_account: str = field(name="Member_Account")


class SwitchRequest(Model, kw_only=True):
    room_id: str = field(name="RoomId")
    to_index: int = field(name="ToIndex")
    member_account: str = field(name="Member_Account")


# endpoints -------------------------------------------------------------------------------------------------
_ACCOUNT_CHECK = Endpoint("im_open_login_svc", "account_check", top_level=True)
_ACCOUNT_DELETE = Endpoint("im_open_login_svc", "account_delete", top_level=True)
_ACCOUNT_IMPORT = Endpoint("im_open_login_svc", "account_import", top_level=True)
_MULTIACCOUNT_IMPORT = Endpoint("im_open_login_svc", "multiaccount_import", top_level=True)
_DELETE_CALLBACK = Endpoint("live_config", "delete_callback", top_level=False)
_GET_CALLBACK = Endpoint("live_config", "get_callback", top_level=False)
_GET_CALLBACK_TOKEN = Endpoint("live_config", "get_callback_token", top_level=False)
_SET_CALLBACK = Endpoint("live_config", "set_callback", top_level=False)
_SET_CALLBACK_TOKEN = Endpoint("live_config", "set_callback_token", top_level=False)
_UPDATE_CALLBACK = Endpoint("live_config", "update_callback", top_level=False)
_CREATE_BATTLE = Endpoint("live_engine_http_pk", "create_battle", top_level=False)
_GET_BATTLE_INFO = Endpoint("live_engine_http_pk", "get_battle_info", top_level=False)
_SET_BATTLE_SCORE = Endpoint("live_engine_http_pk", "set_battle_score", top_level=False)
_ADD_GIFT = Endpoint("live_engine_http_srv", "add_gift", top_level=False)
_ADD_GIFT_CATEGORY = Endpoint("live_engine_http_srv", "add_gift_category", top_level=False)
_ADD_GIFT_CATEGORY_RELATIONS = Endpoint("live_engine_http_srv", "add_gift_category_relations", top_level=False)
_ADD_ROBOT = Endpoint("live_engine_http_srv", "add_robot", top_level=False)
_BAN_MEMBER = Endpoint("live_engine_http_srv", "ban_member", top_level=False)
_CHANGE_ROOM_OWNER = Endpoint("live_engine_http_srv", "change_room_owner", top_level=False)
_COPY_DEFAULT_GIFT_CONFIG = Endpoint("live_engine_http_srv", "copy_default_gift_config", top_level=False)
_CREATE_ROOM = Endpoint("live_engine_http_srv", "create_room", top_level=False)
_DEL_GIFT = Endpoint("live_engine_http_srv", "del_gift", top_level=False)
_DEL_GIFT_CATEGORY = Endpoint("live_engine_http_srv", "del_gift_category", top_level=False)
_DEL_GIFT_CATEGORY_LANGUAGE = Endpoint("live_engine_http_srv", "del_gift_category_language", top_level=False)
_DEL_GIFT_CATEGORY_RELATIONS = Endpoint("live_engine_http_srv", "del_gift_category_relations", top_level=False)
_DEL_GIFT_LANGUAGE = Endpoint("live_engine_http_srv", "del_gift_language", top_level=False)
_DEL_ROBOT = Endpoint("live_engine_http_srv", "del_robot", top_level=False)
_DEL_ROOM_METADATA = Endpoint("live_engine_http_srv", "del_room_metadata", top_level=False)
_DESTROY_ROOM = Endpoint("live_engine_http_srv", "destroy_room", top_level=False)
_EDIT_GIFT = Endpoint("live_engine_http_srv", "edit_gift", top_level=False)
_EDIT_GIFT_CATEGORY = Endpoint("live_engine_http_srv", "edit_gift_category", top_level=False)
_GET_ADMIN_LIST = Endpoint("live_engine_http_srv", "get_admin_list", top_level=False)
_GET_BANNED_MEMBER_LIST = Endpoint("live_engine_http_srv", "get_banned_member_list", top_level=False)
_GET_GIFT = Endpoint("live_engine_http_srv", "get_gift", top_level=True)
_GET_GIFT_CATEGORY = Endpoint("live_engine_http_srv", "get_gift_category", top_level=False)
_GET_GIFT_CATEGORY_LANGUAGE = Endpoint("live_engine_http_srv", "get_gift_category_language", top_level=False)
_GET_GIFT_COUNT = Endpoint("live_engine_http_srv", "get_gift_count", top_level=False)
_GET_GIFT_INFO_LIST = Endpoint("live_engine_http_srv", "get_gift_info_list", top_level=False)
_GET_GIFT_LANGUAGE = Endpoint("live_engine_http_srv", "get_gift_language", top_level=False)
_GET_MEMBER_LIST = Endpoint("live_engine_http_srv", "get_member_list", top_level=False)
_GET_MUTED_MEMBER_LIST = Endpoint("live_engine_http_srv", "get_muted_member_list", top_level=False)
_GET_ROBOT = Endpoint("live_engine_http_srv", "get_robot", top_level=False)
_GET_ROOM_INFO = Endpoint("live_engine_http_srv", "get_room_info", top_level=False)
_GET_ROOM_LIST = Endpoint("live_engine_http_srv", "get_room_list", top_level=False)
_GET_ROOM_METADATA = Endpoint("live_engine_http_srv", "get_room_metadata", top_level=False)
_GET_ROOM_STATS = Endpoint("live_engine_http_srv", "get_room_stats", top_level=False)
_KICK_MEMBER = Endpoint("live_engine_http_srv", "kick_member", top_level=False)
_MODIFY_ADMIN = Endpoint("live_engine_http_srv", "modify_admin", top_level=False)
_MUTE_MEMBER = Endpoint("live_engine_http_srv", "mute_member", top_level=False)
_SEND_CUSTOM_MSG = Endpoint("live_engine_http_srv", "send_custom_msg", top_level=False)
_SEND_GIFT = Endpoint("live_engine_http_srv", "send_gift", top_level=False)
_SEND_TEXT_MSG = Endpoint("live_engine_http_srv", "send_text_msg", top_level=False)
_SET_GIFT_CATEGORY_LANGUAGE = Endpoint("live_engine_http_srv", "set_gift_category_language", top_level=False)
_SET_GIFT_LANGUAGE = Endpoint("live_engine_http_srv", "set_gift_language", top_level=False)
_SET_ROOM_METADATA = Endpoint("live_engine_http_srv", "set_room_metadata", top_level=False)
_UNBAN_MEMBER = Endpoint("live_engine_http_srv", "unban_member", top_level=False)
_UPDATE_ROOM_INFO = Endpoint("live_engine_http_srv", "update_room_info", top_level=False)
_GET_SEAT_LIST = Endpoint("room_engine_http_mic", "get_seat_list", top_level=False)
_KICK_USER_OFF_SEAT = Endpoint("room_engine_http_mic", "kick_user_off_seat", top_level=False)
_LOCK_SEAT = Endpoint("room_engine_http_mic", "lock_seat", top_level=False)
_MOVE_USER_TO_SEAT = Endpoint("room_engine_http_mic", "move_user_to_seat", top_level=False)
_PICK_USER_ON_SEAT = Endpoint("room_engine_http_mic", "pick_user_on_seat", top_level=False)
_SWITCH_SEAT = Endpoint("room_engine_http_mic", "switch_seat", top_level=False)


OPERATIONS: tuple[Operation, ...] = (
    Operation(_ACCOUNT_CHECK, "accounts", "check", CheckRequest, CheckResponse),
    Operation(_ACCOUNT_DELETE, "accounts", "delete", DeleteRequest, DeleteResponse),
    Operation(_ACCOUNT_IMPORT, "accounts", "import_", ImportAccountRequest, None),
    Operation(_MULTIACCOUNT_IMPORT, "accounts", "import_many", MultiImportRequest, MultiImportResponse),
    Operation(_DELETE_CALLBACK, "config", "delete", Empty, None),
    Operation(_GET_CALLBACK, "config", "get", Empty, GetCallbackResponse),
    Operation(_GET_CALLBACK_TOKEN, "config", "get_callback_token", Empty, GetTokenResponse),
    Operation(_SET_CALLBACK, "config", "set", SetCallbackRequest, None),
    Operation(_SET_CALLBACK_TOKEN, "config", "set_callback_token", SetTokenRequest, None),
    Operation(_UPDATE_CALLBACK, "config", "update", UpdateCallbackRequest, None),
    Operation(_CREATE_BATTLE, "battles", "create", CreateBattleRequest, CreateBattleResponse),
    Operation(_GET_BATTLE_INFO, "battles", "get_info", BattleInfoRequest, BattleInfoResponse),
    Operation(_SET_BATTLE_SCORE, "battles", "set_score", SetScoreRequest, SetScoreResponse),
    Operation(_ADD_GIFT, "gifts", "add", AddGiftRequest, None),
    Operation(_ADD_GIFT_CATEGORY, "gifts", "add_category", AddCategoryRequest, None),
    Operation(_ADD_GIFT_CATEGORY_RELATIONS, "gifts", "add_to_category", CategoryRelationsRequest, None),
    Operation(_ADD_ROBOT, "robots", "add", RobotsRequest, None),
    Operation(_BAN_MEMBER, "members", "ban", BanMemberRequest, None),
    Operation(_CHANGE_ROOM_OWNER, "rooms", "change_owner", ChangeOwnerRequest, None),
    Operation(_COPY_DEFAULT_GIFT_CONFIG, "gifts", "copy_default_config", Empty, None),
    Operation(_CREATE_ROOM, "rooms", "create", CreateRoomRequest, CreateRoomResponse),
    Operation(_DEL_GIFT, "gifts", "delete", GiftRequest, None),
    Operation(_DEL_GIFT_CATEGORY, "gifts", "delete_category", CategoryRequest, None),
    Operation(_DEL_GIFT_CATEGORY_LANGUAGE, "gifts", "delete_category_language", CategoryLanguageRequest, None),
    Operation(_DEL_GIFT_CATEGORY_RELATIONS, "gifts", "remove_from_category", CategoryRelationsRequest, None),
    Operation(_DEL_GIFT_LANGUAGE, "gifts", "delete_language", GiftLanguageRequest, None),
    Operation(_DEL_ROBOT, "robots", "delete", RobotsRequest, None),
    Operation(_DEL_ROOM_METADATA, "metadata", "delete", DelMetadataRequest, None),
    Operation(_DESTROY_ROOM, "rooms", "destroy", RoomRequest, DestroyRoomResponse),
    Operation(_EDIT_GIFT, "gifts", "edit", EditGiftRequest, None),
    Operation(_EDIT_GIFT_CATEGORY, "gifts", "edit_category", EditCategoryRequest, None),
    Operation(_GET_ADMIN_LIST, "members", "list_admins", RoomRequest, AdminListResponse),
    Operation(_GET_BANNED_MEMBER_LIST, "members", "list_banned", BannedListRequest, BannedListResponse),
    Operation(_GET_GIFT, "gifts", "get", GiftRequest, GetGiftResponse),
    Operation(_GET_GIFT_CATEGORY, "gifts", "get_category", GetCategoryRequest, GetCategoryResponse),
    Operation(
        _GET_GIFT_CATEGORY_LANGUAGE, "gifts", "get_category_language", CategoryLanguageRequest, CategoryLanguageResponse
    ),
    Operation(_GET_GIFT_COUNT, "gifts", "count", GiftCountRequest, GiftCountResponse),
    Operation(_GET_GIFT_INFO_LIST, "gifts", "list", GiftInfoListRequest, GiftInfoListResponse),
    Operation(_GET_GIFT_LANGUAGE, "gifts", "get_language", GiftLanguageRequest, GiftLanguageResponse),
    Operation(_GET_MEMBER_LIST, "members", "list", MemberListRequest, MemberListResponse),
    Operation(_GET_MUTED_MEMBER_LIST, "members", "list_muted", MutedListRequest, MutedListResponse),
    Operation(_GET_ROBOT, "robots", "get", RoomRequest, RobotsResponse),
    Operation(_GET_ROOM_INFO, "rooms", "get_info", RoomRequest, GetRoomInfoResponse),
    Operation(_GET_ROOM_LIST, "rooms", "list", GetRoomListRequest, GetRoomListResponse),
    Operation(_GET_ROOM_METADATA, "metadata", "get", GetMetadataRequest, MetadataResponse),
    Operation(_GET_ROOM_STATS, "rooms", "stats", RoomRequest, RoomStatsResponse),
    Operation(_KICK_MEMBER, "members", "kick", KickMemberRequest, None),
    Operation(_MODIFY_ADMIN, "members", "modify_admins", ModifyAdminRequest, None),
    Operation(_MUTE_MEMBER, "members", "mute", MuteMemberRequest, None),
    Operation(_SEND_CUSTOM_MSG, "messages", "send_custom", SendCustomRequest, None),
    Operation(_SEND_GIFT, "gifts", "send", SendGiftRequest, None),
    Operation(_SEND_TEXT_MSG, "messages", "send_text", SendTextRequest, None),
    Operation(_SET_GIFT_CATEGORY_LANGUAGE, "gifts", "set_category_language", SetCategoryLanguageRequest, None),
    Operation(_SET_GIFT_LANGUAGE, "gifts", "set_language", SetGiftLanguageRequest, None),
    Operation(_SET_ROOM_METADATA, "metadata", "set", SetMetadataRequest, None),
    Operation(_UNBAN_MEMBER, "members", "unban", UnbanMemberRequest, None),
    Operation(_UPDATE_ROOM_INFO, "rooms", "update", UpdateRoomInfoRequest, None),
    Operation(_GET_SEAT_LIST, "seats", "list", RoomRequest, SeatListResponse),
    Operation(_KICK_USER_OFF_SEAT, "seats", "kick", KickRequest, None),
    Operation(_LOCK_SEAT, "seats", "lock", LockRequest, None),
    Operation(_MOVE_USER_TO_SEAT, "seats", "move", MoveRequest, None),
    Operation(_PICK_USER_ON_SEAT, "seats", "pick", PickRequest, None),
    Operation(_SWITCH_SEAT, "seats", "switch", SwitchRequest, None),
)


class Accounts:
    """Accounts (``im_open_login_svc``): import, check and delete UserIDs."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def check(
        self,
        user_ids: Sequence[str],
    ) -> CheckResponse:
        """Tell which of up to 100 UserIDs are imported.

        ``POST /v4/im_open_login_svc/account_check``
        """
        return self._caller._call(
            _ACCOUNT_CHECK,
            CheckRequest(check_item=[UserRef(user_id=x) for x in user_ids]),
            CheckResponse,
        )

    def delete(
        self,
        user_ids: Sequence[str],
    ) -> DeleteResponse:
        """Delete up to 100 accounts; each item answers its own ``ResultCode``.

        ``POST /v4/im_open_login_svc/account_delete``
        """
        return self._caller._call(
            _ACCOUNT_DELETE,
            DeleteRequest(delete_item=[UserRef(user_id=x) for x in user_ids]),
            DeleteResponse,
        )

    def import_(
        self,
        user_id: str,
        *,
        nick: str | None = None,
        face_url: str | None = None,
    ) -> None:
        """Create an account, or update its nickname and avatar (idempotent).

        ``POST /v4/im_open_login_svc/account_import``
        """
        self._caller._call(
            _ACCOUNT_IMPORT,
            ImportAccountRequest(user_id=user_id, nick=given(nick), face_url=given(face_url)),
            None,
        )

    def import_many(
        self,
        *,
        account_list: Sequence[AccountItem] | None = None,
        accounts: Sequence[str] | None = None,
    ) -> MultiImportResponse:
        """Import up to 100 accounts (``AccountList``, or the legacy ``Accounts`` list of ids).

        ``POST /v4/im_open_login_svc/multiaccount_import``
        """
        return self._caller._call(
            _MULTIACCOUNT_IMPORT,
            MultiImportRequest(
                account_list=UNSET if account_list is None else list(account_list),
                accounts=UNSET if accounts is None else list(accounts),
            ),
            MultiImportResponse,
        )


class Battles:
    """Battles (``live_engine_http_pk``): rooms compete for a fixed time; read and set their scores."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def create(
        self,
        from_room_id: str,
        to_room_id_list: Sequence[str],
        duration: int,
        *,
        extension_info: str | None = None,
    ) -> CreateBattleResponse:
        """Start a battle between ``FromRoomId`` and the rooms of ``ToRoomIdList`` at once, for ``Duration`` ms; a
        ``ResultCode`` per invited room: 0 joined, 3 already in another battle, 4 no such room.

        ``POST /v4/live_engine_http_pk/create_battle``
        """
        return self._caller._call(
            _CREATE_BATTLE,
            CreateBattleRequest(
                from_room_id=from_room_id,
                to_room_id_list=list(to_room_id_list),
                duration=duration,
                extension_info=given(extension_info),
            ),
            CreateBattleResponse,
        )

    def get_info(
        self,
        *,
        battle_id: str | None = None,
        room_id: str | None = None,
    ) -> BattleInfoResponse:
        """A battle by ``BattleId``, or by ``RoomId`` the room's running battle, else its oldest battle request awaiting
        answers: its rooms and their scores, ``Status`` 1 waiting for answers, 2 running or 3 ended, ``StartTime``
        and ``EndTime`` in Unix seconds (0 while waiting), ``Duration`` in ms.

        ``POST /v4/live_engine_http_pk/get_battle_info``
        """
        return self._caller._call(
            _GET_BATTLE_INFO,
            BattleInfoRequest(battle_id=given(battle_id), room_id=given(room_id)),
            BattleInfoResponse,
        )

    def set_score(
        self,
        battle_id: str,
        op_type: int | str,
        score_list: Sequence[ScoreItem],
    ) -> SetScoreResponse:
        """Add to (``OpType`` 1) or set (2) the scores of rooms in a running battle; a ``ResultCode`` per room: 0 done,
        4 not in this battle, 5 the battle has ended.

        ``POST /v4/live_engine_http_pk/set_battle_score``
        """
        return self._caller._call(
            _SET_BATTLE_SCORE,
            SetScoreRequest(battle_id=battle_id, op_type=op_type, score_list=list(score_list)),
            SetScoreResponse,
        )


class Config:
    """The ``config`` commands."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def delete(self) -> None:
        """Remove the app's callback configuration (the token stays); nothing is sent any more.

        ``POST /v4/live_config/delete_callback``
        """
        self._caller._call(
            _DELETE_CALLBACK,
            Empty(),
            None,
        )

    def get(self) -> GetCallbackResponse:
        """Read the app's callback configuration.

        ``POST /v4/live_config/get_callback``
        """
        return self._caller._call(
            _GET_CALLBACK,
            Empty(),
            GetCallbackResponse,
        )

    def get_callback_token(self) -> GetTokenResponse:
        """Read the token and whether callbacks are signed with it.

        ``POST /v4/live_config/get_callback_token``
        """
        return self._caller._call(
            _GET_CALLBACK_TOKEN,
            Empty(),
            GetTokenResponse,
        )

    def set(
        self,
        url: str,
        callback_command_list: Sequence[str],
    ) -> None:
        """Create the app's callback configuration: the URL events are sent to and the commands sent.

        ``POST /v4/live_config/set_callback``
        """
        self._caller._call(
            _SET_CALLBACK,
            SetCallbackRequest(url=url, callback_command_list=list(callback_command_list)),
            None,
        )

    def set_callback_token(
        self,
        *,
        token: str | None = None,
        is_token_enable: bool | None = None,
    ) -> None:
        """Set the token that signs callbacks (``Sign``, ``RequestTime``) or switch it on or off; both fields are
        required the first time.

        ``POST /v4/live_config/set_callback_token``
        """
        self._caller._call(
            _SET_CALLBACK_TOKEN,
            SetTokenRequest(token=given(token), is_token_enable=given(is_token_enable)),
            None,
        )

    def update(
        self,
        *,
        url: str | None = None,
        callback_command_list: Sequence[str] | None = None,
    ) -> None:
        """Change the URL or the commands of the app's callback configuration.

        ``POST /v4/live_config/update_callback``
        """
        self._caller._call(
            _UPDATE_CALLBACK,
            UpdateCallbackRequest(
                url=given(url),
                callback_command_list=UNSET if callback_command_list is None else list(callback_command_list),
            ),
            None,
        )


class Gifts:
    """Gifts: the app's gift configuration (gifts, categories, languages), sending gifts and counting them."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def add(
        self,
        gift_id: str,
        coins: int,
        default_name: str,
        *,
        icon_url: str | None = None,
        resource_url: str | None = None,
        level: int | None = None,
        extension_info: str | None = None,
        default_desc: str | None = None,
    ) -> None:
        """Add a gift to the app's configuration (a GiftId that exists: 100002).

        ``POST /v4/live_engine_http_srv/add_gift``
        """
        self._caller._call(
            _ADD_GIFT,
            AddGiftRequest(
                gift_id=gift_id,
                coins=coins,
                default_name=default_name,
                icon_url=given(icon_url),
                resource_url=given(resource_url),
                level=given(level),
                extension_info=given(extension_info),
                default_desc=given(default_desc),
            ),
            None,
        )

    def add_category(
        self,
        category_id: str,
        default_name: str,
        *,
        default_desc: str | None = None,
    ) -> None:
        """Add a gift category (a CategoryId that exists: 100002); put gifts in it with add_gift_category_relations.

        ``POST /v4/live_engine_http_srv/add_gift_category``
        """
        self._caller._call(
            _ADD_GIFT_CATEGORY,
            AddCategoryRequest(category_id=category_id, default_name=default_name, default_desc=given(default_desc)),
            None,
        )

    def add_to_category(
        self,
        category_id: str,
        gift_ids: Sequence[str],
    ) -> None:
        """Put up to 100 gifts in a category (a gift may be in several); those already in it stay.

        ``POST /v4/live_engine_http_srv/add_gift_category_relations``
        """
        self._caller._call(
            _ADD_GIFT_CATEGORY_RELATIONS,
            CategoryRelationsRequest(category_id=category_id, gift_id_list=list(gift_ids)),
            None,
        )

    def copy_default_config(self) -> None:
        """Install liveroom's default gift configuration (3 categories, 15 gifts, in en and zh-CN) into an app that has
        no gift or category yet.

        ``POST /v4/live_engine_http_srv/copy_default_gift_config``
        """
        self._caller._call(
            _COPY_DEFAULT_GIFT_CONFIG,
            Empty(),
            None,
        )

    def delete(
        self,
        gift_id: str,
    ) -> None:
        """Remove a gift, with its other languages and its place in every category.

        ``POST /v4/live_engine_http_srv/del_gift``
        """
        self._caller._call(
            _DEL_GIFT,
            GiftRequest(gift_id=gift_id),
            None,
        )

    def delete_category(
        self,
        category_id: str,
    ) -> None:
        """Remove a gift category and its other languages; its gifts stay in the app.

        ``POST /v4/live_engine_http_srv/del_gift_category``
        """
        self._caller._call(
            _DEL_GIFT_CATEGORY,
            CategoryRequest(category_id=category_id),
            None,
        )

    def delete_category_language(
        self,
        category_id: str,
        language: str,
    ) -> None:
        """Remove a gift category's names in one language (nothing happens when it has none in it).

        ``POST /v4/live_engine_http_srv/del_gift_category_language``
        """
        self._caller._call(
            _DEL_GIFT_CATEGORY_LANGUAGE,
            CategoryLanguageRequest(category_id=category_id, language=language),
            None,
        )

    def remove_from_category(
        self,
        category_id: str,
        gift_ids: Sequence[str],
    ) -> None:
        """Take up to 100 gifts out of a category; they stay in the app (a gift not in it is ignored).

        ``POST /v4/live_engine_http_srv/del_gift_category_relations``
        """
        self._caller._call(
            _DEL_GIFT_CATEGORY_RELATIONS,
            CategoryRelationsRequest(category_id=category_id, gift_id_list=list(gift_ids)),
            None,
        )

    def delete_language(
        self,
        gift_id: str,
        language: str,
    ) -> None:
        """Remove a gift's names in one language (nothing happens when it has none in it).

        ``POST /v4/live_engine_http_srv/del_gift_language``
        """
        self._caller._call(
            _DEL_GIFT_LANGUAGE,
            GiftLanguageRequest(gift_id=gift_id, language=language),
            None,
        )

    def edit(
        self,
        gift_id: str,
        *,
        coins: int | None = None,
        default_name: str | None = None,
        icon_url: str | None = None,
        resource_url: str | None = None,
        level: int | None = None,
        extension_info: str | None = None,
        default_desc: str | None = None,
    ) -> None:
        """Change the given fields of a gift; fields not given keep their values.

        ``POST /v4/live_engine_http_srv/edit_gift``
        """
        self._caller._call(
            _EDIT_GIFT,
            EditGiftRequest(
                gift_id=gift_id,
                coins=given(coins),
                default_name=given(default_name),
                icon_url=given(icon_url),
                resource_url=given(resource_url),
                level=given(level),
                extension_info=given(extension_info),
                default_desc=given(default_desc),
            ),
            None,
        )

    def edit_category(
        self,
        category_id: str,
        *,
        default_name: str | None = None,
        default_desc: str | None = None,
    ) -> None:
        """Change the given fields of a gift category; fields not given keep their values.

        ``POST /v4/live_engine_http_srv/edit_gift_category``
        """
        self._caller._call(
            _EDIT_GIFT_CATEGORY,
            EditCategoryRequest(
                category_id=category_id,
                default_name=given(default_name),
                default_desc=given(default_desc),
            ),
            None,
        )

    def get(
        self,
        gift_id: str,
    ) -> GetGiftResponse:
        """Read one gift; ``GiftInfo`` is answered beside ``ActionStatus``, not under ``Response`` (as Tencent does).

        ``POST /v4/live_engine_http_srv/get_gift``
        """
        return self._caller._call(
            _GET_GIFT,
            GiftRequest(gift_id=gift_id),
            GetGiftResponse,
        )

    def get_category(
        self,
        category_id: str,
        *,
        language: str | None = None,
    ) -> GetCategoryResponse:
        """Read one gift category with its gifts and languages, named in ``Language`` where set.

        ``POST /v4/live_engine_http_srv/get_gift_category``
        """
        return self._caller._call(
            _GET_GIFT_CATEGORY,
            GetCategoryRequest(category_id=category_id, language=given(language)),
            GetCategoryResponse,
        )

    def get_category_language(
        self,
        category_id: str,
        language: str,
    ) -> CategoryLanguageResponse:
        """A gift category's name and description in one language (both "" when none are set in it).

        ``POST /v4/live_engine_http_srv/get_gift_category_language``
        """
        return self._caller._call(
            _GET_GIFT_CATEGORY_LANGUAGE,
            CategoryLanguageRequest(category_id=category_id, language=language),
            CategoryLanguageResponse,
        )

    def count(
        self,
        room_id: str,
        from_account: str,
    ) -> GiftCountResponse:
        """The room's gift totals: ``Sequence`` (gifts sent, one per send_gift), ``TotalCount`` (gifts, counting
        ``Count``), ``TotalCoins`` and ``GiftSenderCount`` (distinct senders).

        ``POST /v4/live_engine_http_srv/get_gift_count``
        """
        return self._caller._call(
            _GET_GIFT_COUNT,
            GiftCountRequest(room_id=room_id, from_account=from_account),
            GiftCountResponse,
        )

    def list(
        self,
        *,
        language: str | None = None,
    ) -> GiftInfoListResponse:
        """Every gift (the cheapest first) and category of the app, named in ``Language`` where the app set names in it
        and by their defaults otherwise; each with all its languages.

        ``POST /v4/live_engine_http_srv/get_gift_info_list``
        """
        return self._caller._call(
            _GET_GIFT_INFO_LIST,
            GiftInfoListRequest(language=given(language)),
            GiftInfoListResponse,
        )

    def get_language(
        self,
        gift_id: str,
        language: str,
    ) -> GiftLanguageResponse:
        """A gift's name and description in one language (both "" when none are set in it).

        ``POST /v4/live_engine_http_srv/get_gift_language``
        """
        return self._caller._call(
            _GET_GIFT_LANGUAGE,
            GiftLanguageRequest(gift_id=gift_id, language=language),
            GiftLanguageResponse,
        )

    def send(
        self,
        room_id: str,
        gift_id: str,
        from_account: str,
        receivers: Sequence[str],
        *,
        count: int | None = None,
    ) -> None:
        """Send ``Count`` gifts from ``From_Account`` to up to 20 receivers in a room: counted in the room's statistics
        at once, and shown to every member online as a ``gift`` event.

        ``POST /v4/live_engine_http_srv/send_gift``
        """
        self._caller._call(
            _SEND_GIFT,
            SendGiftRequest(
                room_id=room_id,
                gift_id=gift_id,
                from_account=from_account,
                receiver_list_account=list(receivers),
                count=given(count),
            ),
            None,
        )

    def set_category_language(
        self,
        category_id: str,
        language: str,
        category_name: str,
        *,
        category_desc: str | None = None,
    ) -> None:
        """Set a gift category's name and description in one language (replacing those set before).

        ``POST /v4/live_engine_http_srv/set_gift_category_language``
        """
        self._caller._call(
            _SET_GIFT_CATEGORY_LANGUAGE,
            SetCategoryLanguageRequest(
                category_id=category_id,
                language=language,
                category_name=category_name,
                category_desc=given(category_desc),
            ),
            None,
        )

    def set_language(
        self,
        gift_id: str,
        language: str,
        name: str,
        *,
        desc: str | None = None,
    ) -> None:
        """Set a gift's name and description in one language (replacing those set before).

        ``POST /v4/live_engine_http_srv/set_gift_language``
        """
        self._caller._call(
            _SET_GIFT_LANGUAGE,
            SetGiftLanguageRequest(gift_id=gift_id, language=language, name=name, desc=given(desc)),
            None,
        )


class Members:
    """Room members: admins, bans and mutes."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def ban(
        self,
        room_id: str,
        accounts: Sequence[str],
        duration: int,
        *,
        reason: str | None = None,
    ) -> None:
        """Ban up to 20 members for ``Duration`` seconds: those online are removed, none may enter until it ends.

        ``POST /v4/live_engine_http_srv/ban_member``
        """
        self._caller._call(
            _BAN_MEMBER,
            BanMemberRequest(
                room_id=room_id,
                member_list_account=list(accounts),
                duration=duration,
                reason=given(reason),
            ),
            None,
        )

    def list_admins(
        self,
        room_id: str,
    ) -> AdminListResponse:
        """The room's admins.

        ``POST /v4/live_engine_http_srv/get_admin_list``
        """
        return self._caller._call(
            _GET_ADMIN_LIST,
            RoomRequest(room_id=room_id),
            AdminListResponse,
        )

    def list_banned(
        self,
        room_id: str,
        *,
        offset: int | None = None,
        limit: int | None = None,
    ) -> BannedListResponse:
        """One page of the bans in force; ``NextOffset`` 0 means there are no more.

        ``POST /v4/live_engine_http_srv/get_banned_member_list``
        """
        return self._caller._call(
            _GET_BANNED_MEMBER_LIST,
            BannedListRequest(room_id=room_id, offset=given(offset), limit=given(limit)),
            BannedListResponse,
        )

    def iter_list_banned(
        self,
        room_id: str,
        *,
        limit: int | None = None,
    ) -> Iterator[BannedAccount]:
        """Every item of ``list_banned``, page after page (follows ``NextOffset``)."""
        cursor = 0
        while True:
            page = self.list_banned(room_id=room_id, limit=limit, offset=cursor)
            yield from page.banned_account_list
            if page.next_offset == 0:
                return
            if page.next_offset == cursor:
                raise stuck_cursor("/v4/live_engine_http_srv/get_banned_member_list")
            cursor = page.next_offset

    def list(
        self,
        room_id: str,
        *,
        next: str | None = None,
    ) -> MemberListResponse:
        """One page (at most 100) of the members online now, the owner and admins first, then in the order they entered;
        pass the answered ``Next`` for the following page ("" after the last).

        ``POST /v4/live_engine_http_srv/get_member_list``
        """
        return self._caller._call(
            _GET_MEMBER_LIST,
            MemberListRequest(room_id=room_id, next=given(next)),
            MemberListResponse,
        )

    def iter_list(
        self,
        room_id: str,
    ) -> Iterator[ListedMember]:
        """Every item of ``list``, page after page (follows ``Next``)."""
        cursor = ""
        while True:
            page = self.list(room_id=room_id, next=cursor)
            yield from page.member_list
            if not page.next:
                return
            if page.next == cursor:
                raise stuck_cursor("/v4/live_engine_http_srv/get_member_list")
            cursor = page.next

    def list_muted(
        self,
        room_id: str,
    ) -> MutedListResponse:
        """The mutes in force.

        ``POST /v4/live_engine_http_srv/get_muted_member_list``
        """
        return self._caller._call(
            _GET_MUTED_MEMBER_LIST,
            MutedListRequest(room_id=room_id),
            MutedListResponse,
        )

    def kick(
        self,
        room_id: str,
        accounts: Sequence[str],
    ) -> None:
        """liveroom's own: take up to 20 members out of the room without a ban (they may enter again at once); members
        not in the room are passed over, the owner cannot be kicked.

        ``POST /v4/live_engine_http_srv/kick_member``
        """
        self._caller._call(
            _KICK_MEMBER,
            KickMemberRequest(room_id=room_id, member_list_account=list(accounts)),
            None,
        )

    def modify_admins(
        self,
        room_id: str,
        admins: Sequence[str],
        op_type: str,
    ) -> None:
        """Add (``OpType`` add) or remove (delete) room admins; a room has at most 5.

        ``POST /v4/live_engine_http_srv/modify_admin``
        """
        self._caller._call(
            _MODIFY_ADMIN,
            ModifyAdminRequest(room_id=room_id, admin_account=list(admins), op_type=op_type),
            None,
        )

    def mute(
        self,
        room_id: str,
        accounts: Sequence[str],
        mute_time: int,
    ) -> None:
        """Mute members' messages for ``MuteTime`` seconds; ``MuteTime`` 0 unmutes them.

        ``POST /v4/live_engine_http_srv/mute_member``
        """
        self._caller._call(
            _MUTE_MEMBER,
            MuteMemberRequest(room_id=room_id, member_list_account=list(accounts), mute_time=mute_time),
            None,
        )

    def unban(
        self,
        room_id: str,
        accounts: Sequence[str],
    ) -> None:
        """Lift the bans of up to 20 members.

        ``POST /v4/live_engine_http_srv/unban_member``
        """
        self._caller._call(
            _UNBAN_MEMBER,
            UnbanMemberRequest(room_id=room_id, member_list_account=list(accounts)),
            None,
        )


class Messages:
    """Messages the app backend sends into a room."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def send_custom(
        self,
        room_id: str,
        sender_account: str,
        business_id: str,
        data: str,
    ) -> None:
        """Send a custom message (``BusinessId`` names its kind, ``Data`` is its content) to every member online.

        ``POST /v4/live_engine_http_srv/send_custom_msg``
        """
        self._caller._call(
            _SEND_CUSTOM_MSG,
            SendCustomRequest(room_id=room_id, sender_account=sender_account, business_id=business_id, data=data),
            None,
        )

    def send_text(
        self,
        room_id: str,
        sender_account: str,
        text_content: str,
        *,
        extension_info: str | None = None,
    ) -> None:
        """Send a text message as ``Sender_Account`` to every member online (``ExtensionInfo``: a JSON string).

        ``POST /v4/live_engine_http_srv/send_text_msg``
        """
        self._caller._call(
            _SEND_TEXT_MSG,
            SendTextRequest(
                room_id=room_id,
                sender_account=sender_account,
                text_content=text_content,
                extension_info=given(extension_info),
            ),
            None,
        )


class Metadata:
    """Room metadata: custom key/values stored with a room."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def delete(
        self,
        room_id: str,
        keys: Sequence[str],
    ) -> None:
        """Remove keys; keys that are not there are ignored.

        ``POST /v4/live_engine_http_srv/del_room_metadata``
        """
        self._caller._call(
            _DEL_ROOM_METADATA,
            DelMetadataRequest(room_id=room_id, keys=list(keys)),
            None,
        )

    def get(
        self,
        room_id: str,
        *,
        keys: Sequence[str] | None = None,
    ) -> MetadataResponse:
        """Read the room's metadata: the keys asked for, or every key when ``Keys`` is empty.

        ``POST /v4/live_engine_http_srv/get_room_metadata``
        """
        return self._caller._call(
            _GET_ROOM_METADATA,
            GetMetadataRequest(room_id=room_id, keys=UNSET if keys is None else list(keys)),
            MetadataResponse,
        )

    def set(
        self,
        room_id: str,
        metadata: Mapping[str, str],
    ) -> None:
        """Add or overwrite key/values (at most 10 keys, 2 KiB a value, 16 KiB together).

        ``POST /v4/live_engine_http_srv/set_room_metadata``
        """
        self._caller._call(
            _SET_ROOM_METADATA,
            SetMetadataRequest(room_id=room_id, metadata=[Pair(key=k, value=v) for k, v in metadata.items()]),
            None,
        )


class Robots:
    """Robots: imported accounts that sit in a room as members."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def add(
        self,
        room_id: str,
        robots: Sequence[str],
    ) -> None:
        """Add robots (imported accounts) to a room; a room holds at most 3 and is then never auto-dismissed.

        ``POST /v4/live_engine_http_srv/add_robot``
        """
        self._caller._call(
            _ADD_ROBOT,
            RobotsRequest(room_id=room_id, robot_list_account=list(robots)),
            None,
        )

    def delete(
        self,
        room_id: str,
        robots: Sequence[str],
    ) -> None:
        """Remove robots from a room; accounts that are not its robots are ignored.

        ``POST /v4/live_engine_http_srv/del_robot``
        """
        self._caller._call(
            _DEL_ROBOT,
            RobotsRequest(room_id=room_id, robot_list_account=list(robots)),
            None,
        )

    def get(
        self,
        room_id: str,
    ) -> RobotsResponse:
        """The room's robots.

        ``POST /v4/live_engine_http_srv/get_robot``
        """
        return self._caller._call(
            _GET_ROBOT,
            RoomRequest(room_id=room_id),
            RobotsResponse,
        )


class Rooms:
    """Rooms: create, read, change, list and dismiss live rooms."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def change_owner(
        self,
        room_id: str,
        new_owner_account: str,
    ) -> None:
        """Hand the room to another imported account that is not banned in it.

        ``POST /v4/live_engine_http_srv/change_room_owner``
        """
        self._caller._call(
            _CHANGE_ROOM_OWNER,
            ChangeOwnerRequest(room_id=room_id, new_owner_account=new_owner_account),
            None,
        )

    def create(
        self,
        room_id: str,
        *,
        room_type: str = "Live",
        seat_template: str | None = None,
        owner_account: str | None = None,
        take_seat_mode: str | int | None = None,
        max_seat_count: int | None = None,
        max_member_count: int | None = None,
        is_seat_enabled: bool | None = None,
        seat_layout_template_id: int | None = None,
        is_message_disabled: bool | None = None,
        is_public_visible: bool | None = None,
        is_unlimited_room_enabled: bool | None = None,
        room_name: str | None = None,
        cover_url: str | None = None,
        category: Sequence[int] | None = None,
        activity_status: int | None = None,
        notice: str | None = None,
    ) -> CreateRoomResponse:
        """Create a live room.

        ``POST /v4/live_engine_http_srv/create_room``
        """
        return self._caller._call(
            _CREATE_ROOM,
            CreateRoomRequest(
                room_info=NewRoomInfo(
                    room_id=room_id,
                    room_type=room_type,
                    seat_template=given(seat_template),
                    owner_account=given(owner_account),
                    take_seat_mode=given(take_seat_mode),
                    max_seat_count=given(max_seat_count),
                    max_member_count=given(max_member_count),
                    is_seat_enabled=given(is_seat_enabled),
                    seat_layout_template_id=given(seat_layout_template_id),
                    is_message_disabled=given(is_message_disabled),
                    is_public_visible=given(is_public_visible),
                    is_unlimited_room_enabled=given(is_unlimited_room_enabled),
                    room_name=given(room_name),
                    cover_url=given(cover_url),
                    category=UNSET if category is None else list(category),
                    activity_status=given(activity_status),
                    notice=given(notice),
                ),
            ),
            CreateRoomResponse,
        )

    def destroy(
        self,
        room_id: str,
    ) -> DestroyRoomResponse:
        """Dismiss a room: it and everything scoped to it are gone; answers its statistics.

        ``POST /v4/live_engine_http_srv/destroy_room``
        """
        return self._caller._call(
            _DESTROY_ROOM,
            RoomRequest(room_id=room_id),
            DestroyRoomResponse,
        )

    def get_info(
        self,
        room_id: str,
    ) -> GetRoomInfoResponse:
        """Read one room.

        ``POST /v4/live_engine_http_srv/get_room_info``
        """
        return self._caller._call(
            _GET_ROOM_INFO,
            RoomRequest(room_id=room_id),
            GetRoomInfoResponse,
        )

    def list(
        self,
        *,
        next: str | None = None,
        count: int | None = None,
    ) -> GetRoomListResponse:
        """One page of public rooms, most viewed first; pass the answered ``Next`` for the following page.

        ``POST /v4/live_engine_http_srv/get_room_list``
        """
        return self._caller._call(
            _GET_ROOM_LIST,
            GetRoomListRequest(next=given(next), count=given(count)),
            GetRoomListResponse,
        )

    def iter_list(
        self,
        *,
        count: int | None = None,
    ) -> Iterator[ListedRoom]:
        """Every item of ``list``, page after page (follows ``Next``)."""
        cursor = ""
        while True:
            page = self.list(count=count, next=cursor)
            yield from page.room_list
            if not page.next:
                return
            if page.next == cursor:
                raise stuck_cursor("/v4/live_engine_http_srv/get_room_list")
            cursor = page.next

    def stats(
        self,
        room_id: str,
    ) -> RoomStatsResponse:
        """Read a room's running statistics.

        ``POST /v4/live_engine_http_srv/get_room_stats``
        """
        return self._caller._call(
            _GET_ROOM_STATS,
            RoomRequest(room_id=room_id),
            RoomStatsResponse,
        )

    def update(
        self,
        room_id: str,
        *,
        room_name: str | None = None,
        max_member_count: int | None = None,
        is_message_disabled: bool | None = None,
        cover_url: str | None = None,
        category: Sequence[int] | None = None,
        activity_status: int | None = None,
        is_public_visible: bool | None = None,
        take_seat_mode: str | int | None = None,
        notice: str | None = None,
        is_unlimited_room_enabled: bool | None = None,
    ) -> None:
        """Change the given fields of a room; fields not given keep their values.

        ``POST /v4/live_engine_http_srv/update_room_info``
        """
        self._caller._call(
            _UPDATE_ROOM_INFO,
            UpdateRoomInfoRequest(
                room_info=RoomInfoChanges(
                    room_id=room_id,
                    room_name=given(room_name),
                    max_member_count=given(max_member_count),
                    is_message_disabled=given(is_message_disabled),
                    cover_url=given(cover_url),
                    category=UNSET if category is None else list(category),
                    activity_status=given(activity_status),
                    is_public_visible=given(is_public_visible),
                    take_seat_mode=given(take_seat_mode),
                    notice=given(notice),
                    is_unlimited_room_enabled=given(is_unlimited_room_enabled),
                ),
            ),
            None,
        )


class Seats:
    """Seats (``room_engine_http_mic``)."""

    def __init__(self, caller: SyncCaller) -> None:
        self._caller = caller

    def list(
        self,
        room_id: str,
    ) -> SeatListResponse:
        """Every seat of the room; ``Member_Account`` "" is a free seat, ``IsMicrophoneClosed`` true a guest whose
        microphone the owner or an admin closed (liveroom's addition). A room without seats answers an empty list.

        ``POST /v4/room_engine_http_mic/get_seat_list``
        """
        return self._caller._call(
            _GET_SEAT_LIST,
            RoomRequest(room_id=room_id),
            SeatListResponse,
        )

    def kick(
        self,
        room_id: str,
        member_account: str,
        data: str,
    ) -> None:
        """Take a seated user off their seat; ``Data`` is delivered to them.

        ``POST /v4/room_engine_http_mic/kick_user_off_seat``
        """
        self._caller._call(
            _KICK_USER_OFF_SEAT,
            KickRequest(room_id=room_id, member_account=member_account, data=data),
            None,
        )

    def lock(
        self,
        room_id: str,
        index: int,
        *,
        forbid_taken: bool | None = None,
        forbid_video: bool | None = None,
        forbid_audio: bool | None = None,
    ) -> None:
        """Lock a seat (``ForbidTaken``; its user is removed first) or switch its video and audio off or on.

        ``POST /v4/room_engine_http_mic/lock_seat``
        """
        self._caller._call(
            _LOCK_SEAT,
            LockRequest(
                room_id=room_id,
                index=index,
                forbid_taken=given(forbid_taken),
                forbid_video=given(forbid_video),
                forbid_audio=given(forbid_audio),
            ),
            None,
        )

    def move(
        self,
        room_id: str,
        seat_index: int,
        member_account: str,
        policy: int,
    ) -> None:
        """Move a member to a seat; when it is taken, ``Policy`` 0 cancels, 1 kicks its user off, 2 swaps.

        ``POST /v4/room_engine_http_mic/move_user_to_seat``
        """
        self._caller._call(
            _MOVE_USER_TO_SEAT,
            MoveRequest(room_id=room_id, seat_index=seat_index, member_account=member_account, policy=policy),
            None,
        )

    def pick(
        self,
        room_id: str,
        index: int,
        member_account: str,
    ) -> None:
        """Put a member who is in the room on a free, unlocked seat.

        ``POST /v4/room_engine_http_mic/pick_user_on_seat``
        """
        self._caller._call(
            _PICK_USER_ON_SEAT,
            PickRequest(room_id=room_id, index=index, member_account=member_account),
            None,
        )

    def switch(
        self,
        room_id: str,
        to_index: int,
        member_account: str,
    ) -> None:
        """Move a seated user to a free seat.

        ``POST /v4/room_engine_http_mic/switch_seat``
        """
        self._caller._call(
            _SWITCH_SEAT,
            SwitchRequest(room_id=room_id, to_index=to_index, member_account=member_account),
            None,
        )


class API:
    """The command groups of ``Client``."""

    accounts: Accounts
    battles: Battles
    config: Config
    gifts: Gifts
    members: Members
    messages: Messages
    metadata: Metadata
    robots: Robots
    rooms: Rooms
    seats: Seats

    def _bind(self, caller: SyncCaller) -> None:
        self.accounts = Accounts(caller)
        self.battles = Battles(caller)
        self.config = Config(caller)
        self.gifts = Gifts(caller)
        self.members = Members(caller)
        self.messages = Messages(caller)
        self.metadata = Metadata(caller)
        self.robots = Robots(caller)
        self.rooms = Rooms(caller)
        self.seats = Seats(caller)


class AsyncAccounts:
    """Accounts (``im_open_login_svc``): import, check and delete UserIDs."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def check(
        self,
        user_ids: Sequence[str],
    ) -> CheckResponse:
        """Tell which of up to 100 UserIDs are imported.

        ``POST /v4/im_open_login_svc/account_check``
        """
        return await self._caller._call(
            _ACCOUNT_CHECK,
            CheckRequest(check_item=[UserRef(user_id=x) for x in user_ids]),
            CheckResponse,
        )

    async def delete(
        self,
        user_ids: Sequence[str],
    ) -> DeleteResponse:
        """Delete up to 100 accounts; each item answers its own ``ResultCode``.

        ``POST /v4/im_open_login_svc/account_delete``
        """
        return await self._caller._call(
            _ACCOUNT_DELETE,
            DeleteRequest(delete_item=[UserRef(user_id=x) for x in user_ids]),
            DeleteResponse,
        )

    async def import_(
        self,
        user_id: str,
        *,
        nick: str | None = None,
        face_url: str | None = None,
    ) -> None:
        """Create an account, or update its nickname and avatar (idempotent).

        ``POST /v4/im_open_login_svc/account_import``
        """
        await self._caller._call(
            _ACCOUNT_IMPORT,
            ImportAccountRequest(user_id=user_id, nick=given(nick), face_url=given(face_url)),
            None,
        )

    async def import_many(
        self,
        *,
        account_list: Sequence[AccountItem] | None = None,
        accounts: Sequence[str] | None = None,
    ) -> MultiImportResponse:
        """Import up to 100 accounts (``AccountList``, or the legacy ``Accounts`` list of ids).

        ``POST /v4/im_open_login_svc/multiaccount_import``
        """
        return await self._caller._call(
            _MULTIACCOUNT_IMPORT,
            MultiImportRequest(
                account_list=UNSET if account_list is None else list(account_list),
                accounts=UNSET if accounts is None else list(accounts),
            ),
            MultiImportResponse,
        )


class AsyncBattles:
    """Battles (``live_engine_http_pk``): rooms compete for a fixed time; read and set their scores."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def create(
        self,
        from_room_id: str,
        to_room_id_list: Sequence[str],
        duration: int,
        *,
        extension_info: str | None = None,
    ) -> CreateBattleResponse:
        """Start a battle between ``FromRoomId`` and the rooms of ``ToRoomIdList`` at once, for ``Duration`` ms; a
        ``ResultCode`` per invited room: 0 joined, 3 already in another battle, 4 no such room.

        ``POST /v4/live_engine_http_pk/create_battle``
        """
        return await self._caller._call(
            _CREATE_BATTLE,
            CreateBattleRequest(
                from_room_id=from_room_id,
                to_room_id_list=list(to_room_id_list),
                duration=duration,
                extension_info=given(extension_info),
            ),
            CreateBattleResponse,
        )

    async def get_info(
        self,
        *,
        battle_id: str | None = None,
        room_id: str | None = None,
    ) -> BattleInfoResponse:
        """A battle by ``BattleId``, or by ``RoomId`` the room's running battle, else its oldest battle request awaiting
        answers: its rooms and their scores, ``Status`` 1 waiting for answers, 2 running or 3 ended, ``StartTime``
        and ``EndTime`` in Unix seconds (0 while waiting), ``Duration`` in ms.

        ``POST /v4/live_engine_http_pk/get_battle_info``
        """
        return await self._caller._call(
            _GET_BATTLE_INFO,
            BattleInfoRequest(battle_id=given(battle_id), room_id=given(room_id)),
            BattleInfoResponse,
        )

    async def set_score(
        self,
        battle_id: str,
        op_type: int | str,
        score_list: Sequence[ScoreItem],
    ) -> SetScoreResponse:
        """Add to (``OpType`` 1) or set (2) the scores of rooms in a running battle; a ``ResultCode`` per room: 0 done,
        4 not in this battle, 5 the battle has ended.

        ``POST /v4/live_engine_http_pk/set_battle_score``
        """
        return await self._caller._call(
            _SET_BATTLE_SCORE,
            SetScoreRequest(battle_id=battle_id, op_type=op_type, score_list=list(score_list)),
            SetScoreResponse,
        )


class AsyncConfig:
    """The ``config`` commands."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def delete(self) -> None:
        """Remove the app's callback configuration (the token stays); nothing is sent any more.

        ``POST /v4/live_config/delete_callback``
        """
        await self._caller._call(
            _DELETE_CALLBACK,
            Empty(),
            None,
        )

    async def get(self) -> GetCallbackResponse:
        """Read the app's callback configuration.

        ``POST /v4/live_config/get_callback``
        """
        return await self._caller._call(
            _GET_CALLBACK,
            Empty(),
            GetCallbackResponse,
        )

    async def get_callback_token(self) -> GetTokenResponse:
        """Read the token and whether callbacks are signed with it.

        ``POST /v4/live_config/get_callback_token``
        """
        return await self._caller._call(
            _GET_CALLBACK_TOKEN,
            Empty(),
            GetTokenResponse,
        )

    async def set(
        self,
        url: str,
        callback_command_list: Sequence[str],
    ) -> None:
        """Create the app's callback configuration: the URL events are sent to and the commands sent.

        ``POST /v4/live_config/set_callback``
        """
        await self._caller._call(
            _SET_CALLBACK,
            SetCallbackRequest(url=url, callback_command_list=list(callback_command_list)),
            None,
        )

    async def set_callback_token(
        self,
        *,
        token: str | None = None,
        is_token_enable: bool | None = None,
    ) -> None:
        """Set the token that signs callbacks (``Sign``, ``RequestTime``) or switch it on or off; both fields are
        required the first time.

        ``POST /v4/live_config/set_callback_token``
        """
        await self._caller._call(
            _SET_CALLBACK_TOKEN,
            SetTokenRequest(token=given(token), is_token_enable=given(is_token_enable)),
            None,
        )

    async def update(
        self,
        *,
        url: str | None = None,
        callback_command_list: Sequence[str] | None = None,
    ) -> None:
        """Change the URL or the commands of the app's callback configuration.

        ``POST /v4/live_config/update_callback``
        """
        await self._caller._call(
            _UPDATE_CALLBACK,
            UpdateCallbackRequest(
                url=given(url),
                callback_command_list=UNSET if callback_command_list is None else list(callback_command_list),
            ),
            None,
        )


class AsyncGifts:
    """Gifts: the app's gift configuration (gifts, categories, languages), sending gifts and counting them."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def add(
        self,
        gift_id: str,
        coins: int,
        default_name: str,
        *,
        icon_url: str | None = None,
        resource_url: str | None = None,
        level: int | None = None,
        extension_info: str | None = None,
        default_desc: str | None = None,
    ) -> None:
        """Add a gift to the app's configuration (a GiftId that exists: 100002).

        ``POST /v4/live_engine_http_srv/add_gift``
        """
        await self._caller._call(
            _ADD_GIFT,
            AddGiftRequest(
                gift_id=gift_id,
                coins=coins,
                default_name=default_name,
                icon_url=given(icon_url),
                resource_url=given(resource_url),
                level=given(level),
                extension_info=given(extension_info),
                default_desc=given(default_desc),
            ),
            None,
        )

    async def add_category(
        self,
        category_id: str,
        default_name: str,
        *,
        default_desc: str | None = None,
    ) -> None:
        """Add a gift category (a CategoryId that exists: 100002); put gifts in it with add_gift_category_relations.

        ``POST /v4/live_engine_http_srv/add_gift_category``
        """
        await self._caller._call(
            _ADD_GIFT_CATEGORY,
            AddCategoryRequest(category_id=category_id, default_name=default_name, default_desc=given(default_desc)),
            None,
        )

    async def add_to_category(
        self,
        category_id: str,
        gift_ids: Sequence[str],
    ) -> None:
        """Put up to 100 gifts in a category (a gift may be in several); those already in it stay.

        ``POST /v4/live_engine_http_srv/add_gift_category_relations``
        """
        await self._caller._call(
            _ADD_GIFT_CATEGORY_RELATIONS,
            CategoryRelationsRequest(category_id=category_id, gift_id_list=list(gift_ids)),
            None,
        )

    async def copy_default_config(self) -> None:
        """Install liveroom's default gift configuration (3 categories, 15 gifts, in en and zh-CN) into an app that has
        no gift or category yet.

        ``POST /v4/live_engine_http_srv/copy_default_gift_config``
        """
        await self._caller._call(
            _COPY_DEFAULT_GIFT_CONFIG,
            Empty(),
            None,
        )

    async def delete(
        self,
        gift_id: str,
    ) -> None:
        """Remove a gift, with its other languages and its place in every category.

        ``POST /v4/live_engine_http_srv/del_gift``
        """
        await self._caller._call(
            _DEL_GIFT,
            GiftRequest(gift_id=gift_id),
            None,
        )

    async def delete_category(
        self,
        category_id: str,
    ) -> None:
        """Remove a gift category and its other languages; its gifts stay in the app.

        ``POST /v4/live_engine_http_srv/del_gift_category``
        """
        await self._caller._call(
            _DEL_GIFT_CATEGORY,
            CategoryRequest(category_id=category_id),
            None,
        )

    async def delete_category_language(
        self,
        category_id: str,
        language: str,
    ) -> None:
        """Remove a gift category's names in one language (nothing happens when it has none in it).

        ``POST /v4/live_engine_http_srv/del_gift_category_language``
        """
        await self._caller._call(
            _DEL_GIFT_CATEGORY_LANGUAGE,
            CategoryLanguageRequest(category_id=category_id, language=language),
            None,
        )

    async def remove_from_category(
        self,
        category_id: str,
        gift_ids: Sequence[str],
    ) -> None:
        """Take up to 100 gifts out of a category; they stay in the app (a gift not in it is ignored).

        ``POST /v4/live_engine_http_srv/del_gift_category_relations``
        """
        await self._caller._call(
            _DEL_GIFT_CATEGORY_RELATIONS,
            CategoryRelationsRequest(category_id=category_id, gift_id_list=list(gift_ids)),
            None,
        )

    async def delete_language(
        self,
        gift_id: str,
        language: str,
    ) -> None:
        """Remove a gift's names in one language (nothing happens when it has none in it).

        ``POST /v4/live_engine_http_srv/del_gift_language``
        """
        await self._caller._call(
            _DEL_GIFT_LANGUAGE,
            GiftLanguageRequest(gift_id=gift_id, language=language),
            None,
        )

    async def edit(
        self,
        gift_id: str,
        *,
        coins: int | None = None,
        default_name: str | None = None,
        icon_url: str | None = None,
        resource_url: str | None = None,
        level: int | None = None,
        extension_info: str | None = None,
        default_desc: str | None = None,
    ) -> None:
        """Change the given fields of a gift; fields not given keep their values.

        ``POST /v4/live_engine_http_srv/edit_gift``
        """
        await self._caller._call(
            _EDIT_GIFT,
            EditGiftRequest(
                gift_id=gift_id,
                coins=given(coins),
                default_name=given(default_name),
                icon_url=given(icon_url),
                resource_url=given(resource_url),
                level=given(level),
                extension_info=given(extension_info),
                default_desc=given(default_desc),
            ),
            None,
        )

    async def edit_category(
        self,
        category_id: str,
        *,
        default_name: str | None = None,
        default_desc: str | None = None,
    ) -> None:
        """Change the given fields of a gift category; fields not given keep their values.

        ``POST /v4/live_engine_http_srv/edit_gift_category``
        """
        await self._caller._call(
            _EDIT_GIFT_CATEGORY,
            EditCategoryRequest(
                category_id=category_id,
                default_name=given(default_name),
                default_desc=given(default_desc),
            ),
            None,
        )

    async def get(
        self,
        gift_id: str,
    ) -> GetGiftResponse:
        """Read one gift; ``GiftInfo`` is answered beside ``ActionStatus``, not under ``Response`` (as Tencent does).

        ``POST /v4/live_engine_http_srv/get_gift``
        """
        return await self._caller._call(
            _GET_GIFT,
            GiftRequest(gift_id=gift_id),
            GetGiftResponse,
        )

    async def get_category(
        self,
        category_id: str,
        *,
        language: str | None = None,
    ) -> GetCategoryResponse:
        """Read one gift category with its gifts and languages, named in ``Language`` where set.

        ``POST /v4/live_engine_http_srv/get_gift_category``
        """
        return await self._caller._call(
            _GET_GIFT_CATEGORY,
            GetCategoryRequest(category_id=category_id, language=given(language)),
            GetCategoryResponse,
        )

    async def get_category_language(
        self,
        category_id: str,
        language: str,
    ) -> CategoryLanguageResponse:
        """A gift category's name and description in one language (both "" when none are set in it).

        ``POST /v4/live_engine_http_srv/get_gift_category_language``
        """
        return await self._caller._call(
            _GET_GIFT_CATEGORY_LANGUAGE,
            CategoryLanguageRequest(category_id=category_id, language=language),
            CategoryLanguageResponse,
        )

    async def count(
        self,
        room_id: str,
        from_account: str,
    ) -> GiftCountResponse:
        """The room's gift totals: ``Sequence`` (gifts sent, one per send_gift), ``TotalCount`` (gifts, counting
        ``Count``), ``TotalCoins`` and ``GiftSenderCount`` (distinct senders).

        ``POST /v4/live_engine_http_srv/get_gift_count``
        """
        return await self._caller._call(
            _GET_GIFT_COUNT,
            GiftCountRequest(room_id=room_id, from_account=from_account),
            GiftCountResponse,
        )

    async def list(
        self,
        *,
        language: str | None = None,
    ) -> GiftInfoListResponse:
        """Every gift (the cheapest first) and category of the app, named in ``Language`` where the app set names in it
        and by their defaults otherwise; each with all its languages.

        ``POST /v4/live_engine_http_srv/get_gift_info_list``
        """
        return await self._caller._call(
            _GET_GIFT_INFO_LIST,
            GiftInfoListRequest(language=given(language)),
            GiftInfoListResponse,
        )

    async def get_language(
        self,
        gift_id: str,
        language: str,
    ) -> GiftLanguageResponse:
        """A gift's name and description in one language (both "" when none are set in it).

        ``POST /v4/live_engine_http_srv/get_gift_language``
        """
        return await self._caller._call(
            _GET_GIFT_LANGUAGE,
            GiftLanguageRequest(gift_id=gift_id, language=language),
            GiftLanguageResponse,
        )

    async def send(
        self,
        room_id: str,
        gift_id: str,
        from_account: str,
        receivers: Sequence[str],
        *,
        count: int | None = None,
    ) -> None:
        """Send ``Count`` gifts from ``From_Account`` to up to 20 receivers in a room: counted in the room's statistics
        at once, and shown to every member online as a ``gift`` event.

        ``POST /v4/live_engine_http_srv/send_gift``
        """
        await self._caller._call(
            _SEND_GIFT,
            SendGiftRequest(
                room_id=room_id,
                gift_id=gift_id,
                from_account=from_account,
                receiver_list_account=list(receivers),
                count=given(count),
            ),
            None,
        )

    async def set_category_language(
        self,
        category_id: str,
        language: str,
        category_name: str,
        *,
        category_desc: str | None = None,
    ) -> None:
        """Set a gift category's name and description in one language (replacing those set before).

        ``POST /v4/live_engine_http_srv/set_gift_category_language``
        """
        await self._caller._call(
            _SET_GIFT_CATEGORY_LANGUAGE,
            SetCategoryLanguageRequest(
                category_id=category_id,
                language=language,
                category_name=category_name,
                category_desc=given(category_desc),
            ),
            None,
        )

    async def set_language(
        self,
        gift_id: str,
        language: str,
        name: str,
        *,
        desc: str | None = None,
    ) -> None:
        """Set a gift's name and description in one language (replacing those set before).

        ``POST /v4/live_engine_http_srv/set_gift_language``
        """
        await self._caller._call(
            _SET_GIFT_LANGUAGE,
            SetGiftLanguageRequest(gift_id=gift_id, language=language, name=name, desc=given(desc)),
            None,
        )


class AsyncMembers:
    """Room members: admins, bans and mutes."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def ban(
        self,
        room_id: str,
        accounts: Sequence[str],
        duration: int,
        *,
        reason: str | None = None,
    ) -> None:
        """Ban up to 20 members for ``Duration`` seconds: those online are removed, none may enter until it ends.

        ``POST /v4/live_engine_http_srv/ban_member``
        """
        await self._caller._call(
            _BAN_MEMBER,
            BanMemberRequest(
                room_id=room_id,
                member_list_account=list(accounts),
                duration=duration,
                reason=given(reason),
            ),
            None,
        )

    async def list_admins(
        self,
        room_id: str,
    ) -> AdminListResponse:
        """The room's admins.

        ``POST /v4/live_engine_http_srv/get_admin_list``
        """
        return await self._caller._call(
            _GET_ADMIN_LIST,
            RoomRequest(room_id=room_id),
            AdminListResponse,
        )

    async def list_banned(
        self,
        room_id: str,
        *,
        offset: int | None = None,
        limit: int | None = None,
    ) -> BannedListResponse:
        """One page of the bans in force; ``NextOffset`` 0 means there are no more.

        ``POST /v4/live_engine_http_srv/get_banned_member_list``
        """
        return await self._caller._call(
            _GET_BANNED_MEMBER_LIST,
            BannedListRequest(room_id=room_id, offset=given(offset), limit=given(limit)),
            BannedListResponse,
        )

    async def iter_list_banned(
        self,
        room_id: str,
        *,
        limit: int | None = None,
    ) -> AsyncIterator[BannedAccount]:
        """Every item of ``list_banned``, page after page (follows ``NextOffset``)."""
        cursor = 0
        while True:
            page = await self.list_banned(room_id=room_id, limit=limit, offset=cursor)
            for item in page.banned_account_list:
                yield item
            if page.next_offset == 0:
                return
            if page.next_offset == cursor:
                raise stuck_cursor("/v4/live_engine_http_srv/get_banned_member_list")
            cursor = page.next_offset

    async def list(
        self,
        room_id: str,
        *,
        next: str | None = None,
    ) -> MemberListResponse:
        """One page (at most 100) of the members online now, the owner and admins first, then in the order they entered;
        pass the answered ``Next`` for the following page ("" after the last).

        ``POST /v4/live_engine_http_srv/get_member_list``
        """
        return await self._caller._call(
            _GET_MEMBER_LIST,
            MemberListRequest(room_id=room_id, next=given(next)),
            MemberListResponse,
        )

    async def iter_list(
        self,
        room_id: str,
    ) -> AsyncIterator[ListedMember]:
        """Every item of ``list``, page after page (follows ``Next``)."""
        cursor = ""
        while True:
            page = await self.list(room_id=room_id, next=cursor)
            for item in page.member_list:
                yield item
            if not page.next:
                return
            if page.next == cursor:
                raise stuck_cursor("/v4/live_engine_http_srv/get_member_list")
            cursor = page.next

    async def list_muted(
        self,
        room_id: str,
    ) -> MutedListResponse:
        """The mutes in force.

        ``POST /v4/live_engine_http_srv/get_muted_member_list``
        """
        return await self._caller._call(
            _GET_MUTED_MEMBER_LIST,
            MutedListRequest(room_id=room_id),
            MutedListResponse,
        )

    async def kick(
        self,
        room_id: str,
        accounts: Sequence[str],
    ) -> None:
        """liveroom's own: take up to 20 members out of the room without a ban (they may enter again at once); members
        not in the room are passed over, the owner cannot be kicked.

        ``POST /v4/live_engine_http_srv/kick_member``
        """
        await self._caller._call(
            _KICK_MEMBER,
            KickMemberRequest(room_id=room_id, member_list_account=list(accounts)),
            None,
        )

    async def modify_admins(
        self,
        room_id: str,
        admins: Sequence[str],
        op_type: str,
    ) -> None:
        """Add (``OpType`` add) or remove (delete) room admins; a room has at most 5.

        ``POST /v4/live_engine_http_srv/modify_admin``
        """
        await self._caller._call(
            _MODIFY_ADMIN,
            ModifyAdminRequest(room_id=room_id, admin_account=list(admins), op_type=op_type),
            None,
        )

    async def mute(
        self,
        room_id: str,
        accounts: Sequence[str],
        mute_time: int,
    ) -> None:
        """Mute members' messages for ``MuteTime`` seconds; ``MuteTime`` 0 unmutes them.

        ``POST /v4/live_engine_http_srv/mute_member``
        """
        await self._caller._call(
            _MUTE_MEMBER,
            MuteMemberRequest(room_id=room_id, member_list_account=list(accounts), mute_time=mute_time),
            None,
        )

    async def unban(
        self,
        room_id: str,
        accounts: Sequence[str],
    ) -> None:
        """Lift the bans of up to 20 members.

        ``POST /v4/live_engine_http_srv/unban_member``
        """
        await self._caller._call(
            _UNBAN_MEMBER,
            UnbanMemberRequest(room_id=room_id, member_list_account=list(accounts)),
            None,
        )


class AsyncMessages:
    """Messages the app backend sends into a room."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def send_custom(
        self,
        room_id: str,
        sender_account: str,
        business_id: str,
        data: str,
    ) -> None:
        """Send a custom message (``BusinessId`` names its kind, ``Data`` is its content) to every member online.

        ``POST /v4/live_engine_http_srv/send_custom_msg``
        """
        await self._caller._call(
            _SEND_CUSTOM_MSG,
            SendCustomRequest(room_id=room_id, sender_account=sender_account, business_id=business_id, data=data),
            None,
        )

    async def send_text(
        self,
        room_id: str,
        sender_account: str,
        text_content: str,
        *,
        extension_info: str | None = None,
    ) -> None:
        """Send a text message as ``Sender_Account`` to every member online (``ExtensionInfo``: a JSON string).

        ``POST /v4/live_engine_http_srv/send_text_msg``
        """
        await self._caller._call(
            _SEND_TEXT_MSG,
            SendTextRequest(
                room_id=room_id,
                sender_account=sender_account,
                text_content=text_content,
                extension_info=given(extension_info),
            ),
            None,
        )


class AsyncMetadata:
    """Room metadata: custom key/values stored with a room."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def delete(
        self,
        room_id: str,
        keys: Sequence[str],
    ) -> None:
        """Remove keys; keys that are not there are ignored.

        ``POST /v4/live_engine_http_srv/del_room_metadata``
        """
        await self._caller._call(
            _DEL_ROOM_METADATA,
            DelMetadataRequest(room_id=room_id, keys=list(keys)),
            None,
        )

    async def get(
        self,
        room_id: str,
        *,
        keys: Sequence[str] | None = None,
    ) -> MetadataResponse:
        """Read the room's metadata: the keys asked for, or every key when ``Keys`` is empty.

        ``POST /v4/live_engine_http_srv/get_room_metadata``
        """
        return await self._caller._call(
            _GET_ROOM_METADATA,
            GetMetadataRequest(room_id=room_id, keys=UNSET if keys is None else list(keys)),
            MetadataResponse,
        )

    async def set(
        self,
        room_id: str,
        metadata: Mapping[str, str],
    ) -> None:
        """Add or overwrite key/values (at most 10 keys, 2 KiB a value, 16 KiB together).

        ``POST /v4/live_engine_http_srv/set_room_metadata``
        """
        await self._caller._call(
            _SET_ROOM_METADATA,
            SetMetadataRequest(room_id=room_id, metadata=[Pair(key=k, value=v) for k, v in metadata.items()]),
            None,
        )


class AsyncRobots:
    """Robots: imported accounts that sit in a room as members."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def add(
        self,
        room_id: str,
        robots: Sequence[str],
    ) -> None:
        """Add robots (imported accounts) to a room; a room holds at most 3 and is then never auto-dismissed.

        ``POST /v4/live_engine_http_srv/add_robot``
        """
        await self._caller._call(
            _ADD_ROBOT,
            RobotsRequest(room_id=room_id, robot_list_account=list(robots)),
            None,
        )

    async def delete(
        self,
        room_id: str,
        robots: Sequence[str],
    ) -> None:
        """Remove robots from a room; accounts that are not its robots are ignored.

        ``POST /v4/live_engine_http_srv/del_robot``
        """
        await self._caller._call(
            _DEL_ROBOT,
            RobotsRequest(room_id=room_id, robot_list_account=list(robots)),
            None,
        )

    async def get(
        self,
        room_id: str,
    ) -> RobotsResponse:
        """The room's robots.

        ``POST /v4/live_engine_http_srv/get_robot``
        """
        return await self._caller._call(
            _GET_ROBOT,
            RoomRequest(room_id=room_id),
            RobotsResponse,
        )


class AsyncRooms:
    """Rooms: create, read, change, list and dismiss live rooms."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def change_owner(
        self,
        room_id: str,
        new_owner_account: str,
    ) -> None:
        """Hand the room to another imported account that is not banned in it.

        ``POST /v4/live_engine_http_srv/change_room_owner``
        """
        await self._caller._call(
            _CHANGE_ROOM_OWNER,
            ChangeOwnerRequest(room_id=room_id, new_owner_account=new_owner_account),
            None,
        )

    async def create(
        self,
        room_id: str,
        *,
        room_type: str = "Live",
        seat_template: str | None = None,
        owner_account: str | None = None,
        take_seat_mode: str | int | None = None,
        max_seat_count: int | None = None,
        max_member_count: int | None = None,
        is_seat_enabled: bool | None = None,
        seat_layout_template_id: int | None = None,
        is_message_disabled: bool | None = None,
        is_public_visible: bool | None = None,
        is_unlimited_room_enabled: bool | None = None,
        room_name: str | None = None,
        cover_url: str | None = None,
        category: Sequence[int] | None = None,
        activity_status: int | None = None,
        notice: str | None = None,
    ) -> CreateRoomResponse:
        """Create a live room.

        ``POST /v4/live_engine_http_srv/create_room``
        """
        return await self._caller._call(
            _CREATE_ROOM,
            CreateRoomRequest(
                room_info=NewRoomInfo(
                    room_id=room_id,
                    room_type=room_type,
                    seat_template=given(seat_template),
                    owner_account=given(owner_account),
                    take_seat_mode=given(take_seat_mode),
                    max_seat_count=given(max_seat_count),
                    max_member_count=given(max_member_count),
                    is_seat_enabled=given(is_seat_enabled),
                    seat_layout_template_id=given(seat_layout_template_id),
                    is_message_disabled=given(is_message_disabled),
                    is_public_visible=given(is_public_visible),
                    is_unlimited_room_enabled=given(is_unlimited_room_enabled),
                    room_name=given(room_name),
                    cover_url=given(cover_url),
                    category=UNSET if category is None else list(category),
                    activity_status=given(activity_status),
                    notice=given(notice),
                ),
            ),
            CreateRoomResponse,
        )

    async def destroy(
        self,
        room_id: str,
    ) -> DestroyRoomResponse:
        """Dismiss a room: it and everything scoped to it are gone; answers its statistics.

        ``POST /v4/live_engine_http_srv/destroy_room``
        """
        return await self._caller._call(
            _DESTROY_ROOM,
            RoomRequest(room_id=room_id),
            DestroyRoomResponse,
        )

    async def get_info(
        self,
        room_id: str,
    ) -> GetRoomInfoResponse:
        """Read one room.

        ``POST /v4/live_engine_http_srv/get_room_info``
        """
        return await self._caller._call(
            _GET_ROOM_INFO,
            RoomRequest(room_id=room_id),
            GetRoomInfoResponse,
        )

    async def list(
        self,
        *,
        next: str | None = None,
        count: int | None = None,
    ) -> GetRoomListResponse:
        """One page of public rooms, most viewed first; pass the answered ``Next`` for the following page.

        ``POST /v4/live_engine_http_srv/get_room_list``
        """
        return await self._caller._call(
            _GET_ROOM_LIST,
            GetRoomListRequest(next=given(next), count=given(count)),
            GetRoomListResponse,
        )

    async def iter_list(
        self,
        *,
        count: int | None = None,
    ) -> AsyncIterator[ListedRoom]:
        """Every item of ``list``, page after page (follows ``Next``)."""
        cursor = ""
        while True:
            page = await self.list(count=count, next=cursor)
            for item in page.room_list:
                yield item
            if not page.next:
                return
            if page.next == cursor:
                raise stuck_cursor("/v4/live_engine_http_srv/get_room_list")
            cursor = page.next

    async def stats(
        self,
        room_id: str,
    ) -> RoomStatsResponse:
        """Read a room's running statistics.

        ``POST /v4/live_engine_http_srv/get_room_stats``
        """
        return await self._caller._call(
            _GET_ROOM_STATS,
            RoomRequest(room_id=room_id),
            RoomStatsResponse,
        )

    async def update(
        self,
        room_id: str,
        *,
        room_name: str | None = None,
        max_member_count: int | None = None,
        is_message_disabled: bool | None = None,
        cover_url: str | None = None,
        category: Sequence[int] | None = None,
        activity_status: int | None = None,
        is_public_visible: bool | None = None,
        take_seat_mode: str | int | None = None,
        notice: str | None = None,
        is_unlimited_room_enabled: bool | None = None,
    ) -> None:
        """Change the given fields of a room; fields not given keep their values.

        ``POST /v4/live_engine_http_srv/update_room_info``
        """
        await self._caller._call(
            _UPDATE_ROOM_INFO,
            UpdateRoomInfoRequest(
                room_info=RoomInfoChanges(
                    room_id=room_id,
                    room_name=given(room_name),
                    max_member_count=given(max_member_count),
                    is_message_disabled=given(is_message_disabled),
                    cover_url=given(cover_url),
                    category=UNSET if category is None else list(category),
                    activity_status=given(activity_status),
                    is_public_visible=given(is_public_visible),
                    take_seat_mode=given(take_seat_mode),
                    notice=given(notice),
                    is_unlimited_room_enabled=given(is_unlimited_room_enabled),
                ),
            ),
            None,
        )


class AsyncSeats:
    """Seats (``room_engine_http_mic``)."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def list(
        self,
        room_id: str,
    ) -> SeatListResponse:
        """Every seat of the room; ``Member_Account`` "" is a free seat, ``IsMicrophoneClosed`` true a guest whose
        microphone the owner or an admin closed (liveroom's addition). A room without seats answers an empty list.

        ``POST /v4/room_engine_http_mic/get_seat_list``
        """
        return await self._caller._call(
            _GET_SEAT_LIST,
            RoomRequest(room_id=room_id),
            SeatListResponse,
        )

    async def kick(
        self,
        room_id: str,
        member_account: str,
        data: str,
    ) -> None:
        """Take a seated user off their seat; ``Data`` is delivered to them.

        ``POST /v4/room_engine_http_mic/kick_user_off_seat``
        """
        await self._caller._call(
            _KICK_USER_OFF_SEAT,
            KickRequest(room_id=room_id, member_account=member_account, data=data),
            None,
        )

    async def lock(
        self,
        room_id: str,
        index: int,
        *,
        forbid_taken: bool | None = None,
        forbid_video: bool | None = None,
        forbid_audio: bool | None = None,
    ) -> None:
        """Lock a seat (``ForbidTaken``; its user is removed first) or switch its video and audio off or on.

        ``POST /v4/room_engine_http_mic/lock_seat``
        """
        await self._caller._call(
            _LOCK_SEAT,
            LockRequest(
                room_id=room_id,
                index=index,
                forbid_taken=given(forbid_taken),
                forbid_video=given(forbid_video),
                forbid_audio=given(forbid_audio),
            ),
            None,
        )

    async def move(
        self,
        room_id: str,
        seat_index: int,
        member_account: str,
        policy: int,
    ) -> None:
        """Move a member to a seat; when it is taken, ``Policy`` 0 cancels, 1 kicks its user off, 2 swaps.

        ``POST /v4/room_engine_http_mic/move_user_to_seat``
        """
        await self._caller._call(
            _MOVE_USER_TO_SEAT,
            MoveRequest(room_id=room_id, seat_index=seat_index, member_account=member_account, policy=policy),
            None,
        )

    async def pick(
        self,
        room_id: str,
        index: int,
        member_account: str,
    ) -> None:
        """Put a member who is in the room on a free, unlocked seat.

        ``POST /v4/room_engine_http_mic/pick_user_on_seat``
        """
        await self._caller._call(
            _PICK_USER_ON_SEAT,
            PickRequest(room_id=room_id, index=index, member_account=member_account),
            None,
        )

    async def switch(
        self,
        room_id: str,
        to_index: int,
        member_account: str,
    ) -> None:
        """Move a seated user to a free seat.

        ``POST /v4/room_engine_http_mic/switch_seat``
        """
        await self._caller._call(
            _SWITCH_SEAT,
            SwitchRequest(room_id=room_id, to_index=to_index, member_account=member_account),
            None,
        )


class AsyncAPI:
    """The command groups of ``AsyncClient``."""

    accounts: AsyncAccounts
    battles: AsyncBattles
    config: AsyncConfig
    gifts: AsyncGifts
    members: AsyncMembers
    messages: AsyncMessages
    metadata: AsyncMetadata
    robots: AsyncRobots
    rooms: AsyncRooms
    seats: AsyncSeats

    def _bind(self, caller: AsyncCaller) -> None:
        self.accounts = AsyncAccounts(caller)
        self.battles = AsyncBattles(caller)
        self.config = AsyncConfig(caller)
        self.gifts = AsyncGifts(caller)
        self.members = AsyncMembers(caller)
        self.messages = AsyncMessages(caller)
        self.metadata = AsyncMetadata(caller)
        self.robots = AsyncRobots(caller)
        self.rooms = AsyncRooms(caller)
        self.seats = AsyncSeats(caller)
