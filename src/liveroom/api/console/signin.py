"""Signing in and out of the console."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import COOKIE, SIGN_IN, Console, Signed, field
from liveroom.domain.operators import SESSION_SECONDS
from liveroom.errors import LiveError

HOME = "/console/apps"
DOCS = "/docs"


def _next_page(value: str) -> str:
    """Where to go after signing in: a console page (or the interactive reference) only, never another site."""
    if value == DOCS or (value.startswith("/console/") and not value.startswith("//") and "\\" not in value):
        return value
    return HOME


class SignIn:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        return [
            Route("/sign-in", self.page, methods=["GET"]),
            Route("/sign-in", self.sign_in, methods=["POST"]),
            Route("/sign-out", self.console.signed_in(self.sign_out), methods=["POST"]),
        ]

    async def page(self, request: Request) -> Response:
        return self._form(request, name="", next_page=request.query_params.get("next", ""))

    def _form(
        self, request: Request, *, name: str, next_page: str, error: str | None = None, status: int = 200
    ) -> Response:
        context = {"name": name, "next": _next_page(next_page), "error": error}
        return self.console.render(request, "sign_in.html", context, signed=None, status=status)

    async def sign_in(self, request: Request) -> Response:
        form = await request.form()
        name, password, next_page = field(form, "name"), form.get("password", ""), field(form, "next")
        address = request.client.host if request.client else ""
        try:
            opened = await self.console.sessions.sign_in(name, password if isinstance(password, str) else "", address)
        except LiveError as exc:
            return self._form(request, name=name, next_page=next_page, error=exc.info, status=429)
        if opened is None:
            return self._form(request, name=name, next_page=next_page, error="Wrong name or password.", status=401)
        session_id, _session = opened
        response = RedirectResponse(_next_page(next_page), status_code=303)
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=SESSION_SECONDS,
            path="/console",
            httponly=True,
            samesite="strict",
        )
        return response

    async def sign_out(self, request: Request, _signed: Signed) -> Response:
        await self.console.sessions.sign_out(request.cookies.get(COOKIE, ""))
        response = RedirectResponse(SIGN_IN, status_code=303)
        response.delete_cookie(COOKIE, path="/console", httponly=True, samesite="strict")
        return response
