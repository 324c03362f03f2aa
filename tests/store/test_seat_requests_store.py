"""The store suite for seat requests (migration 0007): a pending application or invitation ends once, by the one
transaction that deletes its row, whether it is answered, cancelled or timed out, and however many try at once.

Runs on every backend of ``tests/store/test_store.py``; on PostgreSQL the competitors are separate stores (separate
connection pools, as separate nodes have).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from liveroom.store.interface import SeatRequestRecord, Store
from tests.store.test_store import APP, OTHER_APP, Backend, backend, store, url

__all__ = ["backend", "store", "url"]  # fixtures, imported to be found by pytest

NOW = 1_800_000_000_000
INVITATION = "invitation"
APPLICATION = "application"


def request(
    user: str, deadline: int, kind: str = INVITATION, sdkappid: int = APP, room_id: str = "r1"
) -> SeatRequestRecord:
    return SeatRequestRecord(sdkappid, room_id, user, kind, 2, "host", deadline)


@pytest.fixture
async def stores(store: Store, backend: Backend, url: str) -> AsyncIterator[list[Store]]:
    """Competitors: on PostgreSQL a second store on the same schema; SQLite has one writer, one store."""
    if backend.name == "sqlite":
        yield [store]
        return
    other = backend.open_store(url)
    await other.open()
    try:
        yield [store, other]
    finally:
        await other.close()


async def test_one_request_of_each_kind_per_member_and_room(store: Store) -> None:
    async with store.write() as tx:
        assert await tx.add_seat_request(request("alice", NOW + 1000))
        assert not await tx.add_seat_request(request("alice", NOW + 9000))  # pending already: not replaced
        assert await tx.add_seat_request(request("alice", NOW + 2000, APPLICATION))
        assert await tx.add_seat_request(request("alice", NOW + 3000, room_id="r2"))
        assert await tx.add_seat_request(request("alice", NOW + 4000, sdkappid=OTHER_APP))
    async with store.read() as tx:
        assert await tx.next_seat_request_deadline() == NOW + 1000


async def test_a_request_is_taken_once_and_not_after_its_deadline(store: Store) -> None:
    async with store.write() as tx:
        await tx.add_seat_request(request("alice", NOW + 1000))
        await tx.add_seat_request(request("bob", NOW + 1000))
    async with store.write() as tx:
        assert await tx.take_seat_request(APP, "r1", "alice", APPLICATION, NOW) is None  # another kind
        assert await tx.take_seat_request(APP, "r1", "alice", INVITATION, NOW) == request("alice", NOW + 1000)
        assert await tx.take_seat_request(APP, "r1", "alice", INVITATION, NOW) is None
        # Its time is up: it is the clock's to time out, no longer anyone's to answer.
        assert await tx.take_seat_request(APP, "r1", "bob", INVITATION, NOW + 1000) is None
    async with store.read() as tx:
        assert await tx.next_seat_request_deadline() == NOW + 1000


async def test_only_requests_whose_time_is_up_time_out_soonest_first(store: Store) -> None:
    async with store.write() as tx:
        for i, user in enumerate(("a", "b", "c", "d")):
            await tx.add_seat_request(request(user, NOW + 1000 * i))
    async with store.write() as tx:
        assert [r.member_account for r in await tx.time_out_seat_requests(NOW + 2000, 2)] == ["a", "b"]
        assert [r.member_account for r in await tx.time_out_seat_requests(NOW + 2000, 10)] == ["c"]
        assert await tx.time_out_seat_requests(NOW + 2000, 10) == []
    async with store.read() as tx:
        assert await tx.next_seat_request_deadline() == NOW + 3000
    async with store.write() as tx:
        assert len(await tx.time_out_seat_requests(NOW + 3000, 10)) == 1
    async with store.read() as tx:
        assert await tx.next_seat_request_deadline() is None


async def test_competing_answers_cancellations_and_timeouts_end_each_request_once(stores: list[Store]) -> None:
    users = [f"u{i:02d}" for i in range(30)]
    async with stores[0].write() as tx:
        for user in users:
            await tx.add_seat_request(request(user, NOW + 1000))

    async def take(store: Store, user: str) -> list[str]:
        async with store.write() as tx:
            taken = await tx.take_seat_request(APP, "r1", user, INVITATION, NOW)
        return [] if taken is None else [taken.member_account]

    async def time_out(store: Store) -> list[str]:
        async with store.write() as tx:
            return [r.member_account for r in await tx.time_out_seat_requests(NOW + 1000, 7)]

    attempts = [take(s, user) for user in users[::2] for s in stores for _ in range(2)]
    attempts += [time_out(s) for s in stores for _ in range(3)]
    ended = [user for users_ended in await asyncio.gather(*attempts) for user in users_ended]
    async with stores[0].write() as tx:
        ended += [r.member_account for r in await tx.time_out_seat_requests(NOW + 1000, 100)]
    assert sorted(ended) == users  # each once, by whoever got it
