"""The store suite for gifts (migration 0004): the gift configuration, and gifts counted in a room's row.

Runs on every backend of ``tests/store/test_store.py`` (its fixtures are imported, so a new backend added there
runs these too).
"""

from __future__ import annotations

import asyncio
import random

import pytest

from liveroom.store import tables
from liveroom.store.interface import AccountRecord, Store
from liveroom.store.records import CategoryChanges, CategoryRecord, GiftChanges, GiftRecord, GiftTotals, Translation
from tests.store.test_store import APP, OTHER_APP, Raw, backend, insert_rooms, raw, room_record, store, url

__all__ = ["backend", "raw", "store", "url"]  # fixtures, imported to be found by pytest

NOW = 1_800_000_000


def gift_record(gift_id: str, coins: int = 5, **fields: object) -> GiftRecord:
    values: dict[str, object] = {
        "icon_url": f"/static/gifts/{gift_id}.svg",
        "resource_url": "",
        "level": 1,
        "extension_info": "",
        "default_name": gift_id.title(),
        "default_desc": "",
        "create_time": NOW,
    }
    values.update(fields)
    return GiftRecord(gift_id=gift_id, coins=coins, **values)  # type: ignore[arg-type]


@pytest.fixture
async def gifts(store: Store) -> Store:
    """Gifts rose (5), heart (1) and car (1314) in APP, and a category ``hot`` holding rose and car."""
    async with store.write() as tx:
        for gift in (gift_record("rose"), gift_record("heart", 1), gift_record("car", 1314)):
            assert await tx.insert_gift(APP, gift)
        assert await tx.insert_category(APP, CategoryRecord("hot", "Hot", "", NOW))
        await tx.add_category_gifts(APP, "hot", ["car", "rose", "car"])
    return store


async def test_gifts_insert_get_list_update_and_conflict(gifts: Store) -> None:
    async with gifts.write() as tx:
        assert not await tx.insert_gift(APP, gift_record("rose", 99))
        assert await tx.insert_gift(OTHER_APP, gift_record("rose", 99))
        assert await tx.update_gift(APP, "rose", GiftChanges(coins=7, default_desc="For you"))
        assert await tx.update_gift(APP, "rose", GiftChanges())
        assert not await tx.update_gift(APP, "tulip", GiftChanges(coins=1))
        assert not await tx.update_gift(APP, "tulip", GiftChanges())
    async with gifts.read() as tx:
        assert await tx.get_gift(APP, "rose") == gift_record("rose", 7, default_desc="For you")
        assert await tx.get_gift(APP, "tulip") is None
        assert [g.gift_id for g in await tx.list_gifts(APP)] == ["heart", "rose", "car"]  # cheapest first
        assert [g.coins for g in await tx.list_gifts(OTHER_APP)] == [99]
        assert await tx.existing_gifts(APP, ["rose", "tulip", "car"]) == {"rose", "car"}
        assert await tx.gift_config_size(APP) == (3, 1)
        assert await tx.gift_config_size(OTHER_APP) == (1, 0)


async def test_translations_put_get_list_replace_and_delete(gifts: Store) -> None:
    async with gifts.write() as tx:
        await tx.put_gift_language(APP, "rose", Translation("zh-CN", "玫瑰", "送给你"))
        await tx.put_gift_language(APP, "rose", Translation("ja", "バラ", ""))
        await tx.put_gift_language(APP, "car", Translation("ja", "車", ""))
        await tx.put_category_language(APP, "hot", Translation("zh-CN", "热门", ""))
        await tx.put_gift_language(APP, "rose", Translation("ja", "薔薇", "あなたへ"))
    async with gifts.read() as tx:
        assert await tx.gift_language(APP, "rose", "ja") == Translation("ja", "薔薇", "あなたへ")
        assert await tx.gift_language(APP, "rose", "fr") is None
        assert await tx.gift_languages(APP) == {
            "car": [Translation("ja", "車", "")],
            "rose": [Translation("ja", "薔薇", "あなたへ"), Translation("zh-CN", "玫瑰", "送给你")],
        }
        assert await tx.category_languages(APP) == {"hot": [Translation("zh-CN", "热门", "")]}
        assert await tx.gift_languages(OTHER_APP) == {}
    async with gifts.write() as tx:
        await tx.delete_gift_language(APP, "rose", "ja")
        await tx.delete_category_language(APP, "hot", "zh-CN")
    async with gifts.read() as tx:
        assert [t.language for t in (await tx.gift_languages(APP))["rose"]] == ["zh-CN"]
        assert await tx.category_language(APP, "hot", "zh-CN") is None


async def test_categories_hold_gifts_in_the_order_of_the_list(gifts: Store) -> None:
    async with gifts.write() as tx:
        assert not await tx.insert_category(APP, CategoryRecord("hot", "Again", "", NOW))
        assert await tx.insert_category(APP, CategoryRecord("all", "All", "", NOW))
        await tx.add_category_gifts(APP, "all", ["rose", "heart", "car"])
        assert await tx.update_category(APP, "all", CategoryChanges(default_desc="Everything"))
        assert not await tx.update_category(APP, "none", CategoryChanges(default_desc="x"))
    async with gifts.read() as tx:
        assert await tx.category_gifts(APP) == {"all": ["heart", "rose", "car"], "hot": ["rose", "car"]}
        assert [c.category_id for c in await tx.list_categories(APP)] == ["all", "hot"]
        assert await tx.get_category(APP, "all") == CategoryRecord("all", "All", "Everything", NOW)
    async with gifts.write() as tx:
        await tx.remove_category_gifts(APP, "all", ["rose", "tulip"])
    async with gifts.read() as tx:
        assert (await tx.category_gifts(APP))["all"] == ["heart", "car"]


