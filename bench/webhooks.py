"""Webhook delivery: ``python -m bench.webhooks`` (figures in BENCHMARKS.md, "Webhooks").

``liveroom serve`` on core 0 with a fresh SQLite database; on core 1 a receiver (``--receiver``: a bare ASGI app
on uvicorn/httptools that answers the callback envelope at once and notes when each event arrived) and this
process, which makes the REST load with aiohttp. Every REST write is ``set_room_metadata`` with a unique value, so
the receiver's notes say which answered write's event arrived, and when.

1. throughput: 50,000 events put in the outbox while no callback was configured (as ``bench.seed`` seeds rooms),
   then the callback is configured and the outbox drains while REST writes arrive at 1,000/s: events/s delivered.
2. cost: server CPU per REST write, closed loop, without and with a callback configured.
3. latency: REST writes at 500/s for 20 s; from the REST answer to the receiver, p50/p99.
4. kill -9: 20 rounds of writes at 300/s killed at a random moment, then a restart; acknowledged writes whose event
   never arrived must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from bench import run, seed
from liveroom.domain.callbacks import SET_METADATA, record
from liveroom.domain.context import Caller, Services
from liveroom.domain.events import MetadataChanged, MetadataItem
from liveroom.store import open_store
from liveroom.store.interface import CallbackConfig

ROOMS = 1000
COMMANDS = [SET_METADATA]


# the receiver (its own process) ----------------------------------------------------------------------------


def receiver_main(port: int) -> None:
    """A receiver that costs next to nothing, so that the sender is what is measured: httptools on a bare asyncio
    protocol (uvloop), answering each POST at once and noting when each value first arrived; GET answers the
    notes."""
    import httptools
    import uvloop

    arrivals: dict[str, float] = {}
    count = 0
    ok = b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
    ok_response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(ok), ok)
    marker = b'"Value":"'

    class Protocol(asyncio.Protocol):
        def __init__(self) -> None:
            self.parser = httptools.HttpRequestParser(self)
            self.body: list[bytes] = []
            self.url = b""
            self.transport: Any = None

        def on_url(self, url: bytes) -> None:
            self.url = url

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_body(self, body: bytes) -> None:
            self.body.append(body)

        def on_message_complete(self) -> None:
            nonlocal count
            assert self.transport is not None
            body, self.body = b"".join(self.body), []
            if self.parser.get_method() == b"GET":
                wanted = {"count": count} if self.url == b"/count" else {"count": count, "arrivals": arrivals}
                answer = json.dumps(wanted).encode()
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                self.transport.write(head % len(answer) + answer)
                return
            count += 1
            at = body.find(marker)
            if at >= 0:
                value = body[at + len(marker) : body.index(b'"', at + len(marker))].decode()
                arrivals.setdefault(value, time.time())
            self.transport.write(ok_response)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    uvloop.run(serve())


# the REST load ----------------------------------------------------------------------------------------------


class Rest:
    def __init__(self, base: str, sig: str) -> None:
        self.base = base
        self.sig = sig
        self.session: aiohttp.ClientSession | None = None
        self.answered: dict[str, float] = {}
        self.seq = 0

    async def __aenter__(self) -> Rest:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        await self.session.close()

    async def call(self, service: str, command: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.session is not None
        query = {
            "sdkappid": str(run.SDKAPPID),
            "identifier": run.ADMIN,
            "usersig": self.sig,
            "random": str(random.getrandbits(32)),
            "contenttype": "json",
        }
        async with self.session.post(f"{self.base}/v4/{service}/{command}", params=query, json=body) as response:
            answer: dict[str, Any] = await response.json(content_type=None)
        if answer["ErrorCode"] != 0:
            raise SystemExit(f"bench: {command} answered {answer}")
        return answer

    async def write(self) -> None:
        self.seq += 1
        value = f"{self.seq}-{random.getrandbits(32)}"
        room = seed.room_id(self.seq % ROOMS)
        await self.call(run.SERVICE, "set_room_metadata", {"RoomId": room, "Metadata": [{"Key": "v", "Value": value}]})
        self.answered[value] = time.time()

    async def open_loop(self, rate: float, seconds: float) -> int:
        """Writes started at ``rate`` a second for ``seconds``, whatever the answers take; answers how many."""
        tasks: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        n = 0
        try:
            while (elapsed := time.monotonic() - start) < seconds:
                due = int(elapsed * rate) + 1
                while n < due:
                    task = asyncio.create_task(self.write())
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    n += 1
                await asyncio.sleep(0.001)
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return n

    async def closed_loop(self, seconds: float, concurrency: int = 32) -> int:
        done = 0
        end = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < end:
                await self.write()
                done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done


async def delivered(session: aiohttp.ClientSession, port: int) -> int:
    async with session.get(f"http://127.0.0.1:{port}/count") as response:
        return int((await response.json())["count"])


async def arrivals(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, float]]:
    async with session.get(f"http://127.0.0.1:{port}/arrivals") as response:
        data = await response.json()
    return int(data["count"]), data["arrivals"]


# the phases -------------------------------------------------------------------------------------------------


def start_receiver(tmp: Path) -> tuple[run.Server, int]:
    port = run.free_port()
    server = run.Server(
        "receiver", [sys.executable, "-m", "bench.webhooks", "--receiver", str(port)], "1", port, tmp / "receiver.log"
    )
    started = server.start("/count")
    time.sleep(0.2)
    return started, port


def start_liveroom(dep: run.Deployment, tmp: Path, name: str = "liveroom") -> run.Server:
    port = run.free_port()
    cmd = [run.liveroom_bin(), "serve", "--port", str(port), "--database", dep.url, "--no-access-log"]
    return run.Server(name, cmd, run.SERVER_CORES, port, tmp / f"{name}.log").start()


async def configure(rest: Rest, receiver_port: int | None) -> None:
    if receiver_port is None:
        with contextlib.suppress(SystemExit):  # 100301: none was configured
            await rest.call("live_config", "delete_callback", {})
        return
    url = f"http://127.0.0.1:{receiver_port}/callback"
    await rest.call("live_config", "set_callback", {"Url": url, "CallbackCommandList": COMMANDS})


async def preload(database_url: str, events: int, receiver_port: int) -> float:
    """The callback configured and ``events`` SetMetadata events put straight into the outbox, as REST writes
    would have made them, before the server starts."""
    store = open_store(database_url)
    await store.open()
    try:
        config = CallbackConfig(url=f"http://127.0.0.1:{receiver_port}/callback", commands=frozenset(COMMANDS))
        async with store.write() as tx:
            await tx.put_callback_config(run.SDKAPPID, config)
            await tx.bump_app_version()
            app = await tx.get_app(run.SDKAPPID)
        assert app is not None
        svc = Services(store=store)
        caller = Caller(msgspec.structs.replace(app, callbacks=config), run.ADMIN, "127.0.0.1", "RESTAPI")
        started = time.perf_counter()
        for start in range(0, events, 1000):
            async with store.write() as tx:
                for n in range(start, min(start + 1000, events)):
                    item = MetadataItem("v", f"pre-{n}")
                    room = seed.room_id(n % ROOMS)
                    fact = MetadataChanged(sdkappid=run.SDKAPPID, room_id=room, operator=run.ADMIN, metadata=(item,))
                    await record(svc, tx, caller, fact)
        return time.perf_counter() - started
    finally:
        await store.close()


async def throughput(dep: run.Deployment, tmp: Path, events: int) -> dict[str, Any]:
    receiver, port = start_receiver(tmp)
    seconds = await preload(dep.url, events, port)
    run.log(f"throughput: {events:,} events in the outbox ({seconds:.1f} s)")
    server = start_liveroom(dep, tmp)
    try:
        async with Rest(server.base, dep.sig) as rest:
            ticks = run.cpu_ticks(server.pids)
            started = time.monotonic()
            writes = asyncio.ensure_future(rest.open_loop(1000, 3600))
            assert rest.session is not None
            for _poll in range(12_000):  # 10 minutes at most
                if await delivered(rest.session, port) >= events:
                    break
                await asyncio.sleep(0.05)
            drained = time.monotonic() - started
            writes.cancel()
            await asyncio.gather(writes, return_exceptions=True)
            cpu = (run.cpu_ticks(server.pids) - ticks) / os.sysconf("SC_CLK_TCK")
            count = await delivered(rest.session, port)
        return {
            "preloaded": events,
            "seconds": round(drained, 2),
            "delivered_per_s": round(count / drained),
            "rest_writes_per_s": round(len(rest.answered) / drained),
            "server_cpu_share": round(cpu / drained, 2),
            # What one core delivers, whatever share of it the machine's other load left to the server.
            "delivered_per_server_cpu_second": round(count / cpu),
        }
    finally:
        server.stop()
        receiver.stop()


async def cost(dep: run.Deployment, tmp: Path, seconds: float) -> dict[str, Any]:
    server = start_liveroom(dep, tmp)
    receiver, port = start_receiver(tmp)
    results: dict[str, Any] = {}
    try:
        async with Rest(server.base, dep.sig) as rest:
            for label, target in (("off", None), ("on", port)):
                await configure(rest, target)
                await rest.closed_loop(2)  # warm up
                ticks = run.cpu_ticks(server.pids)
                done = await rest.closed_loop(seconds)
                cpu = (run.cpu_ticks(server.pids) - ticks) / os.sysconf("SC_CLK_TCK")
                results[label] = {"writes_per_s": round(done / seconds), "cpu_us_per_write": round(cpu / done * 1e6)}
                await asyncio.sleep(2)  # the outbox drains
        results["extra_cpu_us_per_write"] = results["on"]["cpu_us_per_write"] - results["off"]["cpu_us_per_write"]
        return results
    finally:
        server.stop()
        receiver.stop()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def latency(dep: run.Deployment, tmp: Path, rate: float, seconds: float) -> dict[str, Any]:
    server = start_liveroom(dep, tmp)
    receiver, port = start_receiver(tmp)
    try:
        async with Rest(server.base, dep.sig) as rest:
            await configure(rest, port)
            rest.answered.clear()
            n = await rest.open_loop(rate, seconds)
            await asyncio.sleep(2)
            assert rest.session is not None
            _, seen = await arrivals(rest.session, port)
        delays = [(seen[v] - t) * 1000 for v, t in rest.answered.items() if v in seen]
        missing = sum(1 for v in rest.answered if v not in seen)
        return {
            "writes": n,
            "rate": rate,
            "missing": missing,
            "p50_ms": round(percentile(delays, 50), 2),
            "p99_ms": round(percentile(delays, 99), 2),
            "max_ms": round(max(delays), 2),
        }
    finally:
        server.stop()
        receiver.stop()


async def kill_rounds(dep: run.Deployment, tmp: Path, rounds: int) -> dict[str, Any]:
    receiver, port = start_receiver(tmp)
    answered: dict[str, float] = {}
    server = start_liveroom(dep, tmp)
    try:
        async with Rest(server.base, dep.sig) as rest:
            await configure(rest, port)
            for n in range(rounds):
                rest.base = server.base
                load = asyncio.ensure_future(rest.open_loop(300, 3600))
                await asyncio.sleep(random.uniform(0.5, 2.0))
                server.stop(kill=True)
                load.cancel()
                await asyncio.gather(load, return_exceptions=True)
                answered.update(rest.answered)
                rest.answered.clear()
                server = start_liveroom(dep, tmp, f"liveroom-{n}")
            assert rest.session is not None
            deadline = time.monotonic() + 120
            while True:
                _, seen = await arrivals(rest.session, port)
                lost = [v for v in answered if v not in seen]
                if not lost or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
        return {"rounds": rounds, "acknowledged": len(answered), "lost": len(lost)}
    finally:
        server.stop()
        receiver.stop()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": run.machine()}
    with tempfile.TemporaryDirectory(prefix="liveroom-webhooks-") as name:
        tmp = Path(name)
        for phase in args.phases:
            dep = run.deploy(tmp / phase, ROOMS)
            run.log(f"phase {phase}")
            if phase == "throughput":
                results[phase] = await throughput(dep, tmp, args.events)
            elif phase == "cost":
                results[phase] = await cost(dep, tmp, args.seconds)
            elif phase == "latency":
                results[phase] = await latency(dep, tmp, 500, args.seconds * 2)
            elif phase == "kill":
                results[phase] = await kill_rounds(dep, tmp, args.rounds)
            results[phase]["load_average"] = round(os.getloadavg()[0], 2)  # others share this machine's 2 cores
            run.log(f"{phase}: {json.dumps(results[phase])}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phases", nargs="+", default=["throughput", "cost", "latency", "kill"])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    if args.receiver:
        receiver_main(args.receiver)
        return 0
    results = asyncio.run(main_async(args))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
