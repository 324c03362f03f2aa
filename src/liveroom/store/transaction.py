"""The one transaction: the SQL of every store operation, written once and run by either backend's driver.

A domain operation opens one transaction (``store.read()`` or ``store.write()``), calls the operations it needs and
leaves; the transaction commits when the block exits normally and rolls back when it raises. Operations never
commit, so any set of them is atomic.

In a write transaction, reading a room locks its row (``FOR UPDATE``) and checking that accounts exist keeps them
from deletion until the end (``FOR KEY SHARE``): on PostgreSQL the domain's read-check-write rules (5 admins,
3 robots, metadata limits, seats) then run one at a time per room across every node. SQLite has one writer at a
time and ignores both. Rows that several transactions write are written in one order (sorted ids), so two of them
wait for each other instead of deadlocking.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache

import msgspec

from liveroom.store.records import (
    AccountRecord,
    AppChanges,
    AppRecord,
    ListCursor,
    RoomChanges,
    RoomListing,
    RoomRecord,
    SeatRecord,
    given_fields,
)
from liveroom.store.sql import Batch, Connection, Row, Statement
from liveroom.store.tables import ROOM_SCOPED

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_category_decoder = msgspec.json.Decoder(tuple[int, ...])
_encode_json = msgspec.json.Encoder().encode

# rooms ------------------------------------------------------------------------------------------------------

_ROOM_COLUMNS = RoomRecord.__struct_fields__
_ROOM_SELECT = ", ".join(_ROOM_COLUMNS)
_ROOM_BOOLEANS = tuple(
    _ROOM_COLUMNS.index(name)
    for name in ("is_seat_enabled", "is_message_disabled", "is_public_visible", "is_unlimited_room_enabled")
)
_ROOM_CATEGORY = _ROOM_COLUMNS.index("category")
_LISTING_SELECT = ", ".join(RoomListing.__struct_fields__)
_LISTING_CATEGORY = RoomListing.__struct_fields__.index("category")

GET_ROOM = Statement(f"SELECT {_ROOM_SELECT} FROM rooms WHERE sdkappid = ? AND room_id = ?")  # noqa: S608
_GET_ROOM_LOCKED = Statement(GET_ROOM.template + " FOR UPDATE")
_ROOM_OWNER = Statement("SELECT owner_account FROM rooms WHERE sdkappid = ? AND room_id = ?")
_ROOM_OWNER_LOCKED = Statement(_ROOM_OWNER.template + " FOR UPDATE")
_INSERT_ROOM = Statement(
    f"INSERT INTO rooms (sdkappid, {_ROOM_SELECT}, sort_views, sort_created) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(_ROOM_COLUMNS) + 3))}) ON CONFLICT (sdkappid, room_id) DO NOTHING"
)
# A page reads only the listed columns: a third of the row, and no conversion of the rest. The sort keys are the
# negated list order (ViewCount desc, CreateTime desc), so one ascending index serves the keyset paging.
_LIST_FIRST = Statement(
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = ? AND is_public_visible "  # noqa: S608
    "ORDER BY sort_views, sort_created, room_id LIMIT ?"
)
_LIST_AFTER = Statement(
    f"SELECT {_LISTING_SELECT} FROM rooms WHERE sdkappid = ? AND is_public_visible "  # noqa: S608
    "AND (sort_views, sort_created, room_id) > (?, ?, ?) "
    "ORDER BY sort_views, sort_created, room_id LIMIT ?"
)
# The room and every row scoped to it.
_DELETE_ROOM = Batch(
    *(f"DELETE FROM {table.name} WHERE sdkappid = ? AND room_id = ?" for table in ROOM_SCOPED),  # noqa: S608
    f"DELETE FROM rooms WHERE sdkappid = ? AND room_id = ? RETURNING {_ROOM_SELECT}",  # noqa: S608
)
COUNT_ROOMS = Statement("SELECT count(*) FROM rooms")
_ADD_VIEW = Statement(
    "UPDATE rooms SET view_count = view_count + 1, sort_views = -(view_count + 1) "
    "WHERE sdkappid = ? AND room_id = ? RETURNING view_count"
)
_ADD_MESSAGES = Statement("UPDATE rooms SET total_msg_count = total_msg_count + ? WHERE sdkappid = ? AND room_id = ?")
_ADD_LIKES = Statement(
    "UPDATE rooms SET total_likes_received = total_likes_received + ? WHERE sdkappid = ? AND room_id = ?"
)


def room_from_row(row: Row) -> RoomRecord:
    values = list(row)
    for i in _ROOM_BOOLEANS:  # SQLite answers 0 and 1
        values[i] = bool(values[i])
    values[_ROOM_CATEGORY] = _category_decoder.decode(values[_ROOM_CATEGORY])
    return RoomRecord(*values)


def _listing(row: Row) -> RoomListing:
    values = list(row)
    values[_LISTING_CATEGORY] = _category_decoder.decode(values[_LISTING_CATEGORY])
    return RoomListing(*values)


def _negated(value: int) -> int:
    """A sort key of a cursor the client sent back: any integer, clamped to what a 64-bit column can bind."""
    return max(_INT64_MIN, min(_INT64_MAX, -value))


def _cursor_id(room_id: str) -> str:
    """PostgreSQL text cannot hold NUL. No RoomId holds one, so for every stored id ``id > prefix + "\\0" + rest``
    is exactly ``id > prefix``: the comparison keeps its answer in both databases."""
    return room_id.split("\0", 1)[0]


@lru_cache(maxsize=256)
def _update(table: str, key: str, columns: tuple[str, ...]) -> Statement:
    """``UPDATE table SET columns WHERE key``; the names come from a changes record's fields, never from input."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    return Statement(f"UPDATE {table} SET {assignments} WHERE {key}")  # noqa: S608


