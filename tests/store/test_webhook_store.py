"""The store suite for webhooks (migration 0003): callback configurations, the outbox and its per-room queues.

Runs on every backend of ``tests/store/test_store.py``. The claims are what keeps each room's events in order
and shares the work between senders: a claimed room is nobody else's until its lease ends.
"""

from __future__ import annotations

import asyncio

from liveroom.store.interface import CallbackConfig, Store
from liveroom.store.records import NewWebhookEvent
from tests.store.test_store import APP, OTHER_APP, backend, store, url

__all__ = ["backend", "store", "url"]  # fixtures, imported to be found by pytest

NOW = 1_800_000_000_000
DAY = 86_400_000


def new_event(room_id: str, n: int, sdkappid: int = APP, at: int = NOW) -> NewWebhookEvent:
    return NewWebhookEvent(
        sdkappid=sdkappid,
        room_id=room_id,
        command="Live.CallbackAfterSetMetadata",
        fact=f"{room_id}-{n}".encode(),
        event_time=at,
        client_ip="127.0.0.1",
        platform="RESTAPI",
    )


async def add(store: Store, *events: NewWebhookEvent) -> None:
    async with store.write() as tx:
        for event in events:
            await tx.add_webhook_event(event, event.event_time + DAY)


async def claim(store: Store, owner: str, now: int = NOW, rooms: int = 10, per_room: int = 10) -> list[bytes]:
    async with store.write() as tx:
        events = await tx.claim_webhook_rooms(owner, now, now + 30_000, rooms, per_room)
    return [e.fact for e in events]


async def test_callback_configurations_are_kept_per_app(store: Store) -> None:
    config = CallbackConfig(url="https://b.example/cb", commands=frozenset({"Live.CallbackAfterCreateRoom"}))
    async with store.write() as tx:
        assert await tx.callback_config(APP) is None
        await tx.put_callback_config(APP, config)
        await tx.put_callback_config(OTHER_APP, CallbackConfig(token="t", token_enabled=True))
    async with store.read() as tx:
        assert await tx.callback_config(APP) == config
        assert await tx.callback_configs() == {APP: config, OTHER_APP: CallbackConfig(token="t", token_enabled=True)}
    assert "'t'" not in repr(CallbackConfig(token="t"))


async def test_a_claim_takes_whole_rooms_in_order_and_others_skip_them(store: Store) -> None:
    await add(store, new_event("a", 1), new_event("b", 1), new_event("a", 2), new_event("a", 3))
    assert await claim(store, "n1:1", per_room=2) == [b"a-1", b"b-1", b"a-2"]
    # Leased: nobody else gets those rooms, whatever is added to them meanwhile.
    await add(store, new_event("a", 4), new_event("c", 1))
    assert await claim(store, "n2:1") == [b"c-1"]
    # A lease that ran out is taken over, from the room's first event that is still there.
    facts = await claim(store, "n2:2", now=NOW + 30_000)
    assert facts == [b"a-1", b"b-1", b"a-2", b"a-3", b"a-4", b"c-1"]


async def test_giving_a_room_back_deletes_what_was_delivered_and_schedules_the_rest(store: Store) -> None:
    await add(store, new_event("a", 1), new_event("a", 2))
    async with store.write() as tx:
        events = await tx.claim_webhook_rooms("n1:1", NOW, NOW + 30_000, 10, 10)
        first, second = events
    async with store.write() as tx:
        assert await tx.release_webhook_room(APP, "a", "n1:1", NOW + 1000)
        await tx.delete_webhook_events([first.id])
        await tx.fail_webhook_event(second.id, 1, "HTTP 500", dead=False)
    assert await claim(store, "n1:2", now=NOW + 999) == []
    async with store.write() as tx:
        (again,) = await tx.claim_webhook_rooms("n1:3", NOW + 1000, NOW + 31_000, 10, 10)
    assert again.id == second.id and again.attempts == 1 and again.last_error == "HTTP 500"
    # A sender whose lease was taken over cannot give the room back.
    async with store.write() as tx:
        assert not await tx.release_webhook_room(APP, "a", "n1:1", NOW)


async def test_dead_events_wait_aside_and_can_be_redelivered(store: Store) -> None:
    await add(store, new_event("a", 1), new_event("a", 2), new_event("b", 1, sdkappid=OTHER_APP))
    async with store.write() as tx:
        head, _ = await tx.claim_webhook_rooms("n1:1", NOW, NOW + 30_000, 1, 10)
        await tx.fail_webhook_event(head.id, 7, "cannot connect", dead=True)
        assert await tx.release_webhook_room(APP, "a", "n1:1", NOW)
    # The room goes on with its next event.
    assert await claim(store, "n1:2", rooms=1) == [b"a-2"]
    async with store.read() as tx:
        (dead,) = await tx.dead_webhook_events(None, 0, 10)
        assert dead.id == head.id and dead.dead and dead.attempts == 7
        assert await tx.dead_webhook_events(OTHER_APP, 0, 10) == []
        stats = {s.sdkappid: s for s in await tx.webhook_stats()}
        assert (stats[APP].pending, stats[APP].dead, stats[APP].oldest_pending) == (1, 1, NOW)
        assert (stats[OTHER_APP].pending, stats[OTHER_APP].dead) == (1, 0)
    async with store.write() as tx:
        assert await tx.redeliver_webhook_event(head.id, NOW + 5, NOW + 5 + DAY)
        assert not await tx.redeliver_webhook_event(head.id, NOW + 5, NOW + 5 + DAY)
    async with store.read() as tx:
        event = await tx.get_webhook_event(head.id)
        assert event is not None and not event.dead and event.attempts == 0 and event.expires_at == NOW + 5 + DAY


async def test_an_emptied_room_leaves_the_queue_and_comes_back_with_its_next_event(store: Store) -> None:
    await add(store, new_event("a", 1))
    async with store.write() as tx:
        (event,) = await tx.claim_webhook_rooms("n1:1", NOW, NOW + 30_000, 10, 10)
        await tx.delete_webhook_events([event.id])
        await tx.release_webhook_room(APP, "a", "n1:1", NOW)
    assert await claim(store, "n1:2") == []
    async with store.read() as tx:
        assert await tx.webhook_stats() == []
    await add(store, new_event("a", 2))
    assert await claim(store, "n1:3") == [b"a-2"]


async def test_ids_only_grow_even_after_the_outbox_was_emptied(store: Store) -> None:
    await add(store, new_event("a", 1))
    async with store.write() as tx:
        (first,) = await tx.claim_webhook_rooms("n1:1", NOW, NOW + 30_000, 10, 10)
        await tx.delete_webhook_events([first.id])
        await tx.release_webhook_room(APP, "a", "n1:1", NOW)
    assert await claim(store, "n1:0") == []  # the empty room leaves the queue
    await add(store, new_event("a", 2))
    async with store.write() as tx:
        (second,) = await tx.claim_webhook_rooms("n1:2", NOW, NOW + 30_000, 10, 10)
    assert second.id > first.id


async def test_concurrent_claims_share_the_rooms_without_overlap(store: Store) -> None:
    await add(store, *(new_event(f"r{i}", n) for i in range(20) for n in range(3)))
    claims = await asyncio.gather(*(claim(store, f"n{k}:1", rooms=4, per_room=3) for k in range(8)))
    taken = [fact for facts in claims for fact in facts]
    assert len(taken) == len(set(taken)) == 60
    for facts in claims:
        rooms = [fact.split(b"-")[0] for fact in facts]
        for room in set(rooms):
            mine = [f for f in facts if f.split(b"-")[0] == room]
            assert mine == sorted(mine)
