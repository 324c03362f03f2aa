"""The ceiling of the realtime fan-out: a bare broadcast server (uvloop and ``websockets``, no compression), each
event's frame built once and written to every connection's transport.

``bench/realtime_fanout.py`` starts it on the same core as ``liveroom serve`` and drives it the same way: members
connect to ``/`` (anything they send is read and dropped, heartbeats included), and each text frame a publisher
sends to ``/publish`` is wrapped as a ``text_message`` event of the same shape as liveroom's and broadcast to every
member connected. The ratio of the two servers' CPU per delivery is what liveroom's own code costs.

    python -m bench.broadcast_ceiling --port 8091
"""

from __future__ import annotations

import argparse
import json

import uvloop
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode

ROOM = "fanout"


def wire(text: str) -> bytes:
    """The bytes of one unmasked, uncompressed text frame (the same for every connection)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


async def main(host: str, port: int) -> None:
    members: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/publish":
            async for text in ws:
                event = {
                    "type": "event",
                    "event": "text_message",
                    "RoomId": ROOM,
                    "Operator_Account": "administrator",
                    "data": {"Sender_Account": "u0", "TextContent": text, "ExtensionInfo": ""},
                }
                frame = wire(json.dumps(event, separators=(",", ":")))
                for member in members:
                    member.transport.write(frame)
                await ws.send("ok")
            return
        members.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            members.discard(ws)

    # No protocol pings, as liveroom (its members heartbeat instead).
    async with serve(handler, host, port, compression=None, max_queue=None, backlog=4096, ping_interval=None) as server:
        await server.serve_forever()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    args = parser.parse_args()
    uvloop.run(main(args.host, args.port))


if __name__ == "__main__":
    cli()
