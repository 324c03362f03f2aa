"""Sending gifts and counting them (decisions.md section 9): the economy of a room.

A gift is checked (the room, the gift, the accounts), then shown to the app's backend (``hooks.allow_gift``, which
charges the sender or refuses with 102004), then counted: the room's TotalGiftsSent, TotalGiftCoins, its set of
senders (TotalUniqueGiftSenders) and its gift Sequence change in one transaction, by increments the database
makes, so gifts sent at once from any number of members and nodes are all counted exactly. Members online then
receive a ``gift`` event carrying the room's totals.

The checks and the write are two transactions on purpose: the backend's answer may take seconds, and no write
(on SQLite: no other request's write) waits for it. The price the backend approved is the price counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from liveroom.domain import battles
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import GiftSent
from liveroom.domain.gift_catalog import gift_not_found
from liveroom.domain.hooks import GiftToSend
from liveroom.domain.messages import require_present
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import Transaction
from liveroom.store.records import GiftTotals

COUNT_MAX = 9999
RECEIVERS_MAX = 20


class GiftSend(msgspec.Struct, frozen=True, kw_only=True):
    """``count`` gifts ``gift_id`` from ``sender`` to ``receivers`` in a room; no receivers means the room's owner
    (a member's gift to the host)."""

    room_id: str
    gift_id: str
    sender: str
    receivers: tuple[str, ...] = ()
    count: int = 1


class GiftCount(msgspec.Struct, frozen=True):
    """A room's gift counters: ``total_count`` gifts worth ``total_coins``, from ``sender_count`` senders, in
    ``sequence`` sends."""

    sequence: int
    total_count: int
    total_coins: int
    sender_count: int


def _room_not_found(room_id: str) -> LiveError:
    return LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: room {room_id!r} does not exist")


async def _require_accounts(tx: Transaction, caller: Caller, fields: Sequence[tuple[str, Sequence[str]]]) -> None:
    """70107 naming the first account, field by field, that was never imported (one query for all of them)."""
    admins = caller.app.admins
    wanted = [u for u in dict.fromkeys(u for _, ids in fields for u in ids) if u not in admins]
    found = await tx.existing_accounts(caller.sdkappid, wanted)
    for field, ids in fields:
        for user_id in ids:
            if user_id not in found and user_id not in admins:
                raise LiveError(ErrorCode.ACCOUNT_NOT_FOUND, f"{field}: account {user_id!r} is not imported")


async def send_gift(svc: Services, caller: Caller, gift: GiftSend, *, as_member: bool) -> GiftTotals:
    """``as_member``: the caller is the sender, a member online in the room (the realtime gateway); else the app
    backend sends for ``gift.sender``, an imported account in the room or not. Answers the room's totals."""
    if not 1 <= gift.count <= COUNT_MAX:
        raise InvalidParameter(f"Count: must be 1..{COUNT_MAX}")
    if len(gift.receivers) > RECEIVERS_MAX:
        raise InvalidParameter(f"ReceiverList_Account: at most {RECEIVERS_MAX} accounts")
    sdkappid, room_id = caller.sdkappid, gift.room_id
    if as_member:
        await require_present(svc, caller, room_id)
    # A member's own account was checked when it authenticated; the app's admins count as imported accounts.
    checked = [("ReceiverList_Account", gift.receivers)]
    if not as_member:
        checked.insert(0, ("From_Account", (gift.sender,)))
    admins = caller.app.admins
    accounts = [u for u in dict.fromkeys(u for _, ids in checked for u in ids) if u not in admins]
    # Read in a write scope, though it writes nothing: SQLite's writer has the rooms a gift storm writes in its
    # cache, the reader starts every transaction after a commit with an empty one (measured: 2.4x the time).
    async with svc.store.write() as tx:
        owner, coins, found = await tx.gift_to_send(sdkappid, room_id, gift.gift_id, accounts)
        if owner is None:
            raise _room_not_found(room_id)
        if coins is None:
            raise gift_not_found(gift.gift_id)
        if found < len(accounts):
            await _require_accounts(tx, caller, checked)
    receivers = gift.receivers or (owner,)
    await svc.hooks.allow_gift(
        caller.app,
        GiftToSend(
            room_id=room_id,
            operator=caller.identifier,
            sender=gift.sender,
            receivers=receivers,
            gift_id=gift.gift_id,
            count=gift.count,
            coins=coins,
            time=svc.now(),
        ),
    )
    async with svc.store.write() as tx:
        totals = await tx.count_gift(sdkappid, room_id, gift.sender, gift.count, coins)
        if totals is None:  # dismissed meanwhile
            raise _room_not_found(room_id)
        scored = await battles.add_gift(svc, tx, caller, room_id, coins * gift.count)
    await svc.events.publish(
        GiftSent(
            sdkappid=sdkappid,
            room_id=room_id,
            operator=caller.identifier,
            sender_account=gift.sender,
            gift_id=gift.gift_id,
            count=gift.count,
            receiver_list_account=receivers,
            coins=coins,
            sequence=totals.sequence,
            total_gifts_sent=totals.total_gifts_sent,
            total_gift_coins=totals.total_gift_coins,
            total_unique_gift_senders=totals.total_unique_gift_senders,
        )
    )
    await battles.publish(svc, scored)
    return totals


async def gift_count(svc: Services, caller: Caller, room_id: str, sender: str) -> GiftCount:
    """The room's gift counters (the same row get_room_stats and destroy_room read); ``sender`` must be an
    imported account."""
    async with svc.store.read() as tx:
        room = await tx.get_room(caller.sdkappid, room_id)
        if room is None:
            raise _room_not_found(room_id)
        await _require_accounts(tx, caller, [("From_Account", (sender,))])
    return GiftCount(
        sequence=room.gift_sequence,
        total_count=room.total_gifts_sent,
        total_coins=room.total_gift_coins,
        sender_count=room.total_unique_gift_senders,
    )
