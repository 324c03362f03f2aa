"""The console's gifts page: the catalogue with prices and names per language, and the default configuration."""

from __future__ import annotations

import httpx

from liveroom.api.app import LiveroomApp
from tests.console.session import console_client, csrf_of
from tests.helpers import SDKAPPID, LiveClient

PAGE = f"/console/apps/{SDKAPPID}/gifts"


async def test_copy_the_default_configuration_and_see_the_catalogue(
    browser: httpx.AsyncClient, live: LiveClient
) -> None:
    empty = await browser.get(PAGE)
    assert "No gifts." in empty.text and "Copy the default configuration" in empty.text
    token = await csrf_of(browser, PAGE)
    copied = await browser.post(f"{PAGE}/copy-default", data={"csrf_token": token})
    assert copied.status_code == 303, copied.text
    page = (await browser.get(copied.headers["location"])).text
    assert "The default gift configuration was copied" in page
    listed = await live.ok("get_gift_info_list", {"Language": ""})
    assert len(listed["Response"]["GiftList"]) == 15
    assert "<td>rose</td><td>Rose</td><td>For you</td>\n          <td>5</td><td>1</td>" in page
    assert '<span lang="zh-CN">zh-CN: 玫瑰 (送给你)</span>' in page
    assert "<td>popular</td><td>Popular</td>" in page
    assert "Heart, Applause, Rose, Lollipop, Coffee" in page
    assert "Copy the default configuration" not in page

    again = await browser.post(f"{PAGE}/copy-default", data={"csrf_token": token})
    assert again.status_code == 400
    assert "the app already has a gift configuration (15 gifts, 3 categories)" in again.text


async def test_a_gift_added_over_rest_shows_its_price_and_languages(
    browser: httpx.AsyncClient, live: LiveClient
) -> None:
    await live.ok("add_gift", {"GiftId": "star", "Coins": 42, "DefaultName": "Star"})
    await live.ok("set_gift_language", {"GiftId": "star", "Language": "fr", "Name": "Étoile", "Desc": ""})
    page = (await browser.get(PAGE)).text
    assert "<td>star</td><td>Star</td><td></td>\n          <td>42</td>" in page
    assert '<span lang="fr">fr: Étoile</span>' in page
    assert "No categories." in page
    token = await csrf_of(browser, PAGE)
    refused = await browser.post(f"{PAGE}/copy-default", data={"csrf_token": token})
    assert refused.status_code == 400
    assert "(1 gifts, 0 categories)" in refused.text


async def test_without_a_session_or_csrf_token_nothing_is_copied(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    assert (await browser.post(f"{PAGE}/copy-default")).status_code == 403
    assert (await browser.post(f"{PAGE}/copy-default", data={"csrf_token": "x"})).status_code == 403
    async with console_client(server, "203.0.113.10") as stranger:
        assert (await stranger.get(PAGE)).status_code == 303
        assert (await stranger.post(f"{PAGE}/copy-default")).status_code == 401
    assert (await live.ok("get_gift_info_list", {}))["Response"]["GiftList"] == []
    assert (await browser.get("/console/apps/99/gifts")).status_code == 404


async def test_add_change_name_in_another_language_and_delete_a_gift(
    browser: httpx.AsyncClient, live: LiveClient
) -> None:
    token = await csrf_of(browser, PAGE)
    gift = {"gift_id": "star", "default_name": "Star", "coins": "42", "default_desc": "Shines", "level": "2"}
    added = await browser.post(f"{PAGE}/add", data={"csrf_token": token, **gift, "icon_url": "https://x.test/s.png"})
    assert added.status_code == 303, added.text
    assert "The gift was added." in (await browser.get(added.headers["location"])).text
    got = (await live.ok("get_gift", {"GiftId": "star"}))["GiftInfo"]
    assert (got["Coins"], got["DefaultName"], got["DefaultDesc"], got["Level"]) == (42, "Star", "Shines", 2)
    assert got["IconUrl"] == "https://x.test/s.png"

    edited = await browser.post(f"{PAGE}/edit", data={"csrf_token": token, "gift_id": "star", "coins": "50"})
    assert edited.status_code == 303, edited.text
    got = (await live.ok("get_gift", {"GiftId": "star"}))["GiftInfo"]
    assert (got["Coins"], got["DefaultName"]) == (50, "Star")
    renamed = await browser.post(f"{PAGE}/edit", data={"csrf_token": token, "gift_id": "star", "default_name": "Big"})
    assert renamed.status_code == 303, renamed.text

    names = {"gift_id": "star", "language": "zh-CN", "name": "星星", "desc": ""}
    named = await browser.post(f"{PAGE}/set-language", data={"csrf_token": token, **names})
    assert named.status_code == 303, named.text
    page = (await browser.get(PAGE)).text
    assert "<td>star</td><td>Big</td><td>Shines</td>\n          <td>50</td><td>2</td>" in page
    assert '<span lang="zh-CN">zh-CN: 星星</span>' in page
    unnamed = await browser.post(
        f"{PAGE}/delete-language", data={"csrf_token": token, "gift_id": "star", "language": "zh-CN"}
    )
    assert unnamed.status_code == 303, unnamed.text
    assert "zh-CN: 星星" not in (await browser.get(PAGE)).text

    confirm = await browser.get(f"{PAGE}/delete", params={"gift_id": "star"})
    assert confirm.status_code == 200 and "Yes, delete gift star" in confirm.text
    unconfirmed = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "gift_id": "star"})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert len((await live.ok("get_gift_info_list", {}))["Response"]["GiftList"]) == 1
    deleted = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "gift_id": "star", "confirm": "on"})
    assert deleted.status_code == 303, deleted.text
    assert "The gift was deleted." in (await browser.get(deleted.headers["location"])).text
    assert (await live.ok("get_gift_info_list", {}))["Response"]["GiftList"] == []
    again = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "gift_id": "star", "confirm": "on"})
    assert again.status_code == 400 and "star" in again.text


