"""bench.realtime's arguments and its per-node figures (no server, no client: the bench itself is not run)."""

from __future__ import annotations

from typing import Any

import pytest
from bench import realtime


def test_one_node_on_sqlite_by_default() -> None:
    args = realtime.parse_args([])
    assert (args.nodes, args.cluster, args.no_one_node) == (1, False, False)
    assert args.member_counts == [1000, 5000, 20000]


def test_several_nodes_imply_postgresql_and_redis() -> None:
    args = realtime.parse_args(["--nodes", "2", "--members", "1000,5000"])
    assert (args.nodes, args.cluster) == (2, True)
    assert args.member_counts == [1000, 5000]
    assert realtime.parse_args(["--cluster"]).cluster


@pytest.mark.parametrize("argv", [["--nodes", "0"], ["--nodes", "two"], ["--members", "1000,many"]])
def test_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        realtime.parse_args(argv)
    assert exited.value.code == 2
    assert argv[0] in capsys.readouterr().err


def _node(members: int, cpu_us: float) -> dict[str, Any]:
    return {
        "members": members,
        "cpu_seconds": round(cpu_us * members * 200 / 1e6, 2),
        "cpu_us_per_delivery": cpu_us,
        "text_frames_per_member": 200.0,
        "latency_ms_p50": 5.0,
        "latency_ms_p99": 20.0,
    }


def test_each_node_against_the_one_node_run() -> None:
    run: dict[str, Any] = {
        "members": 1000,
        "one_node": {"nodes": 1, "per_node": [_node(1000, 10.0)], "redis": {"messages_per_publish": 1.0}},
        "liveroom": {
            "nodes": 2,
            "per_node": [_node(500, 12.0), _node(500, 9.0)],
            "redis": {"messages_per_publish": 1.0, "events_per_message": 1.0},
        },
        "ceiling": {"server_cpu_us_per_delivery": 8.0},
    }
    realtime.compare(run)
    assert [node["x_one_node"] for node in run["liveroom"]["per_node"]] == [1.2, 0.9]
    rows = realtime.node_table([run]).splitlines()[2:]
    assert len(rows) == 3
    assert rows[1].startswith("| 1,000 | 2 nodes | 0 | 500 | 1.2 | 12.0 | 1.2 | 1.5 |")
    assert "1.0 (1.0)" in rows[1] and rows[2].endswith("|  |")
