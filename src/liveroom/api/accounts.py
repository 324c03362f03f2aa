"""Accounts, ``v4/im_open_login_svc``: the IM family (results at the top level, invalid parameter 70402)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from liveroom.api.registry import Family, command
from liveroom.api.wire import AccountId, account
from liveroom.domain import accounts
from liveroom.domain.accounts import AccountInput
from liveroom.domain.context import Caller, Services
from liveroom.domain.ratelimit import Rate
from liveroom.errors import ErrorCode, InvalidParameter

SERVICE = "im_open_login_svc"
BATCH_MAX = 100

# Batch items are typed only: an item over a limit is reported per item, not by failing the whole call.
LooseAccountId = Annotated[str, msgspec.Meta(extra={"account": True}, description="account id, 1-32 bytes")]


class ImportAccountRequest(msgspec.Struct, kw_only=True):
    UserID: AccountId
    Nick: str | UnsetType = UNSET
    FaceUrl: str | UnsetType = UNSET


def _input(user_id: str, nick: str | UnsetType, face_url: str | UnsetType) -> AccountInput:
    return AccountInput(
        user_id=user_id,
        nick=None if nick is UNSET else nick,
        face_url=None if face_url is UNSET else face_url,
    )


@command(
    SERVICE,
    "account_import",
    request=ImportAccountRequest,
    family=Family.IM,
    errors=(ErrorCode.PROFILE_VALUE_TOO_LONG,),
)
async def account_import(svc: Services, caller: Caller, req: ImportAccountRequest) -> None:
    """Create an account, or update its nickname and avatar (idempotent)."""
    await accounts.import_account(svc, caller, _input(req.UserID, req.Nick, req.FaceUrl))


class AccountItem(msgspec.Struct, kw_only=True):
    UserID: LooseAccountId
    Nick: str | UnsetType = UNSET
    FaceUrl: str | UnsetType = UNSET


class MultiImportRequest(msgspec.Struct, kw_only=True):
    AccountList: Annotated[list[AccountItem], Meta(max_length=BATCH_MAX)] | UnsetType = UNSET
    Accounts: Annotated[list[LooseAccountId], Meta(max_length=BATCH_MAX)] | UnsetType = UNSET


class MultiImportResponse(msgspec.Struct):
    FailAccounts: list[str]


@command(
    SERVICE,
    "multiaccount_import",
    request=MultiImportRequest,
    response=MultiImportResponse,
    family=Family.IM,
    rate=Rate(100),
)
async def multiaccount_import(svc: Services, caller: Caller, req: MultiImportRequest) -> MultiImportResponse:
    """Import up to 100 accounts (``AccountList``, or the legacy ``Accounts`` list of ids)."""
    items = [_input(a.UserID, a.Nick, a.FaceUrl) for a in req.AccountList or ()]
    items += [AccountInput(user_id=u) for u in req.Accounts or ()]
    if req.AccountList is UNSET and req.Accounts is UNSET:
        raise InvalidParameter("AccountList: required (or the legacy Accounts)")
    if len(items) > BATCH_MAX:
        raise InvalidParameter(f"AccountList: at most {BATCH_MAX} accounts in one call")
    return MultiImportResponse(await accounts.import_accounts(svc, caller, items))


class UserRef(msgspec.Struct):
    UserID: Annotated[str, account()]


class CheckRequest(msgspec.Struct):
    CheckItem: Annotated[list[UserRef], Meta(min_length=1, max_length=BATCH_MAX)]


class CheckResult(msgspec.Struct):
    UserID: str
    ResultCode: int
    ResultInfo: str
    AccountStatus: str


class CheckResponse(msgspec.Struct):
    ResultItem: list[CheckResult]


@command(
    SERVICE,
    "account_check",
    request=CheckRequest,
    response=CheckResponse,
    family=Family.IM,
    rate=Rate(100),
)
async def account_check(svc: Services, caller: Caller, req: CheckRequest) -> CheckResponse:
    """Tell which of up to 100 UserIDs are imported."""
    results = await accounts.check_accounts(svc, caller, [item.UserID for item in req.CheckItem])
    return CheckResponse([CheckResult(r.user_id, 0, "", "Imported" if r.imported else "NotImported") for r in results])


class DeleteRequest(msgspec.Struct):
    DeleteItem: Annotated[list[UserRef], Meta(min_length=1, max_length=BATCH_MAX)]


class DeleteResult(msgspec.Struct):
    ResultCode: int
    ResultInfo: str
    UserID: str


class DeleteResponse(msgspec.Struct):
    ResultItem: list[DeleteResult]


@command(
    SERVICE,
    "account_delete",
    request=DeleteRequest,
    response=DeleteResponse,
    family=Family.IM,
    rate=Rate(100),
    errors=(ErrorCode.ACCOUNT_NOT_FOUND,),
)
async def account_delete(svc: Services, caller: Caller, req: DeleteRequest) -> DeleteResponse:
    """Delete up to 100 accounts; each item answers its own ``ResultCode``."""
    results = await accounts.delete_accounts(svc, caller, [item.UserID for item in req.DeleteItem])
    return DeleteResponse([DeleteResult(r.code, r.info, r.user_id) for r in results])
