"""Co-hosting: ``python -m bench.cohosting [--pairs N] [--database URL]`` (figures in BENCHMARKS.md, "Co-hosting").

In-process, on a fresh SQLite file (or the given database: use a fresh one): N pairs of rooms, their owners online.
One after the other (closed loop), each pair is connected (``request_connection`` then ``accept_connection``, each
one write transaction that stores the request or the connection), then asked for a battle without a response
(``request_battle``, which starts it through ``create_battle``'s code). Then N more requests are made, the clock is
moved past their deadline, and they are timed out as the request clock does (``expire_due``: one DELETE that hands
each request to one transaction). The ceiling, measured in the same run: the cheapest write there is, one write
transaction of one UPDATE (a room's view count), N times.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from liveroom.api.app import LiveroomApp
from liveroom.domain import cohosting
from liveroom.domain.accounts import AccountInput, import_accounts
from liveroom.domain.apps import AppManager
from liveroom.domain.context import Caller
from liveroom.domain.rooms import NewRoom, create_room
from liveroom.settings import Settings

SDKAPPID = 1400000000
ADMIN = "administrator"


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def measure(url: str, pairs: int) -> str:
    clock = _Clock()
    # The app's clocks are stopped: this process times the requests out itself, timed.
    app = LiveroomApp(Settings(database_url=url, access_log=False, battle_poll_seconds=3600), clock=clock)
    async with app.lifespan(app.web):
        await app.request_clock.close()
        await app.battle_clock.close()
        await app.sender.close()
        manager = AppManager(app.store)
        await manager.create(sdkappid=SDKAPPID, admins=[ADMIN])
        await app.apps.sync()
        listed = app.apps.get(SDKAPPID)
        assert listed is not None
        svc, admin = app.services, Caller(listed, ADMIN)
        owners = [f"host-{i}" for i in range(4 * pairs)]
        for start in range(0, len(owners), 100):
            await import_accounts(svc, admin, [AccountInput(user_id=o) for o in owners[start : start + 100]])
        for i, owner in enumerate(owners):
            await create_room(svc, admin, NewRoom(room_id=f"r{i}", room_type="Live", owner_account=owner))
            await svc.presence.enter(SDKAPPID, f"r{i}", owner, 1000)

        started = time.perf_counter()
        for i in range(pairs):
            async with app.store.write() as tx:
                await tx.add_view(SDKAPPID, f"r{i}")
        ceiling = (time.perf_counter() - started) / pairs

        def host(i: int) -> Caller:
            return Caller(listed, owners[i])

        timings = {"request_connection": 0.0, "accept_connection": 0.0, "request_battle": 0.0}
        for i in range(0, 2 * pairs, 2):
            a, b = f"r{i}", f"r{i + 1}"
            started = time.perf_counter()
            results = await cohosting.request_connection(svc, host(i), a, [b], 60, "")
            asked = time.perf_counter()
            await cohosting.accept_connection(svc, host(i + 1), b, a)
            accepted = time.perf_counter()
            offer = await cohosting.request_battle(
                svc,
                host(i),
                a,
                duration=60000,
                need_response=False,
                extension_info="",
                room_ids=[b],
                user_ids=[],
                seconds=10,
            )
            timings["request_connection"] += asked - started
            timings["accept_connection"] += accepted - asked
            timings["request_battle"] += time.perf_counter() - accepted
            assert results[0].code == 0 and offer.results[0].code == 0
        for i in range(2 * pairs, 4 * pairs, 2):
            await cohosting.request_connection(svc, host(i), f"r{i}", [f"r{i + 1}"], 5, "")
        clock.now += 10
        started = time.perf_counter()
        expired = 0
        while batch := await cohosting.expire_due(svc, app.apps.get, 100):
            expired += batch
        took = time.perf_counter() - started
    assert expired == pairs, f"timed out {expired} of {pairs}"
    each = ", ".join(f"{name} {total / pairs * 1000:.2f} ms" for name, total in timings.items())
    return (
        f"{url.split(':', 1)[0]}: ceiling (one write transaction) {ceiling * 1000:.2f} ms; "
        f"{each} (closed loop, {pairs} pairs); "
        f"{pairs} requests due at once timed out in {took:.2f} s ({pairs / took:,.0f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--database", default="", help="a fresh database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite:///{Path(directory) / 'cohosting.db'}"
        print(asyncio.run(measure(url, args.pairs)))


if __name__ == "__main__":
    main()
