"""Who is calling: the authentication order of decisions.md section 3, the UserSig cache and the lock-out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from liveroom import usersig
from liveroom.domain.apps import AppDirectory
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord

_REASON_CODES = {
    usersig.UserSigError.MALFORMED: (ErrorCode.USERSIG_INVALID, "usersig: could not be decoded"),
    usersig.UserSigError.SDKAPPID_MISMATCH: (
        ErrorCode.USERSIG_SDKAPPID_MISMATCH,
        "usersig: TLS.sdkappid does not match the sdkappid parameter",
    ),
    usersig.UserSigError.IDENTIFIER_MISMATCH: (
        ErrorCode.USERSIG_IDENTIFIER_MISMATCH,
        "usersig: TLS.identifier does not match the identifier parameter",
    ),
    usersig.UserSigError.SIGNATURE_MISMATCH: (
        ErrorCode.USERSIG_SIGNATURE_MISMATCH,
        "usersig: signature check failed (was it made with this app's secret key?)",
    ),
    usersig.UserSigError.EXPIRED: (ErrorCode.USERSIG_EXPIRED, "usersig: expired; generate a new one"),
}


_PRUNE_FLOOR = 100_000


class Lockout(Protocol):
    """Failed UserSig verifications per (client address, SDKAppID); over the limit, that pair is locked out."""

    async def is_locked(self, client: str, sdkappid: int) -> bool: ...

    async def record_failure(self, client: str, sdkappid: int) -> None: ...


class FailureLockout:
    """The lock-out of one process: counts failed verifications per (client address, SDKAppID) in memory."""

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        lock_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._lock_for = lock_seconds
        self._clock = clock
        self._failures: dict[tuple[str, int], list[float]] = {}
        self._locked_until: dict[tuple[str, int], float] = {}
        self._prune_at = _PRUNE_FLOOR

    async def is_locked(self, client: str, sdkappid: int) -> bool:
        until = self._locked_until.get((client, sdkappid))
        if until is None:
            return False
        if self._clock() < until:
            return True
        del self._locked_until[(client, sdkappid)]
        return False

    async def record_failure(self, client: str, sdkappid: int) -> None:
        key = (client, sdkappid)
        now = self._clock()
        recent = [t for t in self._failures.get(key, ()) if now - t < self._window]
        recent.append(now)
        if len(recent) > self._max:
            self._locked_until[key] = now + self._lock_for
            self._failures.pop(key, None)
        else:
            self._failures[key] = recent
        if len(self._failures) + len(self._locked_until) > self._prune_at:
            self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget stale counts and expired locks; many distinct addresses must not grow memory without end."""
        for key in [k for k, times in self._failures.items() if now - times[-1] >= self._window]:
            del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
        # Doubling the threshold keeps pruning amortised O(1) when most entries are still live.
        self._prune_at = max(_PRUNE_FLOOR, 2 * (len(self._failures) + len(self._locked_until)))


class SigCache:
    """UserSigs that passed, by exact string, per app, until they expire; bounded in size."""

    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._size = 0
        self._by_app: dict[int, dict[str, tuple[str, int]]] = {}

    def get(self, sdkappid: int, sig: str) -> tuple[str, int] | None:
        entries = self._by_app.get(sdkappid)
        return None if entries is None else entries.get(sig)

    def put(self, sdkappid: int, sig: str, identifier: str, expires_at: int) -> None:
        if self._size >= self._max:
            self.clear()
        entries = self._by_app.setdefault(sdkappid, {})
        if sig not in entries:
            self._size += 1
        entries[sig] = (identifier, expires_at)

    def drop(self, sdkappid: int, sig: str) -> None:
        entries = self._by_app.get(sdkappid)
        if entries is not None and entries.pop(sig, None) is not None:
            self._size -= 1

    def clear_app(self, sdkappid: int) -> None:
        self._size -= len(self._by_app.pop(sdkappid, {}))

    def clear(self) -> None:
        self._by_app.clear()
        self._size = 0


class Authenticator:
    """Answers the app a request acts for, or raises the first failing check's ``LiveError``."""

    def __init__(
        self,
        apps: AppDirectory,
        lockout: Lockout,
        cache: SigCache,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._apps = apps
        self._lockout = lockout
        self._cache = cache
        self._now = wall_clock
        apps.on_change(self._app_changed)

    def _app_changed(self, before: AppRecord | None, after: AppRecord | None) -> None:
        app = before or after
        assert app is not None
        # Quotas and callback settings change more often than keys and admins, and leave every cached sig valid.
        if before is None or after is None or before.secret_key != after.secret_key or before.admins - after.admins:
            self._cache.clear_app(app.sdkappid)

    async def authenticate(
        self, sdkappid: int | None, identifier: str, sig: str, client: str, *, admin_required: bool = True
    ) -> AppRecord:
        """``sdkappid`` None means it was not a decimal integer (60006, as for an unknown app)."""
        await self._apps.sync()
        app = None if sdkappid is None else self._apps.get(sdkappid)
        if app is None:
            raise LiveError(ErrorCode.SDKAPPID_INVALID, "sdkappid: no such app")
        if not app.enabled:
            raise LiveError(ErrorCode.APP_DISABLED, "sdkappid: app is disabled")
        if not identifier:
            raise LiveError(ErrorCode.IDENTIFIER_MISSING, "identifier: required")
        if not sig:
            raise LiveError(ErrorCode.USERSIG_EMPTY, "usersig: required")
        if await self._lockout.is_locked(client, app.sdkappid):
            raise LiveError(
                ErrorCode.USERSIG_LOCKED_OUT,
                "usersig: too many failed verifications from this address; retry after 1 minute",
            )
        now = int(self._now())
        cached = self._cache.get(app.sdkappid, sig)
        if cached is not None and cached[0] == identifier and now <= cached[1]:
            return self._authorize(app, identifier, admin_required)
        try:
            claims = usersig.verify(sig, app.sdkappid, identifier, app.secret_key, now=now)
        except usersig.UserSigError as exc:
            await self._lockout.record_failure(client, app.sdkappid)
            if cached is not None and exc.reason == usersig.UserSigError.EXPIRED:
                self._cache.drop(app.sdkappid, sig)
            code, info = _REASON_CODES[exc.reason]
            raise LiveError(code, info) from None
        self._cache.put(app.sdkappid, sig, identifier, claims.expires_at)
        return self._authorize(app, identifier, admin_required)

    @staticmethod
    def _authorize(app: AppRecord, identifier: str, admin_required: bool) -> AppRecord:
        if admin_required and identifier not in app.admins:
            raise LiveError(ErrorCode.ADMIN_REQUIRED, "identifier: not an admin account of this app")
        return app
