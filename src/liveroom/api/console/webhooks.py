"""An app's webhooks: the callback configuration, the outbox (waiting, dead), redelivery and a test event.

The configuration changes are the ``v4/live_config`` commands (through ``Console.call``); the outbox is read and
redelivered, and the test event sent, by the functions ``liveroom webhooks ...`` uses.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed, field, integer
from liveroom.domain.apps import AppConfigError
from liveroom.domain.callbacks import CATALOGUE
from liveroom.errors import LiveError
from liveroom.store.interface import AppRecord
from liveroom.webhooks import operator
from liveroom.webhooks.http import Reply

CONFIG = "live_config"
DELIVERIES_SHOWN = 50
DEAD_SHOWN = 100


def _callback_body(signed: Signed) -> dict[str, Any]:
    commands = [c for c in signed.form.getlist("commands") if isinstance(c, str)]
    return {"Url": field(signed.form, "url"), "CallbackCommandList": commands}


def _token_body(signed: Signed) -> dict[str, Any]:
    """A new token where one is typed (else the one set stays), and whether callbacks are signed with it."""
    body: dict[str, Any] = {"IsTokenEnable": field(signed.form, "token_enabled") == "on"}
    if token := field(signed.form, "token"):
        body["Token"] = token
    return body


class WebhookPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in_app = self.console.signed_in_app
        return [
            Route("/apps/{sdkappid}/webhooks", signed_in_app(self.page)),
            Route("/apps/{sdkappid}/webhooks/token", signed_in_app(self.show_token), methods=["GET"]),
            Route("/apps/{sdkappid}/webhooks/{change}", signed_in_app(self.change), methods=["POST"]),
        ]

    async def page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return await self._page(request, signed, app)

    async def _page(
        self, request: Request, signed: Signed, app: AppRecord, *, error: str | None = None, test: Reply | None = None
    ) -> Response:
        store = self.console.services.store
        token_set, token_enabled = await self._token(request, app)
        status = next((s for s in await operator.status(store) if s.sdkappid == app.sdkappid), None)
        context = {
            "app": app,
            "status": status,
            "catalogue": sorted(CATALOGUE),
            "dead": await operator.list_dead(store, app.sdkappid, limit=DEAD_SHOWN),
            "deliveries": await operator.recent_deliveries(store, app.sdkappid, limit=DELIVERIES_SHOWN),
            "redelivered": request.query_params.get("redelivered", ""),
            "test": test,
            "test_command": operator.TEST_COMMAND,
            "token_set": token_set,
            "token_enabled": token_enabled,
            "token_saved": request.query_params.get("token") == "saved",
            # A refused token keeps what was typed.
            "typed_token": field(signed.form, "token")
            if error and request.path_params.get("change") == "token"
            else "",
            "error": error,
        }
        return self.console.render(request, "webhooks.html", context, signed=signed, status=400 if error else 200)

    async def change(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        url = f"/console/apps/{app.sdkappid}/webhooks"
        change = request.path_params["change"]
        try:
            if change == "test":
                _command, reply = await operator.send_test(self.console.services.store, app.sdkappid)
                return await self._page(request, signed, app, test=reply)
            if change == "redeliver":
                event_id = await self._dead_event_of(app, integer(signed.form, "event_id", "event"))
                await operator.redeliver(self.console.services.store, event_id)
                return RedirectResponse(f"{url}?redelivered={event_id}", status_code=303)
            caller = self.console.caller(app, request)
            if change == "set":
                await self.console.call(caller, CONFIG, "set_callback", _callback_body(signed))
            elif change == "update":
                await self.console.call(caller, CONFIG, "update_callback", _callback_body(signed))
            elif change == "delete":
                await self.console.call(caller, CONFIG, "delete_callback", {})
            elif change == "token":
                await self.console.call(caller, CONFIG, "set_callback_token", _token_body(signed))
                return RedirectResponse(f"{url}?token=saved", status_code=303)
            else:
                return self.console.render(
                    request, "error.html", {"error": "no such change"}, signed=signed, status=404
                )
        except LiveError as exc:
            return await self._page(request, signed, app, error=exc.info)
        except AppConfigError as exc:
            return await self._page(request, signed, app, error=str(exc))
        return RedirectResponse(url, status_code=303)

    async def _token(self, request: Request, app: AppRecord) -> tuple[bool, bool]:
        """Whether the app has a callback token, and whether callbacks are signed with it."""
        try:
            answer = await self.console.call(self.console.caller(app, request), CONFIG, "get_callback_token", {})
        except LiveError:
            return False, False
        return True, bool(answer.is_token_enable)

    async def show_token(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        """The callback token, shown only when asked for (as the app's secret key is)."""
        try:
            answer = await self.console.call(self.console.caller(app, request), CONFIG, "get_callback_token", {})
        except LiveError as exc:
            return self.console.render(request, "error.html", {"error": exc.info}, signed=signed, status=404)
        template = "callback_token.html" if "hx-request" in request.headers else "callback_token_page.html"
        response = self.console.render(request, template, {"app": app, "token": answer.token}, signed=signed)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _dead_event_of(self, app: AppRecord, event_id: int) -> int:
        """The event, when it is this app's: an operator on one app's page redelivers only that app's events."""
        event = None
        if 0 < event_id < 2**63:
            async with self.console.services.store.read() as tx:
                event = await tx.get_webhook_event(event_id)
        if event is None or event.sdkappid != app.sdkappid:
            raise AppConfigError(f"no webhook event {event_id} in app {app.sdkappid}")
        return event_id
