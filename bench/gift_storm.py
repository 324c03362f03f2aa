"""A gift storm: N members in one room over real WebSockets, sending M gifts a second between them, for S seconds.

``python -m bench.gift_storm`` (defaults: 1,000 members, 2,000 gifts a second, 10 s): a fresh SQLite database (the
app through the CLI, rate limits off), ``liveroom serve`` pinned to core 0, this process (every member) pinned to
core 1. The members send ``send_gift`` frames on a fixed schedule (each member in turn, at the target rate,
whatever the answers: an open loop) with a random default gift and Count 1..10, and read everything the server
sends them. Afterwards every counter is checked exactly against the gifts the server acknowledged: the room's
``Sequence`` against the acknowledgements, ``TotalGiftsSent`` and ``TotalGiftCoins`` against their counts and
prices, ``TotalUniqueGiftSenders`` against the members acknowledged, in ``get_gift_count``, ``get_room_stats`` and
``destroy_room``'s ``Statistic``; and the last gift event each member received against the room's final totals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.realtime_fanout import ADMIN, SDKAPPID, Rest, cpu_seconds, free_port
from liveroom import usersig

ROOM = "storm"
HOST = "host"
PRICES = {
    "heart": 1, "applause": 3, "rose": 5, "lollipop": 9, "coffee": 19, "balloon": 29, "ice-cream": 39, "cake": 66,
    "fireworks": 99, "rainbow": 188, "crown": 520, "diamond": 999, "sports-car": 1314, "yacht": 3344, "rocket": 8888,
}  # fmt: skip


@dataclass
class Member:
    user: str
    ws: ClientConnection
    pending: dict[int, tuple[str, int, float]] = field(default_factory=dict)  # id -> (gift, count, sent at)
    acked: list[tuple[str, int]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    gift_events: int = 0
    last_totals: tuple[int, int, int, int] = (0, 0, 0, 0)
    closed: int | None = None


async def join(url: str, key: str, user: str) -> Member:
    ws = await connect(url, max_queue=None)
    auth = {"type": "auth", "sdkappid": SDKAPPID, "identifier": user, "usersig": usersig.generate(SDKAPPID, key, user)}
    await ws.send(json.dumps(auth))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    await ws.send(json.dumps({"type": "enter", "RoomId": ROOM}))
    while json.loads(await ws.recv())["type"] != "entered":
        pass
    return Member(user, ws)


async def read(member: Member) -> None:
    try:
        async for raw in member.ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "event" and frame.get("event") == "gift":
                data = frame["data"]
                member.gift_events += 1
                totals = (
                    data["Sequence"],
                    data["TotalGiftsSent"],
                    data["TotalGiftCoins"],
                    data["TotalUniqueGiftSenders"],
                )
                member.last_totals = max(member.last_totals, totals)
            elif kind in {"ok", "error"} and isinstance(frame.get("ref"), int):
                gift_id, count, sent = member.pending.pop(frame["ref"])
                if kind == "ok":
                    member.acked.append((gift_id, count))
                    member.latencies.append(time.perf_counter() - sent)
                else:
                    member.errors[frame["reason"]] = member.errors.get(frame["reason"], 0) + 1
    except Exception as exc:  # the connection ended: recorded, the run goes on without it
        member.closed = getattr(getattr(exc, "rcvd", None), "code", -1)
    else:
        member.closed = member.ws.close_code or 1000


async def heartbeats(members: list[Member]) -> None:
    """What a client does (docs/realtime.md): a heartbeat every 20 s, or the gateway closes an idle connection."""
    while True:
        await asyncio.sleep(20)
        for member in members:
            if member.closed is None:
                await member.ws.send('{"type":"heartbeat"}')


async def storm(members: list[Member], rate: int, seconds: float, rng: random.Random) -> float:
    """Send ``rate`` gifts a second, members in turn, every 10 ms the gifts due by then; answers the seconds taken."""
    total, sent, ids = int(rate * seconds), 0, 0
    started = time.perf_counter()
    while sent < total:
        due = min(total, int((time.perf_counter() - started) * rate) + 1)
        while sent < due:
            member = members[sent % len(members)]
            sent += 1
            if member.closed is not None:
                continue
            ids += 1
            gift_id, count = rng.choice(list(PRICES)), rng.randint(1, 10)
            member.pending[ids] = (gift_id, count, time.perf_counter())
            frame = {"type": "send_gift", "id": ids, "RoomId": ROOM, "GiftId": gift_id, "Count": count}
            try:
                await member.ws.send(json.dumps(frame))
            except Exception:
                member.pending.pop(ids)
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


async def run(args: argparse.Namespace, base: str, key: str, server_pid: int) -> dict[str, Any]:
    rest = Rest(base, key)
    users = [f"m{i}" for i in range(args.members)]
    for start in range(0, len(users), 100):
        await rest.call("im_open_login_svc", "multiaccount_import", {"Accounts": users[start : start + 100]})
    await rest.call("im_open_login_svc", "account_import", {"UserID": HOST})
    await rest.call(
        "live_engine_http_srv", "create_room", {"RoomInfo": {"RoomId": ROOM, "RoomType": "Live", "Owner_Account": HOST}}
    )
    await rest.call("live_engine_http_srv", "copy_default_gift_config", {})
    url = base.replace("http://", "ws://") + "/realtime"
    members: list[Member] = []
    for start in range(0, len(users), 50):  # 50 at a time: all of them in well under the heartbeat window
        members += await asyncio.gather(*(join(url, key, user) for user in users[start : start + 50]))
    readers = [asyncio.create_task(read(member)) for member in members]
    beating = asyncio.create_task(heartbeats(members))
    await asyncio.sleep(1)  # the member_entered events of the early members
    cpu_before = cpu_seconds(server_pid)
    seconds = await storm(members, args.rate, args.seconds, random.Random(14))
    for _ in range(300):  # at most 30 s for the last answers
        if not any(m.pending and m.closed is None for m in members):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # the last gift event held by the pace is sent at most a few hundred ms later
    server_cpu = cpu_seconds(server_pid) - cpu_before
    acked = [gift for m in members for gift in m.acked]
    expected = {
        "Sequence": len(acked),
        "TotalCount": sum(count for _, count in acked),
        "TotalCoins": sum(PRICES[gift_id] * count for gift_id, count in acked),
        "GiftSenderCount": sum(1 for m in members if m.acked),
    }
    counted = (await rest.call("live_engine_http_srv", "get_gift_count", {"RoomId": ROOM, "From_Account": HOST}))[
        "Response"
    ]
    stats = (await rest.call("live_engine_http_srv", "get_room_stats", {"RoomId": ROOM}))["Response"]
    final = (counted["Sequence"], counted["TotalCount"], counted["TotalCoins"], counted["GiftSenderCount"])
    converged = sum(1 for m in members if m.closed is None and m.last_totals == final)
    closed = [m.closed for m in members if m.closed is not None]  # by the server or the network, before ours
    beating.cancel()
    for member in members:
        await member.ws.close()
    for reader in readers:
        await reader
    statistic = (await rest.call("live_engine_http_srv", "destroy_room", {"RoomId": ROOM}))["Response"]["Statistic"]
    latencies = [x for m in members for x in m.latencies]
    errors: dict[str, int] = {}
    for member in members:
        for reason, n in member.errors.items():
            errors[reason] = errors.get(reason, 0) + n
    as_stats = (stats["TotalGiftsSent"], stats["TotalGiftCoins"], stats["TotalUniqueGiftSenders"])
    as_statistic = (statistic["TotalGiftsSent"], statistic["TotalGiftCoins"], statistic["TotalUniqueGiftSenders"])
    exact = (
        counted == expected
        and as_stats == (expected["TotalCount"], expected["TotalCoins"], expected["GiftSenderCount"])
        and as_statistic == as_stats
    )
    return {
        "members": args.members,
        "target_gifts_per_second": args.rate,
        "seconds": round(seconds, 2),
        "gifts_sent": sum(len(m.acked) + len(m.pending) for m in members) + sum(errors.values()),
        "gifts_acknowledged": len(acked),
        "acknowledged_per_second": round(len(acked) / seconds, 1),
        "ack_latency_ms": {"p50": ms(percentile(latencies, 0.5)), "p99": ms(percentile(latencies, 0.99))},
        "errors": errors,
        "connections_closed_during_the_run": {str(code): closed.count(code) for code in sorted(set(closed))},
        "gift_events_per_member": round(sum(m.gift_events for m in members) / len(members), 1),
        "members_whose_last_event_has_the_final_totals": converged,
        "server_cpu_seconds": round(server_cpu, 2),
        "counted": counted,
        "expected": expected,
        "every_counter_exact": exact,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gift_storm", description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=2000, help="gifts a second, all members together")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/liveroom.db"
        key = secrets.token_hex(32)
        cli = os.path.join(os.path.dirname(sys.executable), "liveroom")
        common = ["--database", database, "--json"]
        create = [cli, "app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", key, "--admin", ADMIN, *common]
        subprocess.run(create, check=True, capture_output=True)
        quota = [cli, "app", "quota", str(SDKAPPID), "--no-rate-limits", *common]
        subprocess.run(quota, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            ["taskset", "-c", "0", cli, "serve", "--port", str(port), "--database", database, "--no-access-log"],
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
            result = asyncio.run(run(args, base, key, server.pid))
            print(json.dumps(result, indent=2))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
    return 0 if result["every_counter_exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