# apps -------------------------------------------------------------------------------------------------------

_APP_SELECT = (
    "SELECT sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, rate_limits_enabled, "
    "rate_limit_overrides FROM apps"
)
_GET_APP = Statement(_APP_SELECT + " WHERE sdkappid = ?")
_LIST_APPS = Statement(_APP_SELECT + " ORDER BY sdkappid")
_APP_ADMINS = Statement("SELECT identifier FROM app_admins WHERE sdkappid = ?")
_ALL_APP_ADMINS = Statement("SELECT sdkappid, identifier FROM app_admins")
_INSERT_APP = Statement(
    "INSERT INTO apps (sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, rate_limits_enabled, "
    "rate_limit_overrides) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sdkappid) DO NOTHING"
)
_ADD_ADMIN = Statement("INSERT INTO app_admins (sdkappid, identifier) VALUES (?, ?) ON CONFLICT DO NOTHING")
_REMOVE_ADMINS = Statement("DELETE FROM app_admins WHERE sdkappid = ? AND identifier = ANY(?)")
APP_VERSION = Statement("SELECT version FROM app_state WHERE id = 1")
_BUMP_APP_VERSION = Statement("UPDATE app_state SET version = version + 1 WHERE id = 1 RETURNING version")


def _app(row: Row, admins: Iterable[str]) -> AppRecord:
    return AppRecord(
        sdkappid=row[0],
        secret_key=row[1],
        enabled=bool(row[2]),
        created_at=row[3],
        member_quota=row[4],
        seat_quota=row[5],
        rate_limits_enabled=bool(row[6]),
        rate_limit_overrides=json.loads(row[7]),
        admins=frozenset(admins),
    )


# accounts ---------------------------------------------------------------------------------------------------

