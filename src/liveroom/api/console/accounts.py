"""An app's accounts: search by UserID prefix, import, delete, as the ``v4/im_open_login_svc`` commands do."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed, accounts, field
from liveroom.domain import accounts as account_rules
from liveroom.errors import InvalidParameter, LiveError
from liveroom.store.interface import AccountRecord, AppRecord

IM = "im_open_login_svc"
PAGE_SIZE = 50


class AccountPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in_app = self.console.signed_in_app
        return [
            Route("/apps/{sdkappid}/accounts", signed_in_app(self.page)),
            Route("/apps/{sdkappid}/accounts/import", signed_in_app(self.import_), methods=["POST"]),
            Route("/apps/{sdkappid}/accounts/delete", signed_in_app(self.delete), methods=["POST"]),
        ]

    async def page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return await self._page(request, signed, app)

    async def _page(self, request: Request, signed: Signed, app: AppRecord, error: str | None = None) -> Response:
        query = request.query_params.get("q", "").strip()
        after = request.query_params.get("after", "")
        found: list[AccountRecord] = []
        last = ""
        try:
            caller = self.console.caller(app, request)
            found, last = await account_rules.search_accounts(self.console.services, caller, query, after, PAGE_SIZE)
        except LiveError as exc:
            error = error or exc.info
        context = {
            "app": app,
            "accounts": found,
            "query": query,
            "first_page": not after,
            "next_url": f"?{urlencode({'q': query, 'after': last})}" if last else None,
            "imported": request.query_params.get("imported", ""),
            "deleted": request.query_params.get("deleted", ""),
            "error": error,
        }
        return self.console.render(request, "accounts.html", context, signed=signed, status=400 if error else 200)

    async def import_(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        user_ids = accounts(signed.form, "accounts")
        try:
            if not user_ids:
                raise InvalidParameter("UserIDs: type one or more, separated by spaces or commas")
            caller = self.console.caller(app, request)
            answer = await self.console.call(caller, IM, "multiaccount_import", {"Accounts": user_ids})
        except LiveError as exc:
            return await self._page(request, signed, app, error=exc.info)
        if answer.FailAccounts:
            refused = ", ".join(answer.FailAccounts)
            return await self._page(request, signed, app, error=f"Not imported (UserID: 1-32 bytes): {refused}")
        query = urlencode({"imported": len(set(user_ids))})
        return RedirectResponse(f"/console/apps/{app.sdkappid}/accounts?{query}", status_code=303)

    async def delete(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        user_id = field(signed.form, "user_id")
        try:
            caller = self.console.caller(app, request)
            answer = await self.console.call(caller, IM, "account_delete", {"DeleteItem": [{"UserID": user_id}]})
        except LiveError as exc:
            return await self._page(request, signed, app, error=exc.info)
        (result,) = answer.ResultItem
        if result.ResultCode != 0:
            return await self._page(request, signed, app, error=f"{user_id}: {result.ResultInfo}")
        query = urlencode({"deleted": user_id})
        return RedirectResponse(f"/console/apps/{app.sdkappid}/accounts?{query}", status_code=303)
