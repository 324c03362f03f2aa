"""Operations: ``/readyz``, ``/metrics``, JSON access logs, and a graceful stop of a real server process."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from liveroom import logs
from liveroom.api.app import CLOSE_SHUTDOWN, LiveroomApp, create_app
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.errors import ErrorCode
from liveroom.settings import Settings, SettingsError
from tests.helpers import ADMIN, SDKAPPID, SECRET_KEY, LiveClient
from tests.realtime.wsclient import WSClient
from tests.redis import service as redis_service
from tests.test_server_process import (  # noqa: F401 - fixtures
    StartServer,
    app_db,
    redis_prefix,
    redis_url,
    start_server,
    workers_args,
)

UNREACHABLE_REDIS = "redis://:t0p-secret@127.0.0.1:9/0"


async def _get(app: LiveroomApp, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://liveroom.test") as client:
        return await client.get(path)


# /healthz and /readyz ----------------------------------------------------------------------------------------


async def test_ready_when_the_store_answers(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"store": "ok"}}
    health = await http.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


async def test_not_ready_names_the_store_when_it_does_not_answer(settings: Settings) -> None:
    app = create_app(settings)  # never started: the store is not open
    response = await _get(app, "/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"store": "failed"}}


async def test_not_ready_names_redis_and_hides_its_url(settings: Settings) -> None:
    app = create_app(settings.with_(redis_url=UNREACHABLE_REDIS))
    await app.store.open()  # the store answers; Redis (nothing listens on port 9) does not
    try:
        response = await _get(app, "/readyz")
    finally:
        await app.store.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["store"] == "ok"
    assert body["checks"]["redis"] in {"failed", "timeout"}
    assert "t0p-secret" not in response.text
    assert "redis://" not in response.text
    assert "127.0.0.1" not in response.text


async def test_ready_with_redis(settings: Settings) -> None:
    url = redis_service.server_url()
    app = create_app(settings.with_(redis_url=url, redis_prefix=redis_service.new_prefix()))
    async with app.lifespan(app.web):
        response = await _get(app, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"store": "ok", "redis": "ok"}}


# /metrics ------------------------------------------------------------------------------------------------------


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition, None when it is absent."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match[1] != name:
            continue
        found = dict(re.findall(r'([a-z_]+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return None


async def test_metrics_count_requests_by_command_and_code(http: httpx.AsyncClient, live: LiveClient) -> None:
    await live.create_room("ops-1")
    await live.ok("get_room_info", {"RoomId": "ops-1"})
    await live.ok("get_room_info", {"RoomId": "ops-1"})
    await live.fails(100004, "get_room_info", {"RoomId": "nobody-here"})
    await http.post("/v4/live_engine_http_srv/no_such_api", params=live.query(), json={})

    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _sample(text, "liveroom_requests_total", command="create_room", code="0") == 1
    assert _sample(text, "liveroom_requests_total", command="get_room_info", code="0") == 2
    assert _sample(text, "liveroom_requests_total", command="get_room_info", code="100004") == 1
    # An unknown path is one label value, whatever the path: no label per attacker-chosen string.
    unknown = str(int(ErrorCode.UNKNOWN_RESOURCE))
    assert _sample(text, "liveroom_requests_total", command="-", code=unknown) == 1
    assert "no_such_api" not in text
    assert _sample(text, "liveroom_request_duration_seconds_count", command="get_room_info") == 3
    assert _sample(text, "liveroom_request_duration_seconds_bucket", command="get_room_info", le="+Inf") == 3
    assert _sample(text, "liveroom_request_duration_seconds_bucket", command="get_room_info", le="5.0") == 3
    assert (_sample(text, "liveroom_request_duration_seconds_sum", command="get_room_info") or 0) > 0
    # Scraping again adds nothing: what was gathered is moved into the metrics once.
    again = (await http.get("/metrics")).text
    assert _sample(again, "liveroom_requests_total", command="get_room_info", code="0") == 2
    assert _sample(again, "liveroom_request_duration_seconds_count", command="get_room_info") == 3


async def test_metrics_rooms(server: LiveroomApp, http: httpx.AsyncClient, live: LiveClient) -> None:
    server.metrics.refresh_seconds = 0  # count on every scrape, for the test
    assert _sample((await http.get("/metrics")).text, "liveroom_rooms") == 0
    await live.create_room("ops-a")
    await live.create_room("ops-b")
    assert _sample((await http.get("/metrics")).text, "liveroom_rooms") == 2
    await live.ok("destroy_room", {"RoomId": "ops-a"})
    assert _sample((await http.get("/metrics")).text, "liveroom_rooms") == 1


async def test_metrics_rooms_are_counted_at_most_every_refresh_interval(
    server: LiveroomApp, http: httpx.AsyncClient, live: LiveClient
) -> None:
    server.metrics.refresh_seconds = 3600
    await live.create_room("ops-c")
    # Counted when the server started, not again per scrape (nor per request).
    assert _sample((await http.get("/metrics")).text, "liveroom_rooms") == 0


async def test_metrics_online_members(server: LiveroomApp, http: httpx.AsyncClient) -> None:
    server.metrics.refresh_seconds = 0  # refresh on every scrape, for the test
    assert _sample((await http.get("/metrics")).text, "liveroom_online_members") == 0
    async with WSClient(server), WSClient(server):
        assert _sample((await http.get("/metrics")).text, "liveroom_online_members") == 2
    assert _sample((await http.get("/metrics")).text, "liveroom_online_members") == 0


# logs ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the ``liveroom`` loggers write, formatted as ``--log-format json`` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("liveroom")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
async def logged_http(settings: Settings) -> AsyncIterator[tuple[LiveroomApp, httpx.AsyncClient]]:
    app = create_app(settings.with_(access_log=True))
    async with app.lifespan(app.web):
        manager = AppManager(app.store)
        await manager.create(sdkappid=SDKAPPID, secret_key=SECRET_KEY, admins=[ADMIN])
        await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://liveroom.test") as client:
            yield app, client


async def test_json_access_log_line(
    logged_http: tuple[LiveroomApp, httpx.AsyncClient], json_lines: io.StringIO
) -> None:
    _app, http = logged_http
    live = LiveClient(http)
    data = await live.fails(100004, "get_room_info", {"RoomId": "absent"})
    assert data
    sig = live.sig()
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "liveroom.access"]
    assert len(access) == 1
    entry = access[0]
    assert entry["command"] == "get_room_info"
    assert entry["ErrorCode"] == 100004
    assert entry["client"] == "203.0.113.9"
    assert isinstance(entry["latency_ms"], float)
    assert re.fullmatch(r"[0-9A-Za-z-]+", entry["RequestId"])
    assert entry["level"] == "info"
    assert entry["time"].endswith("Z")
    text = json_lines.getvalue()
    assert sig not in text
    assert "usersig" not in text
    assert "?" not in text


async def test_the_access_log_request_id_is_the_answers(
    logged_http: tuple[LiveroomApp, httpx.AsyncClient], json_lines: io.StringIO
) -> None:
    _app, http = logged_http
    response = await http.post("/v4/live_engine_http_srv/get_room_info", params=LiveClient(http).query(), json={})
    entry = json.loads(json_lines.getvalue().splitlines()[-1])
    assert entry["RequestId"] == response.headers["x-request-id"] == response.json()["RequestId"]


def test_log_format_setting() -> None:
    assert Settings.from_env({"LIVEROOM_LOG_FORMAT": "json"}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"
    with pytest.raises(SettingsError, match="log_format"):
        Settings.from_env({"LIVEROOM_LOG_FORMAT": "xml"})


def test_json_formatter_includes_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("liveroom.error").makeRecord(
            "liveroom.error", logging.ERROR, __file__, 1, "internal error (%s)", ("rid-1",), sys.exc_info()
        )
    record.RequestId = "rid-1"
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["RequestId"] == "rid-1"
    assert line["message"] == "internal error (rid-1)"
    assert "ValueError: boom" in line["exception"]


def test_json_log_config_writes_other_libraries_warnings_as_json() -> None:
    """asyncio's loop exception handler (asyncpg reports a pool misuse through it) logs on the root logger."""
    script = (
        "import asyncio, logging.config; from liveroom import logs\n"
        "logging.config.dictConfig(logs.uvicorn_config('json'))\n"
        "async def main():\n"
        "    asyncio.get_running_loop().call_exception_handler({'message': 'a library complains'})\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("asyncio", "error", "a library complains")
    ]


