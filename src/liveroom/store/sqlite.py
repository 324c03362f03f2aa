"""The embedded store: SQLite in WAL mode through the standard library's synchronous driver.

Each statement takes microseconds, so it runs on the event loop thread instead of hopping to a worker thread
(aiosqlite measured 100x slower per statement). One connection writes and one reads; an asyncio lock per
connection keeps one transaction block at a time on each, so a coroutine that awaits inside a block cannot let
another request see or join it. Write blocks that finish in the same turn of the event loop share one COMMIT
(``_WriteScope``), and the rooms ``SQLiteStore.get_room`` read are kept in memory while no commit can have changed
them.
"""

from __future__ import annotations

import asyncio
import json
import mmap
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

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

_ROOM_COLUMNS = tuple(RoomRecord.__struct_fields__)
_ROOM_SELECT = ", ".join(_ROOM_COLUMNS)
_APP_COLUMNS = (
    "sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, rate_limits_enabled, rate_limit_overrides"
)
_category_decoder = msgspec.json.Decoder(tuple[int, ...])
_category_encoder = msgspec.json.Encoder()
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


_BOOLEANS = tuple(
    _ROOM_COLUMNS.index(name)
    for name in ("is_seat_enabled", "is_message_disabled", "is_public_visible", "is_unlimited_room_enabled")
)
_CATEGORY = _ROOM_COLUMNS.index("category")
# Statements are module constants: sqlite3's statement cache is keyed by the SQL text, and a constant string
# hashes once.
_GET_ROOM = f"SELECT {_ROOM_SELECT} FROM rooms WHERE sdkappid = ? AND room_id = ?"  # noqa: S608
_INSERT_ROOM = (
    f"INSERT INTO rooms (sdkappid, {_ROOM_SELECT}, sort_views, sort_created) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(_ROOM_COLUMNS) + 3))}) ON CONFLICT (sdkappid, room_id) DO NOTHING"
)
# A page reads only the listed columns: a third of the row, and no conversion of the rest.
_LISTING_SELECT = ", ".join(RoomListing.__struct_fields__)
_LISTING_CATEGORY = RoomListing.__struct_fields__.index("category")
_LIST_FIRST = (
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = ? AND is_public_visible "  # noqa: S608
    "ORDER BY sort_views, sort_created, room_id LIMIT ?"
)
_LIST_AFTER = (
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = ? AND is_public_visible "  # noqa: S608
    "AND (sort_views, sort_created, room_id) > (?, ?, ?) "
    "ORDER BY sort_views, sort_created, room_id LIMIT ?"
)


_DATA_VERSION = "PRAGMA data_version"
# The WAL-index header at the start of the -shm file (https://www.sqlite.org/walformat.html, "The WAL-Index
# Header"): every commit of any connection rewrites it (iChange, mxFrame, checksums). Its first field is the
# wal-index format version, in native byte order.
_WAL_INDEX_HEADER = 48
_WAL_INDEX_VERSIONS = ((3007000).to_bytes(4, "little"), (3007000).to_bytes(4, "big"))
_APP_VERSION = "SELECT version FROM app_state WHERE id = 1"
# Rooms kept by SQLiteStore.get_room (about 1 KiB each); a full cache starts again empty.
ROOM_CACHE_SIZE = 32_768


def _room(row: tuple[Any, ...]) -> RoomRecord:
    values = list(row)
    for i in _BOOLEANS:
        values[i] = bool(values[i])
    values[_CATEGORY] = _category_decoder.decode(values[_CATEGORY])
    return RoomRecord(*values)


def _listing(row: tuple[Any, ...]) -> RoomListing:
    values = list(row)
    values[_LISTING_CATEGORY] = _category_decoder.decode(values[_LISTING_CATEGORY])
    return RoomListing(*values)


def _negated(value: int) -> int:
    """A sort key of a cursor the client sent back: any integer, clamped so SQLite can bind it."""
    return max(_INT64_MIN, min(_INT64_MAX, -value))


def _room_value(name: str, value: Any) -> Any:
    if name == "category":
        return json.dumps(value, separators=(",", ":"))
    return value


