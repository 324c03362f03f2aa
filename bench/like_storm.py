"""A like storm: ``--senders`` members of a room of ``--members`` each like it ``--rate`` times a second for
``--seconds``, without waiting for the answers (an open loop), while every member reads everything.

``python -m bench.like_storm --members 1000 --senders 100``: ``liveroom serve`` on core 0 (a fresh SQLite
database, rate limits off), this process on core 1, as bench/realtime_fanout.py. Reports the likes sent, answered
``ok`` and counted (``get_room_stats``: every like answered must be counted), the ``like`` events each member
received, the server's CPU time, and the connections the server closed (with their codes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.realtime_fanout import (
    ADMIN,
    ENTERING_AT_ONCE,
    ROOM,
    SDKAPPID,
    Rest,
    cpu_seconds,
    free_port,
    stop,
    wait_listening,
)
from liveroom import usersig

LIKE_EVENT = b'"event":"like"'
OK = b'"type":"ok"'
LIKE = json.dumps({"type": "like", "RoomId": ROOM, "Count": 1})


async def enter(url: str, key: str, user: str) -> ClientConnection:
    ws = await connect(url, max_queue=None, compression=None, ping_interval=None)
    auth = {"type": "auth", "sdkappid": SDKAPPID, "identifier": user, "usersig": usersig.generate(SDKAPPID, key, user)}
    await ws.send(json.dumps(auth))
    await ws.send(json.dumps({"type": "enter", "id": "e", "RoomId": ROOM}))
    while json.loads(await ws.recv()).get("type") != "entered":
        pass
    return ws


class Member:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.like_events = 0
        self.answered = 0
        self.close_code: int | None = None

    async def read(self) -> None:
        try:
            while True:
                frame = await self.ws.recv(decode=False)
                if LIKE_EVENT in frame:
                    self.like_events += 1
                elif OK in frame:
                    self.answered += 1
        except ConnectionClosed:
            self.close_code = self.ws.close_code

    async def like(self, rate: float, seconds: float) -> int:
        sent = 0
        started = time.perf_counter()
        with_heartbeat = started
        while (now := time.perf_counter()) - started < seconds:
            try:
                await self.ws.send(LIKE)
                if now - with_heartbeat > 15:
                    await self.ws.send('{"type":"heartbeat"}')
                    with_heartbeat = now
            except ConnectionClosed:
                break
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / rate - time.perf_counter()))
        return sent


async def run(args: argparse.Namespace, base: str, key: str, server_pid: int) -> dict[str, Any]:
    rest = Rest(base, key)
    users = [f"u{i}" for i in range(args.members)]
    for start in range(0, args.members, 100):
        await rest.call("im_open_login_svc", "multiaccount_import", {"Accounts": users[start : start + 100]})
    await rest.call("live_engine_http_srv", "create_room", {"RoomInfo": {"RoomId": ROOM, "RoomType": "Live"}})
    url = base.replace("http://", "ws://") + "/realtime"
    members: list[Member] = []
    for start in range(0, args.members, ENTERING_AT_ONCE):
        batch = users[start : start + ENTERING_AT_ONCE]
        members += [Member(ws) for ws in await asyncio.gather(*(enter(url, key, user) for user in batch))]
    readers = [asyncio.create_task(member.read()) for member in members]
    await asyncio.sleep(2)
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    senders = members[: args.senders]
    sent = sum(await asyncio.gather(*(member.like(args.rate, args.seconds) for member in senders)))
    # The answers and events still on their way.
    await asyncio.sleep(args.drain)
    seconds = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    stats = (await rest.call("live_engine_http_srv", "get_room_stats", {"RoomId": ROOM}))["Response"]
    for task in readers:
        task.cancel()
    answered = sum(member.answered for member in senders)
    events = [member.like_events for member in members if member.close_code is None]
    closed = Counter(str(member.close_code) for member in members if member.close_code is not None)
    return {
        "members": args.members,
        "senders": args.senders,
        "likes_sent": sent,
        "likes_answered_ok": answered,
        "TotalLikesReceived": stats["TotalLikesReceived"],
        "every_answered_like_counted": stats["TotalLikesReceived"] >= answered,
        "like_events_per_member_min_max": [min(events, default=0), max(events, default=0)],
        "server_cpu_seconds": round(server_cpu, 2),
        "wall_seconds": round(seconds, 1),
        "connections_closed_by_code": dict(closed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0, help="likes a second per sender")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for answers afterwards")
    args = parser.parse_args()
    os.sched_setaffinity(0, {1})
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/liveroom.db"
        key = secrets.token_hex(32)
        common = ["--database", database, "--json"]
        create = ["liveroom", "app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", key, "--admin", ADMIN]
        subprocess.run([*create, *common], check=True, capture_output=True)
        subprocess.run(
            ["liveroom", "app", "quota", str(SDKAPPID), "--no-rate-limits", *common], check=True, capture_output=True
        )
        port = free_port()
        server = subprocess.Popen(
            ["taskset", "-c", "0", "liveroom", "serve", "--port", str(port), "--database", database, "--no-access-log"],
            env=os.environ | {"LIVEROOM_LOG_LEVEL": "warning"},
            start_new_session=True,
        )
        try:
            wait_listening(port)
            result = asyncio.run(run(args, f"http://127.0.0.1:{port}", key, server.pid))
        finally:
            stop(server)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
