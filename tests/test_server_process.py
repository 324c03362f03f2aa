"""Real server processes: ``liveroom serve`` on a port, stopped, killed with SIGKILL and run with two workers.

These start the installed ``liveroom`` command exactly as an operator does, so they cover what in-process tests
cannot: answered writes surviving a process crash (decisions.md section 7), one winner among concurrent creators
when the competitors are separate processes (section 6), and the ``--dev`` curl line working as printed. Each runs
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect as websockets_connect

from tests.helpers import ADMIN, IM, SDKAPPID, SECRET_KEY, LiveClient, tencent_sig
from tests.redis.conftest import redis_prefix, redis_url

__all__ = ["redis_prefix", "redis_url"]  # fixtures, imported to be found by pytest

pytestmark = pytest.mark.slow

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0
SEQ = re.compile(r"-O-Seq-(\d+)$")


def liveroom_command() -> list[str]:
    script = Path(sys.executable).with_name("liveroom")
    if script.exists():
        return [str(script)]
    found = shutil.which("liveroom")
    return [found] if found else [sys.executable, "-c", "from liveroom.cli import main; main()"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    """The environment without LIVEROOM_* settings of whoever runs the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEROOM_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*liveroom_command(), *args], capture_output=True, text=True, timeout=60, env=clean_env(), check=False
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


class Server:
    """One ``liveroom serve`` process group; output goes to files so a full pipe can never stall it."""

    def __init__(
        self, database_url: str, port: int, log_dir: Path, args: tuple[str, ...], env: dict[str, str] | None = None
    ) -> None:
        self.database_url = database_url
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.stdout_path = log_dir / f"serve-{port}-{time.monotonic_ns()}.out"
        self.stderr_path = self.stdout_path.with_suffix(".err")
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [
                    *liveroom_command(),
                    "serve",
                    "--port",
                    str(port),
                    "--database",
                    database_url,
                    "--no-access-log",
                    *args,
                ],
                stdout=out,
                stderr=err,
                env=clean_env() | (env or {}),
                start_new_session=True,  # its own process group: workers go down with it
            )

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.stderr}")
            try:
                response = httpx.get(f"{self.base_url}/healthz", timeout=2)
                if response.status_code == 200 and response.json() == {"status": "ok"}:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not healthy after {START_TIMEOUT}s:\n{self.stderr}")

    def terminate(self) -> None:
        """SIGTERM, as a service manager stops it; insists on a graceful shutdown."""
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server ignored SIGTERM for {STOP_TIMEOUT}s:\n{self.stderr}") from None
        # uvicorn re-raises the signal after its graceful shutdown, so "killed by SIGTERM" is a clean stop.
        assert status in {0, -signal.SIGTERM}, (status, self.stderr)
        assert "Application shutdown complete" in self.stderr, self.stderr

    def kill(self) -> None:
        """SIGKILL to the whole process group (the workers too): the crash no handler runs for."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_TIMEOUT)


StartServer = Callable[..., Server]


@pytest.fixture
def database_url(backend_url: str) -> str:
    """Each test runs on SQLite and on PostgreSQL (tests/conftest.py)."""
    return backend_url


@pytest.fixture
def app_db(database_url: str) -> str:
    """A database with the test app, created by the CLI before any server runs; rate limits off."""
    created = run_cli(
        "app",
        "create",
        "--sdkappid",
        str(SDKAPPID),
        "--secret-key",
        SECRET_KEY,
        "--admin",
        ADMIN,
        "--database",
        database_url,
        "--json",
    )
    assert json.loads(created.stdout)["SDKAppID"] == SDKAPPID
    run_cli("app", "quota", str(SDKAPPID), "--no-rate-limits", "--database", database_url)
    return database_url


def redis_args(redis_url: str, redis_prefix: str) -> tuple[str, ...]:
    """What makes several nodes on one PostgreSQL schema one server (else the second is refused: exit 17)."""
    return ("--redis", redis_url, "--redis-prefix", redis_prefix)


def workers_args(workers: int, redis_url: str, redis_prefix: str) -> tuple[str, ...]:
    """``--workers N``, with the Redis that makes more than one worker one server (else refused: exit 16)."""
    redis = ("--redis", redis_url, "--redis-prefix", redis_prefix) if workers > 1 else ()
    return ("--workers", str(workers), *redis)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    servers: list[Server] = []

    def start(
        database_url: str, *args: str, port: int | None = None, wait: bool = True, env: dict[str, str] | None = None
    ) -> Server:
        """``env``: LIVEROOM_* settings that have no flag."""
        server = Server(database_url, port or free_port(), tmp_path, args, env)
        servers.append(server)
        if wait:
            server.wait_healthy()
        return server

    yield start
    for server in servers:
        server.kill()
        # Shown by pytest only when the test failed: what each server said, for a failure seen once in CI.
        print(f"--- liveroom serve on port {server.port}, stderr (last 4,000 characters):\n{server.stderr[-4000:]}")


def client_for(server: Server, *, keepalive: bool = True) -> httpx.AsyncClient:
    """``keepalive=False``: a new connection per request, so the kernel hands requests to any worker."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100 if keepalive else 0)
    return httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT, limits=limits)


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[Server], LiveClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(server: Server) -> LiveClient:
        http = client_for(server)
        clients.append(http)
        return LiveClient(http)

    yield make
    for http in clients:
        await http.aclose()


