"""The console in a real browser: Debian's Chromium driven by Playwright against a real ``liveroom serve``.

Sign in, create a room through the REST API, find it in the list, edit its info, ban a member, set metadata and
dismiss it; requests without a session or a CSRF token are refused; axe-core (tests/browser/vendor, from the
console's npm lock) finds no serious accessibility violation on the main pages. The screenshots the README shows
are taken here (docs/console/).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from liveroom.client import RealtimeClient
from tests.helpers import ADMIN, IM, LIVE, SDKAPPID, SECRET_KEY, tencent_sig
from tests.test_server_process import Server, StartServer, clean_env, liveroom_command, run_cli, start_server

__all__ = ["start_server"]  # the fixture, used by name

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("LIVEROOM_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).parents[2]
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
# The README's screenshots are refreshed on request only (LIVEROOM_SCREENSHOTS=docs/console), so that a test run
# leaves the working tree as it found it.
SCREENSHOTS = Path(os.environ.get("LIVEROOM_SCREENSHOTS") or tempfile.mkdtemp(prefix="liveroom-screenshots-"))
OPERATOR, PASSWORD = "ann", "a long password"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM} (CI=true): apt-get install -y chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path, start_server: StartServer) -> Server:
    database = f"sqlite:///{tmp_path / 'liveroom.db'}"
    run_cli("app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", SECRET_KEY, "--admin", ADMIN,
            "--database", database)  # fmt: skip
    added = subprocess.run(
        [*liveroom_command(), "operator", "add", OPERATOR, "--password-stdin", "--database", database],
        input=PASSWORD + "\n", capture_output=True, text=True, env=clean_env(), timeout=60, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return start_server(database)


def call(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    params = {
        "sdkappid": SDKAPPID,
        "identifier": ADMIN,
        "usersig": tencent_sig(ADMIN),
        "random": random.randint(0, 4294967295),
        "contenttype": "json",
    }
    answer: dict[str, Any] = httpx.post(f"{server.base_url}/v4/{path}", params=params, json=body, timeout=30).json()
    return answer


@contextlib.contextmanager
def member_in_room(server: Server, user: str, room_id: str, says: str = "") -> Iterator[None]:
    """``user`` in the room over the realtime WebSocket (a client of the SDK in a thread of its own), saying
    ``says`` once in, until the block ends or the server removes them."""
    entered, done = threading.Event(), threading.Event()

    async def stay() -> None:
        async with RealtimeClient(server.base_url, sdkappid=SDKAPPID, identifier=user, secret_key=SECRET_KEY) as member:
            await member.enter(room_id)
            if says:
                await member.send_text(room_id, says)
            entered.set()
            await asyncio.to_thread(done.wait)

    thread = threading.Thread(target=asyncio.run, args=(stay(),), daemon=True)
    thread.start()
    assert entered.wait(30), f"{user} did not enter {room_id}"
    try:
        yield
    finally:
        done.set()
        thread.join(30)


def no_serious_violations(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))}))"""
    )
    assert [v for v in violations if v["impact"] in SERIOUS] == [], page.url


def sign_in(page: Page, server: Server) -> None:
    page.goto(f"{server.base_url}/console/apps")
    expect(page).to_have_url(f"{server.base_url}/console/sign-in?next=/console/apps")
    page.get_by_label("Operator name").fill(OPERATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.base_url}/console/apps")


