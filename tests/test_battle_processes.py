"""Battles end exactly once across real ``liveroom serve`` processes: through kill -9 and restarts (an end neither
lost nor repeated), and on two nodes sharing one PostgreSQL (each battle ended by one of them). The ends are
counted where an app backend sees them: ``Live.CallbackAfterEndBattle`` at a webhook receiver, one event id per
battle (a retried delivery keeps its id)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

import pytest

from tests.helpers import POSTGRESQL, LiveClient
from tests.receiver import Received, Receiver
from tests.test_server_process import (
    Server,
    StartServer,
    app_db,
    connect,
    database_url,
    redis_args,
    redis_prefix,
    redis_url,
    start_server,
)

# fixtures, imported to be found by pytest
__all__ = ["app_db", "connect", "database_url", "redis_prefix", "redis_url", "start_server"]

pytestmark = pytest.mark.slow

PK = "live_engine_http_pk"
END = "Live.CallbackAfterEndBattle"
ENV = {"LIVEROOM_BATTLE_POLL_SECONDS": "0.1", "LIVEROOM_WEBHOOK_POLL_SECONDS": "0.1"}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    arrivals: dict[int, float] = {}
    r.on_request = lambda got: arrivals.setdefault(id(got), time.time())
    r.arrivals = arrivals  # type: ignore[attr-defined]
    await r.start()
    yield r
    await r.stop()


async def setup(live: LiveClient, receiver: Receiver, rooms: int) -> None:
    await live.ok("set_callback", {"Url": receiver.url, "CallbackCommandList": [END]}, service="live_config")
    for i in range(rooms):
        await live.create_room(f"r{i}")


async def battle(live: LiveClient, a: str, b: str, duration: int) -> str:
    body = {"FromRoomId": a, "ToRoomIdList": [b], "Duration": duration}
    answer = (await live.ok("create_battle", body, service=PK))["Response"]
    assert answer["Result"][0]["ResultCode"] == 0
    battle_id: str = answer["BattleId"]
    return battle_id


def ends(receiver: Receiver) -> dict[str, set[str]]:
    """Per BattleId, the event ids of the EndBattle callbacks that arrived (one id: one end, however often sent)."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in receiver.received:
        if r.command == END:
            found[r.body["BattleId"]].add(r.event_id)
    return found


async def wait_ended(receiver: Receiver, battle_ids: set[str], within: float) -> list[Received]:
    deadline = time.monotonic() + within
    while not battle_ids <= set(ends(receiver)):
        assert time.monotonic() < deadline, f"not ended: {battle_ids - set(ends(receiver))}"
        await asyncio.sleep(0.05)
    return [r for r in receiver.received if r.command == END and r.body["BattleId"] in battle_ids]


async def test_an_end_is_neither_lost_nor_repeated_across_kill_9_and_restarts(
    app_db: str, start_server: StartServer, connect: Callable[[Server], LiveClient], receiver: Receiver
) -> None:
    first = start_server(app_db, env=ENV)
    live = connect(first)
    await setup(live, receiver, 4)
    early = await battle(live, "r0", "r1", 10000)
    late = await battle(live, "r2", "r3", 15000)
    # The first ends while the node runs; the node is killed right after its end arrived.
    (got,) = await wait_ended(receiver, {early}, within=20)
    first.kill()
    lateness = receiver.arrivals[id(got)] - got.body["EndTime"]  # type: ignore[attr-defined]
    assert -1 < lateness < 1.5, f"ended {lateness:.2f} s after its EndTime"
    print(f"the end arrived {lateness:.2f} s after EndTime (whole seconds)")
    # The second's time comes while no node runs: the next one ends it, at its stored EndTime.
    await asyncio.sleep(max(0.0, (got.body["EndTime"] + 5.5) - time.time()))
    restarted = start_server(app_db, env=ENV)
    (late_end,) = await wait_ended(receiver, {late}, within=10)
    assert (late_end.body["OpType"], late_end.body["EndTime"] - late_end.body["StartTime"]) == (0, 15)
    restarted.kill()
    again = start_server(app_db, env=ENV)
    await asyncio.sleep(1.5)
    assert ends(receiver) == {early: {got.event_id}, late: {late_end.event_id}}, "an end was repeated"
    live = connect(again)
    for battle_id in (early, late):
        read = (await live.ok("get_battle_info", {"BattleId": battle_id}, service=PK))["Response"]
        assert read["Status"] == 3


async def test_two_nodes_end_each_battle_once(
    backend: str,
    app_db: str,
    start_server: StartServer,
    connect: Callable[[Server], LiveClient],
    receiver: Receiver,
    redis_url: str,
    redis_prefix: str,
) -> None:
    if backend != POSTGRESQL:
        pytest.skip("many nodes share PostgreSQL")
    redis = redis_args(redis_url, redis_prefix)
    nodes = [start_server(app_db, *redis, env=ENV), start_server(app_db, *redis, env=ENV)]
    lives = [connect(node) for node in nodes]
    pairs = 40
    await setup(lives[0], receiver, 2 * pairs)
    # All due within the same fraction of a second, created through both nodes.
    battle_ids = set(
        await asyncio.gather(*(battle(lives[i % 2], f"r{2 * i}", f"r{2 * i + 1}", 10000) for i in range(pairs)))
    )
    got = await wait_ended(receiver, battle_ids, within=25)
    await asyncio.sleep(1.0)
    assert {b: len(ids) for b, ids in ends(receiver).items()} == dict.fromkeys(battle_ids, 1)
    assert {r.body["OpType"] for r in got} == {0}
    by_node = [sum(int(n) for n in re.findall(r"battles: ended (\d+)", node.stderr)) for node in nodes]
    assert sum(by_node) == pairs, by_node
    print(f"battles ended by each node: {by_node}")
