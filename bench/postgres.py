"""``python -m bench.postgres``: the workloads of ``python -m bench`` on PostgreSQL, with one node and three nodes.

For each node count (``--nodes``, default 1 and 3): a fresh PostgreSQL schema (libpq ``options=-csearch_path``),
the app with rate limits off made through the CLI, ``--rooms`` rooms seeded by COPY, then N ``liveroom serve``
processes on their own ports sharing the schema, and, with more than one node, Redis under a ``--redis-prefix`` of
this run (one node runs without Redis, as a one-node deployment does). Placement on the two cores:

- core 0: the node(s), each one uvicorn worker (three nodes share the one core a single node gets, so the two
  runs compare at the same server CPU budget);
- core 1: the wrk processes and this run's PostgreSQL backends (pinned by PID before each timed run; found by the
  ``application_name`` in the nodes' database URL). PostgreSQL's own background processes and Redis are shared
  services and stay where the system puts them.

Load: one ``wrk -t1`` per node, started together, ``--connections`` split between them; requests/s are summed,
p50/p99 come from merging the wrk processes' latency distributions (each prints its latency at a grid of
percentiles). No load balancer: nginx is not on this machine and one in the path would measure itself on the same
two cores. The ceiling is the bare ASGI callable (``bench/ceiling.py``) as N processes on core 0, loaded the same way.

Every answer is checked in Lua as in ``python -m bench``. After ``create_room`` every node is killed with SIGKILL
and the rooms that run created are counted against its OK answers; with several nodes, a room created on one node
is read and changed through the others. CPU per request is read from /proc: the node processes, this run's
PostgreSQL backends, PostgreSQL's background processes (WAL writer, checkpointer, autovacuum: shared with anyone
else using the server) and Redis. Results: ``bench/results/postgres.json`` and a table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench import run, seed
from bench.run import ADMIN, SDKAPPID, WORKLOADS, WRK_DIR, Load, Server, log
from liveroom import usersig

RESULTS = run.BENCH_DIR / "results" / "postgres.json"
NODE_CORES = "0"
LOAD_CORES = "1"  # wrk and this run's PostgreSQL backends
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = run.REDIS


# PostgreSQL and Redis ---------------------------------------------------------------------------------------


def with_params(base: str, **params: str) -> str:
    separator = "&" if "?" in base else "?"
    return base + separator + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


@dataclass
class PgDeployment(run.Deployment):
    """The app on a fresh schema of its own (``db_path`` is unused: the rooms are in PostgreSQL)."""

    base_url: str = ""
    schema: str = ""
    application_name: str = ""

    @property
    def url(self) -> str:
        """The nodes' database URL: the schema, and a name that finds this run's backends in pg_stat_activity."""
        options = f"-csearch_path={self.schema}"
        return with_params(self.base_url, options=options, application_name=self.application_name)


class Postgres:
    """The harness's own connection: schemas, and the backends and background processes to measure."""

    def __init__(self, url: str) -> None:
        import psycopg

        try:
            self.db = psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            raise SystemExit(f"bench: PostgreSQL at {url} is not reachable ({exc}); see --postgres") from exc
        self.url = url
        self.version = str(self.db.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        self.settings = {
            name: str(self.db.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
            for name in ("synchronous_commit", "fsync", "shared_buffers", "max_connections")
        }

    def create_schema(self, name: str) -> None:
        from psycopg import sql

        self.db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))

    def drop_schema(self, name: str) -> None:
        from psycopg import sql

        self.db.execute("SET lock_timeout = '30s'")
        self.db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))

    def backends(self, application_name: str) -> list[int]:
        rows = self.db.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application_name,))
        return [int(r[0]) for r in rows]

    def background(self) -> list[int]:
        rows = self.db.execute("SELECT pid FROM pg_stat_activity WHERE backend_type <> 'client backend'")
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        self.db.close()


