"""Apps: an SDKAppID, its secret key, its admin accounts and its quotas.

Apps live in the store. A server keeps them in memory (``AppDirectory``) and reloads them the moment any
process changes one, so a key rotated or an admin removed with the CLI takes effect on the next request.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.store.interface import AppChanges, AppRecord, Store, Transaction

DEFAULT_MEMBER_QUOTA = 1000
DEFAULT_SEAT_QUOTA = 16
MAX_SEAT_QUOTA = 64
SDKAPPID_MIN = 1
SDKAPPID_MAX = 4294967295
ADMIN_ID_MAX_BYTES = 32


class AppConfigError(ValueError):
    """An app operation that cannot be done as asked (shown to the CLI user as it is)."""


class NoSuchApp(AppConfigError):
    """No app has this SDKAppID."""


def new_secret_key() -> str:
    """64 hex characters, the shape of a Tencent console key."""
    return secrets.token_hex(32)


def _check_admin_ids(identifiers: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(identifiers))
    for identifier in ids:
        size = len(identifier.encode())
        if not 1 <= size <= ADMIN_ID_MAX_BYTES:
            raise AppConfigError(f"admin account {identifier!r}: must be 1-{ADMIN_ID_MAX_BYTES} bytes")
    return ids


_T = TypeVar("_T")


def _given(value: _T | None) -> _T | UnsetType:
    return UNSET if value is None else value


@dataclass(frozen=True, slots=True)
class QuotaChange:
    member_quota: int | None = None
    seat_quota: int | None = None
    rate_limits_enabled: bool | None = None
    rate_limit_overrides: dict[str, int] | None = None
    callback_fail_open: bool | None = None
    gift_battle_scores: bool | None = None


class AppManager:
    """Operator actions on apps (the ``liveroom app`` commands). Every change moves the app version."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def store(self) -> Store:
        return self._store

    async def create(
        self,
        *,
        sdkappid: int | None = None,
        secret_key: str | None = None,
        admins: Iterable[str] = ("administrator",),
        member_quota: int = DEFAULT_MEMBER_QUOTA,
        seat_quota: int = DEFAULT_SEAT_QUOTA,
    ) -> AppRecord:
        admin_ids = _check_admin_ids(admins)
        if not admin_ids:
            raise AppConfigError("an app needs at least one admin account")
        if secret_key is not None and not 16 <= len(secret_key) <= 256:
            raise AppConfigError("secret key: must be 16-256 characters")
        _check_quota(QuotaChange(member_quota=member_quota, seat_quota=seat_quota))
        async with self._store.write() as tx:
            if sdkappid is None:
                taken = {app.sdkappid for app in await tx.list_apps()}
                sdkappid = 1400000001
                while sdkappid in taken:
                    sdkappid += 1
            elif not SDKAPPID_MIN <= sdkappid <= SDKAPPID_MAX:
                raise AppConfigError(f"SDKAppID must be {SDKAPPID_MIN}..{SDKAPPID_MAX}")
            app = AppRecord(
                sdkappid=sdkappid,
                secret_key=secret_key or new_secret_key(),
                enabled=True,
                created_at=int(time.time()),
                member_quota=member_quota,
                seat_quota=seat_quota,
                rate_limits_enabled=True,
                rate_limit_overrides={},
                admins=frozenset(admin_ids),
            )
            if not await tx.insert_app(app):
                raise AppConfigError(f"app {sdkappid} already exists")
            await tx.bump_app_version()
        return app

    async def ensure(self, *, sdkappid: int, admins: Iterable[str]) -> tuple[AppRecord, bool]:
        """The app with this SDKAppID, created (with a new key) when missing; True when it was created."""
        async with self._store.read() as tx:
            existing = await tx.get_app(sdkappid)
        if existing is not None:
            missing = set(admins) - existing.admins
            if missing:
                return await self.add_admins(sdkappid, missing), False
            return existing, False
        return await self.create(sdkappid=sdkappid, admins=admins), True

    async def list(self) -> list[AppRecord]:
        async with self._store.read() as tx:
            return await tx.list_apps()

    async def get(self, sdkappid: int) -> AppRecord:
        async with self._store.read() as tx:
            app = await tx.get_app(sdkappid)
        if app is None:
            raise NoSuchApp(f"no app {sdkappid}")
        return app

    async def add_admins(self, sdkappid: int, identifiers: Iterable[str]) -> AppRecord:
        ids = _check_admin_ids(identifiers)
        async with self._store.write() as tx:
            await self._require(tx, sdkappid)
            await tx.add_admins(sdkappid, ids)
            await tx.bump_app_version()
            app = await tx.get_app(sdkappid)
        assert app is not None
        return app

    async def remove_admins(self, sdkappid: int, identifiers: Iterable[str]) -> AppRecord:
        ids = list(identifiers)
        async with self._store.write() as tx:
            app = await self._require(tx, sdkappid)
            if not app.admins - set(ids):
                raise AppConfigError("an app needs at least one admin account; add another before removing")
            await tx.remove_admins(sdkappid, ids)
            await tx.bump_app_version()
            app = await self._require(tx, sdkappid)
        return app

    async def set_quota(self, sdkappid: int, change: QuotaChange) -> AppRecord:
        _check_quota(change)
        changes = AppChanges(
            member_quota=_given(change.member_quota),
            seat_quota=_given(change.seat_quota),
            rate_limits_enabled=_given(change.rate_limits_enabled),
            rate_limit_overrides=_given(change.rate_limit_overrides),
            callback_fail_open=_given(change.callback_fail_open),
            gift_battle_scores=_given(change.gift_battle_scores),
        )
        async with self._store.write() as tx:
            await self._require(tx, sdkappid)
            await tx.update_app(sdkappid, changes)
            await tx.bump_app_version()
            return await self._require(tx, sdkappid)

    async def rotate_key(self, sdkappid: int, secret_key: str | None = None) -> AppRecord:
        async with self._store.write() as tx:
            await self._require(tx, sdkappid)
            await tx.update_app(sdkappid, AppChanges(secret_key=secret_key or new_secret_key()))
            await tx.bump_app_version()
            return await self._require(tx, sdkappid)

    async def set_enabled(self, sdkappid: int, enabled: bool) -> AppRecord:
        async with self._store.write() as tx:
            await self._require(tx, sdkappid)
            await tx.update_app(sdkappid, AppChanges(enabled=enabled))
            await tx.bump_app_version()
            return await self._require(tx, sdkappid)

    @staticmethod
    async def _require(tx: Transaction, sdkappid: int) -> AppRecord:
        app = await tx.get_app(sdkappid)
        if app is None:
            raise NoSuchApp(f"no app {sdkappid}")
        return app


