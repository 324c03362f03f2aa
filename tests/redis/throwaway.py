"""A Redis server of the test's own, to stop and restart empty: the shared Redis of 127.0.0.1:6379 is never
stopped, restarted or flushed by a test.

``redis-server`` runs as a child process on a free port, without persistence (``--save ""``, no AOF), so that a
restart starts empty, as a Redis that lost its data does. Without the binary, tests that need it skip, and fail
when ``CI`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

import redis
from tests.client.servers import free_port
from tests.redis.service import IN_CI

START_TIMEOUT = 10.0


class ThrowawayRedis:
    def __init__(self, binary: str) -> None:
        self._binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again, empty)."""
        assert self._process is None, "already running"
        self._process = subprocess.Popen(
            [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        with redis.Redis.from_url(self.url, socket_connect_timeout=1) as client:
            while True:
                try:
                    client.ping()
                    return
                except redis.RedisError:
                    if time.monotonic() > deadline or self._process.poll() is not None:
                        raise
                    time.sleep(0.02)

    def kill(self) -> None:
        """Kill it at once (SIGKILL), as a crash would: everything it held is gone."""
        process, self._process = self._process, None
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait(START_TIMEOUT)

    def restart_empty(self) -> None:
        self.kill()
        self.start()


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server): needed to stop and restart a Redis"
        if IN_CI:
            pytest.fail(f"CI needs {message}", pytrace=False)
        pytest.skip(message)
    server = ThrowawayRedis(binary)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class Cuttable:
    """A TCP proxy to a Redis that the test can cut (every connection through it dropped, new ones refused) and
    mend: one node cut off from Redis while the others are not."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def mend(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for writer in list(self._writers):
            writer.close()

    async def _pipe(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        redis_reader, redis_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._writers |= {client_writer, redis_writer}

        async def copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        await asyncio.gather(copy(client_reader, redis_writer), copy(redis_reader, client_writer))
        self._writers -= {client_writer, redis_writer}
