"""``create_app``: the whole server as one ASGI application, composed explicitly."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from liveroom import logs, parent_watch, store
from liveroom.api import console, openapi
from liveroom.api.commands import REGISTRY
from liveroom.api.gateway import Gateway, Receive, Scope, Send
from liveroom.api.health import Health
from liveroom.api.metrics import Metrics
from liveroom.api.registry import Registry
from liveroom.domain.apps import AppDirectory
from liveroom.domain.auth import Authenticator, FailureLockout, Lockout, SigCache
from liveroom.domain.context import Services
from liveroom.domain.operators import Sessions
from liveroom.domain.ratelimit import RateLimiter
from liveroom.realtime import clocks
from liveroom.realtime.gateway import RealtimeGateway
from liveroom.settings import Settings
from liveroom.store.interface import Store, WebhookStats
from liveroom.webhooks.hooks import CallbackHooks
from liveroom.webhooks.http import Poster
from liveroom.webhooks.sender import Sender, SenderOptions

if TYPE_CHECKING:
    from liveroom.cluster import Cluster

# WebSocket close code "service restart": the node is shutting down; the client reconnects, to another node.
CLOSE_SHUTDOWN = 1012
REALTIME_PATH = "/realtime"


def _route_path(scope: Scope) -> str:
    """The path a route matches, ``root_path`` taken off (as Starlette's router does)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


def open_store(settings: Settings) -> Store:
    """The store ``settings.database_url`` names: ``sqlite:///PATH`` or ``postgresql://`` / ``postgres://``."""
    return store.open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)


