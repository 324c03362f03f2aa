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
