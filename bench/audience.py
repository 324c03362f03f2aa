"""The audience at scale: ``get_member_list`` with 50,000 members online in one room, and 5,000 members entering one
room over real WebSockets.

``python -m bench.audience`` (defaults: ``--members 50000 --pages 3000 --entering 5000``), three measurements:

1. ``inproc``: the ASGI app called in-process (as ``bench.inproc``: no network, no HTTP parsing) on one node's
   presence (``LocalPresence``) holding ``--members`` members of one room, entered through ``Presence.enter`` as
   the gateway enters them; ``get_member_list`` timed call by call, the first page and pages deep in the list
   (walking ``Next`` to the end again and again), beside ``get_room_info`` of the same room in the same run.
2. ``redis``: ``liveroom serve --redis`` on core 0 (SQLite), the members held in Redis by a second "node" in this
   process (a ``RedisPresence`` that enters and refreshes them, as another node of the deployment would), and
   ``get_member_list`` over HTTP from core 1, one request at a time, walking every page: the wall time per request.
3. ``entering``: ``liveroom serve`` on core 0 (SQLite, no Redis), ``--entering`` members connected and
   authenticated over real WebSockets from core 1 (this process), then all of them sending ``enter`` at once: the
   time until each has its ``entered`` answer, and until every ``member_entered`` event of the others has reached
   each member (a room of n members sends n(n-1)/2 of them).
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
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection, connect

from bench import inproc
from bench.realtime_fanout import ADMIN, SDKAPPID, Rest, cpu_seconds, free_port
from liveroom import usersig
from liveroom.cluster.presence import RedisPresence

ROOM = "crowd"
OWNER = "host"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 3)

    return {"n": len(ordered), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 3)}


# 1. in-process, one node's presence ---------------------------------------------------------------------------


async def page_inproc(members: int, pages: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="liveroom-audience-") as tmp:
        app, sig = await inproc._prepare(Path(tmp), 1)  # the same prepared app as bench.inproc
        call = inproc._caller(app, sig)
        admin = b'{"RoomInfo":{"RoomId":"%s","RoomType":"Live","Owner_Account":"%s"}}' % (ROOM.encode(), ADMIN.encode())
        assert b'"ErrorCode":0,' in await call("create_room", admin)
        presence = app.services.presence
        started = time.perf_counter()
        for i in range(members):
            await presence.enter(SDKAPPID, ROOM, f"m{i}", members + 1)
        filled = time.perf_counter() - started
        first = json.dumps({"RoomId": ROOM, "Next": ""}).encode()
        # The same-run reference: get_room_info of the same room, whose cost does not depend on the members.
        room_infos: list[float] = []
        room_infos_cpu: list[float] = []
        read_room = json.dumps({"RoomId": ROOM}).encode()
        for _ in range(pages):
            t0, c0 = time.perf_counter(), time.process_time()
            answer = await call("get_room_info", read_room)
            room_infos.append(time.perf_counter() - t0)
            room_infos_cpu.append(time.process_time() - c0)
            assert b'"ErrorCode":0,' in answer, answer
        firsts: list[float] = []
        deep: list[float] = []
        # CPU time of each call too: on a machine shared with other jobs the wall time's tail is the scheduler's.
        firsts_cpu: list[float] = []
        deep_cpu: list[float] = []
        cursor = ""
        cpu = time.process_time()
        for _ in range(pages):
            t0, c0 = time.perf_counter(), time.process_time()
            answer = await call("get_member_list", first)
            firsts.append(time.perf_counter() - t0)
            firsts_cpu.append(time.process_time() - c0)
            assert b'"ErrorCode":0,' in answer, answer
        cpu_first = (time.process_time() - cpu) / pages
        cpu = time.process_time()
        walked = 0
        while len(deep) < pages:
            body = json.dumps({"RoomId": ROOM, "Next": cursor}).encode()
            t0, c0 = time.perf_counter(), time.process_time()
            answer = await call("get_member_list", body)
            deep.append(time.perf_counter() - t0)
            deep_cpu.append(time.process_time() - c0)
            response = json.loads(answer)["Response"]
            assert response["MemberCount"] == members, response["MemberCount"]
            walked += len(response["MemberList"])
            cursor = response["Next"]
        cpu_deep = (time.process_time() - cpu) / pages
        await app.store.close()
    return {
        "members_online": members,
        "entering_them_through_presence_s": round(filled, 2),
        "get_room_info_for_comparison": percentiles(room_infos),
        "get_room_info_cpu": percentiles(room_infos_cpu),
        "first_page": percentiles(firsts),
        "first_page_cpu": percentiles(firsts_cpu),
        "first_page_cpu_us_with_the_bench_s_own": round(cpu_first * 1e6, 1),
        "every_page_walking_next": percentiles(deep),
        "every_page_cpu": percentiles(deep_cpu),
        "every_page_cpu_us_with_the_bench_s_own": round(cpu_deep * 1e6, 1),
        "members_listed_while_walking": walked,
    }


# 2. a liveroom serve node, members in Redis --------------------------------------------------------------------


def start_server(database: str, key: str, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    cli = os.path.join(os.path.dirname(sys.executable), "liveroom")
    common = ["--database", database, "--json"]
    create = [cli, "app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", key, "--admin", ADMIN, *common]
    subprocess.run(create, check=True, capture_output=True)
    quota = [cli, "app", "quota", str(SDKAPPID), "--no-rate-limits", "--members", "100000", *common]
    subprocess.run(quota, check=True, capture_output=True)
    port = free_port()
    command = ["taskset", "-c", "0", cli, "serve", "--port", str(port), "--database", database, "--no-access-log"]
    server = subprocess.Popen(
        [*command, *extra], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return server, base


async def page_redis(
    base: str, key: str, server_pid: int, redis_url: str, prefix: str, members: int, pages: int
) -> dict[str, Any]:
    rest = Rest(base, key)
    await rest.call("im_open_login_svc", "account_import", {"UserID": OWNER})
    room = {"RoomInfo": {"RoomId": ROOM, "RoomType": "Live", "Owner_Account": OWNER, "MaxMemberCount": 100000}}
    await rest.call("live_engine_http_srv", "create_room", room)
    client = redis.Redis.from_url(redis_url)
    # Another node of the deployment, holding every member; its TTL longer than the run, so that none of them is
    # swept as lost while it is still entering the last ones.
    other = RedisPresence(client, prefix, 600.0)
    other.start()
    started = time.perf_counter()
    for start in range(0, members, 50):  # within the client's connection pool
        batch = range(start, min(members, start + 50))
        await asyncio.gather(*(other.enter(SDKAPPID, ROOM, f"m{i}", members) for i in batch))
    filled = time.perf_counter() - started
    try:
        firsts: list[float] = []
        deep: list[float] = []
        baseline: list[float] = []
        cpu = cpu_seconds(server_pid)
        for _ in range(pages):
            t0 = time.perf_counter()
            await rest.call("live_engine_http_srv", "get_room_info", {"RoomId": ROOM})
            baseline.append(time.perf_counter() - t0)
        cpu_baseline, cpu = (cpu_seconds(server_pid) - cpu) / pages, cpu_seconds(server_pid)
        for _ in range(pages):
            t0 = time.perf_counter()
            answer = await rest.call("live_engine_http_srv", "get_member_list", {"RoomId": ROOM, "Next": ""})
            firsts.append(time.perf_counter() - t0)
        cursor, walked = "", 0
        while len(deep) < pages:
            t0 = time.perf_counter()
            answer = await rest.call("live_engine_http_srv", "get_member_list", {"RoomId": ROOM, "Next": cursor})
            deep.append(time.perf_counter() - t0)
            assert answer["Response"]["MemberCount"] == members, answer["Response"]["MemberCount"]
            walked += len(answer["Response"]["MemberList"])
            cursor = answer["Response"]["Next"]
        cpu_pages = (cpu_seconds(server_pid) - cpu) / (2 * pages)
    finally:
        await other.close()
        keys = [k async for k in client.scan_iter(f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start : start + 1000])
        await client.aclose()
    return {
        "members_online": members,
        "entering_them_into_redis_s": round(filled, 2),
        "get_room_info_for_comparison": percentiles(baseline),
        "get_room_info_server_cpu_us": round(cpu_baseline * 1e6, 1),
        "get_member_list_server_cpu_us": round(cpu_pages * 1e6, 1),
        "first_page": percentiles(firsts),
        "every_page_walking_next": percentiles(deep),
        "members_listed_while_walking": walked,
    }


# 3. members entering one room over WebSockets ------------------------------------------------------------------


class Member:
    def __init__(self, user: str, ws: ClientConnection) -> None:
        self.user = user
        self.ws = ws
        self.entered = asyncio.get_running_loop().create_future()
        self.entered_at = 0.0
        self.others = 0
        self.last_count = 0
        self.last_event_at = 0.0
        self.closed: int | None = None


async def authenticated(url: str, key: str, user: str) -> Member:
    ws = await connect(url, max_queue=None, open_timeout=60)
    sig = usersig.generate(SDKAPPID, key, user, 86400)
    await ws.send(json.dumps({"type": "auth", "sdkappid": SDKAPPID, "identifier": user, "usersig": sig}))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    return Member(user, ws)


async def read(member: Member) -> None:
    try:
        async for raw in member.ws:
            frame = json.loads(raw)
            if frame.get("type") == "entered":
                member.entered_at = time.perf_counter()
                member.entered.set_result(frame["RoomInfo"]["MemberCount"])
            elif frame.get("event") == "member_entered":
                member.others += 1
                member.last_event_at = time.perf_counter()
                member.last_count = max(member.last_count, frame["data"]["MemberCount"])
    except Exception as exc:
        member.closed = getattr(getattr(exc, "rcvd", None), "code", -1)
    else:
        member.closed = member.ws.close_code or 1000
    if not member.entered.done():
        member.entered.set_exception(ConnectionError(f"closed {member.closed}"))


async def entering(base: str, key: str, server_pid: int, count: int) -> dict[str, Any]:
    rest = Rest(base, key)
    users = [f"e{i}" for i in range(count)]
    for start in range(0, count, 100):
        await rest.call("im_open_login_svc", "multiaccount_import", {"Accounts": users[start : start + 100]})
    await rest.call("im_open_login_svc", "account_import", {"UserID": OWNER})
    room = {"RoomInfo": {"RoomId": ROOM, "RoomType": "Live", "Owner_Account": OWNER, "MaxMemberCount": 100000}}
    await rest.call("live_engine_http_srv", "create_room", room)
    url = base.replace("http://", "ws://") + "/realtime"
    members: list[Member] = []
    started = time.perf_counter()
    for start in range(0, count, 50):
        members += await asyncio.gather(*(authenticated(url, key, u) for u in users[start : start + 50]))
    connected = time.perf_counter() - started
    readers = [asyncio.create_task(read(m)) for m in members]
    order = list(range(count))
    random.Random(5).shuffle(order)
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    for i in order:  # everyone at once: the server answers them as it can
        await members[i].ws.send(json.dumps({"type": "enter", "RoomId": ROOM}))
    counts = await asyncio.gather(*(m.entered for m in members), return_exceptions=True)
    all_entered = time.perf_counter() - started
    cpu_entering = cpu_seconds(server_pid) - cpu_before
    # The events still coming (paced ones held for a moment): until none arrived for 2 s, at most 10 minutes.
    for _ in range(600):
        quiet = time.perf_counter() - max((m.last_event_at for m in members), default=0.0)
        if quiet > 2 or all(m.closed is not None for m in members):
            break
        await asyncio.sleep(1)
    events_done = max(m.last_event_at for m in members) - started if any(m.others for m in members) else 0.0
    last_counts = [m.last_count for m in members if m.closed is None]
    cpu_all = cpu_seconds(server_pid) - cpu_before
    latencies = [m.entered_at - started for m in members if m.entered_at]
    closed = [m.closed for m in members if m.closed is not None]
    delivered = sum(m.others for m in members)
    for member in members:
        await member.ws.close()
    for reader in readers:
        await reader
    return {
        "members": count,
        "connecting_and_authenticating_s": round(connected, 2),
        "all_entered_s": round(all_entered, 2),
        "entered_answer_after_s": {
            "p50": round(sorted(latencies)[len(latencies) // 2], 2) if latencies else None,
            "max": round(max(latencies), 2) if latencies else None,
        },
        "entered": sum(1 for c in counts if isinstance(c, int)),
        "member_entered_frames_if_each_were_sent_to_everyone": count * (count - 1) // 2,
        "member_entered_frames_delivered": delivered,
        "members_whose_last_member_entered_has_the_final_count": sum(
            1 for c, m in zip(counts, members, strict=True) if m.last_count == count or c == count
        ),
        "members_still_connected": len(last_counts),
        "last_member_entered_event_after_s": round(events_done, 2),
        "server_cpu_s_until_all_entered": round(cpu_entering, 2),
        "server_cpu_s_until_every_event": round(cpu_all, 2),
        "connections_closed_by_the_server": {str(c): closed.count(c) for c in sorted(set(closed), key=str)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audience", description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=50_000, help="members online for get_member_list")
    parser.add_argument("--pages", type=int, default=3000, help="get_member_list calls timed per kind")
    parser.add_argument("--entering", type=int, default=5000, help="members entering one room (0: skip)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help='Redis for the second run ("" skips it)')
    parser.add_argument("--only", choices=["inproc", "redis", "entering"], action="append")
    args = parser.parse_args()
    only = set(args.only or ["inproc", "redis", "entering"])
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if "inproc" in only:
        result["inproc"] = asyncio.run(page_inproc(args.members, args.pages))
        print(json.dumps(result, indent=2), flush=True)
    for kind in ("redis", "entering"):
        if kind not in only or (kind == "redis" and not args.redis) or (kind == "entering" and not args.entering):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            key = secrets.token_hex(32)
            prefix = f"liveroom-bench-{secrets.token_hex(4)}"
            extra = ("--redis", args.redis, "--redis-prefix", prefix) if kind == "redis" else ()
            server, base = start_server(f"sqlite:///{tmp}/liveroom.db", key, *extra)
            try:
                os.sched_setaffinity(0, {1})
                if kind == "redis":
                    sizes = (args.members, args.pages)
                    result[kind] = asyncio.run(page_redis(base, key, server.pid, args.redis, prefix, *sizes))
                else:
                    result[kind] = asyncio.run(entering(base, key, server.pid, args.entering))
                print(json.dumps(result, indent=2), flush=True)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
