"""Apps created and set up from the console: the same rules as ``liveroom app`` (AppManager), refused changes
named and not applied, and what is saved is what the REST API applies at once."""

from __future__ import annotations

import httpx

from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager
from tests.console.session import csrf_of
from tests.helpers import ADMIN, SDKAPPID, LiveClient

SETTINGS = f"/console/apps/{SDKAPPID}/settings"


async def test_an_app_is_created_with_the_rules_of_the_cli(server: LiveroomApp, browser: httpx.AsyncClient) -> None:
    token = await csrf_of(browser)
    assert (await browser.post("/console/apps", data={"sdkappid": "1400000077", "admins": "boss"})).status_code == 403
    created = await browser.post(
        "/console/apps", data={"csrf_token": token, "sdkappid": "1400000077", "admins": "boss, deputy"}
    )
    assert (created.status_code, created.headers["location"]) == (303, "/console/apps/1400000077/settings?created=1")
    app = await AppManager(server.store).get(1400000077)
    assert app.admins == {"boss", "deputy"}
    assert len(app.secret_key) == 64
    page = await browser.get("/console/apps/1400000077/settings?created=1")
    assert "App 1400000077 was created." in page.text
    assert app.secret_key not in page.text

    refusals = [
        ({"sdkappid": "1400000077", "admins": "boss"}, "app 1400000077 already exists"),
        ({"sdkappid": "soon", "admins": "boss"}, "SDKAppID: must be a whole number"),
        ({"sdkappid": "4294967296", "admins": "boss"}, "SDKAppID must be 1..4294967295"),
        ({"sdkappid": "", "admins": ""}, "an app needs at least one admin account"),
        ({"sdkappid": "", "admins": "x" * 33}, "must be 1-32 bytes"),
    ]
    for form, rule in refusals:
        refused = await browser.post("/console/apps", data={"csrf_token": token, **form})
        assert refused.status_code == 400, form
        assert rule in refused.text, form
    assert {a.sdkappid for a in await AppManager(server.store).list()} == {SDKAPPID, 1400000077}
    listed = await browser.get("/console/apps")
    assert "Settings of app 1400000077" in listed.text
    listed = await browser.get("/console/apps")
    assert "Settings of app 1400000077" in listed.text


async def test_quotas_and_rate_limits_apply_to_the_rest_api(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    token = await csrf_of(browser, SETTINGS)
    limits = {
        "csrf_token": token,
        "member_quota": "500",
        "seat_quota": "8",
        "rate_limits_enabled": "on",
        "rate_limit_overrides": "get_room_info=1",
    }
    saved = await browser.post(f"{SETTINGS}/limits", data=limits)
    assert (saved.status_code, saved.headers["location"]) == (303, f"{SETTINGS}?saved=limits")
    app = await AppManager(server.store).get(SDKAPPID)
    assert (app.member_quota, app.seat_quota, app.rate_limit_overrides) == (500, 8, {"get_room_info": 1})
    assert (app.callback_fail_open, app.gift_battle_scores) == (False, False)
    await live.create_room("limited")
    codes = [(await live.call("get_room_info", {"RoomId": "limited"}))["ErrorCode"] for _ in range(5)]
    assert 60007 in codes
    page = await browser.get(SETTINGS)
    assert 'value="get_room_info=1"' in page.text

    for change, rule in [
        ({"member_quota": "0"}, "member quota must be 1..1000000"),
        ({"seat_quota": "many"}, "Seat quota: must be a whole number"),
        ({"rate_limit_overrides": "no_such_api=5"}, "expected COMMAND=CALLS_PER_SECOND for a command of the API"),
        ({"rate_limit_overrides": "get_room_info=0"}, "calls per second must be a positive whole number"),
    ]:
        refused = await browser.post(f"{SETTINGS}/limits", data={**limits, **change})
        assert refused.status_code == 400, change
        assert rule in refused.text, change
    assert await AppManager(server.store).get(SDKAPPID) == app

    # Rate limits off: the override no longer counts.
    off = {**limits, "rate_limit_overrides": ""}
    del off["rate_limits_enabled"]
    assert (await browser.post(f"{SETTINGS}/limits", data=off)).status_code == 303
    codes = [(await live.call("get_room_info", {"RoomId": "limited"}))["ErrorCode"] for _ in range(5)]
    assert codes == [0] * 5


async def test_admins_and_switching_an_app_off(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    token = await csrf_of(browser, SETTINGS)
    assert (
        await browser.post(f"{SETTINGS}/add-admins", data={"csrf_token": token, "admins": "ops"})
    ).status_code == 303
    assert (await AppManager(server.store).get(SDKAPPID)).admins == {ADMIN, "ops"}
    await live.ok("get_room_list", {"Next": "", "Count": 5}, identifier="ops")
    removed = await browser.post(f"{SETTINGS}/remove-admin", data={"csrf_token": token, "admins": "ops"})
    assert removed.status_code == 303
    last = await browser.post(f"{SETTINGS}/remove-admin", data={"csrf_token": token, "admins": ADMIN})
    assert last.status_code == 400
    assert "an app needs at least one admin account" in last.text
    assert (await AppManager(server.store).get(SDKAPPID)).admins == {ADMIN}

    assert (await browser.post(f"{SETTINGS}/enabled", data={"csrf_token": token})).status_code == 303
    await live.fails(60016, "get_room_list", {"Next": "", "Count": 5})
    assert (await browser.post(f"{SETTINGS}/enabled", data={"csrf_token": token, "enabled": "on"})).status_code == 303
    await live.ok("get_room_list", {"Next": "", "Count": 5})
    assert (await browser.post(f"{SETTINGS}/nothing", data={"csrf_token": token})).status_code == 404
    assert (await browser.get("/console/apps/99/settings")).status_code == 404
