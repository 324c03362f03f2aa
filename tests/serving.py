"""The app served by uvicorn in the test's own event loop, as ``liveroom serve`` configures it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from liveroom import logs
from liveroom.api.app import LiveroomApp
from liveroom.api.transport import HttpProtocol, Limits, uvicorn_options

Address = tuple[str, int]


@asynccontextmanager
async def serving(app: LiveroomApp, limits: Limits | None = None, **options: Any) -> AsyncIterator[Address]:
    """``app`` (its lifespan already running) on a free local port, with liveroom's uvicorn options and an HTTP
    protocol of its own (``limits``, else the app's settings). No trusted proxy unless ``options`` say so (uvicorn
    trusts 127.0.0.1 by default, liveroom serve nobody)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Listening before uvicorn starts: a client connecting early waits in the backlog.
    sock.listen()
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        log_config=logs.uvicorn_config("text"),
        **(
            uvicorn_options(app.settings)
            | {"http": HttpProtocol.with_limits(limits or Limits.of(app.settings)), "proxy_headers": False}
            | options
        ),
    )
    web = uvicorn.Server(config)
    task = asyncio.create_task(web.serve(sockets=[sock]))
    try:
        yield sock.getsockname()
    finally:
        web.should_exit = True
        await task
        sock.close()
