"""``POST /v4/{service}/{command}``: query parameters, authentication, rate limits, body, dispatch, envelope.

A bare ASGI callable: the hot path creates no framework objects. Every outcome is HTTP 200 with the envelope;
the order of checks is the one written in the README ("How a request is checked").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import msgspec

from liveroom.api import envelope
from liveroom.api.metrics import UNKNOWN_COMMAND, Metrics
from liveroom.api.query import RANDOM_DIGITS, RANDOM_MAX, parse_query, valid_random
from liveroom.api.registry import Command, Registry
from liveroom.api.wire import explain
from liveroom.domain.auth import Authenticator
from liveroom.domain.context import REST, Caller, Services
from liveroom.domain.ratelimit import RateLimiter
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import ConnectionLost, commits_sent

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

access_log = logging.getLogger("liveroom.access")
error_log = logging.getLogger("liveroom.error")

_encode = msgspec.json.Encoder().encode
_decode_any = msgspec.json.Decoder().decode
_CONTENT_TYPE = (b"content-type", b"application/json; charset=utf-8")
_EMPTY_BODY = "body: empty; send {} when an API needs no input"
# Set in the scope by the HTTP protocol (api.transport) when the body did not arrive in time: its seconds.
BODY_TIMED_OUT = "liveroom.body_timed_out"


class _Refused(Exception):
    """A transport-level refusal decided before the body is read."""

    def __init__(self, code: ErrorCode, info: str) -> None:
        self.code, self.info = code, info


class Gateway:
    def __init__(
        self,
        registry: Registry,
        services: Services,
        authenticator: Authenticator,
        limiter: RateLimiter,
        *,
        max_body_bytes: int,
        log_access: bool,
        metrics: Metrics | None = None,
    ) -> None:
        self._registry = registry
        self._services = services
        self._auth = authenticator
        self._limiter = limiter
        self._max_body = max_body_bytes
        self._log_access = log_access
        self._metrics = metrics
        self._reconnects = services.store.reconnects

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = envelope.new_request_id()
        command = self._registry.by_path(scope["path"])
        code = ErrorCode.OK
        body_read = False
        try:
            if scope["method"] != "POST":
                raise _Refused(ErrorCode.HTTP_PARSE_FAILED, f"method: {scope['method']} is not allowed; use POST")
            if command is None:
                raise _Refused(ErrorCode.UNKNOWN_RESOURCE, f"path: no API at {scope['path']}")
            # Authentication and the rate limit, before the body is read.
            sdkappid, identifier, sig, client = self._credentials(scope)
            try:
                app = await self._auth.authenticate(sdkappid, identifier, sig, client)
            except ConnectionLost:
                # It only reads: once more, on a new database connection.
                app = await self._auth.authenticate(sdkappid, identifier, sig, client)
            await self._limiter.check(app, command.name, command.rate)
            message = await receive()
            raw = self._whole_body(message)
            if raw is None:
                raw = await self._read_body(scope, message, receive)
            body_read = True
            body = await self._dispatch(command, Caller(app, identifier, client, REST), raw, request_id)
        except _Refused as refused:
            code = refused.code
            body = envelope.failure(request_id, code, refused.info)
        except LiveError as error:
            code = error.code
            if type(error) is InvalidParameter and command is not None:
                code = command.family.invalid_parameter
            body = envelope.failure(request_id, code, error.info)
        except Exception as exc:
            code = command.family.internal_error if command is not None else ErrorCode.LIVE_INTERNAL
            body = envelope.failure(request_id, code, _internal_error(exc, scope["path"], command, request_id))
        headers = [_CONTENT_TYPE, (b"content-length", b"%d" % len(body)), (b"x-request-id", request_id.encode())]
        if not body_read and self._unbounded_body(scope):
            # To keep the connection alive the HTTP server would drain the rest of the body, which may never
            # end: closing it stops the reading. (A body with a Content-Length is drained: the client then
            # reads this answer instead of a reset, and the body timeout of api.transport bounds the cost.)
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        elapsed = time.perf_counter() - started
        name = UNKNOWN_COMMAND if command is None else command.name
        if self._metrics is not None:
            self._metrics.observe(name, code, elapsed)
        if self._log_access:
            peer = scope.get("client")
            address = peer[0] if peer else "-"
            latency_ms = round(elapsed * 1000, 2)
            # The path, never the query string: that is where the UserSig is.
            access_log.info(
                '%s "%s %s" %d %s %.2fms',
                address,
                scope["method"],
                scope["path"],
                int(code),
                request_id,
                latency_ms,
                extra={
                    "RequestId": request_id,
                    "command": name,
                    "ErrorCode": int(code),
                    "latency_ms": latency_ms,
                    "client": address,
                    "method": scope["method"],
                    "path": scope["path"],
                },
            )

    def _credentials(self, scope: Scope) -> tuple[int | None, str, str, str]:
        """The transport checks, then what authentication needs: SDKAppID (None: not a number), identifier,
        UserSig and the client's address."""
        params = parse_query(scope["query_string"])
        raw_app = params.get(b"sdkappid")
        if raw_app is None:
            raise _Refused(ErrorCode.SDKAPPID_MISSING, "sdkappid: required")
        self._check_transport(params, scope)
        client = scope.get("client")
        return (
            int(raw_app) if raw_app.isdigit() and len(raw_app) <= 19 else None,
            _text(params.get(b"identifier", b""), "identifier"),
            _text(params.get(b"usersig", b""), "usersig"),
            client[0] if client else "-",
        )

    async def _dispatch(self, command: Command, caller: Caller, raw: bytes, request_id: str) -> bytes:
        request = decode_request(command, raw)
        committed = commits_sent() if self._reconnects else 0
        try:
            result = await command.handler(self._services, caller, request)
        except ConnectionLost:
            # A broken database connection, dropped: the request runs again, once, if nothing of it was committed.
            if commits_sent() != committed:
                raise
            result = await command.handler(self._services, caller, request)
        return envelope.success(
            request_id,
            None if result is None else _encode(result),
            top_level=command.top_level,
        )

    def _check_transport(self, params: dict[bytes, bytes], scope: Scope) -> None:
        if not valid_random(params.get(b"random")):
            raise _Refused(
                ErrorCode.HTTP_PARSE_FAILED,
                f"random: required, an integer 0..{RANDOM_MAX} ({RANDOM_DIGITS} digits at most)",
            )
        if params.get(b"contenttype") != b"json":
            raise _Refused(ErrorCode.HTTP_PARSE_FAILED, "contenttype: required, exactly 'json'")
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    raise _Refused(ErrorCode.HTTP_PARSE_FAILED, "Content-Length: not a number")
                if len(value) > 19 or int(value) > self._max_body:
                    raise _Refused(ErrorCode.HTTP_PARSE_FAILED, f"body: larger than {self._max_body} bytes")
                break

    @staticmethod
    def _unbounded_body(scope: Scope) -> bool:
        """A body sent without a Content-Length (chunked): nothing bounds what the HTTP server would drain."""
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                return not value.isdigit()
            if name == b"transfer-encoding":
                chunked = True
        return chunked

    def _whole_body(self, message: Message) -> bytes | None:
        """The body when it came in one message, as any body under the HTTP server's read size does."""
        if message.get("more_body", False) or message["type"] != "http.request":
            return None
        body: bytes = message.get("body", b"")
        if len(body) > self._max_body:
            raise _Refused(ErrorCode.HTTP_PARSE_FAILED, f"body: larger than {self._max_body} bytes")
        if not body.strip():
            return None  # _read_body says why
        return body

    async def _read_body(self, scope: Scope, message: Message, receive: Receive) -> bytes:
        """The body from ``message`` on: several messages, the client going away or too slow, or no body."""
        chunks: list[bytes] = []
        size = 0
        while True:
            if message["type"] == "http.disconnect":
                raise _Refused(ErrorCode.HTTP_PARSE_FAILED, "body: the client went away")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body:
                raise _Refused(ErrorCode.HTTP_PARSE_FAILED, f"body: larger than {self._max_body} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
            message = await receive()
        body = b"".join(chunks)
        timeout = scope.get(BODY_TIMED_OUT)
        if timeout is not None:
            raise _Refused(ErrorCode.HTTP_PARSE_FAILED, f"body: not received in full within {timeout:g} s")
        if not body.strip():
            raise LiveError(ErrorCode.BODY_NOT_JSON, _EMPTY_BODY)
        return body


def decode_request(command: Command, raw: bytes) -> Any:
    """The command's request from a JSON body, with every check of the wire (types, byte lengths, accounts):
    the gateway's and the console's one way in to a command."""
    if not raw.isascii():
        # msgspec skips unknown fields unread: a byte that is not UTF-8 there would pass where it is refused
        # in a known field. ASCII (the common body) is UTF-8, found in one pass without a copy.
        _check_utf8(raw)
    try:
        request = command.decoder.decode(raw)
    except msgspec.ValidationError as error:
        # msgspec validates while it parses, so a type error can hide a syntax error further on: a body
        # that is not JSON at all must answer 60003, not a field's code.
        _check_json(raw)
        raise explain(error, command.validator) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise LiveError(ErrorCode.BODY_NOT_JSON, "body: not valid JSON") from None
    except RecursionError:
        # msgspec gives up on deep nesting (even inside an ignored field) with RecursionError.
        raise LiveError(ErrorCode.BODY_NOT_JSON, "body: JSON nested too deeply") from None
    command.validator.check(request)
    return request


def _internal_error(exc: Exception, path: str, command: Command | None, request_id: str) -> str:
    """Log a failure inside the server; answers the ErrorInfo for it."""
    extra = {"RequestId": request_id, "command": command.name if command else UNKNOWN_COMMAND}
    if isinstance(exc, ConnectionLost):
        # Not a bug of liveroom: one line, no traceback.
        cause = type(exc.__cause__).__name__
        error_log.error("%s in %s (%s): %s", cause, path, request_id, exc, extra=extra)
        return str(exc)
    error_log.exception("internal error in %s (%s)", path, request_id, extra=extra)
    return "internal server error; retry later"


def _check_json(raw: bytes) -> None:
    try:
        _decode_any(raw)
    except (msgspec.DecodeError, RecursionError):
        raise LiveError(ErrorCode.BODY_NOT_JSON, "body: not valid JSON") from None


def _check_utf8(raw: bytes) -> None:
    try:
        raw.decode()
    except UnicodeDecodeError:
        raise LiveError(ErrorCode.BODY_NOT_JSON, "body: not valid UTF-8") from None


def _text(value: bytes, name: str) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise _Refused(ErrorCode.HTTP_PARSE_FAILED, f"{name}: not valid UTF-8") from None
