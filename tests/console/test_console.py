"""The console over HTTP, in process: sign-in, sessions, CSRF, and changes that go through the REST commands."""

from __future__ import annotations

import hashlib
import re

import httpx

from liveroom.api.app import LiveroomApp, create_app
from liveroom.domain import operators
from liveroom.settings import Settings
from tests.console.session import PASSWORD, console_client, csrf_of
from tests.helpers import SDKAPPID, SECRET_KEY, LiveClient, db_rows


async def make_room(live: LiveClient, room_id: str, **info: object) -> None:
    await live.import_accounts("host-1")
    await live.create_room(room_id, Owner_Account="host-1", **info)


async def test_pages_redirect_to_sign_in_and_other_requests_answer_401(server: LiveroomApp) -> None:
    async with console_client(server) as client:
        page = await client.get("/console/apps")
        assert page.status_code == 303
        assert page.headers["location"] == "/console/sign-in?next=/console/apps"
        fragment = await client.get(f"/console/apps/{SDKAPPID}/secret-key", headers={"HX-Request": "true"})
        assert fragment.status_code == 401
        change = await client.post(f"/console/apps/{SDKAPPID}/room/dismiss", data={"room_id": "r", "confirm": "on"})
        assert change.status_code == 401
        assert SECRET_KEY not in fragment.text + change.text


async def test_sign_in_sets_a_strict_http_only_cookie_kept_hashed(server: LiveroomApp, operator: str) -> None:
    async with console_client(server) as client:
        wrong = await client.post("/console/sign-in", data={"name": operator, "password": "not it at all"})
        assert wrong.status_code == 401
        assert "Wrong name or password" in wrong.text
        unknown = await client.post("/console/sign-in", data={"name": "bob", "password": PASSWORD})
        assert unknown.status_code == 401
        signed = await client.post(
            "/console/sign-in", data={"name": operator, "password": PASSWORD, "next": "https://evil.test/"}
        )
        assert signed.status_code == 303
        assert signed.headers["location"] == "/console/apps"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/console" in cookie
        session_id = client.cookies["liveroom_console"]
    rows = db_rows(server.settings.database_url)["operator_sessions"]
    assert [row["id_hash"] for row in rows] == [hashlib.sha256(session_id.encode()).hexdigest()]
    assert rows[0]["operator"] == operator


async def test_secret_key_only_after_a_click(browser: httpx.AsyncClient) -> None:
    apps = await browser.get("/console/apps")
    assert str(SDKAPPID) in apps.text
    assert SECRET_KEY not in apps.text
    shown = await browser.get(f"/console/apps/{SDKAPPID}/secret-key", headers={"HX-Request": "true"})
    assert SECRET_KEY in shown.text
    assert shown.headers["cache-control"] == "no-store"


