"""The SDK's ``gifts`` group and ``RealtimeClient.send_gift`` against the real server: typed answers (``get_gift``'s
``GiftInfo`` beside the envelope included), typed errors and the ``GiftSent`` event."""

from __future__ import annotations

import pytest

from liveroom.client import AsyncClient, InvalidParameterError, NotFoundError
from liveroom.client.realtime import GiftSent
from tests.client.test_realtime_client import ROOM, Connect, admin, connect, next_event

__all__ = ["admin", "connect"]  # fixtures, imported to be found by pytest


async def test_the_gift_configuration_through_the_sdk(aclient: AsyncClient) -> None:
    await aclient.gifts.copy_default_config()
    with pytest.raises(InvalidParameterError):
        await aclient.gifts.copy_default_config()
    chinese = await aclient.gifts.list(language="zh-CN")
    assert chinese.total_count == 15
    assert [g.name for g in chinese.gift_list][:3] == ["爱心", "掌声", "玫瑰"]
    assert chinese.gift_list[0].language_list[0].language == "zh-CN"
    rose = (await aclient.gifts.get("rose")).gift_info
    assert (rose.gift_id, rose.coins, rose.default_name, rose.icon_url) == ("rose", 5, "Rose", "/static/gifts/rose.svg")
    await aclient.gifts.add("star", 50, "Star", default_desc="Shine")
    await aclient.gifts.edit("star", coins=60)
    await aclient.gifts.set_language("star", "zh-CN", "星星", desc="闪耀")
    assert (await aclient.gifts.get_language("star", "zh-CN")).language.name == "星星"
    await aclient.gifts.add_category("new", "New")
    await aclient.gifts.add_to_category("new", ["star", "rose"])
    category = (await aclient.gifts.get_category("new")).category
    assert category.gift_id_list == ["rose", "star"]
    await aclient.gifts.remove_from_category("new", ["rose"])
    await aclient.gifts.delete("star")
    with pytest.raises(NotFoundError) as missing:
        await aclient.gifts.get("star")
    assert missing.value.code == 102002
    assert (await aclient.gifts.get_category("new")).category.gift_id_list == []


async def test_gifts_sent_by_a_member_and_by_the_backend(admin: AsyncClient, connect: Connect) -> None:
    await admin.gifts.copy_default_config()
    alice, host = await connect("alice"), await connect("host")
    await alice.enter(ROOM)
    await host.enter(ROOM)
    assert await alice.send_gift(ROOM, "rocket", 2) == 1
    seen = await next_event(host, GiftSent)
    assert (seen.sender_account, seen.gift_id, seen.count, seen.receiver_list_account) == (
        "alice",
        "rocket",
        2,
        ["host"],
    )
    assert (seen.sequence, seen.total_gifts_sent, seen.total_gift_coins, seen.total_unique_gift_senders) == (
        1,
        2,
        17776,
        1,
    )
    await admin.gifts.send(ROOM, "heart", "bob", ["alice"], count=5)
    seen = await next_event(host, GiftSent)
    assert (seen.operator_account, seen.sender_account, seen.sequence) == ("administrator", "bob", 2)
    with pytest.raises(NotFoundError) as missing:
        await alice.send_gift(ROOM, "tulip")
    assert (missing.value.code, missing.value.reason) == (102002, "gift_not_found")
    counted = await admin.gifts.count(ROOM, "alice")
    assert (counted.sequence, counted.total_count, counted.total_coins, counted.gift_sender_count) == (2, 7, 17781, 2)