class RedisProbe:
    """The harness's own Redis connection: the server's PID and command count, and the run's keys to delete."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            self.pid = int(self.client.info("server")["process_id"])
        except redis.RedisError as exc:
            raise SystemExit(f"bench: Redis at {url} is not reachable ({exc}); see --redis") from exc

    def commands(self) -> int:
        return int(self.client.info("stats")["total_commands_processed"])

    def clean(self, prefix: str) -> int:
        """Delete this run's keys (presence, and rate-limit windows or lock-outs if any were made)."""
        keys = list(self.client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            self.client.delete(*keys)
        return len(keys)

    def close(self) -> None:
        self.client.close()


def pin(pids: list[int], cores: str) -> int:
    """Pin processes (our PostgreSQL backends) to ``cores``; answers how many were pinned."""
    wanted = {int(c) for c in cores.split(",")}
    pinned = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, wanted)
            pinned += 1
    return pinned


# the deployment -----------------------------------------------------------------------------------------------


def deploy(pg: Postgres, directory: Path, rooms: int) -> PgDeployment:
    """A new schema with the app (rate limits off, through the CLI) and ``rooms`` rooms seeded by COPY."""
    directory.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(6)
    schema = f"liveroom_bench_{token}"
    pg.create_schema(schema)
    key = secrets.token_hex(32)
    dep = PgDeployment(
        directory, directory, key, usersig.generate(SDKAPPID, key, ADMIN, 86400), pg.url, schema, f"bench-{token}"
    )
    run.create_app(dep.url, key)
    seconds = seed.seed_rooms_postgres(dep.url, SDKAPPID, rooms)
    log(f"seeded {rooms:,} rooms in {seconds:.1f} s (schema {schema})")
    return dep


def node_server(dep: PgDeployment, index: int, redis_url: str | None, prefix: str) -> Server:
    port = run.free_port()
    cmd = [run.liveroom_bin(), "serve", "--no-access-log", "--workers", "1", "--port", str(port)]
    cmd += ["--database", dep.url]
    if redis_url:
        cmd += ["--redis", redis_url, "--redis-prefix", prefix]
    return Server(f"node {index + 1}", cmd, NODE_CORES, port, dep.directory / f"node-{index + 1}-{port}.log")


@contextlib.contextmanager
def all_running(servers: list[Server], ready_path: str = "/healthz") -> Iterator[list[Server]]:
    try:
        for server in servers:
            server.start(ready_path)
        yield servers
    finally:
        for server in servers:
            server.stop()


# load ---------------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    """Processes whose CPU a run reports, besides the servers': found again before each run."""

    backends: Callable[[], list[int]] = list
    background: Callable[[], list[int]] = list
    redis: RedisProbe | None = None


def _ticks(pids: list[int]) -> dict[int, int]:
    return {pid: run.cpu_ticks([pid]) for pid in pids}


def merged_percentile(runs: list[dict[str, Any]], q: float) -> float:
    """The q-th percentile (µs) of the requests of several wrk runs, from each run's latency at a percentile grid:
    the smallest latency below which at least q% of all requests fall (each run's share read as a step function)."""
    total = sum(r["requests"] for r in runs)
    candidates = sorted({v for r in runs for _, v in r["cdf"]})
    for value in candidates:
        below = sum(r["requests"] * max((p for p, v in r["cdf"] if v <= value), default=0) / 100 for r in runs)
        if below >= q / 100 * total - 1e-9:
            return float(value)
    return float(candidates[-1])


