"""Sending gifts, ``v4/live_engine_http_srv/send_gift`` and ``get_gift_count`` (decisions.md section 9)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, field

from liveroom.api.gift_catalog import GiftId
from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE
from liveroom.api.wire import AccountId, RoomId, Wire
from liveroom.domain import gifts
from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode


class SendGiftRequest(Wire):
    room_id: RoomId
    gift_id: GiftId
    from_account: AccountId = field(name="From_Account")
    receiver_list_account: Annotated[list[AccountId], Meta(min_length=1, max_length=gifts.RECEIVERS_MAX)] = field(
        name="ReceiverList_Account"
    )
    count: Annotated[int, Meta(ge=1, le=gifts.COUNT_MAX)] = 1


@command(
    SERVICE,
    "send_gift",
    request=SendGiftRequest,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.GIFT_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND, ErrorCode.GIFT_REFUSED),
)
async def send_gift(svc: Services, caller: Caller, req: SendGiftRequest) -> None:
    """Send ``Count`` gifts from ``From_Account`` to up to 20 receivers in a room: counted in the room's statistics
    at once, and shown to every member online as a ``gift`` event."""
    gift = gifts.GiftSend(
        room_id=req.room_id,
        gift_id=req.gift_id,
        sender=req.from_account,
        receivers=tuple(req.receiver_list_account),
        count=req.count,
    )
    await gifts.send_gift(svc, caller, gift, as_member=False)


class GiftCountRequest(Wire):
    room_id: RoomId
    from_account: AccountId = field(name="From_Account")


class GiftCountResponse(Wire):
    sequence: int
    total_count: int
    total_coins: int
    gift_sender_count: int


@command(
    SERVICE,
    "get_gift_count",
    request=GiftCountRequest,
    response=GiftCountResponse,
    errors=(ErrorCode.ROOM_NOT_FOUND, ErrorCode.ACCOUNT_NOT_FOUND),
)
async def get_gift_count(svc: Services, caller: Caller, req: GiftCountRequest) -> GiftCountResponse:
    """The room's gift totals: ``Sequence`` (gifts sent, one per send_gift), ``TotalCount`` (gifts, counting
    ``Count``), ``TotalCoins`` and ``GiftSenderCount`` (distinct senders)."""
    counted = await gifts.gift_count(svc, caller, req.room_id, req.from_account)
    return GiftCountResponse(
        sequence=counted.sequence,
        total_count=counted.total_count,
        total_coins=counted.total_coins,
        gift_sender_count=counted.sender_count,
    )
