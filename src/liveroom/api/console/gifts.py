"""An app's gift catalogue: categories and gifts with their prices and names per language, and the default
configuration copied in (``copy_default_gift_config``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed
from liveroom.domain import gift_catalog
from liveroom.errors import LiveError
from liveroom.store.interface import AppRecord

LIVE = "live_engine_http_srv"


class GiftPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in_app = self.console.signed_in_app
        return [
            Route("/apps/{sdkappid}/gifts", signed_in_app(self.page)),
            Route("/apps/{sdkappid}/gifts/copy-default", signed_in_app(self.copy_default), methods=["POST"]),
        ]

    async def page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return await self._page(request, signed, app)

    async def _page(self, request: Request, signed: Signed, app: AppRecord, error: str | None = None) -> Response:
        catalog = gift_catalog.Catalog([], [])
        try:
            catalog = await gift_catalog.catalog(self.console.services, self.console.caller(app, request), "")
        except LiveError as exc:
            error = error or exc.info
        names = {listed.gift.gift_id: listed.name for listed in catalog.gifts}
        context = {
            "app": app,
            "catalog": catalog,
            "gift_names": names,
            "copied": request.query_params.get("copied") == "1",
            "error": error,
        }
        return self.console.render(request, "gifts.html", context, signed=signed, status=400 if error else 200)

    async def copy_default(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        try:
            await self.console.call(self.console.caller(app, request), LIVE, "copy_default_gift_config", {})
        except LiveError as exc:
            return await self._page(request, signed, app, error=exc.info)
        return RedirectResponse(f"/console/apps/{app.sdkappid}/gifts?copied=1", status_code=303)