async def test_add_a_category_put_a_gift_in_it_and_delete_it(browser: httpx.AsyncClient, live: LiveClient) -> None:
    await live.ok("add_gift", {"GiftId": "star", "Coins": 42, "DefaultName": "Star"})
    token = await csrf_of(browser, PAGE)
    category = {"category_id": "shiny", "default_name": "Shiny", "default_desc": "Bright gifts"}
    added = await browser.post(f"{PAGE}/add-category", data={"csrf_token": token, **category})
    assert added.status_code == 303, added.text
    put = await browser.post(
        f"{PAGE}/put-in-category", data={"csrf_token": token, "category_id": "shiny", "gift_id": "star"}
    )
    assert put.status_code == 303, put.text
    page = (await browser.get(PAGE)).text
    assert "<td>shiny</td><td>Shiny</td><td>Bright gifts</td>" in page
    listed = (await live.ok("get_gift_info_list", {}))["Response"]["CategoryList"]
    assert [(c["CategoryId"], c["GiftIdList"]) for c in listed] == [("shiny", ["star"])]
    nowhere = await browser.post(
        f"{PAGE}/put-in-category", data={"csrf_token": token, "category_id": "nowhere", "gift_id": "star"}
    )
    assert nowhere.status_code == 400
    deleted = await browser.post(f"{PAGE}/delete-category", data={"csrf_token": token, "category_id": "shiny"})
    assert deleted.status_code == 303, deleted.text
    assert (await live.ok("get_gift_info_list", {}))["Response"]["CategoryList"] == []
    assert len((await live.ok("get_gift_info_list", {}))["Response"]["GiftList"]) == 1


async def test_a_refused_change_shows_the_error_keeps_the_form_and_changes_nothing(
    browser: httpx.AsyncClient, live: LiveClient
) -> None:
    token = await csrf_of(browser, PAGE)
    long_id = "g" * 60
    refused = await browser.post(
        f"{PAGE}/add", data={"csrf_token": token, "gift_id": long_id, "default_name": "Kept name", "coins": "3"}
    )
    assert refused.status_code == 400
    assert "GiftId: " in refused.text
    assert f'value="{long_id}"' in refused.text and 'value="Kept name"' in refused.text
    not_a_number = await browser.post(
        f"{PAGE}/add", data={"csrf_token": token, "gift_id": "star", "default_name": "Star", "coins": "many"}
    )
    assert not_a_number.status_code == 400 and "Coins: must be a whole number" in not_a_number.text
    assert (await live.ok("get_gift_info_list", {}))["Response"]["GiftList"] == []

    await live.ok("add_gift", {"GiftId": "star", "Coins": 42, "DefaultName": "Star"})
    negative = await browser.post(f"{PAGE}/edit", data={"csrf_token": token, "gift_id": "star", "coins": "-1"})
    assert negative.status_code == 400 and "Coins" in negative.text
    assert 'id="edit-coins" name="coins" inputmode="numeric" value="-1"' in negative.text
    unknown = await browser.post(
        f"{PAGE}/set-language", data={"csrf_token": token, "gift_id": "moon", "language": "fr", "name": "Lune"}
    )
    assert unknown.status_code == 400 and "moon" in unknown.text
    bad_category = await browser.post(
        f"{PAGE}/add-category", data={"csrf_token": token, "category_id": "", "default_name": "X"}
    )
    assert bad_category.status_code == 400 and "CategoryId" in bad_category.text
    got = (await live.ok("get_gift", {"GiftId": "star"}))["GiftInfo"]
    assert got["Coins"] == 42
    assert (await live.ok("get_gift_info_list", {}))["Response"]["CategoryList"] == []
    assert (await browser.post(f"{PAGE}/nothing", data={"csrf_token": token})).status_code == 404
    assert (await browser.post(f"{PAGE}/add", data={"gift_id": "x"})).status_code == 403
