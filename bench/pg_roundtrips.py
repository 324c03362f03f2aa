"""``python -m bench.pg_roundtrips``: what one request costs the PostgreSQL path, counted rather than timed.

The ASGI app is called in-process (as ``bench.inproc`` does) on a fresh PostgreSQL schema, one request at a time,
and every message the node sends to PostgreSQL is counted at the socket (each write is one round trip: the driver
waits for the answer before it sends again). Beside the round trips, each asyncpg call is listed by the first words
of its SQL, with whether it went through the simple-query protocol (``execute`` without arguments: parsed anew every
time) or a prepared statement, and whether that statement was found in asyncpg's per-connection cache.

    python -m bench.pg_roundtrips [--postgres URL] [--requests 200]

The counts do not move with the machine's load; the µs columns (process CPU per request, one at a time) do.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import psycopg
from psycopg import sql

from bench import run as run_
from bench import seed
from bench.inproc import ADMIN, CONCURRENCY, KEY, SDKAPPID, _caller
from bench.postgres import POSTGRES, with_params
from liveroom import usersig
from liveroom.api.app import LiveroomApp
from liveroom.domain.apps import AppManager, QuotaChange
from liveroom.settings import Settings
from liveroom.store.postgres import PostgresStore


class Counts:
    """Messages written to PostgreSQL's port, and the asyncpg calls that wrote them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writes = 0
        self.calls: collections.Counter[str] = collections.Counter()
        self.prepared_misses = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        transport_class = asyncio.selector_events._SelectorSocketTransport  # type: ignore[attr-defined]
        original_write = transport_class.write
        counts = self
        patched: dict[str, Any] = {}

        def write(transport: Any, data: Any) -> None:
            peer = transport.get_extra_info("peername")
            if peer is not None and peer[1] == counts.port:
                counts.writes += 1
            original_write(transport, data)

        def wrap(name: str) -> None:
            original = getattr(asyncpg.connection.Connection, name)
            patched[name] = original

            async def call(con: Any, query: str, *args: Any, **kwargs: Any) -> Any:
                simple = name == "execute" and not args
                words = " ".join(query.split()[:2])
                counts.calls[f"{name} {'simple' if simple else 'prepared'}: {words}"] += 1
                if not simple and con._stmt_cache.get((query, con._protocol.get_record_class(), False)) is None:
                    counts.prepared_misses += 1
                return await original(con, query, *args, **kwargs)

            setattr(asyncpg.connection.Connection, name, call)

        transport_class.write = write
        for name in ("execute", "fetch", "fetchrow", "fetchval", "executemany"):
            wrap(name)
        try:
            yield
        finally:
            transport_class.write = original_write
            for name, original in patched.items():
                setattr(asyncpg.connection.Connection, name, original)


def _backends(base: str, application_name: str) -> list[int]:
    with psycopg.connect(base, autocommit=True) as db:
        rows = db.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application_name,))
        return [int(r[0]) for r in rows]


async def _prepare(url: str, rooms: int) -> tuple[LiveroomApp, str]:
    store = PostgresStore(url)
    await store.open()
    manager = AppManager(store)
    await manager.create(sdkappid=SDKAPPID, secret_key=KEY, admins=[ADMIN])
    await manager.set_quota(SDKAPPID, QuotaChange(rate_limits_enabled=False))
    await store.close()
    seed.seed_rooms_postgres(url, SDKAPPID, rooms)
    app = LiveroomApp(Settings(database_url=url, access_log=False))
    await app.store.open()
    await app.apps.sync()
    return app, usersig.generate(SDKAPPID, KEY, ADMIN, 86400)


async def measure(base: str, requests: int) -> dict[str, Any]:
    schema = f"liveroom_rt_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        name = f"rt-{schema}"
        url = with_params(base, options=f"-csearch_path={schema}", application_name=name)
        app, sig = await _prepare(url, 1000)
        call = _caller(app, sig)
        port = int(base.rsplit(":", 1)[1].split("/", 1)[0])
        counter = iter(range(10**9))
        bodies: dict[str, Callable[[], bytes]] = {
            "get_room_info": lambda: b'{"RoomId":"room-%d"}' % (next(counter) % 1000),
            "create_room": lambda: b'{"RoomInfo":{"RoomId":"new-%d","RoomType":"Live"}}' % next(counter),
            "update_room_info": lambda: (
                b'{"RoomInfo":{"RoomId":"room-%d","ActivityStatus":%d}}' % (next(counter) % 1000, next(counter) % 7)
            ),
            "get_room_list": lambda: b'{"Count":20}',
        }
        out: dict[str, Any] = {"pool": {"min_size": app.store.pool._minsize, "max_size": app.store.pool._maxsize}}  # type: ignore[attr-defined]
        for command, body in bodies.items():

            async def run(k: int, command: str = command, body: Callable[[], bytes] = body) -> None:
                for _ in range(k):
                    answer = await call(command, body())
                    if b'"ErrorCode":0,' not in answer:
                        raise RuntimeError(f"{command}: {answer!r}")

            async def together(k: int, run: Callable[[int], Awaitable[None]] = run) -> None:
                await asyncio.gather(*(run(k // CONCURRENCY) for _ in range(CONCURRENCY)))

            await together(CONCURRENCY * 4)  # every pooled connection has prepared what it runs
            out[command] = {}
            for how, go, k in (("one at a time", run, requests), (f"{CONCURRENCY} at once", together, requests * 4)):
                counts = Counts(port)
                backends = _backends(base, name)
                ticks = run_.cpu_ticks(backends)
                started = time.process_time()
                with counts.counting():
                    await go(k)
                cpu = (time.process_time() - started) / k
                pg_cpu = (run_.cpu_ticks(backends) - ticks) / os.sysconf("SC_CLK_TCK") / k
                out[command][how] = {
                    "round_trips": counts.writes / k,
                    "calls": {c: v / k for c, v in counts.calls.items()},
                    "prepared_cache_misses": counts.prepared_misses / k,
                    "node_cpu_us": round(cpu * 1e6, 1),
                    "pg_backend_cpu_us": round(pg_cpu * 1e6, 1),
                }
        await app.store.close()
        return out
    finally:
        with psycopg.connect(base, autocommit=True) as db:
            db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    result = asyncio.run(measure(args.postgres, args.requests))
    print(f"pool: {result.pop('pool')}")
    for command, hows in result.items():
        for how, r in hows.items():
            print(
                f"{command}, {how}: {r['round_trips']:.2f} round trips, {r['prepared_cache_misses']:.2f} "
                f"prepared-statement cache misses; CPU µs: node {r['node_cpu_us']}, PostgreSQL {r['pg_backend_cpu_us']}"
            )
            for what, n in r["calls"].items():
                print(f"    {n:.2f} x {what}")


if __name__ == "__main__":
    main()
