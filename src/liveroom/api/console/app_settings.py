"""Creating an app, and an app's settings: quotas, rate limits, callback and gift options, admins, on or off.

The changes are ``AppManager``'s, as the ``liveroom app`` commands make them (the same checks, the app version moved
so every node sees them at once); a refused change shows the page again with the rule it broke and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed, accounts, field, integer
from liveroom.domain.apps import AppConfigError, AppManager, QuotaChange
from liveroom.errors import InvalidParameter, LiveError
from liveroom.store.interface import AppRecord

RATES_FIELD = "rate_limit_overrides"


def _switch(form: FormData, name: str) -> bool:
    return field(form, name) == "on"


def rate_overrides(text: str, commands: set[str]) -> dict[str, int]:
    """``COMMAND=CALLS_PER_SECOND`` a line (or separated by spaces or commas), as ``liveroom app quota --rate``."""
    overrides: dict[str, int] = {}
    for item in text.replace(",", " ").split():
        command, sep, value = item.partition("=")
        if not sep or command not in commands:
            raise InvalidParameter(f"rate limits: {item!r}: expected COMMAND=CALLS_PER_SECOND for a command of the API")
        if not value.isdigit() or int(value) <= 0:
            raise InvalidParameter(f"rate limits: {item!r}: calls per second must be a positive whole number")
        overrides[command] = int(value)
    return overrides


class AppSettings:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.commands = {command.name for command in console.registry}

    def routes(self) -> list[Route]:
        signed_in, signed_in_app = self.console.signed_in, self.console.signed_in_app
        return [
            Route("/apps", signed_in(self.create), methods=["POST"]),
            Route("/apps/{sdkappid}/settings", signed_in_app(self.page), methods=["GET"]),
            Route("/apps/{sdkappid}/settings/{change}", signed_in_app(self.change), methods=["POST"]),
        ]

    def _manager(self) -> AppManager:
        return AppManager(self.console.services.store)

    async def create(self, request: Request, signed: Signed) -> Response:
        form = signed.form
        try:
            wanted = field(form, "sdkappid")
            sdkappid = integer(form, "sdkappid", "SDKAppID") if wanted else None
            admins = accounts(form, "admins")
            app = await self._manager().create(sdkappid=sdkappid, admins=admins)
        except (AppConfigError, LiveError) as exc:
            error = exc.info if isinstance(exc, LiveError) else str(exc)
            context = {"apps": self.console.apps.all(), "error": error}
            return self.console.render(request, "apps.html", context, signed=signed, status=400)
        await self.console.apps.sync()
        return RedirectResponse(f"/console/apps/{app.sdkappid}/settings?created=1", status_code=303)

    async def page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return self._settings(request, signed, app, saved=request.query_params.get("saved", ""))

    def _settings(
        self, request: Request, signed: Signed, app: AppRecord, *, saved: str = "", error: str | None = None
    ) -> Response:
        context = {
            "app": app,
            "overrides": " ".join(f"{command}={calls}" for command, calls in sorted(app.rate_limit_overrides.items())),
            "saved": saved,
            "created": request.query_params.get("created") == "1",
            "error": error,
        }
        return self.console.render(request, "app_settings.html", context, signed=signed, status=400 if error else 200)

    async def change(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        make = CHANGES.get(request.path_params["change"])
        if make is None:
            return self.console.render(request, "error.html", {"error": "no such change"}, signed=signed, status=404)
        try:
            await make(self, app, signed.form)
        except (AppConfigError, LiveError) as exc:
            error = exc.info if isinstance(exc, LiveError) else str(exc)
            return self._settings(request, signed, app, error=error)
        await self.console.apps.sync()
        return RedirectResponse(
            f"/console/apps/{app.sdkappid}/settings?saved={request.path_params['change']}", status_code=303
        )

    async def _limits(self, app: AppRecord, form: FormData) -> AppRecord:
        change = QuotaChange(
            member_quota=integer(form, "member_quota", "Member quota"),
            seat_quota=integer(form, "seat_quota", "Seat quota"),
            rate_limits_enabled=_switch(form, "rate_limits_enabled"),
            rate_limit_overrides=rate_overrides(field(form, RATES_FIELD), self.commands),
            callback_fail_open=_switch(form, "callback_fail_open"),
            gift_battle_scores=_switch(form, "gift_battle_scores"),
        )
        return await self._manager().set_quota(app.sdkappid, change)

    async def _add_admins(self, app: AppRecord, form: FormData) -> AppRecord:
        admins = accounts(form, "admins")
        if not admins:
            raise InvalidParameter("admins: name at least one UserID")
        return await self._manager().add_admins(app.sdkappid, admins)

    async def _remove_admin(self, app: AppRecord, form: FormData) -> AppRecord:
        return await self._manager().remove_admins(app.sdkappid, accounts(form, "admins"))

    async def _enabled(self, app: AppRecord, form: FormData) -> AppRecord:
        return await self._manager().set_enabled(app.sdkappid, _switch(form, "enabled"))


# The changes of the settings page, by the last part of their address.
CHANGES: dict[str, Callable[[AppSettings, AppRecord, FormData], Awaitable[AppRecord]]] = {
    "limits": AppSettings._limits,
    "add-admins": AppSettings._add_admins,
    "remove-admin": AppSettings._remove_admin,
    "enabled": AppSettings._enabled,
}
