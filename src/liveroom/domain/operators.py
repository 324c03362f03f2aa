"""Operators of the web console: their accounts (``liveroom operator ...``), sign-in and sessions.

A password is kept as an argon2id hash (argon2-cffi). A session id lives only in the operator's cookie; the store
keeps its SHA-256, so reading the database signs no one in. Sign-in attempts are counted per client address and
per operator name (the ``limits`` package, in this process's memory) whether they succeed or not, so guessing is
slow even for someone spreading guesses over many names or many addresses.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from liveroom.domain.apps import AppConfigError
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import OperatorRecord, OperatorSession, Store

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,31}")
PASSWORD_MIN = 8
# argon2 hashes any length, but a megabyte-long "password" should not cost a hash.
PASSWORD_MAX_BYTES = 1024
SESSION_SECONDS = 12 * 3600
DEV_OPERATOR = "dev"
ATTEMPTS_PER_ADDRESS = RateLimitItemPerMinute(20)
ATTEMPTS_PER_NAME = RateLimitItemPerMinute(10)

_hasher = PasswordHasher()


@functools.cache
def _unknown_hash() -> str:
    """Verified when the name is unknown, so that the answer takes as long as for a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(16))


class NoSuchOperator(AppConfigError):
    """No operator has this name."""


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise AppConfigError(
            f"operator name {name!r}: 1-32 characters of A-Z a-z 0-9 _ . @ -, starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise AppConfigError(f"password: at least {PASSWORD_MIN} characters")
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        raise AppConfigError(f"password: at most {PASSWORD_MAX_BYTES} bytes")
    return password


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def add_operator(store: Store, name: str, password: str, now: int | None = None) -> OperatorRecord:
    check_name(name)
    password_hash = await anyio.to_thread.run_sync(_hasher.hash, check_password(password))
    operator = OperatorRecord(name=name, password_hash=password_hash, created_at=now or int(time.time()))
    async with store.write() as tx:
        if not await tx.add_operator(operator):
            raise AppConfigError(f"operator {name!r} exists already (liveroom operator remove {name} first)")
    return operator


async def list_operators(store: Store) -> list[OperatorRecord]:
    async with store.read() as tx:
        return await tx.list_operators()


async def remove_operator(store: Store, name: str) -> None:
    async with store.write() as tx:
        if not await tx.delete_operator(name):
            raise NoSuchOperator(f"no operator {name!r}")


async def ensure_dev_operator(store: Store) -> str | None:
    """Create the development operator with a new random password, answered; None when it exists already (its
    password was printed when it was made)."""
    password = secrets.token_urlsafe(12)
    try:
        await add_operator(store, DEV_OPERATOR, password)
    except AppConfigError:
        return None
    return password


class Sessions:
    """Sign-in, the sessions it opens, and sign-out, for one process."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def sign_in(self, name: str, password: str, address: str) -> tuple[str, OperatorSession] | None:
        """A new session id and its session, or None for a wrong name or password. Over the attempts allowed for
        this address or this name, LiveError 60007 without checking the password."""
        by_address = await self._limiter.hit(ATTEMPTS_PER_ADDRESS, "address", address)
        by_name = await self._limiter.hit(ATTEMPTS_PER_NAME, "name", name)
        if not (by_address and by_name):
            raise LiveError(ErrorCode.RATE_LIMITED, "too many sign-in attempts: wait a minute and try again")
        async with self._store.read() as tx:
            operator = await tx.get_operator(name) if NAME.fullmatch(name) else None
        if len(password.encode()) > PASSWORD_MAX_BYTES:
            return None
        stored = operator.password_hash if operator else None
        if not await anyio.to_thread.run_sync(_verified, stored, password) or operator is None:
            return None
        now = int(self._clock())
        session_id = secrets.token_urlsafe(32)
        session = OperatorSession(
            operator=operator.name, csrf_token=secrets.token_urlsafe(32), expires_at=now + SESSION_SECONDS
        )
        async with self._store.write() as tx:
            await tx.delete_expired_operator_sessions(now)
            await tx.add_operator_session(_id_hash(session_id), session, now)
            if _hasher.check_needs_rehash(operator.password_hash):
                await tx.set_operator_password(operator.name, _hasher.hash(password))
        return session_id, session

    async def session(self, session_id: str) -> OperatorSession | None:
        """The session this id opened, while it lasts and its operator is there."""
        if not session_id:
            return None
        async with self._store.read() as tx:
            return await tx.get_operator_session(_id_hash(session_id), int(self._clock()))

    async def sign_out(self, session_id: str) -> None:
        async with self._store.write() as tx:
            await tx.delete_operator_session(_id_hash(session_id))


def csrf_matches(session: OperatorSession, token: str) -> bool:
    return hmac.compare_digest(session.csrf_token.encode(), token.encode())


def _verified(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; for no hash (an unknown name), False after as long as a real check."""
    try:
        return _hasher.verify(password_hash or _unknown_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
