"""Realtime fan-out: N members in one room over real WebSockets, the app backend sending M messages by REST.

``python -m bench.realtime_fanout --members 500 --messages 200``: a fresh database (app through the CLI, rate
limits off), ``liveroom serve`` pinned to core 0, this process (all the clients) pinned to core 1. Reports how
fast members enter, and deliveries per second from the first message sent until every member has every message.
With one client process doing all the decoding, the figure is a lower bound of what the server can push.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from liveroom import usersig

SDKAPPID = 1400000000
ADMIN = "administrator"
ROOM = "fanout"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Rest:
    def __init__(self, base: str, key: str) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=30)
        self.sig = usersig.generate(SDKAPPID, key, ADMIN, 86400)

    async def call(self, service: str, command: str, body: dict[str, Any]) -> dict[str, Any]:
        params = {
            "sdkappid": str(SDKAPPID),
            "identifier": ADMIN,
            "usersig": self.sig,
            "random": str(secrets.randbelow(2**32)),
            "contenttype": "json",
        }
        answer: dict[str, Any] = (await self.client.post(f"/v4/{service}/{command}", params=params, json=body)).json()
        if answer["ErrorCode"] != 0:
            raise SystemExit(f"{command}: {answer}")
        return answer


async def member(url: str, key: str, user: str) -> ClientConnection:
    ws = await connect(url, max_queue=None)
    auth = {
        "type": "auth",
        "sdkappid": SDKAPPID,
        "identifier": user,
        "usersig": usersig.generate(SDKAPPID, key, user, 86400),
    }
    await ws.send(json.dumps(auth))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    await ws.send(json.dumps({"type": "enter", "RoomId": ROOM}))
    while json.loads(await ws.recv())["type"] != "entered":
        pass
    return ws


async def receive_all(ws: ClientConnection, count: int) -> None:
    seen = 0
    while seen < count:
        frame = json.loads(await ws.recv())
        if frame.get("event") == "text_message":
            seen += 1


async def run(members: int, messages: int, base: str, key: str, server_pid: int) -> dict[str, Any]:
    rest = Rest(base, key)
    users = [f"u{i}" for i in range(members)]
    for start in range(0, members, 100):
        await rest.call("im_open_login_svc", "multiaccount_import", {"Accounts": users[start : start + 100]})
    await rest.call("live_engine_http_srv", "create_room", {"RoomInfo": {"RoomId": ROOM, "RoomType": "Live"}})
    url = base.replace("http://", "ws://") + "/realtime"
    started = time.perf_counter()
    conns = [await member(url, key, user) for user in users]
    enter_seconds = time.perf_counter() - started
    # Drain the member_entered events the early members got.
    await asyncio.sleep(1)
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    receivers = [asyncio.create_task(receive_all(ws, messages)) for ws in conns]
    for i in range(messages):
        body = {"RoomId": ROOM, "Sender_Account": "u0", "TextContent": f"message {i}"}
        await rest.call("live_engine_http_srv", "send_text_msg", body)
    sent_seconds = time.perf_counter() - started
    await asyncio.gather(*receivers)
    seconds = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    info = await rest.call("live_engine_http_srv", "get_room_info", {"RoomId": ROOM})
    for ws in conns:
        await ws.close()
    return {
        "members": members,
        "messages": messages,
        "entries_per_second": round(members / enter_seconds),
        "send_text_msg_per_second": round(messages / sent_seconds),
        "deliveries_per_second": round(members * messages / seconds),
        "server_cpu_seconds": round(server_cpu, 2),
        "server_cpu_us_per_delivery": round(server_cpu / (members * messages) * 1e6, 1),
        "MemberCount": info["Response"]["RoomInfo"]["MemberCount"],
        "ViewCount": info["Response"]["RoomInfo"]["ViewCount"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
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
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            os.sched_setaffinity(0, {1})
            result = asyncio.run(run(args.members, args.messages, base, key, server.pid))
            print(json.dumps(result, indent=2))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)


if __name__ == "__main__":
    main()
