"""Machine instructions per ``get_room_info`` request, in-process, counted by valgrind's callgrind.

A count of instructions does not move with the machine's load or the run, where times do by ±10%: the way to
compare two versions of the request path when the difference is a few percent. Each count runs the gateway of
``python -m bench.inproc`` in a child process under callgrind, twice (``--requests`` and three times as many,
after the same warm-up), and divides the difference by the difference in requests, so start-up and warm-up cancel
out. About 1.5 minutes.

    python -m bench.instructions [--rooms 1000] [--requests 2000]

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.inproc import _caller, _prepare

_COLLECTED = re.compile(r"Collected : (\d+)")


async def _serve(rooms: int, warmup: int, requests: int) -> None:
    with tempfile.TemporaryDirectory(prefix="liveroom-instructions-") as tmp:
        app, sig = await _prepare(Path(tmp), rooms)
        call = _caller(app, sig)
        for i in range(warmup + requests):
            answer = await call("get_room_info", b'{"RoomId":"room-%d"}' % (i % rooms))
            if b'"ErrorCode":0,' not in answer:
                raise SystemExit(f"get_room_info failed: {answer!r}")
        await app.store.close()


def _count(rooms: int, warmup: int, requests: int) -> int:
    with tempfile.TemporaryDirectory(prefix="liveroom-callgrind-") as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
             sys.executable, "-m", "bench.instructions", "--child", str(rooms), str(warmup), str(requests)],
            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
    found = _COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"bench.instructions: callgrind failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        rooms, warmup, requests = (int(x) for x in sys.argv[2:])
        asyncio.run(_serve(rooms, warmup, requests))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=1000, help="seeded rooms, read in turn")
    parser.add_argument("--requests", type=int, default=2000, help="requests of the shorter count")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("bench.instructions: valgrind not found (apt-get install -y valgrind)")
    warmup = 2 * args.rooms
    short, long = args.requests, 3 * args.requests
    with ThreadPoolExecutor(2) as pool:  # the two counts are independent: one per core
        counts = list(pool.map(lambda n: _count(args.rooms, warmup, n), (short, long)))
    per_request = (counts[1] - counts[0]) / (long - short)
    print(f"{per_request:,.0f} instructions per get_room_info request (in-process, {args.rooms:,} rooms cached)")


if __name__ == "__main__":
    main()
