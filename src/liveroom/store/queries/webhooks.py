"""Webhooks: each app's callback configuration, the outbox of events, and the per-room queues senders claim.

A change and its event commit together (``add_webhook_event`` runs in the change's transaction). A room's events
leave in id order, one room at a time per sender: a sender claims whole rooms (``claim_webhook_rooms``) under a
lease kept in the room's queue row, so that a dead node's rooms are taken over once the lease has expired.

Per room, the queue row is the lock that orders everything. An event's writer takes it (the upsert) before the
event gets its id, so two transactions writing events of one room get ids in the order they commit; a sender that
claimed a room holds it, so no event of that room can commit meanwhile, and the room's queue row is removed only by
a sender that holds it and found no event left.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from liveroom.store.queries import Queries
from liveroom.store.records import CallbackConfig, NewWebhookEvent, WebhookDelivery, WebhookEvent, WebhookStats
from liveroom.store.sql import Row, Statement

# configuration ------------------------------------------------------------------------------------------
_CONFIG_SELECT = "SELECT sdkappid, url, commands, token, token_enabled FROM webhook_configs"
_ALL_CONFIGS = Statement(_CONFIG_SELECT)
_CONFIG = Statement(_CONFIG_SELECT + " WHERE sdkappid = ?")
_CONFIG_LOCKED = Statement(_CONFIG.template + " FOR UPDATE")
_PUT_CONFIG = Statement(
    "INSERT INTO webhook_configs (sdkappid, url, commands, token, token_enabled) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (sdkappid) DO UPDATE SET url = excluded.url, commands = excluded.commands, "
    "token = excluded.token, token_enabled = excluded.token_enabled"
)

# the outbox ---------------------------------------------------------------------------------------------
_EVENT_COLUMNS = (
    "id, sdkappid, room_id, command, fact, event_time, client_ip, platform, attempts, expires_at, dead, last_error"
)
# Takes the room's queue row (a lock, without writing it when it exists) before the event gets its id.
_QUEUE_ROOM = Statement(
    "INSERT INTO webhook_queues (sdkappid, room_id, next_attempt, lease_owner, lease_until) VALUES (?, ?, ?, ?, 0) "
    "ON CONFLICT (sdkappid, room_id) DO UPDATE SET lease_until = webhook_queues.lease_until WHERE 1 = 0"
)
_INSERT_EVENT = Statement(
    "INSERT INTO webhook_events (sdkappid, room_id, command, fact, event_time, client_ip, platform, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_CLAIM_ROOMS = Statement(
    "UPDATE webhook_queues SET lease_owner = ?, lease_until = ? WHERE (sdkappid, room_id) IN ("
    "SELECT sdkappid, room_id FROM webhook_queues WHERE next_attempt <= ? AND lease_until <= ? "
    "ORDER BY next_attempt LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING sdkappid, room_id"
)
# The first events (at most ``?``) of every room the lease names, in id order: those before the room's next one.
_CLAIMED_EVENTS = Statement(
    f"SELECT {', '.join('e.' + c for c in _EVENT_COLUMNS.split(', '))} "  # noqa: S608
    "FROM webhook_queues q JOIN webhook_events e ON e.sdkappid = q.sdkappid AND e.room_id = q.room_id "
    "WHERE q.lease_owner = ? AND NOT e.dead AND e.id < COALESCE(("
    "SELECT x.id FROM webhook_events x WHERE x.sdkappid = q.sdkappid AND x.room_id = q.room_id AND NOT x.dead "
    "ORDER BY x.id LIMIT 1 OFFSET ?), 9223372036854775807) ORDER BY e.id"
)
# Safe only in the claiming transaction: it holds the rows, and this statement sees every event committed before.
_DROP_EMPTY_ROOMS = Statement(
    "DELETE FROM webhook_queues WHERE lease_owner = ? AND NOT EXISTS (SELECT 1 FROM webhook_events e "
    "WHERE e.sdkappid = webhook_queues.sdkappid AND e.room_id = webhook_queues.room_id AND NOT e.dead)"
)
_RELEASE_ROOM = Statement(
    "UPDATE webhook_queues SET lease_owner = ?, lease_until = 0, next_attempt = ? "
    "WHERE sdkappid = ? AND room_id = ? AND lease_owner = ?"
)
_DELETE_EVENTS = Statement("DELETE FROM webhook_events WHERE id = ANY(?)")
_FAIL_EVENT = Statement("UPDATE webhook_events SET attempts = ?, last_error = ?, dead = ? WHERE id = ?")
_GET_EVENT = Statement(f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE id = ?")  # noqa: S608
_DEAD_EVENTS = Statement(
    f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE dead AND id > ? ORDER BY id LIMIT ?"  # noqa: S608
)
_DEAD_EVENTS_OF_APP = Statement(
    f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE dead AND id > ? AND sdkappid = ? "  # noqa: S608
    "ORDER BY id LIMIT ?"
)
# deliveries ---------------------------------------------------------------------------------------------
DELIVERIES_KEPT = 100
_DELIVERY_COLUMNS = "id, sdkappid, event_id, room_id, command, attempt, sent_at, status, answer"
_ADD_DELIVERY = Statement(
    "INSERT INTO webhook_deliveries (sdkappid, event_id, room_id, command, attempt, sent_at, status, answer) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# The app's deliveries older than its newest DELIVERIES_KEPT.
_PRUNE_DELIVERIES = Statement(
    "DELETE FROM webhook_deliveries WHERE sdkappid = ? AND id <= ("
    "SELECT id FROM webhook_deliveries WHERE sdkappid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)"
)
_DELIVERIES = Statement(
    f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE sdkappid = ? ORDER BY id DESC LIMIT ?"  # noqa: S608
)
_REVIVE_EVENT = Statement(
    "UPDATE webhook_events SET dead = ?, attempts = 0, expires_at = ?, last_error = ? WHERE id = ? AND dead "
    "RETURNING sdkappid, room_id"
)
_QUEUE_ROOM_NOW = Statement(
    "INSERT INTO webhook_queues (sdkappid, room_id, next_attempt, lease_owner, lease_until) VALUES (?, ?, ?, ?, 0) "
    "ON CONFLICT (sdkappid, room_id) DO UPDATE SET next_attempt = excluded.next_attempt"
)
_STATS = Statement(
    "SELECT sdkappid, sum(CASE WHEN dead THEN 0 ELSE 1 END), sum(CASE WHEN dead THEN 1 ELSE 0 END), "
    "min(CASE WHEN dead THEN NULL ELSE event_time END) FROM webhook_events GROUP BY sdkappid ORDER BY sdkappid"
)


def _config(row: Row) -> CallbackConfig:
    return CallbackConfig(url=row[1], commands=frozenset(json.loads(row[2])), token=row[3], token_enabled=bool(row[4]))


def _event(row: Row) -> WebhookEvent:
    return WebhookEvent(
        id=int(row[0]),
        sdkappid=int(row[1]),
        room_id=row[2],
        command=row[3],
        fact=bytes(row[4]),
        event_time=int(row[5]),
        client_ip=row[6],
        platform=row[7],
        attempts=int(row[8]),
        expires_at=int(row[9]),
        dead=bool(row[10]),
        last_error=row[11],
    )


class WebhookQueries(Queries):
    __slots__ = ()

    # configuration --------------------------------------------------------------------------------------
    async def callback_configs(self) -> dict[int, CallbackConfig]:
        return {int(row[0]): _config(row) for row in await self._db.fetchall(_ALL_CONFIGS)}

    async def callback_config(self, sdkappid: int) -> CallbackConfig | None:
        row = await self._db.fetchone(_CONFIG_LOCKED if self._write else _CONFIG, (sdkappid,))
        return None if row is None else _config(row)

    async def put_callback_config(self, sdkappid: int, config: CallbackConfig) -> None:
        """Store the app's whole configuration (the caller then moves the app version)."""
        self.apps_changed = True
        commands = json.dumps(sorted(config.commands))
        await self._db.execute(_PUT_CONFIG, (sdkappid, config.url, commands, config.token, config.token_enabled))

    # the outbox -----------------------------------------------------------------------------------------
    async def add_webhook_event(self, event: NewWebhookEvent, expires_at: int) -> None:
        self.outbox_written = True
        await self._db.execute(_QUEUE_ROOM, (event.sdkappid, event.room_id, event.event_time, ""))
        await self._db.execute(
            _INSERT_EVENT,
            (
                event.sdkappid,
                event.room_id,
                event.command,
                event.fact,
                event.event_time,
                event.client_ip,
                event.platform,
                expires_at,
            ),
        )

    async def claim_webhook_rooms(
        self, owner: str, now: int, lease_until: int, rooms: int, per_room: int
    ) -> list[WebhookEvent]:
        """Lease up to ``rooms`` due rooms that nobody holds to ``owner`` and answer their first ``per_room`` events
        each, in id order. Rooms found empty are dropped from the queue."""
        claimed = await self._db.fetchall(_CLAIM_ROOMS, (owner, lease_until, now, now, rooms))
        if not claimed:
            return []
        events = [_event(row) for row in await self._db.fetchall(_CLAIMED_EVENTS, (owner, per_room))]
        if len({(e.sdkappid, e.room_id) for e in events}) < len(claimed):
            await self._db.execute(_DROP_EMPTY_ROOMS, (owner,))
        return events

    async def release_webhook_room(self, sdkappid: int, room_id: str, owner: str, next_attempt: int) -> bool:
        """Give the room back, due at ``next_attempt``; False when ``owner`` no longer held it (its lease ran out)."""
        return await self._db.execute(_RELEASE_ROOM, ("", next_attempt, sdkappid, room_id, owner)) == 1

    async def delete_webhook_events(self, ids: Sequence[int]) -> None:
        if ids:
            await self._db.execute(_DELETE_EVENTS, (list(ids),))

    async def fail_webhook_event(self, event_id: int, attempts: int, last_error: str, *, dead: bool) -> None:
        await self._db.execute(_FAIL_EVENT, (attempts, last_error, dead, event_id))

    async def get_webhook_event(self, event_id: int) -> WebhookEvent | None:
        row = await self._db.fetchone(_GET_EVENT, (event_id,))
        return None if row is None else _event(row)

    async def dead_webhook_events(self, sdkappid: int | None, after_id: int, limit: int) -> list[WebhookEvent]:
        if sdkappid is None:
            rows = await self._db.fetchall(_DEAD_EVENTS, (after_id, limit))
        else:
            rows = await self._db.fetchall(_DEAD_EVENTS_OF_APP, (after_id, sdkappid, limit))
        return [_event(row) for row in rows]

    async def redeliver_webhook_event(self, event_id: int, now: int, expires_at: int) -> bool:
        """A dead event waits again, with a new retry window, and its room is due now; False when not dead."""
        row = await self._db.fetchone(_REVIVE_EVENT, (False, expires_at, "", event_id))
        if row is None:
            return False
        self.outbox_written = True
        await self._db.execute(_QUEUE_ROOM_NOW, (int(row[0]), row[1], now, ""))
        return True

    async def add_webhook_deliveries(self, deliveries: Sequence[WebhookDelivery]) -> None:
        """Keep these attempts; each app they are of keeps its newest ``DELIVERIES_KEPT`` only."""
        if not deliveries:
            return
        await self._db.executemany(
            _ADD_DELIVERY,
            [
                (d.sdkappid, d.event_id, d.room_id, d.command, d.attempt, d.sent_at, d.status, d.answer)
                for d in deliveries
            ],
        )
        for sdkappid in sorted({d.sdkappid for d in deliveries}):
            await self._db.execute(_PRUNE_DELIVERIES, (sdkappid, sdkappid, DELIVERIES_KEPT))

    async def webhook_deliveries(self, sdkappid: int, limit: int) -> list[WebhookDelivery]:
        """The app's newest attempts, the newest first."""
        return [
            WebhookDelivery(
                id=int(r[0]),
                sdkappid=int(r[1]),
                event_id=int(r[2]),
                room_id=r[3],
                command=r[4],
                attempt=int(r[5]),
                sent_at=int(r[6]),
                status=None if r[7] is None else int(r[7]),
                answer=r[8],
            )
            for r in await self._db.fetchall(_DELIVERIES, (sdkappid, limit))
        ]

    async def webhook_stats(self) -> list[WebhookStats]:
        return [
            WebhookStats(
                sdkappid=int(r[0]),
                pending=int(r[1]),
                dead=int(r[2]),
                oldest_pending=None if r[3] is None else int(r[3]),
            )
            for r in await self._db.fetchall(_STATS)
        ]