async def room_info(live: LiveClient, room_id: str) -> dict[str, Any]:
    data = await live.ok("get_room_info", {"RoomId": room_id})
    info: dict[str, Any] = data["Response"]["RoomInfo"]
    return info


# (a) a clean stop and start ----------------------------------------------------------------------------------


async def test_a_room_survives_a_stop_and_start(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    server = start_server(app_db)
    live = connect(server)
    await live.create_room("kept-room", RoomName="直播 one", Category=[4], IsSeatEnabled=True)
    before = await room_info(live, "kept-room")
    server.terminate()
    await live.http.aclose()

    restarted = start_server(app_db, port=server.port)
    after = await room_info(connect(restarted), "kept-room")
    assert after == before
    assert after["RoomName"] == "直播 one"


# (b) kill -9 right after a successful answer -------------------------------------------------------------------


async def test_answered_writes_survive_kill_9(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    port = free_port()

    async def write_then_crash(command: str, body: dict[str, Any]) -> None:
        server = start_server(app_db, port=port)
        live = connect(server)
        await live.ok(command, body)
        server.kill()  # no shutdown, no checkpoint: only what the answer promised
        await live.http.aclose()

    await write_then_crash("create_room", {"RoomInfo": {"RoomId": "crash-room", "RoomType": "Live"}})
    await write_then_crash(
        "update_room_info", {"RoomInfo": {"RoomId": "crash-room", "RoomName": "renamed", "Notice": "still here"}}
    )
    await write_then_crash(
        "set_room_metadata", {"RoomId": "crash-room", "Metadata": [{"Key": "k", "Value": "v" * 2048}]}
    )

    live = connect(start_server(app_db, port=port))
    info = await room_info(live, "crash-room")
    assert (info["RoomName"], info["Notice"]) == ("renamed", "still here")
    metadata = await live.ok("get_room_metadata", {"RoomId": "crash-room", "Keys": []})
    assert metadata["Response"]["Metadata"] == [{"Key": "k", "Value": "v" * 2048}]


async def test_every_answered_write_of_a_burst_survives_kill_9(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    port = free_port()
    server = start_server(app_db, port=port)
    live = connect(server)

    async def create(i: int) -> tuple[str, int]:
        data = await live.call("create_room", {"RoomInfo": {"RoomId": f"burst-{i}", "RoomType": "Live"}})
        return f"burst-{i}", int(data["ErrorCode"])

    answers = await asyncio.wait_for(asyncio.gather(*(create(i) for i in range(40))), REQUEST_TIMEOUT)
    server.kill()
    await live.http.aclose()
    assert {code for _, code in answers} == {0}

    live = connect(start_server(app_db, port=port))
    listed: list[str] = []
    next_cursor = ""
    for _ in range(10):
        page = (await live.ok("get_room_list", {"Next": next_cursor, "Count": 20}))["Response"]
        listed += [room["RoomId"] for room in page["RoomList"]]
        next_cursor = page["Next"]
        if not next_cursor:
            break
    assert sorted(listed) == sorted(room_id for room_id, _ in answers)


async def test_every_like_answered_ok_survives_kill_9_in_the_middle_of_a_storm(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient]
) -> None:
    """Likes are counted a window at a time (realtime/likes.py) and answered only once their window's write has
    committed: killed while likes are still arriving, the server has counted every like it answered, and at most
    the ones it was sent."""
    port = free_port()
    server = start_server(app_db, port=port)
    live = connect(server)
    fans = [f"fan{i}" for i in range(8)]
    await live.ok("multiaccount_import", {"AccountList": [{"UserID": fan} for fan in fans]}, service=IM)
    await live.create_room("liked")
    answered: list[int] = []
    sent: list[int] = []
    some_answered = asyncio.Event()

    async def storm(fan: str) -> None:
        async with websockets_connect(server.base_url.replace("http", "ws") + "/realtime") as ws:
            auth = {"type": "auth", "sdkappid": SDKAPPID, "identifier": fan, "usersig": tencent_sig(fan)}
            await ws.send(json.dumps(auth))
            await ws.send(json.dumps({"type": "enter", "id": "e", "RoomId": "liked"}))
            while json.loads(await ws.recv()).get("type") != "entered":
                pass
            counts = {i: 1 + i % 7 for i in range(50)}

            async def read() -> None:
                while True:
                    frame = json.loads(await ws.recv())
                    if frame.get("type") == "ok":
                        answered.append(counts[frame["ref"]])
                        if len(answered) >= 40:
                            some_answered.set()

            reading = asyncio.create_task(read())
            try:
                # A like every 60 ms for 3 s (under the 20 frames a second a member may send): several windows
                # of them, the kill in the middle.
                for i, count in counts.items():
                    await ws.send(json.dumps({"type": "like", "id": i, "RoomId": "liked", "Count": count}))
                    sent.append(count)
                    await asyncio.sleep(0.06)
                await reading
            finally:
                reading.cancel()

    storms = [asyncio.create_task(storm(fan)) for fan in fans]
    await asyncio.wait_for(some_answered.wait(), REQUEST_TIMEOUT)
    # Half a window on: the likes sent since wait for the next write.
    await asyncio.sleep(0.1)
    server.kill()
    # Each storm reads what the server had sent until its connection is gone.
    await asyncio.wait_for(asyncio.gather(*storms, return_exceptions=True), REQUEST_TIMEOUT)
    await live.http.aclose()
    # Killed in the middle: likes were still waiting for their window.
    assert len(answered) < len(sent)

    live = connect(start_server(app_db, port=port))
    total = (await live.ok("get_room_stats", {"RoomId": "liked"}))["Response"]["TotalLikesReceived"]
    assert sum(answered) <= total <= sum(sent)


# (c) concurrent creation of one RoomId ------------------------------------------------------------------------


async def create_concurrently(live: LiveClient, room_id: str, owners: list[str | None]) -> list[dict[str, Any]]:
    """One create_room per owner, all at once (None: no Owner_Account, so the caller owns the room)."""

    async def create(owner: str | None) -> dict[str, Any]:
        info: dict[str, Any] = {"RoomId": room_id, "RoomType": "Live"}
        if owner is not None:
            info["Owner_Account"] = owner
        return await live.call("create_room", {"RoomInfo": info})

    return await asyncio.wait_for(asyncio.gather(*(create(o) for o in owners)), REQUEST_TIMEOUT)


def processes_seen(answers: list[dict[str, Any]]) -> int:
    """At least how many processes answered: each numbers its RequestIds 1, 2, 3, ... on its own."""
    sequences: Counter[int] = Counter()
    for answer in answers:
        match = SEQ.search(answer["RequestId"])
        assert match, answer
        sequences[int(match.group(1))] += 1
    return max(sequences.values())


async def wait_for_workers(server: Server, workers: int) -> None:
    """/healthz answers once one worker listens; wait until ``workers`` of them answer API calls."""
    answers: list[dict[str, Any]] = []
    async with client_for(server, keepalive=False) as http:
        live = LiveClient(http)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            answers += await asyncio.gather(*(live.ok("get_room_list", {"Count": 1}) for _ in range(8)))
            if processes_seen(answers) >= workers:
                return
            await asyncio.sleep(0.2)
    raise AssertionError(f"fewer than {workers} workers answer:\n{server.stderr}")


@pytest.mark.parametrize("workers", [1, 2])
async def test_one_winner_among_50_concurrent_creators(
    app_db: str, start_server: StartServer, workers: int, redis_url: str, redis_prefix: str
) -> None:
    server = start_server(app_db, *workers_args(workers, redis_url, redis_prefix))
    await wait_for_workers(server, workers)
    # New connections for every request, so each round is spread over the workers afresh.
    http = client_for(server, keepalive=False)
    live = LiveClient(http)
    users: list[str | None] = [f"user{i}" for i in range(50)]
    await live.ok("multiaccount_import", {"Accounts": users}, service=IM)
    several_processes = False
    for attempt in range(10):
        same_owner = await create_concurrently(live, f"same-{attempt}", [None] * 25 + [ADMIN] * 25)
        codes = Counter(a["ErrorCode"] for a in same_owner)
        assert codes == {0: 1, 100010: 49}, codes
        assert all(a["ActionStatus"] == ("OK" if a["ErrorCode"] == 0 else "FAIL") for a in same_owner)

        owners = await create_concurrently(live, f"owners-{attempt}", users)
        codes = Counter(a["ErrorCode"] for a in owners)
        assert codes == {0: 1, 100003: 49}, codes
        winner = users[[a["ErrorCode"] for a in owners].index(0)]
        assert (await room_info(live, f"owners-{attempt}"))["Owner_Account"] == winner

        several_processes = processes_seen(same_owner + owners) >= 2
        if workers == 1 or several_processes:
            break
    await http.aclose()
    if workers == 2:
        assert several_processes, "every request went to one worker; the race was not across processes"


async def test_two_workers_share_one_database(
    app_db: str, start_server: StartServer, redis_url: str, redis_prefix: str
) -> None:
    """A room created through one worker is read, changed and destroyed through the other."""
    server = start_server(app_db, *workers_args(2, redis_url, redis_prefix))
    await wait_for_workers(server, 2)
    http = client_for(server, keepalive=False)
    live = LiveClient(http)
    answers: list[dict[str, Any]] = []
    # The kernel hands each new connection to whichever worker takes it first: at least 20 rounds, and more until
    # both workers have answered (sequential connections can all go to one of them for a while).
    for i in range(200):
        await live.create_room(f"shared-{i}")
        answers.append(await live.ok("update_room_info", {"RoomInfo": {"RoomId": f"shared-{i}", "Notice": "n"}}))
        answers.append(await live.ok("get_room_info", {"RoomId": f"shared-{i}"}))
        assert answers[-1]["Response"]["RoomInfo"]["Notice"] == "n"
        answers.append(await live.ok("destroy_room", {"RoomId": f"shared-{i}"}))
        await live.fails(100004, "get_room_info", {"RoomId": f"shared-{i}"})
        if i >= 19 and processes_seen(answers) >= 2:
            break
    await http.aclose()
    assert processes_seen(answers) >= 2, "every request went to one worker"


# the CLI changing apps beside a running server ----------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
async def test_apps_changed_by_the_cli_take_effect_at_once(
    app_db: str, start_server: StartServer, workers: int, redis_url: str, redis_prefix: str
) -> None:
    server = start_server(app_db, *workers_args(workers, redis_url, redis_prefix))
    await wait_for_workers(server, workers)
    other_app, other_key = SDKAPPID + 7, "0123456789abcdef" * 4
    run_cli("app", "create", "--sdkappid", str(other_app), "--secret-key", other_key, "--database", app_db)
    http = client_for(server, keepalive=False)
    other = LiveClient(http, sdkappid=other_app, key=other_key)
    try:
        for _ in range(4):  # with two workers, both of them are likely to answer
            await other.ok("get_room_list", {})
        run_cli("app", "rotate-key", str(other_app), "--database", app_db)
        for _ in range(4):
            await other.fails(70009, "get_room_list", {})
        run_cli("app", "disable", str(other_app), "--database", app_db)
        for _ in range(4):
            await other.fails(60016, "get_room_list", {})
    finally:
        await http.aclose()


# (d) the --dev curl line --------------------------------------------------------------------------------------


def curl_line(server: Server) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        lines = [line for line in server.stderr.splitlines() if line.startswith("curl ")]
        if lines:
            assert len(lines) == 1, lines
            return lines[0]
        if server.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"no curl line on stderr:\n{server.stderr}")


def run_curl(line: str) -> dict[str, Any]:
    result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, (line, result.stderr)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_dev_prints_a_curl_line_that_works_as_printed(database_url: str, start_server: StartServer) -> None:
    server = start_server(database_url, "--dev", wait=False)
    line = curl_line(server)
    server.wait_healthy()
    assert f":{server.port}/v4/live_engine_http_srv/get_room_info?" in line
    data = run_curl(line)
    assert (data["ActionStatus"], data["ErrorCode"], data["ErrorInfo"]) == ("OK", 0, "")
    assert data["Response"]["RoomInfo"]["RoomId"] == "demo-room"
    assert data["Response"]["RoomInfo"]["Owner_Account"] == ADMIN

    # A second --dev start on the same database keeps the app and the room; its new line works too.
    server.terminate()
    again = start_server(database_url, "--dev", port=server.port, wait=False)
    second = curl_line(again)
    again.wait_healthy()
    assert run_curl(second)["Response"]["RoomInfo"] == data["Response"]["RoomInfo"]
    assert "liveroom dev app ready" in again.stderr