# graceful shutdown (a real `liveroom serve` process) -----------------------------------------------------------


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight_and_tells_websockets(
    start_server: StartServer,  # noqa: F811
    app_db: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    server = start_server(app_db, "--log-format", "json")
    live_query = LiveClient(httpx.AsyncClient()).query()
    query = "&".join(f"{k}={v}" for k, v in live_query.items())
    body = b'{"RoomId":"in-flight"}'
    with ws_connect(f"ws://127.0.0.1:{server.port}/realtime", open_timeout=10) as ws:
        # A request whose body is only half sent when the server is told to stop.
        request = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        request.sendall(
            f"POST /v4/live_engine_http_srv/get_room_info?{query} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n".encode()
            + body[:5]
        )
        time.sleep(0.3)  # let the server start on it
        server.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CLOSE_SHUTDOWN
        request.sendall(body[5:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = request.recv(65536)
            if not chunk:
                break
            answer += chunk
        request.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert b'"ErrorCode":100004' in answer, answer  # the room does not exist: answered by the handler
    assert server.process.wait(15) in {0, -signal.SIGTERM}
    stderr = server.stderr
    assert "Application shutdown complete" in stderr
    for line in stderr.splitlines():
        json.loads(line)  # every line of --log-format json is one JSON object


@pytest.mark.slow
async def test_metrics_of_several_workers_are_summed(
    start_server: StartServer,  # noqa: F811
    app_db: str,  # noqa: F811
    redis_url: str,  # noqa: F811
    redis_prefix: str,  # noqa: F811
) -> None:
    server = start_server(app_db, *workers_args(2, redis_url, redis_prefix))
    calls = 40
    # A connection per request, so that the kernel hands them to both workers.
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as http:
        live = LiveClient(http)
        for _ in range(calls):
            await live.fails(100004, "get_room_info", {"RoomId": "nowhere"})
        # Each worker moves its figures into the shared files within a second; poll (a guard, not a timing check).
        seen: float | None = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = (await http.get("/metrics")).text
            seen = _sample(text, "liveroom_requests_total", command="get_room_info", code="100004")
            if seen == calls:
                break
            await asyncio.sleep(0.2)
    assert seen == calls, text
    server.terminate()
