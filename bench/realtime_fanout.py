"""Realtime fan-out: N members in one room over real WebSockets, the app backend sending M messages by REST, next to
the bare broadcast ceiling (bench/broadcast_ceiling.py) driven the same way in the same run.

``python -m bench.realtime_fanout --members 1000 --messages 200``: a fresh database (app through the CLI, rate
limits off), ``liveroom serve`` pinned to core 0, this process (all the clients) pinned to core 1; then the ceiling
on core 0. Reports how fast members enter, deliveries per second from the first message sent until every member has
every message, the server's CPU per delivery (its CPU time over the publishing phase, the publishing requests
included, divided by members x messages), the delivery latency (publish sent to frame read, this process's own
queueing included) and the server's resident memory. Members heartbeat as the protocol asks. With one client
process doing all the decoding, deliveries per second and latency are bounds of what the server can do; CPU per
delivery is the server's own.

``--in-flight 10`` sends the messages as a burst, ten requests at a time (the ceiling's publisher still sends one
after the other), and ``--publisher-thread`` from a thread with an event loop of its own, so that they are not sent
only as fast as the one process reads 1,000 members' frames; ``--compare-batches`` runs liveroom twice, with batches off
(``LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS=0``) and with the default settings, before the ceiling: a busy room's
messages then reach members in ``events`` frames (docs/realtime.md, "Batches"), which the members here count message
by message. ``--batch-threshold 1`` batches the second run's room as soon as two messages come within the window
(the default, more than 5 within 100 ms, is more than this bench sends on a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from liveroom import usersig

SDKAPPID = 1400000000
ADMIN = "administrator"
ROOM = "fanout"


HEARTBEAT_SECONDS = 15.0
MARK = b'"TextContent":"message '
ENTERING_AT_ONCE = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Rest:
    def __init__(self, base: str, key: str) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=30)
        self.sig = usersig.generate(SDKAPPID, key, ADMIN, 86400)

    async def call(self, service: str, command: str, body: dict[str, Any]) -> dict[str, Any]:
        params = {
            "sdkappid": str(SDKAPPID),
            "identifier": ADMIN,
            "usersig": self.sig,
            "random": str(secrets.randbelow(2**32)),
            "contenttype": "json",
        }
        answer: dict[str, Any] = (await self.client.post(f"/v4/{service}/{command}", params=params, json=body)).json()
        if answer["ErrorCode"] != 0:
            raise SystemExit(f"{command}: {answer}")
        return answer


class Member:
    """One client: reads every frame, counts the messages and when each arrived, heartbeats meanwhile."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.arrived: dict[int, float] = {}
        # Frames that carried messages.
        self.frames = 0
        self.heartbeat = asyncio.create_task(self._heartbeat())

    async def _heartbeat(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS)
                await self.ws.send('{"type":"heartbeat"}')

    async def receive(self, count: int) -> None:
        # Not decoded as JSON: this one process reads every member's frames, and must keep up.
        while len(self.arrived) < count:
            frame = await self.ws.recv(decode=False)
            at = frame.find(MARK)
            now = time.perf_counter()
            self.frames += at >= 0
            while at >= 0:  # a batch carries several
                end = frame.index(b'"', at + len(MARK))
                self.arrived[int(frame[at + len(MARK) : end])] = now
                at = frame.find(MARK, end)

    async def close(self) -> None:
        self.heartbeat.cancel()
        await self.ws.close()


async def liveroom_member(url: str, key: str, user: str) -> Member:
    ws = await connect(url, max_queue=None, compression=None, ping_interval=None)
    auth = {
        "type": "auth",
        "sdkappid": SDKAPPID,
        "identifier": user,
        "usersig": usersig.generate(SDKAPPID, key, user, 86400),
    }
    await ws.send(json.dumps(auth))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    await ws.send(json.dumps({"type": "enter", "RoomId": ROOM}))
    while json.loads(await ws.recv())["type"] != "entered":
        pass
    return Member(ws)


