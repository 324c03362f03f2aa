"""An app's gift catalogue: categories and gifts with their prices and names per language, the default
configuration copied in (``copy_default_gift_config``), and the changes of the catalogue, each the REST command an
app backend would send (``add_gift``, ``edit_gift``, ``del_gift``, ``set_gift_language`` ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed, field, integer
from liveroom.domain import gift_catalog
from liveroom.errors import InvalidParameter, LiveError
from liveroom.store.interface import AppRecord

LIVE = "live_engine_http_srv"


def _optional(body: dict[str, Any], form: FormData, name: str, key: str) -> None:
    if value := field(form, name):
        body[key] = value


def _add_gift(form: FormData) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {
        "GiftId": field(form, "gift_id"),
        "DefaultName": field(form, "default_name"),
        "Coins": integer(form, "coins", "Coins"),
    }
    _optional(body, form, "default_desc", "DefaultDesc")
    _optional(body, form, "icon_url", "IconUrl")
    if field(form, "level"):
        body["Level"] = integer(form, "level", "Level")
    return "add_gift", body


def _edit_gift(form: FormData) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {"GiftId": field(form, "gift_id")}
    if field(form, "coins"):
        body["Coins"] = integer(form, "coins", "Coins")
    _optional(body, form, "default_name", "DefaultName")
    if len(body) == 1:
        raise InvalidParameter("give a new price or a new name")
    return "edit_gift", body


def _delete_gift(form: FormData) -> tuple[str, dict[str, Any]]:
    if field(form, "confirm") != "on":
        raise InvalidParameter("Tick the box to confirm that the gift is to be deleted.")
    return "del_gift", {"GiftId": field(form, "gift_id")}


def _set_language(form: FormData) -> tuple[str, dict[str, Any]]:
    body = {
        "GiftId": field(form, "gift_id"),
        "Language": field(form, "language"),
        "Name": field(form, "name"),
        "Desc": field(form, "desc"),
    }
    return "set_gift_language", body


def _delete_language(form: FormData) -> tuple[str, dict[str, Any]]:
    return "del_gift_language", {"GiftId": field(form, "gift_id"), "Language": field(form, "language")}


def _add_category(form: FormData) -> tuple[str, dict[str, Any]]:
    body = {
        "CategoryId": field(form, "category_id"),
        "DefaultName": field(form, "default_name"),
        "DefaultDesc": field(form, "default_desc"),
    }
    return "add_gift_category", body


def _delete_category(form: FormData) -> tuple[str, dict[str, Any]]:
    return "del_gift_category", {"CategoryId": field(form, "category_id")}


def _put_in_category(form: FormData) -> tuple[str, dict[str, Any]]:
    return "add_gift_category_relations", {
        "CategoryId": field(form, "category_id"),
        "GiftIdList": [field(form, "gift_id")],
    }


# The changes of the gifts page, by the last part of their address: the command and its body, from the form.
CHANGES: dict[str, Callable[[FormData], tuple[str, dict[str, Any]]]] = {
    "add": _add_gift,
    "edit": _edit_gift,
    "delete": _delete_gift,
    "set-language": _set_language,
    "delete-language": _delete_language,
    "add-category": _add_category,
    "delete-category": _delete_category,
    "put-in-category": _put_in_category,
}
# What the page says after each change.
DONE = {
    "add": "The gift was added.",
    "edit": "The gift was changed.",
    "delete": "The gift was deleted.",
    "set-language": "The gift's name was set in that language.",
    "delete-language": "The gift's name in that language was removed.",
    "add-category": "The category was added.",
    "delete-category": "The category was deleted.",
    "put-in-category": "The gift was put in the category.",
}


class GiftPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in_app = self.console.signed_in_app
        return [
            Route("/apps/{sdkappid}/gifts", signed_in_app(self.page)),
            Route("/apps/{sdkappid}/gifts/copy-default", signed_in_app(self.copy_default), methods=["POST"]),
            Route("/apps/{sdkappid}/gifts/delete", signed_in_app(self.delete_page), methods=["GET"]),
            Route("/apps/{sdkappid}/gifts/{change}", signed_in_app(self.change), methods=["POST"]),
        ]

    async def page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return await self._page(request, signed, app)

    async def _page(
        self, request: Request, signed: Signed, app: AppRecord, error: str | None = None, change: str = ""
    ) -> Response:
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
            "done": DONE.get(request.query_params.get("done", ""), ""),
            # The form refused keeps what was typed in it.
            "change": change,
            "form": signed.form,
            "error": error,
        }
        return self.console.render(request, "gifts.html", context, signed=signed, status=400 if error else 200)

    async def copy_default(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        try:
            await self.console.call(self.console.caller(app, request), LIVE, "copy_default_gift_config", {})
        except LiveError as exc:
            return await self._page(request, signed, app, error=exc.info)
        return RedirectResponse(f"/console/apps/{app.sdkappid}/gifts?copied=1", status_code=303)

    async def delete_page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        """The confirmation step of deleting a gift."""
        context = {"app": app, "gift_id": request.query_params.get("gift_id", "")}
        return self.console.render(request, "gift_delete.html", context, signed=signed)

    async def change(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        change = request.path_params["change"]
        make = CHANGES.get(change)
        if make is None:
            return self.console.render(request, "error.html", {"error": "no such change"}, signed=signed, status=404)
        try:
            name, body = make(signed.form)
            await self.console.call(self.console.caller(app, request), LIVE, name, body)
        except LiveError as exc:
            if change == "delete":
                context = {"app": app, "gift_id": field(signed.form, "gift_id"), "error": exc.info}
                return self.console.render(request, "gift_delete.html", context, signed=signed, status=400)
            return await self._page(request, signed, app, error=exc.info, change=change)
        return RedirectResponse(f"/console/apps/{app.sdkappid}/gifts?done={change}", status_code=303)
