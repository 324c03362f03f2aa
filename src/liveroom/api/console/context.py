"""What every console page uses: the server's services, the signed-in operator, templates and commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jinja2
import msgspec
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from liveroom.api.console.room_stream import RoomWatch
from liveroom.api.gateway import decode_request
from liveroom.api.metrics import Metrics
from liveroom.api.registry import Registry
from liveroom.domain.apps import AppDirectory
from liveroom.domain.context import REST, Caller, Services
from liveroom.domain.operators import Sessions, csrf_matches
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import AppRecord, OperatorSession

COOKIE = "liveroom_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SIGN_IN = "/console/sign-in"
# The console's JSON calls (what /docs asks for): 401 without a session, never the sign-in page.
JSON_API = "/console/api/"

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("liveroom.api.console", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_environment.filters["utc_ms"] = lambda ms: datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
_templates = Jinja2Templates(env=_environment)


@dataclass(frozen=True, slots=True)
class Signed:
    """The request's operator: their session and the form it sent (empty for a GET)."""

    session: OperatorSession
    form: FormData


SignedEndpoint = Callable[[Request, Signed], Awaitable[Response]]
AppEndpoint = Callable[[Request, Signed, AppRecord], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(slots=True)
class Console:
    services: Services
    apps: AppDirectory
    registry: Registry
    sessions: Sessions
    watch: RoomWatch
    metrics: Metrics

    def render(
        self, request: Request, template: str, context: Mapping[str, Any], *, signed: Signed | None, status: int = 200
    ) -> Response:
        values = {"signed": signed.session if signed else None, "error": None, **context}
        return _templates.TemplateResponse(request, template, values, status_code=status)

    @staticmethod
    def fragment(template: str, context: Mapping[str, Any]) -> str:
        """HTML for a page already shown (what a WebSocket of the console sends)."""
        return _templates.get_template(template).render(context)

    async def session_of(self, connection: HTTPConnection) -> OperatorSession | None:
        """The operator of a WebSocket: their session cookie, sent by a page of this server (a page of another
        site could not send the SameSite=Strict cookie, and its Origin is refused too)."""
        origin = connection.headers.get("origin", "")
        if origin.split("://", 1)[-1] != connection.headers.get("host"):
            return None
        return await self.sessions.session(connection.cookies.get(COOKIE, ""))

    def signed_in(self, handler: SignedEndpoint) -> Endpoint:
        """``handler`` for operators only: without a session a page redirects to the sign-in page and anything
        else (a change, an htmx fragment, a JSON call) answers 401; a change without the session's CSRF token
        answers 403."""

        async def endpoint(request: Request) -> Response:
            session = await self.sessions.session(request.cookies.get(COOKIE, ""))
            if session is None:
                page = "hx-request" not in request.headers and not request.url.path.startswith(JSON_API)
                if request.method == "GET" and page:
                    return RedirectResponse(f"{SIGN_IN}?next={request.url.path}", status_code=303)
                return JSONResponse({"error": "sign in first"}, status_code=401)
            # Apps changed by another process (liveroom app ...) show at once, as on the REST API.
            await self.apps.sync()
            form = await request.form() if request.method == "POST" else FormData()
            if request.method == "POST":
                token = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
                if not isinstance(token, str) or not csrf_matches(session, token):
                    return JSONResponse({"error": "missing or wrong CSRF token: reload the page"}, status_code=403)
            return await handler(request, Signed(session, form))

        return endpoint

    def signed_in_app(self, handler: AppEndpoint) -> Endpoint:
        """``signed_in`` for the pages of one app: ``handler`` gets the app the path names; without such an app
        the answer is the error page, 404."""

        async def with_app(request: Request, signed: Signed) -> Response:
            try:
                app = self.app(request)
            except LiveError as exc:
                return self.render(request, "error.html", {"error": exc.info}, signed=signed, status=404)
            return await handler(request, signed, app)

        return self.signed_in(with_app)

    def app(self, request: HTTPConnection) -> AppRecord:
        """The app the path names; LiveError 60006 when there is none."""
        raw = request.path_params["sdkappid"]
        app = self.apps.get(int(raw)) if str(raw).isdigit() and len(str(raw)) <= 19 else None
        if app is None:
            raise LiveError(ErrorCode.SDKAPPID_INVALID, f"no app {raw}")
        return app

    @staticmethod
    def caller(app: AppRecord, request: HTTPConnection) -> Caller:
        """The console acts as the app's first admin account, as an app backend calling the REST API would."""
        if not app.admins:
            raise LiveError(ErrorCode.ADMIN_REQUIRED, f"app {app.sdkappid} has no admin account to act as")
        client = request.client.host if request.client else ""
        return Caller(app, min(app.admins), client, REST)

    async def call(self, caller: Caller, service: str, name: str, body: Mapping[str, Any]) -> Any:
        """Run a REST command as its endpoint would: the same decoding, checks and domain call."""
        command = self.registry.get(service, name)
        assert command is not None, f"no command {service}/{name}"
        request = decode_request(command, msgspec.json.encode(body))
        return await command.handler(self.services, caller, request)


def field(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def integer(form: FormData, name: str, label: str) -> int:
    text = field(form, name)
    try:
        return int(text)
    except ValueError:
        raise InvalidParameter(f"{label}: must be a whole number") from None


def accounts(form: FormData, name: str) -> list[str]:
    """Accounts typed in one field, separated by commas or spaces."""
    return [a for a in field(form, name).replace(",", " ").split() if a]
