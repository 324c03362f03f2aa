"""The console's webhooks page: the callback configuration through live_config, the outbox, redelivery, a test."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import update

from liveroom.api.app import LiveroomApp
from liveroom.store import tables
from liveroom.store.interface import WebhookDelivery
from liveroom.store.queries.webhooks import DELIVERIES_KEPT
from liveroom.webhooks import operator
from tests.console.session import console_client, csrf_of
from tests.helpers import SDKAPPID, LiveClient, connect
from tests.receiver import Answer, Receiver

PAGE = f"/console/apps/{SDKAPPID}/webhooks"
CONFIG = "live_config"
CREATE = "Live.CallbackAfterCreateRoom"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/callback"


async def test_set_update_and_delete_the_callback_as_live_config(browser: httpx.AsyncClient, live: LiveClient) -> None:
    token = await csrf_of(browser, PAGE)
    assert "No callback is configured" in (await browser.get(PAGE)).text
    data = {"csrf_token": token, "url": "https://hooks.example/cb", "commands": [CREATE]}
    created = await browser.post(f"{PAGE}/set", data=data)
    assert created.status_code == 303, created.text
    got = await live.ok("get_callback", {}, service=CONFIG)
    assert got["Response"] == {"Url": "https://hooks.example/cb", "CallbackCommandList": [CREATE]}

    again = await browser.post(f"{PAGE}/set", data=data)
    assert again.status_code == 400
    assert "one is configured already" in again.text

    changed = {**data, "url": "https://hooks.example/v2", "commands": [CREATE, "Live.CallbackAfterDestroyRoom"]}
    assert (await browser.post(f"{PAGE}/update", data=changed)).status_code == 303
    got = await live.ok("get_callback", {}, service=CONFIG)
    assert got["Response"]["Url"] == "https://hooks.example/v2"
    assert sorted(got["Response"]["CallbackCommandList"]) == [CREATE, "Live.CallbackAfterDestroyRoom"]
    page = (await browser.get(PAGE)).text
    assert "https://hooks.example/v2" in page

    assert (await browser.post(f"{PAGE}/delete", data={"csrf_token": token})).status_code == 303
    await live.fails(100301, "get_callback", {}, service=CONFIG)
    gone = await browser.post(f"{PAGE}/delete", data={"csrf_token": token})
    assert gone.status_code == 400
    assert "none is configured" in gone.text


async def test_the_rules_of_live_config_refuse_bad_input(browser: httpx.AsyncClient, live: LiveClient) -> None:
    token = await csrf_of(browser, PAGE)
    not_http = await browser.post(f"{PAGE}/set", data={"csrf_token": token, "url": "ftp://x", "commands": [CREATE]})
    assert not_http.status_code == 400
    assert "Url: must be an http:// or https:// URL" in not_http.text
    unknown = await browser.post(
        f"{PAGE}/set", data={"csrf_token": token, "url": "https://x.example/", "commands": ["Live.Nothing"]}
    )
    assert unknown.status_code == 400
    assert "&#39;Live.Nothing&#39; is not a callback command" in unknown.text
    update_none = await browser.post(f"{PAGE}/update", data={"csrf_token": token, "url": "https://x.example/"})
    assert update_none.status_code == 400
    await live.fails(100301, "get_callback", {}, service=CONFIG)
    assert (await browser.post(f"{PAGE}/nothing", data={"csrf_token": token})).status_code == 404
    assert (await browser.get("/console/apps/99/webhooks")).status_code == 404


async def test_without_a_session_or_csrf_token_nothing_changes(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    data = {"url": "https://hooks.example/cb", "commands": [CREATE]}
    assert (await browser.post(f"{PAGE}/set", data=data)).status_code == 403
    assert (await browser.post(f"{PAGE}/test", data={"csrf_token": "forged"})).status_code == 403
    async with console_client(server, "203.0.113.10") as stranger:
        assert (await stranger.get(PAGE)).status_code == 303
        assert (await stranger.post(f"{PAGE}/set", data=data)).status_code == 401
        assert (await stranger.post(f"{PAGE}/redeliver", data={"event_id": "1"})).status_code == 401
    await live.fails(100301, "get_callback", {}, service=CONFIG)


async def test_a_dead_event_is_listed_with_its_error_and_redelivered(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    await live.ok("set_callback", {"Url": closed_port_url(), "CallbackCommandList": [CREATE]}, service=CONFIG)
    await live.import_accounts("host-1")
    await live.create_room("hooked", Owner_Account="host-1")
    # The event's 24 h are up at once: the sender's next failed attempt makes it dead.
    with connect(server.settings.database_url) as db:
        db.execute(update(tables.webhook_events).values(expires_at=0))
        db.commit()
    for _ in range(100):
        (status,) = await operator.status(server.store)
        if status.dead:
            break
        await asyncio.sleep(0.1)
    assert status.dead == 1

    page = await browser.get(PAGE)
    assert "0 waiting · 1 dead" in page.text
    (event,) = await operator.list_dead(server.store, SDKAPPID)
    assert event.last_error.startswith("cannot connect")
    assert str(escape(event.last_error)) in page.text
    assert f"Redeliver event {event.id}" in page.text

    token = await csrf_of(browser, PAGE)
    elsewhere = await browser.post(f"{PAGE}/redeliver", data={"csrf_token": token, "event_id": str(event.id + 1)})
    assert elsewhere.status_code == 400
    assert f"no webhook event {event.id + 1}" in elsewhere.text
    not_a_number = await browser.post(f"{PAGE}/redeliver", data={"csrf_token": token, "event_id": "x" * 30})
    assert not_a_number.status_code == 400
    huge = await browser.post(f"{PAGE}/redeliver", data={"csrf_token": token, "event_id": "9" * 30})
    assert huge.status_code == 400

    redelivered = await browser.post(f"{PAGE}/redeliver", data={"csrf_token": token, "event_id": str(event.id)})
    assert redelivered.status_code == 303
    assert f"Event {event.id} will be delivered again" in (await browser.get(redelivered.headers["location"])).text
    assert await operator.list_dead(server.store, SDKAPPID) == []
    twice = await browser.post(f"{PAGE}/redeliver", data={"csrf_token": token, "event_id": str(event.id)})
    assert twice.status_code == 400
    assert "is not dead" in twice.text


async def test_a_test_event_shows_what_the_receiver_answered(
    browser: httpx.AsyncClient, live: LiveClient, receiver: Receiver
) -> None:
    token = await csrf_of(browser, PAGE)
    unconfigured = await browser.post(f"{PAGE}/test", data={"csrf_token": token})
    assert unconfigured.status_code == 400
    assert "has no callback configured" in unconfigured.text

    await live.ok("set_callback", {"Url": receiver.url, "CallbackCommandList": [CREATE]}, service=CONFIG)
    sent = await browser.post(f"{PAGE}/test", data={"csrf_token": token})
    assert sent.status_code == 200
    assert "The receiver answered: <strong>HTTP 200</strong>" in sent.text
    assert "&#34;ActionStatus&#34;: &#34;OK&#34;" in sent.text
    (received,) = receiver.received
    assert received.command == CREATE
    assert received.body["RoomInfo"]["RoomId"] == operator.TEST_ROOM

    receiver.script.append(Answer(status=503, body=b"busy"))
    failed = await browser.post(f"{PAGE}/test", data={"csrf_token": token})
    assert "<strong>HTTP 503</strong> (not a success)" in failed.text
    assert "busy" in failed.text


async def test_recent_deliveries_show_each_attempt_and_the_answer(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient, receiver: Receiver
) -> None:
    assert "No event has been sent yet." in (await browser.get(PAGE)).text
    await live.ok("set_callback", {"Url": receiver.url, "CallbackCommandList": [CREATE]}, service=CONFIG)
    receiver.script.append(Answer(status=503, body=b"busy <now>"))
    await live.create_room("delivered")
    # Refused once, the event is tried again a second later and delivered.
    await receiver.wait_for(2, within=30)
    for _ in range(300):
        deliveries = await operator.recent_deliveries(server.store, SDKAPPID)
        if len(deliveries) == 2:
            break
        await asyncio.sleep(0.1)
    second, first = deliveries
    assert (first.command, first.room_id, first.attempt, first.status, first.answer) == (
        CREATE, "delivered", 1, 503, "busy <now>"
    )  # fmt: skip
    assert (second.event_id, second.attempt, second.status) == (first.event_id, 2, 200)
    assert '"ActionStatus": "OK"' in second.answer
    assert second.sent_at >= first.sent_at
    page = (await browser.get(PAGE)).text
    assert "The newest 2 attempts" in page
    assert "busy &lt;now&gt;" in page
    assert page.index("busy &lt;now&gt;") > page.index("&#34;ActionStatus&#34;: &#34;OK&#34;")
    assert await operator.recent_deliveries(server.store, SDKAPPID + 1) == []


async def test_an_app_keeps_its_newest_deliveries_only(server: LiveroomApp) -> None:
    def attempt(sdkappid: int, n: int) -> WebhookDelivery:
        return WebhookDelivery(
            sdkappid=sdkappid, event_id=n, room_id="r", command=CREATE, attempt=1, sent_at=n, status=200, answer=""
        )

    async with server.store.write() as tx:
        await tx.add_webhook_deliveries([attempt(SDKAPPID + 1, 0)])
    for start in range(0, DELIVERIES_KEPT + 30, 20):
        async with server.store.write() as tx:
            await tx.add_webhook_deliveries([attempt(SDKAPPID, n) for n in range(start, start + 20)])
    kept = await operator.recent_deliveries(server.store, SDKAPPID, limit=1000)
    assert [d.event_id for d in kept] == list(range(DELIVERIES_KEPT + 39, 39, -1))
    assert len(await operator.recent_deliveries(server.store, SDKAPPID + 1)) == 1


async def test_set_show_and_change_the_callback_token(browser: httpx.AsyncClient, live: LiveClient) -> None:
    page = (await browser.get(PAGE)).text
    assert "No token is set: callbacks are not signed." in page
    assert (await browser.get(f"{PAGE}/token")).status_code == 404
    token = await csrf_of(browser, PAGE)
    saved = await browser.post(f"{PAGE}/token", data={"csrf_token": token, "token": "s3cret-1", "token_enabled": "on"})
    assert saved.status_code == 303, saved.text
    page = (await browser.get(saved.headers["location"])).text
    assert "The callback token was saved." in page
    assert "A token is set; callbacks are signed with it." in page
    assert "s3cret-1" not in page
    shown = await browser.get(f"{PAGE}/token", headers={"HX-Request": "true"})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert ">s3cret-1</code>" in shown.text and "<html" not in shown.text
    assert "s3cret-1" in (await browser.get(f"{PAGE}/token")).text
    got = await live.ok("get_callback_token", {}, service="live_config")
    assert (got["Response"]["Token"], got["Response"]["IsTokenEnable"]) == ("s3cret-1", True)

    # An empty token keeps the one set; the box off stops signing.
    off = await browser.post(f"{PAGE}/token", data={"csrf_token": token, "token": ""})
    assert off.status_code == 303, off.text
    got = await live.ok("get_callback_token", {}, service="live_config")
    assert (got["Response"]["Token"], got["Response"]["IsTokenEnable"]) == ("s3cret-1", False)
    assert "callbacks are not signed (switched off)" in (await browser.get(PAGE)).text


async def test_a_refused_token_shows_the_error_and_changes_nothing(
    browser: httpx.AsyncClient, live: LiveClient
) -> None:
    token = await csrf_of(browser, PAGE)
    first = await browser.post(f"{PAGE}/token", data={"csrf_token": token, "token": "", "token_enabled": "on"})
    assert first.status_code == 400 and "Token: required the first time" in first.text
    long = "t" * 129
    too_long = await browser.post(f"{PAGE}/token", data={"csrf_token": token, "token": long, "token_enabled": "on"})
    assert too_long.status_code == 400 and "Token: " in too_long.text
    assert f'value="{long}"' in too_long.text
    missing = await live.call("get_callback_token", {}, service="live_config")
    assert missing["ErrorCode"] != 0
    assert (await browser.post(f"{PAGE}/token", data={"token": "x", "token_enabled": "on"})).status_code == 403
