"""The ceiling: a bare ASGI callable that reads the request body and answers fixed JSON bytes.

``bench/run.py`` captures a real ``get_room_info`` answer and starts this module with the same server software
and options as ``liveroom serve`` (uvicorn, uvloop, httptools, the same worker count, proxy headers only with
``--forwarded-allow-ips`` or ``FORWARDED_ALLOW_IPS``), so the ratio between the two is what liveroom's own code
costs.

    python -m bench.ceiling --body-file answer.json --port 8090 --workers 1
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

BODY_ENV = "BENCH_CEILING_BODY_FILE"

Message = MutableMapping[str, Any]


def _load_body() -> bytes:
    path = os.environ.get(BODY_ENV)
    if not path:
        return b'{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"ceiling"}'
    with open(path, "rb") as f:
        return f.read()


BODY = _load_body()
HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
    (b"x-request-id", b"Id-00000000000000000000000000000000-O-Seq-1"),
]
START = {"type": "http.response.start", "status": 200, "headers": HEADERS}
RESPONSE = {"type": "http.response.body", "body": BODY}


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] == "lifespan":
        while True:
            kind = (await receive())["type"]
            await send({"type": kind + ".complete"})
            if kind == "lifespan.shutdown":
                return
    while (await receive()).get("more_body", False):
        pass
    await send(START)
    await send(RESPONSE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--body-file", help="the bytes to answer (default: a short OK envelope)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS") or None,
        help="as `liveroom serve`: proxy headers are read only when this (or FORWARDED_ALLOW_IPS) is given",
    )
    args = parser.parse_args()
    if args.body_file:
        os.environ[BODY_ENV] = os.path.abspath(args.body_file)
    # The options of `liveroom serve` (src/liveroom/cli/server.py), minus the app.
    uvicorn.run(
        "bench.ceiling:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
        loop="uvloop",
        http="httptools",
        proxy_headers=args.forwarded_allow_ips is not None,
        forwarded_allow_ips=args.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
