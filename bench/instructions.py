"""Machine instructions per request of one API, in-process, counted by valgrind's callgrind.

A count of instructions does not move with the machine's load or the run, where times do by ±10%: the way to
compare two versions of the request path when the difference is a few percent. Each count runs the gateway of
``python -m bench.inproc`` in a child process under callgrind, twice (``--requests`` and three times as many,
after the same warm-up), and divides the difference by the difference in requests, so start-up and warm-up cancel
out. About 1.5 minutes.

    python -m bench.instructions [--api get_room_info|create_room|update_room_info] [--rooms 1000] [--requests 2000]

It needs valgrind (``apt-get install -y valgrind``). Times under callgrind are about 50 times longer, so the room
count is small enough for every room to be cached after the warm-up, as in a steady server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.inproc import _caller, _prepare

_COLLECTED = re.compile(r"Collected : (\d+)")


# The body of the i-th request of each API: reads and changes go round the seeded rooms, creations make new ones.
BODIES: dict[str, Callable[[int, int], bytes]] = {
    "get_room_info": lambda i, rooms: b'{"RoomId":"room-%d"}' % (i % rooms),
    "create_room": lambda i, rooms: b'{"RoomInfo":{"RoomId":"new-%d","RoomType":"Live"}}' % i,
    "update_room_info": lambda i, rooms: b'{"RoomInfo":{"RoomId":"room-%d","Notice":"n%d"}}' % (i % rooms, i),
}


async def _serve(api: str, rooms: int, warmup: int, requests: int) -> None:
    body = BODIES[api]
    with tempfile.TemporaryDirectory(prefix="liveroom-instructions-") as tmp:
        app, sig = await _prepare(Path(tmp), rooms)
        call = _caller(app, sig)
        for i in range(warmup + requests):
            answer = await call(api, body(i, rooms))
            if b'"ErrorCode":0,' not in answer:
                raise SystemExit(f"{api} failed: {answer!r}")
        await app.store.close()


def _count(api: str, rooms: int, warmup: int, requests: int) -> int:
    with tempfile.TemporaryDirectory(prefix="liveroom-callgrind-") as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
             sys.executable, "-m", "bench.instructions", "--child", api, str(rooms), str(warmup), str(requests)],
            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
    found = _COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"bench.instructions: callgrind failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        rooms, warmup, requests = (int(x) for x in sys.argv[3:])
        asyncio.run(_serve(sys.argv[2], rooms, warmup, requests))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", choices=sorted(BODIES), default="get_room_info", help="the API counted")
    parser.add_argument("--rooms", type=int, default=1000, help="seeded rooms, read in turn")
    parser.add_argument("--requests", type=int, default=2000, help="requests of the shorter count")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("bench.instructions: valgrind not found (apt-get install -y valgrind)")
    warmup = 2 * args.rooms
    short, long = args.requests, 3 * args.requests
    with ThreadPoolExecutor(2) as pool:  # the two counts are independent: one per core
        counts = list(pool.map(lambda n: _count(args.api, args.rooms, warmup, n), (short, long)))
    per_request = (counts[1] - counts[0]) / (long - short)
    print(f"{per_request:,.0f} instructions per {args.api} request (in-process, {args.rooms:,} rooms seeded)")


if __name__ == "__main__":
    main()
