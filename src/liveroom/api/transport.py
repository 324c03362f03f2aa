"""The HTTP connection as liveroom serves it: uvicorn's httptools protocol with the limits uvicorn does not have.

uvicorn holds a connection for as long as its client takes to send the request line, the headers or the body, keeps
headers of any size, and answers what it cannot parse with a plain-text 400. ``HttpProtocol`` adds:

- the request line and headers within ``header_timeout`` of the connection opening (or, on a kept-alive connection,
  of the first bytes of the next request), and at most ``max_header_bytes`` of them;
- the body within ``body_timeout`` of the headers: the gateway then answers 60002 (``BODY_TIMED_OUT``);
- at most ``max_connections_per_address`` open HTTP connections per client address (the trusted proxies of
  ``--forwarded-allow-ips`` excepted: they carry many clients' connections). A WebSocket stops counting once
  upgraded; the realtime gateway caps those not yet authenticated;
- what is refused before the application could see a request is answered with the envelope and 60002 (60007 for the
  connection cap), HTTP 200 when the request line names a ``/v4/`` path (decisions.md section 1), else HTTP 400
  (429 for the cap), and the connection is closed.

Timers are armed only when a read leaves a request incomplete, so a request that arrives whole costs none.

``WebSocketProtocol`` is uvicorn's WebSocket protocol with a way round the ASGI send path for frames built
beforehand: the realtime gateway writes an event's frame bytes, made once, to each member's transport
(``realtime.session.FrameWriter``, in the scope's extensions), rather than sending each member the event's text
through Starlette's and uvicorn's per-message layers, which encode it and build its frame again for every member.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar, cast
from urllib.parse import unquote

from uvicorn._types import ASGISendEvent, WebSocketAcceptEvent
from uvicorn.logging import TRACE_LOG_LEVEL
from uvicorn.middleware.proxy_headers import _TrustedHosts
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.datastructures import Headers
from websockets.http11 import MAX_LINE_LENGTH, MAX_NUM_HEADERS, Request, Response
from websockets.protocol import Protocol

from liveroom.api import envelope
from liveroom.api.gateway import BODY_TIMED_OUT, access_log
from liveroom.errors import ErrorCode
from liveroom.realtime.protocol import MAX_FRAME_BYTES
from liveroom.realtime.session import FRAME_WRITER
from liveroom.settings import Settings

log = logging.getLogger("liveroom.transport")
_HEAD, _BODY, _IDLE = 0, 1, 2
WARN_EVERY_SECONDS = 10.0


# What websockets accepts in a request's head (its http11 module), ASCII only; and sizes well within its limits (128
# headers and 8,192 bytes a line unless WEBSOCKETS_MAX_* say otherwise). A head outside these goes the long way, and
# websockets answers it as ever.
_TOKEN = re.compile(rb"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+")
_ASCII_VALUE = re.compile(rb"[\x21-\x7e]([\x09\x20-\x7e]*[\x21-\x7e])?|")
_MAX_PLAIN_HEADERS = min(100, MAX_NUM_HEADERS - 1)
_MAX_PLAIN_LINE = min(4096, MAX_LINE_LENGTH // 2)


def plain_handshake(method: str, target: bytes, headers: list[tuple[bytes, bytes]]) -> Request | None:
    """The WebSocket handshake request websockets would parse from the head httptools parsed (uvicorn writes it out
    again, with HTTP/1.1, for websockets to parse), when that head is plain: ASCII, no body, within websockets'
    limits. None otherwise."""
    if len(headers) > _MAX_PLAIN_HEADERS or not target.isascii() or len(target) + len(method) > _MAX_PLAIN_LINE:
        return None
    parsed = Headers()
    for name, value in headers:
        if (
            len(name) + len(value) > _MAX_PLAIN_LINE
            or _TOKEN.fullmatch(name) is None
            or _ASCII_VALUE.fullmatch(value) is None
            or name == b"transfer-encoding"
            or (name == b"content-length" and value != b"0")
        ):
            return None
        parsed[name.decode()] = value.decode()
    return Request(target.decode(), parsed, method, "HTTP/1.1")


class _Refusal(Exception):
    """Raised in a parser callback to stop parsing a request that ``_refusal`` says why liveroom refuses."""


def _header_size(header: tuple[bytes, bytes]) -> int:
    return len(header[0]) + len(header[1]) + 4


@dataclass(frozen=True, slots=True)
class Limits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_header_bytes: int = 64 * 1024
    max_connections_per_address: int = 256
    access_log: bool = True

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            header_timeout=settings.header_timeout_seconds,
            body_timeout=settings.body_timeout_seconds,
            max_header_bytes=settings.max_header_bytes,
            max_connections_per_address=settings.max_connections_per_address,
            access_log=settings.access_log,
        )


class HttpProtocol(HttpToolsProtocol):
    """One HTTP connection. ``limits`` None: read from the ``LIVEROOM_*`` environment, once per process, as the
    workers of ``liveroom serve`` get every setting."""

    limits: ClassVar[Limits | None] = None
    # Open connections per client address, and the trusted proxies, shared by the connections of one server.
    _open: ClassVar[dict[str, int]] = {}
    _proxies: ClassVar[_TrustedHosts | None] = None
    _warned_at: ClassVar[float] = -WARN_EVERY_SECONDS

    @classmethod
    def with_limits(cls, limits: Limits) -> type[HttpProtocol]:
        """A protocol class of its own (its own connection counts) for a server in this process."""
        return cast(type[HttpProtocol], type(cls.__name__, (cls,), {"limits": limits, "_open": {}, "_proxies": None}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cls = type(self)
        if cls.limits is None:
            cls.limits = Limits.of(Settings.from_env())
        if cls._proxies is None:
            cls._proxies = _TrustedHosts(self.config.forwarded_allow_ips if self.config.proxy_headers else [])
        self._limits: Limits = cls.limits
        self._phase = _HEAD
        self._head_bytes = 0
        self._timer: asyncio.TimerHandle | None = None
        self._address: str | None = None
        self._fed = 0
        self._refusal: str | None = None
        self.url = b""

    # connections per address ------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        if address is not None and address not in self._proxies_of():
            open_now = self._open.get(address, 0)
            if open_now >= self._limits.max_connections_per_address:
                self._warn_cap(address)
                self._refuse(ErrorCode.RATE_LIMITED, f"connection: more than {open_now} open from this address")
                return
            self._open[address] = open_now + 1
            self._address = address
        self._arm(self._limits.header_timeout, self._header_timed_out)

    def _proxies_of(self) -> _TrustedHosts:
        proxies = type(self)._proxies
        assert proxies is not None
        return proxies

    def _release(self) -> None:
        address, self._address = self._address, None
        if address is not None:
            left = self._open[address] - 1
            if left:
                self._open[address] = left
            else:
                del self._open[address]

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._release()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        # The WebSocket protocol takes the transport over (and its connection_lost): the realtime gateway's limits
        # apply from here on.
        self._disarm()
        self._release()
        self._phase = _IDLE
        ws_protocol = self.ws_protocol_class
        request = plain_handshake(
            self.scope["method"], self.url, cast(list[tuple[bytes, bytes]], self.scope["headers"])
        )
        if request is None or not (isinstance(ws_protocol, type) and issubclass(ws_protocol, WebSocketProtocol)):
            super().handle_websocket_upgrade()
            return
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sUpgrading to WebSocket", prefix)
        self.connections.discard(self)
        protocol = ws_protocol(config=self.config, server_state=self.server_state, app_state=self.app_state)
        protocol.take_over(self.transport, self.server, self.client, self.scheme == "https", request, self.scope)

    def _warn_cap(self, address: str) -> None:
        now = self.loop.time()
        if now - type(self)._warned_at >= WARN_EVERY_SECONDS:
            type(self)._warned_at = now
            log.warning(
                "refused connections from %s: more than %d open (LIVEROOM_MAX_CONNECTIONS_PER_ADDRESS)",
                address,
                self._limits.max_connections_per_address,
            )

    # the request's phases -----------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._fed = len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._phase == _HEAD:
            self._head_bytes += self._fed
            if self._head_bytes > self._limits.max_header_bytes:
                self._refuse(ErrorCode.HTTP_PARSE_FAILED, self._too_large())
            elif self._timer is None:
                self._arm(self._limits.header_timeout, self._header_timed_out)
        elif self._phase == _BODY and self._timer is None:
            self._arm(self._limits.body_timeout, self._body_timed_out)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = _HEAD
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._phase = _BODY
        self._disarm()
        # Measured only when what was read could hold a head over the limit (a whole request in one read).
        limit = self._limits.max_header_bytes
        if self._head_bytes + self._fed > limit and len(self.url) + sum(map(_header_size, self.headers)) > limit:
            self._refusal = self._too_large()
            raise _Refusal  # httptools stops parsing; uvicorn answers with send_400_response
        super().on_headers_complete()

    def _too_large(self) -> str:
        return f"request line and headers: larger than {self._limits.max_header_bytes} bytes"

    def on_message_complete(self) -> None:
        self._phase = _IDLE
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, then: Any) -> None:
        self._timer = self.loop.call_later(seconds, then)

    def _disarm(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _header_timed_out(self) -> None:
        self._timer = None
        if self._phase == _HEAD and not self.transport.is_closing():
            timeout = self._limits.header_timeout
            self._refuse(ErrorCode.HTTP_PARSE_FAILED, f"request: headers not received within {timeout:g} s")

    def _body_timed_out(self) -> None:
        """The application is waiting for the rest of the body: it gets none, and the gateway answers 60002 (an
        application that answered already has its connection closed)."""
        self._timer = None
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self.transport.close()
            return
        cycle.body.clear()
        cycle.more_body = False
        cycle.keep_alive = False
        cycle.scope[BODY_TIMED_OUT] = self._limits.body_timeout  # type: ignore[literal-required]
        cycle.message_event.set()
        self.flow.pause_reading()

    # answers before the application ----------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """uvicorn found the request malformed (request line, headers, Content-Length, Transfer-Encoding), or a
        callback refused it."""
        info = self._refusal or "request: not valid HTTP/1.1 (request line, headers or framing)"
        self._refuse(ErrorCode.HTTP_PARSE_FAILED, info)

    def _refuse(self, code: ErrorCode, info: str) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            # The application is answering an earlier request of this connection: its answer is not cut into.
            self.transport.close()
            return
        request_id = envelope.new_request_id()
        body = envelope.failure(request_id, code, info)
        v4 = self.url.startswith(b"/v4/")
        status = 200 if v4 else 429 if code == ErrorCode.RATE_LIMITED else 400
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json; charset=utf-8\r\ncontent-length: %d\r\n" % len(body),
            b"x-request-id: ",
            request_id.encode(),
            b"\r\nconnection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
        if self._limits.access_log:
            address = self.client[0] if self.client else "-"
            access_log.info(
                '%s "- -" %d %s (%s)',
                address,
                int(code),
                request_id,
                info,
                extra={"RequestId": request_id, "ErrorCode": int(code), "client": address},
            )


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """One WebSocket connection. Without compression, its scope's extensions hold it as the connection's
    ``FrameWriter``: the realtime gateway writes frames built beforehand straight to the transport (a server's frames
    are not masked, RFC 6455 section 5.1, so without compression they are the same bytes on every connection). With
    permessage-deflate negotiated, each frame is compressed for this connection alone, through the ASGI send path.

    The upgrade of a plain request (``plain_handshake``) is taken over from ``HttpProtocol`` as httptools parsed it
    (``take_over``): uvicorn would write the request out again for websockets to parse, look the connection's
    addresses up again, and date the answer twice (websockets' Date, deleted, then the server's). The handshake is
    websockets' own checks (``process_request``) and the same answer, byte for byte; anything else, a refused
    handshake included, goes uvicorn's way."""

    _undated: bool = False

    def take_over(
        self,
        transport: asyncio.Transport,
        server: tuple[str, int | None] | None,
        client: tuple[str, int] | None,
        tls: bool,
        request: Request,
        http_scope: Any,
    ) -> None:
        """The connection ``HttpProtocol`` upgrades, its request parsed (``plain_handshake``)."""
        self.connections.add(self)
        self.transport = transport
        self.server, self.client, self.scheme = server, client, "wss" if tls else "ws"
        if self.logger.level <= TRACE_LOG_LEVEL:
            prefix = f"{client[0]}:{client[1]} - " if client else ""
            self.logger.log(TRACE_LOG_LEVEL, "%sWebSocket connection made", prefix)
        transport.set_protocol(self)
        # websockets' parser waits for the request, which came parsed: it reads frames from the first byte on, as it
        # does once it has parsed a request.
        conn = self.conn
        conn.parser = Protocol.parse(conn)
        next(conn.parser)
        self._handle_plain_connect(request, http_scope["headers"])

    def _handle_plain_connect(self, event: Request, raw_headers: list[tuple[bytes, bytes]]) -> None:
        try:
            accept, extensions, subprotocol = self.conn.process_request(event)
        except Exception:
            # Refused: websockets' accept finds the same fault and uvicorn answers it.
            self.handle_connect(event)
            return
        headers = Headers()
        headers["Upgrade"] = "websocket"
        headers["Connection"] = "Upgrade"
        headers["Sec-WebSocket-Accept"] = accept
        if extensions is not None:
            headers["Sec-WebSocket-Extensions"] = extensions
        if subprotocol is not None:
            headers["Sec-WebSocket-Protocol"] = subprotocol
        # Not kept as self.request (uvicorn keeps it, and never reads it): the connection's objects are what the
        # collector walks while thousands of members connect.
        self.response = Response(101, "Switching Protocols", headers)
        self.handshake_initiated = True
        self._undated = True
        raw_path, _, query_string = event.path.partition("?")
        subprotocols: list[str] = []
        for header in event.headers.get_all("Sec-WebSocket-Protocol"):
            subprotocols.extend([token.strip() for token in header.split(",")])
        extensions_scope: dict[str, Any] = {"websocket.http.response": {}}
        if not self.conn.extensions:
            extensions_scope[FRAME_WRITER] = self
        self.scope = {
            "type": "websocket",
            "asgi": {"version": self.asgi_version, "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": self.scheme,
            "server": self.server,
            "client": self.client,
            "root_path": self.root_path,
            "path": self.root_path + unquote(raw_path),
            "raw_path": self.root_path.encode("ascii") + raw_path.encode("ascii"),
            "query_string": query_string.encode("ascii"),
            "headers": raw_headers,
            "subprotocols": subprotocols,
            "state": self.app_state.copy(),
            "extensions": extensions_scope,
        }
        self.queue.put_nowait({"type": "websocket.connect"})
        task = self.loop.create_task(self.run_asgi())
        task.add_done_callback(self.on_task_complete)
        self.tasks.add(task)

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.handshake_initiated and not self.conn.extensions and not self.close_sent:
            cast(dict[str, Any], self.scope["extensions"])[FRAME_WRITER] = self

    async def send(self, message: ASGISendEvent) -> None:
        if self._undated:
            self._undated = False
            if message["type"] == "websocket.accept" and self.writable.is_set() and not self.disconnected:
                self._accept(message)
                return
            # uvicorn's way: its accept takes websockets' Date out of the answer before it adds the server's.
            self.response.headers["Date"] = ""
        await super().send(message)

    def _accept(self, message: WebSocketAcceptEvent) -> None:
        """uvicorn's accept: the server's headers (its Date among them), the application's, the subprotocol."""
        if self.logger.isEnabledFor(logging.INFO):
            address, path = get_client_addr(self.scope), get_path_with_query_string(self.scope)
            self.logger.info('%s - "WebSocket %s" [accepted]', address, path)
        headers = self.response.headers
        for name, value in self.default_headers:
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        for name, value in message.get("headers", ()):
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        subprotocol = message.get("subprotocol")
        if subprotocol:
            headers["Sec-WebSocket-Protocol"] = subprotocol
        if not self.transport.is_closing():
            self.handshake_complete = True
            self.conn.send_response(self.response)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.start_keepalive()
            # Sent: the answer and its Headers need not live as long as the connection.
            del self.response

    # FrameWriter ------------------------------------------------------------------------------------------

    def ready(self) -> bool:
        """The transport takes more now (it is open and below its high-water mark)."""
        return self.writable.is_set() and not self.close_sent and not self.transport.is_closing()

    async def drained(self) -> None:
        await self.writable.wait()

    def write(self, wire: bytes) -> None:
        if not self.close_sent and not self.transport.is_closing():
            self.transport.write(wire)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What liveroom sets of uvicorn's own options (``uvicorn.run``, ``uvicorn.Config``) for ``settings``."""
    return {
        "http": "liveroom.api.transport:HttpProtocol",
        "ws": "liveroom.api.transport:WebSocketProtocol",
        "ws_per_message_deflate": settings.realtime_compression,
        "ws_max_size": MAX_FRAME_BYTES,
        # No protocol pings: the gateway's heartbeat (a frame from each client every heartbeat_seconds, the
        # connection closed after the heartbeat timeout without one) finds dead peers already, and uvicorn's ping
        # every 20 s per connection was a thousand frames out and a thousand pongs in a second with 20,000 members.
        "ws_ping_interval": None,
        "timeout_keep_alive": settings.keep_alive_timeout_seconds,
    }
