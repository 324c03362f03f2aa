"""``create_app``: the whole server as one ASGI application, composed explicitly."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from liveroom import logs, store
from liveroom.api import accounts, members, messages, metadata, openapi, robots, rooms, seats  # noqa: F401 - importing registers the commands
from liveroom.api.gateway import Gateway, Receive, Scope, Send
from liveroom.api.registry import REGISTRY, Registry
from liveroom.domain.apps import AppDirectory
from liveroom.domain.auth import Authenticator, FailureLockout, SigCache
from liveroom.domain.context import Services
from liveroom.domain.ratelimit import RateLimiter
from liveroom.realtime.gateway import RealtimeGateway
from liveroom.settings import Settings
from liveroom.store.interface import Store


def open_store(settings: Settings) -> Store:
    """The store ``settings.database_url`` names: ``sqlite:///PATH`` or ``postgresql://`` / ``postgres://``."""
    return store.open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)


class LiveroomApp:
    """Routes ``/v4/`` straight to the gateway and everything else (docs, health, lifespan) to Starlette."""

    def __init__(self, settings: Settings, registry: Registry = REGISTRY) -> None:
        self.settings = settings
        self.registry = registry
        self.store = open_store(settings)
        self.services = Services(store=self.store)
        self.apps = AppDirectory(self.store)
        self.authenticator = Authenticator(
            self.apps,
            FailureLockout(settings.lockout_failures, settings.lockout_window_seconds, settings.lockout_seconds),
            SigCache(settings.sig_cache_size),
        )
        self.gateway = Gateway(
            registry,
            self.services,
            self.authenticator,
            RateLimiter(),
            max_body_bytes=settings.max_body_bytes,
            log_access=settings.access_log,
        )
        self.realtime = RealtimeGateway(
            self.services,
            self.authenticator,
            auth_timeout=settings.realtime_auth_timeout_seconds,
            idle_timeout=settings.realtime_heartbeat_timeout_seconds,
            queue_size=settings.realtime_queue_size,
            max_rooms=settings.realtime_max_rooms,
            messages_per_second=settings.realtime_messages_per_second,
            burst=settings.realtime_burst,
            seat_application_timeout=settings.seat_application_timeout_seconds,
            empty_room_seconds=settings.empty_room_dismiss_seconds,
        )
        self._openapi: dict[str, Any] | None = None
        self.web = Starlette(
            routes=[
                Route("/healthz", self.healthz),
                Route("/openapi.json", self.openapi_json),
                Route("/docs", self.docs),
                WebSocketRoute("/realtime", self.realtime.endpoint),
            ],
            lifespan=self.lifespan,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.store.open()
        await self.apps.sync()
        try:
            yield
        finally:
            await self.store.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v4/"):
            await self.gateway(scope, receive, send)
        else:
            await self.web(scope, receive, send)

    async def healthz(self, _request: Request) -> Response:
        await self.store.ping()
        return JSONResponse({"status": "ok"})

    async def openapi_json(self, _request: Request) -> Response:
        if self._openapi is None:
            self._openapi = openapi.build(self.registry)
        return JSONResponse(self._openapi)

    async def docs(self, _request: Request) -> Response:
        return HTMLResponse(openapi.reference_page(self.registry))


def create_app(settings: Settings | None = None) -> LiveroomApp:
    return LiveroomApp(settings or Settings.from_env())


def app_from_env() -> LiveroomApp:
    """The uvicorn factory for worker processes: settings come from ``LIVEROOM_*`` variables."""
    settings = Settings.from_env(os.environ)
    logs.configure(settings.log_level)
    return create_app(settings)
