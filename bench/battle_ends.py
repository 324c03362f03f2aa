"""Battle ends: ``python -m bench.battle_ends [--battles N] [--database URL]`` (figures in BENCHMARKS.md, "Battles").

In-process, on a fresh SQLite file (or the given database, emptied of nothing: use a fresh one): N battles of two
rooms each are created one after the other (``create_battle``'s latency, closed loop), the clock is moved past their
end, and they are ended as the battle clock ends them (``end_due_battles`` in batches of 100, each battle by one
conditional UPDATE in one transaction, its EndBattle callback in the outbox): how long N ends due at once take.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from liveroom.api.app import LiveroomApp
from liveroom.domain import battles
from liveroom.domain.apps import AppManager
from liveroom.domain.battles import NewBattle
from liveroom.domain.callbacks import END_BATTLE
from liveroom.domain.context import Caller
from liveroom.domain.rooms import NewRoom, create_room
from liveroom.settings import Settings
from liveroom.store.records import CallbackConfig

SDKAPPID = 1400000000
ADMIN = "administrator"
BATCH = 100


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def measure(url: str, count: int) -> str:
    clock = _Clock()
    # The app's own battle clock is stopped: this process ends the battles itself, timed.
    app = LiveroomApp(Settings(database_url=url, access_log=False, battle_poll_seconds=3600), clock=clock)
    async with app.lifespan(app.web):
        await app.battle_clock.close()
        await app.sender.close()  # the outbox is written, not sent: sending is bench.webhooks' business
        manager = AppManager(app.store)
        await manager.create(sdkappid=SDKAPPID, admins=[ADMIN])
        async with app.store.write() as tx:
            # Ends are recorded as callbacks in the outbox, as for an app that listens.
            config = CallbackConfig(url="http://127.0.0.1:9/", commands=frozenset({END_BATTLE}))
            await tx.put_callback_config(SDKAPPID, config)
            await tx.bump_app_version()
        await app.apps.sync()
        listening = app.apps.get(SDKAPPID)
        assert listening is not None and listening.callbacks is not None
        caller = Caller(listening, ADMIN)
        for i in range(2 * count):
            await create_room(app.services, caller, NewRoom(room_id=f"r{i}", room_type="Live"))
        started = time.perf_counter()
        for i in range(count):
            spec = NewBattle(from_room_id=f"r{2 * i}", to_room_id_list=(f"r{2 * i + 1}",), duration=10000)
            await battles.create_battle(app.services, caller, spec)
        created = time.perf_counter() - started
        clock.now += 10
        started = time.perf_counter()
        ended = 0
        while batch := await battles.end_due_battles(app.services, app.apps.get, BATCH):
            ended += batch
        took = time.perf_counter() - started
    assert ended == count, f"ended {ended} of {count}"
    return (
        f"{url.split(':', 1)[0]}: create_battle {created / count * 1000:.2f} ms each (closed loop, {count}); "
        f"{count} battles due at once ended in {took:.2f} s ({count / took:,.0f}/s, batches of {BATCH})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--battles", type=int, default=1000)
    parser.add_argument("--database", default="", help="a fresh database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database or f"sqlite:///{Path(directory) / 'battles.db'}"
        print(asyncio.run(measure(url, args.battles)))


if __name__ == "__main__":
    main()