def path_of(url: str) -> str:
    """The file a ``sqlite:///PATH`` URL names (relative, or absolute as ``sqlite:////abs/path``)."""
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    if not path or path.startswith(":memory:") or path.startswith("file:"):
        raise ValueError(f"not a SQLite file URL: {url!r} (expected sqlite:///PATH; in-memory is not supported)")
    return path


class _Commits:
    """Whether any connection, in any process, may have committed to the database since the last look.

    ``stamp()`` answers a value that changes with every commit. The WAL-index header is mapped read-only: reading it
    is a memory load where ``PRAGMA data_version`` is a statement (0.07 against 3.6 µs here), and it is read on
    every request. Without a usable mapping (a header of another format) the pragma on the write connection serves,
    with this process's own commits counted apart, since they do not move it.
    """

    def __init__(self, path: str, writer: sqlite3.Connection) -> None:
        self._writer = writer
        self.own = 0
        self._header: mmap.mmap | None = None
        try:
            with open(f"{path}-shm", "rb") as shm:
                header = mmap.mmap(shm.fileno(), _WAL_INDEX_HEADER, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return
        # isInit (byte 12) is 1 once a connection has built the index. The store's own connections keep the file
        # open, so no other connection truncates or rebuilds it while the mapping is in use.
        if header[:4] in _WAL_INDEX_VERSIONS and header[12] == 1:
            self._header = header
        else:
            header.close()

    @property
    def mapped(self) -> bool:
        return self._header is not None

    def stamp(self) -> object:
        if self._header is not None:
            return self._header[:_WAL_INDEX_HEADER]
        return (self._writer.execute(_DATA_VERSION).fetchone()[0], self.own)

    def close(self) -> None:
        if self._header is not None:
            self._header.close()
            self._header = None


class SQLiteTransaction(Transaction):
    __slots__ = ("_db", "apps_changed")

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        # Set by every write to the app tables: once committed, this process reads the app version again.
        self.apps_changed = False

    # apps -----------------------------------------------------------------------------------------------
    async def app_version(self) -> int:
        row = self._db.execute(_APP_VERSION).fetchone()
        return int(row[0]) if row else 0

    async def bump_app_version(self) -> None:
        self.apps_changed = True
        self._db.execute("UPDATE app_state SET version = version + 1 WHERE id = 1")

    def _app(self, row: tuple[Any, ...]) -> AppRecord:
        admins = frozenset(
            r[0] for r in self._db.execute("SELECT identifier FROM app_admins WHERE sdkappid = ?", (row[0],))
        )
        return AppRecord(
            sdkappid=row[0],
            secret_key=row[1],
            enabled=bool(row[2]),
            created_at=row[3],
            member_quota=row[4],
            seat_quota=row[5],
            rate_limits_enabled=bool(row[6]),
            rate_limit_overrides=json.loads(row[7]),
            admins=admins,
        )

    async def list_apps(self) -> list[AppRecord]:
        rows = self._db.execute(f"SELECT {_APP_COLUMNS} FROM apps ORDER BY sdkappid").fetchall()  # noqa: S608
        return [self._app(row) for row in rows]

    async def get_app(self, sdkappid: int) -> AppRecord | None:
        row = self._db.execute(
            f"SELECT {_APP_COLUMNS} FROM apps WHERE sdkappid = ?",  # noqa: S608
            (sdkappid,),
        ).fetchone()
        return None if row is None else self._app(row)

    async def insert_app(self, app: AppRecord) -> bool:
        self.apps_changed = True
        cursor = self._db.execute(
            f"INSERT INTO apps ({_APP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
            "ON CONFLICT (sdkappid) DO NOTHING",
            (
                app.sdkappid,
                app.secret_key,
                app.enabled,
                app.created_at,
                app.member_quota,
                app.seat_quota,
                app.rate_limits_enabled,
                json.dumps(app.rate_limit_overrides),
            ),
        )
        if cursor.rowcount != 1:
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
        self.apps_changed = True
        if values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            self._db.execute(
                f"UPDATE apps SET {assignments} WHERE sdkappid = ?",  # noqa: S608
                (*values.values(), sdkappid),
            )

    async def add_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        self.apps_changed = True
        self._db.executemany(
            "INSERT INTO app_admins (sdkappid, identifier) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(sdkappid, i) for i in identifiers],
        )

    async def remove_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        self.apps_changed = True
        self._db.executemany(
            "DELETE FROM app_admins WHERE sdkappid = ? AND identifier = ?",
            [(sdkappid, i) for i in identifiers],
        )

    # accounts -------------------------------------------------------------------------------------------
    async def upsert_accounts(self, sdkappid: int, accounts: Sequence[AccountRecord]) -> None:
        self._db.executemany(
            "INSERT INTO accounts (sdkappid, user_id, nick, face_url, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (sdkappid, user_id) DO UPDATE SET nick = excluded.nick, face_url = excluded.face_url",
            [(sdkappid, a.user_id, a.nick, a.face_url, a.created_at) for a in accounts],
        )

    async def existing_accounts(self, sdkappid: int, user_ids: Sequence[str]) -> set[str]:
        if not user_ids:
            return set()
        marks = ", ".join("?" * len(user_ids))
        rows = self._db.execute(
            f"SELECT user_id FROM accounts WHERE sdkappid = ? AND user_id IN ({marks})",  # noqa: S608
            (sdkappid, *user_ids),
        )
        return {r[0] for r in rows}

    async def existing_profiles(self, sdkappid: int, user_ids: Sequence[str]) -> dict[str, AccountRecord]:
        if not user_ids:
            return {}
        marks = ", ".join("?" * len(user_ids))
        rows = self._db.execute(
            "SELECT user_id, nick, face_url, created_at FROM accounts "  # noqa: S608
            f"WHERE sdkappid = ? AND user_id IN ({marks})",
            (sdkappid, *user_ids),
        )
        return {r[0]: AccountRecord(user_id=r[0], nick=r[1], face_url=r[2], created_at=r[3]) for r in rows}

    async def delete_account(self, sdkappid: int, user_id: str) -> bool:
        cursor = self._db.execute("DELETE FROM accounts WHERE sdkappid = ? AND user_id = ?", (sdkappid, user_id))
        return cursor.rowcount == 1

    # rooms ----------------------------------------------------------------------------------------------
    async def insert_room(self, sdkappid: int, room: RoomRecord) -> bool:
        values = list(msgspec.structs.astuple(room))
        values[_CATEGORY] = _category_encoder.encode(room.category).decode()
        cursor = self._db.execute(_INSERT_ROOM, (sdkappid, *values, -room.view_count, -room.create_time))
        return cursor.rowcount == 1

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        row = self._db.execute(
            _GET_ROOM,
            (sdkappid, room_id),
        ).fetchone()
        return None if row is None else _room(row)

    async def room_owner(self, sdkappid: int, room_id: str) -> str | None:
        row = self._db.execute(
            "SELECT owner_account FROM rooms WHERE sdkappid = ? AND room_id = ?", (sdkappid, room_id)
        ).fetchone()
        return None if row is None else str(row[0])

    async def update_room(self, sdkappid: int, room_id: str, changes: Mapping[str, Any]) -> bool:
        unknown = set(changes) - UPDATABLE_ROOM_COLUMNS
        if unknown:
            raise ValueError(f"not updatable room columns: {sorted(unknown)}")
        if not changes:
            return await self.room_owner(sdkappid, room_id) is not None
        assignments = ", ".join(f"{name} = ?" for name in changes)
        cursor = self._db.execute(
            f"UPDATE rooms SET {assignments} WHERE sdkappid = ? AND room_id = ?",  # noqa: S608
            (*(_room_value(k, v) for k, v in changes.items()), sdkappid, room_id),
        )
        return cursor.rowcount == 1

    async def delete_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        room = await self.get_room(sdkappid, room_id)
        if room is None:
            return None
        self._db.execute("DELETE FROM rooms WHERE sdkappid = ? AND room_id = ?", (sdkappid, room_id))
        for table in ROOM_SCOPED:
            self._db.execute(
                f"DELETE FROM {table.name} WHERE sdkappid = ? AND room_id = ?",  # noqa: S608
                (sdkappid, room_id),
            )
        return room

    async def list_public_rooms(self, sdkappid: int, after: ListCursor | None, limit: int) -> list[RoomListing]:
        if after is None:
            rows = self._db.execute(_LIST_FIRST, (sdkappid, limit))
        else:
            rows = self._db.execute(
                _LIST_AFTER,
                (sdkappid, _negated(after.view_count), _negated(after.create_time), after.room_id, limit),
            )
        return [_listing(row) for row in rows]

    # metadata -------------------------------------------------------------------------------------------
    async def get_metadata(self, sdkappid: int, room_id: str) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT key, value FROM room_metadata WHERE sdkappid = ? AND room_id = ? ORDER BY key",
            (sdkappid, room_id),
        )
        return {k: v for k, v in rows}

    async def put_metadata(self, sdkappid: int, room_id: str, items: Mapping[str, str]) -> None:
        self._db.executemany(
            "INSERT INTO room_metadata (sdkappid, room_id, key, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sdkappid, room_id, key) DO UPDATE SET value = excluded.value",
            [(sdkappid, room_id, k, v) for k, v in items.items()],
        )

    async def delete_metadata(self, sdkappid: int, room_id: str, keys: Sequence[str]) -> None:
        self._db.executemany(
            "DELETE FROM room_metadata WHERE sdkappid = ? AND room_id = ? AND key = ?",
            [(sdkappid, room_id, k) for k in keys],
        )

    # bans -----------------------------------------------------------------------------------------------
    async def is_banned(self, sdkappid: int, room_id: str, user_id: str, now: int) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM room_bans WHERE sdkappid = ? AND room_id = ? AND member_account = ? AND banned_until > ?",
            (sdkappid, room_id, user_id, now),
        ).fetchone()
        return row is not None

    async def put_bans(
        self, sdkappid: int, room_id: str, user_ids: Sequence[str], banned_until: int, reason: str
    ) -> None:
        self._db.executemany(
            "INSERT INTO room_bans (sdkappid, room_id, member_account, banned_until, reason) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (sdkappid, room_id, member_account) "
            "DO UPDATE SET banned_until = excluded.banned_until, reason = excluded.reason",
            [(sdkappid, room_id, u, banned_until, reason) for u in user_ids],
        )

    async def delete_bans(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        self._db.executemany(
            "DELETE FROM room_bans WHERE sdkappid = ? AND room_id = ? AND member_account = ?",
            [(sdkappid, room_id, u) for u in user_ids],
        )

    async def list_bans(self, sdkappid: int, room_id: str, now: int, offset: int, limit: int) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT member_account, banned_until FROM room_bans "
            "WHERE sdkappid = ? AND room_id = ? AND banned_until > ? ORDER BY member_account LIMIT ? OFFSET ?",
            (sdkappid, room_id, now, limit, offset),
        )
        return [(r[0], int(r[1])) for r in rows]

    # room admins ----------------------------------------------------------------------------------------
    async def room_admins(self, sdkappid: int, room_id: str) -> list[str]:
        rows = self._db.execute(
            "SELECT member_account FROM room_admins WHERE sdkappid = ? AND room_id = ? ORDER BY member_account",
            (sdkappid, room_id),
        )
        return [r[0] for r in rows]

    async def add_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        self._db.executemany(
            "INSERT INTO room_admins (sdkappid, room_id, member_account) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(sdkappid, room_id, u) for u in user_ids],
        )

    async def remove_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        self._db.executemany(
            "DELETE FROM room_admins WHERE sdkappid = ? AND room_id = ? AND member_account = ?",
            [(sdkappid, room_id, u) for u in user_ids],
        )

    # mutes ----------------------------------------------------------------------------------------------
    async def put_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str], muted_until: int) -> None:
        self._db.executemany(
            "INSERT INTO room_mutes (sdkappid, room_id, member_account, muted_until) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sdkappid, room_id, member_account) DO UPDATE SET muted_until = excluded.muted_until",
            [(sdkappid, room_id, u, muted_until) for u in user_ids],
        )

    async def delete_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        self._db.executemany(
            "DELETE FROM room_mutes WHERE sdkappid = ? AND room_id = ? AND member_account = ?",
            [(sdkappid, room_id, u) for u in user_ids],
        )

    async def list_mutes(self, sdkappid: int, room_id: str, now: int) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT member_account, muted_until FROM room_mutes "
            "WHERE sdkappid = ? AND room_id = ? AND muted_until > ? ORDER BY member_account",
            (sdkappid, room_id, now),
        )
        return [(r[0], int(r[1])) for r in rows]

    async def muted_until(self, sdkappid: int, room_id: str, user_id: str, now: int) -> int | None:
        row = self._db.execute(
            "SELECT muted_until FROM room_mutes "
            "WHERE sdkappid = ? AND room_id = ? AND member_account = ? AND muted_until > ?",
            (sdkappid, room_id, user_id, now),
        ).fetchone()
        return None if row is None else int(row[0])

    # room counters --------------------------------------------------------------------------------------
    async def add_view(self, sdkappid: int, room_id: str) -> int | None:
        row = self._db.execute(
            "UPDATE rooms SET view_count = view_count + 1, sort_views = -(view_count + 1) "
            "WHERE sdkappid = ? AND room_id = ? RETURNING view_count",
            (sdkappid, room_id),
        ).fetchone()
        return None if row is None else int(row[0])

    async def add_messages(self, sdkappid: int, room_id: str, count: int) -> None:
        self._db.execute(
            "UPDATE rooms SET total_msg_count = total_msg_count + ? WHERE sdkappid = ? AND room_id = ?",
            (count, sdkappid, room_id),
        )

    async def add_likes(self, sdkappid: int, room_id: str, count: int) -> None:
        self._db.execute(
            "UPDATE rooms SET total_likes_received = total_likes_received + ? WHERE sdkappid = ? AND room_id = ?",
            (count, sdkappid, room_id),
        )

    # seats ----------------------------------------------------------------------------------------------
    async def get_seats(self, sdkappid: int, room_id: str) -> list[SeatRecord]:
        rows = self._db.execute(
            "SELECT seat_index, member_account, is_taken_disabled, is_video_disabled, is_audio_disabled "
            "FROM room_seats WHERE sdkappid = ? AND room_id = ? ORDER BY seat_index",
            (sdkappid, room_id),
        )
        return [
            SeatRecord(
                index=r[0],
                member_account=r[1],
                is_taken_disabled=bool(r[2]),
                is_video_disabled=bool(r[3]),
                is_audio_disabled=bool(r[4]),
            )
            for r in rows
        ]

    async def put_seats(self, sdkappid: int, room_id: str, seats: Sequence[SeatRecord]) -> None:
        self._db.executemany(
            "INSERT INTO room_seats (sdkappid, room_id, seat_index, member_account, is_taken_disabled, "
            "is_video_disabled, is_audio_disabled) VALUES (?, ?, ?, ?, ?, ?, ?) "
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
        rows = self._db.execute(
            "SELECT member_account FROM room_robots WHERE sdkappid = ? AND room_id = ? ORDER BY member_account",
            (sdkappid, room_id),
        )
        return [r[0] for r in rows]

    async def add_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        self._db.executemany(
            "INSERT INTO room_robots (sdkappid, room_id, member_account) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(sdkappid, room_id, u) for u in user_ids],
        )

    async def remove_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        self._db.executemany(
            "DELETE FROM room_robots WHERE sdkappid = ? AND room_id = ? AND member_account = ?",
            [(sdkappid, room_id, u) for u in user_ids],
        )


class _Scope:
    """``async with`` block around one read transaction on the read connection."""

    __slots__ = ("_db", "_lock", "_tx")

    def __init__(self, db: sqlite3.Connection, lock: asyncio.Lock) -> None:
        self._db = db
        self._lock = lock
        self._tx = SQLiteTransaction(db)

    async def __aenter__(self) -> Transaction:
        await self._lock.acquire()
        try:
            self._db.execute("BEGIN")
        except BaseException:
            self._lock.release()
            raise
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                try:
                    self._db.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT leaves the transaction open; every later BEGIN would fail on it.
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            elif self._db.in_transaction:  # some errors (SQLITE_FULL, IOERR) have rolled it back already
                self._db.execute("ROLLBACK")
        finally:
            self._lock.release()


class _WriteScope:
    """``async with`` block around one write; the blocks that finish in one turn of the event loop share a COMMIT.

    The first block opens the transaction (``BEGIN IMMEDIATE``) and every later one runs inside its own SAVEPOINT, so
    a block that raises rolls back its own writes only. A block that ends well waits for the COMMIT carrying its
    writes, scheduled for the next turn of the loop: nobody is answered before their writes are committed (and in
    WAL mode a committed write survives kill -9 of the process). A refused block waits for that COMMIT too when
    others joined the transaction before it, since what it saw may be their uncommitted writes; if the COMMIT fails,
    everyone waiting gets its error.

    The COMMIT never runs while a block is inside the transaction (that would commit half of it): a block that
    awaits other I/O inside it delays the COMMIT of those that joined before it by that long, as it already delayed
    every write after it.
    """

    __slots__ = (
        "_apps_changed",
        "_db",
        "_due",
        "_lock",
        "_nested",
        "_on_commit",
        "_open",
        "_scheduled",
        "_tx",
        "_waiters",
    )

    def __init__(self, db: sqlite3.Connection, on_commit: Callable[[bool], None]) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self._tx = SQLiteTransaction(db)
        self._on_commit = on_commit
        self._open = False  # BEGIN IMMEDIATE ran; the COMMIT has not
        self._nested = False  # the current block runs in a SAVEPOINT: it is not the first of the transaction
        self._waiters: list[asyncio.Future[None]] = []
        self._apps_changed = False
        self._scheduled = False  # a _flush is scheduled
        self._due = False  # _flush found a block inside the transaction: that block commits as it leaves

    async def __aenter__(self) -> Transaction:
        await self._lock.acquire()
        try:
            if not self._open:
                self._db.execute("BEGIN IMMEDIATE")
                self._open, self._nested = True, False
            else:
                self._db.execute("SAVEPOINT block")
                self._nested = True
        except BaseException:
            if self._open and not self._waiters and self._db.in_transaction:
                self._open = False
                self._db.execute("ROLLBACK")
            self._lock.release()
            raise
        self._tx.apps_changed = False
        return self._tx

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        waiter: asyncio.Future[None] | None = None
        try:
            if exc_type is None:
                try:
                    if self._nested:
                        self._db.execute("RELEASE block")
                except BaseException:
                    self._abandon_block()
                    raise
                self._apps_changed = self._apps_changed or self._tx.apps_changed
            else:
                self._abandon_block()
            if self._open:
                if exc_type is None or self._waiters:
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiters.append(waiter)
                    if self._due:
                        self.commit()
                    elif not self._scheduled:
                        self._scheduled = True
                        asyncio.get_running_loop().call_soon(self._flush)
                else:
                    # A refused block alone in the transaction: nothing to commit, and no reason to hold the lock.
                    self._open = False
                    self._db.execute("ROLLBACK")
        finally:
            self._lock.release()
        if waiter is not None:
            await waiter

    def _abandon_block(self) -> None:
        """Undo the current block's writes only, or fail the whole group when SQLite has ended the transaction."""
        db = self._db
        if db.in_transaction and not self._nested:
            # The first block: the transaction holds nothing else (later blocks wait for the lock).
            self._open = False
            db.execute("ROLLBACK")
            return
        if db.in_transaction:
            try:
                db.execute("ROLLBACK TO block")
                db.execute("RELEASE block")
                return
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
        # Some errors (SQLITE_FULL, IOERR) roll the whole transaction back: the blocks before this one are lost too.
        self._fail(sqlite3.OperationalError("the transaction was rolled back with a failed write in it; retry"))

    def _fail(self, error: BaseException) -> None:
        waiters, self._waiters = self._waiters, []
        self._open = self._due = self._apps_changed = False
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(error)

    def _flush(self) -> None:
        self._scheduled = False
        if not self._waiters:
            return  # committed already
        if self._lock.locked():
            self._due = True
            return
        self.commit()

    def commit(self) -> None:
        """COMMIT what the finished blocks wrote and answer them; only between blocks (the lock free or ours)."""
        if not self._open:
            return
        waiters, self._waiters = self._waiters, []
        apps_changed = self._apps_changed
        self._open = self._due = self._apps_changed = False
        try:
            self._db.execute("COMMIT")
        except Exception as error:
            # A failed COMMIT leaves the transaction open; every later BEGIN would fail on it.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            return
        self._on_commit(apps_changed)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class SQLiteStore:
    """The default store. ``synchronous=NORMAL`` in WAL mode keeps every committed write across kill -9."""

    def __init__(self, url: str, *, synchronous: str = "NORMAL", migrate_on_open: bool = True) -> None:
        self.url = url
        self.path = path_of(url)
        self._synchronous = synchronous.upper()
        self._migrate = migrate_on_open
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._read_lock = asyncio.Lock()
        self._write_scope: _WriteScope | None = None
        self._read_scope: _Scope | None = None
        self._commits: _Commits | None = None
        self._app_version: int | None = None
        # The app version read last, and the commit stamp and write connection's data_version it was valid at.
        self._app_stamp: object = None
        self._app_data_version: int | None = None
        self._rooms: dict[tuple[int, str], RoomRecord] = {}
        self._rooms_stamp: object = None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 10000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {self._synchronous}")
        return db

    async def open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if self._migrate:
            migrate.upgrade(self.url)
        self._writer = self._connect()
        self._reader = self._connect()
        # A read makes sure the WAL index exists before it is mapped.
        self._reader.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        self._commits = _Commits(self.path, self._writer)
        self._app_version = self._app_data_version = None
        self._app_stamp = self._rooms_stamp = None
        self._rooms.clear()
        self._write_scope = _WriteScope(self._writer, self._committed)
        self._read_scope = _Scope(self._reader, self._read_lock)

    async def close(self) -> None:
        scope = self._write_scope
        if scope is not None:
            # Blocks waiting for their COMMIT get it now, unless a block is still inside the transaction.
            if scope._lock.locked():
                scope._fail(sqlite3.OperationalError("the store was closed before this write was committed"))
            else:
                scope.commit()
        for db in (self._reader, self._writer):
            if db is not None:
                db.close()
        self._reader = self._writer = None
        if self._commits is not None:
            self._commits.close()
            self._commits = None
        self._rooms.clear()

    def read(self) -> _Scope:
        assert self._read_scope is not None, "store is not open"
        return self._read_scope

    def write(self) -> _WriteScope:
        assert self._write_scope is not None, "store is not open"
        return self._write_scope

    def _committed(self, apps_changed: bool) -> None:
        assert self._commits is not None
        self._commits.own += 1
        if apps_changed:
            self._app_version = None

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        # Kept rooms are valid while nothing was committed since they were read: the stamp is read before the
        # row, so a commit landing in between can only make a kept room look older than it is, never newer.
        reader, commits = self._reader, self._commits
        assert reader is not None and commits is not None, "store is not open"
        stamp = commits.stamp()
        if stamp != self._rooms_stamp:
            self._rooms.clear()
            self._rooms_stamp = stamp
        key = (sdkappid, room_id)
        room = self._rooms.get(key)
        if room is not None:
            return room
        # One statement reads one committed snapshot: no BEGIN/COMMIT and no lock. The reader connection only
        # ever reads, so if a read scope is open on it the statement joins that scope's (committed) snapshot,
        # which may be older than the stamp: such a room is answered but not kept.
        row = reader.execute(_GET_ROOM, key).fetchone()
        if row is None:
            return None
        room = _room(row)
        if reader.in_transaction:
            return room
        if len(self._rooms) >= ROOM_CACHE_SIZE:
            self._rooms.clear()
        self._rooms[key] = room
        return room

    async def app_version(self) -> int:
        """The apps version, read again only after a commit that may have changed it.

        While nothing at all was committed (the commit stamp, read on every call) it is kept. After a commit,
        another process's moves the write connection's ``data_version`` (so its change is seen before the request
        that called is served); this process's own commits do not move it and re-read the version only when they
        wrote the app tables (``SQLiteTransaction.apps_changed``).
        """
        writer, reader, commits = self._writer, self._reader, self._commits
        assert writer is not None and reader is not None and commits is not None, "store is not open"
        stamp = commits.stamp()
        if stamp == self._app_stamp and self._app_version is not None:
            return self._app_version
        data_version = writer.execute(_DATA_VERSION).fetchone()[0]
        if data_version == self._app_data_version and self._app_version is not None:
            self._app_stamp = stamp
            return self._app_version
        # Read after data_version, and from the newest snapshot: an open read scope's may be older, so then the
        # write connection answers (its open transaction, if any, is this process's own and holds off others).
        db = writer if reader.in_transaction else reader
        row = db.execute(_APP_VERSION).fetchone()
        version = int(row[0]) if row else 0
        if db is reader:
            self._app_data_version, self._app_version, self._app_stamp = data_version, version, stamp
        return version

    async def ping(self) -> None:
        assert self._reader is not None, "store is not open"
        self._reader.execute("SELECT 1").fetchone()
