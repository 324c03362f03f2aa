"""send_gift and get_gift_count over HTTP: what a gift counts, what refuses one, and counters that stay exact under
concurrent gifts. Every test runs on SQLite and on PostgreSQL (tests/api/conftest.py)."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from typing import Any

import pytest

from liveroom.api.app import LiveroomApp
from liveroom.domain.hooks import GiftToSend, MessageToSend
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord
from tests.helpers import ADMIN, Guarded, LiveClient

ROOM = "show"
PRICES = {"heart": 1, "rose": 5, "rocket": 8888}


@pytest.fixture
async def room(live: LiveClient) -> str:
    await live.import_accounts("host", "alice", "bob", "carol")
    await live.create_room(ROOM, Owner_Account="host")
    for gift_id, coins in PRICES.items():
        await live.ok("add_gift", {"GiftId": gift_id, "Coins": coins, "DefaultName": gift_id})
    return ROOM


def gift(sender: str, gift_id: str = "rose", count: int = 1, receivers: tuple[str, ...] = ("host",)) -> dict[str, Any]:
    return {
        "RoomId": ROOM,
        "GiftId": gift_id,
        "Count": count,
        "From_Account": sender,
        "ReceiverList_Account": list(receivers),
    }


async def counters(live: LiveClient, room_id: str = ROOM) -> tuple[dict[str, int], dict[str, int]]:
    """(get_room_stats, get_gift_count) of the room."""
    stats = (await live.ok("get_room_stats", {"RoomId": room_id}))["Response"]
    count = (await live.ok("get_gift_count", {"RoomId": room_id, "From_Account": ADMIN}))["Response"]
    return stats, count


async def test_gifts_are_counted_in_the_room_statistics(live: LiveClient, room: str) -> None:
    assert "Response" not in await live.ok("send_gift", gift("alice", "rose", 3))
    await live.ok("send_gift", gift("bob", "rocket", 1, ("host", "carol")))
    await live.ok("send_gift", {k: v for k, v in gift("alice", "heart").items() if k != "Count"})  # Count 1
    stats, count = await counters(live)
    assert (stats["TotalGiftsSent"], stats["TotalGiftCoins"], stats["TotalUniqueGiftSenders"]) == (5, 8904, 2)
    assert count == {"Sequence": 3, "TotalCount": 5, "TotalCoins": 8904, "GiftSenderCount": 2}
    destroyed = (await live.ok("destroy_room", {"RoomId": room}))["Response"]["Statistic"]
    assert destroyed == {
        "TotalViewers": 0,
        "TotalGiftsSent": 5,
        "TotalGiftCoins": 8904,
        "TotalUniqueGiftSenders": 2,
        "TotalLikesReceived": 0,
    }


async def test_a_room_made_again_counts_its_senders_anew(live: LiveClient, room: str) -> None:
    await live.ok("send_gift", gift("alice"))
    await live.ok("destroy_room", {"RoomId": room})
    await live.create_room(room, Owner_Account="host")
    await live.ok("send_gift", gift("alice"))
    stats, count = await counters(live)
    assert (stats["TotalUniqueGiftSenders"], count["Sequence"], count["GiftSenderCount"]) == (1, 1, 1)


async def test_the_price_counted_is_the_price_when_sent(live: LiveClient, room: str) -> None:
    await live.ok("send_gift", gift("alice", "rose", 2))
    await live.ok("edit_gift", {"GiftId": "rose", "Coins": 100})
    await live.ok("send_gift", gift("alice", "rose", 1))
    _, count = await counters(live)
    assert count["TotalCoins"] == 2 * 5 + 100


async def test_any_imported_account_sends_for_the_backend_and_admins_count_as_imported(
    live: LiveClient, room: str
) -> None:
    await live.ok("send_gift", gift(ADMIN, receivers=(ADMIN, "alice")))
    _, count = await counters(live)
    assert count["GiftSenderCount"] == 1


@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({**gift("alice"), "RoomId": "nowhere"}, 100004, "RoomId"),
        ({**gift("alice"), "GiftId": "tulip"}, 102002, "GiftId"),
        (gift("stranger"), 70107, "From_Account"),
        (gift("alice", receivers=("host", "stranger")), 70107, "ReceiverList_Account"),
        (gift("alice", count=0), 100002, "Count"),
        (gift("alice", count=10000), 100002, "Count"),
        (gift("alice", receivers=()), 100002, "ReceiverList_Account"),
        (gift("alice", receivers=tuple(f"u{i}" for i in range(21))), 100002, "ReceiverList_Account"),
        ({**gift("alice"), "GiftId": ""}, 100002, "GiftId"),
        ({k: v for k, v in gift("alice").items() if k != "From_Account"}, 100002, "From_Account"),
        ({**gift("alice"), "From_Account": 7}, 60015, "From_Account"),
        ({**gift("alice"), "ReceiverList_Account": [7]}, 60015, "ReceiverList_Account"),
    ],
)
async def test_a_refused_gift_counts_nothing(
    guard: Guarded, room: str, body: dict[str, Any], code: int, named: str
) -> None:
    assert (await guard.fails(code, "send_gift", body)).startswith(named)


@pytest.mark.parametrize(
    ("body", "code"),
    [({"RoomId": "nowhere", "From_Account": "alice"}, 100004), ({"RoomId": ROOM, "From_Account": "nobody"}, 70107)],
)
async def test_get_gift_count_errors(live: LiveClient, room: str, body: dict[str, Any], code: int) -> None:
    await live.fails(code, "get_gift_count", body)


class Backend:
    """The app's backend behind the before-callback: records what it was shown, refuses what it is told to."""

    def __init__(self) -> None:
        self.shown: list[GiftToSend] = []
        self.refuse = False

    async def allow_gift(self, app: AppRecord, gift: GiftToSend) -> None:
        self.shown.append(gift)
        if self.refuse:
            raise LiveError(ErrorCode.GIFT_REFUSED, "CallbackBeforeSendGift: insufficient balance")

    async def allow_message(self, app: AppRecord, message: MessageToSend) -> None:
        return None


