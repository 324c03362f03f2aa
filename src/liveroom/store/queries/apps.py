"""Apps, their admin accounts and the version every process compares to know its apps are current."""

from __future__ import annotations

import json
from collections.abc import Iterable

from liveroom.store.queries import Queries
from liveroom.store.records import AppChanges, AppRecord, given_fields
from liveroom.store.sql import Row, Statement, update_statement

# The columns in AppRecord's order (its admins apart).
_APP_SELECT = (
    "SELECT sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, rate_limits_enabled, "
    "rate_limit_overrides, callback_fail_open, gift_battle_scores FROM apps"
)
_GET_APP = Statement(_APP_SELECT + " WHERE sdkappid = ?")
_LIST_APPS = Statement(_APP_SELECT + " ORDER BY sdkappid")
_APP_ADMINS = Statement("SELECT identifier FROM app_admins WHERE sdkappid = ?")
_ALL_APP_ADMINS = Statement("SELECT sdkappid, identifier FROM app_admins")
_INSERT_APP = Statement(
    "INSERT INTO apps (sdkappid, secret_key, enabled, created_at, member_quota, seat_quota, rate_limits_enabled, "
    "rate_limit_overrides, callback_fail_open, gift_battle_scores) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sdkappid) DO NOTHING"
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
        callback_fail_open=bool(row[8]),
        gift_battle_scores=bool(row[9]),
    )


class AppQueries(Queries):
    __slots__ = ()

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
        columns = [
            app.sdkappid,
            app.secret_key,
            app.enabled,
            app.created_at,
            app.member_quota,
            app.seat_quota,
            app.rate_limits_enabled,
            json.dumps(app.rate_limit_overrides),
            app.callback_fail_open,
            app.gift_battle_scores,
        ]
        if not await self._db.execute(_INSERT_APP, columns):
            return False
        await self.add_admins(app.sdkappid, app.admins)
        return True

    async def update_app(self, sdkappid: int, changes: AppChanges) -> None:
        values = given_fields(changes)
        if not values:
            return
        self.apps_changed = True
        if "rate_limit_overrides" in values:
            values["rate_limit_overrides"] = json.dumps(values["rate_limit_overrides"])
        statement = update_statement("apps", "sdkappid = ?", tuple(values))
        await self._db.execute(statement, (*values.values(), sdkappid))

    async def add_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        self.apps_changed = True
        await self._db.executemany(_ADD_ADMIN, [(sdkappid, i) for i in sorted(set(identifiers))])

    async def remove_admins(self, sdkappid: int, identifiers: Iterable[str]) -> None:
        self.apps_changed = True
        await self._db.execute(_REMOVE_ADMINS, (sdkappid, list(identifiers)))
