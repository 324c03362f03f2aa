"""The Redis lock-out and rate limiter as two nodes see them: two clusters (two connection pools) on one prefix."""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import AsyncIterator

import limits.aio.storage.redis.redispy
import pytest
import redis.asyncio

from liveroom.cluster import Cluster, RedisLockout
from liveroom.domain.ratelimit import Rate, RateLimiter
from liveroom.errors import ErrorCode, LiveError
from liveroom.store.interface import AppRecord
from tests.helpers import SDKAPPID, Clock
from tests.redis import service

UNREACHABLE = "redis://127.0.0.1:1/0"
# A guard against a hung test, not a timing assertion.
WAIT = 10.0


def app_record(overrides: dict[str, int] | None = None, *, sdkappid: int = SDKAPPID) -> AppRecord:
    return AppRecord(
        sdkappid=sdkappid,
        secret_key="k" * 64,
        enabled=True,
        created_at=0,
        member_quota=1000,
        seat_quota=16,
        rate_limits_enabled=True,
        rate_limit_overrides=overrides or {},
        admins=frozenset({"administrator"}),
    )


@pytest.fixture
async def nodes(redis_url: str, redis_prefix: str) -> AsyncIterator[tuple[Cluster, Cluster]]:
    a, b = Cluster(redis_url, redis_prefix), Cluster(redis_url, redis_prefix)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The limiter's clock (it stamps each hit itself), frozen so "within a second" holds on any machine."""
    frozen = Clock()
    monkeypatch.setattr(limits.aio.storage.redis.redispy, "time", types.SimpleNamespace(time=frozen.time))
    return frozen


async def hits(limiters: list[RateLimiter], app: AppRecord, command: str, times: int) -> list[int]:
    """``times`` calls, alternating between the limiters; the code each would answer."""
    codes = []
    for i in range(times):
        try:
            await limiters[i % len(limiters)].check(app, command, Rate(200))
            codes.append(0)
        except LiveError as refused:
            codes.append(refused.code)
    return codes


# rate limits ------------------------------------------------------------------------------------------------


async def test_a_limit_holds_for_both_nodes_together(nodes: tuple[Cluster, Cluster], clock: Clock) -> None:
    limiters = [node.rate_limiter() for node in nodes]
    app = app_record({"get_room_list": 10})
    assert await hits(limiters, app, "get_room_list", 11) == [0] * 10 + [ErrorCode.RATE_LIMITED]
    assert await hits(limiters[::-1], app, "get_room_list", 2) == [ErrorCode.RATE_LIMITED] * 2
    # Another command and another app have limits of their own.
    assert await hits(limiters, app, "get_room_info", 3) == [0] * 3
    assert await hits(limiters, app_record({"get_room_list": 10}, sdkappid=SDKAPPID + 1), "get_room_list", 3) == [0] * 3
    clock.now += 1.01
    assert await hits(limiters, app, "get_room_list", 11) == [0] * 10 + [ErrorCode.RATE_LIMITED]


async def test_in_memory_each_process_counts_alone(clock: Clock) -> None:
    """The contrast: without Redis two processes let through twice the limit."""
    limiters = [RateLimiter(), RateLimiter()]
    assert await hits(limiters, app_record({"get_room_list": 10}), "get_room_list", 21) == [0] * 20 + [60007]


async def test_limit_keys_are_under_the_prefix_and_expire(
    nodes: tuple[Cluster, Cluster], redis_prefix: str, redis_url: str
) -> None:
    await nodes[0].rate_limiter().check(app_record(), "get_room_list", Rate(10))
    names = service.keys_under(redis_prefix)
    assert names, "the hit was not counted under the prefix"
    async with redis.asyncio.Redis.from_url(redis_url) as client:
        for name in names:
            assert await client.pttl(name) > 0, name


async def test_calls_are_served_unlimited_while_redis_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter.on_redis(UNREACHABLE, socket_connect_timeout=1)
    with caplog.at_level(logging.WARNING, "liveroom.ratelimit"):
        assert await hits([limiter], app_record({"get_room_list": 1}), "get_room_list", 3) == [0, 0, 0]
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == ["rate limits not enforced: storage unreachable (ConnectionError)"]


