"""The apps an operator runs, and an app's secret key, shown only when asked for."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed, field
from liveroom.domain.apps import AppManager
from liveroom.store.interface import AppRecord


class AppPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in, signed_in_app = self.console.signed_in, self.console.signed_in_app
        return [
            Route("/", signed_in(self.home)),
            Route("/apps", signed_in(self.apps)),
            Route("/apps/{sdkappid}/secret-key", signed_in_app(self.secret_key)),
            Route("/apps/{sdkappid}/rotate-key", signed_in_app(self.rotate_page), methods=["GET"]),
            Route("/apps/{sdkappid}/rotate-key", signed_in_app(self.rotate_key), methods=["POST"]),
        ]

    async def home(self, _request: Request, _signed: Signed) -> Response:
        return RedirectResponse("/console/apps", status_code=303)

    async def apps(self, request: Request, signed: Signed) -> Response:
        return self.console.render(request, "apps.html", {"apps": self.console.apps.all()}, signed=signed)

    async def secret_key(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        template = "secret_key.html" if "hx-request" in request.headers else "secret_key_page.html"
        # The key is a secret: no cache keeps the page.
        response = self.console.render(request, template, {"app": app}, signed=signed)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def rotate_page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return self.console.render(request, "rotate_key.html", {"app": app}, signed=signed)

    async def rotate_key(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        """A new key at once: every UserSig made with the old one stops working (the CLI's app rotate-key)."""
        if field(signed.form, "confirm") != "on":
            context = {"app": app, "error": "Tick the box to confirm that the key is to be replaced."}
            return self.console.render(request, "rotate_key.html", context, signed=signed, status=400)
        rotated = await AppManager(self.console.services.store).rotate_key(app.sdkappid)
        await self.console.apps.sync()
        response = self.console.render(
            request, "secret_key_page.html", {"app": rotated, "rotated": True}, signed=signed
        )
        response.headers["Cache-Control"] = "no-store"
        return response