async def test_a_change_without_the_csrf_token_is_refused(browser: httpx.AsyncClient, live: LiveClient) -> None:
    await make_room(live, "csrf-room")
    data = {"room_id": "csrf-room", "confirm": "on"}
    missing = await browser.post(f"/console/apps/{SDKAPPID}/room/dismiss", data=data)
    assert missing.status_code == 403
    forged = await browser.post(f"/console/apps/{SDKAPPID}/room/dismiss", data={**data, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await live.call("get_room_info", {"RoomId": "csrf-room"}))["ErrorCode"] == 0

    token = await csrf_of(browser)
    done = await browser.post(f"/console/apps/{SDKAPPID}/room/dismiss", headers={"X-CSRF-Token": token}, data=data)
    assert done.status_code == 303
    assert (await live.call("get_room_info", {"RoomId": "csrf-room"}))["ErrorCode"] == 100004


async def test_changes_go_through_the_rest_commands(browser: httpx.AsyncClient, live: LiveClient) -> None:
    await make_room(live, "show-1", RoomName="Friday show")
    await live.import_accounts("troll")
    listing = await browser.get(f"/console/apps/{SDKAPPID}/rooms", params={"q": "friday"})
    assert "show-1" in listing.text
    assert "Friday show" in listing.text
    token = await csrf_of(browser, f"/console/apps/{SDKAPPID}/room?id=show-1")
    base = f"/console/apps/{SDKAPPID}/room/"
    common = {"csrf_token": token, "room_id": "show-1"}

    info = {"room_name": "Saturday show", "notice": "hi", "cover_url": "", "max_member_count": "50"}
    saved = await browser.post(base + "info", data={**common, **info, "take_seat_mode": "FreeToTake"})
    assert saved.status_code == 303, saved.text
    room = (await live.call("get_room_info", {"RoomId": "show-1"}))["Response"]["RoomInfo"]
    assert (room["RoomName"], room["Notice"], room["MaxMemberCount"]) == ("Saturday show", "hi", 50)
    assert room["IsPublicVisible"] is False  # the unticked box

    banned = await browser.post(base + "ban", data={**common, "accounts": "troll", "duration": "600"})
    assert banned.status_code == 303
    bans = await live.call("get_banned_member_list", {"RoomId": "show-1", "Limit": 10})
    assert [b["Member_Account"] for b in bans["Response"]["BannedAccountList"]] == ["troll"]

    muted = await browser.post(base + "mute", data={**common, "accounts": "troll", "mute_time": "60"})
    assert muted.status_code == 303
    mutes = await live.call("get_muted_member_list", {"RoomId": "show-1"})
    assert [m["Member_Account"] for m in mutes["Response"]["MutedAccountList"]] == ["troll"]
    assert "Lift the mute on troll" in (await browser.get(f"/console/apps/{SDKAPPID}/room?id=show-1")).text
    await browser.post(base + "unmute", data={**common, "accounts": "troll"})
    assert (await live.call("get_muted_member_list", {"RoomId": "show-1"}))["Response"]["MutedAccountList"] == []

    await browser.post(base + "set-metadata", data={**common, "key": "theme", "value": "dark"})
    meta = await live.call("get_room_metadata", {"RoomId": "show-1", "Keys": []})
    assert meta["Response"]["Metadata"] == [{"Key": "theme", "Value": "dark"}]
    page = await browser.get(f"/console/apps/{SDKAPPID}/room", params={"id": "show-1"})
    assert "troll" in page.text
    assert "dark" in page.text


async def test_bad_input_shows_the_rule_and_changes_nothing(browser: httpx.AsyncClient, live: LiveClient) -> None:
    await make_room(live, "rules-room")
    token = await csrf_of(browser)
    base = f"/console/apps/{SDKAPPID}/room/"
    common = {"csrf_token": token, "room_id": "rules-room"}
    too_long = await browser.post(
        base + "info", data={**common, "room_name": "x" * 101, "max_member_count": "10", "take_seat_mode": "FreeToTake"}
    )
    assert too_long.status_code == 400
    assert "RoomName: at most 100 bytes" in too_long.text
    not_a_number = await browser.post(base + "ban", data={**common, "accounts": "x", "duration": "soon"})
    assert not_a_number.status_code == 400
    assert "Duration: must be a whole number" in not_a_number.text
    unknown_app = await browser.get("/console/apps/99/rooms")
    assert unknown_app.status_code == 404
    no_room = await browser.get(f"/console/apps/{SDKAPPID}/room", params={"id": "nowhere"})
    assert no_room.status_code == 404
    for odd in ["a\x00", "", "x" * 49, "é"]:
        assert (await browser.get(f"/console/apps/{SDKAPPID}/room", params={"id": odd})).status_code == 404
        assert (await browser.get(f"/console/apps/{SDKAPPID}/rooms", params={"q": odd})).status_code == 200
    nul_change = await browser.post(base + "ban", data={**common, "room_id": "a\x00", "accounts": "x", "duration": "1"})
    assert nul_change.status_code == 404
    bad_cursor = await browser.get(f"/console/apps/{SDKAPPID}/rooms", params={"next": "garbage"})
    assert bad_cursor.status_code == 400
    unconfirmed = await browser.post(base + "dismiss", data=common)
    assert unconfirmed.status_code == 400
    room = await live.call("get_room_info", {"RoomId": "rules-room"})
    assert room["Response"]["RoomInfo"]["RoomName"] == "rules-room"


async def test_sign_in_attempts_are_limited_per_name(server: LiveroomApp, operator: str) -> None:
    statuses = []
    for attempt in range(operators.ATTEMPTS_PER_NAME.amount + 1):
        # A new address each time: the limit on the name still holds.
        async with console_client(server, f"198.51.100.{attempt}") as client:
            answer = await client.post("/console/sign-in", data={"name": operator, "password": "guess guess"})
            statuses.append(answer.status_code)
    assert statuses == [401] * operators.ATTEMPTS_PER_NAME.amount + [429]
    async with console_client(server, "198.51.100.200") as client:
        right = await client.post("/console/sign-in", data={"name": operator, "password": PASSWORD})
        assert right.status_code == 429


async def test_sessions_survive_a_restart_and_end_at_sign_out(
    settings: Settings, server: LiveroomApp, operator: str
) -> None:
    async with console_client(server) as client:
        await client.post("/console/sign-in", data={"name": operator, "password": PASSWORD})
        cookie = client.cookies["liveroom_console"]
    restarted = create_app(settings)
    async with restarted.lifespan(restarted.web), console_client(restarted) as client:
        client.cookies.set("liveroom_console", cookie, domain="liveroom.test", path="/console")
        assert (await client.get("/console/apps")).status_code == 200
        token = await csrf_of(client)
        out = await client.post("/console/sign-out", data={"csrf_token": token})
        assert out.status_code == 303
        client.cookies.set("liveroom_console", cookie, domain="liveroom.test", path="/console")
        assert (await client.get("/console/apps")).status_code == 303


async def test_key_rotation_asks_for_confirmation(browser: httpx.AsyncClient, live: LiveClient) -> None:
    token = await csrf_of(browser)
    rotate = f"/console/apps/{SDKAPPID}/rotate-key"
    assert "Yes, replace the secret key" in (await browser.get(rotate)).text
    unconfirmed = await browser.post(rotate, data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    assert (await live.call("get_room_list", {"Next": "", "Count": 1}))["ErrorCode"] == 0

    rotated = await browser.post(rotate, data={"csrf_token": token, "confirm": "on"})
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    assert SECRET_KEY not in rotated.text
    new_key = re.search(r'<code class="secret"[^>]*>([0-9a-f]{64})</code>', rotated.text)
    assert new_key is not None
    # UserSigs made with the old key fail at once; with the new one they pass.
    assert (await live.call("get_room_list", {"Next": "", "Count": 1}))["ErrorCode"] == 70009
    renewed = LiveClient(live.http, key=new_key.group(1))
    assert (await renewed.call("get_room_list", {"Next": "", "Count": 1}))["ErrorCode"] == 0


async def test_messages_and_robots_through_the_rest_commands(browser: httpx.AsyncClient, live: LiveClient) -> None:
    await make_room(live, "bot-room")
    await live.import_accounts("bot-1")
    token = await csrf_of(browser)
    base = f"/console/apps/{SDKAPPID}/room/"
    common = {"csrf_token": token, "room_id": "bot-room"}

    unknown = await browser.post(base + "message", data={**common, "sender": "nobody", "text": "hello"})
    assert unknown.status_code == 400
    assert "nobody" in unknown.text
    sent = await browser.post(base + "message", data={**common, "sender": "host-1", "text": "hello"})
    assert sent.status_code == 303
    assert "Sent to every member online" in (await browser.get(sent.headers["location"])).text

    assert (await browser.post(base + "add-robot", data={**common, "accounts": "bot-1"})).status_code == 303
    robots = await live.call("get_robot", {"RoomId": "bot-room"})
    assert robots["Response"]["RobotList_Account"] == ["bot-1"]
    assert "Remove robot bot-1" in (await browser.get(f"/console/apps/{SDKAPPID}/room?id=bot-room")).text
    assert (await browser.post(base + "remove-robot", data={**common, "accounts": "bot-1"})).status_code == 303
    assert (await live.call("get_robot", {"RoomId": "bot-room"}))["Response"]["RobotList_Account"] == []


async def test_every_page_of_an_app_answers_404_for_an_app_that_does_not_exist(browser: httpx.AsyncClient) -> None:
    """``Console.signed_in_app``: one place resolves the app of every app page and change."""
    token = await csrf_of(browser)
    pages = ["rooms", "room?id=r", "accounts", "settings", "gifts", "webhooks", "secret-key", "rotate-key"]
    changes = ["room/dismiss", "accounts/import", "accounts/delete", "settings/limits", "gifts/copy-default"]
    changes += ["webhooks/delete", "rotate-key"]
    for sdkappid in ["99", "x", "1" * 20]:
        for page in pages:
            answer = await browser.get(f"/console/apps/{sdkappid}/{page}")
            assert answer.status_code == 404, page
            assert f"no app {sdkappid}" in answer.text
        for change in changes:
            answer = await browser.post(f"/console/apps/{sdkappid}/{change}", data={"csrf_token": token})
            assert answer.status_code == 404, change
            assert f"no app {sdkappid}" in answer.text