async def test_deleting_a_gift_or_a_category_leaves_nothing_of_it_behind(gifts: Store, raw: Raw) -> None:
    async with gifts.write() as tx:
        await tx.put_gift_language(APP, "car", Translation("ja", "車", ""))
        await tx.put_category_language(APP, "hot", Translation("ja", "人気", ""))
        assert await tx.delete_gift(APP, "car")
        assert not await tx.delete_gift(APP, "car")
    async with gifts.read() as tx:
        assert await tx.category_gifts(APP) == {"hot": ["rose"]}
        assert await tx.gift_languages(APP) == {}
    async with gifts.write() as tx:
        assert await tx.delete_category(APP, "hot")
        assert not await tx.delete_category(APP, "hot")
    for table in (tables.gift_category_relations, tables.gift_languages, tables.gift_category_languages):
        assert raw.count(table, APP) == 0, table.name
    async with gifts.read() as tx:
        assert [g.gift_id for g in await tx.list_gifts(APP)] == ["heart", "rose"]


async def test_count_gift_adds_to_the_rooms_counters_and_its_sender_set(store: Store, raw: Raw) -> None:
    await insert_rooms(store, APP, [room_record("r1"), room_record("r2")])
    async with store.write() as tx:
        assert await tx.count_gift(APP, "r1", "alice", 3, 5) == GiftTotals(1, 3, 15, 1)
        assert await tx.count_gift(APP, "r1", "alice", 1, 1314) == GiftTotals(2, 4, 1329, 1)
        assert await tx.count_gift(APP, "r1", "bob", 2, 0) == GiftTotals(3, 6, 1329, 2)
        assert await tx.count_gift(APP, "r2", "alice", 1, 1) == GiftTotals(1, 1, 1, 1)
        assert await tx.count_gift(APP, "nowhere", "alice", 1, 1) is None
    async with store.read() as tx:
        room = await tx.get_room(APP, "r1")
    assert room is not None
    counters = (room.gift_sequence, room.total_gifts_sent, room.total_gift_coins, room.total_unique_gift_senders)
    assert counters == (3, 6, 1329, 2)
    assert raw.count(tables.room_gift_senders, APP, "r1") == 2
    assert raw.count(tables.room_gift_senders, APP, "nowhere") == 0
    async with store.write() as tx:
        assert await tx.delete_room(APP, "r1") is not None
    assert raw.count(tables.room_gift_senders, APP, "r1") == 0
    assert raw.count(tables.room_gift_senders, APP, "r2") == 1


async def test_what_a_gift_checks_is_read_in_one_query(gifts: Store) -> None:
    await insert_rooms(gifts, APP, [room_record("r1", owner_account="host")])
    async with gifts.write() as tx:
        await tx.upsert_accounts(APP, [AccountRecord(user_id=u, nick="", face_url="", created_at=NOW) for u in "ab"])
    async with gifts.read() as tx:
        assert await tx.gift_to_send(APP, "r1", "car", ["a", "b", "c"]) == ("host", 1314, 2)
        assert await tx.gift_to_send(APP, "r1", "tulip", []) == ("host", None, 0)
        assert await tx.gift_to_send(APP, "nowhere", "rose", ["a"]) == (None, 5, 1)
        assert await tx.gift_to_send(OTHER_APP, "r1", "rose", ["a"]) == (None, None, 0)


async def test_gifts_counted_at_once_in_separate_writes_are_all_counted(store: Store) -> None:
    await insert_rooms(store, APP, [room_record("r1")])
    rng = random.Random(3)
    plan = [(f"s{rng.randrange(20)}", rng.randint(1, 9), rng.choice([1, 5, 1314])) for _ in range(300)]

    async def one(sender: str, count: int, coins: int) -> GiftTotals | None:
        async with store.write() as tx:
            return await tx.count_gift(APP, "r1", sender, count, coins)

    totals = await asyncio.gather(*(one(*gift) for gift in plan))
    assert sorted(t.sequence for t in totals if t is not None) == list(range(1, 301))
    async with store.read() as tx:
        room = await tx.get_room(APP, "r1")
    assert room is not None
    assert room.total_gifts_sent == sum(count for _, count, _ in plan)
    assert room.total_gift_coins == sum(count * coins for _, count, coins in plan)
    assert room.total_unique_gift_senders == len({sender for sender, _, _ in plan})


async def test_a_room_destroyed_while_gifts_are_counted_leaves_no_sender_behind(store: Store, raw: Raw) -> None:
    for attempt in range(5):
        await insert_rooms(store, APP, [room_record("r1")])

        async def gift(sender: str) -> None:
            async with store.write() as tx:
                await tx.count_gift(APP, "r1", sender, 1, 1)

        async def destroy() -> None:
            async with store.write() as tx:
                assert await tx.delete_room(APP, "r1") is not None

        senders = [gift(f"a{attempt}-{i}") for i in range(20)]
        await asyncio.gather(*senders[:10], destroy(), *senders[10:])
        assert raw.count(tables.room_gift_senders, APP, "r1") == 0, attempt
