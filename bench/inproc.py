"""liveroom's own cost per request, without a network or a server: the ASGI app called in-process.

The gateway is driven with a prepared scope and a ``receive``/``send`` pair that do nothing, so the figure is the
microseconds liveroom's code spends per request (HTTP parsing and socket writes excluded), and the pieces of it
that the profiles point at. It is steady on a shared machine where wrk runs are not.

    python -m bench.inproc [--rooms 10000] [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import timeit
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import seed
from liveroom import usersig
from liveroom.api import envelope
from liveroom.api.app import LiveroomApp
from liveroom.api.query import parse_query
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from liveroom.store.sqlite import SQLiteStore

SDKAPPID = 1400000000
ADMIN = "administrator"
KEY = "0123456789abcdef" * 4
CONCURRENCY = 64


async def _prepare(directory: Path, rooms: int) -> tuple[LiveroomApp, str]:
    url = f"sqlite:///{directory / 'liveroom.db'}"
    store = SQLiteStore(url)
    await store.open()
    manager = AppManager(store)
    await manager.create(sdkappid=SDKAPPID, secret_key=KEY, admins=[ADMIN])
    await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
    await store.close()
    seed.seed_rooms(str(directory / "liveroom.db"), SDKAPPID, rooms)
    app = LiveroomApp(Settings(database_url=url, access_log=False))
    await app.store.open()
    await app.apps.sync()
    return app, usersig.generate(SDKAPPID, KEY, ADMIN, 86400)


def _caller(app: LiveroomApp, sig: str) -> Callable[[str, bytes], Awaitable[bytes]]:
    query = f"sdkappid={SDKAPPID}&identifier={ADMIN}&usersig={sig}&random=12345&contenttype=json".encode()

    async def call(command: str, body: bytes) -> bytes:
        message = {"type": "http.request", "body": body, "more_body": False}
        sent: list[Any] = []

        async def receive() -> Any:
            return message

        async def send(message: Any) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": f"/v4/live_engine_http_srv/{command}",
            "query_string": query,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 40000),
        }
        await app(scope, receive, send)
        return bytes(sent[-1]["body"])

    return call


async def _per_request(run: Callable[[int], Awaitable[None]], n: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        await run(n)
        best = min(best, (time.process_time() - started) / n)
    return round(best * 1e6, 2)


async def measure(rooms: int, n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="liveroom-inproc-") as tmp:
        app, sig = await _prepare(Path(tmp), rooms)
        call = _caller(app, sig)
        out: dict[str, float] = {}
        first = await call("get_room_info", b'{"RoomId":"room-1"}')
        assert b'"ErrorCode":0,' in first, first
        nxt = json.loads(await call("get_room_list", b'{"Count":20}'))["Response"]["Next"]
        bodies = {
            "get_room_info": lambda i: b'{"RoomId":"room-%d"}' % (i % rooms),
            "update_room_info": lambda i: b'{"RoomInfo":{"RoomId":"room-%d","ActivityStatus":%d}}' % (i % rooms, i % 7),
            "create_room": lambda i: b'{"RoomInfo":{"RoomId":"new-%d","RoomType":"Live"}}' % i,
            "get_room_list (deep)": lambda i: b'{"Next":"%s","Count":20}' % nxt.encode(),
        }
        counter = iter(range(10**9))
        for name, body in bodies.items():
            command = name.split(" ")[0]

            async def run(k: int, command: str = command, body: Any = body) -> None:
                for _ in range(k):
                    answer = await call(command, body(next(counter)))
                    if b'"ErrorCode":0,' not in answer:
                        raise RuntimeError(f"{command}: {answer!r}")

            out[f"gateway {name}"] = await _per_request(run, n if "list" not in name else n // 5)

        # Under load many requests are in flight at once, and writes that finish together share a COMMIT.
        for name, body in (("update_room_info", bodies["update_room_info"]), ("create_room", bodies["create_room"])):

            async def run_together(k: int, command: str = name, body: Any = body) -> None:
                async def one(i: int) -> None:
                    answer = await call(command, body(i))
                    if b'"ErrorCode":0,' not in answer:
                        raise RuntimeError(f"{command}: {answer!r}")

                for _ in range(k // CONCURRENCY):
                    await asyncio.gather(*(one(next(counter)) for _ in range(CONCURRENCY)))

            out[f"gateway {name}, {CONCURRENCY} at once"] = await _per_request(run_together, n)

        store = app.store
        sdkappid = SDKAPPID

        async def app_version(k: int) -> None:
            for _ in range(k):
                await store.app_version()

        async def read_room(k: int) -> None:
            for i in range(k):
                async with store.read() as tx:
                    await tx.get_room(sdkappid, f"room-{i % rooms}")

        assert isinstance(store, SQLiteStore)
        reader = store._reader  # the bare statement, for comparison with the transaction above
        assert reader is not None

        async def bare_select(k: int) -> None:
            for i in range(k):
                reader.execute(
                    "SELECT * FROM rooms WHERE sdkappid = ? AND room_id = ?", (sdkappid, f"room-{i % rooms}")
                ).fetchone()

        async def authenticate(k: int) -> None:
            for _ in range(k):
                await app.authenticator.authenticate(sdkappid, ADMIN, sig, "127.0.0.1")

        out["store.app_version (per request)"] = await _per_request(app_version, n)
        out["store.read() + get_room"] = await _per_request(read_room, n)
        out["bare SELECT of one room (no BEGIN/COMMIT, no RoomRecord)"] = await _per_request(bare_select, n)
        out["authenticate (cache hit)"] = await _per_request(authenticate, n)
        query = f"sdkappid={SDKAPPID}&identifier={ADMIN}&usersig={sig}&random=12345&contenttype=json".encode()
        out["parse_query"] = round(
            min(timeit.Timer(lambda: parse_query(query), timer=time.process_time).repeat(3, n)) / n * 1e6, 2
        )
        out["envelope.new_request_id"] = round(
            min(timeit.Timer(envelope.new_request_id, timer=time.process_time).repeat(3, n)) / n * 1e6, 2
        )
        await app.store.close()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    for name, us in asyncio.run(measure(args.rooms, args.requests)).items():
        print(f"{us:8.2f} µs  {name}")


if __name__ == "__main__":
    main()