def test_an_operator_runs_a_room_from_the_browser(browser: Browser, server: Server) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{server.base_url}/console/sign-in")
    no_serious_violations(page)
    page.screenshot(path=SCREENSHOTS / "sign-in.png")
    sign_in(page, server)
    no_serious_violations(page)

    # The secret key is not on the page until asked for (htmx fetches it in place).
    assert SECRET_KEY not in page.content()
    page.get_by_role("link", name=f"Show the secret key of app {SDKAPPID}").click()
    expect(page.get_by_label(f"Secret key of app {SDKAPPID}", exact=True)).to_have_text(SECRET_KEY)
    assert page.url == f"{server.base_url}/console/apps"
    page.screenshot(path=SCREENSHOTS / "apps.png")

    assert call(server, f"{IM}/multiaccount_import", {"Accounts": ["host-1", "troll"]})["ErrorCode"] == 0
    for room_id, name in [("browser-room", "Browser show"), ("other-room", "Quiz night")]:
        created = call(server, f"{LIVE}/create_room", {"RoomInfo": {
            "RoomId": room_id, "RoomType": "Live", "Owner_Account": "host-1", "RoomName": name}})  # fmt: skip
        assert created["ErrorCode"] == 0, created

    page.get_by_role("link", name=str(SDKAPPID), exact=True).click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Search rooms by RoomId or name").fill("browser")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Browser show")
    no_serious_violations(page)
    page.screenshot(path=SCREENSHOTS / "rooms.png")

    page.get_by_role("link", name="browser-room").click()
    no_serious_violations(page)
    page.get_by_label("Name", exact=True).fill("Renamed show")
    page.get_by_label("Notice").fill("Welcome, all")
    page.get_by_role("button", name="Save info").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Renamed show")
    info = call(server, f"{LIVE}/get_room_info", {"RoomId": "browser-room"})["Response"]["RoomInfo"]
    assert (info["RoomName"], info["Notice"]) == ("Renamed show", "Welcome, all")

    # A member enters and speaks while the page is open: the room's event stream shows both without a reload, and
    # the members online; banned, they are removed.
    members = page.locator("#members")
    expect(page.locator("#members[data-live]")).to_have_text("No one is in the room.")  # the stream is open
    events = page.get_by_role("log", name="Live events")
    with member_in_room(server, "troll", "browser-room", says="hello from troll"):
        expect(members.get_by_role("listitem")).to_have_text(["troll"])
        expect(events).to_contain_text("troll entered (1 online)")
        expect(events).to_contain_text("troll: hello from troll")
        page.get_by_label("Ban members (UserIDs)").fill("troll")
        page.get_by_role("button", name="Ban", exact=True).click()
        expect(page.get_by_role("button", name="Lift the ban on troll")).to_be_visible()
        expect(members).to_have_text("No one is in the room.")
    bans = call(server, f"{LIVE}/get_banned_member_list", {"RoomId": "browser-room"})
    assert [b["Member_Account"] for b in bans["Response"]["BannedAccountList"]] == ["troll"]

    page.get_by_label("Key").fill("theme")
    page.get_by_label("Value").fill("dark")
    page.get_by_role("button", name="Set key").click()
    expect(page.get_by_role("button", name="Remove key theme")).to_be_visible()
    metadata = call(server, f"{LIVE}/get_room_metadata", {"RoomId": "browser-room", "Keys": []})
    assert metadata["Response"]["Metadata"] == [{"Key": "theme", "Value": "dark"}]

    # A refused change shows the REST API's rule and changes nothing.
    page.get_by_label("Name", exact=True).fill("x" * 101)
    page.get_by_role("button", name="Save info").click()
    expect(page.get_by_role("alert")).to_contain_text("RoomName: at most 100 bytes")
    page.screenshot(path=SCREENSHOTS / "room.png", full_page=True)
    no_serious_violations(page)

    page.get_by_label("Yes, dismiss room browser-room").check()
    page.get_by_role("button", name="Dismiss the room").click()
    expect(page.get_by_role("status")).to_have_text("Room browser-room was dismissed.")
    assert call(server, f"{LIVE}/get_room_info", {"RoomId": "browser-room"})["ErrorCode"] == 100004
    page.close()


def test_without_a_session_or_a_csrf_token_nothing_happens(browser: Browser, server: Server) -> None:
    created = call(server, f"{LIVE}/create_room", {"RoomInfo": {"RoomId": "kept-room", "RoomType": "Live"}})
    assert created["ErrorCode"] == 0, created
    dismiss = f"{server.base_url}/console/apps/{SDKAPPID}/room/dismiss"
    form = {"room_id": "kept-room", "confirm": "on"}

    stranger = browser.new_context()
    page = stranger.new_page()
    page.goto(f"{server.base_url}/console/apps/{SDKAPPID}/room?id=kept-room")
    expect(page).to_have_url(f"{server.base_url}/console/sign-in?next=/console/apps/{SDKAPPID}/room")
    assert stranger.request.post(dismiss, form=form).status == 401
    stranger.close()

    operator = browser.new_context()
    page = operator.new_page()
    sign_in(page, server)
    # Signed in, the cookie goes with the request, but without the page's CSRF token the change is refused.
    assert operator.request.post(dismiss, form=form).status == 403
    assert operator.request.post(dismiss, form={**form, "csrf_token": "guessed"}).status == 403
    assert call(server, f"{LIVE}/get_room_info", {"RoomId": "kept-room"})["ErrorCode"] == 0
    operator.close()


def test_the_main_pages_work_from_the_keyboard_alone(browser: Browser, server: Server) -> None:
    page = browser.new_page()
    page.goto(f"{server.base_url}/console/apps")
    expect(page.get_by_label("Operator name")).to_be_focused()
    page.keyboard.type(OPERATOR)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.base_url}/console/apps")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    def tab_to(name: str) -> None:
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == name:
                return
        raise AssertionError(f"Tab never reached {name!r} on {page.url}")

    tab_to(str(SDKAPPID))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.base_url}/console/apps/{SDKAPPID}/rooms")
    tab_to("Sign out")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.base_url}/console/sign-in")
    page.close()


