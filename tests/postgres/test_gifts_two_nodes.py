"""Gifts on two ``liveroom serve`` processes sharing one PostgreSQL schema: counters stay exact when the gifts of one
room are counted by both nodes at once."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.helpers import ADMIN, IM, LiveClient
from tests.test_server_process import (
    REQUEST_TIMEOUT,
    StartServer,
    app_db,
    client_for,
    redis_args,
    redis_prefix,
    redis_url,
    start_server,
)

__all__ = ["app_db", "redis_prefix", "redis_url", "start_server"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

ROOM = "storm"


async def test_a_thousand_gifts_from_fifty_senders_through_two_nodes_are_counted_exactly(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    nodes = [LiveClient(client_for(start_server(app_db, *redis_args(redis_url, redis_prefix)))) for _ in range(2)]
    a, b = nodes
    try:
        senders = [f"fan{i}" for i in range(50)]
        await a.ok("multiaccount_import", {"Accounts": [*senders, "host"]}, service=IM)
        await a.create_room(ROOM, Owner_Account="host")
        await b.ok("copy_default_gift_config", {})
        prices = {g["GiftId"]: g["Coins"] for g in (await a.ok("get_gift_info_list", {}))["Response"]["GiftList"]}
        rng = random.Random(48)
        plans = {s: [(rng.choice(list(prices)), rng.randint(1, 99)) for _ in range(20)] for s in senders}

        async def send_all(i: int, sender: str) -> None:
            for j, (gift_id, count) in enumerate(plans[sender]):
                body = {
                    "RoomId": ROOM,
                    "GiftId": gift_id,
                    "Count": count,
                    "From_Account": sender,
                    "ReceiverList_Account": ["host"],
                }
                await nodes[(i + j) % 2].ok("send_gift", body)

        await asyncio.wait_for(asyncio.gather(*(send_all(i, s) for i, s in enumerate(senders))), REQUEST_TIMEOUT * 4)
        sent = [gift for plan in plans.values() for gift in plan]
        gifts, coins = sum(c for _, c in sent), sum(prices[g] * c for g, c in sent)
        for node in nodes:
            counted = (await node.ok("get_gift_count", {"RoomId": ROOM, "From_Account": ADMIN}))["Response"]
            assert counted == {"Sequence": 1000, "TotalCount": gifts, "TotalCoins": coins, "GiftSenderCount": 50}
            stats = (await node.ok("get_room_stats", {"RoomId": ROOM}))["Response"]
            assert (stats["TotalGiftsSent"], stats["TotalGiftCoins"], stats["TotalUniqueGiftSenders"]) == (
                gifts,
                coins,
                50,
            )
        statistic = (await b.ok("destroy_room", {"RoomId": ROOM}))["Response"]["Statistic"]
        assert (statistic["TotalGiftsSent"], statistic["TotalGiftCoins"], statistic["TotalUniqueGiftSenders"]) == (
            gifts,
            coins,
            50,
        )
    finally:
        for node in nodes:
            await node.http.aclose()