def _check_quota(change: QuotaChange) -> None:
    if change.member_quota is not None and not 1 <= change.member_quota <= 1_000_000:
        raise AppConfigError("member quota must be 1..1000000")
    if change.seat_quota is not None and not 1 <= change.seat_quota <= MAX_SEAT_QUOTA:
        raise AppConfigError(f"seat quota must be 1..{MAX_SEAT_QUOTA}")
    for command, qps in (change.rate_limit_overrides or {}).items():
        if qps <= 0:
            raise AppConfigError(f"rate limit for {command} must be positive")


AppListener = Callable[[AppRecord | None, AppRecord | None], None]


class AppDirectory:
    """The apps in memory, with their callback configurations, reloaded whenever the store's app version moves."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._apps: dict[int, AppRecord] = {}
        self._version: int | None = None
        self._listeners: list[AppListener] = []

    def on_change(self, listener: AppListener) -> None:
        """Call ``listener(old, new)`` for every app that changed on a reload (None: absent on that side)."""
        self._listeners.append(listener)

    def get(self, sdkappid: int) -> AppRecord | None:
        return self._apps.get(sdkappid)

    def all(self) -> list[AppRecord]:
        """Every app, by SDKAppID."""
        return [self._apps[sdkappid] for sdkappid in sorted(self._apps)]

    async def sync(self) -> None:
        version = await self._store.app_version()
        if version == self._version:
            return
        async with self._store.read() as tx:
            version = await tx.app_version()
            callbacks = await tx.callback_configs()
            apps = {
                app.sdkappid: msgspec.structs.replace(app, callbacks=callbacks.get(app.sdkappid))
                for app in await tx.list_apps()
            }
        old, self._apps, self._version = self._apps, apps, version
        for sdkappid in old.keys() | apps.keys():
            before, after = old.get(sdkappid), apps.get(sdkappid)
            if before != after:
                for listener in self._listeners:
                    listener(before, after)