_UPSERT_ACCOUNT = Statement(
    "INSERT INTO accounts (sdkappid, user_id, nick, face_url, created_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, user_id) DO UPDATE SET nick = excluded.nick, face_url = excluded.face_url"
)
_EXISTING_ACCOUNTS = Statement("SELECT user_id FROM accounts WHERE sdkappid = ? AND user_id = ANY(?)")
# A write that checked accounts exist (an owner, admins) keeps them from deletion until it commits; KEY SHARE
# stops neither profile updates nor other such checks.
_EXISTING_ACCOUNTS_KEPT = Statement(_EXISTING_ACCOUNTS.template + " FOR KEY SHARE")
_PROFILES = Statement(
    "SELECT user_id, nick, face_url, created_at FROM accounts WHERE sdkappid = ? AND user_id = ANY(?)"
)
_DELETE_ACCOUNT = Statement("DELETE FROM accounts WHERE sdkappid = ? AND user_id = ?")

# room-scoped rows -------------------------------------------------------------------------------------------

_METADATA = Statement("SELECT key, value FROM room_metadata WHERE sdkappid = ? AND room_id = ? ORDER BY key")
_PUT_METADATA = Statement(
    "INSERT INTO room_metadata (sdkappid, room_id, key, value) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, room_id, key) DO UPDATE SET value = excluded.value"
)
_DELETE_METADATA = Statement("DELETE FROM room_metadata WHERE sdkappid = ? AND room_id = ? AND key = ANY(?)")

_IS_BANNED = Statement(
    "SELECT 1 FROM room_bans WHERE sdkappid = ? AND room_id = ? AND member_account = ? AND banned_until > ?"
)
_PUT_BAN = Statement(
    "INSERT INTO room_bans (sdkappid, room_id, member_account, banned_until, reason) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, room_id, member_account) "
    "DO UPDATE SET banned_until = excluded.banned_until, reason = excluded.reason"
)
_DELETE_BANS = Statement("DELETE FROM room_bans WHERE sdkappid = ? AND room_id = ? AND member_account = ANY(?)")
_LIST_BANS = Statement(
    "SELECT member_account, banned_until FROM room_bans WHERE sdkappid = ? AND room_id = ? AND banned_until > ? "
    "ORDER BY member_account LIMIT ? OFFSET ?"
)

_PUT_MUTE = Statement(
    "INSERT INTO room_mutes (sdkappid, room_id, member_account, muted_until) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, room_id, member_account) DO UPDATE SET muted_until = excluded.muted_until"
)
_DELETE_MUTES = Statement("DELETE FROM room_mutes WHERE sdkappid = ? AND room_id = ? AND member_account = ANY(?)")
_LIST_MUTES = Statement(
    "SELECT member_account, muted_until FROM room_mutes WHERE sdkappid = ? AND room_id = ? AND muted_until > ? "
    "ORDER BY member_account"
)
_MUTED_UNTIL = Statement(
    "SELECT muted_until FROM room_mutes WHERE sdkappid = ? AND room_id = ? AND member_account = ? AND muted_until > ?"
)

# The columns in SeatRecord's order.
_SEATS = Statement(
    "SELECT seat_index, member_account, is_taken_disabled, is_video_disabled, is_audio_disabled "
    "FROM room_seats WHERE sdkappid = ? AND room_id = ? ORDER BY seat_index"
)
_PUT_SEAT = Statement(
    "INSERT INTO room_seats (sdkappid, room_id, seat_index, member_account, is_taken_disabled, "
    "is_video_disabled, is_audio_disabled) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sdkappid, room_id, seat_index) DO UPDATE SET member_account = excluded.member_account, "
    "is_taken_disabled = excluded.is_taken_disabled, is_video_disabled = excluded.is_video_disabled, "
    "is_audio_disabled = excluded.is_audio_disabled"
)


def _seat(row: Row) -> SeatRecord:
    index, member, taken, video, audio = row
    return SeatRecord(
        index=index,
        member_account=member,
        is_taken_disabled=bool(taken),
        is_video_disabled=bool(video),
        is_audio_disabled=bool(audio),
    )


class _MemberTable:
    """The statements of a room-scoped set of accounts (room admins, robots): list, add, remove."""

    __slots__ = ("add", "members", "remove")

    def __init__(self, table: str) -> None:
        key = "sdkappid = ? AND room_id = ?"
        self.members = Statement(f"SELECT member_account FROM {table} WHERE {key} ORDER BY member_account")  # noqa: S608
        self.add = Statement(
            f"INSERT INTO {table} (sdkappid, room_id, member_account) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"  # noqa: S608
        )
        self.remove = Statement(f"DELETE FROM {table} WHERE {key} AND member_account = ANY(?)")  # noqa: S608


