"""An app's rooms: the searchable list, a room's page, and the changes an operator makes there.

A change is the REST command of the same name, run through ``Console.call``; after it the browser is sent back to
the room's page (a refused change shows the page again with the command's ErrorInfo).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from liveroom.api.console.context import Console, Signed, accounts, field, integer
from liveroom.api.console.room_stream import MEMBER_EVENTS, Line, MembersPace, Watcher
from liveroom.domain import members, metadata, rooms, seats
from liveroom.domain.context import Caller
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import AppRecord, RoomRecord

log = logging.getLogger("liveroom.console")
LIVE = "live_engine_http_srv"
PAGE_SIZE = 20
BANS_SHOWN = 100
ROOM_ID_MAX_BYTES = 48
# WebSocket close codes of the event stream: no session (or another site's page), no such app or room.
CLOSE_SIGN_IN = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_FAILED = 1011
# A change from a form: the command and its body.
Change = Callable[[str, FormData], tuple[str, dict[str, Any]]]


def room_url(sdkappid: int, room_id: str) -> str:
    return f"/console/apps/{sdkappid}/room?{urlencode({'id': room_id})}"


def _room_id_rule(room_id: str) -> None:
    """The wire's RoomId rule, for ids that come from the page's address rather than a REST body (PostgreSQL
    refuses NUL in a lookup instead of finding nothing)."""
    if not (0 < len(room_id) <= ROOM_ID_MAX_BYTES and room_id.isascii() and room_id.isprintable()):
        raise LiveError(ErrorCode.ROOM_NOT_FOUND, f"RoomId: no room {room_id!r} (1-48 bytes of printable ASCII)")


def _checked(form: FormData, name: str) -> bool:
    return field(form, name) == "on"


def _info(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    info = {
        "RoomId": room_id,
        "RoomName": field(form, "room_name"),
        "Notice": field(form, "notice"),
        "CoverURL": field(form, "cover_url"),
        "MaxMemberCount": integer(form, "max_member_count", "MaxMemberCount"),
        "TakeSeatMode": field(form, "take_seat_mode"),
        "IsMessageDisabled": _checked(form, "is_message_disabled"),
        "IsPublicVisible": _checked(form, "is_public_visible"),
    }
    return "update_room_info", {"RoomInfo": info}


def _ban(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    body = {
        "RoomId": room_id,
        "MemberList_Account": accounts(form, "accounts"),
        "Duration": integer(form, "duration", "Duration"),
        "Reason": field(form, "reason"),
    }
    return "ban_member", body


def _unban(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    return "unban_member", {"RoomId": room_id, "MemberList_Account": accounts(form, "accounts")}


def _mute(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    body = {
        "RoomId": room_id,
        "MemberList_Account": accounts(form, "accounts"),
        "MuteTime": integer(form, "mute_time", "MuteTime"),
    }
    return "mute_member", body


def _unmute(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    return "mute_member", {"RoomId": room_id, "MemberList_Account": accounts(form, "accounts"), "MuteTime": 0}


def _message(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    text = form.get("text", "")
    body = {
        "RoomId": room_id,
        "Sender_Account": field(form, "sender"),
        "TextContent": text if isinstance(text, str) else "",
    }
    return "send_text_msg", body


def _robots(command: str) -> Change:
    def change(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
        return command, {"RoomId": room_id, "RobotList_Account": accounts(form, "accounts")}

    return change


def _admin(op_type: str) -> Change:
    def change(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
        return "modify_admin", {"RoomId": room_id, "Admin_Account": accounts(form, "accounts"), "OpType": op_type}

    return change


def _set_metadata(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    value = form.get("value", "")
    pair = {"Key": field(form, "key"), "Value": value if isinstance(value, str) else ""}
    return "set_room_metadata", {"RoomId": room_id, "Metadata": [pair]}


def _delete_metadata(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    return "del_room_metadata", {"RoomId": room_id, "Keys": [field(form, "key")]}


def _dismiss(room_id: str, form: FormData) -> tuple[str, dict[str, Any]]:
    if not _checked(form, "confirm"):
        raise InvalidParameter("tick the box to confirm that the room is to be dismissed")
    return "destroy_room", {"RoomId": room_id}


CHANGES: dict[str, Change] = {
    "info": _info,
    "ban": _ban,
    "unban": _unban,
    "mute": _mute,
    "unmute": _unmute,
    "add-admin": _admin("add"),
    "remove-admin": _admin("delete"),
    "message": _message,
    "add-robot": _robots("add_robot"),
    "remove-robot": _robots("del_robot"),
    "set-metadata": _set_metadata,
    "delete-metadata": _delete_metadata,
    "dismiss": _dismiss,
}


class RoomPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[BaseRoute]:
        signed_in_app = self.console.signed_in_app
        return [
            Route("/apps/{sdkappid}/rooms", signed_in_app(self.list_page)),
            Route("/apps/{sdkappid}/room", signed_in_app(self.room_page)),
            WebSocketRoute("/apps/{sdkappid}/room/events", self.events),
            Route("/apps/{sdkappid}/room/{change}", signed_in_app(self.change), methods=["POST"]),
        ]

    async def _with_caller(
        self,
        request: Request,
        signed: Signed,
        app: AppRecord,
        page: Callable[[AppRecord, Caller], Awaitable[Response]],
    ) -> Response:
        try:
            return await page(app, self.console.caller(app, request))
        except LiveError as exc:
            return self.console.render(request, "error.html", {"error": exc.info}, signed=signed, status=404)

    async def list_page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        query = request.query_params.get("q", "").strip()
        cursor = request.query_params.get("next", "")

        async def page(app: AppRecord, caller: Caller) -> Response:
            svc = self.console.services
            error, exact = None, None
            try:
                found, next_cursor = await rooms.search_rooms(svc, caller, query, cursor, PAGE_SIZE)
            except LiveError as exc:
                found, next_cursor, error = [], "", exc.info
            if query and len(query) <= ROOM_ID_MAX_BYTES and query.isascii() and query.isprintable():
                async with svc.store.read() as tx:
                    exact = await tx.get_room(app.sdkappid, query)
            online = {room.room_id: await svc.presence.member_count(app.sdkappid, room.room_id) for room in found}
            context = {
                "app": app,
                "rooms": found,
                "online": online,
                "query": query,
                "exact": exact,
                "next_url": f"?{urlencode({'q': query, 'next': next_cursor})}" if next_cursor else None,
                "first_page": not cursor,
                "dismissed": request.query_params.get("dismissed", ""),
                "error": error,
            }
            return self.console.render(request, "rooms.html", context, signed=signed, status=400 if error else 200)

        return await self._with_caller(request, signed, app, page)

    async def room_page(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        return await self._with_caller(
            request,
            signed,
            app,
            lambda app, caller: self._room(request, signed, app, caller, request.query_params.get("id", "")),
        )

    async def events(self, ws: WebSocket) -> None:
        """The room's events as they happen, and the members online after each entrance or exit (at most once a
        second), as fragments of the room's page."""
        if await self.console.session_of(ws) is None:
            await ws.close(CLOSE_SIGN_IN)
            return
        room_id = ws.query_params.get("id", "")
        try:
            await self.console.apps.sync()
            app = self.console.app(ws)
            _room_id_rule(room_id)
            room = await rooms.get_room(self.console.services, self.console.caller(app, ws), room_id)
        except LiveError:
            await ws.close(CLOSE_NOT_FOUND)
            return
        await ws.accept()
        with self.console.watch.watching(app.sdkappid, room_id) as watcher:
            sending = asyncio.create_task(self._stream(ws, app, room, watcher))
            try:
                # The page sends nothing; this returns when it goes (or the server closes the socket).
                while (await ws.receive())["type"] != "websocket.disconnect":
                    pass
            finally:
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                    await sending

    async def _stream(self, ws: WebSocket, app: AppRecord, room: RoomRecord, watcher: Watcher) -> None:
        """Send until the page goes; on a failure (the presence store unreachable ...) close the socket, so that the
        page connects again (htmx's ws extension does, after a pause) rather than wait for nothing."""
        try:
            await self._send_events(ws, app, room, watcher)
        except Exception:
            log.exception("console: the event stream of room %r failed", room.room_id)
            with contextlib.suppress(RuntimeError, OSError):
                await ws.close(CLOSE_FAILED)

    async def _send_events(self, ws: WebSocket, app: AppRecord, room: RoomRecord, watcher: Watcher) -> None:
        svc = self.console.services
        pace = MembersPace()
        pace.pending = True  # the members as they are now: the page may have been open a while before connecting
        while True:
            try:
                first = await asyncio.wait_for(watcher.queue.get(), pace.wait())
            except TimeoutError:
                first = None
            events = ([first] if first is not None else []) + watcher.drain()
            lines = [Line.event(event, svc.now()) for event in events]
            if watcher.dropped:
                lines.append(Line.of("dropped", f"{watcher.dropped} events not shown (too many at once)", svc.now()))
                watcher.dropped = 0
            pace.pending = pace.pending or any(isinstance(e, MEMBER_EVENTS) for e in events)
            online = sorted(await svc.presence.members(app.sdkappid, room.room_id)) if pace.due() else None
            if not lines and online is None:
                continue
            context = {"app": app, "room": room, "lines": lines, "online": online, "oob": True}
            await ws.send_text(self.console.fragment("room_events.html", context))

    async def _room(
        self, request: Request, signed: Signed, app: AppRecord, caller: Caller, room_id: str, error: str | None = None
    ) -> Response:
        svc = self.console.services
        try:
            _room_id_rule(room_id)
            room = await rooms.get_room(svc, caller, room_id)
            seat_list = await seats.seat_list(svc, caller, room_id) if room.is_seat_enabled else []
            bans, _more = await members.banned(svc, caller, room_id, 0, BANS_SHOWN)
            context = {
                "app": app,
                "room": room,
                "online": sorted(await svc.presence.members(app.sdkappid, room_id)),
                "seats": seat_list,
                "admins": await members.admin_list(svc, caller, room_id),
                "bans": bans,
                "mutes": await members.muted(svc, caller, room_id),
                "robots": await members.robots(svc, caller, room_id),
                "sent": request.query_params.get("sent") == "1",
                "metadata": await metadata.get_metadata(svc, caller, room_id, []),
                "now": svc.now(),
                "error": error,
            }
        except LiveError as exc:
            if exc.code != ErrorCode.ROOM_NOT_FOUND:
                raise
            context = {"error": exc.info, "app": app}
            return self.console.render(request, "error.html", context, signed=signed, status=404)
        return self.console.render(request, "room.html", context, signed=signed, status=400 if error else 200)

    async def change(self, request: Request, signed: Signed, app: AppRecord) -> Response:
        make = CHANGES.get(request.path_params["change"])
        room_id = field(signed.form, "room_id")

        async def page(app: AppRecord, caller: Caller) -> Response:
            if make is None:
                return self.console.render(
                    request, "error.html", {"error": "no such change"}, signed=signed, status=404
                )
            try:
                name, body = make(room_id, signed.form)
                await self.console.call(caller, LIVE, name, body)
            except LiveError as exc:
                return await self._room(request, signed, app, caller, room_id, error=exc.info)
            if name == "destroy_room":
                return RedirectResponse(
                    f"/console/apps/{app.sdkappid}/rooms?{urlencode({'dismissed': room_id})}", status_code=303
                )
            sent = "&sent=1" if name == "send_text_msg" else ""
            return RedirectResponse(room_url(app.sdkappid, room_id) + sent, status_code=303)

        return await self._with_caller(request, signed, app, page)