def test_an_operator_runs_accounts_webhooks_and_gifts(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, server)
    page.get_by_role("link", name=f"Accounts of app {SDKAPPID}").click()
    page.get_by_label("UserIDs to import").fill("fan-1, fan-2 guest")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_have_text("3 accounts imported.")
    page.get_by_label("Search accounts by the start of their UserID").fill("fan-")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Delete account fan-1").click()
    expect(page.get_by_role("status")).to_have_text("Account fan-1 was deleted.")
    checked = call(server, f"{IM}/account_check", {"CheckItem": [{"UserID": "fan-1"}, {"UserID": "fan-2"}]})
    assert [r["AccountStatus"] for r in checked["ResultItem"]] == ["NotImported", "Imported"]
    no_serious_violations(page)

    page.goto(f"{server.base_url}/console/apps")
    page.get_by_role("link", name=f"Webhooks of app {SDKAPPID}").click()
    expect(page.get_by_text("No callback is configured")).to_be_visible()
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/callback"
    page.get_by_label("Callback URL").fill(url)
    page.get_by_label("Live.CallbackAfterCreateRoom", exact=True).check()
    page.get_by_role("button", name="Set the callback").click()
    expect(page.get_by_text(f"Events go to {url}")).to_be_visible()
    configured = call(server, "live_config/get_callback", {})["Response"]
    assert configured == {"Url": url, "CallbackCommandList": ["Live.CallbackAfterCreateRoom"]}

    # Nothing listens there: the test event shows why it was not delivered.
    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("status")).to_contain_text("cannot connect")
    no_serious_violations(page)

    # The callback token: set, then shown only after a click.
    page.get_by_label("New token").fill("hook-token-1")
    page.get_by_role("button", name="Save the token").click()
    expect(page.get_by_role("status")).to_have_text("The callback token was saved.")
    expect(page.get_by_text("hook-token-1")).to_have_count(0)
    page.get_by_role("link", name=f"Show the callback token of app {SDKAPPID}").click()
    expect(page.get_by_label(f"Callback token of app {SDKAPPID}")).to_have_text("hook-token-1")
    assert call(server, "live_config/get_callback_token", {})["Response"]["Token"] == "hook-token-1"
    no_serious_violations(page)
    page.screenshot(path=SCREENSHOTS / "webhooks.png", full_page=True)

    page.goto(f"{server.base_url}/console/apps")
    page.get_by_role("link", name=f"Gifts of app {SDKAPPID}").click()
    page.get_by_role("button", name="Copy the default configuration").click()
    expect(page.get_by_role("status")).to_have_text("The default gift configuration was copied.")
    expect(page.locator("tbody tr", has_text="For you")).to_contain_text("zh-CN: 玫瑰")
    assert len(call(server, f"{LIVE}/get_gift_info_list", {})["Response"]["GiftList"]) == 15
    no_serious_violations(page)

    # A gift added from the keyboard alone: GiftId, then Tab from field to field, Enter sends the form.
    page.locator("#add-gift_id").focus()
    for typed in ["comet", "Comet", "77"]:
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("The gift was added.")
    page.locator("#lang-gift_id").fill("comet")
    page.locator("#lang-language").fill("zh-CN")
    page.locator("#lang-name").fill("彗星")
    page.get_by_role("button", name="Set the name").click()
    expect(page.get_by_role("status")).to_have_text("The gift's name was set in that language.")
    comet = page.locator("tbody tr", has_text="comet")
    expect(comet).to_contain_text("Comet")
    expect(comet).to_contain_text("77")
    expect(comet).to_contain_text("zh-CN: 彗星")
    no_serious_violations(page)
    page.screenshot(path=SCREENSHOTS / "gifts.png", full_page=True)

    page.get_by_role("link", name="Delete gift comet").click()
    no_serious_violations(page)
    page.get_by_label("Yes, delete gift comet").check()
    page.get_by_role("button", name="Delete the gift").click()
    expect(page.get_by_role("status")).to_have_text("The gift was deleted.")
    expect(page.locator("tbody tr", has_text="comet")).to_have_count(0)
    gifts = call(server, f"{LIVE}/get_gift_info_list", {})["Response"]["GiftList"]
    assert len(gifts) == 15 and "comet" not in {g["GiftId"] for g in gifts}
    page.close()