# the UserSig lock-out ---------------------------------------------------------------------------------------


async def eventually_locked(lockout: RedisLockout, client: str, sdkappid: int = SDKAPPID) -> None:
    """A lock set on another node arrives by pub/sub, a moment after it was set."""
    for _ in range(int(WAIT / 0.01)):
        if await lockout.is_locked(client, sdkappid):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{client} never locked out")


async def test_failures_on_both_nodes_add_up_to_one_lock_out_seen_by_both(nodes: tuple[Cluster, Cluster]) -> None:
    a, b = (node.lockout(max_failures=3, window_seconds=60, lock_seconds=60) for node in nodes)
    for node in nodes:
        await node.start()
    for lockout in (a, b, a):
        await lockout.record_failure("198.51.100.1", SDKAPPID)
    assert not await a.is_locked("198.51.100.1", SDKAPPID)
    assert not await b.is_locked("198.51.100.1", SDKAPPID)
    await b.record_failure("198.51.100.1", SDKAPPID)
    assert await b.is_locked("198.51.100.1", SDKAPPID)
    await eventually_locked(a, "198.51.100.1")
    # Per address and app.
    assert not await a.is_locked("198.51.100.2", SDKAPPID)
    assert not await b.is_locked("198.51.100.1", SDKAPPID + 1)


async def test_a_node_that_starts_later_knows_the_locks_already_set(
    nodes: tuple[Cluster, Cluster], redis_url: str, redis_prefix: str
) -> None:
    a = nodes[0].lockout(max_failures=0, window_seconds=60, lock_seconds=60)
    await nodes[0].start()
    await a.record_failure("2001:db8::1", SDKAPPID)
    later = Cluster(redis_url, redis_prefix)
    try:
        lockout = later.lockout(max_failures=0, window_seconds=60, lock_seconds=60)
        await later.start()
        assert await lockout.is_locked("2001:db8::1", SDKAPPID)
        assert not await lockout.is_locked("2001:db8::1", SDKAPPID + 1)
    finally:
        await later.close()


async def test_lock_out_keys_expire_by_themselves(
    nodes: tuple[Cluster, Cluster], redis_prefix: str, redis_url: str
) -> None:
    # Long enough to be read back on a loaded machine (at 0.2 s the lock was sometimes gone before it was read).
    lockout = nodes[0].lockout(max_failures=1, window_seconds=60, lock_seconds=2)
    other = nodes[1].lockout(max_failures=1, window_seconds=60, lock_seconds=2)
    for node in nodes:
        await node.start()
    await lockout.record_failure("198.51.100.1", SDKAPPID)
    async with redis.asyncio.Redis.from_url(redis_url) as client:
        (counter,) = service.keys_under(redis_prefix)
        assert 0 < await client.pttl(counter) <= 60_000
        await lockout.record_failure("198.51.100.1", SDKAPPID)
        await eventually_locked(other, "198.51.100.1")
        (lock,) = service.keys_under(redis_prefix)
        assert lock.endswith(b":locked")
        assert 0 < await client.pttl(lock) <= 2_000

    for _ in range(int(WAIT / 0.05)):
        if not service.keys_under(redis_prefix):
            break
        await asyncio.sleep(0.05)
    assert service.keys_under(redis_prefix) == []
    assert not await lockout.is_locked("198.51.100.1", SDKAPPID)
    assert not await other.is_locked("198.51.100.1", SDKAPPID)


async def test_nobody_is_locked_out_while_redis_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    cluster = Cluster(UNREACHABLE)
    try:
        lockout = cluster.lockout(max_failures=0, window_seconds=60, lock_seconds=60)
        with caplog.at_level(logging.WARNING, "liveroom.cluster"):
            await lockout.record_failure("198.51.100.1", SDKAPPID)
            assert not await lockout.is_locked("198.51.100.1", SDKAPPID)
        assert [r.getMessage() for r in caplog.records] == [
            "UserSig failures not counted: Redis unreachable (ConnectionError)"
        ]
    finally:
        await cluster.close()
