"""Realtime at the scale of a popular room, measured with a Node.js client (``ws``), next to the bare broadcast
ceiling (bench/broadcast_ceiling.py) driven by the same client with the same members in the same run.

``python -m bench.realtime --members 1000,5000,20000 --messages 200``: for each member count N,

1. a fresh SQLite database (the app through the CLI, rate limits off, a member quota of 100,000), ``liveroom serve``
   pinned to core 0; N accounts imported, one room;
2. the Node.js client (bench/node/realtime_client.js; ``ws`` pinned in bench/node/package-lock.json, installed
   with ``npm ci`` into bench/node/node_modules, git-ignored) pinned to core 1 opens N WebSockets from several
   loopback source addresses (127.0.0.2, 127.0.0.3 ...: one address has some 28,000 ephemeral ports), each member
   authenticating with its own UserSig (made here with Tencent's ``tls-sig-api-v2``) and entering the room, at most
   ``--in-flight`` at once per address (the server lets 64 per address wait to authenticate); members heartbeat
   as docs/realtime.md asks. Join time: from the first connection until all N have their ``entered``;
3. the server's resident memory with the N members in; then ``--messages`` ``send_text_msg`` by REST from the
   client, one after the other, each carrying its send time: latency is publish to frame read, deliveries per
   second from the first publish to the last delivery, the server's CPU time (``/proc/PID/stat``) over that
   phase divided by the deliveries;
4. optionally (``--likes SENDERS``) a like storm, in rooms of at most ``--like-members``: SENDERS members like the
   room ``--like-rate`` times a second for ``--like-seconds``, and every like answered ``ok`` must be counted in
   ``get_room_stats``'s ``TotalLikesReceived``, exactly; a like's delivery latency is from its send to one member
   reading a ``TotalLikesReceived`` that includes it (likes ranked by send time);
5. the ceiling on core 0, the same client, N members, the same publishes (its members skip auth and enter).

``--nodes K`` (K > 1): liveroom as K nodes, as README's "Many nodes" runs them: K ``liveroom serve`` (one worker
each, all pinned to core 0) on a fresh PostgreSQL schema (``--postgres``, the schema through libpq's
``options=-csearch_path``, dropped afterwards) sharing Redis (``--redis``) under a ``--redis-prefix`` of the run's
own (its keys deleted afterwards). Member i connects to node i mod K (the same room); the accounts, the room and
the publishes go through node 0's REST. Before it, for the same N, one node on the same PostgreSQL and Redis
(``--no-one-node`` skips it; ``--cluster`` runs a single node there without ``--nodes``). Per node: its members,
its CPU over the publishing phase, its CPU per delivery (its CPU / (its members x messages)), that against the one
node's in the same run (``x one node``) and against the ceiling's; the text frames each member read (fewer than
the messages when the node batched them); latency. The bench subscribes to the nodes' ``PREFIX:events`` channel
and counts the messages that crossed Redis while publishing, and the events in them: one message a publish, at
most, whatever the members (src/liveroom/cluster/fanout.py). The PostgreSQL backends and Redis run where the
system puts them and are not counted in the nodes' CPU.

One client process reads every frame of every member on one core, so deliveries per second and latency are bounds
of the client as much as of the server; CPU per delivery is the server's own. The file-descriptor limit is raised
to its hard limit, and N is capped to what it allows (each member is a socket in the client, which holds them all,
and in the node it connects to).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import msgspec
import TLSSigAPIv2

from bench.postgres import POSTGRES, REDIS, Postgres, RedisProbe, with_params
from bench.realtime_fanout import ADMIN, SDKAPPID, cpu_seconds, free_port, rss_mib, wait_listening
from bench.run import liveroom_bin

NODE_DIR = Path(__file__).parent / "node"
CLIENT = NODE_DIR / "realtime_client.js"
ROOM = "popular"
HEARTBEAT_SECONDS = 20
# Sockets each process needs besides the members' (listeners, the database, stdio, the event loop's own).
FD_HEADROOM = 100


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL when thousands of connections make the shutdown longer than a few seconds."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def install_client() -> None:
    """``npm ci`` into bench/node/node_modules unless it already holds what the lock file pins."""
    lock = (NODE_DIR / "package-lock.json").read_bytes()
    stamp = NODE_DIR / "node_modules" / ".liveroom-lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise SystemExit("bench.realtime needs Node.js and npm (apt-get install -y nodejs npm)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=NODE_DIR, check=True)
    stamp.write_text(digest)


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def sources(members: int, count: int) -> list[str]:
    """Loopback source addresses (the whole of 127.0.0.0/8 is the loopback on Linux), at least one per 20,000."""
    count = max(count, -(-members // 20_000))
    return [f"127.0.0.{2 + i}" for i in range(count)]


class Client:
    """The Node.js client: commands on its stdin, one JSON report a line on its stdout."""

    def __init__(self, config: dict[str, Any], directory: str) -> None:
        path = Path(directory) / f"client-{config['mode']}.json"
        path.write_text(json.dumps(config))
        self.process = subprocess.Popen(
            ["taskset", "-c", "1", "node", "--max-old-space-size=4096", str(CLIENT), str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def report(self, phase: str) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise SystemExit(f"the Node.js client ended before {phase!r} (exit {self.process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        if answer["phase"] != phase:
            raise SystemExit(f"the Node.js client: expected {phase!r}, got {answer}")
        return answer

    def go(self) -> None:
        """Start joining (once the client has read its configuration and loaded)."""
        self.report("ready")
        self.command("join", None)

    def command(self, line: str, phase: str | None) -> dict[str, Any]:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()
        return {} if phase is None else self.report(phase)

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(SystemExit, BrokenPipeError):
                self.command("close", "closed")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Rest:
    def __init__(self, base: str, key: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.sig = str(TLSSigAPIv2.TLSSigAPIv2(SDKAPPID, key).gen_sig(ADMIN, 86400))

    def call(self, service: str, command: str, body: dict[str, Any]) -> dict[str, Any]:
        params = {
            "sdkappid": str(SDKAPPID),
            "identifier": ADMIN,
            "usersig": self.sig,
            "random": str(secrets.randbelow(2**32)),
            "contenttype": "json",
        }
        answer: dict[str, Any] = self.client.post(f"/v4/{service}/{command}", params=params, json=body).json()
        if answer["ErrorCode"] != 0:
            raise SystemExit(f"{command}: {answer}")
        return answer


class Profile:
    """py-spy recording the server (``--profile DIR``), one raw file a phase: ``python -m bench.hotspots FILE``."""

    def __init__(self, directory: str | None, server_pid: int, name: str) -> None:
        self.directory, self.pid, self.name = directory, server_pid, name
        self.recorder: subprocess.Popen[bytes] | None = None

    def start(self, phase: str) -> None:
        if self.directory is None:
            return
        beside = Path(sys.executable).parent / "py-spy"  # the environment's own, when it is not activated
        spy = str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"
        out = Path(self.directory) / f"{self.name}-{phase}.txt"
        command = [spy, "record", "-p", str(self.pid), "-r", "100", "-f", "raw", "-o", str(out)]
        self.recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.recorder is not None:
            self.recorder.send_signal(signal.SIGINT)
            self.recorder.wait(30)
            self.recorder = None


@dataclass
class Storage:
    """Where the nodes keep the app: a SQLite file (one node), or a PostgreSQL schema and a Redis prefix of this
    run's own (``serve`` names the arguments of ``liveroom serve`` that say so)."""

    database: str
    redis: str | None = None
    prefix: str = ""
    serve: list[str] = field(default_factory=list)