_ROOM_ADMINS = _MemberTable("room_admins")
_ROOM_ROBOTS = _MemberTable("room_robots")


class Transaction:
    """Every store operation inside one transaction, on one backend's ``Connection``."""

    __slots__ = ("_db", "_existing_accounts", "_get_room", "_room_owner", "apps_changed")

    def __init__(self, db: Connection, *, write: bool) -> None:
        self._db = db
        self._get_room = _GET_ROOM_LOCKED if write else GET_ROOM
        self._room_owner = _ROOM_OWNER_LOCKED if write else _ROOM_OWNER
        self._existing_accounts = _EXISTING_ACCOUNTS_KEPT if write else _EXISTING_ACCOUNTS
        # Set by every write to the app tables: once committed, this process reads the apps again.
        self.apps_changed = False

    # apps -----------------------------------------------------------------------------------------------
    async def app_version(self) -> int:
        row = await self._db.fetchone(APP_VERSION)
        return 0 if row is None else int(row[0])

    async def bump_app_version(self) -> None:
        """Move the version every process compares to know its apps are current."""
        self.apps_changed = True
        row = await self._db.fetchone(_BUMP_APP_VERSION)
        await self._db.notify_apps_changed(0 if row is None else int(row[0]))

    async def list_apps(self) -> list[AppRecord]:
        rows = await self._db.fetchall(_LIST_APPS)
        admins: dict[int, list[str]] = {}
        for sdkappid, identifier in await self._db.fetchall(_ALL_APP_ADMINS):
            admins.setdefault(sdkappid, []).append(identifier)
        return [_app(row, admins.get(row[0], ())) for row in rows]

    async def get_app(self, sdkappid: int) -> AppRecord | None:
        row = await self._db.fetchone(_GET_APP, (sdkappid,))
        if row is None:
            return None
        return _app(row, [r[0] for r in await self._db.fetchall(_APP_ADMINS, (sdkappid,))])

    async def insert_app(self, app: AppRecord) -> bool:
        """Insert unless the SDKAppID exists; False (and nothing written) when it does."""
        self.apps_changed = True
        *columns, admins = msgspec.structs.astuple(app)  # the columns in the INSERT's order, then the admins
        columns[-1] = json.dumps(columns[-1])
        inserted = await self._db.execute(_INSERT_APP, columns)
        if not inserted:
            return False
        await self.add_admins(app.sdkappid, admins)
        return True

    async def update_app(self, sdkappid: int, changes: AppChanges) -> None:
        values = given_fields(changes)
        if not values:
            return
        self.apps_changed = True
        if "rate_limit_overrides" in values:
            values["rate_limit_overrides"] = json.dumps(values["rate_limit_overrides"])
        await self._db.execute(_update("apps", "sdkappid = ?", tuple(values)), (*values.values(), sdkappid))

    async def add_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        self.apps_changed = True
        await self._db.executemany(_ADD_ADMIN, [(sdkappid, i) for i in sorted(set(identifiers))])

    async def remove_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        self.apps_changed = True
        await self._db.execute(_REMOVE_ADMINS, (sdkappid, list(identifiers)))

    # accounts -------------------------------------------------------------------------------------------
    async def upsert_accounts(self, sdkappid: int, accounts: Sequence[AccountRecord]) -> None:
        # The sort is stable: of one id given twice, the last still wins.
        ordered = sorted(accounts, key=lambda a: a.user_id.encode())
        await self._db.executemany(
            _UPSERT_ACCOUNT, [(sdkappid, a.user_id, a.nick, a.face_url, a.created_at) for a in ordered]
        )

    async def existing_accounts(self, sdkappid: int, user_ids: Sequence[str]) -> set[str]:
        if not user_ids:
            return set()
        return {r[0] for r in await self._db.fetchall(self._existing_accounts, (sdkappid, list(user_ids)))}

    async def existing_profiles(self, sdkappid: int, user_ids: Sequence[str]) -> dict[str, AccountRecord]:
        if not user_ids:
            return {}
        rows = await self._db.fetchall(_PROFILES, (sdkappid, list(user_ids)))
        return {r[0]: AccountRecord(user_id=r[0], nick=r[1], face_url=r[2], created_at=r[3]) for r in rows}

    async def delete_account(self, sdkappid: int, user_id: str) -> bool:
        return await self._db.execute(_DELETE_ACCOUNT, (sdkappid, user_id)) == 1

    # rooms ----------------------------------------------------------------------------------------------
    async def insert_room(self, sdkappid: int, room: RoomRecord) -> bool:
        """Insert unless the RoomId exists; False (and nothing written) when it does."""
        values = list(msgspec.structs.astuple(room))
        values[_ROOM_CATEGORY] = _encode_json(room.category).decode()
        args = (sdkappid, *values, _negated(room.view_count), _negated(room.create_time))
        return await self._db.execute(_INSERT_ROOM, args) == 1

    async def get_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        row = await self._db.fetchone(self._get_room, (sdkappid, room_id))
        return None if row is None else room_from_row(row)

    async def room_owner(self, sdkappid: int, room_id: str) -> str | None:
        row = await self._db.fetchone(self._room_owner, (sdkappid, room_id))
        return None if row is None else str(row[0])

    async def update_room(self, sdkappid: int, room_id: str, changes: RoomChanges) -> bool:
        """Change the given columns; False when there is no such room."""
        values = given_fields(changes)
        if not values:
            return await self.room_owner(sdkappid, room_id) is not None
        if "category" in values:
            values["category"] = _encode_json(values["category"]).decode()
        statement = _update("rooms", "sdkappid = ? AND room_id = ?", tuple(values))
        return await self._db.execute(statement, (*values.values(), sdkappid, room_id)) == 1

    async def delete_room(self, sdkappid: int, room_id: str) -> RoomRecord | None:
        """Remove the room and every row scoped to it; answers the room as it was."""
        rows = await self._db.run_batch(_DELETE_ROOM, (sdkappid, room_id) * len(_DELETE_ROOM.widths))
        return room_from_row(rows[0]) if rows else None

    async def list_public_rooms(self, sdkappid: int, after: ListCursor | None, limit: int) -> list[RoomListing]:
        if after is None:
            rows = await self._db.fetchall(_LIST_FIRST, (sdkappid, limit))
        else:
            key = (_negated(after.view_count), _negated(after.create_time), _cursor_id(after.room_id))
            rows = await self._db.fetchall(_LIST_AFTER, (sdkappid, *key, limit))
        return [_listing(row) for row in rows]

    # room counters --------------------------------------------------------------------------------------
    async def add_view(self, sdkappid: int, room_id: str) -> int | None:
        """One more entry: ViewCount + 1 (and its list sort key); the new count, None when there is no room."""
        row = await self._db.fetchone(_ADD_VIEW, (sdkappid, room_id))
        return None if row is None else int(row[0])

    async def add_messages(self, sdkappid: int, room_id: str, count: int) -> None:
        """TotalMsgCount + ``count``."""
        await self._db.execute(_ADD_MESSAGES, (count, sdkappid, room_id))

    async def add_likes(self, sdkappid: int, room_id: str, count: int) -> None:
        """TotalLikesReceived + ``count``."""
        await self._db.execute(_ADD_LIKES, (count, sdkappid, room_id))

    # metadata -------------------------------------------------------------------------------------------
    async def get_metadata(self, sdkappid: int, room_id: str) -> dict[str, str]:
        return {r[0]: r[1] for r in await self._db.fetchall(_METADATA, (sdkappid, room_id))}

    async def put_metadata(self, sdkappid: int, room_id: str, items: dict[str, str]) -> None:
        await self._db.executemany(_PUT_METADATA, [(sdkappid, room_id, k, v) for k, v in sorted(items.items())])

    async def delete_metadata(self, sdkappid: int, room_id: str, keys: Sequence[str]) -> None:
        await self._db.execute(_DELETE_METADATA, (sdkappid, room_id, list(keys)))

    # bans -----------------------------------------------------------------------------------------------
    async def is_banned(self, sdkappid: int, room_id: str, user_id: str, now: int) -> bool:
        return await self._db.fetchone(_IS_BANNED, (sdkappid, room_id, user_id, now)) is not None

    async def put_bans(
        self, sdkappid: int, room_id: str, user_ids: Sequence[str], banned_until: int, reason: str
    ) -> None:
        await self._db.executemany(_PUT_BAN, [(sdkappid, room_id, u, banned_until, reason) for u in sorted(user_ids)])

    async def delete_bans(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(_DELETE_BANS, (sdkappid, room_id, list(user_ids)))

    async def list_bans(self, sdkappid: int, room_id: str, now: int, offset: int, limit: int) -> list[tuple[str, int]]:
        """Bans in force at ``now`` as (account, banned_until), ordered by account."""
        rows = await self._db.fetchall(_LIST_BANS, (sdkappid, room_id, now, limit, offset))
        return [(r[0], int(r[1])) for r in rows]

    # room admins ----------------------------------------------------------------------------------------
    async def room_admins(self, sdkappid: int, room_id: str) -> list[str]:
        """The room's admins, ordered by account."""
        return [r[0] for r in await self._db.fetchall(_ROOM_ADMINS.members, (sdkappid, room_id))]

    async def add_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.executemany(_ROOM_ADMINS.add, [(sdkappid, room_id, u) for u in sorted(set(user_ids))])

    async def remove_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(_ROOM_ADMINS.remove, (sdkappid, room_id, list(user_ids)))

    # mutes ----------------------------------------------------------------------------------------------
    async def put_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str], muted_until: int) -> None:
        await self._db.executemany(_PUT_MUTE, [(sdkappid, room_id, u, muted_until) for u in sorted(user_ids)])

    async def delete_mutes(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(_DELETE_MUTES, (sdkappid, room_id, list(user_ids)))

    async def list_mutes(self, sdkappid: int, room_id: str, now: int) -> list[tuple[str, int]]:
        """Mutes in force at ``now`` as (account, muted_until), ordered by account."""
        return [(r[0], int(r[1])) for r in await self._db.fetchall(_LIST_MUTES, (sdkappid, room_id, now))]

    async def muted_until(self, sdkappid: int, room_id: str, user_id: str, now: int) -> int | None:
        """When the user's mute in the room ends; None when not muted at ``now``."""
        row = await self._db.fetchone(_MUTED_UNTIL, (sdkappid, room_id, user_id, now))
        return None if row is None else int(row[0])

    # seats ----------------------------------------------------------------------------------------------
    async def get_seats(self, sdkappid: int, room_id: str) -> list[SeatRecord]:
        """The stored seats of the room (occupied or locked ones at least), by index."""
        return [_seat(row) for row in await self._db.fetchall(_SEATS, (sdkappid, room_id))]

    async def put_seats(self, sdkappid: int, room_id: str, seats: Sequence[SeatRecord]) -> None:
        """Create or overwrite these seats."""
        ordered = sorted(seats, key=lambda s: s.index)
        await self._db.executemany(_PUT_SEAT, [(sdkappid, room_id, *msgspec.structs.astuple(s)) for s in ordered])

    # robots ---------------------------------------------------------------------------------------------
    async def room_robots(self, sdkappid: int, room_id: str) -> list[str]:
        """The room's robots, ordered by account."""
        return [r[0] for r in await self._db.fetchall(_ROOM_ROBOTS.members, (sdkappid, room_id))]

    async def add_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.executemany(_ROOM_ROBOTS.add, [(sdkappid, room_id, u) for u in sorted(set(user_ids))])

    async def remove_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(_ROOM_ROBOTS.remove, (sdkappid, room_id, list(user_ids)))