def run_wrk_nodes(
    script: str,
    servers: list[Server],
    dep: PgDeployment,
    rooms: int,
    load: Load,
    measured: Measured,
    *,
    cursors: Path | None = None,
) -> dict[str, Any]:
    """One wrk per server, in parallel, ``load.connections`` split between them; the summed result."""
    hz = os.sysconf("SC_CLK_TCK")
    shares = [load.connections // len(servers) + (i < load.connections % len(servers)) for i in range(len(servers))]

    def once(seconds: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        procs = []
        for server, conns in zip(servers, shares, strict=True):
            prefix = f"n{secrets.token_hex(3)}"
            cmd = [
                *run.LOAD_GENERATOR, LOAD_CORES, "wrk", f"-t{load.threads}", f"-c{max(conns, load.threads)}",
                f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(WRK_DIR / script), server.base, "--",
                str(SDKAPPID), ADMIN, dep.sig, str(rooms), prefix, str(cursors) if cursors else "-",
            ]  # fmt: skip
            procs.append((prefix, cmd))
        backends = measured.backends()
        pin(backends, LOAD_CORES)
        nodes = [_ticks(s.pids) for s in servers]
        before_backends, before_background = _ticks(backends), _ticks(measured.background())
        redis = measured.redis
        before_redis = (run.cpu_ticks([redis.pid]), redis.commands()) if redis else (0, 0)
        before_all, before_wrk = run.busy_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
        started = [
            (prefix, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()))
            for prefix, cmd in procs
        ]
        outputs = [(prefix, *p.communicate(), p.returncode) for prefix, p in started]
        after_wrk, all_ticks = resource.getrusage(resource.RUSAGE_CHILDREN), run.busy_ticks() - before_all
        node_ticks = [sum(run.cpu_ticks([p]) - t for p, t in before.items()) for before in nodes]
        # A backend the pool opened during the run counts from zero.
        backend_ticks = sum(run.cpu_ticks([p]) - before_backends.get(p, 0) for p in measured.backends())
        background_ticks = sum(run.cpu_ticks([p]) - t for p, t in before_background.items())
        redis_ticks = (run.cpu_ticks([redis.pid]) - before_redis[0]) if redis else 0
        redis_commands = (redis.commands() - before_redis[1] - 1) if redis else 0  # - 1: the INFO before
        wrk_ticks = round((after_wrk.ru_utime + after_wrk.ru_stime - before_wrk.ru_utime - before_wrk.ru_stime) * hz)
        results = []
        for prefix, stdout, stderr, code in outputs:
            line = next((x for x in stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
            if code != 0 or line is None:
                raise SystemExit(f"bench: wrk failed ({code}):\n{stdout}\n{stderr}")
            result = json.loads(line.split(" ", 1)[1])
            result["room_prefix"] = prefix
            results.append(result)
        ours = sum(node_ticks) + backend_ticks + background_ticks + redis_ticks + wrk_ticks
        return results, {
            "node_ticks": node_ticks,
            "backend_ticks": backend_ticks,
            "background_ticks": background_ticks,
            "redis_ticks": redis_ticks,
            "redis_commands": redis_commands,
            "wrk_ticks": wrk_ticks,
            "other_ticks": max(0, all_ticks - ours),
            "backends": len(backends),
        }

    ours = [p for s in servers for p in s.pids] + measured.backends()
    waited = run.wait_quiet(load, ours) if load.quiet_wait > 0 else None
    if load.warmup > 0:
        once(load.warmup)
    runs, cpu = once(load.duration)
    requests = int(sum(r["requests"] for r in runs))
    seconds = float(max(r["duration_us"] for r in runs)) / 1e6

    def per_request(ticks: int) -> float:
        return round(ticks / hz / max(1, requests) * 1e6, 1)

    def pct(ticks: int) -> float:
        return round(100 * ticks / hz / seconds, 1)

    result: dict[str, Any] = {
        "nodes": len(servers),
        "requests": requests,
        "rps": round(sum(r["requests"] / (r["duration_us"] / 1e6) for r in runs), 1),
        "p50_ms": round(merged_percentile(runs, 50) / 1000, 2),
        "p99_ms": round(merged_percentile(runs, 99) / 1000, 2),
        "max_ms": round(max(r["max_us"] for r in runs) / 1000, 2),
        "ok": sum(r["ok"] for r in runs),
        "bad": sum(r["bad"] for r in runs),
        "non2xx": sum(r["non2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "timeouts": sum(r["timeouts"] for r in runs),
        "samples": [s for r in runs for s in r["samples"]],
        "room_prefixes": [r["room_prefix"] for r in runs],
        "per_wrk": [
            {
                "connections": conns,
                "requests": r["requests"],
                "ok": r["ok"],
                "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
                "p50_ms": round(r["p50_us"] / 1000, 2),
                "p99_ms": round(r["p99_us"] / 1000, 2),
            }
            for r, conns in zip(runs, shares, strict=True)
        ],
        "server_cpu_pct": pct(sum(cpu["node_ticks"])),
        "server_cpu_pct_by_node": [pct(t) for t in cpu["node_ticks"]],
        # CPU time per answered request: the node processes (the figure python -m bench reports as server CPU) ...
        "server_cpu_us_per_request": per_request(sum(cpu["node_ticks"])),
        # ... this run's PostgreSQL backends (pinned to the load core) ...
        "pg_backend_cpu_us_per_request": per_request(cpu["backend_ticks"]),
        "pg_backend_cpu_pct": pct(cpu["backend_ticks"]),
        "pg_backends": cpu["backends"],
        # ... PostgreSQL's background processes (WAL writer, checkpointer, autovacuum; anyone's work) and Redis.
        "pg_background_cpu_us_per_request": per_request(cpu["background_ticks"]),
        "redis_cpu_us_per_request": per_request(cpu["redis_ticks"]),
        # Commands Redis ran meanwhile per request (anyone else's included: Redis is shared).
        "redis_commands_per_request": round(cpu["redis_commands"] / max(1, requests), 2),
        "wrk_cpu_pct": pct(cpu["wrk_ticks"]),
        "other_cpu_pct": pct(cpu["other_ticks"]),
        "other_cpu_pct_before": None if waited is None else round(waited, 1),
    }
    result["valid"] = result["bad"] == 0 and result["non2xx"] == 0 and result["socket_errors"] == 0 and result["ok"] > 0
    return result


def _env() -> dict[str, str]:
    return {**run.lua_env(), "BENCH_WRK_CDF": "1"}


def selected(names: list[str]) -> list[tuple[str, str]]:
    return [(name, script) for name, script in WORKLOADS if Path(script).stem in names]


# one node count -----------------------------------------------------------------------------------------------


def kill_and_count(servers: list[Server], dep: PgDeployment, result: dict[str, Any]) -> dict[str, Any]:
    """kill -9 every node the moment wrk stops; every create_room answered OK must be in the database."""
    for server in servers:
        server.stop(kill=True)
    stored = sum(seed.count_rooms_postgres(dep.url, prefix + "-") for prefix in result["room_prefixes"])
    return {
        "create_room_answered_ok_in_timed_runs": result["ok"],
        "rooms_created_found_after_kill9": stored,
        "ok": stored >= result["ok"],
    }


def cross_node_check(servers: list[Server], dep: PgDeployment) -> dict[str, Any]:
    """A room created through the first node is read through every node, renamed through the last one, and the
    new name read through the first."""
    room = f"xnode-{secrets.token_hex(4)}"
    clients = [httpx.Client(base_url=s.base, timeout=10) for s in servers]
    try:
        run.call(clients[0], dep, "create_room", {"RoomInfo": {"RoomId": room, "RoomType": "Live", "RoomName": "a"}})
        seen = [run.call(c, dep, "get_room_info", {"RoomId": room}).json()["Response"]["RoomInfo"] for c in clients]
        run.call(clients[-1], dep, "update_room_info", {"RoomInfo": {"RoomId": room, "RoomName": "b"}})
        after = run.call(clients[0], dep, "get_room_info", {"RoomId": room}).json()["Response"]["RoomInfo"]
    finally:
        for client in clients:
            client.close()
    ok = all(r["RoomName"] == "a" for r in seen) and after["RoomName"] == "b"
    return {"room": room, "nodes": len(servers), "ok": ok}


def one_deployment(
    args: argparse.Namespace, pg: Postgres, nodes: int, load: Load, tmp: Path, redis: RedisProbe | None
) -> dict[str, Any]:
    dep = deploy(pg, tmp / f"nodes-{nodes}", args.rooms)
    prefix = f"liveroom-bench-{secrets.token_hex(4)}"
    redis_url = args.redis if redis is not None and (nodes > 1 or args.one_node_redis) else None
    out: dict[str, Any] = {
        "nodes": nodes,
        "schema": dep.schema,
        "redis_prefix": prefix if redis_url else None,
        "placement": {
            "nodes": f"core {NODE_CORES}",
            "wrk": f"core {LOAD_CORES}",
            "postgres_backends": f"core {LOAD_CORES} (pinned)",
            "postgres_background_and_redis": "unpinned",
        },
    }
    measured = Measured(
        backends=lambda: pg.backends(dep.application_name),
        background=pg.background,
        redis=redis if redis_url else None,
    )
    try:
        servers = [node_server(dep, i, redis_url, prefix) for i in range(nodes)]
        workloads: dict[str, Any] = {}
        with all_running(servers):
            for server in servers:
                ready = httpx.get(server.base + "/readyz", timeout=10)
                if ready.status_code != 200:
                    raise SystemExit(f"bench: {server.name} is not ready: {ready.status_code} {ready.text}")
            body_file = dep.directory / "get_room_info.json"
            with httpx.Client(base_url=servers[0].base, timeout=10) as client:
                body_file.write_bytes(run.call(client, dep, "get_room_info", {"RoomId": seed.room_id(0)}).content)
            cursors, count = run.capture_cursors(servers[0].base, dep, args.walk_pages)
            log(f"{nodes} node(s): captured {count} Next cursors")
            for name, script in selected(args.workloads):
                log(f"{nodes} node(s), {name}: {load.connections} connections, {load.duration:g} s x {args.repeat}")
                workloads[name] = run.best_of(
                    args.repeat,
                    lambda s=script: run_wrk_nodes(s, servers, dep, args.rooms, load, measured, cursors=cursors),
                )
                if name == "create_room":
                    out["durability"] = kill_and_count(servers, dep, workloads[name])
                    for server in servers:
                        server.start()
            out["rss_kib_by_node"] = [s.rss_kib() for s in servers]
            if nodes > 1:
                out["cross_node"] = cross_node_check(servers, dep)
        out["workloads"] = workloads
        log(f"ceiling: {nodes} bare ASGI process(es) on core {NODE_CORES}")
        ceilings = [run.ceiling_server(dep, body_file, 1, NODE_CORES) for _ in range(nodes)]
        with all_running(ceilings, "/"):
            out["ceiling"] = run.best_of(
                args.repeat, lambda: run_wrk_nodes("get_room_info.lua", ceilings, dep, args.rooms, load, Measured())
            )
    finally:
        if args.keep:
            log(f"kept schema {dep.schema}")
        else:
            pg.drop_schema(dep.schema)
        if redis_url and redis is not None:
            out["redis_keys_deleted"] = redis.clean(prefix)
    return out


# report -------------------------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    header = (
        "workload", "req/s", "p50 ms", "p99 ms", "x ceiling", "answers ok/bad", "nodes µs/req", "PG µs/req",
        "Redis µs/req", "Redis cmd/req", "x ceiling (CPU)", "other CPU %",
    )  # fmt: skip
    rows: list[tuple[str, ...]] = [header]
    for run_ in results["runs"]:
        n = run_["nodes"]
        ceiling = run_["ceiling"]
        rows.append((f"-- {n} node{'s' if n > 1 else ''} --",) + ("",) * (len(header) - 1))

        def row(name: str, r: dict[str, Any], ceiling: dict[str, Any] = ceiling) -> None:
            errors = r["bad"] + r["non2xx"] + r["socket_errors"]
            by_cpu = ceiling["server_cpu_us_per_request"] / max(0.1, r["server_cpu_us_per_request"])
            rows.append((
                name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
                f"{r['rps'] / ceiling['rps']:.1%}", f"{r['ok']}/{errors}", f"{r['server_cpu_us_per_request']:.0f}",
                f"{r['pg_backend_cpu_us_per_request']:.0f}", f"{r['redis_cpu_us_per_request']:.0f}",
                f"{r['redis_commands_per_request']:.2f}", f"{by_cpu:.1%}", f"{r['other_cpu_pct']:.0f}",
            ))  # fmt: skip

        row(f"ceiling ({n} bare ASGI process{'es' if n > 1 else ''})", ceiling)
        for name, r in run_["workloads"].items():
            row(name, r)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    for run_ in results["runs"]:
        n, d = run_["nodes"], run_.get("durability")
        rss = ", ".join(f"{k / 1024:.0f}" for k in run_["rss_kib_by_node"])
        line = f"{n} node(s), Redis {'on' if run_['redis_prefix'] else 'off'}: RSS MiB per node {rss}"
        if d:
            stored, answered = d["rooms_created_found_after_kill9"], d["create_room_answered_ok_in_timed_runs"]
            line += f"; kill -9 after create_room: {stored} stored / {answered} answered"
        if "cross_node" in run_:
            line += f"; cross-node create/read/update: {'ok' if run_['cross_node']['ok'] else 'FAILED'}"
        lines.append(line)
    for counts, ratios in results.get("node_count_ratios", {}).items():
        n = counts.split("/")[0]
        shown = ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items())
        lines.append(f"CPU per request (nodes + PostgreSQL backends + Redis), {n} nodes over 1 node: {shown}")
    return "\n".join(lines)


def cpu_per_request(r: dict[str, Any]) -> float:
    """What a request costs the deployment: the nodes, this run's PostgreSQL backends and Redis."""
    return float(r["server_cpu_us_per_request"] + r["pg_backend_cpu_us_per_request"] + r["redis_cpu_us_per_request"])


def node_count_ratios(results: dict[str, Any]) -> dict[str, Any]:
    """For each node count beyond one: its CPU per request over one node's, per workload and for the ceiling."""
    runs = {r["nodes"]: r for r in results["runs"]}
    one = runs.get(1)
    out: dict[str, Any] = {}
    if one is None:
        return out
    for n, r in runs.items():
        if n == 1:
            continue
        ratios = {"ceiling": round(cpu_per_request(r["ceiling"]) / max(0.1, cpu_per_request(one["ceiling"])), 2)}
        for name, w in r["workloads"].items():
            if name in one["workloads"]:
                ratios[name] = round(cpu_per_request(w) / max(0.1, cpu_per_request(one["workloads"][name])), 2)
        out[f"{n}/1"] = ratios
    return out


def problems(results: dict[str, Any]) -> list[str]:
    out = []
    for run_ in results["runs"]:
        n = run_["nodes"]
        out += [f"{n} node(s): wrong answers in {name}" for name, r in run_["workloads"].items() if not r["valid"]]
        if not run_["ceiling"]["valid"]:
            out.append(f"{n} node(s): wrong answers from the ceiling")
        if not run_.get("durability", {"ok": True})["ok"]:
            out.append(f"{n} node(s): answered create_room missing after kill -9")
        if not run_.get("cross_node", {"ok": True})["ok"]:
            out.append(f"{n} nodes: a change made through one node was not seen through another")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.postgres",
        description=(
            "The workloads of `python -m bench` against PostgreSQL: one node, then three nodes sharing one schema "
            "and Redis (each a `liveroom serve` with one worker). Nodes on core 0; wrk (one per node, connections "
            "split) and this run's PostgreSQL backends on core 1. Each node count gets a fresh schema, dropped "
            "afterwards, and the ceiling (bare ASGI processes, as many as nodes). About 3.5 minutes with the "
            "defaults on a quiet machine. See BENCHMARKS.md, 'PostgreSQL: one node and three nodes'."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 3], help="node counts to run, in order")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL server (a schema is created in it per run)")
    parser.add_argument("--redis", default=REDIS, help="Redis the nodes share (one node runs without it)")
    parser.add_argument(
        "--one-node-redis", action="store_true", help="give the one-node run Redis too (Redis's cost apart from N)"
    )
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=[Path(script).stem for _, script in WORKLOADS],
        default=[Path(script).stem for _, script in WORKLOADS],
        metavar="NAME",
        help="workloads to run (the names of bench/wrk/*.lua)",
    )
    parser.add_argument("--rooms", type=int, default=10_000, help="rooms seeded per run")
    run.add_load_options(parser, connections_help="wrk connections in all (split between nodes)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON results go")
    parser.add_argument("--keep", action="store_true", help="keep the schemas and the temporary directory (logs)")
    args = parser.parse_args(argv)
    if args.rooms < 2 * run.PAGE:
        parser.error(f"--rooms must be at least {2 * run.PAGE}")
    if any(n < 1 for n in args.nodes) or args.connections < max(args.nodes):
        parser.error("--nodes must be at least 1, and --connections at least the largest node count")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run.ensure_wrk()
    run.check_machine()
    pg = Postgres(args.postgres)
    redis = RedisProbe(args.redis) if args.one_node_redis or any(n > 1 for n in args.nodes) else None
    load = Load(args.connections, args.duration, args.warmup, quiet_pct=args.quiet, quiet_wait=args.quiet_wait)
    started = time.time()
    results: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "machine": {**run.machine(), "postgres": pg.version, "postgres_settings": pg.settings},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "runs": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="liveroom-bench-pg-"))
    try:
        for nodes in args.nodes:
            results["runs"].append(one_deployment(args, pg, nodes, load, tmp, redis))
    finally:
        pg.close()
        if redis is not None:
            redis.close()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    results["node_count_ratios"] = node_count_ratios(results)
    results["elapsed_s"] = round(time.time() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    print(f"\nresults: {args.output} ({results['elapsed_s']:.0f} s)")
    wrong = problems(results)
    for problem in wrong:
        print(f"INVALID: {problem}; see the JSON", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
