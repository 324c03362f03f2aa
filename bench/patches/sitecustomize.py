"""Experiments, not fixes: candidate speed-ups applied to a server process by monkeypatching, to measure them.

    PYTHONPATH=bench/patches LIVEROOM_EXPERIMENTS=nolock,convert python -m bench --memory-rooms 0

Python imports this module at start-up when its directory is on PYTHONPATH, so every process the benchmark
starts (liveroom and the ceiling) gets the same patches; with LIVEROOM_EXPERIMENTS empty it does nothing. They
reach into private names of ``liveroom.store.sqlite`` and break when those change; the real change belongs in
``src/``. BENCHMARKS.md lists what each one measured.

- ``nolock``: get_room_info's single SELECT runs on the read connection without BEGIN/COMMIT and the asyncio lock
  (falls back to the locked path when a read transaction is open).
- ``convert``: ``_room`` converts the row with ``msgspec.convert`` into an ``array_like`` RoomRecord subclass.
- ``reqid``: request ids from ``random.getrandbits`` (seeded from os.urandom) instead of an os.urandom call each.
- ``noproxy``: uvicorn without ``proxy_headers`` (the ceiling gets it too).
- ``cache``: RoomRecords cached per process, valid while the read connection's ``PRAGMA data_version`` (read on
  every request by the app check) and the count of this process's write commits are unchanged.
"""

import os

EXPERIMENTS = frozenset(filter(None, os.environ.get("LIVEROOM_EXPERIMENTS", "").split(",")))


def _apply() -> None:
    import itertools
    import random

    import msgspec

    from liveroom.api import envelope
    from liveroom.domain import rooms
    from liveroom.store import sqlite
    from liveroom.store.interface import RoomRecord

    locked_get_room = rooms.get_room
    base_get_room = locked_get_room

    if "nolock" in EXPERIMENTS:

        async def get_room_nolock(svc, caller, room_id):
            reader = svc.store._reader
            if reader is None or reader.in_transaction:
                return await locked_get_room(svc, caller, room_id)
            return await rooms.require_room(sqlite.SQLiteTransaction(reader), caller, room_id)

        base_get_room = rooms.get_room = get_room_nolock

    if "convert" in EXPERIMENTS:
        columns = sqlite._ROOM_COLUMNS
        flags = ("is_seat_enabled", "is_message_disabled", "is_public_visible", "is_unlimited_room_enabled")
        bools = [columns.index(name) for name in flags]
        category = columns.index("category")
        decode = sqlite._category_decoder.decode

        class _Row(RoomRecord, array_like=True):
            pass

        def _room(row):
            values = list(row)
            for i in bools:
                values[i] = values[i] == 1
            values[category] = decode(values[category])
            return msgspec.convert(values, _Row)

        sqlite._room = _room

    if "reqid" in EXPERIMENTS:
        sequence = itertools.count(1)
        generator = random.Random(os.urandom(16))

        def new_request_id():
            return f"Id-{generator.getrandbits(128):032x}-O-Seq-{next(sequence)}"

        envelope.new_request_id = new_request_id

    if "cache" in EXPERIMENTS:
        cache: dict = {}
        commits = [0]
        original_exit = sqlite._Scope.__aexit__

        async def scope_exit(self, *exc):
            try:
                return await original_exit(self, *exc)
            finally:
                if self._begin != "BEGIN":  # the write connection
                    commits[0] += 1

        sqlite._Scope.__aexit__ = scope_exit

        async def get_room_cached(svc, caller, room_id):
            key = (caller.sdkappid, room_id)
            stamp = (svc.store._data_version, commits[0])
            hit = cache.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            room = await base_get_room(svc, caller, room_id)
            if len(cache) >= 200_000:
                cache.clear()
            cache[key] = (stamp, room)
            return room

        rooms.get_room = get_room_cached

    if "noproxy" in EXPERIMENTS:
        import uvicorn

        run = uvicorn.run

        def run_without_proxy_headers(*args, **kwargs):
            kwargs["proxy_headers"] = False
            return run(*args, **kwargs)

        uvicorn.run = run_without_proxy_headers


if EXPERIMENTS:
    _apply()
