"""Servers for SDK and CLI tests: the app served by uvicorn on a free port (for the sync ``Client``), and fixtures."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import uvicorn

from liveroom.api.app import LiveroomApp, create_app
from liveroom.client import AsyncClient
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThreadedServer:
    """The real app served by uvicorn over TCP on a free port, in a thread with its own event loop."""

    def __init__(self, database_url: str) -> None:
        self.app = create_app(Settings(database_url=database_url, access_log=False))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._server.serve(),))

    def start(self) -> None:
        self._thread.start()
        for _ in range(300):
            if self._server.started:
                break
            if not self._thread.is_alive():
                raise AssertionError("uvicorn stopped during start-up")
            threading.Event().wait(0.02)
        else:
            raise AssertionError("uvicorn did not start")
        manager = AppManager(self.app.store)
        self.run(manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN]))
        self.run(manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False)))

    def run(self, coroutine: Awaitable[T]) -> T:
        """Run ``coroutine`` on the server's loop (the store belongs to it)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)  # type: ignore[arg-type]

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._loop.close()


@pytest.fixture
def start_threaded(tmp_path: Path) -> Iterator[Callable[[str], ThreadedServer]]:
    servers: list[ThreadedServer] = []

    def start(name: str = "threaded") -> ThreadedServer:
        server = ThreadedServer(f"sqlite:///{tmp_path / (name + '.db')}")
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def threaded(start_threaded: Callable[[str], ThreadedServer]) -> ThreadedServer:
    return start_threaded("threaded")


@pytest.fixture
def asgi_http(server: LiveroomApp) -> Callable[[], httpx.AsyncClient]:
    def make() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=server, client=("203.0.113.9", 40000)))

    return make


@pytest.fixture
async def aclient(asgi_http: Callable[[], httpx.AsyncClient]) -> AsyncIterator[AsyncClient]:
    async with (
        asgi_http() as http,
        AsyncClient("http://liveroom.test", sdkappid=SDKAPPID, secret_key=SECRET_KEY, http=http) as sdk,
    ):
        yield sdk
