"""The apps an operator runs, and an app's secret key, shown only when asked for."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed, field
from liveroom.domain.apps import AppManager
from liveroom.errors import LiveError


class AppPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in = self.console.signed_in
        return [
            Route("/", signed_in(self.home)),
            Route("/apps", signed_in(self.apps)),
            Route("/apps/{sdkappid}/secret-key", signed_in(self.secret_key)),
            Route("/apps/{sdkappid}/rotate-key", signed_in(self.rotate_page), methods=["GET"]),
            Route("/apps/{sdkappid}/rotate-key", signed_in(self.rotate_key), methods=["POST"]),
        ]

    async def home(self, _request: Request, _signed: Signed) -> Response:
        return RedirectResponse("/console/apps", status_code=303)

    async def apps(self, request: Request, signed: Signed) -> Response:
        return self.console.render(request, "apps.html", {"apps": self.console.apps.all()}, signed=signed)

    async def secret_key(self, request: Request, signed: Signed) -> Response:
        try:
            app = self.console.app(request)
        except LiveError as exc:
            return self.console.render(request, "error.html", {"error": exc.info}, signed=signed, status=404)
        template = "secret_key.html" if "hx-request" in request.headers else "secret_key_page.html"
        # The key is a secret: no cache keeps the page.
        response = self.console.render(request, template, {"app": app}, signed=signed)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def rotate_page(self, request: Request, signed: Signed) -> Response:
        try:
            app = self.console.app(request)
        except LiveError as exc:
            return self.console.render(request, "error.html", {"error": exc.info}, signed=signed, status=404)
        return self.console.render(request, "rotate_key.html", {"app": app}, signed=signed)

    async def rotate_key(self, request: Request, signed: Signed) -> Response:
        """A new key at once: every UserSig made with the old one stops working (the CLI's app rotate-key)."""
        try:
            app = self.console.app(request)
        except LiveError as exc:
            return self.console.render(request, "error.html", {"error": exc.info}, signed=signed, status=404)
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