async def test_the_backend_is_asked_before_and_may_refuse(
    live: LiveClient, guard: Guarded, room: str, server: LiveroomApp
) -> None:
    backend = Backend()
    server.services.hooks = backend
    await live.ok("send_gift", gift("alice", "rocket", 2, ("host", "bob")))
    shown = backend.shown[0]
    assert (shown.room_id, shown.operator, shown.sender, shown.receivers) == (ROOM, ADMIN, "alice", ("host", "bob"))
    assert (shown.gift_id, shown.count, shown.coins) == ("rocket", 2, 8888)
    backend.refuse = True
    assert "insufficient balance" in await guard.fails(102004, "send_gift", gift("bob", "rose"))
    # Nothing it was not asked about: a gift refused by the checks never reaches the backend.
    await live.fails(102002, "send_gift", gift("bob", "tulip"))
    assert len(backend.shown) == 2


async def test_a_thousand_gifts_from_fifty_concurrent_senders_are_counted_exactly(live: LiveClient, room: str) -> None:
    senders = [f"fan{i}" for i in range(50)]
    await live.import_accounts(*senders)
    rng = random.Random(14)
    plan = [(sender, rng.choice(list(PRICES)), rng.randint(1, 20)) for sender in senders for _ in range(20)]
    per_sender: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for sender, gift_id, count in plan:
        per_sender[sender].append((gift_id, count))

    async def send_all(sender: str) -> None:
        for gift_id, count in per_sender[sender]:
            await live.ok("send_gift", gift(sender, gift_id, count))

    await asyncio.gather(*(send_all(sender) for sender in senders))
    gifts = sum(count for _, _, count in plan)
    coins = sum(PRICES[gift_id] * count for _, gift_id, count in plan)
    stats, count = await counters(live)
    assert count == {"Sequence": 1000, "TotalCount": gifts, "TotalCoins": coins, "GiftSenderCount": 50}
    assert (stats["TotalGiftsSent"], stats["TotalGiftCoins"], stats["TotalUniqueGiftSenders"]) == (gifts, coins, 50)
    statistic = (await live.ok("destroy_room", {"RoomId": ROOM}))["Response"]["Statistic"]
    assert (statistic["TotalGiftsSent"], statistic["TotalGiftCoins"], statistic["TotalUniqueGiftSenders"]) == (
        gifts,
        coins,
        50,
    )
