"""The gift configuration over HTTP (decisions.md section 9): the default set, gifts, categories, languages and
relations, their limits and errors. Every test runs on SQLite and on PostgreSQL (tests/api/conftest.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from liveroom.api.app import LiveroomApp
from liveroom.api.commands import REGISTRY
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.domain.ratelimit import Rate
from tests.helpers import LIVE, SDKAPPID, Guarded, LiveClient, envelope

ROSE = {"GiftId": "rose", "Coins": 5, "DefaultName": "Rose", "DefaultDesc": "For you", "IconUrl": "https://x/r.png"}


async def gift_list(live: LiveClient, language: str | None = None) -> dict[str, Any]:
    body = {} if language is None else {"Language": language}
    data: dict[str, Any] = (await live.ok("get_gift_info_list", body))["Response"]
    return data


def by_id(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


# the default configuration ------------------------------------------------------------------------------


async def test_the_default_configuration_is_three_categories_of_fifteen_gifts(live: LiveClient) -> None:
    assert "Response" not in await live.ok("copy_default_gift_config", {})
    listed = await gift_list(live)
    gifts, categories = listed["GiftList"], listed["CategoryList"]
    assert listed["TotalCount"] == len(gifts) == 15
    coins = [g["Coins"] for g in gifts]
    assert coins == sorted(coins), "the cheapest first"
    assert coins[0] == 1 and coins[-1] >= 5000
    assert [c["CategoryId"] for c in categories] == ["fun", "luxury", "popular"]
    assert sorted(g for c in categories for g in c["GiftIdList"]) == sorted(g["GiftId"] for g in gifts)
    assert all(len(c["GiftIdList"]) == 5 for c in categories)
    rose = by_id(gifts, "GiftId")["rose"]
    assert rose == {
        "GiftId": "rose",
        "Name": "Rose",
        "Desc": "For you",
        "IconUrl": "/static/gifts/rose.svg",
        "Coins": 5,
        "ResourceUrl": "",
        "Level": 1,
        "ExtensionInfo": "",
        "CreateTime": rose["CreateTime"],
        "LanguageList": [{"Language": "zh-CN", "Name": "玫瑰", "Desc": "送给你"}],
    }
    assert isinstance(rose["CreateTime"], int) and rose["CreateTime"] > 1_700_000_000
    popular = by_id(categories, "CategoryId")["popular"]
    assert (popular["CategoryName"], popular["LanguageList"]) == (
        "Popular",
        [{"Language": "zh-CN", "CategoryName": "热门", "CategoryDesc": "人气之选"}],
    )


async def test_a_client_asking_for_zh_cn_gets_the_chinese_names(live: LiveClient) -> None:
    await live.ok("copy_default_gift_config", {})
    chinese = await gift_list(live, "zh-CN")
    assert by_id(chinese["GiftList"], "GiftId")["rocket"]["Name"] == "火箭"
    assert by_id(chinese["CategoryList"], "CategoryId")["luxury"]["CategoryName"] == "豪华"
    # A language the app has no names in answers the defaults.
    french = await gift_list(live, "fr")
    assert by_id(french["GiftList"], "GiftId")["rocket"]["Name"] == "Rocket"
    assert french == await gift_list(live, "")


async def test_every_default_icon_is_served_by_liveroom(live: LiveClient, http: httpx.AsyncClient) -> None:
    await live.ok("copy_default_gift_config", {})
    for gift in (await gift_list(live))["GiftList"]:
        response = await http.get(gift["IconUrl"])
        assert response.status_code == 200, gift["IconUrl"]
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.content.startswith(b"<svg ") and len(response.content) < 2048


async def test_the_default_configuration_goes_only_into_an_empty_one(live: LiveClient, guard: Guarded) -> None:
    await live.ok("copy_default_gift_config", {})
    info = await guard.fails(100002, "copy_default_gift_config", {})
    assert "already has a gift configuration (15 gifts, 3 categories)" in info


async def test_one_gift_of_its_own_keeps_the_default_configuration_out(live: LiveClient, guard: Guarded) -> None:
    await live.ok("add_gift", ROSE)
    await guard.fails(100002, "copy_default_gift_config", {})
    await live.ok("del_gift", {"GiftId": "rose"})
    await live.ok("add_gift_category", {"CategoryId": "mine", "DefaultName": "Mine"})
    await guard.fails(100002, "copy_default_gift_config", {})


# gifts --------------------------------------------------------------------------------------------------


async def test_get_gift_answers_gift_info_beside_the_envelope(live: LiveClient, http: httpx.AsyncClient) -> None:
    await live.ok("add_gift", {**ROSE, "Level": 3, "ExtensionInfo": '{"effect":"hearts"}', "ResourceUrl": "r.mp4"})
    response = await http.post(f"/v4/{LIVE}/get_gift", params=live.query(), json={"GiftId": "rose"})
    data = envelope(response, 0)
    assert list(data) == ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "GiftInfo"]
    assert data["GiftInfo"] == {
        "GiftId": "rose",
        "IconUrl": "https://x/r.png",
        "ResourceUrl": "r.mp4",
        "Coins": 5,
        "Level": 3,
        "ExtensionInfo": '{"effect":"hearts"}',
        "DefaultName": "Rose",
        "DefaultDesc": "For you",
    }


async def test_optional_gift_fields_default_to_empty_and_zero(live: LiveClient) -> None:
    await live.ok("add_gift", {"GiftId": "free", "Coins": 0, "DefaultName": "Free"})
    info = (await live.ok("get_gift", {"GiftId": "free"}))["GiftInfo"]
    assert (info["IconUrl"], info["ResourceUrl"], info["Level"], info["ExtensionInfo"], info["DefaultDesc"]) == (
        "",
        "",
        0,
        "",
        "",
    )


async def test_a_gift_id_that_exists_is_refused(live: LiveClient, guard: Guarded) -> None:
    await live.ok("add_gift", ROSE)
    assert "already exists" in await guard.fails(100002, "add_gift", {**ROSE, "Coins": 9})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"GiftId": ""}, "GiftId"),
        ({"GiftId": "g" * 21}, "GiftId"),
        ({"DefaultName": "玫瑰玫瑰玫瑰玫"}, "DefaultName"),  # 7 characters, 21 bytes
        ({"DefaultName": ""}, "DefaultName"),
        ({"DefaultDesc": "d" * 21}, "DefaultDesc"),
        ({"IconUrl": "u" * 201}, "IconUrl"),
        ({"ResourceUrl": "u" * 201}, "ResourceUrl"),
        ({"Coins": -1}, "Coins"),
        ({"Coins": 2**31}, "Coins"),
        ({"Coins": "5"}, "Coins"),
        ({"Level": -1}, "Level"),
        ({"ExtensionInfo": "{not json"}, "ExtensionInfo"),
        ({"ExtensionInfo": '"' + "x" * 99 + '"'}, "ExtensionInfo"),  # 101 bytes
    ],
)
async def test_gift_fields_out_of_their_limits_are_refused(guard: Guarded, change: dict[str, Any], field: str) -> None:
    assert (await guard.fails(100002, "add_gift", {**ROSE, **change})).startswith(f"{field}:")


@pytest.mark.parametrize("missing", ["GiftId", "Coins", "DefaultName"])
async def test_required_gift_fields(guard: Guarded, missing: str) -> None:
    body = {k: v for k, v in ROSE.items() if k != missing}
    assert await guard.fails(100002, "add_gift", body) == f"{missing}: required"


async def test_the_limits_are_bytes_and_the_extremes_are_accepted(live: LiveClient) -> None:
    await live.ok(
        "add_gift",
        {
            "GiftId": "g" * 20,
            "Coins": 2**31 - 1,
            "DefaultName": "玫瑰玫瑰玫瑰",  # 18 bytes
            "DefaultDesc": "d" * 20,
            "IconUrl": "u" * 200,
            "ExtensionInfo": '"' + "x" * 98 + '"',
        },
    )
    assert (await live.ok("get_gift", {"GiftId": "g" * 20}))["GiftInfo"]["Coins"] == 2**31 - 1


async def test_edit_gift_changes_only_the_given_fields(live: LiveClient) -> None:
    await live.ok("add_gift", ROSE)
    await live.ok("edit_gift", {"GiftId": "rose", "Coins": 7, "DefaultDesc": ""})
    await live.ok("edit_gift", {"GiftId": "rose"})
    info = (await live.ok("get_gift", {"GiftId": "rose"}))["GiftInfo"]
    assert (info["Coins"], info["DefaultDesc"], info["DefaultName"], info["IconUrl"]) == (
        7,
        "",
        "Rose",
        "https://x/r.png",
    )


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("edit_gift", {"GiftId": "nope", "Coins": 1}),
        ("edit_gift", {"GiftId": "nope"}),
        ("del_gift", {"GiftId": "nope"}),
        ("get_gift", {"GiftId": "nope"}),
        ("get_gift_language", {"GiftId": "nope", "Language": "en"}),
        ("set_gift_language", {"GiftId": "nope", "Language": "en", "Name": "N"}),
        ("del_gift_language", {"GiftId": "nope", "Language": "en"}),
    ],
)
async def test_a_gift_that_does_not_exist_is_102002(
    live: LiveClient, guard: Guarded, command: str, body: dict[str, Any]
) -> None:
    await live.ok("add_gift", ROSE)
    assert "nope" in await guard.fails(102002, command, body)


async def test_del_gift_takes_its_languages_and_its_place_in_categories(live: LiveClient) -> None:
    await live.ok("copy_default_gift_config", {})
    await live.ok("del_gift", {"GiftId": "rose"})
    await live.fails(102002, "get_gift", {"GiftId": "rose"})
    listed = await gift_list(live, "zh-CN")
    assert listed["TotalCount"] == 14
    assert "rose" not in {g for c in listed["CategoryList"] for g in c["GiftIdList"]}
    # Added again, it has no names in other languages and no category.
    await live.ok("add_gift", ROSE)
    rose = by_id((await gift_list(live, "zh-CN"))["GiftList"], "GiftId")["rose"]
    assert (rose["Name"], rose["LanguageList"]) == ("Rose", [])
    assert "rose" not in {g for c in (await gift_list(live))["CategoryList"] for g in c["GiftIdList"]}


# a gift's languages -------------------------------------------------------------------------------------


async def test_gift_languages_set_get_list_and_delete(live: LiveClient) -> None:
    await live.ok("add_gift", ROSE)
    names = {"GiftId": "rose", "Language": "ja"}
    assert (await live.ok("get_gift_language", names))["Response"] == {"Language": {"Name": "", "Desc": ""}}
    await live.ok("set_gift_language", {**names, "Name": "バラ", "Desc": "あなたへ"})
    await live.ok("set_gift_language", {"GiftId": "rose", "Language": "zh-CN", "Name": "玫瑰"})
    assert (await live.ok("get_gift_language", names))["Response"] == {"Language": {"Name": "バラ", "Desc": "あなたへ"}}
    rose = (await gift_list(live, "zh-CN"))["GiftList"][0]
    # No Chinese description was set: the default one stands in.
    assert (rose["Name"], rose["Desc"]) == ("玫瑰", "For you")
    assert rose["LanguageList"] == [
        {"Language": "ja", "Name": "バラ", "Desc": "あなたへ"},
        {"Language": "zh-CN", "Name": "玫瑰", "Desc": ""},
    ]
    await live.ok("set_gift_language", {**names, "Name": "薔薇"})
    assert (await live.ok("get_gift_language", names))["Response"]["Language"] == {"Name": "薔薇", "Desc": ""}
    await live.ok("del_gift_language", names)
    await live.ok("del_gift_language", names)
    assert (await gift_list(live, "ja"))["GiftList"][0]["Name"] == "Rose"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"Language": "", "Name": "N"}, "Language"),
        ({"Language": "l" * 17, "Name": "N"}, "Language"),
        ({"Language": "zh\u00e9", "Name": "N"}, "Language"),
        ({"Language": "en", "Name": ""}, "Name"),
        ({"Language": "en", "Name": "n" * 21}, "Name"),
        ({"Language": "en", "Name": "N", "Desc": "d" * 21}, "Desc"),
        ({"Language": "en"}, "Name"),
    ],
)
async def test_language_fields_out_of_their_limits_are_refused(
    live: LiveClient, guard: Guarded, body: dict[str, Any], field: str
) -> None:
    await live.ok("add_gift", ROSE)
    assert (await guard.fails(100002, "set_gift_language", {"GiftId": "rose", **body})).startswith(f"{field}:")


# categories ---------------------------------------------------------------------------------------------


async def test_categories_add_edit_get_and_delete(live: LiveClient, guard: Guarded) -> None:
    for gift_id, coins in (("rose", 5), ("car", 1314), ("heart", 1)):
        await live.ok("add_gift", {"GiftId": gift_id, "Coins": coins, "DefaultName": gift_id.title()})
    await live.ok("add_gift_category", {"CategoryId": "hot", "DefaultName": "Hot", "DefaultDesc": "Most sent"})
    assert "already exists" in await guard.fails(100002, "add_gift_category", {"CategoryId": "hot", "DefaultName": "H"})
    await live.ok("add_gift_category_relations", {"CategoryId": "hot", "GiftIdList": ["car", "rose", "heart", "rose"]})
    await live.ok("edit_gift_category", {"CategoryId": "hot", "DefaultName": "Trending"})
    await live.ok("set_gift_category_language", {"CategoryId": "hot", "Language": "zh-CN", "CategoryName": "热门"})
    category = (await live.ok("get_gift_category", {"CategoryId": "hot"}))["Response"]["Category"]
    assert category == {
        "CategoryId": "hot",
        "CategoryName": "Trending",
        "CategoryDesc": "Most sent",
        "GiftIdList": ["heart", "rose", "car"],  # in the order of the gift list
        "LanguageList": [{"Language": "zh-CN", "CategoryName": "热门", "CategoryDesc": ""}],
    }
    chinese = await live.ok("get_gift_category", {"CategoryId": "hot", "Language": "zh-CN"})
    assert (chinese["Response"]["Category"]["CategoryName"], chinese["Response"]["Category"]["CategoryDesc"]) == (
        "热门",
        "Most sent",
    )
    language = {"CategoryId": "hot", "Language": "zh-CN"}
    assert (await live.ok("get_gift_category_language", language))["Response"] == {
        "Language": {"CategoryName": "热门", "CategoryDesc": ""}
    }
    await live.ok("del_gift_category_relations", {"CategoryId": "hot", "GiftIdList": ["car", "heart"]})
    assert (await live.ok("get_gift_category", {"CategoryId": "hot"}))["Response"]["Category"]["GiftIdList"] == ["rose"]
    await live.ok("del_gift_category_language", language)
    assert (await live.ok("get_gift_category_language", language))["Response"]["Language"]["CategoryName"] == ""
    await live.ok("del_gift_category", {"CategoryId": "hot"})
    await live.fails(100002, "get_gift_category", {"CategoryId": "hot"})
    # Its gifts stay.
    assert (await gift_list(live))["TotalCount"] == 3


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("edit_gift_category", {"CategoryId": "nope", "DefaultName": "N"}),
        ("edit_gift_category", {"CategoryId": "nope"}),
        ("del_gift_category", {"CategoryId": "nope"}),
        ("get_gift_category", {"CategoryId": "nope"}),
        ("get_gift_category_language", {"CategoryId": "nope", "Language": "en"}),
        ("set_gift_category_language", {"CategoryId": "nope", "Language": "en", "CategoryName": "N"}),
        ("del_gift_category_language", {"CategoryId": "nope", "Language": "en"}),
        ("add_gift_category_relations", {"CategoryId": "nope", "GiftIdList": ["rose"]}),
        ("del_gift_category_relations", {"CategoryId": "nope", "GiftIdList": ["rose"]}),
    ],
)
async def test_a_category_that_does_not_exist_is_100002(
    live: LiveClient, guard: Guarded, command: str, body: dict[str, Any]
) -> None:
    await live.ok("add_gift", ROSE)
    assert "nope" in await guard.fails(100002, command, body)


@pytest.mark.parametrize("command", ["add_gift_category_relations", "del_gift_category_relations"])
async def test_relations_naming_a_gift_that_does_not_exist_change_nothing(
    live: LiveClient, guard: Guarded, command: str
) -> None:
    await live.ok("add_gift", ROSE)
    await live.ok("add_gift_category", {"CategoryId": "hot", "DefaultName": "Hot"})
    await live.ok("add_gift_category_relations", {"CategoryId": "hot", "GiftIdList": ["rose"]})
    assert "'ghost'" in await guard.fails(102002, command, {"CategoryId": "hot", "GiftIdList": ["rose", "ghost"]})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"CategoryId": "", "DefaultName": "N"}, "CategoryId"),
        ({"CategoryId": "c" * 21, "DefaultName": "N"}, "CategoryId"),
        ({"CategoryId": "c", "DefaultName": ""}, "DefaultName"),
        ({"CategoryId": "c", "DefaultName": "N", "DefaultDesc": "d" * 21}, "DefaultDesc"),
        ({"CategoryId": "c"}, "DefaultName"),
    ],
)
async def test_category_fields_out_of_their_limits_are_refused(
    guard: Guarded, body: dict[str, Any], field: str
) -> None:
    assert (await guard.fails(100002, "add_gift_category", body)).startswith(f"{field}:")


async def test_relations_take_one_to_a_hundred_gifts(live: LiveClient, guard: Guarded) -> None:
    await live.ok("add_gift_category", {"CategoryId": "hot", "DefaultName": "Hot"})
    for gift_ids in ([], [f"g{i}" for i in range(101)]):
        info = await guard.fails(100002, "add_gift_category_relations", {"CategoryId": "hot", "GiftIdList": gift_ids})
        assert info.startswith("GiftIdList:")


# rates --------------------------------------------------------------------------------------------------


def test_the_gift_apis_have_the_documented_rates() -> None:
    rates = {c.name: c.rate for c in REGISTRY if "gift" in c.name}
    assert len(rates) == 20
    assert rates.pop("add_gift") == rates.pop("get_gift") == Rate(1)
    assert rates.pop("copy_default_gift_config") == Rate(1, 10)
    assert set(rates.values()) == {Rate(200)}


async def test_add_gift_get_gift_and_the_default_copy_are_limited(live: LiveClient, server: LiveroomApp) -> None:
    await AppManager(server.store).set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=True))
    await live.ok("add_gift", ROSE)
    await live.fails(60007, "add_gift", {**ROSE, "GiftId": "tulip"})
    await live.ok("get_gift", {"GiftId": "rose"})
    assert "1 calls per 1 s" in await live.fails(60007, "get_gift", {"GiftId": "rose"})
    await live.fails(100002, "copy_default_gift_config", {})
    assert "per 10 s" in await live.fails(60007, "copy_default_gift_config", {})
