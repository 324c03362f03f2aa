"""Accounts (IM family): import, check and delete the UserIDs rooms and members refer to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AccountRecord, Transaction

USER_ID_MAX_BYTES = 32
NICK_MAX_BYTES = 64
FACE_URL_MAX_BYTES = 500


class AccountInput(msgspec.Struct, frozen=True):
    user_id: str
    nick: str | None = None
    face_url: str | None = None


class CheckResult(msgspec.Struct, frozen=True):
    user_id: str
    imported: bool


class DeleteResult(msgspec.Struct, frozen=True):
    user_id: str
    code: int
    info: str


def _problem(account: AccountInput) -> LiveError | None:
    if not 1 <= len(account.user_id.encode()) <= USER_ID_MAX_BYTES:
        return LiveError(ErrorCode.IM_INVALID_PARAMETER, f"UserID: must be 1-{USER_ID_MAX_BYTES} bytes")
    if account.nick is not None and len(account.nick.encode()) > NICK_MAX_BYTES:
        return LiveError(ErrorCode.PROFILE_VALUE_TOO_LONG, f"Nick: at most {NICK_MAX_BYTES} bytes")
    if account.face_url is not None and len(account.face_url.encode()) > FACE_URL_MAX_BYTES:
        return LiveError(ErrorCode.PROFILE_VALUE_TOO_LONG, f"FaceUrl: at most {FACE_URL_MAX_BYTES} bytes")
    return None


async def _upsert(tx: Transaction, sdkappid: int, accounts: Sequence[AccountInput], now: int) -> None:
    """Create or update; a profile field not given keeps its stored value."""
    existing = await tx.existing_profiles(sdkappid, [a.user_id for a in accounts])
    records = []
    for account in accounts:
        old = existing.get(account.user_id)
        records.append(
            AccountRecord(
                user_id=account.user_id,
                nick=account.nick if account.nick is not None else (old.nick if old else ""),
                face_url=account.face_url if account.face_url is not None else (old.face_url if old else ""),
                created_at=old.created_at if old else now,
            )
        )
    await tx.upsert_accounts(sdkappid, records)


async def import_account(svc: Services, caller: Caller, account: AccountInput) -> None:
    problem = _problem(account)
    if problem is not None:
        raise problem
    async with svc.store.write() as tx:
        await _upsert(tx, caller.sdkappid, [account], svc.now())


async def import_accounts(svc: Services, caller: Caller, accounts: Sequence[AccountInput]) -> list[str]:
    """Import what is valid; answer the UserIDs that were refused (FailAccounts)."""
    good: dict[str, AccountInput] = {}
    failed: list[str] = []
    for account in accounts:
        if _problem(account) is None:
            good[account.user_id] = account
        elif account.user_id not in failed:
            failed.append(account.user_id)
    if good:
        async with svc.store.write() as tx:
            await _upsert(tx, caller.sdkappid, list(good.values()), svc.now())
    return failed


async def imported(svc: Services, caller: Caller, user_ids: Iterable[str]) -> set[str]:
    """The subset of ``user_ids`` that are accounts of the app (its admins always are)."""
    ids = list(dict.fromkeys(user_ids))
    admins = caller.app.admins
    wanted = [u for u in ids if u not in admins]
    async with svc.store.read() as tx:
        found = await tx.existing_accounts(caller.sdkappid, wanted)
    return found | (set(ids) & admins)


async def require_imported(tx: Transaction, caller: Caller, user_ids: Sequence[str], field: str) -> None:
    """70107 naming the first account in ``user_ids`` that was never imported."""
    wanted = [u for u in dict.fromkeys(user_ids) if u not in caller.app.admins]
    found = await tx.existing_accounts(caller.sdkappid, wanted)
    for user_id in wanted:
        if user_id not in found:
            raise LiveError(ErrorCode.ACCOUNT_NOT_FOUND, f"{field}: account {user_id!r} is not imported")


async def check_accounts(svc: Services, caller: Caller, user_ids: Sequence[str]) -> list[CheckResult]:
    found = await imported(svc, caller, user_ids)
    return [CheckResult(user_id, user_id in found) for user_id in user_ids]


async def search_accounts(
    svc: Services, caller: Caller, prefix: str, after: str, limit: int
) -> tuple[list[AccountRecord], str]:
    """The accounts whose UserID starts with ``prefix``, ``limit`` a page by UserID, and the UserID to ask for
    the next page after ("" on the last)."""
    if len(prefix.encode()) > USER_ID_MAX_BYTES or len(after.encode()) > USER_ID_MAX_BYTES:
        raise LiveError(ErrorCode.IM_INVALID_PARAMETER, f"UserID: at most {USER_ID_MAX_BYTES} bytes")
    if "\0" in prefix + after:
        # As on the wire: PostgreSQL cannot hold NUL, so no UserID has one.
        raise LiveError(ErrorCode.IM_INVALID_PARAMETER, "UserID: must not contain NUL (U+0000)")
    async with svc.store.read() as tx:
        found = await tx.accounts_with_prefix(caller.sdkappid, prefix, after, limit + 1)
    if len(found) > limit:
        return found[:limit], found[limit - 1].user_id
    return found, ""


async def delete_accounts(svc: Services, caller: Caller, user_ids: Sequence[str]) -> list[DeleteResult]:
    results = []
    async with svc.store.write() as tx:
        for user_id in user_ids:
            if user_id in caller.app.admins:
                results.append(
                    DeleteResult(
                        user_id,
                        int(ErrorCode.IM_INVALID_PARAMETER),
                        "an admin account of the app cannot be deleted; remove it from the app's admins first",
                    )
                )
            elif await tx.delete_account(caller.sdkappid, user_id):
                results.append(DeleteResult(user_id, 0, ""))
            else:
                results.append(DeleteResult(user_id, int(ErrorCode.ACCOUNT_NOT_FOUND), "account is not imported"))
    return results
