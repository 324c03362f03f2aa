"""The console's accounts page: search by UserID prefix, import and delete through the im_open_login_svc commands."""

from __future__ import annotations

import httpx

from liveroom.api.app import LiveroomApp
from tests.console.session import console_client, csrf_of
from tests.helpers import ADMIN, SDKAPPID, LiveClient

PAGE = f"/console/apps/{SDKAPPID}/accounts"
IM = "im_open_login_svc"


async def imported(live: LiveClient, *user_ids: str) -> dict[str, bool]:
    answer = await live.ok("account_check", {"CheckItem": [{"UserID": u} for u in user_ids]}, service=IM)
    return {r["UserID"]: r["AccountStatus"] == "Imported" for r in answer["ResultItem"]}


async def test_import_search_and_delete(browser: httpx.AsyncClient, live: LiveClient) -> None:
    token = await csrf_of(browser, PAGE)
    done = await browser.post(f"{PAGE}/import", data={"csrf_token": token, "accounts": "fan-1, fan-2 Fan-3 host"})
    assert done.status_code == 303, done.text
    assert "4 accounts imported" in (await browser.get(done.headers["location"])).text
    assert await imported(live, "fan-1", "fan-2", "Fan-3", "host") == dict.fromkeys(
        ["fan-1", "fan-2", "Fan-3", "host"], True
    )

    found = await browser.get(PAGE, params={"q": "fan-"})
    assert "Delete account fan-1" in found.text and "Delete account fan-2" in found.text
    assert "Fan-3" not in found.text and "Delete account host" not in found.text  # a prefix, case and all

    deleted = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "user_id": "fan-1"})
    assert deleted.status_code == 303
    assert "Account fan-1 was deleted" in (await browser.get(deleted.headers["location"])).text
    assert await imported(live, "fan-1", "fan-2") == {"fan-1": False, "fan-2": True}


async def test_pages_of_accounts_follow_one_another(browser: httpx.AsyncClient, live: LiveClient) -> None:
    await live.import_accounts(*(f"u{n:03}" for n in range(60)))
    first = await browser.get(PAGE, params={"q": "u"})
    assert "Delete account u049" in first.text and "u050" not in first.text
    second = await browser.get(PAGE, params={"q": "u", "after": "u049"})
    assert "Delete account u050" in second.text and "Delete account u059" in second.text
    assert "u049" not in second.text and "Next page" not in second.text


async def test_the_rules_refuse_and_show_why(browser: httpx.AsyncClient, live: LiveClient) -> None:
    token = await csrf_of(browser, PAGE)
    too_long = await browser.post(f"{PAGE}/import", data={"csrf_token": token, "accounts": "ok-1 " + "x" * 33})
    assert too_long.status_code == 400
    assert "Not imported (UserID: 1-32 bytes): " + "x" * 33 in too_long.text
    assert await imported(live, "ok-1") == {"ok-1": True}
    nothing = await browser.post(f"{PAGE}/import", data={"csrf_token": token, "accounts": " , "})
    assert nothing.status_code == 400
    too_many = await browser.post(
        f"{PAGE}/import", data={"csrf_token": token, "accounts": " ".join(f"m{n}" for n in range(101))}
    )
    assert too_many.status_code == 400
    assert "at most 100" in too_many.text

    admin = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "user_id": ADMIN})
    assert admin.status_code == 400
    assert "an admin account of the app cannot be deleted" in admin.text
    missing = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "user_id": "nobody"})
    assert missing.status_code == 400
    assert "nobody: account is not imported" in missing.text
    empty = await browser.post(f"{PAGE}/delete", data={"csrf_token": token, "user_id": ""})
    assert empty.status_code == 400
    long_search = await browser.get(PAGE, params={"q": "x" * 33})
    assert long_search.status_code == 400
    assert "UserID: at most 32 bytes" in long_search.text
    nul = await browser.get(PAGE, params={"q": "a\x00", "after": "\x00"})
    assert nul.status_code == 400
    assert "UserID: must not contain NUL" in nul.text
    nul_import = await browser.post(f"{PAGE}/import", data={"csrf_token": token, "accounts": "a\x00b"})
    assert nul_import.status_code == 400
    assert (await browser.get("/console/apps/99/accounts")).status_code == 404


async def test_without_a_session_or_csrf_token_nothing_changes(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    await live.import_accounts("kept")
    assert (await browser.post(f"{PAGE}/delete", data={"user_id": "kept"})).status_code == 403
    assert (await browser.post(f"{PAGE}/import", data={"accounts": "new", "csrf_token": "x"})).status_code == 403
    async with console_client(server, "203.0.113.10") as stranger:
        assert (await stranger.get(PAGE)).status_code == 303
        assert (await stranger.post(f"{PAGE}/delete", data={"user_id": "kept"})).status_code == 401
        assert (await stranger.post(f"{PAGE}/import", data={"accounts": "new"})).status_code == 401
    assert await imported(live, "kept", "new") == {"kept": True, "new": False}
