"""What an operator does with the outbox (``liveroom webhooks ...``): look at it, revive dead events, test a URL.

These work on the database directly, like ``liveroom app``; a server running on it sees a redelivered event on its
next poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from liveroom.domain.apps import AppConfigError
from liveroom.domain.callbacks import RETRY_WINDOW_MS
from liveroom.store.interface import Store, WebhookDelivery, WebhookEvent, WebhookStats
from liveroom.store.queries.webhooks import DELIVERIES_KEPT
from liveroom.webhooks import payloads, signing
from liveroom.webhooks.http import Poster, Reply

DEAD_PAGE_MAX = 1000
TEST_COMMAND = "Live.CallbackAfterCreateRoom"
TEST_ROOM = "liveroom-webhook-test"


class AppStatus(msgspec.Struct, frozen=True, kw_only=True):
    sdkappid: int
    url: str | None
    commands: list[str]
    signed: bool
    pending: int
    dead: int
    oldest_pending_seconds: float | None


async def status(store: Store, clock: Callable[[], float] = time.time) -> list[AppStatus]:
    """Every app with a callback configuration or events in the outbox."""
    async with store.read() as tx:
        configs = await tx.callback_configs()
        stats = {s.sdkappid: s for s in await tx.webhook_stats()}
    now_ms = clock() * 1000
    answer = []
    for sdkappid in sorted(configs.keys() | stats.keys()):
        config = configs.get(sdkappid)
        outbox = stats.get(sdkappid) or WebhookStats(sdkappid=sdkappid, pending=0, dead=0, oldest_pending=None)
        oldest = None if outbox.oldest_pending is None else max(0.0, (now_ms - outbox.oldest_pending) / 1000)
        answer.append(
            AppStatus(
                sdkappid=sdkappid,
                url=None if config is None else config.url,
                commands=[] if config is None else sorted(config.commands),
                signed=config is not None and config.token_enabled and config.token is not None,
                pending=outbox.pending,
                dead=outbox.dead,
                oldest_pending_seconds=oldest,
            )
        )
    return answer


async def list_dead(
    store: Store, sdkappid: int | None = None, *, after_id: int = 0, limit: int = 100
) -> list[WebhookEvent]:
    async with store.read() as tx:
        return await tx.dead_webhook_events(sdkappid, after_id, min(limit, DEAD_PAGE_MAX))


async def recent_deliveries(store: Store, sdkappid: int, *, limit: int = DELIVERIES_KEPT) -> list[WebhookDelivery]:
    """The app's newest attempts at delivering its events (the newest first) with the receivers' answers."""
    async with store.read() as tx:
        return await tx.webhook_deliveries(sdkappid, min(limit, DELIVERIES_KEPT))


async def redeliver(store: Store, event_id: int, clock: Callable[[], float] = time.time) -> None:
    """The dead event waits again, with a new 24 h retry window; its room is due at once."""
    now = int(clock() * 1000)
    async with store.write() as tx:
        if not await tx.redeliver_webhook_event(event_id, now, now + RETRY_WINDOW_MS):
            event = await tx.get_webhook_event(event_id)
            if event is None:
                raise AppConfigError(f"no webhook event {event_id}")
            raise AppConfigError(f"webhook event {event_id} is not dead (it is still being delivered)")


async def send_test(store: Store, sdkappid: int, clock: Callable[[], float] = time.time) -> tuple[str, Reply]:
    """POST a test Live.CallbackAfterCreateRoom to the app's callback URL, signed as any event is; answers the
    command sent and what the receiver answered."""
    async with store.read() as tx:
        app = await tx.get_app(sdkappid)
        config = await tx.callback_config(sdkappid)
    if app is None:
        raise AppConfigError(f"no app {sdkappid}")
    if config is None or config.url is None:
        raise AppConfigError(f"app {sdkappid} has no callback configured (set_callback)")
    now = clock()
    url = signing.delivery_url(config, sdkappid, TEST_COMMAND, "127.0.0.1", "Unknown", int(now))
    fields = {
        "Operator_Account": "",
        "RoomInfo": {"RoomId": TEST_ROOM, "RoomName": "liveroom webhook test", "RoomType": "Live"},
    }
    poster = Poster(connections=1)
    await poster.open()
    try:
        reply = await poster.post(url, payloads.body(TEST_COMMAND, int(now * 1000), fields), 3.0, "test")
    finally:
        await poster.close()
    return TEST_COMMAND, reply