@contextlib.contextmanager
def storage(label: str, cluster: bool, args: argparse.Namespace, tmp: str) -> Iterator[Storage]:
    """A fresh SQLite database, or (``cluster``) a fresh PostgreSQL schema and Redis prefix, dropped afterwards."""
    if not cluster:
        yield Storage(f"sqlite:///{tmp}/liveroom-{label}.db")
        return
    pg, probe = Postgres(args.postgres), RedisProbe(args.redis)
    token = secrets.token_hex(6)
    schema, prefix = f"liveroom_realtime_{token}", f"bench-realtime-{token}"
    pg.create_schema(schema)
    try:
        # The schema through libpq's options, as bench.postgres does; the name finds the run's backends.
        url = with_params(args.postgres, options=f"-csearch_path={schema}", application_name=f"bench-{token}")
        yield Storage(url, args.redis, prefix, ["--redis", args.redis, "--redis-prefix", prefix])
    finally:
        pg.drop_schema(schema)
        probe.clean(prefix)
        pg.close()
        probe.close()


class EventCounter:
    """The bench's own subscriber of the nodes' events channel (``PREFIX:events``): the messages that crossed Redis
    and the events they carried (each message is a msgpack ``[node, [event, ...]]``, src/liveroom/cluster/fanout.py).
    """

    def __init__(self, url: str, channel: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        self.messages = self.events = 0
        self.by_sender: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="events-counter", daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            message = self.pubsub.get_message(timeout=0.2)
            if message is None:
                continue
            try:
                node, events = msgspec.msgpack.decode(message["data"])
            except (msgspec.DecodeError, TypeError, ValueError):
                node, events = "unreadable", []
            with self.lock:
                self.messages += 1
                self.events += len(events)
                self.by_sender[str(node)] = self.by_sender.get(str(node), 0) + 1

    def snapshot(self) -> tuple[int, int, dict[str, int]]:
        with self.lock:
            return self.messages, self.events, dict(self.by_sender)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.pubsub.close()
        self.client.close()


def switches(pid: int) -> tuple[int, int]:
    """Context switches of a process: voluntary (it waited) and not (the core was taken from it)."""
    found = dict(line.split(":") for line in Path(f"/proc/{pid}/status").read_text().splitlines() if "ctxt" in line)
    return int(found["voluntary_ctxt_switches"]), int(found["nonvoluntary_ctxt_switches"])


def measure(
    client: Client,
    pids: list[int],
    messages: int,
    into: dict[str, Any],
    settle_seconds: float,
    profiles: list[Profile],
    counter: EventCounter | None = None,
) -> dict[str, Any]:
    """Join and publish; ``pids`` are the servers (liveroom's nodes, in the order of the client's ``urls``)."""
    servers_before, client_before = [cpu_seconds(pid) for pid in pids], cpu_seconds(client.process.pid)
    for profile in profiles:
        profile.start("join")
    client.go()
    joined = client.report("joined")
    for profile in profiles:
        profile.stop()
    into |= {k: joined[k] for k in ("entered", "failed", "join_seconds", "entries_per_second", "errors")}
    # Whether the join was the server's CPU, the client's, or neither (waiting on each other or on commits).
    join_cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, servers_before, strict=True)]
    into["join_server_cpu_seconds"] = round(sum(join_cpu), 2)
    into["join_client_cpu_seconds"] = round(cpu_seconds(client.process.pid) - client_before, 2)
    # The member events of the entries drain first; then the memory with every member in.
    time.sleep(settle_seconds)
    rss = [rss_mib(pid) for pid in pids]
    into["server_rss_mib"] = round(sum(rss), 1)
    for profile in profiles:
        profile.start("publish")
    counted = counter.snapshot() if counter is not None else None
    before, switched = [cpu_seconds(pid) for pid in pids], [switches(pid) for pid in pids]
    published = client.command(f"publish {messages}", "published")
    cpu = [cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
    switched = [
        (now[0] - was[0], now[1] - was[1]) for now, was in zip([switches(pid) for pid in pids], switched, strict=True)
    ]
    for profile in profiles:
        profile.stop()
    into |= {
        k: published[k]
        for k in (
            "delivered",
            "expected",
            "deliveries_per_second",
            "latency_ms_p50",
            "latency_ms_p99",
            "latency_ms_max",
            "text_frames",
            "closed_after_entry",
        )
    }
    into["server_cpu_seconds"] = round(sum(cpu), 2)
    into["server_cpu_us_per_delivery"] = round(sum(cpu) / max(1, published["delivered"]) * 1e6, 2)
    into["server_rss_mib_after"] = round(sum(rss_mib(pid) for pid in pids), 1)
    # Each node's share: its members, its CPU over the publishing, per delivery it owed (members x messages).
    into["per_node"] = [
        {
            "members": node["members_in"],
            "delivered": node["delivered"],
            "text_frames_per_member": round(node["text_frames"] / max(1, node["members_in"]), 1),
            "latency_ms_p50": node["latency_ms_p50"],
            "latency_ms_p99": node["latency_ms_p99"],
            "join_cpu_seconds": round(join_cpu[i], 2),
            "rss_mib": rss[i],
            "cpu_seconds": round(cpu[i], 2),
            "cpu_us_per_delivery": round(cpu[i] / max(1, node["members_in"] * messages) * 1e6, 2),
            "context_switches_voluntary": switched[i][0],
            "context_switches_involuntary": switched[i][1],
        }
        for i, node in enumerate(published["per_node"])
    ]
    if counter is not None and counted is not None:
        time.sleep(0.5)  # the subscriber reads the last messages of the phase
        after = counter.snapshot()
        sent, events = after[0] - counted[0], after[1] - counted[1]
        senders = {node: count - counted[2].get(node, 0) for node, count in after[2].items()}
        into["redis"] = {
            "channel_messages": sent,
            "events": events,
            "publishes": messages,
            "messages_per_publish": round(sent / max(1, messages), 3),
            "events_per_message": round(events / max(1, sent), 2),
            "messages_by_sending_node": sorted((c for c in senders.values() if c), reverse=True),
        }
    return published


def start_node(database: str, serve: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """``liveroom serve`` (one worker) pinned to core 0, once it listens."""
    port = free_port()
    command = [liveroom_bin(), "serve", "--port", str(port), "--database", database, "--no-access-log"]
    server = subprocess.Popen(
        ["taskset", "-c", "0", *command, "--workers", "1", *serve], env=env, start_new_session=True
    )
    try:
        wait_listening(port)
    except SystemExit:
        stop(server)
        raise
    return server, port


def run_liveroom(n: int, nodes: int, cluster: bool, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    """N members on ``nodes`` nodes (round-robin), on SQLite or (``cluster``) PostgreSQL and Redis."""
    result: dict[str, Any] = {"nodes": nodes, "store": "postgresql+redis" if cluster else "sqlite"}
    key = secrets.token_hex(32)
    with storage(f"{n}-{nodes}", cluster, args, tmp) as store:
        common = ["--database", store.database, "--json"]
        cli = liveroom_bin()
        create = [cli, "app", "create", "--sdkappid", str(SDKAPPID), "--secret-key", key, "--admin", ADMIN]
        subprocess.run([*create, *common], check=True, capture_output=True)
        quota = [cli, "app", "quota", str(SDKAPPID), "--no-rate-limits", "--members", "100000", *common]
        subprocess.run(quota, check=True, capture_output=True)
        env = os.environ | {"LIVEROOM_LOG_LEVEL": "warning"}
        env |= {f"LIVEROOM_{name.upper()}": value for name, value in args.server_env}
        servers: list[tuple[subprocess.Popen[bytes], int]] = []
        client: Client | None = None
        counter: EventCounter | None = None
        try:
            # One after the other: each migrates the database first (a no-op once the CLI has).
            for _ in range(nodes):
                servers.append(start_node(store.database, store.serve, env))
            pids = [server.pid for server, _ in servers]
            # REST, the client's publishes included, through node 0.
            base = f"http://127.0.0.1:{servers[0][1]}"
            rest = Rest(base, key)
            users = [f"u{i}" for i in range(n)]
            for start in range(0, n, 100):
                rest.call("im_open_login_svc", "multiaccount_import", {"Accounts": users[start : start + 100]})
            room = {"RoomId": ROOM, "RoomType": "Live", "MaxMemberCount": 100_000}
            rest.call("live_engine_http_srv", "create_room", {"RoomInfo": room})
            signer = TLSSigAPIv2.TLSSigAPIv2(SDKAPPID, key)
            config = {
                "mode": "liveroom",
                "urls": [f"ws://127.0.0.1:{port}/realtime" for _, port in servers],
                "rest_url": base,
                "sdkappid": SDKAPPID,
                "admin": ADMIN,
                "admin_usersig": rest.sig,
                "room": ROOM,
                "members": [[user, str(signer.gen_sig(user, 86400))] for user in users],
                "sources": sources(n, args.sources),
                "in_flight": args.in_flight,
                "heartbeat_seconds": HEARTBEAT_SECONDS,
            }
            if store.redis is not None:
                counter = EventCounter(store.redis, f"{store.prefix}:events")
            client = Client(config, tmp)
            named = cluster or nodes > 1
            profiles = [
                Profile(args.profile, pid, f"n{n}-{nodes}nodes-node{i}" if named else f"n{n}")
                for i, pid in enumerate(pids)
            ]
            try:
                measure(client, pids, args.messages, result, args.settle, profiles, counter)
            except SystemExit as failed:
                result["error"] = str(failed)
                return result
            if args.likes and n <= args.like_members:
                before = sum(cpu_seconds(pid) for pid in pids)
                liked = client.command(
                    f"likes {args.likes} {args.like_rate} {args.like_seconds} {args.like_drain}", "liked"
                )
                cpu = sum(cpu_seconds(pid) for pid in pids) - before
                stats = rest.call("live_engine_http_srv", "get_room_stats", {"RoomId": ROOM})["Response"]
                liked |= {
                    "TotalLikesReceived": stats["TotalLikesReceived"],
                    "every_ok_counted_exactly": stats["TotalLikesReceived"] == liked["likes_answered_ok"],
                    "server_cpu_seconds": round(cpu, 2),
                }
                result["like_storm"] = liked
            info = rest.call("live_engine_http_srv", "get_room_info", {"RoomId": ROOM})["Response"]["RoomInfo"]
            result["MemberCount"] = info["MemberCount"]
        finally:
            if client is not None:
                client.close()
            if counter is not None:
                counter.close()
            for server, _ in servers:
                stop(server)
    return result


def run_ceiling(n: int, args: argparse.Namespace, tmp: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    port = free_port()
    ceiling = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, "-m", "bench.broadcast_ceiling", "--port", str(port)],
        start_new_session=True,
    )
    client: Client | None = None
    try:
        wait_listening(port)
        config = {
            "mode": "ceiling",
            "urls": [f"ws://127.0.0.1:{port}/"],
            "members": [[f"u{i}", ""] for i in range(n)],
            "sources": sources(n, args.sources),
            "in_flight": args.in_flight,
            "heartbeat_seconds": HEARTBEAT_SECONDS,
        }
        client = Client(config, tmp)
        try:
            measure(client, [ceiling.pid], args.messages, result, args.settle, [Profile(None, ceiling.pid, "")])
        except SystemExit as failed:
            result["error"] = str(failed)
    finally:
        # The ceiling first: it would log every connection the client drops.
        stop(ceiling)
        if client is not None:
            client.close()
    return result


def table(runs: list[dict[str, Any]]) -> str:
    head = (
        "| members | liveroom µs CPU/delivery | ceiling µs CPU/delivery | x ceiling | deliveries/s (liveroom; ceiling) "
        "| p50 / p99 ms (liveroom; ceiling) | join s (liveroom; ceiling) | server RSS MiB (liveroom; ceiling) |"
    )
    if any(run["liveroom"].get("nodes", 1) > 1 for run in runs):
        head = head.replace("| members |", "| members | nodes |", 1)
    several = "| nodes |" in head
    lines = [head, ("|---:|---:|" if several else "|---:|") + "---:|---:|---:|---|---|---|---|"]
    for run in runs:
        ours, floor = run["liveroom"], run.get("ceiling", {})

        def both(key: str, ours: dict[str, Any] = ours, floor: dict[str, Any] = floor) -> str:
            return f"{ours.get(key, '-')}; {floor.get(key, '-')}"

        nodes = f" {ours.get('nodes', 1)} |" if several else ""
        lines.append(
            f"| {run['members']:,} |{nodes} {ours.get('server_cpu_us_per_delivery', '-')}"
            f" | {floor.get('server_cpu_us_per_delivery', '-')}"
            f" | {run.get('cpu_per_delivery_x_ceiling', '-')} | {both('deliveries_per_second')}"
            f" | {ours.get('latency_ms_p50', '-')} / {ours.get('latency_ms_p99', '-')}; "
            f"{floor.get('latency_ms_p50', '-')} / {floor.get('latency_ms_p99', '-')}"
            f" | {both('join_seconds')} | {both('server_rss_mib')} |"
        )
    return "\n".join(lines)


def node_table(runs: list[dict[str, Any]]) -> str:
    """Each node's share of the publishing, the one-node run on the same PostgreSQL and Redis first."""
    head = (
        "| members | run | node | its members | node CPU s | µs CPU/delivery | x one node | x ceiling "
        "| text frames/member | p50 / p99 ms | Redis messages/publish (events/message) |"
    )
    lines = [head, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for run in runs:
        floor = run.get("ceiling", {}).get("server_cpu_us_per_delivery")
        for label in ("one_node", "liveroom"):
            ours = run.get(label)
            if ours is None or "per_node" not in ours:
                continue
            redis = ours.get("redis", {})
            sent = f"{redis.get('messages_per_publish', '-')} ({redis.get('events_per_message', '-')})"
            for i, node in enumerate(ours["per_node"]):
                cost = node["cpu_us_per_delivery"]
                x_one = node.get("x_one_node", "-")
                x_floor = round(cost / floor, 2) if floor else "-"
                lines.append(
                    f"| {run['members']:,} | {ours['nodes']} node{'s' if ours['nodes'] > 1 else ''} | {i}"
                    f" | {node['members']:,} | {node['cpu_seconds']} | {cost} | {x_one} | {x_floor}"
                    f" | {node['text_frames_per_member']} | {node['latency_ms_p50']} / {node['latency_ms_p99']}"
                    f" | {sent if i == 0 else ''} |"
                )
    return "\n".join(lines)


def compare(run: dict[str, Any]) -> None:
    """Each node's CPU per delivery against the one node's of the same run (``x_one_node``)."""
    ours, one = run["liveroom"], run.get("one_node", {})
    if "per_node" not in ours or "per_node" not in one:
        return
    reference = one["per_node"][0]["cpu_us_per_delivery"]
    for node in ours["per_node"]:
        node["x_one_node"] = round(node["cpu_us_per_delivery"] / reference, 2) if reference else None
    one["per_node"][0]["x_one_node"] = 1.0


def node_count(text: str) -> int:
    count = int(text)
    if not 1 <= count <= 16:
        raise argparse.ArgumentTypeError("from 1 to 16 nodes")
    return count


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", default="1000,5000,20000", help="member counts, comma-separated")
    parser.add_argument("--messages", type=int, default=200, help="publishes per member count")
    parser.add_argument("--sources", type=int, default=8, help="loopback source addresses (127.0.0.2 on)")
    parser.add_argument("--in-flight", type=int, default=32, help="members joining at once per source address")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds between the last entry and publishing")
    parser.add_argument("--likes", type=int, default=0, help="a like storm from this many members (0: none)")
    parser.add_argument("--like-rate", type=float, default=5.0, help="likes a second per sender")
    parser.add_argument("--like-members", type=int, default=1000, help="the storm only in rooms of at most this many")
    parser.add_argument("--like-seconds", type=float, default=20.0)
    parser.add_argument("--like-drain", type=float, default=5.0, help="seconds to wait for answers afterwards")
    parser.add_argument("--no-ceiling", action="store_true", help="liveroom alone")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        metavar="NAME=VALUE",
        help="a setting for liveroom serve, e.g. realtime_unauthenticated_per_address=256 (LIVEROOM_ prefixed)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write every figure here")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="py-spy (beside python, or on PATH) records liveroom's join and publishing (each node's)",
    )
    parser.add_argument(
        "--nodes",
        type=node_count,
        default=1,
        help="liveroom nodes (default 1, on SQLite); more than 1: on PostgreSQL and Redis, members round-robin, "
        "REST through node 0, after a one-node run on the same PostgreSQL and Redis",
    )
    parser.add_argument(
        "--cluster", action="store_true", help="PostgreSQL and Redis with one node too (implied by --nodes 2 or more)"
    )
    parser.add_argument("--no-one-node", action="store_true", help="with --nodes 2 or more: no one-node run first")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL for --nodes/--cluster (a schema per run)")
    parser.add_argument("--redis", default=REDIS, help="Redis for --nodes/--cluster (a key prefix per run)")
    args = parser.parse_args(argv)
    args.cluster = args.cluster or args.nodes > 1
    try:
        args.member_counts = [int(text) for text in args.members.split(",")]
    except ValueError:
        parser.error(f"--members: whole numbers, comma-separated (not {args.members!r})")
    return args


def main() -> None:
    args = parse_args()
    if args.in_flight >= 64 and not args.server_env:
        print("note: --in-flight 64 or more per address exceeds the server's default wait-to-authenticate cap")
    install_client()
    limit = raise_fd_limit()
    os.sched_setaffinity(0, {1})
    load = os.getloadavg()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for wanted in args.member_counts:
            n = min(wanted, limit - FD_HEADROOM)
            run: dict[str, Any] = {"members": n, "messages": args.messages}
            if n < wanted:
                run["note"] = f"{wanted:,} asked; the file-descriptor hard limit ({limit:,}) allows {n:,}"
                print(run["note"], file=sys.stderr)
            if args.nodes > 1 and not args.no_one_node:
                run["one_node"] = run_liveroom(n, 1, True, args, tmp)
                print(json.dumps(run), file=sys.stderr, flush=True)
            run["liveroom"] = run_liveroom(n, args.nodes, args.cluster, args, tmp)
            compare(run)
            if not args.no_ceiling:
                run["ceiling"] = run_ceiling(n, args, tmp)
                ours, floor = run["liveroom"], run["ceiling"]
                if "server_cpu_us_per_delivery" in ours and "server_cpu_us_per_delivery" in floor:
                    ratio = ours["server_cpu_us_per_delivery"] / floor["server_cpu_us_per_delivery"]
                    run["cpu_per_delivery_x_ceiling"] = round(ratio, 2)
            runs.append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_start": [round(x, 2) for x in load],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "fd_hard_limit": limit,
        "runs": runs,
    }
    print(table(runs))
    if args.cluster:
        print(node_table(runs))
    print(f"load average {summary['load_average_at_start']} at the start, {summary['load_average_at_end']} at the end")
    for run in runs:
        if "like_storm" in run["liveroom"]:
            print(f"like storm, {run['members']:,} members: {json.dumps(run['liveroom']['like_storm'])}")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    socket.setdefaulttimeout(60)
    main()
