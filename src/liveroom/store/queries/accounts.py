"""Accounts: the UserIDs imported into an app."""

from __future__ import annotations

from collections.abc import Sequence

from liveroom.store.queries import Queries
from liveroom.store.records import AccountRecord
from liveroom.store.sql import Statement

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
# A prefix compared by substr, not LIKE: SQLite's LIKE ignores case and both would need the wildcards escaped.
_PROFILES_FROM_PREFIX = Statement(
    "SELECT user_id, nick, face_url, created_at FROM accounts "
    "WHERE sdkappid = ? AND substr(user_id, 1, ?) = ? AND user_id > ? ORDER BY user_id LIMIT ?"
)
_DELETE_ACCOUNT = Statement("DELETE FROM accounts WHERE sdkappid = ? AND user_id = ?")


class AccountQueries(Queries):
    __slots__ = ()

    async def upsert_accounts(self, sdkappid: int, accounts: Sequence[AccountRecord]) -> None:
        # The sort is stable: of one id given twice, the last still wins.
        ordered = sorted(accounts, key=lambda a: a.user_id.encode())
        await self._db.executemany(
            _UPSERT_ACCOUNT, [(sdkappid, a.user_id, a.nick, a.face_url, a.created_at) for a in ordered]
        )

    async def existing_accounts(self, sdkappid: int, user_ids: Sequence[str]) -> set[str]:
        if not user_ids:
            return set()
        statement = _EXISTING_ACCOUNTS_KEPT if self._write else _EXISTING_ACCOUNTS
        return {r[0] for r in await self._db.fetchall(statement, (sdkappid, list(user_ids)))}

    async def existing_profiles(self, sdkappid: int, user_ids: Sequence[str]) -> dict[str, AccountRecord]:
        if not user_ids:
            return {}
        rows = await self._db.fetchall(_PROFILES, (sdkappid, list(user_ids)))
        return {r[0]: AccountRecord(user_id=r[0], nick=r[1], face_url=r[2], created_at=r[3]) for r in rows}

    async def accounts_with_prefix(self, sdkappid: int, prefix: str, after: str, limit: int) -> list[AccountRecord]:
        """The app's accounts whose UserID starts with ``prefix``, by UserID, from the first after ``after``."""
        rows = await self._db.fetchall(_PROFILES_FROM_PREFIX, (sdkappid, len(prefix), prefix, after, limit))
        return [AccountRecord(user_id=r[0], nick=r[1], face_url=r[2], created_at=r[3]) for r in rows]

    async def delete_account(self, sdkappid: int, user_id: str) -> bool:
        return await self._db.execute(_DELETE_ACCOUNT, (sdkappid, user_id)) == 1
