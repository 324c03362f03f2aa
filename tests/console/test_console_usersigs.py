"""The UserSigs the interactive reference (/docs) asks the console for: only for a signed-in operator, with the
session's CSRF token, for an app that exists and an identifier within the rule; the UserSig works on /v4 and the
key is never in an answer."""

from __future__ import annotations

import httpx

from liveroom.api.app import LiveroomApp
from tests.console.session import console_client
from tests.helpers import ADMIN, LIVE, SDKAPPID, SECRET_KEY, LiveClient

SIGN = "/console/api/usersig"


async def test_refused_without_a_session_or_a_csrf_token(server: LiveroomApp, browser: httpx.AsyncClient) -> None:
    async with console_client(server) as stranger:
        assert (await stranger.get("/console/api/apps")).status_code == 401
        refused = await stranger.post(SIGN, json={"SDKAppID": SDKAPPID, "Identifier": ADMIN})
        assert refused.status_code == 401
        assert "UserSig" not in refused.text
    assert (await browser.post(SIGN, json={"SDKAppID": SDKAPPID, "Identifier": ADMIN})).status_code == 403
    guessed = await browser.post(SIGN, json={"SDKAppID": SDKAPPID, "Identifier": ADMIN}, headers={"X-CSRF-Token": "x"})
    assert guessed.status_code == 403


async def test_a_usersig_made_for_the_page_calls_the_rest_api(
    browser: httpx.AsyncClient, live: LiveClient, operator: str
) -> None:
    await live.create_room("tried")
    apps = await browser.get("/console/api/apps")
    assert apps.status_code == 200
    session = apps.json()
    assert session["Operator"] == operator
    assert session["Apps"] == [{"SDKAppID": SDKAPPID, "Admins": [ADMIN]}]
    assert apps.headers["cache-control"] == "no-store"
    made = await browser.post(
        SIGN, json={"SDKAppID": SDKAPPID, "Identifier": ADMIN}, headers={"X-CSRF-Token": session["CsrfToken"]}
    )
    assert made.status_code == 200, made.text
    answer = made.json()
    assert (answer["SDKAppID"], answer["Identifier"], answer["Expire"]) == (SDKAPPID, ADMIN, 86400)
    assert SECRET_KEY not in made.text + apps.text
    query = {**live.query(), "usersig": answer["UserSig"]}
    room = await live.http.post(f"/v4/{LIVE}/get_room_info", params=query, json={"RoomId": "tried"})
    assert room.json()["Response"]["RoomInfo"]["RoomId"] == "tried"


async def test_bad_input_names_the_field_and_its_rule(browser: httpx.AsyncClient) -> None:
    token = (await browser.get("/console/api/apps")).json()["CsrfToken"]
    cases = [
        ({"SDKAppID": 99, "Identifier": ADMIN}, "SDKAppID: no app 99"),
        ({"SDKAppID": SDKAPPID, "Identifier": ""}, "Identifier: 1-32 bytes of printable characters"),
        ({"SDKAppID": SDKAPPID, "Identifier": "x" * 33}, "Identifier: 1-32 bytes of printable characters"),
        ({"SDKAppID": SDKAPPID, "Identifier": "a\x00"}, "Identifier: 1-32 bytes of printable characters"),
        ({"SDKAppID": SDKAPPID, "Identifier": ADMIN, "Expire": 0}, "Expire: 1-604800 seconds"),
        ({"SDKAppID": "1400000000", "Identifier": ADMIN}, "Expected `int`, got `str` - at `$.SDKAppID`"),
        ({"SDKAppID": SDKAPPID}, "Object missing required field `Identifier`"),
    ]
    for body, rule in cases:
        refused = await browser.post(SIGN, json=body, headers={"X-CSRF-Token": token})
        assert (refused.status_code, refused.json()) == (400, {"error": rule}), body
    not_json = await browser.post(SIGN, content=b"{", headers={"X-CSRF-Token": token})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "body: not valid JSON"})