async def ceiling_member(url: str) -> Member:
    return Member(await connect(url, max_queue=None, compression=None, ping_interval=None))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def burst(publish: Callable[[int], Awaitable[None]], sent: list[float], in_flight: int) -> None:
    """Message i of ``sent`` through ``publish``, ``in_flight`` at a time, noting when each was sent."""
    numbers = iter(range(len(sent)))

    async def sender() -> None:
        for i in numbers:
            sent[i] = time.perf_counter()
            await publish(i)

    await asyncio.gather(*(sender() for _ in range(in_flight)))


async def publish_and_measure(
    conns: list[Member], messages: int, send_all: Callable[[list[float]], Awaitable[None]], server_pid: int
) -> dict[str, Any]:
    # Let the member events of the entries drain first.
    await asyncio.sleep(1)
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    receivers = [asyncio.create_task(member.receive(messages)) for member in conns]
    sent = [0.0] * messages
    await send_all(sent)
    sent_seconds = time.perf_counter() - started
    await asyncio.gather(*receivers)
    seconds = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    latencies = [(at - sent[i]) * 1000 for member in conns for i, at in member.arrived.items()]
    deliveries = len(conns) * messages
    frames = sum(member.frames for member in conns)
    return {
        "publishes_per_second": round(messages / sent_seconds),
        "deliveries_per_second": round(deliveries / seconds),
        "server_cpu_seconds": round(server_cpu, 2),
        "server_cpu_us_per_delivery": round(server_cpu / deliveries * 1e6, 2),
        "frames_per_member": round(frames / len(conns), 1),
        "latency_ms_p50": round(percentile(latencies, 0.5), 1),
        "latency_ms_p99": round(percentile(latencies, 0.99), 1),
        "server_rss_mib": rss_mib(server_pid),
    }


async def run_liveroom(
    members: int, messages: int, base: str, key: str, server_pid: int, in_flight: int, in_thread: bool
) -> dict[str, Any]:
    rest = Rest(base, key)
    users = [f"u{i}" for i in range(members)]
    for start in range(0, members, 100):
        await rest.call("im_open_login_svc", "multiaccount_import", {"Accounts": users[start : start + 100]})
    await rest.call("live_engine_http_srv", "create_room", {"RoomInfo": {"RoomId": ROOM, "RoomType": "Live"}})
    url = base.replace("http://", "ws://") + "/realtime"
    started = time.perf_counter()
    conns = []
    for start in range(0, members, ENTERING_AT_ONCE):
        batch = users[start : start + ENTERING_AT_ONCE]
        conns += await asyncio.gather(*(liveroom_member(url, key, user) for user in batch))
    enter_seconds = time.perf_counter() - started

    def publisher(rest: Rest) -> Callable[[int], Awaitable[None]]:
        async def publish(i: int) -> None:
            body = {"RoomId": ROOM, "Sender_Account": "u0", "TextContent": f"message {i}"}
            await rest.call("live_engine_http_srv", "send_text_msg", body)

        return publish

    async def fresh_burst(sent: list[float]) -> None:
        own = Rest(base, key)
        try:
            await burst(publisher(own), sent, in_flight)
        finally:
            await own.client.aclose()

    async def send_all(sent: list[float]) -> None:
        if in_thread:
            # Its own event loop: the senders are not queued behind the reading of every member's frames.
            await asyncio.to_thread(asyncio.run, fresh_burst(sent))
        else:
            await fresh_burst(sent)

    result = {"entries_per_second": round(members / enter_seconds)}
    result |= await publish_and_measure(conns, messages, send_all, server_pid)
    info = await rest.call("live_engine_http_srv", "get_room_info", {"RoomId": ROOM})
    result |= {k: info["Response"]["RoomInfo"][k] for k in ("MemberCount", "ViewCount")}
    for member in conns:
        await member.close()
    return result


