"""The store for many nodes: PostgreSQL through asyncpg, on the schema the Alembic migrations make.

Write transactions run at READ COMMITTED and lock the room row whenever they read a room (``get_room`` and
``room_owner`` say ``FOR UPDATE``), so the domain's read-check-write rules (admins ≤ 5, robots ≤ 3, metadata
limits, seats) run one at a time per room across every node, and each sees what the previous one committed.
Read transactions are REPEATABLE READ and READ ONLY: one snapshot per scope, as SQLite gives, and never a
serialization failure.

``app_version()`` runs on every request, so it answers from memory; a connection LISTENs on a channel that
``bump_app_version`` NOTIFYs on commit and drops the cached value, so a change made by any process is seen on
the next request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

from liveroom import background
from liveroom.store import migrate
from liveroom.store.interface import (
    UPDATABLE_ROOM_COLUMNS,
    AccountRecord,
    AppRecord,
    ListCursor,
    RoomListing,
    RoomRecord,
    SeatRecord,
    Transaction,
)
from liveroom.store.tables import ROOM_SCOPED

log = logging.getLogger(__name__)

CHANNEL = "liveroom_app_version"
_RECONNECT_SECONDS = 1.0

_ROOM_COLUMNS = tuple(RoomRecord.__struct_fields__)
_ROOM_SELECT = ", ".join(_ROOM_COLUMNS)
_APP_SELECT = (
    "SELECT sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, rate_limits_enabled, "
    "rate_limit_overrides, ARRAY(SELECT identifier FROM app_admins d WHERE d.sdkappid = a.sdkappid) AS admins "
    "FROM apps a"
)
_GET_ROOM = f"SELECT {_ROOM_SELECT} FROM rooms WHERE sdkappid = $1 AND room_id = $2"  # noqa: S608
_ROOM_OWNER = "SELECT owner_account FROM rooms WHERE sdkappid = $1 AND room_id = $2"
_LISTING_SELECT = ", ".join(RoomListing.__struct_fields__)
_LIST_FIRST = (
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = $1 AND is_public_visible "  # noqa: S608
    "ORDER BY sort_views, sort_created, room_id LIMIT $2"
)
_LIST_AFTER = (
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = $1 AND is_public_visible "  # noqa: S608
    "AND (sort_views, sort_created, room_id) > ($2, $3, $4) "
    "ORDER BY sort_views, sort_created, room_id LIMIT $5"
)
# One round trip: the room and every row scoped to it (data-modifying CTEs all run, whatever the outer query reads).
_SCOPED_DELETES = ", ".join(
    f"d_{t.name} AS (DELETE FROM {t.name} WHERE sdkappid = $1 AND room_id = $2)"  # noqa: S608
    for t in ROOM_SCOPED
)
_DELETE_ROOM = (
    f"WITH {_SCOPED_DELETES} DELETE FROM rooms WHERE sdkappid = $1 AND room_id = $2 "  # noqa: S608
    f"RETURNING {_ROOM_SELECT}"
)
_INSERT_ROOM = (
    f"INSERT INTO rooms (sdkappid, {_ROOM_SELECT}, sort_views, sort_created) "  # noqa: S608
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_ROOM_COLUMNS) + 4))}) "
    "ON CONFLICT (sdkappid, room_id) DO NOTHING RETURNING 1"
)
_BUMP = (
    "WITH bumped AS (UPDATE app_state SET version = version + 1 WHERE id = 1 RETURNING version) "
    "SELECT pg_notify($1, version::text) FROM bumped"
)
_VERSION = "SELECT version FROM app_state WHERE id = 1"
_EXISTING_ACCOUNTS = "SELECT user_id FROM accounts WHERE sdkappid = $1 AND user_id = ANY($2::text[])"

_category_decoder = msgspec.json.Decoder(tuple[int, ...])
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

if TYPE_CHECKING:
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]


def _room(row: asyncpg.Record) -> RoomRecord:
    values = dict(row.items())
    values["category"] = _category_decoder.decode(values["category"])
    return RoomRecord(**values)


def _negated(value: int) -> int:
    """A sort key of a cursor the client sent back: any integer, clamped to bigint."""
    return max(_INT64_MIN, min(_INT64_MAX, -value))


def _cursor_id(room_id: str) -> str:
    """PostgreSQL text cannot hold NUL. No RoomId holds one, so for every stored id ``id > prefix + "\\0" + rest``
    is exactly ``id > prefix``: the comparison keeps its answer."""
    return room_id.split("\0", 1)[0]


def _room_value(name: str, value: Any) -> Any:
    if name == "category":
        return json.dumps(value, separators=(",", ":"))
    return value


class PostgresTransaction(Transaction):
    __slots__ = ("_db", "_existing_accounts", "_get_room", "_room_owner", "bumped")

    def __init__(self, db: Connection, *, write: bool) -> None:
        self._db = db
        lock = " FOR UPDATE" if write else ""
        self._get_room = _GET_ROOM + lock
        self._room_owner = _ROOM_OWNER + lock
        # A write that checked accounts exist (an owner, admins) keeps them from being deleted until it commits;
        # KEY SHARE does not stop profile updates nor other such checks.
        self._existing_accounts = _EXISTING_ACCOUNTS + (" FOR KEY SHARE" if write else "")
        self.bumped = False

    # apps -----------------------------------------------------------------------------------------------
    async def app_version(self) -> int:
        version = await self._db.fetchval(_VERSION)
        return 0 if version is None else int(version)

    async def bump_app_version(self) -> None:
        await self._db.execute(_BUMP, CHANNEL)
        self.bumped = True

    @staticmethod
    def _app(row: asyncpg.Record) -> AppRecord:
        return AppRecord(
            sdkappid=row["sdkappid"],
            secret_key=row["secret_key"],
            enabled=row["enabled"],
            created_at=row["created_at"],
            member_quota=row["member_quota"],
            seat_quota=row["seat_quota"],
            rate_limits_enabled=row["rate_limits_enabled"],
            rate_limit_overrides=json.loads(row["rate_limit_overrides"]),
            admins=frozenset(row["admins"]),
        )

    async def list_apps(self) -> list[AppRecord]:
        return [self._app(row) for row in await self._db.fetch(_APP_SELECT + " ORDER BY sdkappid")]

    async def get_app(self, sdkappid: int) -> AppRecord | None:
        row = await self._db.fetchrow(_APP_SELECT + " WHERE sdkappid = $1", sdkappid)
        return None if row is None else self._app(row)

    async def insert_app(self, app: AppRecord) -> bool:
        inserted = await self._db.fetchval(
            "INSERT INTO apps (sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, "
            "rate_limits_enabled, rate_limit_overrides) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (sdkappid) DO NOTHING RETURNING 1",
            app.sdkappid,
            app.secret_key,
            app.enabled,
            app.created_at,
            app.member_quota,
            app.seat_quota,
            app.rate_limits_enabled,
            json.dumps(app.rate_limit_overrides),
        )
        if inserted is None:
            return False
        await self.add_admins(app.sdkappid, app.admins)
        return True

    async def update_app(self, sdkappid: int, changes: Mapping[str, Any]) -> None:
        allowed = {"secret_key", "enabled", "member_quota", "seat_quota", "rate_limits_enabled"}
        values = dict(changes)
        if "rate_limit_overrides" in values:
            values["rate_limit_overrides"] = json.dumps(values["rate_limit_overrides"])
            allowed.add("rate_limit_overrides")
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not app columns: {sorted(unknown)}")
        if values:
            assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=2))
            await self._db.execute(
                f"UPDATE apps SET {assignments} WHERE sdkappid = $1",  # noqa: S608
                sdkappid,
                *values.values(),
            )

    async def add_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        await self._db.execute(
            "INSERT INTO app_admins (sdkappid, identifier) SELECT $1::bigint, unnest($2::text[]) "
            "ON CONFLICT DO NOTHING",
            sdkappid,
            sorted(set(identifiers)),
        )

    async def remove_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        await self._db.execute(
            "DELETE FROM app_admins WHERE sdkappid = $1 AND identifier = ANY($2::text[])",
            sdkappid,
            list(identifiers),
        )

    # accounts -------------------------------------------------------------------------------------------
    async def upsert_accounts(self, sdkappid: int, accounts: Sequence[AccountRecord]) -> None:
        # Rows in one order in every transaction, so two concurrent imports wait for each other, never deadlock;
        # the sort is stable, so of one id given twice the last still wins.
        ordered = sorted(accounts, key=lambda a: a.user_id.encode())
        await self._db.executemany(
            "INSERT INTO accounts (sdkappid, user_id, nick, face_url, created_at) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (sdkappid, user_id) DO UPDATE SET nick = excluded.nick, face_url = excluded.face_url",
            [(sdkappid, a.user_id, a.nick, a.face_url, a.created_at) for a in ordered],
        )

    async def existing_accounts(self, sdkappid: int, user_ids: Sequence[str]) -> set[str]:
        if not user_ids:
            return set()
        rows = await self._db.fetch(self._existing_accounts, sdkappid, list(user_ids))
        return {r[0] for r in rows}

    async def existing_profiles(self, sdkappid: int, user_ids: Sequence[str]) -> dict[str, AccountRecord]:
        if not user_ids:
            return {}
        rows = await self._db.fetch(
            "SELECT user_id, nick, face_url, created_at FROM accounts "
            "WHERE sdkappid = $1 AND user_id = ANY($2::text[])",
            sdkappid,
            list(user_ids),
        )
        return {r[0]: AccountRecord(user_id=r[0], nick=r[1], face_url=r[2], created_at=r[3]) for r in rows}

    async def delete_account(self, sdkappid: int, user_id: str) -> bool:
        deleted = await self._db.fetchval(
            "DELETE FROM accounts WHERE sdkappid = $1 AND user_id = $2 RETURNING 1", sdkappid, user_id
        )
        return deleted is not None

    # rooms ----------------------------------------------------------------------------------------------
    async def insert_room(self, sdkappid: int, room: RoomRecord) -> bool:
        values = [_room_value(name, getattr(room, name)) for name in _ROOM_COLUMNS]
        inserted = await self._db.fetchval(
            _INSERT_ROOM, sdkappid, *values, _negated(room.view_count), _negated(room.create_time)
        )
        return inserted is not None

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        row = await self._db.fetchrow(self._get_room, sdkappid, room_id)
        return None if row is None else _room(row)

    async def room_owner(self, sdkappid: int, room_id: str) -> str | None:
        owner = await self._db.fetchval(self._room_owner, sdkappid, room_id)
        return None if owner is None else str(owner)

    async def update_room(self, sdkappid: int, room_id: str, changes: Mapping[str, Any]) -> bool:
        unknown = set(changes) - UPDATABLE_ROOM_COLUMNS
        if unknown:
            raise ValueError(f"not updatable room columns: {sorted(unknown)}")
        if not changes:
            return await self.room_owner(sdkappid, room_id) is not None
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=3))
        updated = await self._db.fetchval(
            f"UPDATE rooms SET {assignments} WHERE sdkappid = $1 AND room_id = $2 RETURNING 1",  # noqa: S608
            sdkappid,
            room_id,
            *(_room_value(k, v) for k, v in changes.items()),
        )
        return updated is not None

    async def delete_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        row = await self._db.fetchrow(_DELETE_ROOM, sdkappid, room_id)
        return None if row is None else _room(row)

    async def list_public_rooms(self, sdkappid: int, after: ListCursor | None, limit: int) -> list[RoomListing]:
        if after is None:
            rows = await self._db.fetch(_LIST_FIRST, sdkappid, limit)
        else:
            rows = await self._db.fetch(
                _LIST_AFTER,
                sdkappid,
                _negated(after.view_count),
                _negated(after.create_time),
                _cursor_id(after.room_id),
                limit,
            )
        return [RoomListing(**{**dict(r.items()), "category": _category_decoder.decode(r["category"])}) for r in rows]

    # metadata -------------------------------------------------------------------------------------------
    async def get_metadata(self, sdkappid: int, room_id: str) -> dict[str, str]:
        rows = await self._db.fetch(
            "SELECT key, value FROM room_metadata WHERE sdkappid = $1 AND room_id = $2 ORDER BY key",
            sdkappid,
            room_id,
        )
        return {r[0]: r[1] for r in rows}

    async def put_metadata(self, sdkappid: int, room_id: str, items: Mapping[str, str]) -> None:
        await self._db.executemany(
            "INSERT INTO room_metadata (sdkappid, room_id, key, value) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (sdkappid, room_id, key) DO UPDATE SET value = excluded.value",
            [(sdkappid, room_id, k, v) for k, v in items.items()],
        )

    async def delete_metadata(self, sdkappid: int, room_id: str, keys: Sequence[str]) -> None:
        await self._db.execute(
            "DELETE FROM room_metadata WHERE sdkappid = $1 AND room_id = $2 AND key = ANY($3::text[])",
            sdkappid,
            room_id,
            list(keys),
        )

    # bans -----------------------------------------------------------------------------------------------
    async def is_banned(self, sdkappid: int, room_id: str, user_id: str, now: int) -> bool:
        row = await self._db.fetchval(
            "SELECT 1 FROM room_bans "
            "WHERE sdkappid = $1 AND room_id = $2 AND member_account = $3 AND banned_until > $4",
            sdkappid,
            room_id,
            user_id,
            now,
        )
        return row is not None

    async def put_bans(
        self, sdkappid: int, room_id: str, user_ids: Sequence[str], banned_until: int, reason: str
    ) -> None:
        await self._db.executemany(
            "INSERT INTO room_bans (sdkappid, room_id, member_account, banned_until, reason) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sdkappid, room_id, member_account) "
            "DO UPDATE SET banned_until = excluded.banned_until, reason = excluded.reason",
            [(sdkappid, room_id, u, banned_until, reason) for u in user_ids],
        )

    async def delete_bans(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(
            "DELETE FROM room_bans WHERE sdkappid = $1 AND room_id = $2 AND member_account = ANY($3::text[])",
            sdkappid,
            room_id,
            list(user_ids),
        )

    async def list_bans(self, sdkappid: int, room_id: str, now: int, offset: int, limit: int) -> list[tuple[str, int]]:
        rows = await self._db.fetch(
            "SELECT member_account, banned_until FROM room_bans WHERE sdkappid = $1 AND room_id = $2 "
            "AND banned_until > $3 ORDER BY member_account LIMIT $4 OFFSET $5",
            sdkappid,
            room_id,
            now,
            limit,
            offset,
        )
        return [(r[0], int(r[1])) for r in rows]

    # room admins ----------------------------------------------------------------------------------------
    async def room_admins(self, sdkappid: int, room_id: str) -> list[str]:
        rows = await self._db.fetch(
            "SELECT member_account FROM room_admins WHERE sdkappid = $1 AND room_id = $2 ORDER BY member_account",
            sdkappid,
            room_id,
        )
        return [r[0] for r in rows]

    async def add_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(
            "INSERT INTO room_admins (sdkappid, room_id, member_account) "
            "SELECT $1::bigint, $2::text, unnest($3::text[]) ON CONFLICT DO NOTHING",
            sdkappid,
            room_id,
            list(user_ids),
        )

    async def remove_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(
            "DELETE FROM room_admins WHERE sdkappid = $1 AND room_id = $2 AND member_account = ANY($3::text[])",
            sdkappid,
            room_id,
            list(user_ids),
        )

    # mutes ----------------------------------------------------------------------------------------------
    async def put_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str], muted_until: int) -> None:
        await self._db.executemany(
            "INSERT INTO room_mutes (sdkappid, room_id, member_account, muted_until) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (sdkappid, room_id, member_account) DO UPDATE SET muted_until = excluded.muted_until",
            [(sdkappid, room_id, u, muted_until) for u in user_ids],
        )

    async def delete_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(
            "DELETE FROM room_mutes WHERE sdkappid = $1 AND room_id = $2 AND member_account = ANY($3::text[])",
            sdkappid,
            room_id,
            list(user_ids),
        )

    async def list_mutes(self, sdkappid: int, room_id: str, now: int) -> list[tuple[str, int]]:
        rows = await self._db.fetch(
            "SELECT member_account, muted_until FROM room_mutes "
            "WHERE sdkappid = $1 AND room_id = $2 AND muted_until > $3 ORDER BY member_account",
            sdkappid,
            room_id,
            now,
        )
        return [(r[0], int(r[1])) for r in rows]

    async def muted_until(self, sdkappid: int, room_id: str, user_id: str, now: int) -> int | None:
        until = await self._db.fetchval(
            "SELECT muted_until FROM room_mutes "
            "WHERE sdkappid = $1 AND room_id = $2 AND member_account = $3 AND muted_until > $4",
            sdkappid,
            room_id,
            user_id,
            now,
        )
        return None if until is None else int(until)

    # room counters --------------------------------------------------------------------------------------
    async def add_view(self, sdkappid: int, room_id: str) -> int | None:
        count = await self._db.fetchval(
            "UPDATE rooms SET view_count = view_count + 1, sort_views = -(view_count + 1) "
            "WHERE sdkappid = $1 AND room_id = $2 RETURNING view_count",
            sdkappid,
            room_id,
        )
        return None if count is None else int(count)

    async def add_messages(self, sdkappid: int, room_id: str, count: int) -> None:
        await self._db.execute(
            "UPDATE rooms SET total_msg_count = total_msg_count + $3 WHERE sdkappid = $1 AND room_id = $2",
            sdkappid,
            room_id,
            count,
        )

    async def add_likes(self, sdkappid: int, room_id: str, count: int) -> None:
        await self._db.execute(
            "UPDATE rooms SET total_likes_received = total_likes_received + $3 WHERE sdkappid = $1 AND room_id = $2",
            sdkappid,
            room_id,
            count,
        )

    # seats ----------------------------------------------------------------------------------------------
    async def get_seats(self, sdkappid: int, room_id: str) -> list[SeatRecord]:
        rows = await self._db.fetch(
            "SELECT seat_index, member_account, is_taken_disabled, is_video_disabled, is_audio_disabled "
            "FROM room_seats WHERE sdkappid = $1 AND room_id = $2 ORDER BY seat_index",
            sdkappid,
            room_id,
        )
        return [
            SeatRecord(
                index=r[0],
                member_account=r[1],
                is_taken_disabled=r[2],
                is_video_disabled=r[3],
                is_audio_disabled=r[4],
            )
            for r in rows
        ]

    async def put_seats(self, sdkappid: int, room_id: str, seats: Sequence[SeatRecord]) -> None:
        await self._db.executemany(
            "INSERT INTO room_seats (sdkappid, room_id, seat_index, member_account, is_taken_disabled, "
            "is_video_disabled, is_audio_disabled) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (sdkappid, room_id, seat_index) DO UPDATE SET member_account = excluded.member_account, "
            "is_taken_disabled = excluded.is_taken_disabled, is_video_disabled = excluded.is_video_disabled, "
            "is_audio_disabled = excluded.is_audio_disabled",
            [
                (
                    sdkappid,
                    room_id,
                    s.index,
                    s.member_account,
                    s.is_taken_disabled,
                    s.is_video_disabled,
                    s.is_audio_disabled,
                )
                for s in seats
            ],
        )

    # robots ---------------------------------------------------------------------------------------------
    async def room_robots(self, sdkappid: int, room_id: str) -> list[str]:
        rows = await self._db.fetch(
            "SELECT member_account FROM room_robots WHERE sdkappid = $1 AND room_id = $2 ORDER BY member_account",
            sdkappid,
            room_id,
        )
        return [r[0] for r in rows]

    async def add_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(
            "INSERT INTO room_robots (sdkappid, room_id, member_account) "
            "SELECT $1::bigint, $2::text, unnest($3::text[]) ON CONFLICT DO NOTHING",
            sdkappid,
            room_id,
            list(user_ids),
        )

    async def remove_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(
            "DELETE FROM room_robots WHERE sdkappid = $1 AND room_id = $2 AND member_account = ANY($3::text[])",
            sdkappid,
            room_id,
            list(user_ids),
        )


class _Scope:
    """``async with`` block around one transaction on one pooled connection."""

    __slots__ = ("_begin", "_db", "_store", "_tx", "_write")

    def __init__(self, store: PostgresStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        self._begin = "BEGIN" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        self._db: Connection | None = None
        self._tx: PostgresTransaction | None = None

    async def __aenter__(self) -> Transaction:
        pool = self._store.pool
        db = await pool.acquire()
        try:
            await db.execute(self._begin)
        except BaseException:
            await pool.release(db)
            raise
        self._db = db
        self._tx = PostgresTransaction(db, write=self._write)
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        db, tx = self._db, self._tx
        assert db is not None and tx is not None
        self._db = self._tx = None
        pool = self._store.pool
        try:
            if exc_type is None:
                # A failed COMMIT has ended the transaction in PostgreSQL: nothing is left to roll back.
                await db.execute("COMMIT")
                if tx.bumped:
                    self._store.invalidate_app_version()
            else:
                try:
                    await db.execute("ROLLBACK")
                except Exception:
                    # The connection is broken; the error worth raising is the one that ended the block.
                    db.terminate()
        finally:
            await pool.release(db)


async def _keep_session(_db: object) -> None:
    """Pool release without asyncpg's reset query (a round trip per scope): no session state is ever set.

    The pool still rolls back a transaction left open before it calls this."""


class PostgresStore:
    """PostgreSQL for many nodes (``postgresql://user@host:port/db``, libpq URL parameters such as
    ``options=-csearch_path%3Dschema`` included). ``open`` migrates, under an advisory lock."""

    def __init__(
        self, url: str, *, min_connections: int = 2, max_connections: int = 10, migrate_on_open: bool = True
    ) -> None:
        self.url = url
        self._min = min_connections
        self._max = max_connections
        self._migrate = migrate_on_open
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._listener: asyncpg.Connection[asyncpg.Record] | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._next_reconnect = 0.0
        self._app_version: int | None = None
        self._generation = 0

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        assert self._pool is not None, "store is not open"
        return self._pool

    async def open(self) -> None:
        if self._migrate:
            await asyncio.to_thread(migrate.upgrade, self.url)
        self._pool = await asyncpg.create_pool(self.url, min_size=self._min, max_size=self._max, reset=_keep_session)
        try:
            await self._listen()
        except BaseException:
            await self._pool.close()
            self._pool = None
            raise

    async def close(self) -> None:
        reconnect, self._reconnect = self._reconnect, None
        await background.stop(reconnect)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.remove_termination_listener(self._listener_lost)
            await listener.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        self.invalidate_app_version()

    def read(self) -> _Scope:
        return _Scope(self, write=False)

    def write(self) -> _Scope:
        return _Scope(self, write=True)

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        # One statement is its own snapshot: one round trip instead of BEGIN, SELECT, COMMIT.
        row = await self.pool.fetchrow(_GET_ROOM, sdkappid, room_id)
        return None if row is None else _room(row)

    # app version --------------------------------------------------------------------------------------------
    async def app_version(self) -> int:
        """The apps version from memory while the listener is connected; from the database while it is not."""
        if self._listener is None:
            self._start_reconnect()
            return await self._read_app_version()
        if self._app_version is not None:
            return self._app_version
        generation = self._generation
        version = await self._read_app_version()
        # A notification that arrived during the read may be about a newer version than the one read.
        if generation == self._generation:
            self._app_version = version
        return version

    def invalidate_app_version(self) -> None:
        self._generation += 1
        self._app_version = None

    async def _read_app_version(self) -> int:
        version = await self.pool.fetchval(_VERSION)
        return 0 if version is None else int(version)

    def _notified(self, _db: object, _pid: int, _channel: str, _payload: object) -> None:
        self.invalidate_app_version()

    def _listener_lost(self, _db: object) -> None:
        log.warning("lost the PostgreSQL connection listening for app changes; reading the version per request")
        self._listener = None
        self.invalidate_app_version()

    async def _listen(self) -> None:
        listener = await asyncpg.connect(self.url)
        try:
            await listener.add_listener(CHANNEL, self._notified)
        except BaseException:
            await listener.close()
            raise
        listener.add_termination_listener(self._listener_lost)
        # Only now may a version be cached: every change committed from here on is notified.
        self.invalidate_app_version()
        self._listener = listener

    def _start_reconnect(self) -> None:
        if self._reconnect is not None or self._pool is None or time.monotonic() < self._next_reconnect:
            return
        self._next_reconnect = time.monotonic() + _RECONNECT_SECONDS
        self._reconnect = asyncio.get_running_loop().create_task(self._try_listen())

    async def _try_listen(self) -> None:
        try:
            await self._listen()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for app changes yet: %s", type(exc).__name__)
        finally:
            self._reconnect = None
