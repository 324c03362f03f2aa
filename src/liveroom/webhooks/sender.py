"""The sender: delivers the outbox, at least once, in order per room, with retries and backoff (decisions.md 8).

One task per process. It claims due rooms from the store under a lease (``claim_webhook_rooms``), sends each
room's claimed events one after the other, and gives the room back with what happened, in one transaction: the
delivered events deleted, a failed head's attempts counted and its next try scheduled (exponential backoff from 1 s,
at most 5 minutes, for 24 hours; then it is dead and the room goes on with its next event). Rooms are sent
concurrently; the room stops at its first failure, so its later events never overtake it.

A commit of this process that wrote events wakes the sender at once; other processes' events (another worker on
the same SQLite file, another node on PostgreSQL) are found by polling. A lease that runs out (its node died, or
stalled) lets any sender take the room over: the events it was sending are sent again, with the same
``X-Liveroom-Event-Id``. Nothing here needs Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from liveroom import background
from liveroom.domain.apps import AppDirectory
from liveroom.domain.callbacks import decode_fact
from liveroom.store.interface import AppRecord, ConnectionLost, Store, WebhookDelivery, WebhookEvent
from liveroom.webhooks import payloads, signing
from liveroom.webhooks.http import Poster, Reply

# Characters of a receiver's answer kept with a delivery.
ANSWER_SHOWN = 300
log = logging.getLogger("liveroom.webhooks")

DELIVERY_TIMEOUT = 3.0
FIRST_BACKOFF_MS = 1000
MAX_BACKOFF_MS = 5 * 60 * 1000


def backoff_ms(attempts: int) -> int:
    """How long after its ``attempts``-th failed attempt an event is tried again: 1 s, 2 s, 4 s ... at most 5 min."""
    return min(FIRST_BACKOFF_MS << min(attempts - 1, 20), MAX_BACKOFF_MS)


@dataclass(slots=True)
class SenderStats:
    """What this process's sender did, per SDKAppID (read and reset by the metrics)."""

    delivered: Counter[int] = field(default_factory=Counter)
    retried: Counter[int] = field(default_factory=Counter)
    dead: Counter[int] = field(default_factory=Counter)
    discarded: Counter[int] = field(default_factory=Counter)

    def take(self) -> SenderStats:
        taken = SenderStats(self.delivered, self.retried, self.dead, self.discarded)
        self.delivered, self.retried, self.dead, self.discarded = Counter(), Counter(), Counter(), Counter()
        return taken


@dataclass(frozen=True, slots=True)
class SenderOptions:
    lease_seconds: float = 30.0
    poll_seconds: float = 0.5
    # Rooms in flight at once, and events claimed per room at a time.
    rooms: int = 256
    per_room: int = 32