async def run_ceiling(members: int, messages: int, url: str, server_pid: int) -> dict[str, Any]:
    started = time.perf_counter()
    conns = []
    for start in range(0, members, ENTERING_AT_ONCE):
        at_once = min(ENTERING_AT_ONCE, members - start)
        conns += await asyncio.gather(*(ceiling_member(url) for _ in range(at_once)))
    enter_seconds = time.perf_counter() - started
    publisher = await connect(url + "publish", compression=None, ping_interval=None)

    async def publish(i: int) -> None:
        await publisher.send(f"message {i}")
        await publisher.recv()

    result = {"entries_per_second": round(members / enter_seconds)}
    result |= await publish_and_measure(conns, messages, lambda sent: burst(publish, sent, 1), server_pid)
    await publisher.close()
    for member in conns:
        await member.close()
    return result


def wait_listening(port: int) -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(10)


def run_server(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """A fresh liveroom with the settings ``env``, measured."""
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/liveroom.db"
        key = secrets.token_hex(32)
        common = ["--database", database, "--json"]
        create = ["liveroom", "app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", key, "--admin", ADMIN]
        subprocess.run([*create, *common], check=True, capture_output=True)
        subprocess.run(
            ["liveroom", "app", "quota", str(SDKAPPID), "--no-rate-limits", *common], check=True, capture_output=True
        )
        port = free_port()
        server = subprocess.Popen(
            ["taskset", "-c", "0", "liveroom", "serve", "--port", str(port), "--database", database, "--no-access-log"],
            # A sender of the burst may wait longer than the default 5 s between two requests while this process
            # reads the members' frames: the connection must still be open then.
            env=os.environ | {"LIVEROOM_LOG_LEVEL": "warning", "LIVEROOM_KEEP_ALIVE_TIMEOUT_SECONDS": "300"} | env,
            start_new_session=True,
        )
        try:
            wait_listening(port)
            base = f"http://127.0.0.1:{port}"
            run = run_liveroom(
                args.members, args.messages, base, key, server.pid, args.in_flight, args.publisher_thread
            )
            return asyncio.run(run)
        finally:
            stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=1, help="liveroom's messages sent this many at a time")
    parser.add_argument(
        "--publisher-thread", action="store_true", help="liveroom's messages sent from a thread of their own"
    )
    parser.add_argument(
        "--batch-threshold", type=int, help="LIVEROOM_REALTIME_BATCH_THRESHOLD of liveroom's run (default: its own)"
    )
    parser.add_argument("--compare-batches", action="store_true", help="liveroom with batches off, then on")
    parser.add_argument("--no-ceiling", action="store_true", help="liveroom alone")
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    results: dict[str, Any] = {"members": args.members, "messages": args.messages, "in_flight": args.in_flight}
    results["batch_threshold"] = args.batch_threshold
    if args.compare_batches:
        results["liveroom_unbatched"] = run_server(args, {"LIVEROOM_REALTIME_BATCH_WINDOW_SECONDS": "0"})
    threshold = {} if args.batch_threshold is None else {"LIVEROOM_REALTIME_BATCH_THRESHOLD": str(args.batch_threshold)}
    results["liveroom"] = run_server(args, threshold)
    if not args.no_ceiling:
        port = free_port()
        ceiling = subprocess.Popen(
            ["taskset", "-c", "0", sys.executable, "-m", "bench.broadcast_ceiling", "--port", str(port)],
            start_new_session=True,
        )
        try:
            wait_listening(port)
            url = f"ws://127.0.0.1:{port}/"
            results["ceiling"] = asyncio.run(run_ceiling(args.members, args.messages, url, ceiling.pid))
        finally:
            stop(ceiling)
        floor = results["ceiling"]["server_cpu_us_per_delivery"]
        results["cpu_per_delivery_x_ceiling"] = round(results["liveroom"]["server_cpu_us_per_delivery"] / floor, 2)
        if args.compare_batches:
            unbatched = results["liveroom_unbatched"]["server_cpu_us_per_delivery"]
            results["unbatched_cpu_per_delivery_x_ceiling"] = round(unbatched / floor, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