def test_the_interactive_reference_tries_an_api_with_a_usersig_made_in_the_page(
    browser: Browser, server: Server
) -> None:
    created = call(server, f"{LIVE}/create_room", {"RoomInfo": {"RoomId": "docs-room", "RoomType": "Live"}})
    assert created["ErrorCode"] == 0, created
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, server)
    page.goto(f"{server.base_url}/docs")
    # From the keyboard: the UserSig field, then the button the console's session shows after it.
    expect(page.get_by_role("button", name="Make a UserSig")).to_be_visible()
    expect(page.get_by_label("SDKAppID")).to_have_value(str(SDKAPPID))
    page.get_by_label("UserSig").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    made = page.get_by_role("status").filter(has_text="UserSig made")
    expect(made).to_have_text(f"UserSig made for {ADMIN} in app {SDKAPPID}, valid 24 h.", timeout=30_000)
    assert SECRET_KEY not in page.content()

    operation = page.locator("#operations .opblock", has_text="/v4/live_engine_http_srv/get_room_info")
    operation.locator(".opblock-summary-control").click()
    # The nested fields of the answer and an example of it are on the page before anything is tried.
    expect(operation.locator(".response .example")).to_contain_text('"RoomInfo"')
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("textarea.body-param__text").fill('{"RoomId": "docs-room"}')
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table .response-col_description pre").first
    expect(answer).to_contain_text('"ActionStatus": "OK"')
    expect(answer).to_contain_text('"RoomId": "docs-room"')
    no_serious_violations(page)
    operation.screenshot(path=SCREENSHOTS / "docs.png")
    page.close()


def test_the_dashboard_charts_the_requests_as_they_are_answered(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, server)
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(f"{server.base_url}/console/dashboard")
    audience = page.locator("#audience-now")
    expect(audience).to_have_text("Now: 0 members online, 0 rooms.", timeout=30_000)

    drawn = page.evaluate("window.liveroomCharts.audience.times.length")
    created = call(server, f"{LIVE}/create_room", {"RoomInfo": {"RoomId": "charted", "RoomType": "Live"}})
    assert created["ErrorCode"] == 0, created
    requests = page.locator("#requests-now")
    errors = page.locator("#errors-now")
    # Requests go on until the page has drawn them (a snapshot every 2 s): the rates are of the last interval.
    for _ in range(60):
        call(server, f"{LIVE}/get_room_info", {"RoomId": "charted"})
        call(server, f"{LIVE}/get_room_info", {"RoomId": "missing"})
        if "get_room_info" in requests.inner_text() and "100004" in errors.inner_text():
            break
        page.wait_for_timeout(500)
    expect(requests).to_contain_text("get_room_info")
    expect(errors).to_contain_text("100004")
    expect(page.locator("#latency-now")).to_contain_text("p99")
    expect(audience).to_have_text("Now: 0 members online, 1 room.", timeout=30_000)
    # The charts hold the same figures: a series per API, a point added per snapshot.
    series = page.evaluate("window.liveroomCharts.requests.plot.series.map(s => s.label)")
    assert "get_room_info" in series
    assert page.evaluate("window.liveroomCharts.audience.plot.data[0].length") > drawn
    rates = page.evaluate("window.liveroomCharts.requests.series.get_room_info")
    assert max(rate or 0 for rate in rates) > 0, rates
    no_serious_violations(page)
    page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)
    page.close()


def test_an_operator_creates_an_app_and_sets_its_limits(browser: Browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, server)
    page.get_by_label("SDKAppID (empty: the next free one)").fill("1400000088")
    page.get_by_label("Admin accounts (UserIDs, separated by spaces or commas)").fill("boss")
    page.get_by_role("button", name="Create the app").click()
    expect(page.get_by_role("status")).to_have_text("App 1400000088 was created.")
    no_serious_violations(page)

    page.goto(f"{server.base_url}/console/apps")
    page.get_by_role("link", name=f"Settings of app {SDKAPPID}").click()
    page.get_by_label("Limits of their own").fill("get_room_info=1")
    page.get_by_role("button", name="Save quotas and limits").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("Limits of their own")).to_have_value("get_room_info=1")
    codes = [call(server, f"{LIVE}/get_room_info", {"RoomId": "none"})["ErrorCode"] for _ in range(5)]
    assert 60007 in codes, codes
    page.get_by_label("Member quota").fill("2000000")
    page.get_by_role("button", name="Save quotas and limits").click()
    expect(page.get_by_role("alert")).to_have_text("member quota must be 1..1000000")
    no_serious_violations(page)
    page.screenshot(path=SCREENSHOTS / "settings.png", full_page=True)
    page.close()
