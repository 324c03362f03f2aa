"""The people of a room the admin APIs keep: bans, mutes, room admins and robots."""

from __future__ import annotations

from collections.abc import Sequence

from liveroom.store.queries import Queries
from liveroom.store.sql import Statement

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


class _AccountSet:
    """The statements of a room-scoped set of accounts (room admins, robots): list, add, remove."""

    __slots__ = ("add", "members", "remove")

    def __init__(self, table: str) -> None:
        key = "sdkappid = ? AND room_id = ?"
        self.members = Statement(f"SELECT member_account FROM {table} WHERE {key} ORDER BY member_account")  # noqa: S608
        self.add = Statement(
            f"INSERT INTO {table} (sdkappid, room_id, member_account) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"  # noqa: S608
        )
        self.remove = Statement(f"DELETE FROM {table} WHERE {key} AND member_account = ANY(?)")  # noqa: S608


_ROOM_ADMINS = _AccountSet("room_admins")
_ROOM_ROBOTS = _AccountSet("room_robots")


class MemberQueries(Queries):
    __slots__ = ()

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

    # room admins and robots -----------------------------------------------------------------------------
    async def room_admins(self, sdkappid: int, room_id: str) -> list[str]:
        """The room's admins, ordered by account."""
        return await self._accounts(_ROOM_ADMINS, sdkappid, room_id)

    async def add_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._add(_ROOM_ADMINS, sdkappid, room_id, user_ids)

    async def remove_room_admins(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(_ROOM_ADMINS.remove, (sdkappid, room_id, list(user_ids)))

    async def room_robots(self, sdkappid: int, room_id: str) -> list[str]:
        """The room's robots, ordered by account."""
        return await self._accounts(_ROOM_ROBOTS, sdkappid, room_id)

    async def add_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._add(_ROOM_ROBOTS, sdkappid, room_id, user_ids)

    async def remove_room_robots(self, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.execute(_ROOM_ROBOTS.remove, (sdkappid, room_id, list(user_ids)))

    async def _accounts(self, accounts: _AccountSet, sdkappid: int, room_id: str) -> list[str]:
        return [r[0] for r in await self._db.fetchall(accounts.members, (sdkappid, room_id))]

    async def _add(self, accounts: _AccountSet, sdkappid: int, room_id: str, user_ids: Sequence[str]) -> None:
        await self._db.executemany(accounts.add, [(sdkappid, room_id, u) for u in sorted(set(user_ids))])
