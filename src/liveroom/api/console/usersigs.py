"""UserSigs made for a signed-in operator, so that the interactive reference (``/docs``) can try the REST API.

The key never leaves the server: the page asks for a UserSig of an identifier it chose in one of the apps, and gets
the UserSig only. Both calls need the console's session cookie (sent with ``/docs``'s requests to ``/console``);
the signing is a POST with the session's CSRF token, which the page reads first from ``/console/api/apps``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from liveroom import usersig
from liveroom.api.console.context import Console, Signed

IDENTIFIER_MAX_BYTES = 32
EXPIRE_DEFAULT = 86_400
EXPIRE_MAX = 7 * 86_400


class SignRequest(msgspec.Struct, forbid_unknown_fields=True):
    sdkappid: int = msgspec.field(name="SDKAppID")
    identifier: str = msgspec.field(name="Identifier")
    expire: int = msgspec.field(name="Expire", default=EXPIRE_DEFAULT)


def _refused(rule: str) -> Response:
    return JSONResponse({"error": rule}, status_code=400)


class UserSigs:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in = self.console.signed_in
        return [
            Route("/api/apps", signed_in(self.apps), methods=["GET"]),
            Route("/api/usersig", signed_in(self.sign), methods=["POST"]),
        ]

    async def apps(self, _request: Request, signed: Signed) -> Response:
        apps: list[dict[str, Any]] = [
            {"SDKAppID": app.sdkappid, "Admins": sorted(app.admins)} for app in self.console.apps.all()
        ]
        answer = {"Operator": signed.session.operator, "CsrfToken": signed.session.csrf_token, "Apps": apps}
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    async def sign(self, request: Request, _signed: Signed) -> Response:
        try:
            wanted = msgspec.json.decode(await request.body(), type=SignRequest)
        except msgspec.ValidationError as error:
            return _refused(str(error))
        except msgspec.DecodeError:
            return _refused("body: not valid JSON")
        app = self.console.apps.get(wanted.sdkappid)
        if app is None:
            return _refused(f"SDKAppID: no app {wanted.sdkappid}")
        size = len(wanted.identifier.encode())
        if not (0 < size <= IDENTIFIER_MAX_BYTES and wanted.identifier.isprintable()):
            return _refused(f"Identifier: 1-{IDENTIFIER_MAX_BYTES} bytes of printable characters")
        if not 0 < wanted.expire <= EXPIRE_MAX:
            return _refused(f"Expire: 1-{EXPIRE_MAX} seconds")
        sig = usersig.generate(app.sdkappid, app.secret_key, wanted.identifier, wanted.expire)
        answer = {"SDKAppID": app.sdkappid, "Identifier": wanted.identifier, "Expire": wanted.expire, "UserSig": sig}
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})