class LiveroomApp:
    """Routes ``/v4/`` straight to the gateway and everything else (docs, health, lifespan) to Starlette."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry = REGISTRY,
        *,
        clock: Callable[[], float] = time.time,
        tune_collector: bool = False,
    ) -> None:
        self.settings = settings
        self._tune_collector = tune_collector
        self.registry = registry
        self.store = open_store(settings)
        self.services = Services(
            store=self.store, clock=clock, reconnect_seconds=settings.realtime_heartbeat_timeout_seconds
        )
        self.apps = AppDirectory(self.store)
        lockout: Lockout
        self.cluster: Cluster | None = None
        if settings.redis_url:
            from liveroom.cluster import Cluster  # noqa: PLC0415 - redis is needed only with many nodes

            self.cluster = Cluster(settings.redis_url, settings.redis_prefix)
            lockout = self.cluster.lockout(
                settings.lockout_failures, settings.lockout_window_seconds, settings.lockout_seconds
            )
            limiter = self.cluster.rate_limiter()
            self.cluster.relay(self.services.events)
            self.services.presence = self.cluster.presence(settings.presence_ttl_seconds)
        else:
            lockout = FailureLockout(
                settings.lockout_failures, settings.lockout_window_seconds, settings.lockout_seconds
            )
            limiter = RateLimiter()
        self.authenticator = Authenticator(self.apps, lockout, SigCache(settings.sig_cache_size))
        self.poster = Poster()
        self.services.hooks = CallbackHooks(self.poster, self.services.clock)
        self.sender = Sender(
            self.store,
            self.apps,
            self.poster,
            self.services.clock,
            SenderOptions(lease_seconds=settings.webhook_lease_seconds, poll_seconds=settings.webhook_poll_seconds),
        )
        self.battle_clock = clocks.battle_clock(self.services, self.apps, settings.battle_poll_seconds)
        self.request_clock = clocks.cohosting_clock(self.services, self.apps, settings.battle_poll_seconds)
        self.sockets: set[WebSocket] = set()
        self.metrics = Metrics(
            online_members=lambda: len(self.sockets),
            count_rooms=self.store.count_rooms,
            webhook_stats=self.webhook_stats,
            sender=self.sender.stats,
        )
        self.health = Health({"store": self.store.ping} | ({"redis": self.cluster.ping} if self.cluster else {}))
        self.gateway = Gateway(
            registry,
            self.services,
            self.authenticator,
            limiter,
            max_body_bytes=settings.max_body_bytes,
            log_access=settings.access_log,
            metrics=self.metrics,
        )
        self.realtime = RealtimeGateway(
            self.services,
            self.authenticator,
            self.apps.get,
            auth_timeout=settings.realtime_auth_timeout_seconds,
            idle_timeout=settings.realtime_heartbeat_timeout_seconds,
            queue_size=settings.realtime_queue_size,
            max_rooms=settings.realtime_max_rooms,
            messages_per_second=settings.realtime_messages_per_second,
            burst=settings.realtime_burst,
            seat_application_timeout=settings.seat_application_timeout_seconds,
            seat_request_poll_seconds=settings.seat_request_poll_seconds,
            empty_room_seconds=settings.empty_room_dismiss_seconds,
            unauthenticated_per_address=settings.realtime_unauthenticated_per_address,
            like_window_seconds=settings.realtime_like_window_seconds,
            member_frames_per_second=settings.realtime_member_frames_per_second,
            batch_window_seconds=settings.realtime_batch_window_seconds,
            batch_threshold=settings.realtime_batch_threshold,
        )
        self._openapi: dict[str, Any] | None = None
        self.console = console.Console(
            self.services, self.apps, registry, Sessions(self.store, clock), console.RoomWatch(), self.metrics
        )
        self.services.events.subscribe(self.console.watch.on_event)
        self.web = Starlette(
            routes=[
                Route("/healthz", self.healthz),
                Route("/readyz", self.health.readyz),
                Route("/metrics", self.metrics.endpoint),
                Route("/openapi.json", self.openapi_json),
                Route("/docs", self.docs),
                WebSocketRoute(REALTIME_PATH, self.realtime_endpoint),
                console.mount(self.console),
                # Files shipped in the package: the default gifts' icons (/static/gifts/rose.svg ...).
                Mount("/static", StaticFiles(packages=[("liveroom", "static")])),
            ],
            lifespan=self.lifespan,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.store.open()
        await self.apps.sync()
        if self.cluster is not None:
            await self.cluster.start()
        await self.metrics.start()
        self.realtime.start()
        await self.poster.open()
        self.sender.start()
        self.battle_clock.start()
        self.request_clock.start()
        if self._tune_collector:
            tune_collector()
        try:
            yield
        finally:
            await self.request_clock.close()
            await self.battle_clock.close()
            await self.sender.close()
            await self.poster.close()
            await self.realtime.close()
            await self.metrics.close()
            await self.close_sockets()
            if self.cluster is not None:
                await self.cluster.close()
            await self.store.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v4/"):
            await self.gateway(scope, receive, send)
        elif scope["type"] == "websocket" and _route_path(scope) == REALTIME_PATH:
            # Straight to the endpoint, as Starlette's route calls it: its router and exception layers do nothing for
            # this route but cost every member's connection in a join storm (BENCHMARKS.md, bench.realtime).
            await self.realtime_endpoint(WebSocket(scope, receive, send))
        else:
            await self.web(scope, receive, send)

    async def webhook_stats(self) -> list[WebhookStats]:
        async with self.store.read() as tx:
            return await tx.webhook_stats()

    async def realtime_endpoint(self, ws: WebSocket) -> None:
        self.sockets.add(ws)
        try:
            await self.realtime.endpoint(ws)
        finally:
            self.sockets.discard(ws)

    async def close_sockets(self) -> None:
        """Tell the realtime clients still connected that this node is going away (docs/realtime.md: 1012).

        uvicorn already sends them 1012 before the lifespan ends; this covers servers that do not."""
        for ws in list(self.sockets):
            with contextlib.suppress(RuntimeError, OSError):
                await ws.close(CLOSE_SHUTDOWN)

    async def healthz(self, _request: Request) -> Response:
        await self.store.ping()
        return JSONResponse({"status": "ok"})

    async def openapi_json(self, _request: Request) -> Response:
        if self._openapi is None:
            self._openapi = openapi.build(self.registry)
        return JSONResponse(self._openapi)

    async def docs(self, _request: Request) -> Response:
        return HTMLResponse(openapi.DOCS_PAGE)


def tune_collector() -> None:
    """Keep the cyclic garbage collector's pauses out of request latency in a serving process (BENCHMARKS.md, "The
    collector's pauses").

    Under load, every young collection promoted the objects of the requests in flight; they died by reference count
    soon after, but counted towards the next full collection, which then walked every object of the process (160,000,
    most of them modules, functions and SQLAlchemy's tables, and finding nothing to free) for 75-110 ms every 2-3 s.
    What exists once the server is up lives as long as the process, so it is frozen out of the collector's reach;
    young collections every 10,000 allocations instead of 700 promote 14 times fewer passing objects.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def create_app(settings: Settings | None = None) -> LiveroomApp:
    return LiveroomApp(settings or Settings.from_env())


def app_from_env() -> LiveroomApp:
    """The uvicorn factory for worker processes: settings come from ``LIVEROOM_*`` variables."""
    parent_watch.stop_with_serve()
    settings = Settings.from_env(os.environ)
    logs.configure(settings.log_level, settings.log_format)
    return LiveroomApp(settings, tune_collector=True)