class Sender:
    def __init__(
        self,
        store: Store,
        apps: AppDirectory,
        poster: Poster,
        clock: Callable[[], float] = time.time,
        options: SenderOptions = SenderOptions(),
    ) -> None:
        self._store = store
        self._apps = apps
        self._poster = poster
        self._clock = clock
        self._options = options
        self.stats = SenderStats()
        self._node = secrets.token_hex(6)
        self._claims = itertools.count(1)
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        store.on_outbox_commit(self.wake)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="liveroom-webhook-sender")

    async def close(self) -> None:
        """Claim nothing more; the rooms being sent get one attempt's time to finish and give their rooms back
        (a room still out after that waits for its lease to end, then any process sends it)."""
        task, self._task = self._task, None
        await background.stop(task)
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=DELIVERY_TIMEOUT + 1.0)
        for room in list(self._inflight):
            room.cancel()
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=1.0)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            free = self._options.rooms - len(self._inflight)
            claimed = 0
            if free > 0:
                try:
                    claimed = await self._claim(free)
                except Exception as exc:
                    background.failed(log, "webhooks: claiming events", exc)
                    await asyncio.sleep(1.0)
                    continue
            if claimed and claimed == free:
                continue  # there may be more due at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._options.poll_seconds)

    async def _claim(self, rooms: int) -> int:
        await self._apps.sync()
        owner = f"{self._node}:{next(self._claims)}"
        now = self._now_ms()
        lease_until = now + int(self._options.lease_seconds * 1000)
        async with self._store.write() as tx:
            events = await tx.claim_webhook_rooms(owner, now, lease_until, rooms, self._options.per_room)
        by_room: dict[tuple[int, str], list[WebhookEvent]] = {}
        for event in events:
            by_room.setdefault((event.sdkappid, event.room_id), []).append(event)
        deadline = time.monotonic() + self._options.lease_seconds - DELIVERY_TIMEOUT - 1.0
        for (sdkappid, room_id), queue in by_room.items():
            task = asyncio.get_running_loop().create_task(self._room(sdkappid, room_id, owner, queue, deadline))
            self._inflight.add(task)
            task.add_done_callback(self._room_done)
        return len(by_room)

    def _room_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, ConnectionLost):
            # Its lease runs out and the room is sent again: nothing is lost.
            log.warning("webhooks: giving a room back failed (%s); it is sent again when its lease ends", exc)
        elif exc is not None:
            log.error("webhooks: a room's delivery failed", exc_info=exc)

    async def _room(self, sdkappid: int, room_id: str, owner: str, events: list[WebhookEvent], deadline: float) -> None:
        """Send the room's events in order until one fails (or the lease is about to end), then give it back."""
        done: list[int] = []
        failed: tuple[WebhookEvent, Reply] | None = None
        tried: list[WebhookDelivery] = []
        for event in events:
            if time.monotonic() > deadline:
                break
            app = self._apps.get(sdkappid)
            if app is None or app.callbacks is None or not app.callbacks.wants(event.command):
                # The configuration no longer asks for it (deleted or changed since): nobody is to hear it.
                self.stats.discarded[sdkappid] += 1
                done.append(event.id)
                continue
            sent_at = self._now_ms()
            reply = await self.send(event, app)
            tried.append(_delivery(event, sent_at, reply))
            if not reply.ok:
                failed = (event, reply)
                break
            self.stats.delivered[sdkappid] += 1
            done.append(event.id)
        await self._give_back(sdkappid, room_id, owner, done, failed, tried)

    async def send(self, event: WebhookEvent, app: AppRecord) -> Reply:
        """One attempt at one event, to the app's configured URL (signed when its token is enabled)."""
        config = app.callbacks
        assert config is not None
        now = self._clock()
        url = signing.delivery_url(config, event.sdkappid, event.command, event.client_ip, event.platform, int(now))
        body = payloads.body(event.command, event.event_time, payloads.fields_of(decode_fact(event.fact)))
        return await self._poster.post(url, body, DELIVERY_TIMEOUT, str(event.id))

    async def _give_back(
        self,
        sdkappid: int,
        room_id: str,
        owner: str,
        done: list[int],
        failed: tuple[WebhookEvent, Reply] | None,
        tried: list[WebhookDelivery],
    ) -> None:
        now = self._now_ms()
        next_attempt, dead = now, False
        if failed is not None:
            event, reply = failed
            attempts = event.attempts + 1
            dead = now >= event.expires_at
            if not dead:
                next_attempt = min(now + backoff_ms(attempts), event.expires_at)
        async with self._store.write() as tx:
            held = await tx.release_webhook_room(sdkappid, room_id, owner, next_attempt)
            await tx.delete_webhook_events(done)
            await tx.add_webhook_deliveries(tried)
            if failed is not None and held:
                await tx.fail_webhook_event(event.id, attempts, reply.describe(), dead=dead)
        if failed is not None and held:
            if dead:
                self.stats.dead[sdkappid] += 1
                log.warning(
                    "webhooks: event %d (%s, app %d) is dead after %d attempts: %s",
                    event.id,
                    event.command,
                    sdkappid,
                    attempts,
                    reply.describe(),
                )
            else:
                self.stats.retried[sdkappid] += 1


def _delivery(event: WebhookEvent, sent_at: int, reply: Reply) -> WebhookDelivery:
    """The attempt as operators see it: the answer's first ANSWER_SHOWN characters, or why there was none."""
    answer = reply.error if reply.status is None else reply.body.decode("utf-8", "replace")[:ANSWER_SHOWN]
    return WebhookDelivery(
        sdkappid=event.sdkappid,
        event_id=event.id,
        room_id=event.room_id,
        command=event.command,
        attempt=event.attempts + 1,
        sent_at=sent_at,
        status=reply.status,
        answer=answer,
    )
